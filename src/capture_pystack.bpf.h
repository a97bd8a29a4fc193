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

/* Frames wanted per probe id, and its object's recipe (struct pystack_want); sized by user space
 * to the probe count. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pystack_want);
} pystack_want SEC(".maps");

/* Recipes the kernel made from a probe's template (struct pystack_want), per process, valid while
 * the process keeps its address space (mm): an exec makes another. */
struct pystack_auto {
	__u64 mm;
	struct pystack_proc p;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PYSTACK_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct pystack_auto);
} pystack_auto SEC(".maps");

/* The marker's address at the current hit (ps_hit sets it before finish(); 0 for the other
 * programs, whose probes have no template). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pystack_ip SEC(".maps");

struct vm_area_struct___pyw {
	unsigned long vm_start;
	unsigned long vm_pgoff;
} __attribute__((preserve_access_index));
struct mm_struct___pyw;
struct task_struct___pym {
	struct mm_struct___pyw *mm;
	__u64 start_time;
} __attribute__((preserve_access_index));

static __always_inline void cap_pystack_hit_at(__u64 ip)
{
	if (!pystack_on)        /* known at load: the verifier drops the look-up */
		return;
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&pystack_ip, &zero);
	if (v)
		*v = ip;
}

static long cap_vma_base(struct task_struct *task, struct vm_area_struct___pyw *vma, void *data)
{
	*(__u64 *)data = vma->vm_start - (vma->vm_pgoff << 12);
	return 0;
}

/* The recipe of the current process for a probe with template W (its marker at IP): the one
 * made before while the address space is the same, else made now from the start of the marker's
 * mapping (bpf_find_vma; NULL when the address space is busy: the next hit tries again). */
static __always_inline const struct pystack_proc *cap_pystack_auto(const struct pystack_want *w,
								   __u32 pid, __u64 ip)
{
	struct task_struct___pym *task = (struct task_struct___pym *)bpf_get_current_task();
	__u64 mm = (__u64)BPF_CORE_READ(task, mm), start = BPF_CORE_READ(task, start_time);
	struct pystack_auto *a = bpf_map_lookup_elem(&pystack_auto, &pid);
	if (a && a->mm == mm)
		return &a->p;
	__u64 base = 0;
	if (!ip || !mm || bpf_find_vma(bpf_get_current_task_btf(), ip, cap_vma_base, &base, 0) < 0 || !base)
		return NULL;
	struct pystack_auto n;
	__builtin_memcpy(&n.p, &w->tpl, sizeof(n.p));
	n.mm = mm;
	n.p.runtime += base;
	if (n.p.code_type)
		n.p.code_type += base;
	/* one image of one process: the address space (new at each exec) and the start time (new
	 * for a pid given again); the top bit keeps it apart from user space's recipes' epochs */
	n.p.epoch = (__u32)((mm >> 6) ^ start ^ (start >> 32)) | 0x80000000u;
	bpf_map_update_elem(&pystack_auto, &pid, &n, BPF_ANY);
	a = bpf_map_lookup_elem(&pystack_auto, &pid);
	return a ? &a->p : NULL;
}

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
	struct pystack_want *want = bpf_map_lookup_elem(&pystack_want, &id);
	struct pystack_rec *pr = bpf_map_lookup_elem(&pystack_scratch, &zero);
	__u64 *ip = bpf_map_lookup_elem(&pystack_ip, &zero);
	if (!want || !want->frames || !pr || !ip)
		return 0;
	const struct pystack_proc *p = NULL;
	if (want->has_tpl) {
		p = cap_pystack_auto(want, pid, *ip);
	} else {
		/* another probe (a syscall's, the provider's): the recipe a marker of the process's
		 * CPython made, while its address space is the same */
		struct task_struct___pym *task = (struct task_struct___pym *)bpf_get_current_task();
		struct pystack_auto *a = bpf_map_lookup_elem(&pystack_auto, &pid);
		if (a && a->mm == (__u64)BPF_CORE_READ(task, mm))
			p = &a->p;
	}
	*ip = 0;
	if (!p)
		p = bpf_map_lookup_elem(&pystack_procs, &pid);
	if (p && tid == (__u32)bpf_get_current_pid_tgid()) {
		pystack_walk_n(p, pr, want->frames);
	} else {
		pr->nframes = 0;
		pr->epoch = 0;
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
	struct cap_pystack_sec h = { .nframes = pr->nframes, .flags = pr->flags, .epoch = pr->epoch };
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
