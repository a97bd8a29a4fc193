/*
 * capture_rec.h — the record the BPF side (capture.bpf.c) writes into the ring buffer and the user
 * side (capture.c) reads back. Private to the capture room: consumers see struct ps_event.
 *
 * A record is variable-length, to keep the ring small: a fixed header, then one 8-byte value per
 * marker argument, then, for each argument the consumer asked to copy as a string (the cookie's
 * string mask), a 2-byte length (bytes kept, NUL included; 0 when the read faulted) followed by that
 * many bytes. Strings are copied at the hit, in the kernel, because the memory they live in may be
 * gone by the time user space looks.
 *
 * The attach cookie carries everything per-attachment the BPF program needs: the probe id in the
 * low 32 bits, the string mask in the next PS_MAX_ARGS bits.
 */
#ifndef PYSCOPE_CAPTURE_REC_H
#define PYSCOPE_CAPTURE_REC_H
#include "pslimits.h"         /* PS_MAX_ARGS, PS_STRSIZE_MAX: shared with user space */

#define CAP_SCRATCH 32768        /* per-CPU scratch record; power of two (offsets are masked) */
#define CAP_MAX_CPUS 1024        /* slots of the lost counter; power of two */

#define CAP_COOKIE(id, strmask) ((unsigned long long)(id) | ((unsigned long long)(strmask) << 32))
#define CAP_COOKIE_ID(c) ((unsigned int)((c) & 0xffffffffu))
#define CAP_COOKIE_STRMASK(c) ((unsigned int)((c) >> 32) & ((1u << PS_MAX_ARGS) - 1))

struct cap_rec {
	unsigned long long ts;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	unsigned int pid, tid;
	unsigned int id;         /* probe id (from the cookie) */
	unsigned short cpu;
	unsigned char nargs;
	unsigned char pad;
	unsigned short strmask;  /* arguments that were copied as strings (in order after args) */
	unsigned short cut;      /* bit i: string i was longer than strsize and cut */
	char comm[16];
	long long args[];        /* nargs values, then the strings */
};
#endif
