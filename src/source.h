/*
 * source.h — reading a script or tapset file for any dialect's front-end: the same limits and the
 * same one-line answers for D and SystemTap (a path, "-" for standard input).
 */
#ifndef PYSCOPE_SOURCE_H
#define PYSCOPE_SOURCE_H
#include <stddef.h>

/* PATH's text, NUL-terminated, its length in *LEN; the caller frees it. NULL after saying why on
 * stderr in one line: unreadable, a directory, larger than MAX bytes (/dev/zero would otherwise
 * fill the memory), or a read error. A NUL byte inside is left to the caller, which knows how
 * its dialect reports one. */
char *source_read(const char *path, size_t max, size_t *len);
#endif
