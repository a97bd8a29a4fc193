/*
 * test_stap_rt.c — the runtime's SystemTap constructs, on programs built by hand in prog.h (no
 * front-end): loops with break/continue, next, user functions with recursion and MAXNESTING,
 * delete and `in`, foreach sorted with limit, statistics and stap's @hist_log / @hist_linear
 * layout, array overflow, concatenation, the print family, thread_indent's format, stap's
 * dialect rules (zero kept, a fault ends the run, the faulting handler's output kept, unread
 * globals printed at the end) and the fault kinds and nodes a dialect words its ERRORs from.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "rt.h"
#include "unit.h"

static const struct ps_probe probes[] = {
	{ 1, PS_M_FUNCTION_ENTRY, 0, "python", "function__entry", "python3.11", "/usr/bin/python3.11", "-", 3 },
	{ 2, PS_M_FUNCTION_RETURN, 0, "python", "function__return", "python3.11", "/usr/bin/python3.11", "-", 3 },
};
static const struct ps_probe *list[2] = { &probes[0], &probes[1] };

static struct pg_prog *P;
static char *out;
static size_t outlen;
static FILE *outf;
static struct rt_fault last;
static int nfaults;

static void on_fault(const struct rt_fault *f, void *ctx)
{
	(void)ctx;
	last = *f;
	nfaults++;
}

/* ---- a tiny builder ---- */
static struct pg_node *I(int64_t v)
{
	struct pg_node *n = pg_node(P, PG_E_INT, PS_V_INT, 0);
	n->i = v;
	return n;
}

static struct pg_node *S(const char *s)
{
	struct pg_node *n = pg_node(P, PG_E_STR, PS_V_STR, 0);
	n->s = pg_strdup(P, s);
	return n;
}

static struct pg_node *V(int var, int nkeys, ...)
{
	struct pg_node *n = pg_node(P, PG_E_VAR, P->vars[var].type, nkeys);
	n->op = var;
	va_list ap;
	va_start(ap, nkeys);
	for (int i = 0; i < nkeys; i++)
		n->kids[i] = va_arg(ap, struct pg_node *);
	va_end(ap);
	return n;
}

static struct pg_node *N(enum pg_kind k, enum ps_vtype t, int op, int nkids, ...)
{
	struct pg_node *n = pg_node(P, k, t, nkids);
	n->op = op;
	va_list ap;
	va_start(ap, nkids);
	for (int i = 0; i < nkids; i++)
		n->kids[i] = va_arg(ap, struct pg_node *);
	va_end(ap);
	return n;
}

#define BIN(op, a, b) N(PG_E_BINARY, (op) == PG_OP_CONCAT ? PS_V_STR : PS_V_INT, op, 2, a, b)
#define SET(v, e) N(PG_S_EXPR, PS_V_NONE, 0, 1, N(PG_E_ASSIGN, (v)->type, 0, 2, v, e))
#define ADDTO(v, e) N(PG_S_EXPR, PS_V_NONE, 0, 1, N(PG_E_ASSIGN, (v)->type, PG_OP_ADD, 2, v, e))
#define PRINTLN(e) N(PG_S_PRINT, PS_V_NONE, PG_PR_LN, 1, e)
#define BLOCK(...) N(PG_S_BLOCK, PS_V_NONE, 0, __VA_ARGS__)
#define STMT(k) N(k, PS_V_NONE, 0, 0)

static int global(const char *name, enum ps_vtype t, int nkeys)
{
	int v = pg_add_var(P, name, PG_SC_GLOBAL);
	P->vars[v].type = t;
	P->vars[v].nkeys = nkeys;
	for (int i = 0; i < nkeys; i++)
		P->vars[v].keys[i] = PS_V_INT;
	return v;
}

