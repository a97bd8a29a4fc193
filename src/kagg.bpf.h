/*
 * kagg.bpf.h — aggregation in the kernel, included by capture.bpf.c. One generic interpreter of
 * the kernel-clause table (kagg_rec.h) that user space fills before the first hit: for each
 * kernel clause the attach cookie names, build the key from the hit (arguments, the strings they
 * point to, pid, tid, cpu, comm), fold the value into the per-CPU map. No code is made per
 * script; the loops are bounded by the table's sizes.
 *
 * Never wrong: a clause the kernel could not finish (its map is full, a string could not be
 * read) is reported in the returned miss mask, and the hit then goes to user space as a record
 * that says which kernel clauses it missed, and user space runs those clauses on it as it runs
 * every other clause (the fault of an unreadable string included). Clauses on self-> variables
 * (kagg_rec.h's nomiss) count a drop instead: user space does not have their variables.
 *
 * The verifier: one clause is the global function kagg_clause, checked once with whatever the
 * table may say, and run by a call per clause the cookie names; self-> reads and stores are
 * global functions too. (Inlined in a bpf_loop callback, the clause's paths times the loop's
 * states exceeded the verifier's 1M instructions.)
 */
#include "kagg_rec.h"

const volatile __u32 kagg_nstrs = 0;       /* string rooms in the key (max over clauses) */
const volatile __u32 kagg_room = 64;       /* bytes of a string room, NUL included */
const volatile __u32 kagg_cut = 0;
const volatile __u32 kagg_str_off = KAGG_STR_OFF;   /* where the string rooms start: after
					    * the header and the integer slots the clauses use */         /* 1: the room is smaller than strsize, so a string
					    * that fills it may be longer: user space takes it */

const volatile __u32 kagg_need_ts = 0;    /* 1: a clause reads timestamp (once per hit) */
const volatile __u32 kagg_strid = 0;      /* 1: string keys by identity (kagg_rec.h) where the
					   * process is configured */
const volatile __u32 kagg_text = 256;     /* kagg_strs' text: strsize bytes, NUL included */

/* What kernel clauses on thread variables could not do (kagg_rec.h's nomiss): per CPU, as
 * lost[]; user space reports them as dtrace's drops. */
__u64 kagg_drops[CAP_MAX_CPUS * KAGG_NDROPS];
/* The hit's timestamp, per CPU: one clock read a hit whatever its clauses read (D's timestamp
 * is the probe's). Not in struct kagg_ctx: a field more there makes the verifier's walk of the
 * clauses' loop exceed its limit. */
__u64 kagg_ts[CAP_MAX_CPUS];

/* D's self-> variables that only kernel clauses touch: in the thread's own storage (no hash, no
 * lock; freed with the thread, so an exited thread's variables never fill anything). A value 0
 * is a variable D has freed: reads of it give 0 as D's do. A thread whose storage cannot be made
 * counts a dynamic variable drop. */
struct kagg_tvars {
	__s64 v[KAGG_MAX_VARS];
};
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct kagg_tvars);
} kagg_self SEC(".maps");

/* All zeros: the new value put in the maps, and what clears a string room's tail. */
static const char kagg_zeros[PS_STRSIZE_MAX + 8];

struct kagg_keybuf {
	__u8 b[KAGG_KEY_ROOM];
	__u32 len[KAGG_MAX_STRS];    /* bytes each string room holds up to its zeros */
	__u32 sids;                  /* bit j: room j holds an identity (this clause's key) */
	__u32 sidarg[KAGG_MAX_STRS]; /* ... of the string argument sidarg[j] */
};

