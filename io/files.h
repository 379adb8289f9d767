/* Files sigma reads and writes: input identities and the one output writer.
 *
 * Every file sigma reads (HDF5 shards, @LIST files, observed-index files) is first
 * checked with sigma_file_input(): it must be a regular file (a FIFO would hang HDF5's
 * open, a device would be consumed), and its identity (device and inode, after
 * following links) is recorded. Every output goes through this layer too, which
 * resolves links and refuses a target whose identity is a recorded input, so no output
 * flag can destroy an input whatever name reaches it (a hard link, a symlink, ../x.h5).
 *
 * An output that is a regular file (or a new name) is written to a temporary beside the
 * resolved target and renamed onto it on commit: nobody sees half a file, and a failed
 * run leaves the old file (or none). A character device or FIFO (/dev/null, a named
 * pipe) is written directly, since renaming onto it would replace the node; so is a
 * target that is this process's own stdout or stderr (--json /dev/stdout with stdout
 * redirected to a file), through that stream, so the table and the JSON both survive.
 * Directories, sockets and block devices are refused.
 *
 * No MPI: callers decide which rank writes. Errors are one line naming the path.
 */
#ifndef SIGMA_IO_FILES_H
#define SIGMA_IO_FILES_H

#include <stddef.h>
#include <stdio.h>

/* Check that path names a readable regular file and record its identity as an input.
 * what names the role in messages ("input", "list file", "observed-indices file").
 * Errors: SIGMA_EIO (missing, unreadable, a directory, a FIFO, device or socket). */
int sigma_file_input(const char *path, const char *what);

/* Pre-flight check of an output path, before any work: links resolved, the target must
 * not be a recorded input, nor a directory, socket or block device, nor the target of
 * an earlier checked output (--json x --csv x), and its directory must exist. Records
 * the target as an output. Errors: SIGMA_EINVAL (names an input, or twice an output),
 * SIGMA_EIO (no such directory, not writable, wrong file type). */
int sigma_file_check_output(const char *path, const char *what);

/* Pre-flight check of an output directory: an existing directory, or a new name whose
 * parent directory exists and is writable. Errors: SIGMA_EIO naming path and what. */
int sigma_file_check_dir(const char *path, const char *what);

/* The resolved target of an output path (links followed; for a new name, its resolved
 * directory plus the name), newly allocated, and whether it must be written in place
 * (*direct = 1: a device, FIFO or this process's stdout/stderr). Refuses recorded
 * inputs as sigma_file_check_output does. Errors as sigma_file_check_output, ENOMEM. */
int sigma_file_output_target(const char *path, const char *what, char **resolved, int *direct);

/* The temporary beside a resolved target: "TARGET.ID.tmp", ID the writing process's pid
 * (so two jobs writing the same file never rename each other's half-written file).
 * Returns a malloc'd name, or NULL with SIGMA_ENOMEM recorded. */
char *sigma_file_temp_name(const char *target, long id);

/* An output being written: open, write to its stream, then commit or abort. */
typedef struct sigma_outfile sigma_outfile;

/* Open an output (see the top of this file for where the bytes go).
 * Errors: as sigma_file_output_target; SIGMA_EIO when the temporary cannot be created. */
int sigma_outfile_open(const char *path, const char *what, sigma_outfile **f);

/* The stdio stream to write to. */
FILE *sigma_outfile_stream(sigma_outfile *f);

/* Flush, close and (regular targets) rename onto the target; frees *f and sets it to
 * NULL, also on error (the temporary is then removed). Errors: SIGMA_EIO (a write,
 * close or rename failed, e.g. a full disk), naming the path. */
int sigma_outfile_commit(sigma_outfile **f);

/* Drop an output: close, remove its temporary; frees *f (NULL is fine). */
void sigma_outfile_abort(sigma_outfile **f);

/* open + write len bytes of text + commit. Errors as those. */
int sigma_file_write(const char *path, const char *what, const char *text, size_t len);

#endif