static struct pg_clause *clause(enum pg_pdkind kind, const char *text)
{
	int c = pg_add_clause(P);
	struct pg_clause *cl = &P->clauses[c];
	cl->npdescs = 1;
	cl->pdescs = pg_alloc(P, sizeof(*cl->pdescs));
	cl->pdescs[0] = (struct pg_pdesc){ .kind = kind, .text = text, .provider = "python",
					   .module = "", .function = "",
					   .name = kind == PG_PD_MARKER ? "function__entry" : "" };
	return cl;
}

static void body(struct pg_clause *c, int n, ...)
{
	c->nstmts = n;
	c->stmts = pg_alloc(P, sizeof(*c->stmts) * (size_t)n);
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		c->stmts[i] = va_arg(ap, struct pg_node *);
	va_end(ap);
}

static const struct rt_dialect stap = {
	.keep_zero = true, .fault_ends_run = true, .fault_keeps_output = true, .dump_globals = true,
	.begin_provider = "", .begin_name = "begin", .end_name = "end",
};

static void start(void)
{
	P = pg_new();
	nfaults = 0;
	memset(&last, 0, sizeof(last));
}

/* Run P's begin and end with the stap rules; returns the output. */
static const char *run(int64_t maxmap, struct rt **keep)
{
	if (outf)
		fclose(outf);
	free(out);
	out = NULL;
	outf = open_memstream(&out, &outlen);
	struct rt_opts ro = { .out = outf, .replay = true, .on_fault = on_fault, .dialect = &stap,
			      .maxmapentries = maxmap, .maxaction = RT_MAXACTION_DEFAULT };
	struct rt *r;
	if (rt_new(P, list, 2, &ro, &r) < 0)
		return "(rt_new failed)";
	rt_begin(r, 1000);
	if (keep) {
		*keep = r;
		fflush(outf);
		return out;
	}
	rt_end(r, 2000);
	rt_free(r);
	fflush(outf);
	return out;
}

static void finish(void)
{
	pg_free(P);
	P = NULL;
}

static void test_loops(void)
{
	start();
	struct pg_clause *c = clause(PG_PD_BEGIN, "begin");
	int i = pg_add_local(P, "i", &c->nlocals), s = pg_add_local(P, "s", &c->nlocals);
	P->vars[i].type = P->vars[s].type = PS_V_INT;
	/* for (i = 0; i < 100; i++) { if (i % 2 == 0) continue; if (i > 7) break; s += i } */
	struct pg_node *loop = N(PG_S_FOR, PS_V_NONE, 0, 4, SET(V(i, 0), I(0)),
		BIN(PG_OP_LT, V(i, 0), I(100)),
		N(PG_S_EXPR, PS_V_NONE, 0, 1, N(PG_E_INCDEC, PS_V_INT, 0, 1, V(i, 0))),
		BLOCK(3,
		      N(PG_S_IF, PS_V_NONE, 0, 3, BIN(PG_OP_EQ, BIN(PG_OP_MOD, V(i, 0), I(2)), I(0)),
			STMT(PG_S_CONTINUE), NULL),
		      N(PG_S_IF, PS_V_NONE, 0, 3, BIN(PG_OP_GT, V(i, 0), I(7)), STMT(PG_S_BREAK), NULL),
		      ADDTO(V(s, 0), V(i, 0))));
	loop->kids[2]->kids[0]->i = 1;
	/* while (s < 40) s += 10 */
	struct pg_node *wh = N(PG_S_WHILE, PS_V_NONE, 0, 2, BIN(PG_OP_LT, V(s, 0), I(40)),
			       ADDTO(V(s, 0), I(10)));
	body(c, 4, loop, PRINTLN(V(s, 0)), wh, PRINTLN(V(s, 0)));
	CHECK_STR("for with continue and break, then while", "16\n46\n", run(0, NULL));
	finish();
}

