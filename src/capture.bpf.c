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
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#define BPF_USDT_MAX_SPEC_CNT 1024
#include <bpf/usdt.bpf.h>
#include "capture_rec.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 strsize = 256;        /* bytes kept of a string, NUL included */
const volatile __u64 wake_at = 1 << 20;    /* wake the reader when this much is waiting */

__u64 lost[CAP_MAX_CPUS];

struct scratch {
	__u8 buf[CAP_SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);     /* resized by user space before load */
} ring SEC(".maps");

/* Argument I of the marker, as SPEC describes it (libbpf's usdt.bpf.h decodes the same spec, one
 * look-up of the spec and one read of a register per argument; here the spec is looked up once
 * and the registers copied once per hit). Registers are read from REGS; a memory operand is read
 * from the process. Sign- or zero-extended from the operand's size. */
static __always_inline long usdt_arg(const struct __bpf_usdt_arg_spec *a, const struct pt_regs *regs)
{
	unsigned long val = 0;
	unsigned int off = (unsigned short)a->reg_off;

	if (a->arg_type == BPF_USDT_ARG_CONST)
		return a->val_off;
	/* the mask keeps the verifier sure the offset is inside regs (libbpf gives offsetof) */
	if (off > sizeof(*regs) - sizeof(val))
		return 0;
	__builtin_memcpy(&val, (const char *)regs + (off & 0xff), sizeof(val));
	if (a->arg_type == BPF_USDT_ARG_REG_DEREF &&
	    bpf_probe_read_user(&val, sizeof(val), (void *)(val + a->val_off)))
		return 0;
	val <<= a->arg_bitshift;
	return a->arg_signed ? (long)val >> a->arg_bitshift : (long)(val >> a->arg_bitshift);
}

SEC("usdt")
int ps_hit(struct pt_regs *ctx)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
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
	struct pt_regs regs;    /* the registers at the hit, copied once for every argument */
	if (n > 0 && bpf_probe_read_kernel(&regs, sizeof(regs), ctx))
		n = 0;
	for (int i = 0; i < PS_MAX_ARGS && i < n; i++)
		r->args[i & 15] = usdt_arg(&spec->args[i], &regs);   /* the mask: as below */

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
