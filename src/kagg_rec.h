/*
 * kagg_rec.h — what the kernel's aggregation (kagg.bpf.h) and user space (kagg.c, capture.c)
 * agree on: the table of kernel clauses, the key and value layouts of the aggregation maps.
 * Included by the BPF side, so plain C types only.
 *
 * A kernel clause is a D clause `@a[k1, k2...] = fn(v)` (or a SystemTap body `x[k1, ...] <<< v`,
 * KAGG_STAT) whose keys, value and predicate (terms
 * `x OP constant` joined by &&, or a string argument == / != a string constant) come straight
 * from the hit: marker arguments, the strings they point to, pid, tid, cpu,
 * execname or constants. Its row in the table says where each key part comes from and where it
 * goes in the key: integers (and execname's 16 bytes) in 8-byte slots after the header (as many
 * as the clauses use, KAGG_INTS bytes at most), strings each in a room after them (64 bytes, see
 * KAGG_ROOM_DEFAULT). The header is the clause's index,
 * so that one map holds every kernel clause.
 *
 * Values are summed per CPU; user space adds the CPUs up and folds what is new since its last
 * look into agg.c's aggregations (kagg.c). Histograms (quantize, lquantize) live in their own map
 * so that the scalar aggregations do not pay for the buckets.
 */
#ifndef PYSCOPE_KAGG_REC_H
#define PYSCOPE_KAGG_REC_H
#include "pslimits.h"

#define KAGG_MAX_CLAUSES 8       /* kernel clauses of one program (a byte of miss bits) */
#define KAGG_MAX_PARTS 8         /* key parts of one clause */
#define KAGG_MAX_STRS 2          /* string key parts of one clause */
#define KAGG_HDR 8               /* the clause index, then zeros */
#define KAGG_INTS 64             /* bytes for the integer parts (8 each; execname takes 16) */
#define KAGG_STR_OFF (KAGG_HDR + KAGG_INTS)   /* the most: rooms start after the slots used */
#define KAGG_KEY_MAX (KAGG_STR_OFF + KAGG_MAX_STRS * PS_STRSIZE_MAX)
#define KAGG_KEY_ROOM 16384      /* the per-CPU key buffer: a power of two above KAGG_KEY_MAX */
#define KAGG_NBUCKETS 128        /* quantize's 127, lquantize's levels + 2 at most */
#define KAGG_ENTRIES_DEFAULT 16384
/* A string key's room in the kernel's key: strings that fill it go to user space (which keeps
 * strsize bytes of them), so a small room is never wrong, and the key stays short to hash:
 * keying by a 64-byte room costs what keying by the string's address does (bench/kagg). */
#define KAGG_ROOM_DEFAULT 64
#define KAGG_ROOM_MAX 2048

/* Where a key part or the value comes from. */
enum kagg_src {
	KAGG_S_CONST,            /* kagg_part.val */
	KAGG_S_ARG,              /* argument .arg as an integer */
	KAGG_S_STR,              /* the string argument .arg points to */
	KAGG_S_PID, KAGG_S_TID, KAGG_S_CPU,
	KAGG_S_COMM,             /* execname: 16 bytes */
	KAGG_S_TIMESTAMP,        /* bpf_ktime_get_ns(): the records' ts, D's timestamp */
	KAGG_S_SELF,             /* the thread's variable .arg (kagg_self; 0 when it has none) */
	KAGG_S_SCONST,           /* a string constant key (@["ns"]): 0 in its slot; user space
				  * names it from the clause */
};

/* The aggregating function, as agg.h's enum agg_fn numbers them. */
enum kagg_fn {
	KAGG_COUNT, KAGG_SUM, KAGG_AVG, KAGG_MIN, KAGG_MAX, KAGG_STDDEV, KAGG_QUANTIZE,
	KAGG_LQUANTIZE,
	KAGG_STAT,               /* SystemTap's statistic (x <<< v): count, sum, min and max at
				  * once; with hist, the buckets of @hist_log (lq_levels 0: stap's
				  * log2 layout, agg.c's log_bucket) or @hist_linear (lquantize's
				  * with levels (hi - lo) / step + 1, which is stap's layout) */
	KAGG_NONE = 255,         /* no aggregation: the clause only stores thread variables */
};

struct kagg_part {
	unsigned char src;       /* enum kagg_src */
	unsigned char arg;       /* argument index */
	unsigned short off;      /* integers: slot (8 bytes each after the header; execname
				  * takes two); strings: room (0 or 1) */
	unsigned int pad;
	long long val;           /* KAGG_S_CONST */
};

/* A predicate term: LHS OP RHS, signed (agg.c's and rt.c's comparisons); a string term compares
 * the string argument LHS.arg with the clause's sconst (SLEN bytes, NUL excluded): EQ or NE. */
enum kagg_op { KAGG_EQ, KAGG_NE, KAGG_LT, KAGG_LE, KAGG_GT, KAGG_GE };
#define KAGG_MAX_PREDS 4
#define KAGG_SCONST 48           /* a string constant's bytes, NUL included */
struct kagg_pred {
	unsigned char op;        /* enum kagg_op */
	unsigned char is_str;
	unsigned short slen;
	unsigned int pad;
	struct kagg_part lhs;
	long long rhs;
};