static void test_next_and_concat(void)
{
	start();
	struct pg_clause *c = clause(PG_PD_BEGIN, "begin");
	int s = pg_add_local(P, "s", &c->nlocals);
	P->vars[s].type = PS_V_STR;
	struct pg_node *cat = N(PG_E_ASSIGN, PS_V_STR, PG_OP_CONCAT, 2, V(s, 0), S("!"));
	body(c, 4, SET(V(s, 0), BIN(PG_OP_CONCAT, S("py"), S("scope"))),
	     N(PG_S_EXPR, PS_V_NONE, 0, 1, cat), PRINTLN(V(s, 0)), STMT(PG_S_NEXT));
	struct pg_clause *c2 = clause(PG_PD_BEGIN, "begin");
	body(c2, 3, PRINTLN(S("a")), STMT(PG_S_NEXT), PRINTLN(S("b")));
	CHECK_STR("concatenation, .=, next ends only its handler", "pyscope!\na\n", run(0, NULL));
	finish();
}

/* function fib(n) { if (n < 2) return n; return fib(n-1) + fib(n-2) } */
static int make_fib(void)
{
	int f = pg_add_func(P, "fib");
	struct pg_ufunc *fn = &P->funcs[f];
	int n = pg_add_local(P, "n", &fn->nlocals);
	P->vars[n].type = PS_V_INT;
	fn->nparams = 1;
	fn->params[0] = n;
	fn->ret = PS_V_INT;
	struct pg_node *c1 = N(PG_E_UCALL, PS_V_INT, f, 1, BIN(PG_OP_SUB, V(n, 0), I(1)));
	struct pg_node *c2 = N(PG_E_UCALL, PS_V_INT, f, 1, BIN(PG_OP_SUB, V(n, 0), I(2)));
	fn = &P->funcs[f];
	fn->body = BLOCK(2, N(PG_S_IF, PS_V_NONE, 0, 3, BIN(PG_OP_LT, V(n, 0), I(2)),
			      N(PG_S_RETURN, PS_V_NONE, 0, 1, V(n, 0)), NULL),
			 N(PG_S_RETURN, PS_V_NONE, 0, 1, BIN(PG_OP_ADD, c1, c2)));
	return f;
}

static void test_functions(void)
{
	start();
	int f = make_fib();
	struct pg_clause *c = clause(PG_PD_BEGIN, "begin");
	body(c, 1, PRINTLN(N(PG_E_UCALL, PS_V_INT, f, 1, I(10))));
	CHECK_STR("recursion: fib(10)", "55\n", run(0, NULL));
	CHECK_INT("recursion: no fault", 0, nfaults);
	finish();

	/* function down(n) { return down(n + 1) }: MAXNESTING (10) is exceeded at the 11th call */
	start();
	int d = pg_add_func(P, "down");
	int n = pg_add_local(P, "n", &P->funcs[d].nlocals);
	P->vars[n].type = PS_V_INT;
	P->funcs[d].nparams = 1;
	P->funcs[d].params[0] = n;
	P->funcs[d].ret = PS_V_INT;
	struct pg_node *rec = N(PG_E_UCALL, PS_V_INT, d, 1, BIN(PG_OP_ADD, V(n, 0), I(1)));
	rec->line = 3;
	rec->col = 9;
	P->funcs[d].body = BLOCK(1, N(PG_S_RETURN, PS_V_NONE, 0, 1, rec));
	c = clause(PG_PD_BEGIN, "begin");
	body(c, 2, PRINTLN(S("before")), PRINTLN(N(PG_E_UCALL, PS_V_INT, d, 1, I(0))));
	struct pg_clause *e = clause(PG_PD_END, "end");
	body(e, 1, PRINTLN(S("end ran")));
	struct rt *r;
	const char *o = run(0, &r);
	CHECK_STR("MAXNESTING: the handler's output before the fault is kept", "before\n", o);
	CHECK_INT("MAXNESTING: one fault", 1, nfaults);
	CHECK_INT("MAXNESTING: its kind", RT_FAULT_NESTING, last.kind);
	CHECK("MAXNESTING: at the recursive call", last.node == rec);
	CHECK_STR("MAXNESTING: what", "MAXNESTING exceeded", last.what);
	char tok[64];
	CHECK_STR("MAXNESTING: near identifier 'down'", "identifier 'down'",
		  pg_node_token(P, last.node, tok, sizeof(tok)));
	CHECK("MAXNESTING: the run ends (stap's MAXERRORS 0)", rt_exited(r));
	rt_end(r, 2000);
	fflush(outf);
	CHECK_STR("MAXNESTING: end probes still run", "before\nend ran\n", out);
	CHECK_INT("MAXNESTING: exit status 1", 1, rt_status(r));
	rt_free(r);
	finish();
}

