/*
 * event.h — the decoded marker hit that every consumer of the capture room sees.
 *
 * This is the contract between capture (live, from the BPF ring) or replay (a recorded JSON-lines
 * stream) on one side and the consumers (`pyscope events`, the script runtime, the views) on the
 * other. Nothing here depends on libbpf: the BPF record layout is private to capture.
 *
 * Ownership: an event and everything it points to belong to the producer and are valid only during
 * the callback that receives it; a consumer that keeps a string copies it. A probe lives as long as
 * the capture (or replay) session that produced it.
 *
 * The recorded stream (what `pyscope events --json` prints, and what replay reads) is one JSON object
 * per line:
 *   {"ts":N,"pid":N,"tid":N,"cpu":N,"comm":"python3.11","probe":"python:function__entry",
 *    "module":"python3.11","function":"_PyEval_EvalFrameDefault","args":[N,N,N],
 *    "str":["call_stack.py","start",null],"cut":[]}
 * "args" holds every argument as a signed 64-bit integer (pointers as their numeric value); "str"
 * holds, per argument, the string copied at the hit or null; "cut" lists the argument indexes whose
 * string was cut at strsize. With `events --stack`, an event also carries
 * "pystack":[{"func":F,"file":P,"line":N},...] (the thread's Python frames, innermost first) and,
 * when not 0, "pyflags":N (PS_PYSTACK_*). A line {"lost":N,"cpu":C} reports N records the ring could not take
 * on CPU C ("cpu" may be absent: not known), and the
 * stream's last line is {"end":{"events":N,"lost":N}}. Readers ignore keys they do not know.
 * A stream may start with a header line listing its probes, so that probes that never fired exist
 * in a replay too (replay.c; without it, the probes are the distinct probe/module/function/pid of
 * the events):
 *   {"probes":[{"id":1,"pid":N,"provider":"python","name":"function__entry",
 *     "module":"python3.11","function":"-","path":"/usr/bin/python3.11","nargs":3},...],
 *    "target":N}
 * "target" is the pid a replayed script's $target stands for (default: the first event's pid).
 */
#ifndef PYSCOPE_EVENT_H
#define PYSCOPE_EVENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pslimits.h"         /* PS_MAX_ARGS, PS_STRSIZE_MIN/MAX */

#define PS_STRSIZE_DEFAULT 256   /* like DTrace's strsize: bytes kept of a string, NUL included */
#define PS_COMM_LEN 16

/* The CPython markers, in a fixed order (their names: event.c). */
enum ps_marker {
	PS_M_FUNCTION_ENTRY,
	PS_M_FUNCTION_RETURN,
	PS_M_LINE,
	PS_M_GC_START,
	PS_M_GC_DONE,
	PS_M_IMPORT_START,       /* import__find__load__start */
	PS_M_IMPORT_DONE,        /* import__find__load__done */
	PS_M_AUDIT,
	PS_M_COUNT,
	PS_M_OTHER = -1,         /* a marker pyscope has no special knowledge of */
};

/* MARKER's name in the stapsdt spelling ("function__entry"); NULL for PS_M_OTHER or out of range. */
const char *ps_marker_name(int marker);
/* The marker NAME names, in either spelling ("function__entry" or "function-entry"); PS_M_OTHER
 * when it is none of the eight. */
int ps_marker_from_name(const char *name);

/* The two spellings of a marker name, the one rule everything uses: the notes write
 * "function__entry", DTrace writes "function-entry" (each "__" is one '-'). ps_name_dashed gives
 * DTrace's spelling of NAME, ps_name_noted the notes' spelling of NAME, which may be a glob: a '-'
 * inside a bracket expression ("[a-z]") is a range and is kept. Both write at most LEN bytes to BUF
 * (cut if longer, always terminated) and return BUF. */
const char *ps_name_dashed(const char *name, char *buf, size_t len);
const char *ps_name_noted(const char *name, char *buf, size_t len);
/* Probe-name globbing, the one rule everything uses: PATTERN (fnmatch(3), in either spelling or
 * a mix) matches NAME (any spelling) when it matches NAME as it is, NAME in DTrace's spelling, or
 * when PATTERN in the notes' spelling matches NAME. An empty PATTERN matches anything; a NULL NAME
 * is "". */
bool ps_name_match(const char *pattern, const char *name);

/* One attached (or recorded) probe: a marker in one object of one process (pid 0: any process),
 * or a probe of another provider (capture_sys.c: "syscall", "proc", "profile", "pid"), whose
 * marker is PS_M_OTHER. */
struct ps_probe {
	int id;                  /* 1-based, stable for the session; DTrace's probe ID */
	int marker;              /* enum ps_marker, or PS_M_OTHER */
	int pid;                 /* 0 when system-wide */
	const char *provider;    /* "python" */
	const char *name;        /* stapsdt spelling: "function__entry" */
	const char *module;      /* basename of the object: "python3.11", "libpython3.11.so.1.0" */
	const char *path;        /* full path of the object */
	const char *function;    /* enclosing symbol from the symbol table, "-" when unknown */
	int nargs;
};

