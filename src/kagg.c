/*
 * kagg.c — aggregation in the kernel, the user half (see kagg.h): the analysis that says which
 * clauses run in the kernel, the table the BPF side reads, and the folding of the kernel's
 * per-key totals into agg.c's aggregations by difference with what was folded before.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture.h"
#include "kagg.h"
#include "kagg_rec.h"

/* Why a clause stays in user space (NULL: it can run in the kernel). */
struct plan {
	const char *why;
	int kc;                  /* its row in the table, -1 */
	struct kagg_clause row;
	int nstrs;
	int nslots;
	uint64_t selfvars;       /* the thread variables (self->, index < 64) it reads or stores */
	bool selfbad;            /* it touches a thread variable the kernel cannot keep */
	int var;                 /* a stap statistic (x <<< v): its variable; -1: a D aggregation */
};

/* What the kernel folded of one key, last time kagg looked. */
struct shadow {
	uint64_t hash;
	unsigned char *key;      /* NULL: an empty slot */
	struct kagg_hval *prev;  /* only .v for a scalar map */
	char *text[KAGG_MAX_STRS];   /* a string room holding an identity: its text, once known */
};

struct kagg {
	const struct pg_prog *p;
	struct rt *r;
	int strsize;
	int room;                /* bytes of a string room in the key (KAGG_ROOM_DEFAULT) */
	struct plan *plans;      /* per clause */
	int nrows;
	struct kagg_clause rows[KAGG_MAX_CLAUSES];
	int rowclause[KAGG_MAX_CLAUSES];
	int rowvar[KAGG_MAX_CLAUSES];   /* a stap statistic's variable, -1: a D aggregation */
	const char **statwhy;    /* per variable: why its statistic stays in user space, NULL */
	int nstrs;
	int nslots;              /* integer slots the bound clauses use: rooms start after them */
	int entries;
	struct shadow *sh;
	size_t nsh, capsh;
	bool strid;              /* string keys by identity (kagg_rec.h; PYSCOPE_KAGG_STRID=1) */
	int (*strtext)(void *ctx, const void *sid, char *buf, size_t len);
	void *strtext_ctx;
	/* PYSCOPE_KAGG_STATS=1: identities named, and those at an address (of one process) that
	 * an identity of another text had before (said on stderr at the end, for tests) */
	bool stats;
	long nsids, nreused;
	struct sidseen { uint64_t pidaddr[2], texthash; } *seen;
	size_t nseen;
};

/* Where key part or value N comes from, or -1 when the kernel cannot compute it. */
static int source(const struct pg_node *n, struct kagg_part *pt)
{
	memset(pt, 0, sizeof(*pt));
	/* A key cut to its type's width (dt_parse.c's narrowed(): pid, tid and cpu are ints, as
	 * dtrace records them): the kernel's values of these always fit, so the cut changes
	 * nothing; any other cut value stays in user space. */
	if (n->kind == PG_E_UNARY && (n->op == PG_OP_ZEXT || n->op == PG_OP_SEXT) && n->i == 4 &&
	    n->nkids == 1 && n->kids[0]->kind == PG_E_BUILTIN &&
	    (n->kids[0]->op == PG_B_PID || n->kids[0]->op == PG_B_TID || n->kids[0]->op == PG_B_CPU))
		n = n->kids[0];
	switch (n->kind) {
	case PG_E_INT:
		pt->src = KAGG_S_CONST;
		pt->val = n->i;
		return 0;
	case PG_E_ARG:
		if (n->i < 0 || n->i >= PS_MAX_ARGS)
			return -1;
		pt->src = KAGG_S_ARG;
		pt->arg = (unsigned char)n->i;
		return 0;
	case PG_E_BUILTIN:
		switch (n->op) {
		case PG_B_PID: pt->src = KAGG_S_PID; return 0;
		case PG_B_TID: pt->src = KAGG_S_TID; return 0;
		case PG_B_CPU: pt->src = KAGG_S_CPU; return 0;
		case PG_B_EXECNAME: pt->src = KAGG_S_COMM; return 0;
		default: return -1;
		}
	case PG_E_CALL:
		if (n->op != PG_F_COPYSTR || n->nkids != 1 || n->kids[0]->kind != PG_E_ARG ||
		    n->kids[0]->i < 0 || n->kids[0]->i >= PS_MAX_ARGS)
			return -1;
		pt->src = KAGG_S_STR;
		pt->arg = (unsigned char)n->kids[0]->i;
		return 0;
	default:
		return -1;
	}
}

/* Is aggregation AI cleared or truncated anywhere? (min and max fold the kernel's lifetime
 * extreme, which a clear would have to forget.) */
static bool touched(const struct pg_node *n, int ai)
{
	if (!n)
		return false;
	if ((n->kind == PG_S_CLEAR || n->kind == PG_S_TRUNC) && n->op == ai)
		return true;
	if (n->kind == PG_S_FOREACH && n->fe && (touched(n->fe->limit, ai) || touched(n->fe->body, ai)))
		return true;
	for (int i = 0; i < n->nkids; i++)
		if (touched(n->kids[i], ai))
			return true;
	return false;
}

static bool agg_touched(const struct pg_prog *p, int ai)
{
	for (int c = 0; c < p->nclauses; c++)
		for (int i = 0; i < p->clauses[c].nstmts; i++)
			if (touched(p->clauses[c].stmts[i], ai))
				return true;
	for (int f = 0; f < p->nfuncs; f++)
		if (touched(p->funcs[f].body, ai))
			return true;
	return false;
}

