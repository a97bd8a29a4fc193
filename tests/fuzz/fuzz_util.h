/*
 * fuzz_util.h — what the libFuzzer targets share: the input as a file (the replay reader and the
 * ELF reader take a path), kept in one memfd so that no input touches the disk.
 */
#ifndef PYSCOPE_FUZZ_UTIL_H
#define PYSCOPE_FUZZ_UTIL_H
#include <stddef.h>
#include <stdint.h>

/* The input as the contents of a file; returns its path ("/proc/self/fd/N"), valid until the next
 * call. Aborts if the memfd cannot be written (a harness failure, not a finding). */
const char *fuzz_as_file(const uint8_t *data, size_t size);
#endif