static void test_arrays(void)
{
	start();
	int a = global("a", PS_V_INT, 1);
	struct pg_clause *c = clause(PG_PD_BEGIN, "begin");
	body(c, 8, SET(V(a, 1, I(1)), I(0)), SET(V(a, 1, I(2)), I(5)),
	     PRINTLN(N(PG_E_IN, PS_V_INT, 0, 1, V(a, 1, I(1)))),       /* kept although 0 */
	     N(PG_S_DELETE, PS_V_NONE, 0, 1, V(a, 1, I(1))),
	     PRINTLN(N(PG_E_IN, PS_V_INT, 0, 1, V(a, 1, I(1)))),
	     PRINTLN(N(PG_E_IN, PS_V_INT, 0, 1, V(a, 1, I(2)))),
	     N(PG_S_DELETE, PS_V_NONE, 0, 1, V(a, 0)),
	     PRINTLN(N(PG_E_IN, PS_V_INT, 0, 1, V(a, 1, I(2)))));
	CHECK_STR("in, a zero kept, delete element and array", "1\n0\n1\n0\n", run(0, NULL));
	finish();

	/* global a[2]: the third element overflows */
	start();
	a = global("a", PS_V_INT, 1);
	P->vars[a].maxentries = 2;
	c = clause(PG_PD_BEGIN, "begin");
	struct pg_node *third = V(a, 1, I(3));
	third->line = 4;
	third->col = 2;
	body(c, 4, SET(V(a, 1, I(1)), I(1)), SET(V(a, 1, I(2)), I(1)), SET(V(a, 1, I(2)), I(7)),
	     SET(third, I(1)));
	run(0, NULL);
	CHECK_INT("global a[2]: overflow on the third", RT_FAULT_OVERFLOW, last.kind);
	CHECK("global a[2]: at the element's node", last.node == third);
	char tok[64];
	CHECK_STR("global a[2]: near identifier 'a'", "identifier 'a'",
		  pg_node_token(P, last.node, tok, sizeof(tok)));
	finish();

	/* MAXMAPENTRIES bounds arrays without [N] */
	start();
	a = global("a", PS_V_INT, 1);
	c = clause(PG_PD_BEGIN, "begin");
	int i = pg_add_local(P, "i", &c->nlocals);
	P->vars[i].type = PS_V_INT;
	body(c, 1, N(PG_S_WHILE, PS_V_NONE, 0, 2, I(1),
		     BLOCK(2, SET(V(a, 1, V(i, 0)), I(1)),
			   N(PG_S_EXPR, PS_V_NONE, 0, 1, N(PG_E_INCDEC, PS_V_INT, 1, 1, V(i, 0))))));
	P->clauses[0].stmts[0]->kids[1]->kids[1]->kids[0]->i = 1;
	run(5, NULL);
	CHECK_INT("MAXMAPENTRIES 5: overflow", RT_FAULT_OVERFLOW, last.kind);
	finish();

	/* while (1) {}: MAXACTION */
	start();
	c = clause(PG_PD_BEGIN, "begin");
	body(c, 1, N(PG_S_WHILE, PS_V_NONE, 0, 2, I(1), BLOCK(0)));
	run(0, NULL);
	CHECK_INT("while (1): MAXACTION exceeded", RT_FAULT_MAXACTION, last.kind);
	finish();
}

