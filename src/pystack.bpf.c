// SPDX-License-Identifier: GPL-2.0
/*
 * pystack.bpf.c — the kernel half of Python stack sampling. A perf event (cpu-clock, on each CPU)
 * runs pystack_sample in the context of whatever thread it interrupted. When that thread's process
 * is one user space asked for (the procs map, holding where its _PyRuntime is and the offsets of
 * its CPython), it finds the thread's PyThreadState in the main interpreter's list (matched by the
 * kernel's thread id from 3.11, by pthread_self() -- the thread pointer, fsbase on x86 -- before)
 * and walks the frame chain, copying per frame only the code object's address and the instruction
 * position: no strings are read in the kernel. Every read is bpf_probe_read_user, which fails
 * rather than faults on memory that is not there, so a scribbled or freed chain ends the walk
 * with PYSTACK_F_CUT; the walk is bounded by max_depth, and a longer chain (a cycle, too) is marked
 * PYSTACK_F_TRUNCATED. A record the ring cannot take is counted in lost[cpu].
 * An exec by a sampled process is reported (PYSTACK_F_EXEC) and the process forgotten, as its new
 * image may run another CPython or none.
 * Each code object's definition (file, name, first line, line table) goes into the ring ahead of
 * the first sample that holds it (pystack_walk.bpf.h), so samples of a process that ends before
 * user space reads them are still named.
 * With --native, the record also gets the kernel's frame-pointer user stack (an id in ustacks)
 * and, after its frames, the thread's user registers and the top of its user stack
 * (copy_user_stack), which user space unwinds with the objects' CFI (unwind.c); without
 * --native, stack_bytes is 0 and the verifier drops that code: the sample costs what it did.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pystack_rec.h"

struct task_struct;

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 max_depth = PYSTACK_MAX_DEPTH;
const volatile __u32 want_native = 0;
const volatile __u64 wake_at = 1 << 18;
const volatile __u32 stack_bytes = 0;       /* --native: user stack bytes kept for unwinding */
const volatile __u32 all_execs = 0;         /* --all: every exec is told, so that a CPython started
                                               later is looked at at once, not at the next scan */

__u64 lost[PYSTACK_MAX_CPUS];

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PYSTACK_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct pystack_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pystack_nrec);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PYSTACK_NATIVE_DEPTH * sizeof(__u64));
} ustacks SEC(".maps");

static __always_inline void emit(struct pystack_rec *r, __u64 tail)
{
	__u32 n = r->nframes;
	if (n > PYSTACK_MAX_DEPTH)
		n = PYSTACK_MAX_DEPTH;
	__u64 size = PYSTACK_REC_HDR + (__u64)n * sizeof(struct pystack_frame) + tail;
	__u64 flags = bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA) >= wake_at ? 0 : BPF_RB_NO_WAKEUP;
	if (size > sizeof(struct pystack_nrec) || bpf_ringbuf_output(&ring, r, size, flags) < 0)
		__sync_fetch_and_add(&lost[r->cpu & (PYSTACK_MAX_CPUS - 1)], 1);
}

/* --native: the thread's user registers (saved at its kernel entry: task_pt_regs, whichever mode
 * the sample interrupted) and up to stack_bytes of its stack, after the frames. A stack nearer its
 * top than stack_bytes makes the whole read fail (bpf_probe_read_user is all or nothing): halved
 * until it fits, down to 1 KiB. Returns the tail's size (0: no tail). Only when --native is on:
 * the sampler's cost without it is unchanged. */
static __always_inline __u64 copy_user_stack(struct pystack_rec *r)
{
	__u32 n = r->nframes;
	if (n > PYSTACK_MAX_DEPTH)
		n = PYSTACK_MAX_DEPTH;
	__u64 *t = (__u64 *)((char *)r->frames + (__u64)n * sizeof(struct pystack_frame));
	struct task_struct *task = bpf_get_current_task_btf();
	void *regs = (void *)bpf_task_pt_regs(task);
	if (!regs || bpf_probe_read_kernel(t, PYSTACK_UREGS * 8, regs) < 0)
		return 0;
	__u64 sp = t[PYSTACK_UREG_SP];
	__u32 len = stack_bytes;
	r->ubytes = 0;
	r->flags |= PYSTACK_F_UREGS;
	for (int i = 0; i < 5; i++) {
		if (len > PYSTACK_STACK_MAX)
			len = PYSTACK_STACK_MAX;
		if (len < 1024)
			break;
		if (bpf_probe_read_user(t + PYSTACK_UREGS, len, (void *)sp) == 0) {
			r->ubytes = len;
			break;
		}
		len >>= 1;
	}
	return PYSTACK_UREGS * 8 + (__u64)r->ubytes;
}

#include "pystack_walk.bpf.h"

SEC("perf_event")
int pystack_sample(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 pid = pid_tgid >> 32, tid = (__u32)pid_tgid, zero = 0;
	const struct pystack_proc *p = bpf_map_lookup_elem(&procs, &pid);
	if (!p)
		return 0;
	struct pystack_rec *r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	r->pid = pid;
	r->tid = tid;
	r->ubytes = 0;
	r->cpu = bpf_get_smp_processor_id();
	r->nframes = 0;
	r->flags = 0;
	r->ktime = bpf_ktime_get_ns();
	r->ustack = want_native ? bpf_get_stackid(ctx, &ustacks, BPF_F_USER_STACK) : -1;
	bpf_get_current_comm(r->comm, sizeof(r->comm));

	pystack_walk(p, r);
	emit(r, stack_bytes ? copy_user_stack(r) : 0);
	return 0;
}

/* An exec ends what pyscope knew of the process: tell user space, forget the recipe (with
 * all_execs, any process's exec is told: it may be a CPython starting). */
SEC("raw_tp/sched_process_exec")
int pystack_exec(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32, zero = 0;
	if (bpf_map_lookup_elem(&procs, &pid))
		bpf_map_delete_elem(&procs, &pid);
	else if (!all_execs)
		return 0;
	struct pystack_rec *r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	r->pid = pid;
	r->tid = (__u32)bpf_get_current_pid_tgid();
	r->cpu = bpf_get_smp_processor_id();
	r->nframes = 0;
	r->flags = PYSTACK_F_EXEC;
	r->epoch = 0;
	r->ustack = -1;
	r->ubytes = 0;
	r->ktime = bpf_ktime_get_ns();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	emit(r, 0);
	return 0;
}