static const int op_of[PG_OP_COUNT] = {
	[PG_OP_EQ] = KAGG_EQ + 1, [PG_OP_NE] = KAGG_NE + 1, [PG_OP_LT] = KAGG_LT + 1,
	[PG_OP_LE] = KAGG_LE + 1, [PG_OP_GT] = KAGG_GT + 1, [PG_OP_GE] = KAGG_GE + 1,
};
/* a < b is b > a */
static const unsigned char flipped[] = {
	[KAGG_EQ] = KAGG_EQ, [KAGG_NE] = KAGG_NE, [KAGG_LT] = KAGG_GT, [KAGG_LE] = KAGG_GE,
	[KAGG_GT] = KAGG_LT, [KAGG_GE] = KAGG_LE,
};

/* The terms of predicate N (joined by &&) into ROW; -1 when the kernel cannot compute one. */
static int terms(const struct pg_node *n, struct kagg_clause *row, int strsize)
{
	if (n->kind == PG_E_BINARY && n->op == PG_OP_LAND)
		return terms(n->kids[0], row, strsize) < 0 ? -1 : terms(n->kids[1], row, strsize);
	if (row->npreds == KAGG_MAX_PREDS)
		return -1;
	struct kagg_pred *t = &row->preds[row->npreds];
	memset(t, 0, sizeof(*t));
	const struct pg_node *k = n->kind == PG_E_UNARY && n->op == PG_OP_NOT ? n->kids[0] : NULL;
	if (k && k->kind == PG_E_BINARY && k->op >= 0 && k->op < PG_OP_COUNT && op_of[k->op]) {
		/* !(a < b) is a >= b */
		static const unsigned char negated[] = {
			[KAGG_EQ] = KAGG_NE, [KAGG_NE] = KAGG_EQ, [KAGG_LT] = KAGG_GE,
			[KAGG_LE] = KAGG_GT, [KAGG_GT] = KAGG_LE, [KAGG_GE] = KAGG_LT,
		};
		if (terms(k, row, strsize) < 0)
			return -1;
		t->op = negated[t->op];
		return 0;
	}
	if (n->kind == PG_E_UNARY && n->op == PG_OP_NOT && n->kids[0]->type == PS_V_INT) {
		t->op = KAGG_EQ;     /* !x: x == 0 */
		n = n->kids[0];
	} else if (n->kind == PG_E_BINARY && n->op >= 0 && n->op < PG_OP_COUNT && op_of[n->op]) {
		const struct pg_node *a = n->kids[0], *b = n->kids[1];
		int op = op_of[n->op] - 1;
		if (a->kind == PG_E_INT || a->kind == PG_E_STR) {
			const struct pg_node *x = a;
			a = b;
			b = x;
			op = flipped[op];
		}
		if (source(a, &t->lhs) < 0 || t->lhs.src == KAGG_S_COMM)
			return -1;
		if (t->lhs.src == KAGG_S_STR) {
			size_t len = b->kind == PG_E_STR && b->s ? strlen(b->s) : SIZE_MAX;
			if ((op != KAGG_EQ && op != KAGG_NE) || len > KAGG_SCONST - 2 ||
			    len + 2 > (size_t)strsize || row->sconst[0])
				return -1;   /* one string constant a clause, shorter than strsize */
			memcpy(row->sconst, b->s, len + 1);
			t->is_str = 1;
			t->slen = (unsigned short)len;
		} else if (b->kind != PG_E_INT) {
			return -1;
		}
		t->op = (unsigned char)op;
		t->rhs = b->kind == PG_E_INT ? b->i : 0;
		row->npreds++;
		return 0;
	} else {
		t->op = KAGG_NE;     /* x: x != 0 */
	}
	if (source(n, &t->lhs) < 0 || t->lhs.src == KAGG_S_STR || t->lhs.src == KAGG_S_COMM)
		return -1;
	row->npreds++;
	return 0;
}

/* ---- self-> variables in the kernel ----
 * A thread variable is kept in the kernel (kagg.bpf.h's kagg_self) only when every clause that
 * reads or stores it runs there: then no clause in user space ever sees it, so the two can
 * never disagree. A kernel clause needs: stores `self->x = v` after its aggregation (v a
 * constant, timestamp or what a key may be), a value `timestamp - self->x` or `self->x`, a
 * predicate term `self->x` or `self->x != 0`. */

/* The kernel's number of thread variable N (a PG_E_VAR), -1 when it cannot keep it: a scalar
 * integer of 64 bits (narrower ones cut their stores, which the kernel does not) that storing
 * 0 frees. */
static int self_var(const struct pg_prog *p, const struct pg_node *n)
{
	if (n->kind != PG_E_VAR || n->op < 0 || n->op >= p->nvars)
		return -1;
	const struct pg_var *v = &p->vars[n->op];
	if (v->scope != PG_SC_THREAD || v->nkeys || v->type != PS_V_INT || v->keep_zero ||
	    (v->isize != 0 && v->isize != 8) || n->op >= KAGG_MAX_VARS)
		return -1;
	return n->op;
}

/* The thread variables node N touches into *VARS; false when one cannot be in the kernel. */
static bool self_uses(const struct pg_prog *p, const struct pg_node *n, uint64_t *vars)
{
	if (!n)
		return true;
	bool ok = true;
	if (n->kind == PG_E_VAR && n->op >= 0 && n->op < p->nvars &&
	    p->vars[n->op].scope == PG_SC_THREAD) {
		int v = self_var(p, n);
		if (v < 0)
			ok = false;
		else
			*vars |= 1ull << v;
	}
	if (n->kind == PG_S_FOREACH && n->fe) {
		/* both walked: VARS collects every variable either touches */
		bool limit_ok = self_uses(p, n->fe->limit, vars);
		bool body_ok = self_uses(p, n->fe->body, vars);
		ok = ok && limit_ok && body_ok;
	}
	for (int i = 0; i < n->nkids; i++)
		ok &= self_uses(p, n->kids[i], vars);
	return ok;
}

