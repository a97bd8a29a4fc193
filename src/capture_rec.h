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

/* The operating system's providers (capture_sys.c). */
#define CAP_MAX_SYSCALLS 1024    /* syscall numbers the per-syscall enable map covers */
#define CAP_MAX_TRACED 65536     /* processes the in-kernel filter holds (targets, descendants) */
#define CAP_SYS_ARGS 6           /* a syscall's arguments, a pid probe's arguments on entry */

/* sys_on[nr]: the probe ids of syscall NR's entry and return (0: not enabled) and the arguments
 * its entry copies as strings. */
struct cap_sys_on {
	unsigned int entry, ret;
	unsigned int entry_strmask;
	unsigned int pad;
};

/* proc provider probes: proc_id[kind] is the probe id (0: not enabled). */
enum cap_proc_kind {
	CAP_PROC_EXEC_SUCCESS,
	CAP_PROC_EXIT,
	CAP_PROC_CREATE,
	CAP_PROC_LWP_START,
	CAP_PROC_LWP_EXIT,
	CAP_PROC_COUNT,
};

struct cap_rec {
	unsigned long long ts;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	unsigned int pid, tid;
	unsigned int id;         /* probe id (from the cookie) */
	unsigned short cpu;
	unsigned char nargs;
	unsigned char pad;       /* kernel clauses this hit missed (kagg_rec.h): user space runs them */
	unsigned short strmask;  /* arguments that were copied as strings (in order after args) */
	unsigned short cut;      /* bit i: string i was longer than strsize and cut */
	char comm[16];
	long long args[];        /* nargs values, then the strings */
};
#endif