/* String keys by identity (kagg_rec.h). kagg_procs: per process (tgid), what user space found
 * (utype 0: copy its strings); a process the kernel meets first is put there unconfigured and
 * its hit goes to user space (kagg_ask), which looks at the process and configures it.
 * kagg_strs: identity -> text, value_size strsize (set by user space, as kagg_text), never
 * deleted while tracing (user space reads it when it folds a key it has not named yet). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, KAGG_PROCS);
	__type(key, __u32);
	__type(value, struct kagg_pycfg);
} kagg_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, KAGG_ENTRIES_DEFAULT);
	__uint(key_size, KAGG_SID);
	__uint(value_size, KAGG_ROOM_DEFAULT);
} kagg_strs SEC(".maps");

/* Per CPU: the configuration of the process of this hit: utype, then hdr | tgid << 32 (plain
 * words: the skeleton's .bss). Kept from hit to hit once configured, so that a CPU running one
 * process looks kagg_procs up only when another process hits (configurations only ever go from
 * none to one). And whether the hit must go to user space because its process was new to
 * kagg_procs. */
__u64 kagg_cur[CAP_MAX_CPUS * 2];
__u32 kagg_ask[CAP_MAX_CPUS];
/* Per CPU, clause and string room: below KAGG_SID_STRIKES, the hits in a row that could not
 * be keyed by identity; above, hits left to copy without trying (a str whose hash is not
 * computed, as co_filename's before 3.13, is then read once in KAGG_SID_RETRY hits instead of
 * twice at every hit, while a name that fails now and then, a non-ASCII one, does not stop
 * the others). Either way the key is right. */
#define KAGG_SID_STRIKES 4
#define KAGG_SID_RETRY 64
__u8 kagg_sidskip[CAP_MAX_CPUS * KAGG_MAX_CLAUSES * KAGG_MAX_STRS];

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KAGG_MAX_CLAUSES);
	__type(key, __u32);
	__type(value, struct kagg_clause);
} kagg_clauses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kagg_keybuf);
} kagg_key SEC(".maps");

/* key_size is set by user space before load (kagg_str_off + kagg_nstrs * kagg_room); the entries
 * too. Made as they come (no preallocation): most scripts fill a few hundred keys. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, KAGG_ENTRIES_DEFAULT);
	__uint(key_size, KAGG_STR_OFF);
	__uint(value_size, sizeof(struct kagg_val));
} kagg_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, KAGG_ENTRIES_DEFAULT);
	__uint(key_size, KAGG_STR_OFF);
	__uint(value_size, sizeof(struct kagg_hval));
} kagg_hmap SEC(".maps");

/* The thread variables' reads and stores are global functions: the verifier checks each once,
 * whatever calls it (as capture_pystack.bpf.h's stack walk), so they add no paths to the
 * clauses' loop. */
__attribute__((noinline)) long kagg_self_get(__u32 var)
{
	struct kagg_tvars *t = bpf_task_storage_get(&kagg_self, bpf_get_current_task_btf(), 0, 0);
	return t ? t->v[var & (KAGG_MAX_VARS - 1)] : 0;
}

__attribute__((noinline)) int kagg_drop(__u32 cpu, __u32 what)
{
	__sync_fetch_and_add(&kagg_drops[((cpu & (CAP_MAX_CPUS - 1)) * KAGG_NDROPS +
					  (what & 1)) & (CAP_MAX_CPUS * KAGG_NDROPS - 1)], 1);
	return 0;
}