/* Where a value or a stored value comes from: also timestamp and thread variables. */
static int self_source(const struct pg_prog *p, const struct pg_node *n, struct kagg_part *pt)
{
	if (n->kind == PG_E_BUILTIN && n->op == PG_B_TIMESTAMP) {
		memset(pt, 0, sizeof(*pt));
		pt->src = KAGG_S_TIMESTAMP;
		return 0;
	}
	int v = self_var(p, n);
	if (v >= 0) {
		memset(pt, 0, sizeof(*pt));
		pt->src = KAGG_S_SELF;
		pt->arg = (unsigned char)v;
		return 0;
	}
	if (source(n, pt) < 0 || pt->src == KAGG_S_STR || pt->src == KAGG_S_COMM)
		return -1;
	return 0;
}

/* A predicate term `self->x` or `self->x != 0` (either side): the variable, else -1. */
static int self_test(const struct pg_prog *p, const struct pg_node *n)
{
	if (n->kind == PG_E_BINARY && n->op == PG_OP_NE) {
		const struct pg_node *a = n->kids[0], *b = n->kids[1];
		if (a->kind == PG_E_INT && a->i == 0)
			return self_var(p, b);
		if (b->kind == PG_E_INT && b->i == 0)
			return self_var(p, a);
		return -1;
	}
	return self_var(p, n);
}

/* Predicate N into ROW: its `self->x` term in selfpred (one), the others as terms(). */
static int self_terms(const struct pg_prog *p, const struct pg_node *n, struct kagg_clause *row,
		      int strsize)
{
	if (n->kind == PG_E_BINARY && n->op == PG_OP_LAND)
		return self_terms(p, n->kids[0], row, strsize) < 0 ? -1
		       : self_terms(p, n->kids[1], row, strsize);
	int v = self_test(p, n);
	if (v >= 0) {
		if (row->selfpred)
			return -1;
		row->selfpred = (unsigned char)(v + 1);
		return 0;
	}
	return terms(n, row, strsize);
}

/* Statement N is `self->x = v` the kernel can run: into ROW's stores. */
static int self_store(const struct pg_prog *p, const struct pg_node *n, struct kagg_clause *row)
{
	if (n->kind != PG_S_EXPR || n->nkids != 1)
		return -1;
	n = n->kids[0];
	if (n->kind != PG_E_ASSIGN || n->op != PG_OP_NONE || n->nkids != 2 ||
	    row->nstores == KAGG_MAX_STORES)
		return -1;
	int v = self_var(p, n->kids[0]);
	struct kagg_store *st = &row->stores[row->nstores];
	memset(st, 0, sizeof(*st));
	if (v < 0 || self_source(p, n->kids[1], &st->src) < 0)
		return -1;
	st->var = (unsigned)v;
	row->nstores++;
	return 0;
}

/* The value of an aggregation: also `timestamp - self->x` and the like. */
static int self_value(const struct pg_prog *p, const struct pg_node *n, struct kagg_clause *row)
{
	if (n->kind == PG_E_BINARY && n->op == PG_OP_SUB && n->type == PS_V_INT) {
		if (self_source(p, n->kids[0], &row->val) < 0 ||
		    self_source(p, n->kids[1], &row->val2) < 0)
			return -1;
		row->val_sub = 1;
		return 0;
	}
	return self_source(p, n, &row->val);
}

/* Every clause that touches a thread variable the kernel does not keep stays in user space,
 * and so do the variables such a clause touches: to a fixed point. */
static void self_domains(struct kagg *k)
{
	const struct pg_prog *p = k->p;
	uint64_t user = 0;
	bool changed = true;
	for (int ci = 0; ci < p->nclauses; ci++)
		if (k->plans[ci].why || k->plans[ci].selfbad)
			user |= k->plans[ci].selfvars;
	for (int f = 0; f < p->nfuncs; f++)
		self_uses(p, p->funcs[f].body, &user);
	while (changed) {
		changed = false;
		for (int ci = 0; ci < p->nclauses; ci++) {
			struct plan *pl = &k->plans[ci];
			if (pl->why || !(pl->selfvars & user))
				continue;
			pl->why = "a self-> variable a user-space clause uses";
			user |= pl->selfvars;
			changed = true;
		}
	}
}

/* ---- SystemTap's statistics (x <<< v) ----
 * The kernel keeps count, sum, min and max of a statistic's element (KAGG_STAT) and its
 * @hist_log or @hist_linear buckets in stap's own layouts, which is everything @count, @sum,
 * @avg (sum / count), @min, @max, the histograms and foreach's sorts read. Not @variance: stap
 * computes it with a running mean whose integer rounding depends on the order of the values.
 * The runtime folds the kernel's totals in only at the end (rt_end's sync), so a statistic read
 * anywhere but in end or error probes stays in user space; so does one that is deleted (min and
 * max are the kernel's lifetime extremes). */

static bool end_clause(const struct pg_clause *c)
{
	for (int d = 0; d < c->npdescs; d++)
		if (c->pdescs[d].kind != PG_PD_END && c->pdescs[d].kind != PG_PD_ERROR)
			return false;
	return c->npdescs > 0;
}

