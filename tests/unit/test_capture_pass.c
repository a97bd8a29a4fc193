/*
 * test_capture_pass.c — what the kernel is asked to read at a hit (bind_capture, bind.h), on
 * programs built by hand: reads at an argument plus or minus constants, a chain of dereferences
 * (each read's value the next one's base), reads shared between calls, a string at a computed
 * address, the address a user-space variable holds refused with its line and column, the limit
 * of PS_MEM_MAX reads, the native stack and vtimestamp; and native symbols (elfsym.h) of this
 * very process.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bind.h"
#include "elfsym.h"
#include "unit.h"

static struct pg_node *node(struct pg_prog *p, enum pg_kind k, int op, int nkids)
{
	struct pg_node *n = pg_node(p, k, PS_V_INT, nkids);
	n->op = op;
	n->line = 3;
	n->col = 7;
	return n;
}

static struct pg_node *num(struct pg_prog *p, int64_t v)
{
	struct pg_node *n = node(p, PG_E_INT, 0, 0);
	n->i = v;
	return n;
}

static struct pg_node *arg(struct pg_prog *p, int i)
{
	struct pg_node *n = node(p, PG_E_ARG, 0, 0);
	n->i = i;
	return n;
}

static struct pg_node *bin(struct pg_prog *p, int op, struct pg_node *a, struct pg_node *b)
{
	struct pg_node *n = node(p, PG_E_BINARY, op, 2);
	n->kids[0] = a;
	n->kids[1] = b;
	return n;
}

static struct pg_node *call(struct pg_prog *p, int f, struct pg_node *a, struct pg_node *b)
{
	struct pg_node *n = node(p, PG_E_CALL, f, b ? 2 : a ? 1 : 0);
	if (a)
		n->kids[0] = a;
	if (b)
		n->kids[1] = b;
	return n;
}

/* A clause of the statements S (NULL-terminated) on any marker. */
static int clause(struct pg_prog *p, struct pg_node **s)
{
	static struct pg_pdesc pd = { .kind = PG_PD_MARKER, .provider = "python" };
	int c = pg_add_clause(p);
	int n = 0;
	while (s[n])
		n++;
	p->clauses[c].npdescs = 1;
	p->clauses[c].pdescs = &pd;
	p->clauses[c].nstmts = n;
	p->clauses[c].stmts = pg_alloc(p, sizeof(*s) * (size_t)n);
	for (int i = 0; i < n; i++) {
		struct pg_node *e = node(p, PG_S_EXPR, 0, 1);
		e->kids[0] = s[i];
		p->clauses[c].stmts[i] = e;
	}
	return c;
}

