/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture_extra.bpf.h — the optional sections of a capture record (capture_rec.h), written after
 * the strings by capture.bpf.c's finish() when the probe's clauses need them: what D and
 * SystemTap read at the hit that user space cannot read later — user memory at addresses the
 * kernel can compute (a marker argument plus a constant, or the 8 bytes an earlier read found
 * there plus a constant), the native user stack (the frame pointers' return addresses, and the user
 * registers with the top of the stack for user space to unwind with the CFI), the thread's on-CPU
 * time. What each probe needs is in probe_cfg (struct cap_probe_cfg, keyed by probe id), filled by
 * capture.c before attach from the shared capture pass (bind.c). A probe with no entry, or sections 0, costs one array look-up.
 *
 * Room: the strings stop before half the scratch record; these sections keep to the part of the
 * rest that every one of them can fill (CAP_EXTRA_ROOM each), and a section that would not fit is
 * left out of cap_rec.sections (the reader then sees it as not captured).
 *
 * Included by capture.bpf.c only, after its maps and struct cap_rec.
 */
#ifndef PYSCOPE_CAPTURE_EXTRA_BPF_H
#define PYSCOPE_CAPTURE_EXTRA_BPF_H

#define CAP_EXTRA_ROOM 4096      /* the largest a section item takes, rounded up */
#define CAP_EXTRA_LAST (CAP_SCRATCH - CAP_EXTRA_ROOM - 8)   /* 8: the slot below */
_Static_assert(sizeof(struct cap_mem_hdr) + CAP_MEM_SIZE_MAX + 1 <= CAP_EXTRA_ROOM &&
	       2 + 8 * CAP_USTACK_MAX <= CAP_EXTRA_ROOM, "a section item fits its room");
_Static_assert(CAP_SCRATCH / 2 + 2 + PS_STRSIZE_MAX + 1 <= CAP_EXTRA_LAST,
	       "the strings end before the sections' room");

/* The last 4 bytes of the scratch, which no record reaches. An offset passed through them comes
 * back as a number the verifier knows only by its bounds: without that, it walks the sections once
 * for every exact offset each combination of strings left, and gives up (E2BIG). */
#define CAP_OFF_SLOT (CAP_SCRATCH - 4)
_Static_assert(CAP_EXTRA_LAST + CAP_EXTRA_ROOM <= CAP_OFF_SLOT, "no record reaches the slot");

static __always_inline __u64 blur(struct scratch *s, __u64 off)
{
	*(volatile __u32 *)(s->buf + CAP_OFF_SLOT) = off;
	return *(volatile __u32 *)(s->buf + CAP_OFF_SLOT);
}

/* OFF, which the caller has found at most CAP_EXTRA_LAST, with that bound on the very register
 * the verifier checks the access with (0 past it, which does not happen): in assembly, so that the
 * compiler can neither drop the test as redundant nor test a copy. */
static __always_inline __u64 clamp(__u64 off)
{
	asm volatile("if %0 <= %1 goto +1; %0 = 0" : "+r"(off) : "i"(CAP_EXTRA_LAST));
	return off;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);            /* probes + 1: set by capture.c before load */
	__type(key, __u32);
	__type(value, struct cap_probe_cfg);
} probe_cfg SEC(".maps");

/* The fields of the running task read for vtimestamp (CO-RE: placed by the kernel's BTF). */
struct sched_entity___cap {
	__u64 sum_exec_runtime;
} __attribute__((preserve_access_index));
struct task_struct___cap {
	struct sched_entity___cap se;
} __attribute__((preserve_access_index));

#if defined(__TARGET_ARCH_x86)
/* CAP_SEC_UREGS: the header, the user registers and the stack's top need this much room, from an
 * offset at most CAP_UREGS_LAST (a record whose strings and other sections leave less goes
 * without: user space then has the frame pointers' stack only). */
#define CAP_UREGS_ROOM (sizeof(struct cap_uregs_hdr) + CAP_UREGS * 8 + CAP_STACK_MAX)
#define CAP_UREGS_LAST (CAP_OFF_SLOT - CAP_UREGS_ROOM)
_Static_assert(CAP_UREGS_LAST <= CAP_EXTRA_LAST && CAP_UREGS_LAST > CAP_SCRATCH / 2,
	       "the registers' room starts after the strings can, within the sections' room");

struct task_struct;
/* The thread's user registers (saved at its entry into the kernel, whatever the probe: a uprobe's
 * trap, a system call, a timer's interrupt) and up to cfg->stack_bytes of its stack from sp up.
 * A stack nearer its top than that makes the whole read fail (bpf_probe_read_user is all or
 * nothing): halved until it fits, down to CAP_STACK_MIN. Only probes whose clauses ask for a
 * native stack have the section in their config: the others do not reach this code. */
static __always_inline __u64 extra_uregs(struct scratch *s, struct cap_rec *r,
					 const struct cap_probe_cfg *cfg, __u64 off)
{
	asm volatile("if %0 <= %1 goto +1; %0 = 0" : "+r"(off) : "i"(CAP_UREGS_LAST));
	struct cap_uregs_hdr h = {};
	__u8 *regs = s->buf + off + sizeof(h);
	void *saved = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!saved || bpf_probe_read_kernel(regs, CAP_UREGS * 8, saved) < 0)
		return off;
	__u64 sp;
	__builtin_memcpy(&sp, regs + CAP_UREG_SP * 8, 8);
	__u32 len = cfg->stack_bytes;
	for (int i = 0; i < 5; i++) {
		if (len > CAP_STACK_MAX)
			len = CAP_STACK_MAX;
		if (len < CAP_STACK_MIN)
			break;
		if (bpf_probe_read_user(regs + CAP_UREGS * 8, len, (void *)sp) == 0) {
			h.len = len;
			break;
		}
		len >>= 1;
	}
	__builtin_memcpy(s->buf + off, &h, sizeof(h));
	r->sections |= CAP_SEC_UREGS;
	return off + sizeof(h) + CAP_UREGS * 8 + h.len;
}
#endif