static void stat_why(const struct pg_prog *p, int var, const char **why, const char *what)
{
	if (var >= 0 && var < p->nvars && p->vars[var].stat && !why[var])
		why[var] = what;
}

/* What N does to statistics that keeps them in user space, into WHY (per variable); END: N is in
 * an end or error probe. */
static void stat_uses(const struct pg_prog *p, const struct pg_node *n, bool end, const char **why)
{
	if (!n)
		return;
	switch (n->kind) {
	case PG_S_STATADD:       /* the update itself: only its keys and value read anything */
		for (int i = 0; i < n->kids[0]->nkids; i++)
			stat_uses(p, n->kids[0]->kids[i], end, why);
		stat_uses(p, n->kids[1], end, why);
		return;
	case PG_E_VAR:
		if (!end)
			stat_why(p, n->op, why, "a statistic read outside end probes");
		break;
	case PG_E_STAT:
		if (n->op == PG_ST_VARIANCE && n->nkids && n->kids[0]->kind == PG_E_VAR)
			stat_why(p, n->kids[0]->op, why, "@variance");
		break;
	case PG_S_DELETE:
		if (n->nkids && n->kids[0]->kind == PG_E_VAR)
			stat_why(p, n->kids[0]->op, why, "a statistic deleted");
		break;
	case PG_S_FOREACH:
		if (n->fe) {
			if (!end)
				stat_why(p, n->fe->arr, why, "a statistic read outside end probes");
			if (n->fe->sort_stat == PG_ST_VARIANCE)
				stat_why(p, n->fe->arr, why, "@variance");
			stat_uses(p, n->fe->limit, end, why);
			stat_uses(p, n->fe->body, end, why);
		}
		break;
	default:
		break;
	}
	for (int i = 0; i < n->nkids; i++)
		stat_uses(p, n->kids[i], end, why);
}

static void stat_analysis(const struct pg_prog *p, const char **why)
{
	for (int c = 0; c < p->nclauses; c++) {
		bool end = end_clause(&p->clauses[c]);
		stat_uses(p, p->clauses[c].pred, end, why);
		for (int i = 0; i < p->clauses[c].nstmts; i++)
			stat_uses(p, p->clauses[c].stmts[i], end, why);
	}
	for (int f = 0; f < p->nfuncs; f++)
		stat_uses(p, p->funcs[f].body, false, why);
}

/* The statistic update of a clause whose body is `x[keys] <<< v`, or `if (cond) x[keys] <<< v`
 * (*COND then the condition, a predicate like D's); NULL when it is not that. */
static const struct pg_node *stat_stmt(const struct pg_clause *c, const struct pg_node **cond)
{
	*cond = NULL;
	if (c->nstmts != 1)
		return NULL;
	const struct pg_node *s = c->stmts[0];
	while (s->kind == PG_S_BLOCK && s->nkids == 1)    /* stap's { } */
		s = s->kids[0];
	if (s->kind == PG_S_IF && s->nkids >= 2 && (s->nkids < 3 || !s->kids[2])) {
		*cond = s->kids[0];
		s = s->kids[1];
		while (s && s->kind == PG_S_BLOCK && s->nkids == 1)
			s = s->kids[0];
	}
	return s && s->kind == PG_S_STATADD ? s : NULL;
}

/* The key parts KEYS (N of them) into ROW and PL; -1 (PL->why set) when the kernel cannot. */
static int plan_keys(struct pg_node *const *keys, int n, struct plan *pl, struct kagg_clause *row)
{
	int slot = 0;
	if (n > KAGG_MAX_PARTS) {
		pl->why = "too many keys";
		return -1;
	}
	for (int k = 0; k < n; k++) {
		struct kagg_part *pt = &row->parts[k];
		if (keys[k]->kind == PG_E_STR && keys[k]->s) {
			memset(pt, 0, sizeof(*pt));   /* @["ns"]: the same key at every hit */
			pt->src = KAGG_S_SCONST;
		} else if (source(keys[k], pt) < 0) {
			pl->why = "a key the kernel cannot compute";
			return -1;
		}
		if (pt->src == KAGG_S_STR) {
			if (pl->nstrs == KAGG_MAX_STRS) {
				pl->why = "more than two string keys";
				return -1;
			}
			pt->off = (unsigned short)pl->nstrs++;
			continue;
		}
		int need = pt->src == KAGG_S_COMM ? 2 : 1;
		if (slot + need > KAGG_INTS / 8) {
			pl->why = "too many integer keys";
			return -1;
		}
		pt->off = (unsigned short)slot;
		slot += need;
	}
	pl->nslots = slot;
	row->nparts = (unsigned char)n;
	return 0;
}

