// SPDX-License-Identifier: GPL-2.0
/*
 * capture.bpf.c — the kernel half of capture: one small generic program attached to every marker
 * pyscope traces. At each hit it builds a compact variable-length record (capture_rec.h) in a
 * per-CPU scratch area — timestamp, pid/tid, CPU, comm, probe id, every argument as a sign-extended
 * 64-bit value (decoded from the argument specs libbpf's USDT support keeps in __bpf_usdt_specs:
 * registers, memory operands and constants; the spec is looked up once per hit), and the
 * strings the consumer asked for, copied now because the memory may be gone later, then the optional
 * sections the probe's clauses need (capture_extra.bpf.h: user memory, the native stack,
 * vtimestamp) — and hands it to the ring buffer. Policy (filtering, formatting, aggregation)
 * lives in user space.
 *
 * Wake-ups are batched: records are committed without waking the reader, which polls on a short
 * timeout, unless the ring is filling past wake_at bytes, when the reader is woken at once.
 * A record the ring cannot take is counted in lost[cpu], which user space reads through the
 * memory-mapped .bss.
 *
 * ps_nop is the empty program: the floor of the benchmark (what a uprobe hit costs by itself) and
 * the holder of the extra semaphore reference CPython 3.11 needs (see capture.c).
 *
 * Built once per architecture (-D__TARGET_ARCH_x86 or _arm64, as bpf_tracing.h wants): the
 * register frame a uprobe program sees is declared below for each, because no kernel headers are
 * at hand and the host's <asm/ptrace.h> describes only the host. libbpf records each register as
 * its byte offset in that frame (argspec.c keeps the same tables for `pyscope list`).
 */
#include <stdbool.h>
#include <linux/bpf.h>

#if defined(__TARGET_ARCH_x86)
/* x86-64's struct pt_regs (UAPI layout and names, as bpf_tracing.h reads it outside the kernel). */
struct pt_regs {
	unsigned long r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi,
		      orig_rax, rip, cs, eflags, rsp, ss;
};
#define CAP_REGS struct pt_regs
#elif defined(__TARGET_ARCH_arm64)
/* arm64's struct user_pt_regs, the start of the kernel's pt_regs (bpf_tracing.h casts to it). */
struct user_pt_regs {
	__u64 regs[31], sp, pc, pstate;
};
struct pt_regs;
#define CAP_REGS struct user_pt_regs
#else
#error "pyscope: capture.bpf.c is written for x86 and arm64 (-D__TARGET_ARCH_x86 or -D__TARGET_ARCH_arm64)"
#endif

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#define BPF_USDT_MAX_SPEC_CNT 1024
#include <bpf/usdt.bpf.h>
#include <bpf/bpf_core_read.h>
#include "capture_rec.h"

/* The copy of the frame at a hit sits in a per-CPU room of a power of two bytes (its own map: the
 * scratch record already has the largest per-CPU value there is), so that a masked offset is
 * inside the room whatever libbpf wrote. */
#define CAP_REGS_ROOM 512
_Static_assert(sizeof(CAP_REGS) <= CAP_REGS_ROOM, "the register frame fits its room");

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 strsize = 256;        /* bytes kept of a string, NUL included */
const volatile __u64 wake_at = 1 << 20;    /* wake the reader when this much is waiting */
/* Set by user space when some probe asks for them: otherwise the verifier drops their code, and
 * loading stays as quick as before they existed (each program inlines finish()). */
const volatile bool extra_on = false;       /* memory, native stack, vtimestamp sections */
const volatile bool kagg_on = false;        /* clauses aggregated in the kernel */

__u64 lost[CAP_MAX_CPUS];

struct scratch {
	__u8 buf[CAP_SCRATCH];
};

struct frame {
	union {
		CAP_REGS regs;           /* the registers at the hit, copied once for every argument */
		__u8 room[CAP_REGS_ROOM];
	};
	__u32 nout;                  /* records this CPU sent (finish: when to look at the ring) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct frame);
} frame SEC(".maps");

#include "kagg.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);     /* resized by user space before load */
} ring SEC(".maps");

