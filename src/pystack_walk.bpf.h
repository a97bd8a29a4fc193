/*
 * pystack_walk.bpf.h — the Python frame walk, for any BPF program that wants the current
 * thread's Python stack: pystack.bpf.c's sampler, and later a marker program (D's jstack(),
 * `events --stack`), which would include this header, look up the process's recipe
 * (struct pystack_proc, pystack_rec.h) and call pystack_walk into its own record.
 * Needs: bpf_helpers.h, bpf_core_read.h, pystack_rec.h, and a ring buffer map named `ring` declared
 * before it (code object definitions go there, below). pystack_walk() keeps up to a `max_depth`
 * the includer defines; pystack_walk_n() takes the limit per call (capture: per probe).
 *
 * The thread state is found in the main interpreter's list, matched by the kernel's thread id
 * (3.11+) or by pthread_self(), which is the thread pointer (fsbase on x86-64, tpidr_el0 on arm64),
 * read from the task through BTF (CO-RE: only the fields named here). Loops run through bpf_loop,
 * so the verifier checks each body once, not once per iteration.
 */
#ifndef PYSCOPE_PYSTACK_WALK_BPF_H
#define PYSCOPE_PYSTACK_WALK_BPF_H

/* The kernel's types under "flavored" names (CO-RE drops what follows "___"), so that an includer
 * with its own partial struct task_struct (capture.bpf.c) does not clash with this one. */
#if defined(__TARGET_ARCH_x86)
struct thread_struct___pyw {
	unsigned long fsbase;
} __attribute__((preserve_access_index));
#define TP_FIELD thread.fsbase
#elif defined(__TARGET_ARCH_arm64)
struct thread_struct___pyw {
	struct {
		unsigned long tp_value;
	} uw;
} __attribute__((preserve_access_index));
#define TP_FIELD thread.uw.tp_value
#else
#error "pyscope: pystack_walk.bpf.h is written for x86 and arm64"
#endif
struct task_struct___pyw {
	struct thread_struct___pyw thread;
} __attribute__((preserve_access_index));

static __always_inline int pyw_rd(__u64 *v, __u64 addr)
{
	return bpf_probe_read_user(v, sizeof(*v), (const void *)addr);
}

struct pyw_find_ctx {
	const struct pystack_proc *p;
	__u64 ts, want, found;
	long off;
};

static long pyw_find_step(__u32 i, void *data)
{
	struct pyw_find_ctx *c = data;
	__u64 id;
	if (!c->ts || pyw_rd(&id, c->ts + c->off) < 0)
		return 1;
	if (id == c->want) {
		c->found = c->ts;
		return 1;
	}
	if (pyw_rd(&c->ts, c->ts + c->p->tstate_next) < 0)
		return 1;
	return 0;
}

/* The thread state of thread TID (kernel id) / TP (thread pointer) in P's main interpreter, 0. */
static __always_inline __u64 pyw_find_tstate(const struct pystack_proc *p, __u32 tid, __u64 tp)
{
	__u64 interp;
	struct pyw_find_ctx c = { .p = p };
	if (pyw_rd(&interp, p->runtime + p->interp_head) < 0 || !interp ||
	    pyw_rd(&c.ts, interp + p->threads_head) < 0)
		return 0;
	c.want = p->tstate_native_id >= 0 ? tid : tp;
	c.off = p->tstate_native_id >= 0 ? p->tstate_native_id : p->tstate_thread_id;
	bpf_loop(PYSTACK_MAX_THREADS, pyw_find_step, &c, 0);
	return c.found;
}

/* ---- code object definitions (struct pystack_def, pystack_rec.h) ----
 * The includer declares the ring map `ring` the stacks go to before including this file. At each
 * frame, the code object's first PYW_CODE_WIN bytes are read (one read) and its identity (file,
 * name, line table pointers, first line) compared with what pyw_seen remembers for (pid, epoch,
 * address): the same, nothing more is done (one read and one map look-up per frame); else its
 * definition goes to the ring, ahead of the record that holds the frame, and is remembered only
 * once it is in the ring (so a record from another CPU that finds it remembered comes after it).
 * An address reused by another code object has another identity: sent anew. */
