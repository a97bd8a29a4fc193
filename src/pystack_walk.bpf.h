/*
 * pystack_walk.bpf.h — the Python frame walk, for any BPF program that wants the current
 * thread's Python stack: pystack.bpf.c's sampler, and later a marker program (D's jstack(),
 * `events --stack`), which would include this header, look up the process's recipe
 * (struct pystack_proc, pystack_rec.h) and call pystack_walk into its own record.
 * Needs: bpf_helpers.h, bpf_core_read.h, pystack_rec.h. pystack_walk() keeps up to a `max_depth`
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

struct pyw_walk_ctx {
	const struct pystack_proc *p;
	struct pystack_rec *r;
	__u64 frame;
	__u32 n, limit;
};

static long pyw_walk_step(__u32 i, void *data)
{
	struct pyw_walk_ctx *c = data;
	const struct pystack_proc *p = c->p;
	struct pystack_rec *r = c->r;
	__u64 frame = c->frame, code, instr = 0, prev;
	__u8 owner = 0;
	if (!frame)
		return 1;
	if (c->n >= c->limit || c->n >= PYSTACK_MAX_DEPTH) {
		r->flags |= PYSTACK_F_TRUNCATED;
		return 1;
	}
	if (pyw_rd(&code, frame + p->frame_code) < 0 ||
	    bpf_probe_read_user(&instr, p->instr_kind == PYSTACK_INSTR_POINTER ? 8 : 4,
				(const void *)(frame + p->frame_instr)) < 0 ||
	    (p->frame_owner >= 0 &&
	     bpf_probe_read_user(&owner, 1, (const void *)(frame + p->frame_owner)) < 0) ||
	    pyw_rd(&prev, frame + p->frame_previous) < 0) {
		r->flags |= PYSTACK_F_CUT;
		return 1;
	}
	if (owner != 3) {       /* FRAME_OWNED_BY_CSTACK: an entry shim, not Python code */
		struct pystack_frame *f = &r->frames[c->n & (PYSTACK_MAX_DEPTH - 1)];
		f->code = code;
		f->instr = instr;
		c->n++;
	}
	c->frame = prev;
	return 0;
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
	struct pyw_walk_ctx c = { .p = p, .r = r, .frame = frame, .limit = limit };
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
