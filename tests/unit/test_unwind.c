/*
 * test_unwind.c — the CFI unwinder (profile --native) on a stack captured from this very process,
 * as the kernel half captures a sampled thread's: the registers at a point inside a function three
 * calls below main (in the kernel's struct pt_regs order) and a copy of the stack from there up.
 * The test program is built without frame pointers (-O2), so only the CFI can take the unwind
 * from the innermost function back through main to the C library's start; the names come from
 * elfsym. Addresses outside the copy are not read (a copy cut short stops the unwind early).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "elfsym.h"
#include "pystack_rec.h"
#include "unit.h"
#include "unwind.h"

static uint64_t regs[PYSTACK_UREGS];
static unsigned char stack[PYSTACK_STACK_DEFAULT];
static size_t stack_len;

/* the end of this process's main stack, to copy no further than it */
static uint64_t stack_end(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long lo, hi, end = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			end = hi;
	if (f)
		fclose(f);
	return end;
}

int uw_test_leaf(int x);
int uw_test_mid(int x);
int uw_test_outer(int x);

/* the copy reads other frames (and, in a sanitizer build, their redzones): byte by byte, not
 * instrumented, and not a memcpy the sanitizer would check */
__attribute__((no_sanitize_address)) static void copy_stack(uint64_t sp, size_t len)
{
	const volatile unsigned char *from = (const volatile unsigned char *)(uintptr_t)sp;
	for (size_t i = 0; i < len; i++)
		stack[i] = from[i];
}

__attribute__((noinline)) int uw_test_leaf(int x)
{
#if defined(__x86_64__)
	uint64_t ip, sp, bp, bx, r12, r13, r14, r15;
	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2\n\tmov %%rbx, %3\n\t"
			 "mov %%r12, %4\n\tmov %%r13, %5\n\tmov %%r14, %6\n\tmov %%r15, %7"
			 : "=r"(ip), "=r"(sp), "=r"(bp), "=r"(bx), "=r"(r12), "=r"(r13), "=r"(r14), "=r"(r15));
	regs[PYSTACK_UREG_IP] = ip;
	regs[PYSTACK_UREG_SP] = sp;
	regs[4] = bp, regs[5] = bx, regs[3] = r12, regs[2] = r13, regs[1] = r14, regs[0] = r15;
	uint64_t end = stack_end();
	stack_len = end > sp && end - sp < sizeof(stack) ? end - sp : sizeof(stack);
	copy_stack(sp, stack_len);
#endif
	return x + 1;
}

__attribute__((noinline)) int uw_test_mid(int x)
{
	int r = uw_test_leaf(x * 2);
	__asm__ volatile("" ::: "memory");
	return r + 3;
}

__attribute__((noinline)) int uw_test_outer(int x)
{
	int r = uw_test_mid(x + 5);
	__asm__ volatile("" ::: "memory");
	return r * 7;
}

static int find(const char **fn, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (fn[i] && strcmp(fn[i], name) == 0)
			return i;
	return -1;
}

int main(void)
{
	if (!uw_supported()) {
		printf("SKIP: unwind: not x86-64\n");
		return 0;
	}
	CHECK_INT("the captured functions ran", (((3 + 5) * 2 + 1) + 3) * 7, uw_test_outer(3));
	struct uw *u = uw_open(getpid());
	struct esym_cache *ns = esym_new();
	CHECK("uw_open(self)", u != NULL);
	/* the maps read before libdw maps libc's file for its CFI: that extra read-only mapping of
	 * the same file would move the load bias procmaps.c computes (a target process has none) */
	CHECK_INT("esym_lookup(main)", 0, esym_lookup(ns, getpid(), (uint64_t)(uintptr_t)&main, &(struct esym_hit){ 0 }));
	uint64_t ips[64];
	const char *fn[64], *mod[64];
	bool complete;
	int n = uw_unwind(u, getpid(), regs, stack, stack_len, ips, 64, &complete);
	for (int i = 0; i < n; i++) {
		struct esym_hit h;
		esym_lookup(ns, getpid(), ips[i], &h);
		fn[i] = h.sym;
		mod[i] = h.module;
	}
	int leaf = find(fn, n, "uw_test_leaf"), mid = find(fn, n, "uw_test_mid");
	int outer = find(fn, n, "uw_test_outer"), m = find(fn, n, "main");
	int start = find(fn, n, "__libc_start_main") >= 0 ? find(fn, n, "__libc_start_main")
							  : find(fn, n, "__libc_start_call_main");
	CHECK_INT("the innermost frame is the captured function", 0, leaf);
	CHECK("then its callers, in order", mid == 1 && outer == 2 && m == 3);
	CHECK("the unwind reaches the C library's start", start > m);
	CHECK("... and says it is complete", complete);
	if (unit_failures)
		for (int i = 0; i < n; i++)
			fprintf(stderr, "  #%d 0x%llx %s`%s\n", i, (unsigned long long)ips[i],
				mod[i] ? mod[i] : "?", fn[i] ? fn[i] : "?");
	/* a copy cut after the leaf's frame: the unwind stops, incomplete, never reads past it */
	n = uw_unwind(u, getpid(), regs, stack, 16, ips, 64, &complete);
	CHECK("a copy cut short: fewer frames", n >= 1 && n < 4);
	CHECK("... and not complete", !complete);

	/* uw_stack, as the capture uses it at a hit: return addresses, the CFI's unless the frame
	 * pointers' stack goes further */
	struct uw_procs *c = uw_procs_new();
	uint64_t fp[3] = { regs[PYSTACK_UREG_IP], 0x1111, 0x2222 }, got[64];
	bool cfi = false;
	int full = uw_unwind(u, getpid(), regs, stack, stack_len, ips, 64, &complete);
	n = uw_stack(c, getpid(), getpid(), regs, stack, stack_len, fp, 3, got, 64, &cfi);
	CHECK("uw_stack: the CFI's unwind when it goes further than the frame pointers", cfi && n == full);
	CHECK("... the first frame is the pc itself", n > 0 && got[0] == regs[PYSTACK_UREG_IP]);
	CHECK("... then return addresses (the unwind's call addresses plus one)", n > 1 && got[1] == ips[1] + 1);
	n = uw_stack(c, getpid(), getpid(), regs, stack, 16, fp, 3, got, 64, &cfi);
	CHECK("uw_stack: a copy cut short, the frame pointers' stack goes further: it",
	      !cfi && n == 3 && got[1] == 0x1111 && got[2] == 0x2222);
	n = uw_stack(c, getpid(), getpid(), regs, stack, stack_len, fp, 3, got, 2, &cfi);
	CHECK("uw_stack: at most MAX frames", n == 2 && cfi);
	n = uw_stack(c, 0x7ffffff0, 0x7ffffff0, regs, stack, stack_len, fp, 3, got, 64, &cfi);
	CHECK("uw_stack: a process that is gone: the frame pointers' stack", !cfi && n == 3);
	uw_procs_free(c);
	esym_free(ns);
	uw_close(u);
	CHECK("uw_open of no process: NULL", uw_open(0x7ffffff0) == NULL);
	return unit_status();
}
