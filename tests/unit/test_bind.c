/*
 * test_bind.c — the shared passes over prog.h (bind.h), on programs built by hand: probes bound
 * clause by clause and numbered as DTrace numbers enabled probes, process filters of named
 * providers, and the capture analysis (which arguments are copied as strings), including
 * through user functions, recursive ones, and an address that is not an argument.
 */
#include <stdlib.h>
#include <string.h>
#include "bind.h"
#include "unit.h"

static const struct ps_probe probes[] = {
	{ 1, PS_M_FUNCTION_ENTRY, 0, "python", "function__entry", "python3.11", "/usr/bin/python3.11", "-", 3 },
	{ 2, PS_M_FUNCTION_RETURN, 0, "python", "function__return", "python3.11", "/usr/bin/python3.11", "-", 3 },
	{ 3, PS_M_GC_START, 0, "python", "gc__start", "python3.11", "/usr/bin/python3.11", "-", 1 },
};
static const struct ps_probe *list[3] = { &probes[0], &probes[1], &probes[2] };

static struct pg_node *call(struct pg_prog *p, enum pg_func f, struct pg_node *arg)
{
	struct pg_node *n = pg_node(p, PG_E_CALL, PS_V_STR, 1);
	n->op = f;
	n->kids[0] = arg;
	return n;
}

static struct pg_node *arg(struct pg_prog *p, int i)
{
	struct pg_node *n = pg_node(p, PG_E_ARG, PS_V_INT, 0);
	n->i = i;
	return n;
}

static struct pg_node *stmt(struct pg_prog *p, struct pg_node *e)
{
	struct pg_node *n = pg_node(p, PG_S_EXPR, PS_V_NONE, 1);
	n->kids[0] = e;
	return n;
}

static int clause(struct pg_prog *p, int npd, const struct pg_pdesc *pd, struct pg_node *s)
{
	int c = pg_add_clause(p);
	p->clauses[c].npdescs = npd;
	p->clauses[c].pdescs = pg_alloc(p, sizeof(*pd) * (size_t)npd);
	memcpy(p->clauses[c].pdescs, pd, sizeof(*pd) * (size_t)npd);
	if (s) {
		p->clauses[c].nstmts = 1;
		p->clauses[c].stmts = pg_alloc(p, sizeof(s));
		p->clauses[c].stmts[0] = s;
	}
	return c;
}

int main(void)
{
	struct pg_prog *p = pg_new();
	struct pg_pdesc entry = { .kind = PG_PD_MARKER, .provider = "python", .module = "",
				  .function = "", .name = "function-entry" };
	struct pg_pdesc any = entry, named = entry, begin = { .kind = PG_PD_BEGIN, .text = "begin" };
	any.name = "function*";
	named.pid = 77;          /* python77:::, the probes being system-wide */
	/* clause 0: begin + function-entry; user_string($arg2) */
	struct pg_pdesc two[2] = { begin, entry };
	clause(p, 2, two, stmt(p, call(p, PG_F_COPYSTR, arg(p, 1))));
	/* clause 1: function* through a recursive user function reading user_string_warn($arg1) */
	int f = pg_add_func(p, "f");
	struct pg_node *rec = pg_node(p, PG_E_UCALL, PS_V_INT, 0);
	rec->op = f;
	struct pg_node *body = pg_node(p, PG_S_BLOCK, PS_V_NONE, 2);
	body->kids[0] = stmt(p, call(p, PG_F_COPYSTR_WARN, arg(p, 0)));
	body->kids[1] = stmt(p, rec);
	p->funcs[f].body = body;
	clause(p, 1, &any, stmt(p, rec));
	/* clause 2: python77:::function-entry, copying through a non-argument address */
	clause(p, 1, &named, stmt(p, call(p, PG_F_COPYSTR, pg_node(p, PG_E_INT, PS_V_INT, 0))));

	struct bind b;
	CHECK_INT("bind_probes", 0, bind_probes(p, list, 3, 0, &b));
	CHECK_INT("five enablings", 5, b.n);
	CHECK("clause 0: begin first, epid 1", b.en[0].kind == PG_PD_BEGIN && b.en[0].epid == 1);
	CHECK("clause 0: then function-entry, epid 2", b.en[1].probe == 0 && b.en[1].epid == 2 &&
	      b.en[1].pdesc == 1);
	CHECK("clause 1: entry and return, probe by probe", b.en[2].probe == 0 &&
	      b.en[3].probe == 1 && b.en[3].epid == 4);
	CHECK("clause 2: a system-wide probe filtered to process 77", b.en[4].npids == 1 &&
	      b.en[4].pids[0] == 77 && b.nmatched[2] == 1);
	CHECK_INT("nmatched clause 0", 2, b.nmatched[0]);
	bind_free(&b);

	CHECK_INT("strargs: user_string($arg2) is argument 1", 2, bind_strargs(p, 0, 3));
	CHECK_INT("strargs: through a recursive user function", 1, bind_strargs(p, 1, 3));
	CHECK_INT("strargs: an unknown address copies every argument", 7, bind_strargs(p, 2, 3));
	pg_free(p);

	/* globals written and never read: x++ only, x <<< v only, an initial value only */
	p = pg_new();
	int x = pg_add_var(p, "x", PG_SC_GLOBAL), y = pg_add_var(p, "y", PG_SC_GLOBAL);
	int z = pg_add_var(p, "z", PG_SC_GLOBAL), st = pg_add_var(p, "st", PG_SC_GLOBAL);
	int a = pg_add_var(p, "a", PG_SC_GLOBAL);
	p->vars[z].init = pg_node(p, PG_E_INT, PS_V_INT, 0);
	struct pg_node *vx = pg_node(p, PG_E_VAR, PS_V_INT, 0), *vy = pg_node(p, PG_E_VAR, PS_V_INT, 0);
	struct pg_node *vst = pg_node(p, PG_E_VAR, PS_V_NONE, 0), *va = pg_node(p, PG_E_VAR, PS_V_INT, 0);
	vx->op = x;
	vy->op = y;
	vst->op = st;
	va->op = a;
	struct pg_node *inc = pg_node(p, PG_E_INCDEC, PS_V_INT, 1), *asg = pg_node(p, PG_E_ASSIGN, PS_V_INT, 2);
	inc->kids[0] = vx;
	asg->kids[0] = va;       /* a = y: a written, y read */
	asg->kids[1] = vy;
	struct pg_node *add = pg_node(p, PG_S_STATADD, PS_V_NONE, 2);
	add->kids[0] = vst;
	add->kids[1] = pg_node(p, PG_E_INT, PS_V_INT, 0);
	struct pg_node *blk = pg_node(p, PG_S_BLOCK, PS_V_NONE, 3);
	blk->kids[0] = stmt(p, inc);
	blk->kids[1] = stmt(p, asg);
	blk->kids[2] = add;
	clause(p, 1, &begin, blk);
	CHECK_INT("bind_unread_globals", 0, bind_unread_globals(p));
	CHECK("unread: x++ only, z's initial value, st <<< only, a assigned are printed",
	      p->vars[x].dump_at_end && p->vars[z].dump_at_end && p->vars[st].dump_at_end &&
	      p->vars[a].dump_at_end);
	CHECK("unread: y is read: not printed", !p->vars[y].dump_at_end);
	pg_free(p);
	return unit_status();
}