/* CAP_SEC_MEM: the reads of CFG, in order; each may start from an earlier one's value. */
static __always_inline __u64 extra_mem(struct scratch *s, struct cap_rec *r, int n,
				       const struct cap_probe_cfg *cfg, __u64 off)
{
	__u64 vals[CAP_MEM_MAX] = {};
	__u32 strmax = strsize < CAP_MEM_SIZE_MAX ? strsize : CAP_MEM_SIZE_MAX;
	__u64 cnt_at = off;
	__u8 cnt = 0;

	off += 1;
	for (int i = 0; i < CAP_MEM_MAX; i++) {
		if (i >= cfg->nmem)
			break;
		const struct cap_mem_read *m = &cfg->mem[i];
		__u64 base = 0;
		if (m->base == CAP_MEM_ARG && m->index < n)
			base = r->args[m->index & 15];
		else if (m->base == CAP_MEM_READ)
			base = vals[m->index & (CAP_MEM_MAX - 1)];
		__u64 addr = base + m->off;
		if (off > CAP_EXTRA_LAST)
			break;
		off = clamp(off);
		struct cap_mem_hdr h = { .addr = addr, .index = i };
		__u8 *dst = s->buf + off + sizeof(h);
		if (m->str) {
			/* one byte more than kept: a string that fills it was longer */
			long got = bpf_probe_read_user_str(dst, strmax + 1, (const void *)addr);
			if (got > (long)strmax) {
				h.len = strmax;
				h.flags = CAP_MEM_OK | CAP_MEM_CUT;
				if (strmax > 0)
					s->buf[(off + sizeof(h) + strmax - 1) & (CAP_SCRATCH - 1)] = 0;
			} else if (got > 0) {
				h.len = got;
				h.flags = CAP_MEM_OK;
			}
		} else {
			__u32 size = m->size;
			if (size > CAP_MEM_SIZE_MAX)
				size = CAP_MEM_SIZE_MAX;
			if (size > 0 && bpf_probe_read_user(dst, size, (const void *)addr) == 0) {
				h.len = size;
				h.flags = CAP_MEM_OK;
				if (size >= 8)
					__builtin_memcpy(&vals[i & (CAP_MEM_MAX - 1)], dst, 8);
			}
		}
		__builtin_memcpy(s->buf + off, &h, sizeof(h));
		off = blur(s, off + sizeof(h) + h.len);
		cnt++;
	}
	s->buf[cnt_at & (CAP_SCRATCH - 1)] = cnt;
	return off;
}

/* The sections CFG asks for, from OFF (where the strings ended); the new end. */
static __always_inline __u64 extra_sections(void *ctx, struct scratch *s, struct cap_rec *r, int n,
					    __u64 off)
{
	__u32 id = r->id;
	const struct cap_probe_cfg *cfg = bpf_map_lookup_elem(&probe_cfg, &id);
	if (!cfg || !cfg->sections)
		return off;
	off = blur(s, off);
	if ((cfg->sections & CAP_SEC_MEM) && off <= CAP_EXTRA_LAST) {
		off = extra_mem(s, r, n, cfg, off);
		r->sections |= CAP_SEC_MEM;
	}
	if ((cfg->sections & CAP_SEC_USTACK) && off <= CAP_EXTRA_LAST) {
		off = clamp(off);
		__u32 frames = cfg->ustack_frames;
		if (frames > CAP_USTACK_MAX || frames == 0)
			frames = CAP_USTACK_MAX;
		__u32 bytes = (frames * 8) & 0x3f8;      /* the mask: a bound the verifier keeps */
		_Static_assert(CAP_USTACK_MAX * 8 <= 0x3f8, "the frames fit the mask");
		long got = bpf_get_stack(ctx, s->buf + off + 2, bytes, BPF_F_USER_STACK);
		__u16 nf = got > 0 ? (__u64)got / 8 : 0;
		__builtin_memcpy(s->buf + off, &nf, 2);
		off += 2 + nf * 8;
		r->sections |= CAP_SEC_USTACK;
	}
	if ((cfg->sections & CAP_SEC_VTS) && off <= CAP_EXTRA_LAST) {
		off = clamp(off);
		/* sum_exec_runtime moves at the scheduler's updates (each tick, each switch): the
		 * on-CPU time up to the last of them, within a tick of now */
		struct task_struct___cap *t = (void *)bpf_get_current_task();
		__u64 v = BPF_CORE_READ(t, se.sum_exec_runtime);
		__builtin_memcpy(s->buf + off, &v, 8);
		off += 8;
		r->sections |= CAP_SEC_VTS;
	}
#if defined(__TARGET_ARCH_x86)
	if ((cfg->sections & CAP_SEC_UREGS) && off <= CAP_UREGS_LAST)
		off = extra_uregs(s, r, cfg, off);
#endif
	return off;
}
#endif