#define PYW_CODE_WIN 160
#define PYW_SEEN_MAX 65536        /* slots of the direct-mapped table (a power of two) */

/* One slot: which code object it holds (pid, epoch, address) and that code object's identity.
 * A direct-mapped array, not a hash map: its look-up is an index (the verifier inlines it), where
 * a hash map's costs as much as a read of user memory; two code objects on one slot only cost a
 * definition sent again. Slots are written by any CPU: a slot read while another CPU writes it
 * matches neither (a definition sent again), never the wrong one, as every field is compared. */
struct pyw_seen_val {
	__u32 pid, epoch;
	__u64 code;
	__u64 file, name, lt;
	__s64 first;
	__u64 file_hash, name_hash;       /* the str objects' lengths and cached hashes (pyw_str_id) */
};
#define PYW_STR_LEN 16                    /* PyASCIIObject.length, then hash: 3.8 to 3.13 */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PYW_SEEN_MAX);
	__type(key, __u32);
	__type(value, struct pyw_seen_val);
} pyw_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pystack_def);
} pyw_defbuf SEC(".maps");

/* The str object at ADDR as CPython keeps it, cut to PYSTACK_DEF_STR bytes, into DST. */
static __always_inline void pyw_def_str(const struct pystack_proc *p, __u64 addr, char *dst,
					__u16 *len, __u8 *kind)
{
	__s64 n = 0;
	__u32 state = 0;
	*len = 0;
	*kind = 0;
	if (!addr || pyw_rd((__u64 *)&n, addr + p->unicode_length) < 0 ||
	    bpf_probe_read_user(&state, 4, (const void *)(addr + p->unicode_state)) < 0)
		return;
	__u32 k = (state >> 2) & 7;
	if (n < 0 || !((state >> 5) & 1) || (k != 1 && k != 2 && k != 4))
		return;
	__u64 data = addr + ((state >> 6) & 1 ? p->ascii_size : p->compact_size);
	__u64 bytes = (__u64)n * k;
	if (bytes > PYSTACK_DEF_STR)
		bytes = PYSTACK_DEF_STR / k * k;
	barrier_var(bytes);
	if (bytes > PYSTACK_DEF_STR)
		return;
	if (bytes && bpf_probe_read_user(dst, bytes, (const void *)data) < 0)
		return;
	*len = (__u16)bytes;
	*kind = (__u8)k;
}

/* What tells the str object at ADDR from another made at the same address: its length and the
 * hash it caches (-1 until something hashed it), read at once (PyASCIIObject: length, then hash). */
static __always_inline __u64 pyw_str_id(__u64 addr)
{
	__u64 lh[2] = { 0, 0 };
	bpf_probe_read_user(lh, sizeof(lh), (const void *)(addr + PYW_STR_LEN));
	return lh[1] * 0x9E3779B97F4A7C15ull + lh[0];
}

/* Frame's code object CODE of the current process (recipe P): its definition sent unless already
 * sent. 0, or -1 when it had to be sent and could not be (the ring was full). A global function:
 * verified once, on its own. */