/* libbpf's user side fills the spec and this file reads it, so both must mean the same thing by
 * it. Two checks make a libbpf whose spec this file would misread fail the BUILD:
 *  - the layout: the fields read here sit where they always have (libbpf keeps them there);
 *  - the kinds: usdt_arg below switches over enum __bpf_usdt_arg_type with one case per kind and,
 *    on purpose, no default, and -Wswitch is an error in this file. An enum with a kind this file
 *    does not decode (libbpf 1.7 adds BPF_USDT_ARG_SIB, base + index * scale addressing) stops the
 *    build with "enumeration value 'BPF_USDT_ARG_SIB' not handled in switch" instead of reading
 *    such an argument as another kind. Debian 12's libbpf 1.1 has exactly the three kinds below.
 *    tests/cases/port_bpf.sh builds this file against a usdt.bpf.h with one kind more. */
#pragma clang diagnostic error "-Wswitch"
_Static_assert(BPF_USDT_MAX_ARG_CNT == PS_MAX_ARGS, "pyscope's argument limit is libbpf's");
_Static_assert(PS_MAX_ARGS <= 16, "argument indexes are masked with 15 below");
_Static_assert(__builtin_offsetof(struct __bpf_usdt_arg_spec, val_off) == 0 &&
	       __builtin_offsetof(struct __bpf_usdt_arg_spec, reg_off) == 12 &&
	       sizeof(struct __bpf_usdt_arg_spec) == 16,
	       "libbpf's struct __bpf_usdt_arg_spec has the layout capture.bpf.c reads");

/* The register frame at the hit, copied from the context into F by constant-offset loads, which
 * the verifier allows on a uprobe's context: cheaper than bpf_probe_read_kernel of the frame (a
 * helper call and a fault-handling copy, a tenth of a hit's program), and straight-line code,
 * where a switch over the register an argument names costs the verifier a path per register.
 * (Inline assembly: the compiler would otherwise fold the loads into a loop over a computed
 * context address, which the verifier refuses.) */
#if defined(__TARGET_ARCH_x86)
#define CAP_NREGS 21
#else
#define CAP_NREGS 34
#endif
_Static_assert(CAP_NREGS * 8 == sizeof(CAP_REGS), "CAP_NREGS counts the frame's registers");
#define REG_COPY(k) \
	if (k < CAP_NREGS) { \
		asm volatile("%0 = *(u64 *)(%1 + %2)" : "=r"(v) : "r"(ctx), "i"(k < CAP_NREGS ? k * 8 : 0)); \
		dst[k < CAP_NREGS ? k : 0] = v; \
	}
static __always_inline void frame_copy(struct frame *f, const void *ctx)
{
	unsigned long v, *dst = (unsigned long *)f->room;
	REG_COPY(0) REG_COPY(1) REG_COPY(2) REG_COPY(3) REG_COPY(4) REG_COPY(5) REG_COPY(6)
	REG_COPY(7) REG_COPY(8) REG_COPY(9) REG_COPY(10) REG_COPY(11) REG_COPY(12) REG_COPY(13)
	REG_COPY(14) REG_COPY(15) REG_COPY(16) REG_COPY(17) REG_COPY(18) REG_COPY(19) REG_COPY(20)
	REG_COPY(21) REG_COPY(22) REG_COPY(23) REG_COPY(24) REG_COPY(25) REG_COPY(26) REG_COPY(27)
	REG_COPY(28) REG_COPY(29) REG_COPY(30) REG_COPY(31) REG_COPY(32) REG_COPY(33)
}
#undef REG_COPY

/* Argument A of the marker, as libbpf's spec describes it (libbpf's usdt.bpf.h decodes the same
 * spec, one look-up of the spec and one read of a register per argument; here the spec is looked
 * up once and the registers copied once per hit). Registers are read from REGS, the copy of the
 * frame at the hit; a memory operand is read from the process. Sign- or zero-extended from the
 * operand's size. */