__attribute__((noinline)) int kagg_self_set(__u32 var, long v, __u32 cpu)
{
	struct kagg_tvars *t = bpf_task_storage_get(&kagg_self, bpf_get_current_task_btf(), 0,
						    v ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (t) {
		t->v[var & (KAGG_MAX_VARS - 1)] = v;
		return 0;
	}
	if (v) {
		kagg_drop(cpu, KAGG_DROP_DYN);   /* no storage: the variable stays unset */
		return 1;
	}
	return 0;
}

static __always_inline long kagg_src(const struct kagg_part *p, const long *args, int nargs,
				     __u64 pid_tgid, __u32 cpu)
{
	switch (p->src) {
	case KAGG_S_ARG: return p->arg < nargs ? args[p->arg & 15] : 0;
	case KAGG_S_PID: return pid_tgid >> 32;
	case KAGG_S_TID: return (__u32)pid_tgid;
	case KAGG_S_CPU: return cpu;
	default: return p->val;
	}
}

/* A value or a stored value: also timestamp and thread variables (which keys and predicate
 * terms never read: fewer paths for the verifier in their loops). */
static __always_inline long kagg_vsrc(const struct kagg_part *p, const long *args, int nargs,
				      __u64 pid_tgid, __u32 cpu)
{
	if (p->src == KAGG_S_TIMESTAMP)
		return kagg_ts[cpu & (CAP_MAX_CPUS - 1)];
	if (p->src == KAGG_S_SELF)
		return kagg_self_get(p->arg);
	return kagg_src(p, args, nargs, pid_tgid, cpu);
}

/* agg.c's q_bucket: 63 negative power-of-two buckets, zero (63), 63 positive ones. */
static __always_inline int kagg_log2(__u64 m)
{
	int k = 0;
	if (m >> 32) { m >>= 32; k += 32; }
	if (m >> 16) { m >>= 16; k += 16; }
	if (m >> 8) { m >>= 8; k += 8; }
	if (m >> 4) { m >>= 4; k += 4; }
	if (m >> 2) { m >>= 2; k += 2; }
	if (m >> 1) { k += 1; }
	return k;                /* floor(log2(m)), m > 0 */
}

static __always_inline int kagg_bucket(const struct kagg_clause *c, long v)
{
	if (c->fn == KAGG_STAT && !c->lq_levels) {
		/* stap's @hist_log (agg.c's log_bucket): zero at 64, 1 at 65, -1 at 63 ... */
		if (v == 0)
			return 64;
		if (v > 0)
			return 64 + 1 + kagg_log2(v);
		return 63 - kagg_log2(-(__u64)v);
	}
	if (c->fn == KAGG_QUANTIZE) {
		if (v == 0)
			return 63;
		if (v > 0)
			return 63 + 1 + kagg_log2(v);
		int k = kagg_log2(-(__u64)v);
		return k >= 63 ? 0 : 63 - 1 - k;
	}
	if (v < c->lq_low)
		return 0;
	__u64 level = ((__u64)v - (__u64)c->lq_low) / (__u64)c->lq_step;
	return level < c->lq_levels ? (int)level + 1 : (int)c->lq_levels + 1;
}

/* 128-bit (lo, hi) += the 128-bit square of |v|. */
static __always_inline void kagg_addsq(struct kagg_val *val, long v)
{
	__u64 m = v < 0 ? -(__u64)v : (__u64)v;
	__u64 a = m >> 32, b = m & 0xffffffffu, cross = a * b;
	__u64 lo = b * b, hi = a * a + 2 * (cross >> 32);
	__u64 l1 = lo + (cross << 32);
	hi += l1 < lo;
	__u64 l2 = l1 + (cross << 32);
	hi += l2 < l1;
	__u64 old = __sync_fetch_and_add(&val->sq_lo, l2);
	__sync_fetch_and_add(&val->sq_hi, hi + (old + l2 < old));
}

static __always_inline void kagg_fold(const struct kagg_clause *c, struct kagg_val *val, long v)
{
	__u64 old;
	switch (c->fn) {
	case KAGG_SUM:
	case KAGG_AVG:
	case KAGG_STDDEV:
	case KAGG_STAT:
		old = __sync_fetch_and_add(&val->sum_lo, (__u64)v);
		__sync_fetch_and_add(&val->sum_hi, (v < 0 ? -1 : 0) + (old + (__u64)v < old));
		if (c->fn == KAGG_STDDEV)
			kagg_addsq(val, v);
		if (c->fn != KAGG_STAT)
			break;
		/* stap's statistic: min and max too (per CPU, as MIN and MAX) */
		if (val->count == 0 || v < val->min)
			val->min = v;
		if (val->count == 0 || v > val->max)
			val->max = v;
		break;
	case KAGG_MIN:
		if (val->count == 0 || v < val->min)
			val->min = v;
		break;
	case KAGG_MAX:
		if (val->count == 0 || v > val->max)
			val->max = v;
		break;
	}
	__sync_fetch_and_add(&val->count, 1);
}

/* What the loops over clauses and key parts share (bpf_loop callbacks: each is verified once,
 * whatever the table holds). */
struct kagg_ctx {
	__u64 pid_tgid;
	__u32 kmask, miss, cpu, strs_done;
	int nargs;
	__u32 kc;
};

static __always_inline const long *kagg_args(void)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	return s ? (const long *)((struct cap_rec *)s->buf)->args : NULL;
}