static void capture_pass(void)
{
	struct pg_prog *p = pg_new();
	struct ps_capture cap = { 0 };
	struct bind_err err;

	/* user_int(arg1 + 16 - 4), user_long(arg1 + 12) (the same place, 8 bytes: another read),
	 * user_int(user_long(user_long(arg0 + 8) + 24)), copyin(arg1 + 12, 4) (shared with none:
	 * size 4 at arg1 + 12 is the first read), copyinstr(arg0 + 5), vtimestamp, ustack(5) */
	struct pg_node *vts = node(p, PG_E_BUILTIN, PG_B_VTIMESTAMP, 0);
	struct pg_node *s1[] = {
		call(p, PG_F_USER_S32, bin(p, PG_OP_SUB, bin(p, PG_OP_ADD, arg(p, 1), num(p, 16)),
					   num(p, 4)), NULL),
		call(p, PG_F_USER_S64, bin(p, PG_OP_ADD, num(p, 12), arg(p, 1)), NULL),
		call(p, PG_F_USER_S32, call(p, PG_F_USER_S64, bin(p, PG_OP_ADD,
			call(p, PG_F_USER_S64, bin(p, PG_OP_ADD, arg(p, 0), num(p, 8)), NULL),
			num(p, 24)), NULL), NULL),
		call(p, PG_F_COPYIN, bin(p, PG_OP_ADD, arg(p, 1), num(p, 12)), num(p, 4)),
		call(p, PG_F_COPYSTR, bin(p, PG_OP_ADD, arg(p, 0), num(p, 5)), NULL),
		call(p, PG_F_COPYSTR, arg(p, 2), NULL),
		vts, call(p, PG_F_USTACK, num(p, 5), NULL), NULL,
	};
	int c = clause(p, s1);
	CHECK_INT("a program of kernel-computable reads passes", 0,
		  bind_capture(p, c, 3, &cap, &err));
	CHECK_INT("sections: memory, native stack, vtimestamp",
		  PS_SEC_MEM | PS_SEC_USTACK | PS_SEC_VTS, cap.sections);
	CHECK_INT("strings: argument 2 only (arg0 + 5 is a read)", 1u << 2, cap.strargs);
	CHECK_INT("ustack(5): 5 frames", 5, cap.ustack_frames);
	CHECK_INT("ustack(5): the registers and the stack's top too, for the CFI", PS_STACK_BYTES,
		  cap.stack_bytes);
	CHECK_INT("6 distinct reads", 6, cap.nmem);
	const struct ps_memread *m = cap.mem;
	CHECK("read 0: 4 bytes at arg1 + 12",
	      m[0].base == PS_MEM_ARG && m[0].index == 1 && m[0].off == 12 && m[0].size == 4 && !m[0].str);
	CHECK("read 1: 8 bytes at arg1 + 12",
	      m[1].base == PS_MEM_ARG && m[1].index == 1 && m[1].off == 12 && m[1].size == 8);
	CHECK("read 2: 8 bytes at arg0 + 8",
	      m[2].base == PS_MEM_ARG && m[2].index == 0 && m[2].off == 8 && m[2].size == 8);
	CHECK("read 3: 8 bytes at read 2's value + 24",
	      m[3].base == PS_MEM_READ && m[3].index == 2 && m[3].off == 24 && m[3].size == 8);
	CHECK("read 4: 4 bytes at read 3's value",
	      m[4].base == PS_MEM_READ && m[4].index == 3 && m[4].off == 0 && m[4].size == 4);
	CHECK("read 5: a string at arg0 + 5",
	      m[5].base == PS_MEM_ARG && m[5].index == 0 && m[5].off == 5 && m[5].str);

	/* the value of a variable: known in user space only */
	struct pg_node *v = node(p, PG_E_VAR, pg_add_var(p, "x", PG_SC_CLAUSE), 0);
	struct pg_node *s2[] = { call(p, PG_F_USER_S64, bin(p, PG_OP_ADD, v, num(p, 8)), NULL), NULL };
	struct ps_capture cap2 = { 0 };
	c = clause(p, s2);
	CHECK_INT("user_long(x + 8): refused", -EINVAL, bind_capture(p, c, 3, &cap2, &err));
	CHECK("... at the call's line and column", err.line == 3 && err.col == 7);
	CHECK("... saying why", strstr(err.msg, "user_long() reads user memory at an address the "
				       "kernel cannot compute at the hit (it is computed in user "
				       "space after the hit)") == err.msg);
	CHECK("bind_addr_known: no for x + 8", !bind_addr_known(s2[0]->kids[0]));
	CHECK("bind_addr_known: yes for arg0 + 8", bind_addr_known(s1[2]->kids[0]->kids[0]->kids[0]));

	/* copyinstr on a variable: every argument copied, as before (a pointer kept by the clause) */
	struct pg_node *s3[] = { call(p, PG_F_COPYSTR, v, NULL), NULL };
	struct ps_capture cap3 = { 0 };
	c = clause(p, s3);
	CHECK_INT("copyinstr(x): accepted", 0, bind_capture(p, c, 3, &cap3, &err));
	CHECK_INT("... every argument as a string, no memory read", 0x7, cap3.strargs | cap3.nmem);
	CHECK_INT("... no native stack: no stack copy either (no cost)", 0, cap3.stack_bytes);

	/* nine places: one too many */
	struct pg_node *s4[10];
	for (int i = 0; i < 9; i++)
		s4[i] = call(p, PG_F_USER_S8, bin(p, PG_OP_ADD, arg(p, 0), num(p, i)), NULL);
	s4[9] = NULL;
	struct ps_capture cap4 = { 0 };
	c = clause(p, s4);
	CHECK_INT("nine reads: -E2BIG", -E2BIG, bind_capture(p, c, 3, &cap4, &err));
	pg_free(p);
}

/* A function of this program: its symbol, from this process's maps and its own .symtab. */
__attribute__((noinline)) int esym_probe_target(int x);
__attribute__((noinline)) int esym_probe_target(int x)
{
	return x * 3 + 1;
}

static void symbols(void)
{
	struct esym_cache *c = esym_new();
	struct esym_hit h;
	uint64_t pc = (uint64_t)(uintptr_t)&esym_probe_target + 2;
	CHECK_INT("esym_lookup: a function of this process", 0, esym_lookup(c, getpid(), pc, &h));
	CHECK_STR("... its name", "esym_probe_target", h.sym ? h.sym : "(none)");
	CHECK_INT("... the offset in it", 2, h.off);
	CHECK("... its size", h.size > 2);
	CHECK("... the module, this program", h.module && strncmp(h.module, "test_capture_pass", 17) == 0);
	CHECK_INT("esym_lookup: a second time, from the cache", 0, esym_lookup(c, getpid(), pc, &h));
	CHECK_INT("esym_lookup: an address nothing maps", -ENOENT, esym_lookup(c, getpid(), 16, &h));
	CHECK("... nothing found", !h.sym && !h.module);
	esym_free(c);
}

int main(void)
{
	capture_pass();
	symbols();
	return unit_status();
}