static __always_inline long usdt_arg(const struct __bpf_usdt_arg_spec *a, const __u8 *regs)
{
	unsigned long val = 0;
	unsigned int off = (unsigned short)a->reg_off;

	switch (a->arg_type) {
	case BPF_USDT_ARG_CONST:
		return a->val_off;
	case BPF_USDT_ARG_REG:
	case BPF_USDT_ARG_REG_DEREF:
		/* libbpf gives offsetof(frame, register); the mask keeps the verifier sure the
		 * read is inside the frame's room whatever the spec says */
		if (off > sizeof(CAP_REGS) - sizeof(val))
			return 0;
		__builtin_memcpy(&val, regs + (off & (CAP_REGS_ROOM - 1)), sizeof(val));
		if (a->arg_type == BPF_USDT_ARG_REG_DEREF &&
		    bpf_probe_read_user(&val, sizeof(val), (void *)(val + a->val_off)))
			return 0;
		val <<= a->arg_bitshift;
		return a->arg_signed ? (long)val >> a->arg_bitshift : (long)(val >> a->arg_bitshift);
	}
	return 0;    /* a number no kind has: a spec libbpf did not write */
}

#include "capture_pystack.bpf.h"
#include "capture_extra.bpf.h"

/* The current thread's name, read straight from its task (a trusted pointer: two loads) rather
 * than through bpf_get_current_comm, whose copy cost a tenth of a marker hit's program. (CO-RE:
 * the "___comm" flavour is the kernel's task_struct, comm where the running kernel has it.) */
struct task_struct___comm {
	char comm[16];
} __attribute__((preserve_access_index));

static __always_inline void current_comm(char comm[16])
{
	struct task_struct___comm *t = (void *)bpf_get_current_task_btf();
	__builtin_memcpy(comm, t->comm, 16);
}

/* The rest of a record whose header and N arguments are in S: the strings STRMASK asks for
 * (copied now, from the process), the sections the probe's config asks for
 * (capture_extra.bpf.h), then the record into the ring (or counted lost on CPU). */
static __always_inline int finish(void *ctx, struct scratch *s, struct cap_rec *r, int n,
				  __u32 strmask, __u32 cpu)
{
	__u32 off = sizeof(*r) + n * 8;
	__u32 size = strsize;
	__u16 copied = 0;
	/* (pystack_on first: off, the verifier drops the call, a subprogram call a hit saves) */
	bool pystack = pystack_on && cap_pystack_walk(r->id, r->pid, r->tid);   /* jstack(), events --stack */
	if (size > PS_STRSIZE_MAX)
		size = PS_STRSIZE_MAX;
	for (int i = 0; i < PS_MAX_ARGS && i < n; i++) {
		if (!(strmask & (1u << i)))
			continue;
		/* Room for one more string of the largest size; past half the scratch, stop copying
		 * (the rest stay "not copied"); the mask proves the bound to the verifier. */
		if (off > CAP_SCRATCH / 2 - 8)
			break;
		off &= CAP_SCRATCH / 2 - 1;
		/* Read one byte more than kept: a string that fills it was longer than strsize. */
		long got = bpf_probe_read_user_str(s->buf + off + 2, size + 1,
						   (const void *)r->args[i & 15]);
		__u16 len = 0;
		if (got > (long)size) {
			len = size;
			s->buf[(off + 2 + size - 1) & (CAP_SCRATCH - 1)] = 0;
			r->cut |= 1u << i;
		} else if (got > 0) {
			len = got;
		}
		__builtin_memcpy(s->buf + off, &len, 2);
		off += 2 + len;
		copied |= 1u << i;
	}
	r->strmask = copied;
	/* The Python stack first: its room is sized from the end of the strings
	 * (capture_pystack.bpf.h); the other sections fit what is left (capture_extra.bpf.h). */
	if (pystack)
		cap_pystack_append(s, r, &off);
	if (extra_on)
		off = extra_sections(ctx, s, r, n, off);

	/* Is the ring filling? Asked every 32nd record of a CPU when the ring is large (the query
	 * reads the reader's position: a cache miss a hit could do without; 32 records are far
	 * below wake_at), at every record when it is small. */
	__u32 zero = 0;
	struct frame *f = bpf_map_lookup_elem(&frame, &zero);
	__u32 every = wake_at >= (256 << 10) ? 31 : 0;
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (f && !(f->nout++ & every) && bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA) > wake_at)
		flags = BPF_RB_FORCE_WAKEUP;
	off &= CAP_SCRATCH - 1;
	if (bpf_ringbuf_output(&ring, s->buf, off, flags))
		__sync_fetch_and_add(&lost[cpu & (CAP_MAX_CPUS - 1)], 1);
	return 0;
}