static void plan_stat(const struct pg_prog *p, const struct pg_node *s, const struct pg_node *cond,
		      struct plan *pl, int strsize, const char **statwhy)
{
	struct kagg_clause *row = &pl->row;
	const struct pg_node *v = s->kids[0];
	const struct pg_var *var = &p->vars[v->op];
	if (cond && terms(cond, row, strsize) < 0) {
		pl->why = "a condition the kernel cannot compute";
		return;
	}
	if (statwhy[v->op]) {
		pl->why = statwhy[v->op];
		return;
	}
	if (var->scope != PG_SC_GLOBAL) {
		pl->why = "not a global statistic";
		return;
	}
	row->fn = KAGG_STAT;
	if (var->statdef.hist == PG_HIST_LOG) {
		row->hist = 1;   /* lq_levels 0: stap's log2 buckets */
	} else if (var->statdef.hist == PG_HIST_LINEAR) {
		const struct pg_statdef *sd = &var->statdef;
		int64_t levels = sd->step > 0 && sd->hi >= sd->lo ? (sd->hi - sd->lo) / sd->step + 1 : 0;
		if (levels <= 0 || levels + 2 > KAGG_NBUCKETS) {
			pl->why = "a linear histogram the kernel cannot keep";
			return;
		}
		row->hist = 1;
		row->lq_low = sd->lo;
		row->lq_step = sd->step;
		row->lq_levels = (unsigned)levels;
	}
	if (plan_keys(v->kids, v->nkids, pl, row) < 0)
		return;
	if (source(s->kids[1], &row->val) < 0 || row->val.src == KAGG_S_STR ||
	    row->val.src == KAGG_S_COMM) {
		pl->why = "a value the kernel cannot compute";
		return;
	}
	pl->var = v->op;
}

static void plan_clause(const struct pg_prog *p, int ci, struct plan *pl, int strsize,
			const char **statwhy)
{
	const struct pg_clause *c = &p->clauses[ci];
	struct kagg_clause *row = &pl->row;
	pl->why = NULL;
	pl->kc = -1;
	pl->var = -1;
	memset(row, 0, sizeof(*row));
	pl->selfvars = 0;
	pl->selfbad = !self_uses(p, c->pred, &pl->selfvars);
	for (int i = 0; i < c->nstmts; i++)
		pl->selfbad |= !self_uses(p, c->stmts[i], &pl->selfvars);
	row->nomiss = pl->selfvars != 0;
	if (c->npdescs == 0) {
		pl->why = "no probe";
		return;
	}
	/* python$target / python1234: exact in the kernel when the probe is that process's own
	 * (-c, -p: attached to it alone); on a system-wide probe the hit's pid must be checked,
	 * and rt_kernel_clause refuses the clause (bind.c's npids) */
	for (int d = 0; d < c->npdescs; d++)
		if (c->pdescs[d].kind != PG_PD_MARKER) {
			pl->why = "not a marker probe";
			return;
		}
	if (pl->selfbad) {
		pl->why = "a self-> variable the kernel cannot keep";
		return;
	}
	if (c->pred && self_terms(p, c->pred, row, strsize) < 0) {
		pl->why = "a predicate the kernel cannot compute";
		return;
	}
	const struct pg_node *cond, *st = stat_stmt(c, &cond);
	if (st) {
		plan_stat(p, st, cond, pl, strsize, statwhy);
		return;
	}
	/* an aggregation then self-> stores, or only stores */
	int first = c->nstmts > 0 && c->stmts[0]->kind == PG_S_AGG ? 1 : 0;
	for (int i = first; i < c->nstmts; i++)
		if (self_store(p, c->stmts[i], row) < 0) {
			pl->why = "not a single aggregation";
			return;
		}
	if (!first && row->nstores) {
		row->fn = KAGG_NONE;
		row->val.src = KAGG_S_CONST;
		return;
	}
	if (c->nstmts < 1 || !first) {
		pl->why = "not a single aggregation";
		return;
	}
	const struct pg_node *s = c->stmts[0];
	const struct pg_aggdef *def = &p->aggs[s->op];
	if (s->nkeys > KAGG_MAX_PARTS) {
		pl->why = "too many keys";
		return;
	}
	if (s->nkids != s->nkeys + (def->fn != AGG_COUNT)) {
		pl->why = "an increment";
		return;
	}
	if ((def->fn == AGG_MIN || def->fn == AGG_MAX) && agg_touched(p, s->op)) {
		pl->why = "min/max cleared or truncated";
		return;
	}
	row->fn = (unsigned char)def->fn;
	row->hist = def->fn == AGG_QUANTIZE || def->fn == AGG_LQUANTIZE;
	if (def->fn == AGG_LQUANTIZE) {
		int64_t step = def->nparams > 2 ? def->params[2] : 1;
		int64_t levels = step > 0 ? (def->params[1] - def->params[0]) / step : 0;
		if (levels <= 0 || levels + 2 > KAGG_NBUCKETS) {
			pl->why = "lquantize with more than 126 levels";
			return;
		}
		row->lq_low = def->params[0];
		row->lq_step = step;
		row->lq_levels = (unsigned)levels;
	}
	if (plan_keys(s->kids, s->nkeys, pl, row) < 0)
		return;
	if (def->fn != AGG_COUNT) {
		if (self_value(p, s->kids[s->nkeys], row) < 0) {
			pl->why = "a value the kernel cannot compute";
			return;
		}
	} else {
		row->val.src = KAGG_S_CONST;
	}
}