static struct pg_node *foreach(int arr, int nkeys, const int *keyvars, int valvar,
			       enum pg_sort sort, int sort_key, int64_t limit, struct pg_node *b)
{
	struct pg_node *n = pg_node(P, PG_S_FOREACH, PS_V_NONE, 0);
	struct pg_foreach *fe = pg_alloc(P, sizeof(*fe));
	fe->arr = arr;
	fe->nkeys = nkeys;
	memcpy(fe->keyvars, keyvars, sizeof(int) * (size_t)nkeys);
	fe->valvar = valvar;
	fe->sort = sort;
	fe->sort_key = sort_key;
	fe->limit = limit >= 0 ? I(limit) : NULL;
	fe->body = b;
	n->fe = fe;
	return n;
}

static void test_foreach(void)
{
	start();
	int a = global("calls", PS_V_INT, 2);
	P->vars[a].keys[1] = PS_V_STR;
	struct pg_clause *c = clause(PG_PD_BEGIN, "begin");
	int k[2], v;
	k[0] = pg_add_local(P, "pid", &c->nlocals);
	k[1] = pg_add_local(P, "fn", &c->nlocals);
	v = pg_add_local(P, "n", &c->nlocals);
	P->vars[k[0]].type = P->vars[v].type = PS_V_INT;
	P->vars[k[1]].type = PS_V_STR;
	struct pg_node *line = N(PG_S_PRINT, PS_V_NONE, PG_PR_LN, 3, V(k[0], 0), V(k[1], 0), V(v, 0));
	line->s = " ";
	body(c, 9, SET(V(a, 2, I(10), S("b")), I(3)), SET(V(a, 2, I(20), S("a")), I(9)),
	     SET(V(a, 2, I(10), S("c")), I(5)), SET(V(a, 2, I(30), S("a")), I(5)),
	     foreach(a, 2, k, v, PG_SORT_DESC, 0, 3, line), PRINTLN(S("--")),
	     foreach(a, 2, k, v, PG_SORT_ASC, 2, -1, line), PRINTLN(S("--")),
	     foreach(a, 2, k, v, PG_SORT_NONE, 0, -1, line));
	CHECK_STR("foreach: by value desc limit 3 (ties by key), by key 2, unsorted in order made",
		  "20 a 9\n10 c 5\n30 a 5\n--\n20 a 9\n30 a 5\n10 b 3\n10 c 5\n--\n"
		  "10 b 3\n20 a 9\n10 c 5\n30 a 5\n", run(0, NULL));
	finish();

	/* break leaves the loop; deleting the iterated array inside it is refused */
	start();
	a = global("a", PS_V_INT, 1);
	c = clause(PG_PD_BEGIN, "begin");
	k[0] = pg_add_local(P, "k", &c->nlocals);
	P->vars[k[0]].type = PS_V_INT;
	body(c, 4, SET(V(a, 1, I(1)), I(1)), SET(V(a, 1, I(2)), I(2)),
	     foreach(a, 1, k, -1, PG_SORT_ASC, 1, -1,
		     BLOCK(2, PRINTLN(V(k[0], 0)), STMT(PG_S_BREAK))),
	     foreach(a, 1, k, -1, PG_SORT_ASC, 1, -1, N(PG_S_DELETE, PS_V_NONE, 0, 1, V(a, 0))));
	CHECK_STR("foreach: break", "1\n", run(0, NULL));
	finish();

	/* over an empty array: nothing to sort (UBSan: no qsort of a NULL array) */
	start();
	a = global("a", PS_V_INT, 1);
	c = clause(PG_PD_BEGIN, "begin");
	k[0] = pg_add_local(P, "k", &c->nlocals);
	P->vars[k[0]].type = PS_V_INT;
	body(c, 2, foreach(a, 1, k, -1, PG_SORT_DESC, 0, 20, PRINTLN(V(k[0], 0))), PRINTLN(S("empty")));
	CHECK_STR("foreach: an empty array", "empty\n", run(0, NULL));
	finish();

	start();
	a = global("a", PS_V_INT, 1);
	c = clause(PG_PD_BEGIN, "begin");
	k[0] = pg_add_local(P, "k", &c->nlocals);
	P->vars[k[0]].type = PS_V_INT;
	body(c, 4, SET(V(a, 1, I(1)), I(1)), SET(V(a, 1, I(2)), I(2)),
	     foreach(a, 1, k, -1, PG_SORT_ASC, 1, -1,
		     BLOCK(2, PRINTLN(V(k[0], 0)), STMT(PG_S_BREAK))),
	     foreach(a, 1, k, -1, PG_SORT_ASC, 1, -1, N(PG_S_DELETE, PS_V_NONE, 0, 1, V(a, 0))));
	run(0, NULL);
	CHECK_INT("foreach: modifying the array faults", RT_FAULT_ILLOP, last.kind);
	finish();
}