#define KAGG_MAX_STORES 2        /* self->x = v statements of one clause */
#define KAGG_MAX_VARS 32         /* thread variables the kernel keeps (index below it) */
struct kagg_store {
	unsigned int var, pad;   /* self->VAR = SRC (0 stored: the variable is freed, as in D) */
	struct kagg_part src;
};
/* kagg_drops[cpu][KAGG_DROP_*]: what kernel clauses could not do (see nomiss) */
enum { KAGG_DROP_AGG, KAGG_DROP_DYN, KAGG_NDROPS };

struct kagg_clause {
	unsigned char fn;        /* enum kagg_fn */
	unsigned char nparts;
	unsigned char hist;      /* 1: the value lives in the histogram map */
	unsigned char npreds;    /* terms of the predicate, all must hold */
	unsigned int lq_levels;
	long long lq_low, lq_step;
	struct kagg_part val;
	struct kagg_part parts[KAGG_MAX_PARTS];
	struct kagg_pred preds[KAGG_MAX_PREDS];
	char sconst[KAGG_SCONST];
	/* Thread variables (D's self->) kept in the kernel: a variable is there only when every
	 * clause that reads or stores it runs there (kagg.c), so such a clause never goes to user
	 * space: a hit it cannot count is a drop (kagg_drops), not a record. The value is
	 * val - val2 when val_sub; stores run after the aggregation, in the clause's order. */
	unsigned char nstores;
	unsigned char nomiss;    /* it reads or stores thread variables */
	unsigned char val_sub;
	unsigned char selfpred;  /* var + 1: the predicate also wants self->var != 0 */
	unsigned char pad2[4];
	struct kagg_part val2;
	struct kagg_store stores[KAGG_MAX_STORES];
};

/* One CPU's value. count counts hits for every function (min and max use it to know a value is
 * there); sum and sq are 128-bit (lo, hi) as agg.c keeps avg's and stddev's. */
struct kagg_val {
	long long count;
	unsigned long long sum_lo;
	long long sum_hi;
	long long min, max;
	unsigned long long sq_lo, sq_hi;
	long long pad;
};
struct kagg_hval {
	struct kagg_val v;
	long long buckets[KAGG_NBUCKETS];
};

/* ---- string keys by identity (PYSCOPE_KAGG_STRID=1: kagg.h says why it is not the default) ----
 * CPython's markers pass the UTF-8 buffer of a code object's co_filename and co_name: a compact
 * ASCII str's data, right after the object's header (PyASCIIObject: 48 bytes on 3.8-3.11, 40 on
 * 3.12+). For a process user space has configured (struct kagg_pycfg in kagg_procs: the run-time
 * address of its PyUnicode_Type and that header's size), one read of the header gives the type,
 * length, hash and state; a str whose type is PyUnicode_Type, compact and ASCII, whose hash is
 * computed (so it is immutable from then on) and shorter than strsize (whatever the room: a
 * name too long for the room stays in the kernel) is keyed by its identity, KAGG_SID bytes at
 * the start of the room instead of its text:
 *   byte 0: 0, byte 1: KAGG_SID_TAG (a copied string with byte 0 zero is the empty string, all
 *   zeros), bytes 4-7: the pid, 8-15: the address, 16-23: the hash, 24-31: the length.
 * Another str at a reused address must have the same type, length and 64-bit hash to be taken
 * for the old one. The text goes to user space once, when a key holding the identity is made:
 * kagg_strs maps the identity to the text (strsize bytes), written before the key; user space
 * turns identities back into text when it folds, so that keys of the same text (two processes,
 * two objects) merge into one, as copied strings do. Anything else is copied as before. */
#define KAGG_SID 32
#define KAGG_SID_TAG 1
#define KAGG_SID_STATE_MASK 0x7c   /* state: kind (bits 2-4), compact (5), ascii (6) */
#define KAGG_SID_STATE_OK 0x64     /* kind 1 (1 byte), compact, ascii */
#define KAGG_PROCS 8192            /* processes kagg_procs keeps */
/* A process in kagg_procs: utype 0 when user space has not configured it (yet, or it is no
 * CPython pyscope knows): its strings are copied. */
struct kagg_pycfg {
	unsigned long long utype;  /* run-time address of PyUnicode_Type */
	unsigned int hdr;          /* bytes of the header before a compact ASCII str's data */
	unsigned int pad;
};

/* The attach cookie's kernel part (capture_rec.h has the id and string mask below bit 44). */
#define KAGG_COOKIE(kmask, norecord) \
	(((unsigned long long)(kmask) << 48) | ((unsigned long long)!!(norecord) << 44))
#define KAGG_COOKIE_MASK(c) ((unsigned int)((c) >> 48) & 0xff)
#define KAGG_COOKIE_NORECORD(c) ((unsigned int)((c) >> 44) & 1)
#endif
