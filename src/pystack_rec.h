/*
 * pystack_rec.h — what the kernel half of the stack sampler (pystack.bpf.c) and user space share:
 * the per-process walking recipe user space writes into a map (offsets of the target's CPython,
 * where its runtime lives) and the record one sample becomes in the ring. Free of libc, as the
 * BPF build has none. Frames carry only the code object's address and the instruction position
 * (a pointer on 3.11+, f_lasti before): user space turns them into file, function and line.
 */
#ifndef PYSCOPE_PYSTACK_REC_H
#define PYSCOPE_PYSTACK_REC_H

#define PYSTACK_MAX_DEPTH 128    /* most frames one sample keeps (the default --depth too) */
#define PYSTACK_MAX_THREADS 256  /* most thread states searched for the sampled thread */
#define PYSTACK_MAX_PROCS 4096   /* most processes sampled at once */
#define PYSTACK_MAX_CPUS 1024    /* (a power of two) lost counters kept per CPU */
#define PYSTACK_NATIVE_DEPTH 127 /* native frames kept by --native (the kernel's limit) */

/* Flags of a record. */
#define PYSTACK_F_TRUNCATED 1u   /* more frames than the depth asked for: the root end is cut */
#define PYSTACK_F_CUT 2u         /* a frame could not be read (paged out, freed, scribbled on) */
#define PYSTACK_F_NOTHREAD 4u    /* no Python thread state for this thread (a non-Python thread) */
#define PYSTACK_F_EXEC 8u        /* not a sample: the process exec'd (user space drops its caches) */
#define PYSTACK_F_IDLE 16u       /* (user space only) a walk of a thread that was not running */
#define PYSTACK_F_UREGS 32u      /* --native: the record's tail holds the user registers and stack */
#define PYSTACK_F_NODEF 64u      /* a code object's definition could not be sent (ring full): user
                                    space names this record's frames from the target's memory */

/* --native's tail (x86-64): after the nframes frames, the thread's user registers as the kernel
 * saved them at its entry (struct pt_regs, PYSTACK_UREGS words, in the kernel's order), then
 * ubytes bytes of its user stack from the stack pointer up: what user space unwinds with the
 * objects' CFI (unwind.c), as perf --call-graph dwarf does. */
#define PYSTACK_UREGS 21              /* words of x86-64 struct pt_regs */
#define PYSTACK_UREG_IP 16            /* pt_regs.ip */
#define PYSTACK_UREG_SP 19            /* pt_regs.sp */
#define PYSTACK_STACK_MAX 16384       /* most user stack bytes a sample keeps (--stack-bytes) */
#define PYSTACK_STACK_DEFAULT 8192

/* How the frame's instruction field reads (struct pystack_proc.instr_kind). */
#define PYSTACK_INSTR_LASTI_BYTES 0   /* 3.8, 3.9: f_lasti, a byte offset (int) */
#define PYSTACK_INSTR_LASTI_UNITS 1   /* 3.10: f_lasti, in 2-byte code units (int) */
#define PYSTACK_INSTR_POINTER 2       /* 3.11+: a pointer into co_code_adaptive */

/* Offsets within the target's structures; -1: the version has no such field. */
struct pystack_proc {
	unsigned long long runtime;       /* run-time address of _PyRuntime */
	short interp_head;                /* _PyRuntimeState.interpreters.head */
	short threads_head;               /* PyInterpreterState: first thread state */
	short tstate_next;
	short tstate_thread_id;           /* pthread_self() of the thread (matched before 3.11) */
	short tstate_native_id;           /* the kernel's thread id (3.11+; -1 before) */
	short tstate_frame;               /* frame, cframe or current_frame */
	short cframe_frame;               /* _PyCFrame.current_frame (3.11, 3.12; else -1) */
	short frame_previous;
	short frame_code;
	short frame_instr;
	short frame_owner;                /* 3.12+: frames owned by the C stack are shims, skipped */
	unsigned char instr_kind;
	unsigned char minor;              /* 3.MINOR (told to user space in definitions) */
	/* Code object definitions (struct pystack_def), sent by the kernel at a code object's
	 * first sight; code_type 0: none sent (user space reads the target's memory). */
	unsigned int epoch;               /* tells one image of a process from the next (exec) */
	unsigned long long code_type;     /* run-time address of PyCode_Type */
	short code_filename, code_name, code_firstlineno, code_linetable, code_adaptive;
	short ascii_size, compact_size, unicode_state, unicode_length, bytes_size, bytes_sval;
	short pad2;
};

