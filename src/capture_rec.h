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
 * After the strings come the optional sections the probe's clauses need. The Python stack comes
 * first (its room is counted from where the strings end), 8-byte aligned from the record's start;
 * the others follow byte-packed in the order of their bit in cap_rec.sections
 * (capture_pystack.bpf.h and capture_extra.bpf.h write them, capture.c reads them):
 *   bit 3 CAP_SEC_PYSTACK the thread's Python frames: struct cap_pystack_sec, then nframes
 *                         struct pystack_frame (pystack_rec.h), leaf first
 *   bit 0 CAP_SEC_MEM     user memory read at the hit: a 1-byte count, then per read a
 *                         struct cap_mem_hdr (the address read, the bytes that follow, flags)
 *                         and the bytes; a read that faulted has no bytes and no CAP_MEM_OK
 *   bit 1 CAP_SEC_USTACK  the native user stack: a 2-byte frame count, then 8 bytes per frame
 *                         (return addresses from bpf_get_stack(BPF_F_USER_STACK), innermost first)
 *   bit 2 CAP_SEC_VTS     the thread's on-CPU nanoseconds (8 bytes: task->se.sum_exec_runtime)
 *   bit 4 CAP_SEC_UREGS   for the native stack without frame pointers (x86-64): a struct
 *                         cap_uregs_hdr, the thread's user registers (CAP_UREGS words of the
 *                         kernel's struct pt_regs, from bpf_task_pt_regs), then hdr.len bytes of
 *                         its stack from the registers' sp up, which user space unwinds with the
 *                         objects' CFI (unwind.c) as profile --native does
 * Readers memcpy.
 *
 * The attach cookie carries the probe id in the low 32 bits and the string mask in the next
 * PS_MAX_ARGS bits; everything else per probe sits in the probe_cfg map (struct cap_probe_cfg,
 * keyed by probe id), which has one member per section so that a section adds its own.
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

/* Optional record sections (cap_rec.sections, cap_probe_cfg.sections). */
#define CAP_SEC_MEM 0x1u
#define CAP_SEC_USTACK 0x2u
#define CAP_SEC_VTS 0x4u

#define CAP_MEM_MAX 8            /* reads of user memory per probe */
#define CAP_MEM_SIZE_MAX 1024    /* bytes one read copies at most (power of two) */
#define CAP_USTACK_MAX 127       /* native frames kept at most */
#define CAP_SEC_UREGS 0x10u
#define CAP_UREGS 21             /* words of x86-64's struct pt_regs */
#define CAP_UREG_SP 19           /* its rsp */
#define CAP_STACK_MAX 8192       /* user stack bytes a hit keeps at most (a power of two) */
#define CAP_STACK_MIN 512        /* a copy is halved down to this when the stack's top is nearer */

/* The head of the CAP_SEC_UREGS section. */
struct cap_uregs_hdr {
	unsigned int len;        /* stack bytes after the registers (0: none could be read) */
	unsigned int pad;
};

/* One read of user memory at the hit: SIZE bytes (a string of at most strsize bytes when
 * CAP_MEM_STR) at base + OFF, where base is argument INDEX (CAP_MEM_ARG), the 8-byte value read by
 * read INDEX (CAP_MEM_READ, an earlier read: one level of dereference each), or 0 (CAP_MEM_ABS). */
enum cap_mem_base { CAP_MEM_ARG, CAP_MEM_READ, CAP_MEM_ABS };
struct cap_mem_read {
	unsigned char base;      /* enum cap_mem_base */
	unsigned char index;
	unsigned char str;       /* 1: a NUL-terminated string (bpf_probe_read_user_str) */
	unsigned char pad;
	unsigned short size;
	unsigned short pad2;
	long long off;
};

/* Per probe (the probe_cfg map, keyed by probe id): which sections its records carry and what
 * each needs. */
struct cap_probe_cfg {
	unsigned int sections;   /* CAP_SEC_* */
	unsigned short nmem;
	unsigned short ustack_frames;
	struct cap_mem_read mem[CAP_MEM_MAX];
	unsigned int stack_bytes;   /* CAP_SEC_UREGS: user stack bytes to copy (<= CAP_STACK_MAX) */
	unsigned int pad;
};

/* The head of one read in the CAP_SEC_MEM section. */
#define CAP_MEM_OK 0x1           /* the read succeeded: len bytes follow */
#define CAP_MEM_CUT 0x2          /* a string longer than strsize, cut */
struct cap_mem_hdr {
	unsigned long long addr;
	unsigned short len;
	unsigned char flags;
	unsigned char index;     /* which cap_mem_read of the probe's config */
};

#define CAP_SEC_PYSTACK (1u << 3)  /* the thread's Python frames (capture_pystack.bpf.h) */

/* CAP_SEC_PYSTACK: this header, then nframes struct pystack_frame (pystack_rec.h), leaf first. */
struct cap_pystack_sec {
	unsigned short nframes;
	unsigned short flags;    /* PYSTACK_F_*; PYSTACK_F_NOTHREAD also when the process's recipe
	                            is not in the kernel yet */
	unsigned int epoch;      /* the recipe's: a new one means the process exec'd */
};

struct cap_rec {
	unsigned long long ts;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	unsigned int pid, tid;
	unsigned int id;         /* probe id (from the cookie) */
	unsigned short cpu;
	unsigned char nargs;
	unsigned char sections;  /* CAP_SEC_*: the sections after the strings (order: see the top) */
	unsigned short strmask;  /* arguments that were copied as strings (in order after args) */
	unsigned short cut;      /* bit i: string i was longer than strsize and cut */
	char comm[16];
	unsigned char kmiss;     /* kernel clauses this hit missed (kagg_rec.h): user space runs them */
	unsigned char pad[5];    /* (the arguments start 8-byte aligned anyway) */
	long long args[];        /* nargs values, then the strings */
};
#endif