struct kagg *kagg_new(const struct pg_prog *p, int strsize)
{
	struct kagg *k = calloc(1, sizeof(*k));
	if (!k || !(k->plans = calloc((size_t)p->nclauses + 1, sizeof(*k->plans)))) {
		free(k);
		return NULL;
	}
	if (!(k->statwhy = calloc((size_t)p->nvars + 1, sizeof(*k->statwhy)))) {
		free(k->plans);
		free(k);
		return NULL;
	}
	stat_analysis(p, k->statwhy);
	k->p = p;
	k->strsize = strsize > 0 ? strsize : PS_STRSIZE_DEFAULT;
	const char *off = getenv("PYSCOPE_KAGG"), *ent = getenv("PYSCOPE_KAGG_ENTRIES");
	const char *room = getenv("PYSCOPE_KAGG_ROOM"), *sid = getenv("PYSCOPE_KAGG_STRID");
	k->strid = sid && strcmp(sid, "1") == 0;
	const char *st = getenv("PYSCOPE_KAGG_STATS");
	k->stats = st && strcmp(st, "1") == 0;
	k->entries = ent && atoi(ent) > 0 ? atoi(ent) : 0;
	k->room = room && atoi(room) >= 2 ? atoi(room) : KAGG_ROOM_DEFAULT;
	if (k->room > KAGG_ROOM_MAX)
		k->room = KAGG_ROOM_MAX;
	if (k->room > k->strsize)
		k->room = k->strsize;
	for (int ci = 0; ci < p->nclauses; ci++) {
		if ((off && strcmp(off, "0") == 0) || strsize < 0) {
			k->plans[ci].why = strsize < 0 ? "strsize is not the capture's" : "PYSCOPE_KAGG=0";
			k->plans[ci].kc = -1;
			continue;
		}
		plan_clause(p, ci, &k->plans[ci], k->strsize, k->statwhy);
	}
	self_domains(k);
	return k;
}

void kagg_free(struct kagg *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->capsh; i++) {
		free(k->sh[i].key);
		free(k->sh[i].prev);
		for (int j = 0; j < KAGG_MAX_STRS; j++)
			free(k->sh[i].text[j]);
	}
	free(k->sh);
	free(k->seen);
	free(k->statwhy);
	free(k->plans);
	free(k);
}

int kagg_bind(struct kagg *k, struct rt *r, bool (*ok)(const struct ps_probe *p, void *ctx), void *ctx)
{
	k->r = r;
	/* a clause that will not bind keeps its self-> variables in user space, and with them
	 * every clause that touches them: decided before any clause binds (rt_kernel_clause with
	 * -1 only checks) */
	int n = 0;
	for (int ci = 0; ci < k->p->nclauses; ci++) {
		struct plan *pl = &k->plans[ci];
		if (pl->why || !pl->selfvars)
			continue;
		if (rt_kernel_clause(r, ci, -1, ok, ctx) < 0)
			pl->why = "a probe the kernel program does not run on";
	}
	for (int ci = 0; ci < k->p->nclauses; ci++)
		if (!k->plans[ci].why && ++n > KAGG_MAX_CLAUSES && k->plans[ci].selfvars)
			k->plans[ci].why = "more than 8 kernel clauses";
	self_domains(k);
	for (int ci = 0; ci < k->p->nclauses; ci++) {
		struct plan *pl = &k->plans[ci];
		if (pl->why)
			continue;
		if (k->nrows == KAGG_MAX_CLAUSES) {
			pl->why = "more than 8 kernel clauses";
			continue;
		}
		if (rt_kernel_clause(r, ci, k->nrows, ok, ctx) < 0) {
			pl->why = "a probe the kernel program does not run on";
			continue;
		}
		pl->kc = k->nrows;
		k->rows[k->nrows] = pl->row;
		k->rowvar[k->nrows] = pl->var;
		k->rowclause[k->nrows++] = ci;
		if (pl->nstrs > k->nstrs)
			k->nstrs = pl->nstrs;
		if (pl->nslots > k->nslots)
			k->nslots = pl->nslots;
		/* a self-> clause cannot leave a string longer than the room to user space: its
		 * rooms hold strsize bytes, as user space keeps */
		if (pl->nstrs && pl->row.nomiss && k->room < k->strsize)
			k->room = k->strsize > KAGG_ROOM_MAX ? KAGG_ROOM_MAX : k->strsize;
	}
	return k->nrows;
}

const struct kagg_clause *kagg_table(const struct kagg *k, int *n, int *nstrs, int *room,
				     int *str_off, int *entries)
{
	*n = k->nrows;
	*str_off = KAGG_HDR + 8 * k->nslots;
	*room = k->room;
	*nstrs = k->nstrs;
	*entries = k->entries;
	return k->rows;
}

const char *kagg_where(const struct kagg *k, int ci, char *buf, size_t len)
{
	const struct plan *pl = &k->plans[ci];
	if (pl->kc >= 0)
		snprintf(buf, len, "kernel");
	else
		snprintf(buf, len, "user space (%s)", pl->why ? pl->why : "not enabled");
	return buf;
}

void kagg_set_rt(struct kagg *k, struct rt *r)
{
	k->r = r;
}

bool kagg_strid(const struct kagg *k)
{
	return k->strid && k->nstrs > 0 && k->room >= KAGG_SID;
}

void kagg_set_strtext(struct kagg *k, int (*fn)(void *ctx, const void *sid, char *buf, size_t len),
		      void *ctx)
{
	k->strtext = fn;
	k->strtext_ctx = ctx;
}

static uint64_t hash_key(const unsigned char *key, int n);

/* PYSCOPE_KAGG_STATS: identity SID named TEXT (a key of two string parts names one identity
 * twice: the same text, not a reuse) */
static void count_sid(struct kagg *k, const char *sid, const char *text)
{
	uint64_t pa[2], th = hash_key((const unsigned char *)text, (int)strlen(text));
	memcpy(&pa[0], sid, 8);
	memcpy(&pa[1], sid + 8, 8);
	bool again = false;
	for (size_t i = 0; i < k->nseen; i++)
		if (k->seen[i].pidaddr[0] == pa[0] && k->seen[i].pidaddr[1] == pa[1]) {
			if (k->seen[i].texthash == th)
				return;
			again = true;
		}
	struct sidseen *n = realloc(k->seen, (k->nseen + 1) * sizeof(*n));
	if (!n)
		return;
	k->seen = n;
	k->seen[k->nseen].pidaddr[0] = pa[0];
	k->seen[k->nseen].pidaddr[1] = pa[1];
	k->seen[k->nseen++].texthash = th;
	k->nsids++;
	k->nreused += again;
}