/* cap_config.family: markers attached for every process, hits kept for the traced processes
 * and their descendants only (the traced map below, followed at fork) */
const volatile bool hit_family = false;
static __always_inline bool wanted(__u32 tgid);

SEC("usdt")
int ps_hit(struct pt_regs *ctx)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	struct frame *f = bpf_map_lookup_elem(&frame, &zero);
	if (!s || !f)
		return 0;
	int spec_id = __bpf_usdt_spec_id(ctx);
	if (spec_id < 0)
		return 0;
	struct __bpf_usdt_spec *spec = bpf_map_lookup_elem(&__bpf_usdt_specs, &spec_id);
	if (!spec)
		return 0;
	struct cap_rec *r = (void *)s->buf;
	__u64 cookie = spec->usdt_cookie;
	__u32 strmask = CAP_COOKIE_STRMASK(cookie);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 cpu = bpf_get_smp_processor_id();
	int n = spec->arg_cnt;

	if (hit_family && !wanted(pid_tgid >> 32))
		return 0;
	if (n < 0)
		n = 0;
	if (n > PS_MAX_ARGS)
		n = PS_MAX_ARGS;
	if (n > 0)
		frame_copy(f, ctx);
	for (int i = 0; i < PS_MAX_ARGS && i < n; i++)
		r->args[i & 15] = usdt_arg(&spec->args[i], f->room);   /* the mask: as below */
	/* Kernel clauses (kagg.bpf.h); a probe that has no other clause sends a record only for
	 * what they missed. */
	__u32 kmask = KAGG_COOKIE_MASK(cookie), kmiss = 0;
	if (kagg_on && kmask) {
		kmiss = kagg_run(kmask, n, pid_tgid, cpu);
		/* a process new to kagg_procs: the record tells user space (string identities) */
		__u32 ask = kagg_strid ? kagg_ask[cpu & (CAP_MAX_CPUS - 1)] : 0;
		if (ask)
			kagg_ask[cpu & (CAP_MAX_CPUS - 1)] = 0;
		if (!kmiss && !ask && KAGG_COOKIE_NORECORD(cookie))
			return 0;
	}
	r->ts = bpf_ktime_get_ns();
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->id = CAP_COOKIE_ID(cookie);
	r->cpu = cpu;
	r->nargs = n;
	r->sections = 0;
	r->kmiss = kmiss;
	r->cut = 0;
	current_comm(r->comm);
	cap_pystack_hit_at(PT_REGS_IP(ctx));   /* the marker's address: its object's recipe */

	return finish(ctx, s, r, n, strmask, cpu);
}

SEC("usdt")
int ps_nop(struct pt_regs *ctx)
{
	return 0;
}

/* ---- the operating system's providers (capture_sys.c lists and attaches them) ----
 *
 * syscall, proc and profile probes fire in every process; when pyscope traces chosen processes
 * (-c, -p), they are filtered here, in the kernel, to those processes and the processes they fork
 * (followed at sched_process_fork, forgotten at their exit), so that a busy machine does not
 * flood the ring. A syscall probe costs one array look-up in sys_on for every system call on the
 * machine while the syscall programs are attached, and a hash look-up for an enabled one. */

const volatile bool filter_pids = false;   /* only the processes in traced */
__u32 proc_id[CAP_PROC_COUNT];             /* proc provider: the probe id of each kind, 0: off */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);     /* a few entries, most often: no 64k up front */
	__uint(max_entries, CAP_MAX_TRACED);
	__type(key, __u32);
	__type(value, __u8);
} traced SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CAP_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct cap_sys_on);
} sys_on SEC(".maps");

/* What the tracepoints hand over, declared with the fields read (CO-RE: libbpf moves each read to
 * where the running kernel's BTF puts the field). */
