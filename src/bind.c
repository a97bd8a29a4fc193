/*
 * bind.c — probe binding and the capture analysis (see bind.h). Both used to live in the D
 * front-end and the runtime; as passes over prog.h they serve every dialect the same way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "bind.h"

static int add(struct bind *b, int *cap, struct bind_enabling e)
{
	if (b->n == *cap) {
		int ncap = *cap ? *cap * 2 : 16;
		struct bind_enabling *n = realloc(b->en, sizeof(*n) * (size_t)ncap);
		if (!n)
			return -ENOMEM;
		b->en = n;
		*cap = ncap;
	}
	e.epid = b->n + 1;
	b->en[b->n++] = e;
	return 0;
}

int bind_probes(const struct pg_prog *p, const struct ps_probe *const *probes, int nprobes,
		int target, struct bind *out)
{
	struct bind b = { 0 };
	int cap = 0;
	b.nmatched = calloc((size_t)(p->nclauses ? p->nclauses : 1), sizeof(int));
	if (!b.nmatched)
		return -ENOMEM;
	for (int ci = 0; ci < p->nclauses; ci++) {
		const struct pg_clause *c = &p->clauses[ci];
		int first = b.n;
		/* BEGIN, END and ticks first, in the order written; then markers, probe by probe */
		for (int d = 0; d < c->npdescs; d++)
			if (c->pdescs[d].kind != PG_PD_MARKER &&
			    add(&b, &cap, (struct bind_enabling){ .clause = ci, .pdesc = d,
				    .kind = c->pdescs[d].kind, .probe = -1 }) < 0)
				goto oom;
		for (int i = 0; i < nprobes; i++) {
			struct bind_enabling e = { .clause = ci, .pdesc = -1, .kind = PG_PD_MARKER,
						   .probe = i };
			bool any = false;
			for (int d = 0; d < c->npdescs; d++) {
				const struct pg_pdesc *pd = &c->pdescs[d];
				if (!pg_pdesc_match(pd, probes[i], target))
					continue;
				if (e.pdesc < 0)
					e.pdesc = d;
				int want = probes[i]->pid ? 0 : pd->pid == PG_PID_TARGET ? target : pd->pid;
				if (want <= 0 || e.npids == BIND_MAX_PIDS)   /* past 4: every process */
					any = true;
				else
					e.pids[e.npids++] = want;
			}
			if (e.pdesc < 0 || probes[i]->id < 1)   /* ids below 1 are never enabled */
				continue;
			if (any)
				e.npids = 0;
			if (add(&b, &cap, e) < 0)
				goto oom;
		}
		b.nmatched[ci] = b.n - first;
	}
	*out = b;
	return 0;
oom:
	bind_free(&b);
	return -ENOMEM;
}

void bind_free(struct bind *b)
{
	free(b->en);
	free(b->nmatched);
	memset(b, 0, sizeof(*b));
}

/* ---- the capture analysis ---- */

struct walk {
	const struct pg_prog *p;
	uint32_t mask;
	bool any;
	unsigned char *seen;     /* user functions already walked (recursion) */
};

static void walk(struct walk *w, const struct pg_node *n)
{
	if (!n)
		return;
	if (n->kind == PG_E_CALL && (n->op == PG_F_COPYSTR || n->op == PG_F_COPYSTR_WARN) &&
	    n->nkids > 0) {
		const struct pg_node *addr = n->kids[0];
		if (addr->kind == PG_E_ARG && addr->i >= 0 && addr->i < 32)
			w->mask |= 1u << addr->i;
		else
			w->any = true;
	}
	if (n->kind == PG_E_CALL && (n->op == PG_F_JSTACK || n->op == PG_F_PYBACKTRACE ||
				     n->op == PG_F_PRINT_PYBACKTRACE))
		w->mask |= BIND_PYSTACK;
	if (n->kind == PG_E_UCALL && n->op >= 0 && n->op < w->p->nfuncs && !w->seen[n->op]) {
		w->seen[n->op] = 1;
		walk(w, w->p->funcs[n->op].body);
	}
	if (n->kind == PG_S_FOREACH && n->fe) {
		walk(w, n->fe->limit);
		walk(w, n->fe->body);
	}
	for (int i = 0; i < n->nkids; i++)
		walk(w, n->kids[i]);
}

uint32_t bind_strargs(const struct pg_prog *p, int ci, int nargs)
{
	const struct pg_clause *c = &p->clauses[ci];
	unsigned char seen0[64];
	struct walk w = { .p = p };
	w.seen = p->nfuncs <= (int)sizeof(seen0) ? seen0 : calloc((size_t)p->nfuncs, 1);
	if (!w.seen)
		return (1u << PS_MAX_ARGS) - 1;   /* no memory to look: copy everything */
	memset(w.seen, 0, p->nfuncs <= (int)sizeof(seen0) ? sizeof(seen0) : 0);
	walk(&w, c->pred);
	for (int i = 0; i < c->nstmts; i++)
		walk(&w, c->stmts[i]);
	if (w.seen != seen0)
		free(w.seen);
	if (w.any)
		w.mask |= (1u << (nargs > 0 ? nargs : PS_MAX_ARGS)) - 1;
	return w.mask;
}

/* ---- globals written and never read (SystemTap prints them at the end) ---- */

struct uses {
	const struct pg_prog *p;
	unsigned char *read, *written;
};

static void mark(unsigned char *set, const struct pg_prog *p, int var)
{
	if (var >= 0 && var < p->nvars)
		set[var] = 1;
}

static void uses_walk(struct uses *u, const struct pg_node *n, bool target)
{
	if (!n)
		return;
	const struct pg_prog *p = u->p;
	switch (n->kind) {
	case PG_E_VAR:
		mark(target ? u->written : u->read, p, n->op);
		for (int i = 0; i < n->nkids; i++)
			uses_walk(u, n->kids[i], false);
		return;
	case PG_E_ASSIGN:
	case PG_E_INCDEC:
	case PG_S_STATADD:
	case PG_S_DELETE:
		/* the variable written; x++, x += v and x <<< v do not count as reads (stap) */
		uses_walk(u, n->kids[0], true);
		for (int i = 1; i < n->nkids; i++)
			uses_walk(u, n->kids[i], false);
		return;
	case PG_S_FOREACH:
		mark(u->read, p, n->fe->arr);
		uses_walk(u, n->fe->limit, false);
		uses_walk(u, n->fe->body, false);
		return;
	default:
		for (int i = 0; i < n->nkids; i++)
			uses_walk(u, n->kids[i], false);
	}
}

int bind_unread_globals(struct pg_prog *p)
{
	struct uses u = { .p = p };
	u.read = calloc((size_t)p->nvars + 1, 1);
	u.written = calloc((size_t)p->nvars + 1, 1);
	if (!u.read || !u.written) {
		free(u.read);
		free(u.written);
		return -ENOMEM;
	}
	for (int c = 0; c < p->nclauses; c++) {
		uses_walk(&u, p->clauses[c].pred, false);
		for (int i = 0; i < p->clauses[c].nstmts; i++)
			uses_walk(&u, p->clauses[c].stmts[i], false);
	}
	for (int f = 0; f < p->nfuncs; f++)
		uses_walk(&u, p->funcs[f].body, false);
	for (int v = 0; v < p->nvars; v++)
		if (p->vars[v].scope == PG_SC_GLOBAL && !p->vars[v].file &&
		    (u.written[v] || p->vars[v].init) && !u.read[v])
			p->vars[v].dump_at_end = true;
	free(u.read);
	free(u.written);
	return 0;
}