/* String room J (at OFF in KB) as the identity of argument ARG's str, when the hit's process is
 * configured and the string is one (kagg_rec.h): 1 done, 0 copy it. */
static __always_inline int kagg_sid(struct kagg_ctx *x, struct kagg_keybuf *kb, __u32 off, __u32 j,
				    __u32 arg, const long *args)
{
	const __u64 *pc = &kagg_cur[(x->cpu & (CAP_MAX_CPUS - 1)) * 2];
	__u64 *h = (__u64 *)(kb->b + KAGG_KEY_ROOM / 2);   /* ob_refcnt, ob_type, length, hash, state */
	__u64 a = (__u64)args[arg & 15];
	__u8 *skip = &kagg_sidskip[((x->cpu & (CAP_MAX_CPUS - 1)) * KAGG_MAX_CLAUSES * KAGG_MAX_STRS +
				    (x->kc & (KAGG_MAX_CLAUSES - 1)) * KAGG_MAX_STRS + (j & 1)) &
				   (CAP_MAX_CPUS * KAGG_MAX_CLAUSES * KAGG_MAX_STRS - 1)];
	if (!pc[0])
		return 0;
	__u8 v = *skip;
	if (v > KAGG_SID_STRIKES) {
		*skip = v - 1;
		return 0;
	}
	if (bpf_probe_read_user(h, 40, (const void *)(a - ((__u32)pc[1] & 63))) ||
	    h[1] != pc[0] || (h[4] & KAGG_SID_STATE_MASK) != KAGG_SID_STATE_OK ||
	    h[3] == (__u64)-1 || h[2] >= kagg_text) {
		*skip = v + 1 >= KAGG_SID_STRIKES ? KAGG_SID_STRIKES + KAGG_SID_RETRY - 1 : v + 1;
		return 0;
	}
	if (v)
		*skip = 0;
	__u64 *r = (__u64 *)(kb->b + off);
	r[0] = (KAGG_SID_TAG << 8) | (x->pid_tgid >> 32 << 32);
	r[1] = a;
	r[2] = h[3];
	r[3] = h[2];
	/* the rest of the room: zeros (what a longer copied string left there) */
	__u32 prev = kb->len[j];
	if (prev > KAGG_SID)
		bpf_probe_read_kernel(kb->b + ((off + KAGG_SID) & (KAGG_KEY_ROOM / 2 - 1)),
				      (prev - KAGG_SID) & (PS_STRSIZE_MAX - 1), kagg_zeros);
	kb->len[j] = KAGG_SID;
	kb->sids |= 1u << j;
	kb->sidarg[j] = arg;
	x->strs_done |= 1u << j;
	return 1;
}

/* A new key's identities: their text into kagg_strs before the key is made (user space finds
 * the text of every identity it folds). 0, or 1 when the kernel cannot (user space takes the
 * hit, as with a full map). */
static __always_inline int kagg_define(struct kagg_ctx *x, struct kagg_keybuf *kb, const long *args)
{
	__u32 size = kagg_room, tsize = kagg_text;
	if (size > PS_STRSIZE_MAX)
		size = PS_STRSIZE_MAX;
	if (tsize > PS_STRSIZE_MAX)
		tsize = PS_STRSIZE_MAX;
	for (int j = 0; j < KAGG_MAX_STRS; j++) {
		if (!(kb->sids & (1u << j)))
			continue;
		__u32 off = ((kagg_str_off & (KAGG_INTS * 2 - 1)) + j * size) & (KAGG_KEY_ROOM / 2 - 1);
		__u8 sid[KAGG_SID];
		__builtin_memcpy(sid, kb->b + off, KAGG_SID);
		__u8 *tmp = kb->b + KAGG_KEY_ROOM / 2;
		long got = bpf_probe_read_user_str(tmp, tsize, (const void *)args[kb->sidarg[j] & 15]);
		if (got <= 0)
			return 1;
		long err = bpf_map_update_elem(&kagg_strs, sid, tmp, BPF_NOEXIST);
		if (err && err != -17)
			return 1;
	}
	return 0;
}

