/*
 * bind.c — probe binding and the capture analysis (see bind.h). Both used to live in the D
 * front-end and the runtime; as passes over prog.h they serve every dialect the same way.
 */
#include <errno.h>
#include <stdio.h>
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

/* ---- what else the kernel reads at the hit: memory, the native stack, vtimestamp ---- */

struct cw {
	const struct pg_prog *p;
	struct ps_capture *cap;
	unsigned char *seen;
	bool any;                /* a copy-string call on an address not computable: every arg */
	struct bind_err *err;
};

/* A read like M in CAP (its index), added when new; -1 when there is no room. */
static int add_read(struct ps_capture *cap, const struct ps_memread *m)
{
	for (int i = 0; i < cap->nmem; i++) {
		const struct ps_memread *o = &cap->mem[i];
		if (o->base == m->base && o->index == m->index && o->off == m->off &&
		    o->str == m->str && (m->str || o->size == m->size))
			return i;
	}
	if (cap->nmem == PS_MEM_MAX)
		return -1;
	cap->mem[cap->nmem] = *m;
	cap->sections |= PS_SEC_MEM;
	return cap->nmem++;
}

/* Whether the kernel can compute address N at the hit, and how, into *OUT (base, index, off):
 * an argument, a constant, an 8-byte read of such an address (CAP given: the read is added to
 * it), each plus or minus a constant, through casts that keep 64 bits. 0, -1 when it cannot,
 * -2 when CAP has no room for the reads. */
static int addr_of(struct ps_capture *cap, const struct pg_node *n, struct ps_memread *out)
{
	if (!n)
		return -1;
	switch (n->kind) {
	case PG_E_ARG:
		if (n->i < 0 || n->i >= PS_MAX_ARGS)
			return -1;
		*out = (struct ps_memread){ .base = PS_MEM_ARG, .index = (int)n->i };
		return 0;
	case PG_E_INT:
		*out = (struct ps_memread){ .base = PS_MEM_ABS, .off = n->i };
		return 0;
	case PG_E_UNARY:
		if (n->op == PG_OP_PLUS || ((n->op == PG_OP_SEXT || n->op == PG_OP_ZEXT) && n->i >= 8))
			return addr_of(cap, n->kids[0], out);
		return -1;
	case PG_E_BINARY: {
		const struct pg_node *a = n->kids[0], *b = n->kids[1];
		if (n->op == PG_OP_ADD && a->kind == PG_E_INT) {
			const struct pg_node *t = a;
			a = b;
			b = t;
		}
		if ((n->op != PG_OP_ADD && n->op != PG_OP_SUB) || b->kind != PG_E_INT)
			return -1;
		int rc = addr_of(cap, a, out);
		if (rc == 0)
			out->off = n->op == PG_OP_ADD ? (int64_t)((uint64_t)out->off + (uint64_t)b->i)
						       : (int64_t)((uint64_t)out->off - (uint64_t)b->i);
		return rc;
	}
	case PG_E_CALL: {
		if (pg_memfn(n->op, NULL) != 8 || n->nkids < 1)
			return -1;
		struct ps_memread in;
		int rc = addr_of(cap, n->kids[0], &in);
		if (rc < 0 || !cap)
			return rc;
		in.size = 8;
		int k = add_read(cap, &in);
		if (k < 0)
			return -2;
		*out = (struct ps_memread){ .base = PS_MEM_READ, .index = k };
		return 0;
	}
	default:
		return -1;
	}
}

bool bind_addr_known(const struct pg_node *addr)
{
	struct ps_memread m;
	return addr_of(NULL, addr, &m) == 0;
}

static void cw_fail(struct cw *w, const struct pg_node *n, const char *name, int err,
		    const char *what)
{
	if (w->err->err)
		return;
	w->err->err = err;
	w->err->line = n->line;
	w->err->col = n->col;
	w->err->file = n->file;
	snprintf(w->err->msg, sizeof(w->err->msg), "%s %s", name, what);
}