typedef struct {
	int counter;
} atomic_t;
struct signal_struct {
	atomic_t live;
} __attribute__((preserve_access_index));
struct task_struct {
	int pid, tgid, exit_code;
	struct signal_struct *signal;
} __attribute__((preserve_access_index));

#if defined(__TARGET_ARCH_x86)
#define SYS_ARGS(r) { (r).rdi, (r).rsi, (r).rdx, (r).r10, (r).r8, (r).r9 }
#define FN_ARGS(r) { (r).rdi, (r).rsi, (r).rdx, (r).rcx, (r).r8, (r).r9 }
#define FN_RET(r) ((r).rax)
#define REGS_PC(r) ((r)->rip)
#define REGS_USER(r) (((r)->cs & 3) == 3)
#else
#define SYS_ARGS(r) { (r).regs[0], (r).regs[1], (r).regs[2], (r).regs[3], (r).regs[4], (r).regs[5] }
#define FN_ARGS(r) SYS_ARGS(r)
#define FN_RET(r) ((r).regs[0])
#define REGS_PC(r) ((r)->pc)
#define REGS_USER(r) (((r)->pstate & 0xf) == 0)     /* EL0 */
#define ARM64_SYSCALLNO_OFF 280  /* struct pt_regs: user_pt_regs, orig_x0, then syscallno */
#endif

static __always_inline bool wanted(__u32 tgid)
{
	return !filter_pids || bpf_map_lookup_elem(&traced, &tgid) != NULL;
}

/* A record of probe ID with the N values of ARGS, in the current thread (TID: another thread's
 * id, or 0 for the current one). */
static __always_inline int emit(void *ctx, __u32 id, const long *args, int n, __u32 strmask,
				__u32 tid)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	struct cap_rec *r = (void *)s->buf;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 cpu = bpf_get_smp_processor_id();
	r->ts = bpf_ktime_get_ns();
	r->pid = pid_tgid >> 32;
	r->tid = tid ? tid : (__u32)pid_tgid;
	r->id = id;
	r->cpu = cpu;
	r->nargs = n;
	r->sections = 0;
	r->cut = 0;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	for (int i = 0; i < CAP_SYS_ARGS && i < n; i++)
		r->args[i] = args[i];
	return finish(ctx, s, r, n, strmask, cpu);
}

SEC("raw_tp/sys_enter")
int ps_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 nr = ctx->args[1], zero = 0;
	struct cap_sys_on *on = bpf_map_lookup_elem(&sys_on, &nr);
	if (!on || !on->entry || !wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	struct frame *f = bpf_map_lookup_elem(&frame, &zero);
	if (!f || bpf_probe_read_kernel(&f->regs, sizeof(f->regs), (void *)ctx->args[0]))
		return 0;
	long args[CAP_SYS_ARGS] = SYS_ARGS(f->regs);
	return emit(ctx, on->entry, args, CAP_SYS_ARGS, on->entry_strmask, 0);
}

SEC("raw_tp/sys_exit")
int ps_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 nr = 0;
#if defined(__TARGET_ARCH_x86)
	unsigned long orig = 0;
	bpf_probe_read_kernel(&orig, sizeof(orig),
			      (char *)ctx->args[0] + __builtin_offsetof(struct pt_regs, orig_rax));
	nr = orig;
#else
	int no = -1;
	bpf_probe_read_kernel(&no, sizeof(no), (char *)ctx->args[0] + ARM64_SYSCALLNO_OFF);
	nr = no;
#endif
	struct cap_sys_on *on = bpf_map_lookup_elem(&sys_on, &nr);
	if (!on || !on->ret || !wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	long args[2] = { (long)ctx->args[1], (long)ctx->args[1] };
	return emit(ctx, on->ret, args, 2, 0, 0);
}