/* Key part PT of a clause into the key buffer KB; 1 when the kernel cannot make the key. */
static __always_inline int kagg_part(struct kagg_ctx *x, const struct kagg_part *pt,
				     struct kagg_keybuf *kb, const long *args)
{
	__u64 *w = (__u64 *)kb->b;
	__u32 size = kagg_room;
	if (size > PS_STRSIZE_MAX)
		size = PS_STRSIZE_MAX;
	if (pt->src == KAGG_S_COMM) {
		bpf_get_current_comm(&w[1 + (pt->off & 7)], 16);
	} else if (pt->src == KAGG_S_STR) {
		/* string room j (off) at kagg_str_off + j * room */
		__u32 j = pt->off & 1;
		__u32 off = ((kagg_str_off & (KAGG_INTS * 2 - 1)) + j * size) & (KAGG_KEY_ROOM / 2 - 1);
		long got = -1;
		if (kagg_strid && pt->arg < x->nargs && kagg_sid(x, kb, off, j, pt->arg, args))
			return 0;
		if (pt->arg < x->nargs)
			got = bpf_probe_read_user_str(kb->b + off, size, (const void *)args[pt->arg & 15]);
		/* the rest of the room: zeros (what the last string left there, past this one) */
		__u32 prev = kb->len[j], now = got > 0 ? got : 0;
		if (prev > now)
			bpf_probe_read_kernel(kb->b + ((off + now) & (KAGG_KEY_ROOM / 2 - 1)),
					      (prev - now) & (PS_STRSIZE_MAX - 1), kagg_zeros);
		kb->len[j] = got > 0 ? now : 0;   /* a failed read zeroes the room */
		if (got <= 0 || (kagg_cut && got >= size))
			return 1;        /* user space faults, or copies the whole string, as it would */
		x->strs_done |= 1u << j;
	} else {
		w[1 + (pt->off & 7)] = kagg_src(pt, args, x->nargs, x->pid_tgid, x->cpu);
	}
	return 0;
}

/* A predicate term: 1 holds, 0 does not, -1 the kernel cannot tell (a string it cannot read:
 * user space faults on it as it would). */
static __always_inline int kagg_term(struct kagg_ctx *x, const struct kagg_clause *c,
				     const struct kagg_pred *t, struct kagg_keybuf *kb, const long *args)
{
	if (t->is_str) {
		/* read one byte more than the constant: a longer string is not equal */
		__u8 *tmp = kb->b + KAGG_KEY_ROOM / 2;
		if (t->lhs.arg >= x->nargs)
			return -1;
		long got = bpf_probe_read_user_str(tmp, KAGG_SCONST, (const void *)args[t->lhs.arg & 15]);
		if (got <= 0)
			return -1;
		bool eq = got == t->slen + 1;
		for (int i = 0; i < KAGG_SCONST && eq; i++) {
			if (i >= t->slen)
				break;
			if (tmp[i] != (__u8)c->sconst[i])
				eq = false;
		}
		return t->op == KAGG_EQ ? eq : !eq;
	}
	long v = kagg_src(&t->lhs, args, x->nargs, x->pid_tgid, x->cpu), r = t->rhs;
	switch (t->op) {
	case KAGG_EQ: return v == r;
	case KAGG_NE: return v != r;
	case KAGG_LT: return v < r;
	case KAGG_LE: return v <= r;
	case KAGG_GT: return v > r;
	default: return v >= r;
	}
}

/* Clause C (number KC) could not count this hit: user space takes it, or, when the clause
 * touches thread variables (which only the kernel has), it is counted as a drop. */
static __always_inline void kagg_missed(struct kagg_ctx *x, const struct kagg_clause *c, __u32 kc,
					__u32 what)
{
	if (c->nomiss)
		kagg_drop(x->cpu, what);
	else
		x->miss |= 1u << kc;
}