static void cw_walk(struct cw *w, const struct pg_node *n)
{
	if (!n)
		return;
	struct ps_capture *cap = w->cap;
	if (n->kind == PG_E_BUILTIN && n->op == PG_B_VTIMESTAMP)
		cap->sections |= PS_SEC_VTS;
	if (n->kind == PG_E_CALL && (n->op == PG_F_JSTACK || n->op == PG_F_PYBACKTRACE ||
				     n->op == PG_F_PRINT_PYBACKTRACE))
		cap->sections |= PS_SEC_PYSTACK;
	if (n->kind == PG_E_BUILTIN && n->op == PG_B_UCALLER) {
		cap->sections |= PS_SEC_USTACK;
		if (cap->ustack_frames < 2)
			cap->ustack_frames = 2;      /* the caller is the second frame */
	}
	if (n->kind == PG_E_CALL) {
		struct ps_memread m;
		int size = pg_memfn(n->op, NULL);
		const struct pg_node *addr = n->nkids > 0 ? n->kids[0] : NULL;
		int rc = 0;
		switch (n->op) {
		case PG_F_COPYSTR:
		case PG_F_COPYSTR_WARN:
			if (n->nkids < 1)
				break;
			if (n->kids[0]->kind == PG_E_ARG && n->kids[0]->i >= 0 && n->kids[0]->i < 32)
				cap->strargs |= 1u << n->kids[0]->i;
			else if ((rc = addr_of(cap, n->kids[0], &m)) == 0) {
				m.str = true;
				rc = add_read(cap, &m) < 0 ? -2 : 0;
			} else if (rc == -1) {
				/* a pointer the clause keeps (this->p = arg0): an argument it may be */
				w->any = true;
				rc = 0;
			}
			break;
		case PG_F_COPYINTO:
			cw_fail(w, n, "copyinto()", -EINVAL, "is not supported: pyscope has no scratch "
				"memory to copy into; copyin(addr, size) gives the bytes as a value");
			break;
		case PG_F_COPYIN:
			size = n->nkids > 1 && n->kids[1]->kind == PG_E_INT ? (int)n->kids[1]->i : -1;
			if (size < 1 || size > PS_MEM_SIZE_MAX) {
				cw_fail(w, n, "copyin()", -EINVAL, "needs a constant size from 1 to 1024 bytes: the "
					"kernel copies the bytes at the hit");
				break;
			}
			/* fall through */
		case PG_F_INET_NTOA:
		case PG_F_INET_NTOA6:
		case PG_F_INET_NTOP:
			/* an IPv4 address is 4 bytes; inet_ntop reads 16 unless its family is AF_INET */
			if (n->op == PG_F_INET_NTOA || n->op == PG_F_INET_NTOA6)
				size = n->op == PG_F_INET_NTOA ? 4 : 16;
			else if (n->op == PG_F_INET_NTOP && n->nkids > 1) {
				size = n->kids[0]->kind == PG_E_INT && n->kids[0]->i == 2 ? 4 : 16;
				addr = n->kids[1];
			}
			/* fall through */
		default:
			if (size <= 0 || !addr)
				break;
			rc = addr_of(cap, addr, &m);
			if (rc == 0) {
				m.size = size;
				rc = add_read(cap, &m) < 0 ? -2 : 0;
			}
			break;
		case PG_F_USTACK: {
			/* ustack(N) keeps N frames; ustack() the option's ustackframes */
			int want = n->nkids > 0 && n->kids[0]->kind == PG_E_INT ? (int)n->kids[0]->i
				   : n->nkids > 0 ? PS_USTACK_MAX
				   : w->p->ustackframes > 0 ? w->p->ustackframes : PS_USTACK_MAX;
			if (want > cap->ustack_frames)
				cap->ustack_frames = want < PS_USTACK_MAX ? want : PS_USTACK_MAX;
		}
			/* fall through */
		case PG_F_UBACKTRACE:
		case PG_F_SPRINT_UBACKTRACE:
		case PG_F_PRINT_UBACKTRACE:
			if (n->op != PG_F_USTACK)
				cap->ustack_frames = PS_USTACK_MAX;
			cap->sections |= PS_SEC_USTACK;
			break;
		}
		char name[64];
		snprintf(name, sizeof(name), "%s()", pg_funcs[n->op].name);
		if (rc == -1)
			cw_fail(w, n, name, -EINVAL, "reads user memory at an address the kernel cannot "
				"compute at the hit (it is computed in user space after the hit); use a "
				"probe argument, an argument plus a constant, or a read of one");
		else if (rc == -2)
			cw_fail(w, n, name, -E2BIG, "is one read of user memory too many: the capture "
				"reads at most 8 places per probe");
	}
	if ((n->kind == PG_S_PRINTF || n->kind == PG_E_SPRINTF) && n->fmt)
		for (int i = 0; i < n->nkids; i++) {
			int prec, ch = fmt_argmem(n->fmt, i, &prec);
			if (ch != 'm' && ch != 'M')
				continue;
			/* %.Nm: N bytes (default 1); %.*m: up to 256, read whole or not at all */
			struct ps_memread m;
			char name[32];
			int rc = addr_of(cap, n->kids[i], &m);
			snprintf(name, sizeof(name), "printf's %%%c", ch);
			if (rc == 0) {
				m.size = prec > 0 ? prec : prec == 0 ? 1 : 256;
				rc = add_read(cap, &m) < 0 ? -2 : 0;
			}
			if (rc == -1)
				cw_fail(w, n->kids[i], name, -EINVAL, "reads user memory at an address the "
					"kernel cannot compute at the hit (it is computed in user space after "
					"the hit); use a probe argument, an argument plus a constant, or a read "
					"of one");
			else if (rc == -2)
				cw_fail(w, n->kids[i], name, -E2BIG, "is one read of user memory too "
					"many: the capture reads at most 8 places per probe");
		}
	if (n->kind == PG_E_UCALL && n->op >= 0 && n->op < w->p->nfuncs && !w->seen[n->op]) {
		w->seen[n->op] = 1;
		cw_walk(w, w->p->funcs[n->op].body);
	}
	if (n->kind == PG_S_FOREACH && n->fe) {
		cw_walk(w, n->fe->limit);
		cw_walk(w, n->fe->body);
	}
	for (int i = 0; i < n->nkids; i++)
		cw_walk(w, n->kids[i]);
}

int bind_capture(const struct pg_prog *p, int ci, int nargs, struct ps_capture *io,
		 struct bind_err *err)
{
	const struct pg_clause *c = &p->clauses[ci];
	struct cw w = { .p = p, .cap = io, .err = err };
	memset(err, 0, sizeof(*err));
	w.seen = calloc((size_t)p->nfuncs + 1, 1);
	if (!w.seen)
		return -ENOMEM;
	cw_walk(&w, c->pred);
	for (int i = 0; i < c->nstmts; i++)
		cw_walk(&w, c->stmts[i]);
	free(w.seen);
	if (w.any)
		io->strargs |= (1u << (nargs > 0 ? nargs : PS_MAX_ARGS)) - 1;
	/* a native stack asked for: also what the CFI unwinds it from, for code built without frame
	 * pointers (Debian's python3.11), where the kernel's stack stops after a frame or two */
	if (io->sections & PS_SEC_USTACK)
		io->stack_bytes = PS_STACK_BYTES;
	return err->err;
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