/* What a consumer asks the capture to read at a probe's hit besides the arguments (the shared
 * capture pass bind_capture works it out from a program; capture hands it to the kernel):
 * arguments copied as strings, reads of user memory, the native user stack, the thread's on-CPU
 * time. A read of memory starts from argument INDEX (PS_MEM_ARG), from the 8 bytes read INDEX
 * found (PS_MEM_READ: one dereference; an earlier read), or from 0 (PS_MEM_ABS), plus OFF. */
#define PS_SEC_MEM 0x1u
#define PS_SEC_USTACK 0x2u
#define PS_SEC_VTS 0x4u
#define PS_SEC_PYSTACK 0x8u      /* the thread's Python stack (ps_event.pyframes) */
#define PS_MEM_MAX 8             /* reads of memory per probe */
#define PS_MEM_SIZE_MAX 1024     /* bytes per read (a string read keeps min(strsize, this)) */
#define PS_USTACK_MAX 127        /* native frames */
#define PS_STACK_BYTES 8192      /* user stack copied at a hit for the CFI unwind of ustack() */
enum ps_mem_base { PS_MEM_ARG, PS_MEM_READ, PS_MEM_ABS };
struct ps_memread {
	enum ps_mem_base base;
	int index;
	int64_t off;
	int size;                /* bytes (not for strings) */
	bool str;                /* a NUL-terminated string, at most strsize bytes */
};
struct ps_capture {
	uint32_t strargs;        /* bit i: argument i as a string */
	uint32_t sections;       /* PS_SEC_* */
	int nmem;
	struct ps_memread mem[PS_MEM_MAX];
	int ustack_frames;       /* 0: PS_USTACK_MAX */
	int stack_bytes;         /* with PS_SEC_USTACK: the user registers and this many bytes of the
	                            stack, for the capture to unwind with the CFI (0: frame pointers
	                            only) */
};

/* One read of user memory made at the hit. */
struct ps_mem {
	uint64_t addr;           /* where it read (the base's value plus the offset) */
	uint32_t len;            /* bytes in BYTES (a string's include its NUL) */
	bool ok;                 /* false: the read faulted, BYTES is empty */
	bool str, cut;           /* a string read; cut at strsize */
	int size;                /* what was asked (not for strings) */
	const unsigned char *bytes;
};
/* One Python frame of the thread at the hit (D's jstack(), stap's pybacktrace(), events --stack):
 * the function, its file and the line it is at. */
struct ps_pyframe {
	const char *file, *func;
	int line;                /* 0: not known */
};
#define PS_PYSTACK_TRUNCATED 1u  /* more frames than were asked for (the root end is missing) */
#define PS_PYSTACK_CUT 2u        /* a frame could not be read: the stack ends early */
#define PS_PYSTACK_NOTHREAD 4u   /* the thread runs no Python (or its process was not known yet) */

struct ps_event {
	uint64_t ts;             /* CLOCK_MONOTONIC nanoseconds, taken in the kernel at the hit */
	uint32_t pid, tid, cpu;
	const struct ps_probe *probe;
	int nargs;
	int64_t args[PS_MAX_ARGS];        /* sign-extended as the argument spec says */
	const char *str[PS_MAX_ARGS];     /* string copied at the hit, or NULL when not copied */
	uint32_t cut;                     /* bit i: str[i] was cut at strsize */
	char comm[PS_COMM_LEN];
	int err;                          /* errno: a syscall return probe's on failure, else 0 */
	/* What the probe's ps_capture asked for beyond the arguments (sections: PS_SEC_* that were
	 * captured; a section not captured reads as absent) */
	uint32_t sections;
	int nmem;
	struct ps_mem mem[PS_MEM_MAX];
	uint64_t vts;                     /* PS_SEC_VTS: the thread's on-CPU ns at the hit */
	int nustack;                      /* PS_SEC_USTACK: return addresses, innermost first */
	uint64_t ustack[PS_USTACK_MAX];
	const struct ps_pyframe *pyframes; /* innermost first; NULL: no Python stack captured */
	int npyframes;
	unsigned pyflags;                 /* PS_PYSTACK_* */
	uint32_t kmiss;                   /* kernel clauses (kagg) that missed this hit: run here */
};

/* What a consumer implements. Returning non-zero from on_event stops the session (like exit()). */
struct ps_sink {
	int (*on_event)(const struct ps_event *ev, void *ctx);
	/* LOST records lost since the last call, on CPU (-1: not known, as in a recording). */
	void (*on_lost)(uint64_t lost, int cpu, void *ctx);
	void *ctx;
};

#endif