/* The stores of kernel clause KC (a global function: verified once). */
__attribute__((noinline)) int kagg_stores(__u32 kc, __u64 pid_tgid, __u32 cpu, int nargs)
{
	const struct kagg_clause *c = bpf_map_lookup_elem(&kagg_clauses, &kc);
	const long *args = kagg_args();
	if (!c || !args)
		return 0;
	for (int i = 0; i < KAGG_MAX_STORES; i++) {
		if (i >= c->nstores)
			break;
		const struct kagg_store *st = &c->stores[i];
		long v = kagg_vsrc(&st->src, args, nargs, pid_tgid, cpu);
		kagg_self_set(st->var, v, cpu);
	}
	return 0;
}

/* Kernel clause KC on this hit: 1 when it missed (user space takes the hit). A global
 * function, so the verifier checks one clause once, with whatever the table says, and the loop
 * over clauses (kagg_clause_cb) stays a call and an or: its walk converges at once. */
__attribute__((noinline)) int kagg_clause(__u32 kc, __u64 pid_tgid, __u32 cpu, int nargs)
{
	struct kagg_ctx xx = { .pid_tgid = pid_tgid, .kmask = 1u << (kc & 7), .cpu = cpu,
			       .nargs = nargs, .kc = kc & 7 }, *x = &xx;
	__u32 zero = 0;
	if (kc >= KAGG_MAX_CLAUSES)
		return 1;
	const struct kagg_clause *c = bpf_map_lookup_elem(&kagg_clauses, &kc);
	struct kagg_keybuf *kb = bpf_map_lookup_elem(&kagg_key, &zero);
	const long *args = kagg_args();
	if (!c || !kb || !args) {
		x->miss |= 1u << kc;
		return 1;
	}
	/* /self->x/: the thread's variable set */
	long sv = 0;             /* (read once: the value's self->x is usually this one) */
	if (c->selfpred && !(sv = kagg_self_get(c->selfpred - 1)))
		return 0;
	/* the predicate: a term that does not hold ends the clause here (and in user space) */
	for (int i = 0; i < KAGG_MAX_PREDS; i++) {
		if (i >= c->npreds)
			break;
		int t = kagg_term(x, c, &c->preds[i], kb, args);
		if (t < 0) {
			kagg_missed(x, c, kc, KAGG_DROP_AGG);   /* a fault: the clause ends */
			return x->miss != 0;
		}
		if (!t)
			return 0;
	}
	if (c->fn == KAGG_NONE) {
		kagg_stores(kc, x->pid_tgid, x->cpu, x->nargs);
		return 0;
	}
	__u64 *w = (__u64 *)kb->b;
	w[0] = kc;
	for (int i = 1; i < KAGG_STR_OFF / 8; i++)
		if (i * 8 < kagg_str_off)
			w[i] = 0;
	x->strs_done = 0;
	kb->sids = 0;
	for (int p = 0; p < KAGG_MAX_PARTS; p++) {
		if (p >= c->nparts)
			break;
		if (kagg_part(x, &c->parts[p], kb, args)) {
			kagg_missed(x, c, kc, KAGG_DROP_AGG);
			return x->miss != 0;
		}
	}
	__u32 size = kagg_room;
	if (size > PS_STRSIZE_MAX)
		size = PS_STRSIZE_MAX;
	/* string rooms this clause does not use: zeros (another clause may have used them) */
	if (kagg_nstrs > 0 && !(x->strs_done & 1) && kb->len[0]) {
		bpf_probe_read_kernel(kb->b + (kagg_str_off & (KAGG_INTS * 2 - 1)),
				      kb->len[0] & (PS_STRSIZE_MAX - 1), kagg_zeros);
		kb->len[0] = 0;
	}
	if (kagg_nstrs > 1 && !(x->strs_done & 2) && kb->len[1]) {
		bpf_probe_read_kernel(kb->b + (kagg_str_off & (KAGG_INTS * 2 - 1)) +
				      (size & (2 * PS_STRSIZE_MAX - 1)),
				      kb->len[1] & (PS_STRSIZE_MAX - 1), kagg_zeros);
		kb->len[1] = 0;
	}

	long v = kagg_vsrc(&c->val, args, x->nargs, x->pid_tgid, x->cpu);
	if (c->val_sub && c->val2.src == KAGG_S_SELF && c->val2.arg + 1 == c->selfpred)
		v -= sv;
	else if (c->val_sub)
		v -= kagg_vsrc(&c->val2, args, x->nargs, x->pid_tgid, x->cpu);
	if (c->hist) {
		struct kagg_hval *h = bpf_map_lookup_elem(&kagg_hmap, kb->b);
		if (!h && !(kb->sids && kagg_define(x, kb, args))) {
			long err = bpf_map_update_elem(&kagg_hmap, kb->b, kagg_zeros, BPF_NOEXIST);
			/* EEXIST: another CPU made it; anything else (full): user space takes this
			 * hit */
			h = err && err != -17 ? NULL : bpf_map_lookup_elem(&kagg_hmap, kb->b);
		}
		if (h) {
			int b = kagg_bucket(c, v);
			__sync_fetch_and_add(&h->buckets[b & (KAGG_NBUCKETS - 1)], 1);
			kagg_fold(c, &h->v, v);  /* the count (a stap statistic: sum, min, max too) */
		} else {
			kagg_missed(x, c, kc, KAGG_DROP_AGG);
			if (!c->nomiss)
				return 1;
		}
	} else {
		struct kagg_val *val = bpf_map_lookup_elem(&kagg_map, kb->b);
		if (!val && !(kb->sids && kagg_define(x, kb, args))) {
			long err = bpf_map_update_elem(&kagg_map, kb->b, kagg_zeros, BPF_NOEXIST);
			val = err && err != -17 ? NULL : bpf_map_lookup_elem(&kagg_map, kb->b);
		}
		if (val) {
			kagg_fold(c, val, v);
		} else {
			kagg_missed(x, c, kc, KAGG_DROP_AGG);
			if (!c->nomiss)
				return 1;
		}
	}
	/* a full map is a drop and the clause goes on, as in D (only nomiss clauses store) */
	if (c->nstores)
		kagg_stores(kc, x->pid_tgid, x->cpu, x->nargs);
	return x->miss != 0;
}