static void test_stats(void)
{
	start();
	int x = global("x", PS_V_NONE, 0);
	P->vars[x].stat = true;
	P->vars[x].statdef.hist = PG_HIST_LOG;
	struct pg_clause *c = clause(PG_PD_BEGIN, "begin");
	int64_t vals[] = { 1, 2, 2, 3, 8 };
	c->nstmts = 5 + 6 + 1;
	c->stmts = pg_alloc(P, sizeof(*c->stmts) * (size_t)c->nstmts);
	for (int i = 0; i < 5; i++)
		c->stmts[i] = N(PG_S_STATADD, PS_V_NONE, 0, 2, V(x, 0), I(vals[i]));
	for (int op = PG_ST_COUNT; op <= PG_ST_VARIANCE; op++)
		c->stmts[5 + op] = PRINTLN(N(PG_E_STAT, PS_V_INT, op, 1, V(x, 0)));
	c->stmts[11] = N(PG_S_HIST, PS_V_NONE, PG_HIST_LOG, 1, V(x, 0));
	/* @variance is stap's integer Welford (stat-common.c): the running mean truncates, so
	 * 1 2 2 3 8 give 12, not the exact 7.7 */
	const char *want =
		"5\n16\n1\n8\n3\n12\n"
		"value |-------------------------------------------------- count\n"
		"    0 |                                                   0\n"
		"    1 |@                                                  1\n"
		"    2 |@@@                                                3\n"
		"    4 |                                                   0\n"
		"    8 |@                                                  1\n"
		"   16 |                                                   0\n"
		"   32 |                                                   0\n"
		"\n";
	CHECK_STR("stats: @count @sum @min @max @avg @variance, @hist_log layout", want,
		  run(0, NULL));
	finish();

	/* @hist_linear(x, 0, 100, 10) with elision and the overflow row */
	start();
	x = global("x", PS_V_NONE, 0);
	P->vars[x].stat = true;
	P->vars[x].statdef = (struct pg_statdef){ PG_HIST_LINEAR, 0, 100, 10 };
	c = clause(PG_PD_BEGIN, "begin");
	int64_t lv[] = { 5, 5, 75, 200 };
	c->nstmts = 5;
	c->stmts = pg_alloc(P, sizeof(*c->stmts) * 5);
	for (int i = 0; i < 4; i++)
		c->stmts[i] = N(PG_S_STATADD, PS_V_NONE, 0, 2, V(x, 0), I(lv[i]));
	c->stmts[4] = N(PG_S_HIST, PS_V_NONE, PG_HIST_LINEAR, 1, V(x, 0));
	want =
		"value |-------------------------------------------------- count\n"
		"    0 |@@                                                 2\n"
		"   10 |                                                   0\n"
		"   20 |                                                   0\n"
		"      ~\n"
		"   50 |                                                   0\n"
		"   60 |                                                   0\n"
		"   70 |@                                                  1\n"
		"   80 |                                                   0\n"
		"   90 |                                                   0\n"
		"  100 |                                                   0\n"
		" >100 |@                                                  1\n"
		"\n";
	CHECK_STR("stats: @hist_linear layout (elided rows, overflow)", want, run(0, NULL));
	finish();

	/* @avg of an empty statistic is stap's "empty aggregate"; @count is 0 */
	start();
	x = global("x", PS_V_NONE, 0);
	P->vars[x].stat = true;
	c = clause(PG_PD_BEGIN, "begin");
	struct pg_node *avg = N(PG_E_STAT, PS_V_INT, PG_ST_AVG, 1, V(x, 0));
	body(c, 2, PRINTLN(N(PG_E_STAT, PS_V_INT, PG_ST_COUNT, 1, V(x, 0))), PRINTLN(avg));
	CHECK_STR("stats: @count of an empty one", "0\n", run(0, NULL));
	CHECK_INT("stats: @avg of an empty one faults", RT_FAULT_EMPTY, last.kind);
	CHECK("stats: at the @avg", last.node == avg);
	finish();
}