__noinline int pyw_def_see(const struct pystack_proc *p, __u64 code)
{
	__u8 win[PYW_CODE_WIN];
	__u32 zero = 0;
	if (!p || !p->code_type || !code)
		return 0;
	if (bpf_probe_read_user(win, sizeof(win), (const void *)code) < 0)
		return 0;                   /* user space reads what it can, as before */
	__u64 type = 0;
	__builtin_memcpy(&type, win + 8, 8);
	if (type != p->code_type)
		return 0;                   /* not a code object: not named */
	struct pyw_seen_val v = {};
	__s32 first = 0;
	__u32 of = p->code_filename, on = p->code_name, ol = p->code_linetable, o1 = p->code_firstlineno;
	if (of > PYW_CODE_WIN - 8 || on > PYW_CODE_WIN - 8 || ol > PYW_CODE_WIN - 8 ||
	    o1 > PYW_CODE_WIN - 4)
		return 0;
	__builtin_memcpy(&v.file, win + of, 8);
	__builtin_memcpy(&v.name, win + on, 8);
	__builtin_memcpy(&v.lt, win + ol, 8);
	__builtin_memcpy(&first, win + o1, 4);
	v.first = first;
	v.pid = bpf_get_current_pid_tgid() >> 32;
	v.epoch = p->epoch;
	v.code = code;
	__u32 slot = (__u32)(((code >> 4) ^ ((__u64)v.pid << 20) ^ v.epoch) * 0x9E3779B97F4A7C15ull >> 40) &
		     (PYW_SEEN_MAX - 1);
	struct pyw_seen_val *old = bpf_map_lookup_elem(&pyw_seen, &slot);
	/* Pointers alone could all be the same for another code object made where a freed one was,
	 * with strings made where its strings were (an allocator that reuses the last freed block
	 * first): the strings' contents count too, through their lengths and the hashes they cache
	 * (names are interned, so hashed; a file name often is not: it then compares by address
	 * and length only, the one case where a code object made where a freed one was, with
	 * every string where the freed one's were, could keep the old file name). */
	v.file_hash = pyw_str_id(v.file);
	v.name_hash = pyw_str_id(v.name);
	if (old && old->code == v.code && old->pid == v.pid && old->epoch == v.epoch &&
	    old->file == v.file && old->name == v.name && old->lt == v.lt && old->first == v.first &&
	    old->file_hash == v.file_hash && old->name_hash == v.name_hash)
		return 0;
	struct pystack_def *d = bpf_map_lookup_elem(&pyw_defbuf, &zero);
	if (!d)
		return 0;
	d->magic = PYSTACK_DEF_MAGIC;
	d->code = code;
	d->file_at = v.file;
	d->name_at = v.name;
	d->lt_at = v.lt;
	d->pid = v.pid;
	d->epoch = v.epoch;
	d->first = first;
	d->minor = p->minor;
	d->code_adaptive = p->code_adaptive;
	pyw_def_str(p, v.file, d->data, &d->file_len, &d->file_kind);
	pyw_def_str(p, v.name, d->data + PYSTACK_DEF_STR, &d->name_len, &d->name_kind);
	__s64 n = 0;
	d->lt_len = 0;
	d->lt_full = 0;
	if (v.lt && pyw_rd((__u64 *)&n, v.lt + p->bytes_size) == 0 && n > 0) {
		__u64 len = n > PYSTACK_DEF_LT ? PYSTACK_DEF_LT : n;
		d->lt_full = n > 0x7fffffff ? 0x7fffffff : (__u32)n;
		barrier_var(len);
		if (len <= PYSTACK_DEF_LT &&
		    bpf_probe_read_user(d->data + 2 * PYSTACK_DEF_STR, len, (const void *)(v.lt + p->bytes_sval)) == 0)
			d->lt_len = (__u32)len;
	}
	__u64 size = PYSTACK_DEF_HDR + 2 * PYSTACK_DEF_STR + d->lt_len;
	if (size > sizeof(*d) || bpf_ringbuf_output(&ring, d, size, BPF_RB_NO_WAKEUP) < 0)
		return -1;
	if (old)
		__builtin_memcpy(old, &v, sizeof(v));
	return 0;
}

struct pyw_walk_ctx {
	const struct pystack_proc *p;
	struct pystack_rec *r;
	__u64 frame, last;
	__u32 n, limit, win;
};

#define PYW_FRAME_WIN 128       /* bytes of a frame read at once: every field the walk needs */