SEC("raw_tp/sched_process_fork")
int ps_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *child = (void *)ctx->args[1];
	__u32 ptgid = bpf_get_current_pid_tgid() >> 32;
	if (!wanted(ptgid))
		return 0;
	__u32 cpid = BPF_CORE_READ(child, pid), ctgid = BPF_CORE_READ(child, tgid);
	if (ctgid != ptgid) {
		__u8 one = 1;
		if (filter_pids)
			bpf_map_update_elem(&traced, &ctgid, &one, BPF_ANY);
		long args[1] = { ctgid };
		if (proc_id[CAP_PROC_CREATE])
			emit(ctx, proc_id[CAP_PROC_CREATE], args, 1, 0, 0);
	} else if (proc_id[CAP_PROC_LWP_START]) {
		long args[1] = { cpid };
		emit(ctx, proc_id[CAP_PROC_LWP_START], args, 1, 0, cpid);
	}
	return 0;
}

SEC("raw_tp/sched_process_exec")
int ps_exec(struct bpf_raw_tracepoint_args *ctx)
{
	long args[1] = { 0 };
	if (proc_id[CAP_PROC_EXEC_SUCCESS] && wanted(bpf_get_current_pid_tgid() >> 32))
		emit(ctx, proc_id[CAP_PROC_EXEC_SUCCESS], args, 0, 0, 0);
	return 0;
}

/* Every thread's exit; the process's when it was the last (signal->live has dropped to 0).
 * proc:::exit's arg0 is DTrace's reason (CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3), arg1 the
 * exit status or the signal. */
SEC("raw_tp/sched_process_exit")
int ps_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *t = (void *)ctx->args[0];
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!wanted(tgid))
		return 0;
	if (BPF_CORE_READ(t, signal, live.counter) == 0) {
		int code = BPF_CORE_READ(t, exit_code);
		long args[2] = { (code & 0x7f) == 0 ? 1 : (code & 0x80) ? 3 : 2,
				 (code & 0x7f) == 0 ? (code >> 8) & 0xff : code & 0x7f };
		if (proc_id[CAP_PROC_EXIT])
			emit(ctx, proc_id[CAP_PROC_EXIT], args, 2, 0, 0);
		if (filter_pids)
			bpf_map_delete_elem(&traced, &tgid);
	} else if (proc_id[CAP_PROC_LWP_EXIT]) {
		long args[1] = { bpf_get_current_pid_tgid() & 0xffffffff };
		emit(ctx, proc_id[CAP_PROC_LWP_EXIT], args, 1, 0, 0);
	}
	return 0;
}

/* profile-N: a perf event per CPU; the cookie is the probe id. arg0 is the kernel pc when the
 * sample interrupted the kernel, arg1 the user pc when it interrupted the process (the other 0). */
SEC("perf_event")
int ps_profile(void *ctx)
{
	const CAP_REGS *regs = ctx;
	if (!wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	__u64 pc = REGS_PC(regs);
	bool user = REGS_USER(regs);
	long args[2] = { user ? 0 : (long)pc, user ? (long)pc : 0 };
	return emit(ctx, (__u32)bpf_get_attach_cookie(ctx), args, 2, 0, 0);
}

/* pid provider: a uprobe on a function's entry (or an offset in it), a uretprobe on its return;
 * the cookie is CAP_COOKIE(probe id, string mask). */
SEC("uprobe")
int ps_uentry(struct pt_regs *ctx)
{
	__u32 zero = 0;
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct frame *f = bpf_map_lookup_elem(&frame, &zero);
	if (!f || bpf_probe_read_kernel(&f->regs, sizeof(f->regs), ctx))
		return 0;
	long args[CAP_SYS_ARGS] = FN_ARGS(f->regs);
	return emit(ctx, CAP_COOKIE_ID(cookie), args, CAP_SYS_ARGS, CAP_COOKIE_STRMASK(cookie), 0);
}

SEC("uretprobe")
int ps_ureturn(struct pt_regs *ctx)
{
	__u32 zero = 0;
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct frame *f = bpf_map_lookup_elem(&frame, &zero);
	if (!f || bpf_probe_read_kernel(&f->regs, sizeof(f->regs), ctx))
		return 0;
	long args[2] = { 0, (long)FN_RET(f->regs) };
	return emit(ctx, CAP_COOKIE_ID(cookie), args, 2, 0, 0);
}
