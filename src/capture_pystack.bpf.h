/*
 * capture_pystack.bpf.h — the Python stack at a marker hit (D's jstack(), stap's pybacktrace(),
 * `pyscope events --stack`): included by capture.bpf.c, whose finish() calls cap_pystack_append
 * once the strings are in the record. When the probe's entry in pystack_want asks for frames and
 * the process's walking recipe is in pystack_procs (user space puts it there per target, as
 * `pyscope profile` does: pyoffsets.c's offsets of its CPython), the current thread's frames are
 * walked with pystack_walk.bpf.h into a per-CPU pystack_rec and copied after the strings as the
 * CAP_SEC_PYSTACK section (capture_rec.h): code object address and instruction position per frame,
 * no strings; user space names them (pysym.c). A process without a recipe yet gets an empty
 * section flagged PYSTACK_F_NOTHREAD, which tells user space to look at it.
 */
#ifndef PYSCOPE_CAPTURE_PYSTACK_BPF_H
#define PYSCOPE_CAPTURE_PYSTACK_BPF_H
#include "pystack_rec.h"
#define PYW_NO_MAX_DEPTH
#include "pystack_walk.bpf.h"

#define CAP_PYSTACK_SEC_MAX (sizeof(struct cap_pystack_sec) + PYSTACK_MAX_DEPTH * sizeof(struct pystack_frame))
_Static_assert(CAP_SCRATCH / 2 + PS_STRSIZE_MAX + 16 + CAP_PYSTACK_SEC_MAX <= CAP_SCRATCH,
	       "the largest stack fits after the largest strings");

/* Set by user space when some probe wants frames: otherwise the verifier drops the code below and
 * a hit pays nothing for it. */
const volatile bool pystack_on = false;

/* Frames wanted per probe id (0: none); sized by user space to the probe count. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} pystack_want SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PYSTACK_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct pystack_proc);
} pystack_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pystack_rec);
} pystack_scratch SEC(".maps");

/* Walk the current thread's Python frames into the per-CPU pystack_scratch when probe ID wants
 * them (done before the strings are copied). 1, or 0 when the probe wants none. A global function:
 * the verifier checks it once per program, on its own, not once per state of its callers. */
__noinline int cap_pystack_walk(__u32 id, __u32 pid, __u32 tid)
{
	__u32 zero = 0;
	if (!pystack_on)
		return 0;
	__u32 *want = bpf_map_lookup_elem(&pystack_want, &id);
	struct pystack_rec *pr = bpf_map_lookup_elem(&pystack_scratch, &zero);
	if (!want || !*want || !pr)
		return 0;
	const struct pystack_proc *p = bpf_map_lookup_elem(&pystack_procs, &pid);
	if (p && tid == (__u32)bpf_get_current_pid_tgid()) {
		pystack_walk_n(p, pr, *want);
	} else {
		pr->nframes = 0;
		pr->flags = PYSTACK_F_NOTHREAD;  /* no recipe (yet), or a record of another thread */
	}
	return 1;
}

/* Append the frames cap_pystack_walk left to record R (in S, *OFF bytes so far). */
static __always_inline void cap_pystack_append(struct scratch *s, struct cap_rec *r, __u32 *off)
{
	__u32 zero = 0;
	struct pystack_rec *pr = bpf_map_lookup_elem(&pystack_scratch, &zero);
	__u64 at = ((__u64)*off + 7) & ~7ull;
	/* the bound checked on the register used below (the compiler may otherwise check a copy) */
	barrier_var(at);
	if (!pr || at > CAP_SCRATCH / 2 + PS_STRSIZE_MAX + 16)
		return;
	barrier_var(at);
	struct cap_pystack_sec h = { .nframes = pr->nframes, .flags = pr->flags };
	__u32 n = h.nframes;
	if (n > PYSTACK_MAX_DEPTH)
		return;
	__builtin_memcpy(s->buf + at, &h, sizeof(h));
	__u32 bytes = n * sizeof(struct pystack_frame);
	if (bytes && bpf_probe_read_kernel(s->buf + at + sizeof(h), bytes & 0xfff, pr->frames) < 0)
		return;
	r->sections |= CAP_SEC_PYSTACK;
	*off = at + sizeof(h) + bytes;
}
#endif