static long pyw_walk_step(__u32 i, void *data)
{
	struct pyw_walk_ctx *c = data;
	const struct pystack_proc *p = c->p;
	struct pystack_rec *r = c->r;
	__u64 frame = c->frame, code = 0, instr = 0, prev = 0;
	__u8 owner = 0;
	__u8 buf[PYW_FRAME_WIN];
	if (!frame)
		return 1;
	if (c->n >= c->limit || c->n >= PYSTACK_MAX_DEPTH) {
		r->flags |= PYSTACK_F_TRUNCATED;
		return 1;
	}
	/* One read of the frame's fields (code, instruction, owner, previous), not one per field:
	 * each read of user memory costs about what a small one costs. */
	__builtin_memset(buf, 0, sizeof(buf));
	__u32 win = c->win, oc = p->frame_code, oi = p->frame_instr, op = p->frame_previous;
	__u32 oo = p->frame_owner >= 0 ? p->frame_owner : 0;
	if (win > PYW_FRAME_WIN || oc > PYW_FRAME_WIN - 8 || oi > PYW_FRAME_WIN - 8 ||
	    op > PYW_FRAME_WIN - 8 || oo > PYW_FRAME_WIN - 1 || !win ||
	    bpf_probe_read_user(buf, win, (const void *)frame) < 0) {
		r->flags |= PYSTACK_F_CUT;
		return 1;
	}
	/* (the masks change nothing -- the fields were checked above, and pointer fields are 8-byte
	 * aligned -- but keep the verifier sure of the bounds whatever copy the compiler checks;
	 * barrier_var keeps the compiler from dropping them as known) */
	barrier_var(oc);
	barrier_var(op);
	barrier_var(oi);
	barrier_var(oo);
	__builtin_memcpy(&code, buf + (oc & (PYW_FRAME_WIN - 8)), 8);
	__builtin_memcpy(&prev, buf + (op & (PYW_FRAME_WIN - 8)), 8);
	if (p->instr_kind == PYSTACK_INSTR_POINTER)
		__builtin_memcpy(&instr, buf + (oi & (PYW_FRAME_WIN - 8)), 8);
	else
		__builtin_memcpy(&instr, buf + (oi & (PYW_FRAME_WIN - 4)), 4);
	if (p->frame_owner >= 0)
		owner = buf[oo & (PYW_FRAME_WIN - 1)];
	if (owner != 3) {       /* FRAME_OWNED_BY_CSTACK: an entry shim, not Python code */
		struct pystack_frame *f = &r->frames[c->n & (PYSTACK_MAX_DEPTH - 1)];
		f->code = code;
		f->instr = instr;
		c->n++;
		/* a code object checked earlier in this walk is the same one now: the thread walked
		 * is the one running this program, and its frames hold their code objects */
		if (p->code_type && code != c->last && pyw_def_see(p, code) < 0)
			r->flags |= PYSTACK_F_NODEF;
		c->last = code;
	}
	c->frame = prev;
	return 0;
}

/* The bytes of a frame the walk reads: up to the end of its last field. */
static __always_inline __u32 pyw_frame_win(const struct pystack_proc *p)
{
	__u32 w = p->frame_code + 8;
	if ((__u32)p->frame_instr + 8 > w)
		w = p->frame_instr + 8;
	if ((__u32)p->frame_previous + 8 > w)
		w = p->frame_previous + 8;
	if (p->frame_owner >= 0 && (__u32)p->frame_owner + 1 > w)
		w = p->frame_owner + 1;
	return w;
}

/* Walk the current thread's Python frames (process recipe P) into R->frames, leaf first, at most
 * LIMIT: R->nframes and R->flags (PYSTACK_F_*) are set. */
static __always_inline void pystack_walk_n(const struct pystack_proc *p, struct pystack_rec *r,
					   __u32 limit)
{
	struct task_struct___pyw *task = (struct task_struct___pyw *)bpf_get_current_task();
	__u64 tp = BPF_CORE_READ(task, TP_FIELD), frame = 0;
	__u64 ts = pyw_find_tstate(p, (__u32)bpf_get_current_pid_tgid(), tp);
	r->nframes = 0;
	r->flags = 0;
	r->epoch = p->epoch;
	if (!ts) {
		r->flags = PYSTACK_F_NOTHREAD;
		return;
	}
	if (pyw_rd(&frame, ts + p->tstate_frame) < 0 ||
	    (p->cframe_frame >= 0 && frame && pyw_rd(&frame, frame + p->cframe_frame) < 0)) {
		r->flags = PYSTACK_F_CUT;
		return;
	}
	/* shims skipped do not count: a few more steps than frames kept */
	struct pyw_walk_ctx c = { .p = p, .r = r, .frame = frame, .limit = limit, .win = pyw_frame_win(p) };
	bpf_loop(PYSTACK_MAX_DEPTH + 16, pyw_walk_step, &c, 0);
	r->nframes = (unsigned short)c.n;
}

#ifndef PYW_NO_MAX_DEPTH
static __always_inline void pystack_walk(const struct pystack_proc *p, struct pystack_rec *r)
{
	pystack_walk_n(p, r, max_depth);
}
#endif
#endif