/* Per probe (capture's pystack_want map): frames wanted at each hit (0: none) and, when the
 * marker's object defines _PyRuntime itself (python3.N, libpython3.N), a recipe for every process
 * that hits it, made in the kernel at its first hit, so that a process started after pyscope has
 * its stack from its first hit: tpl's runtime and code_type are relative to the start of the
 * object's mapping (the marker's VMA's start less its file offset), tpl_delta's base. */
struct pystack_want {
	unsigned int frames;
	unsigned int has_tpl;
	struct pystack_proc tpl;
};

struct pystack_frame {
	unsigned long long code;          /* PyCodeObject address */
	unsigned long long instr;         /* see instr_kind */
};

struct pystack_rec {
	unsigned int pid, tid;
	unsigned int cpu;
	unsigned short nframes;
	unsigned short flags;
	int ustack;                       /* --native: id in the user stack map; -1: none */
	unsigned int ubytes;              /* PYSTACK_F_UREGS: user stack bytes in the tail */
	unsigned int epoch;               /* the recipe's (struct pystack_proc) */
	unsigned int pad;
	unsigned long long ktime;
	char comm[16];
	struct pystack_frame frames[PYSTACK_MAX_DEPTH];  /* leaf first; only nframes are sent */
};
#define PYSTACK_REC_HDR ((unsigned long)&((struct pystack_rec *)0)->frames)

/* A code object's definition: sent by the kernel into the ring the stacks go to, before the first
 * stack record that holds the code object (at the first sight of each (process, image, code
 * object): a table in the kernel remembers what was sent, by the code object's address and
 * what tells one code object from another at that address: the pointers to its file, name and
 * line table, its first line, its strings' hashes). Names are then known even when the process is gone by the time user space reads
 * its records. Strings are sent as CPython keeps them (kind: 1, 2 or 4 bytes a character, 0 when
 * unreadable), cut to PYSTACK_DEF_STR bytes; the line table to PYSTACK_DEF_LT bytes (lt_full
 * says how long it is). Records start with PYSTACK_DEF_MAGIC, which no other record in either
 * ring does (pystack_rec starts with a pid and a tid; cap_rec with a ktime). The data is at fixed
 * places: file at 0, name at PYSTACK_DEF_STR, line table at 2 * PYSTACK_DEF_STR; the record is sent
 * up to the end of the line table. */
#define PYSTACK_DEF_MAGIC 0xffffffffffffffffull
#define PYSTACK_DEF_STR 512
#define PYSTACK_DEF_LT 8192
struct pystack_def {
	unsigned long long magic;
	unsigned long long code;
	unsigned long long file_at, name_at, lt_at;
	unsigned int pid, epoch;
	int first;
	unsigned int lt_len, lt_full;
	unsigned short file_len, name_len;
	unsigned char file_kind, name_kind, minor, pad;
	short code_adaptive;
	unsigned short pad2;
	char data[2 * PYSTACK_DEF_STR + PYSTACK_DEF_LT];
};
#define PYSTACK_DEF_HDR ((unsigned long)&((struct pystack_def *)0)->data)

/* The stack sampler's scratch: a record with room for --native's tail after every frame. */
struct pystack_nrec {
	struct pystack_rec r;
	unsigned long long tail[PYSTACK_UREGS + PYSTACK_STACK_MAX / 8];
};
#endif
