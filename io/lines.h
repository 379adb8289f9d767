/* Text input by lines, shared over ranks (sigma proxies, issue 13): the files' bytes, in
 * order, are cut into P even byte ranges; a line belongs to the rank whose range holds its
 * first byte. So every line is read by exactly one rank, whatever P, and the result of an
 * order-independent accumulation is the same for any number of ranks. */
#ifndef SIGMA_IO_LINES_H
#define SIGMA_IO_LINES_H

#include <stddef.h>
#include <stdint.h>

/* Called for each line (without its newline; NUL-terminated, len bytes). */
typedef int (*sigma_line_fn)(void *ctx, const char *line, size_t len);

/* Check that every file is a readable regular file (io/files.h sigma_file_input) and
 * record the total bytes in *total. Errors: SIGMA_EIO naming the file. */
int sigma_lines_check(char *const *files, int nfiles, uint64_t *total);

/* This rank's lines of files (rank of size ranks), each valid UTF-8 without NUL bytes,
 * handed to fn in file order. Empty lines are lines (len 0). *lines: lines handed.
 * Errors: SIGMA_EIO (a read), SIGMA_EDATA "FILE: line L: invalid UTF-8" (or "a NUL
 * byte"; L counted from 1 in that file), fn's error (stops the reading). */
int sigma_lines_share(char *const *files, int nfiles, int rank, int size, sigma_line_fn fn,
                      void *ctx);

#endif