/* The kernel clauses of KMASK on a hit whose NARGS arguments are in the scratch record; returns
 * the clauses it missed. */
static __always_inline __u32 kagg_run(__u32 kmask, int nargs, __u64 pid_tgid, __u32 cpu)
{
	struct kagg_ctx x = { .pid_tgid = pid_tgid, .kmask = kmask, .cpu = cpu, .nargs = nargs };
	if (kagg_need_ts)
		kagg_ts[cpu & (CAP_MAX_CPUS - 1)] = bpf_ktime_get_ns();
	if (kagg_strid) {
		/* the process's configuration, once a hit; a process met first is asked about */
		__u32 tgid = pid_tgid >> 32;
		__u64 *cur = &kagg_cur[(cpu & (CAP_MAX_CPUS - 1)) * 2];
		if (!cur[0] || cur[1] >> 32 != tgid) {
			struct kagg_pycfg *pc = bpf_map_lookup_elem(&kagg_procs, &tgid);
			if (pc) {
				cur[0] = pc->utype;
				cur[1] = pc->hdr | (__u64)tgid << 32;
			} else {
				cur[0] = 0;
				if (bpf_map_update_elem(&kagg_procs, &tgid, kagg_zeros, BPF_NOEXIST) == 0)
					kagg_ask[cpu & (CAP_MAX_CPUS - 1)] = 1;
			}
		}
	}
	/* a call per clause named (kagg_clause is verified once: these are calls, not copies) */
	for (int i = 0; i < KAGG_MAX_CLAUSES; i++)
		if (kmask & (1u << i))
			x.miss |= (__u32)(kagg_clause(i, pid_tgid, cpu, nargs) != 0) << i;
	return x.miss;
}
