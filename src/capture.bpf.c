// SPDX-License-Identifier: GPL-2.0
/*
 * capture.bpf.c — the kernel half of capture: one small generic program attached to every marker
 * pyscope traces. At each hit it builds a compact variable-length record (capture_rec.h) in a
 * per-CPU scratch area — timestamp, pid/tid, CPU, comm, probe id, every argument as a sign-extended
 * 64-bit value (decoded from the argument specs libbpf's USDT support keeps in __bpf_usdt_specs:
 * registers, memory operands and constants; the spec is looked up once per hit), and the
 * strings the consumer asked for, copied now because the memory may be gone later — and hands it to
 * the ring buffer. Policy (filtering, formatting, aggregation) lives in user space.
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
#include "capture_rec.h"

/* The copy of the frame at a hit sits in a per-CPU room of a power of two bytes (its own map: the
 * scratch record already has the largest per-CPU value there is), so that a masked offset is
 * inside the room whatever libbpf wrote. */
#define CAP_REGS_ROOM 512
_Static_assert(sizeof(CAP_REGS) <= CAP_REGS_ROOM, "the register frame fits its room");

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 strsize = 256;        /* bytes kept of a string, NUL included */
const volatile __u64 wake_at = 1 << 20;    /* wake the reader when this much is waiting */

__u64 lost[CAP_MAX_CPUS];

struct scratch {
	__u8 buf[CAP_SCRATCH];
};

struct frame {
	union {
		CAP_REGS regs;           /* the registers at the hit, copied once for every argument */
		__u8 room[CAP_REGS_ROOM];
	};
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

	if (n < 0)
		n = 0;
	if (n > PS_MAX_ARGS)
		n = PS_MAX_ARGS;
	r->ts = bpf_ktime_get_ns();
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->id = CAP_COOKIE_ID(cookie);
	r->cpu = cpu;
	r->nargs = n;
	r->pad = 0;
	r->cut = 0;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (n > 0 && bpf_probe_read_kernel(&f->regs, sizeof(f->regs), ctx))
		n = 0;
	for (int i = 0; i < PS_MAX_ARGS && i < n; i++)
		r->args[i & 15] = usdt_arg(&spec->args[i], f->room);   /* the mask: as below */

	__u32 off = sizeof(*r) + n * 8;
	__u32 size = strsize;
	__u16 copied = 0;
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

	__u64 flags = bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA) > wake_at ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	off &= CAP_SCRATCH - 1;
	if (bpf_ringbuf_output(&ring, s->buf, off, flags))
		__sync_fetch_and_add(&lost[cpu & (CAP_MAX_CPUS - 1)], 1);
	return 0;
}

SEC("usdt")
int ps_nop(struct pt_regs *ctx)
{
	return 0;
}
