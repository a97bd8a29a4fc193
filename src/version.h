/*
 * version.h — pyscope's version, defined here and nowhere else (the Makefile and the Debian
 * package read it from this line), and where the installed program finds its data.
 */
#ifndef PYSCOPE_VERSION_H
#define PYSCOPE_VERSION_H
#include <stddef.h>

#define PYSCOPE_VERSION "0.1.0"

/* The directory pyscope reads its data from at run time: ../share/pyscope beside the directory
 * of the running binary (/proc/self/exe), so an installed pyscope finds its own files wherever
 * PREFIX put them, and never the build folder. 0 with the path in BUF when it exists; -ENOENT
 * (the path looked for still in BUF) when it does not; another negative errno otherwise. */
int version_datadir(char *buf, size_t len);
#endif