/* String room STR (ROOM bytes, of key part J) as text: itself, or the text of the identity it
 * holds (kagg_rec.h), asked once per key and kept in SH. NULL when it cannot be named (the key
 * is skipped, and tried again at the next look). */
static const char *room_text(struct kagg *k, struct shadow *sh, int j, const char *str, size_t room)
{
	if (!memchr(str, 0, room))
		return NULL;
	if (str[0] != 0 || str[1] != KAGG_SID_TAG || room < KAGG_SID)
		return str;
	if (sh->text[j & (KAGG_MAX_STRS - 1)])
		return sh->text[j & (KAGG_MAX_STRS - 1)];
	char *buf = malloc((size_t)k->strsize);
	if (!buf || !k->strtext || k->strtext(k->strtext_ctx, str, buf, (size_t)k->strsize) < 0) {
		free(buf);
		return NULL;
	}
	if (k->stats)
		count_sid(k, str, buf);
	return sh->text[j & (KAGG_MAX_STRS - 1)] = buf;
}

/* ---- folding ---- */

static uint64_t hash_key(const unsigned char *key, int n)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < n; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	return h;
}

static int grow(struct kagg *k)
{
	size_t ncap = k->capsh ? k->capsh * 2 : 256;
	struct shadow *n = calloc(ncap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < k->capsh; i++) {
		if (!k->sh[i].key)
			continue;
		size_t j = k->sh[i].hash & (ncap - 1);
		while (n[j].key)
			j = (j + 1) & (ncap - 1);
		n[j] = k->sh[i];
	}
	free(k->sh);
	k->sh = n;
	k->capsh = ncap;
	return 0;
}

/* The shadow of KEY, made (zero) when new; NULL when out of memory. */
static struct shadow *shadow_of(struct kagg *k, const unsigned char *key, int keysize, bool hist)
{
	uint64_t h = hash_key(key, keysize);
	if ((k->nsh + 1) * 2 > k->capsh && grow(k) < 0)
		return NULL;
	size_t j = h & (k->capsh - 1);
	while (k->sh[j].key) {
		if (k->sh[j].hash == h && memcmp(k->sh[j].key, key, (size_t)keysize) == 0)
			return &k->sh[j];
		j = (j + 1) & (k->capsh - 1);
	}
	struct shadow *s = &k->sh[j];
	s->key = malloc((size_t)keysize);
	s->prev = calloc(1, hist ? sizeof(struct kagg_hval) : sizeof(struct kagg_val));
	if (!s->key || !s->prev) {
		free(s->key);
		free(s->prev);
		s->key = NULL;
		s->prev = NULL;
		return NULL;
	}
	memcpy(s->key, key, (size_t)keysize);
	s->hash = h;
	k->nsh++;
	return s;
}

/* A - B in 128 bits (lo, hi). */
static void sub128(uint64_t alo, int64_t ahi, uint64_t blo, int64_t bhi, uint64_t *lo, int64_t *hi)
{
	*lo = alo - blo;
	*hi = (int64_t)((uint64_t)ahi - (uint64_t)bhi - (alo < blo));
}

/* What the kernel added to statistic VAR's element KEYS since the last look (PART; TOT - PREV
 * the buckets when it has a histogram): as agg_stat_add would have left it. */
static int fold_stat(struct kagg *k, int var, const struct ps_value *keys, int nkeys,
		     const struct agg_part *part, const struct kagg_hval *tot,
		     const struct kagg_hval *prev)
{
	const struct agg_histdef *h;
	struct agg_stat *st = rt_stat(k->r, var, keys, nkeys, &h);
	if (!st)
		return -1;
	if (st->count == 0) {
		st->min = part->min;
		st->max = part->max;
	} else {
		if (part->min < st->min)
			st->min = part->min;
		if (part->max > st->max)
			st->max = part->max;
	}
	st->count += part->count;
	st->sum = (int64_t)((uint64_t)st->sum + part->sum_lo);   /* stap's sum wraps */
	for (int b = 0; tot && b < st->nbuckets && b < KAGG_NBUCKETS; b++)
		st->buckets[b] += (int64_t)((uint64_t)tot->buckets[b] - (uint64_t)prev->buckets[b]);
	(void)h;
	return 0;
}

