/* Version and build provenance, printed by `sigma --version` and in every JSON. */
#ifndef SIGMA_VERSION_H
#define SIGMA_VERSION_H

/* SIGMA_VERSION (the project version, e.g. "0.1.0") is a compile definition. */

/* `git describe --always --dirty` of the source tree when the binary was built
 * ("unknown" outside a git checkout). Static string. */
const char *sigma_git(void);

#endif