static void test_faults_and_dump(void)
{
	start();
	int x = global("x", PS_V_INT, 0), s = global("s", PS_V_STR, 0), a = global("a", PS_V_INT, 2);
	int st = global("t", PS_V_NONE, 0);
	P->vars[a].keys[0] = PS_V_STR;
	P->vars[st].stat = true;
	P->vars[x].init = I(5);
	P->vars[x].dump_at_end = P->vars[s].dump_at_end = P->vars[a].dump_at_end = true;
	P->vars[st].dump_at_end = true;
	struct pg_clause *c = clause(PG_PD_BEGIN, "begin");
	struct pg_node *div = BIN(PG_OP_DIV, I(1), BIN(PG_OP_SUB, V(x, 0), I(5)));
	div->line = 7;
	body(c, 7, SET(V(s, 0), S("abc")), SET(V(a, 2, S("k"), I(1)), I(3)),
	     SET(V(a, 2, S("j"), I(2)), I(4)),
	     N(PG_S_STATADD, PS_V_NONE, 0, 2, V(st, 0), I(4)),
	     N(PG_S_STATADD, PS_V_NONE, 0, 2, V(st, 0), I(6)),
	     PRINTLN(S("printed")), PRINTLN(div));
	CHECK_STR("division by 0: output before it kept; globals dumped at end as stap's synthesized "
		  "end probe prints them (%#x values, arrays by value descending)",
		  "printed\nx=0x5\ns=\"abc\"\na[\"j\",2]=0x4\na[\"k\",1]=0x3\n"
		  "t @count=2 @min=4 @max=6 @sum=10 @avg=5\n", run(0, NULL));
	CHECK_INT("division by 0: kind", RT_FAULT_DIV0, last.kind);
	CHECK("division by 0: at the operator", last.node == div);
	char tok[64];
	CHECK_STR("division by 0: near operator '/'", "operator '/'",
		  pg_node_token(P, last.node, tok, sizeof(tok)));
	CHECK_STR("pg_node_token: a variable", "identifier 's'",
		  pg_node_token(P, V(s, 0), tok, sizeof(tok)));
	finish();
}