int kagg_fold(const void *keyp, int keysize, const struct kagg_hval *tot, bool hist, void *ctx)
{
	struct kagg *k = ctx;
	const unsigned char *key = keyp;
	uint64_t kc;
	size_t str_off = KAGG_HDR + 8 * (size_t)k->nslots;
	if ((size_t)keysize < str_off)
		return 0;
	memcpy(&kc, key, 8);
	if (kc >= (uint64_t)k->nrows)
		return 0;
	const struct kagg_clause *row = &k->rows[kc];
	const struct pg_node *s = k->p->clauses[k->rowclause[kc]].stmts[0];
	struct agg *a = k->rowvar[kc] < 0 ? rt_agg(k->r, s->op) : NULL;
	struct shadow *sh = shadow_of(k, key, keysize, hist);
	if ((!a && k->rowvar[kc] < 0) || !sh)
		return 0;
	struct kagg_hval *prev = sh->prev;
	struct agg_part part = {
		.count = (int64_t)((uint64_t)tot->v.count - (uint64_t)prev->v.count),
		.min = tot->v.min, .max = tot->v.max,
	};
	if (part.count == 0)
		return 0;
	uint64_t sq_hi;
	sub128(tot->v.sum_lo, tot->v.sum_hi, prev->v.sum_lo, prev->v.sum_hi, &part.sum_lo,
	       &part.sum_hi);
	sub128(tot->v.sq_lo, (int64_t)tot->v.sq_hi, prev->v.sq_lo, (int64_t)prev->v.sq_hi, &part.sq_lo,
	       (int64_t *)&sq_hi);
	part.sq_hi = sq_hi;
	int64_t buckets[KAGG_NBUCKETS];
	if (hist && a) {
		part.nbuckets = agg_nbuckets(a);
		if (part.nbuckets > KAGG_NBUCKETS)
			return 0;
		for (int b = 0; b < part.nbuckets; b++)
			buckets[b] = (int64_t)((uint64_t)tot->buckets[b] - (uint64_t)prev->buckets[b]);
		part.buckets = buckets;
	}
	/* the keys, as the clause would have evaluated them */
	struct ps_value keys[KAGG_MAX_PARTS];
	char comm[KAGG_MAX_PARTS][17];
	for (int i = 0; i < row->nparts && i < KAGG_MAX_PARTS; i++) {
		const struct kagg_part *pt = &row->parts[i];
		size_t off = KAGG_HDR + (size_t)pt->off * 8;
		if (pt->src == KAGG_S_SCONST) {
			keys[i] = ps_str(s->kids[i]->s);
		} else if (pt->src == KAGG_S_STR) {
			off = str_off + (size_t)pt->off * (size_t)k->room;
			if (off + (size_t)k->room > (size_t)keysize)
				return 0;
			const char *str = room_text(k, sh, pt->off, (const char *)key + off,
						    (size_t)k->room);
			if (!str)
				return 0;
			keys[i] = ps_str(str);
		} else if (pt->src == KAGG_S_COMM) {
			memcpy(comm[i], key + off, 16);
			comm[i][16] = 0;
			comm[i][PS_COMM_LEN - 1] = 0;
			keys[i] = ps_str(comm[i]);
		} else {
			int64_t v;
			memcpy(&v, key + off, 8);
			keys[i] = ps_int(v);
		}
	}
	if (a) {
		agg_merge(a, keys, row->nparts, &part);
	} else if (fold_stat(k, k->rowvar[kc], keys, row->nparts, &part, hist ? tot : NULL,
			     hist ? prev : NULL) < 0) {
		return 0;            /* no room: kept for the next look (rt_stat) */
	}
	size_t vsz = hist ? sizeof(struct kagg_hval) : sizeof(struct kagg_val);
	memcpy(prev, tot, vsz);
	return 0;
}

/* ---- the front-ends' wiring ---- */

/* What the kernel counted, folded into the runtime's aggregations whenever they are read. */
static void run_sync(void *ctx)
{
	struct kagg_run *kr = ctx;
	if (kr->k && kr->cap)
		cap_kagg_read(kr->cap, kagg_fold, kr->k);
}

static int run_strtext(void *ctx, const void *sid, char *buf, size_t len)
{
	return cap_kagg_strtext(ctx, sid, buf, len);
}

static bool run_probe_ok(const struct ps_probe *p, void *ctx)
{
	return cap_is_marker(ctx, p->id);
}

void kagg_hook(struct kagg_run *kr, struct cap *cap, struct rt_opts *ro)
{
	kr->cap = cap;
	if (cap) {
		ro->sync_aggs = run_sync;
		ro->sync_ctx = kr;
	}
}

int kagg_setup(struct kagg_run *kr, const struct pg_prog *p, struct rt *r, int strsize)
{
	if (!kr->cap)
		return 0;
	/* the capture copies strings of its own size: when it is not the runtime's, a string in
	 * the kernel's key would not be the one user space keys by */
	int want = strsize ? strsize : PS_STRSIZE_DEFAULT;
	if (!(kr->k = kagg_new(p, cap_strsize(kr->cap) == want ? strsize : -1))) {
		perror("pyscope");
		return -1;
	}
	int nk, nstrs, room, str_off, entries;
	kagg_bind(kr->k, r, run_probe_ok, kr->cap);
	const struct kagg_clause *tab = kagg_table(kr->k, &nk, &nstrs, &room, &str_off, &entries);
	kagg_set_strtext(kr->k, run_strtext, kr->cap);
	cap_kagg_strid(kr->cap, kagg_strid(kr->k));
	return cap_kagg_set(kr->cap, tab, nk, nstrs, room, str_off, entries) < 0 ? -1 : 0;
}

int kagg_enable(struct kagg_run *kr, struct rt *r, int i, int id)
{
	bool user;
	uint32_t kmask = kr->k ? rt_kernel_mask(r, i, &user) : 0;
	return kmask ? cap_enable_kagg(kr->cap, id, kmask, !user) : 0;
}

const char *kagg_run_where(const struct kagg_run *kr, int ci, char *buf, size_t len)
{
	if (kr->k)
		return kagg_where(kr->k, ci, buf, len);
	snprintf(buf, len, "user space");
	return buf;
}

void kagg_run_free(struct kagg_run *kr)
{
	if (kr->k && kr->k->stats)
		fprintf(stderr, "kagg: %s, %ld string identities, %ld at a reused address\n",
			kagg_strid(kr->k) ? "identities on" : "identities off", kr->k->nsids,
			kr->k->nreused);
	kagg_free(kr->k);
	kr->k = NULL;
}
