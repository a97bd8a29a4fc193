/*
 * pslimits.h — the limits the kernel side and the user side must agree on, each written once.
 * Tiny and free of libc on purpose: capture.bpf.c includes it (through capture_rec.h) as well as
 * event.h, and the BPF build has no C library headers.
 */
#ifndef PYSCOPE_PSLIMITS_H
#define PYSCOPE_PSLIMITS_H

#define PS_MAX_ARGS 12           /* as many as a stapsdt note can describe (libbpf's limit) */
#define PS_STRSIZE_MIN 2         /* smallest strsize (bytes kept of a string, NUL included) */
#define PS_STRSIZE_MAX 4096      /* largest strsize: what capture copies at most per string */
#endif