static void test_library(void)
{
	start();
	struct pg_clause *c = clause(PG_PD_MARKER, "process(\"python\").mark(\"function__entry\")");
	struct pg_node *ti[3];
	int64_t d[3] = { 1, 1, -1 };
	for (int i = 0; i < 3; i++) {
		ti[i] = N(PG_E_CALL, PS_V_STR, PG_F_THREAD_INDENT, 1, I(d[i]));
		ti[i] = N(PG_S_PRINT, PS_V_NONE, PG_PR_LN, 2, ti[i], S("|"));
	}
	body(c, 1, ti[0]);
	struct pg_clause *c2 = clause(PG_PD_MARKER, "x");
	c2->pdescs[0].name = "function__return";
	body(c2, 1, ti[2]);
	if (outf)
		fclose(outf);
	free(out);
	out = NULL;
	outf = open_memstream(&out, &outlen);
	struct rt_opts ro = { .out = outf, .replay = true, .on_fault = on_fault, .dialect = &stap };
	struct rt *r;
	CHECK_INT("thread_indent: rt_new", 0, rt_new(P, list, 2, &ro, &r));
	rt_begin(r, 1000);
	struct ps_event e = { .ts = 5000000, .pid = 8274, .tid = 8274, .probe = &probes[0] };
	strcpy(e.comm, "python3.11");
	rt_event(r, &e);
	e.ts += 11408000;
	rt_event(r, &e);
	e.ts += 1000;
	e.probe = &probes[1];
	rt_event(r, &e);
	rt_event(r, &e);
	e.ts += 2000000;       /* back at depth 0: the next entry starts the clock again */
	e.probe = &probes[0];
	rt_event(r, &e);
	/* times that are not whole microseconds: the monotonic clock's microseconds, so a
	 * replay prints the same every time (the wall clock's offset moved the rounding) */
	e.ts = 100000500;
	rt_event(r, &e);
	e.ts += 15999600;
	rt_event(r, &e);
	fflush(outf);
	CHECK_STR("thread_indent: stap's \"%6d %s:%-*s\" with execname(tid)",
		  "     0 python3.11(8274):|\n"
		  " 11408 python3.11(8274): |\n"
		  " 11409 python3.11(8274): |\n"
		  " 11409 python3.11(8274):|\n"
		  "     0 python3.11(8274):|\n"
		  " 81591 python3.11(8274): |\n"
		  " 97591 python3.11(8274):  |\n", out);
	rt_end(r, 1);
	rt_free(r);
	fclose(outf);
	outf = NULL;
	free(out);
	out = NULL;
	finish();

	start();
	c = clause(PG_PD_BEGIN, "begin");
	struct pg_node *sp = N(PG_E_SPRINT, PS_V_STR, 0, 3, I(1), S("two"), I(3));
	sp->s = ",";
	body(c, 7,
	     PRINTLN(N(PG_E_CALL, PS_V_STR, PG_F_STR_REPLACE, 3, S("a-b-c"), S("-"), S("+"))),
	     PRINTLN(N(PG_E_CALL, PS_V_STR, PG_F_TEXT_STR, 1, S("a\tb\"\001"))),
	     PRINTLN(N(PG_E_CALL, PS_V_STR, PG_F_TOKENIZE, 2, S("a,,b c"), S(", "))),
	     PRINTLN(N(PG_E_CALL, PS_V_STR, PG_F_TOKENIZE, 2, S(""), S(", "))),
	     PRINTLN(N(PG_E_CALL, PS_V_STR, PG_F_CTIME, 1, I(0))),
	     PRINTLN(sp),
	     N(PG_S_EXPR, PS_V_NONE, 0, 1, N(PG_E_CALL, PS_V_NONE, PG_F_ANSI_CLEAR, 0)));
	CHECK_STR("library: str_replace, text_str, tokenize, ctime, sprintd, ansi_clear_screen",
		  "a+b+c\na\\tb\\\"\\001\na\nb\nThu Jan  1 00:00:00 1970\n1,two,3\n\033[1;1H\033[J",
		  run(0, NULL));
	finish();
}

int main(void)
{
	test_loops();
	test_next_and_concat();
	test_functions();
	test_arrays();
	test_foreach();
	test_stats();
	test_faults_and_dump();
	test_library();
	if (outf)
		fclose(outf);
	free(out);
	return unit_status();
}
