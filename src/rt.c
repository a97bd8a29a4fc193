/*
 * rt.c — the script runtime (see rt.h): a tree-walking interpreter over prog.h programs.
 *
 * Memory: values never own their strings (value.h). Strings made while running a clause (copied
 * arguments, strjoin, lltostr...) live in an arena that is reset for every event, so the hot path
 * does not call malloc; only a variable that keeps a string owns a copy (in the store). Every
 * variable except clause-locals lives in one hash table keyed by (variable, thread, key tuple),
 * which gives globals, per-thread variables and associative arrays one code path; as in DTrace,
 * storing zero (or "") deletes the element, and reading a missing one gives zero.
 *
 * Faults longjmp out of the clause being run; the clause's output is buffered (a memstream) so
 * that, as in DTrace, a clause that faults prints nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "arena.h"
#include "bind.h"
#include "elfsym.h"
#include "ksym.h"
#include "procmaps.h"
#include "psinfo.h"
#include "rt.h"

/* ---- the store: every global, thread-local and associative-array element ---- */

struct ent {
	struct ent *next;
	uint64_t hash;
	int64_t cost;            /* bytes charged to dynvarsize (0: a global scalar, not charged) */
	uint64_t seq;            /* order of creation: an unsorted foreach's order */
	struct ps_value v;       /* a statistic: type PS_V_NONE, its struct agg_stat in str */
	char *str;               /* owned copy of v.s, or a statistic's accumulator */
	size_t klen, kcap;
	unsigned char key[];
};

struct store {
	struct ent **b;
	size_t nb, n;
	struct ent *spare;       /* deleted small entries, reused: a thread-local going 0 -> 1 -> 0
				  * on every call must not cost a malloc each time */
	/* D's dynvarsize: the bytes thread-locals and associative-array elements may take (an
	 * entry, its key, its string, its bucket); a store past it is dropped and counted. Global
	 * scalars are not charged: there is one of each. */
	int64_t limit, used;
	uint64_t drops;
};

#define SMALL_KEY 64

static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static struct ent **store_find(struct store *s, const unsigned char *key, size_t klen, uint64_t h)
{
	if (!s->nb)
		return NULL;
	struct ent **pp = &s->b[h & (s->nb - 1)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->klen == klen && memcmp((*pp)->key, key, klen) == 0)
			return pp;
	return pp;
}

static void store_grow(struct store *s)
{
	size_t nb = s->nb ? s->nb * 2 : 256;
	struct ent **b = calloc(nb, sizeof(*b));
	if (!b) {
		perror("pyscope: out of memory");
		exit(70);
	}
	for (size_t i = 0; i < s->nb; i++)
		for (struct ent *e = s->b[i], *n; e; e = n) {
			n = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	free(s->b);
	s->b = b;
	s->nb = nb;
}

static void store_free(struct store *s)
{
	while (s->spare) {
		struct ent *n = s->spare->next;
		free(s->spare);
		s->spare = n;
	}
	for (size_t i = 0; i < s->nb; i++)
		for (struct ent *e = s->b[i], *n; e; e = n) {
			n = e->next;
			free(e->str);
			free(e);
		}
	free(s->b);
}

/* ---- the runtime ---- */

struct enabling {
	int clause;
	int pdesc;               /* the clause's first description that matched (pn(), pp()) */
	int epid;                /* DTrace's enabled probe ID, for fault messages */
	/* The processes the clause's descriptions name (python1234:::) when the probe itself is
	 * system-wide: other processes' hits are skipped. npids 0: any process. */
	int npids;
	int pids[BIND_MAX_PIDS];
};

static bool pid_wanted(const struct enabling *e, uint32_t pid)
{
	if (!e->npids)
		return true;
	for (int i = 0; i < e->npids; i++)
		if ((uint32_t)e->pids[i] == pid)
			return true;
	return false;
}

struct probe_state {
	const struct ps_probe *probe;
	uint32_t strargs;
	struct ps_capture cap;           /* what the kernel reads at its hits (bind_capture) */
	int nen;
	struct enabling *en;
};

/* One tick-N probe: every clause naming it runs at each firing, in program order, sharing the
 * firing's clause-local variables (as DTrace's clauses on one probe do). */
#define TICK_NEVER UINT64_MAX
/* Firings of one tick probe in one rt_tick call, at most: see rt_tick. */
#define RT_MAX_TICK_BURST 1000

struct tick {
	int nen;
	struct enabling *en;
	uint64_t period, next;           /* next: TICK_NEVER once past the 64-bit clock */
	int burst;                       /* firings in the current rt_tick call */
	struct ps_probe probe;
	char name[32];
};

struct rt {
	const struct pg_prog *p;
	struct rt_opts o;
	int strsize;

	int nps;
	struct probe_state *ps;          /* marker probes with clauses */
	int maxid;
	int *byid;                       /* probe id -> index in ps, -1 */
	int nbegin, nend, nerror;
	struct enabling *begin, *end, *error;
	struct ps_probe begin_probe, end_probe;
	int nticks;
	struct tick *ticks;
	int *nmatched;                   /* per clause */
	int *kc;                         /* per clause: its kernel clause, -1: runs here */

	struct agg **aggs;
	struct agg_budget aggb;          /* aggsize, shared by every aggregation */
	uint64_t reported_aggdrops, reported_dyndrops;
	bool *records;                   /* per clause: see clause_records() */

	struct store st;
	struct ps_value *locals;         /* clause-local variables, by variable index */
	struct arena ar;
	unsigned char *kbuf;             /* key of the store access being made */
	size_t kcap;

	FILE *buf;                       /* the clause's output until it completes */
	char *bufmem;
	size_t buflen;

	/* the event being processed */
	const struct ps_event *ev;
	const struct ps_probe *probe;
	int clause, epid, action;
	const struct pg_pdesc *pdesc;
	jmp_buf fault;
	const struct pg_node *at;        /* the operator or call being evaluated, for faults */

	/* SystemTap's additions */
	const struct rt_dialect *d;
	struct ps_value *stack;          /* call frames of PG_SC_LOCAL variables */
	int stacksize, fp, fsize, depth, maxnesting;
	struct ps_value retval;
	int64_t actions;                 /* statements run by the current handler */
	int64_t maxaction;               /* their bound for this probe (0: none) */
	int64_t *nelems;                 /* per variable: elements of an array */
	int *locked;                     /* per variable: foreach loops iterating it */
	struct agg_histdef *hists;       /* per variable: a statistic's histogram */
	uint64_t seq;
	struct esym_cache *esym;         /* native symbols, made at the first use */
	struct fitem *items;             /* foreach snapshots, nested loops stacked */
	size_t nitems, capitems;
	FILE *sbuf;                      /* sprintf's text until it is copied to the arena */
	char *sbufmem;
	size_t sbuflen;
	const char *tokd;                /* D's strtok: where the firing's last call stopped */
	struct syscmd { long at; char *cmd; } *sys;   /* system() commands of the clause being
				  * run, each with the bytes of output before it */
	int nsys, capsys;
	bool quiet;                      /* D's quiet (setopt may change it) */
	int quiet_next;                  /* setopt's new quiet, from the next record on (-1: none) */
	char *tok;                       /* tokenize's string (strsize bytes) and position */
	size_t tokpos;
	bool inited;
	bool fatal;                      /* a fault ended the run (rt_dialect.fault_ends_run) */
	int uid_pid, uid_val;

	int64_t wall_offset;             /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	bool exited;
	int status;
	uint64_t faults;
	int ppid_pid, ppid_val;          /* one-entry cache: reading /proc per event is costly */
	struct psinfo_cache *psc;        /* curpsinfo's, made at its first use */
};

static void oom(void)
{
	perror("pyscope: out of memory");
	exit(70);
}

static void *xcalloc(size_t n, size_t s)
{
	void *p = calloc(n ? n : 1, s);
	if (!p)
		oom();
	return p;
}

/* ---- faults ---- */

static void fault(struct rt *r, enum rt_fault_kind kind, const struct pg_node *node,
		  const char *what)
{
	const struct pg_clause *c = &r->p->clauses[r->clause];
	const struct pg_node *at = r->action ? c->stmts[r->action - 1] : c->pred;
	struct rt_fault f = {
		.kind = kind, .node = node,
		.what = what, .probe = r->probe, .clause = r->clause, .epid = r->epid,
		.action = r->action, .line = at ? at->line : 0, .col = at ? at->col : 0,
	};
	fflush(r->o.out);
	if (r->o.on_fault) {
		r->o.on_fault(&f, r->o.fault_ctx);
	} else {
		char name[128];
		fprintf(stderr, "pyscope: %s at %s:%s (line %d)\n", what, r->probe->provider,
			ps_name_dashed(r->probe->name, name, sizeof(name)), f.line);
	}
	r->faults++;
	longjmp(r->fault, 1);
}

/* ---- strings ---- */

static const char *str_n(struct rt *r, const char *s, size_t n)
{
	if (n > (size_t)r->strsize - 1)
		n = (size_t)r->strsize - 1;
	char *d = arena_alloc(&r->ar, n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

/* D's NULL string (rt_dialect.null_strings): this one "" told apart by its address. Copies
 * of it (str_n, the store) keep the address. */
static const char null_string[1] = "";

static bool is_null_str(struct ps_value v)
{
	return v.type == PS_V_STR && v.s == null_string;
}

static const char *str_of(struct rt *r, const char *s)
{
	if (s == null_string)
		return s;
	return str_n(r, s, strnlen(s, (size_t)r->strsize));
}

/* ---- store keys ---- */

static void kput(struct rt *r, size_t *n, const void *p, size_t len)
{
	if (*n + len > r->kcap) {
		while (*n + len > r->kcap)
			r->kcap *= 2;
		r->kbuf = realloc(r->kbuf, r->kcap);
		if (!r->kbuf)
			oom();
	}
	memcpy(r->kbuf + *n, p, len);
	*n += len;
}

static struct ps_value eval(struct rt *r, const struct pg_node *n);

/* The store key of variable node N (its keys evaluated) into r->kbuf; returns its length. */
static size_t make_key(struct rt *r, const struct pg_node *n, const struct ps_value *keys)
{
	size_t len = 0;
	int32_t var = n->op;
	uint32_t tid = r->p->vars[var].scope == PG_SC_THREAD ? r->ev->tid : 0;
	kput(r, &len, &var, sizeof(var));
	kput(r, &len, &tid, sizeof(tid));
	for (int i = 0; i < n->nkids; i++) {
		char tag = (char)keys[i].type;
		kput(r, &len, &tag, 1);
		if (keys[i].type == PS_V_STR)
			kput(r, &len, keys[i].s, strlen(keys[i].s) + 1);
		else
			kput(r, &len, &keys[i].i, sizeof(keys[i].i));
	}
	return len;
}

static struct ps_value zero_of(enum ps_vtype t)
{
	return t == PS_V_STR ? ps_str("") : ps_int(0);
}

static void addr_fault(struct rt *r, int64_t addr);

static void eval_keys(struct rt *r, const struct pg_node *n, struct ps_value *keys)
{
	for (int i = 0; i < n->nkids; i++)
		keys[i] = eval(r, n->kids[i]);
}

static struct ps_value *local_slot(struct rt *r, const struct pg_var *v)
{
	return &r->stack[r->fp + v->slot];
}

/* The store slot of variable node N with KEYS: *pp is its entry, or NULL when it has none. */
static struct ent **lookup(struct rt *r, const struct pg_node *n, const struct ps_value *keys,
			   uint64_t *hash, size_t *klen)
{
	*klen = make_key(r, n, keys);
	*hash = fnv(r->kbuf, *klen);
	if (r->st.n >= r->st.nb)
		store_grow(&r->st);
	return store_find(&r->st, r->kbuf, *klen, *hash);
}

static void unlink_ent(struct rt *r, struct ent **pp)
{
	struct ent *e = *pp;
	int32_t var;
	memcpy(&var, e->key, sizeof(var));
	*pp = e->next;
	r->st.used -= e->cost;
	if (var >= 0 && var < r->p->nvars)
		r->nelems[var]--;
	free(e->str);
	if (e->kcap == SMALL_KEY) {
		e->next = r->st.spare;
		r->st.spare = e;
	} else {
		free(e);
	}
	r->st.n--;
}

static void modify_locked(struct rt *r, const struct pg_node *n)
{
	if (r->locked[n->op])
		fault(r, RT_FAULT_ILLOP, n, "array modified during foreach");
}

/* A new entry for N's key (in r->kbuf) at *PP, charged COST bytes; NULL when dynvarsize has no
 * room (a drop). An array past its maxentries faults. */
static struct ent *insert(struct rt *r, struct ent **pp, const struct pg_node *n, uint64_t h,
			  size_t klen, int64_t cost)
{
	const struct pg_var *v = &r->p->vars[n->op];
	if (v->nkeys > 0) {
		int64_t lim = v->maxentries ? v->maxentries : r->o.maxmapentries;
		if (lim > 0 && r->nelems[n->op] >= lim)
			fault(r, RT_FAULT_OVERFLOW, n, "array overflow");
		modify_locked(r, n);
	}
	if (r->st.limit && cost && r->st.used + cost > r->st.limit) {
		r->st.drops++;       /* as DTrace: the store does not happen */
		return NULL;
	}
	struct ent *e;
	if (klen <= SMALL_KEY && r->st.spare) {
		e = r->st.spare;
		r->st.spare = e->next;
	} else {
		size_t cap = klen <= SMALL_KEY ? SMALL_KEY : klen;
		e = malloc(sizeof(*e) + cap);
		if (!e)
			oom();
		e->kcap = cap;
	}
	e->next = NULL;
	e->cost = 0;
	e->hash = h;
	e->str = NULL;
	e->klen = klen;
	e->seq = r->seq++;
	e->v = ps_int(0);
	memcpy(e->key, r->kbuf, klen);
	*pp = e;
	r->st.n++;
	r->nelems[n->op]++;
	return e;
}

static struct ps_value var_get(struct rt *r, const struct pg_node *n, const struct ps_value *keys)
{
	const struct pg_var *v = &r->p->vars[n->op];
	if (v->scope == PG_SC_CLAUSE)
		return r->locals[n->op];
	if (v->scope == PG_SC_LOCAL) {
		struct ps_value val = *local_slot(r, v);
		return val.type == PS_V_NONE ? zero_of(v->type) : val;
	}
	size_t klen = make_key(r, n, keys);
	uint64_t h = fnv(r->kbuf, klen);
	struct ent **pp = store_find(&r->st, r->kbuf, klen, h);
	if (!pp || !*pp || (*pp)->v.type == PS_V_NONE)   /* D: a missing self-> or array */
		return v->type == PS_V_STR && r->d->null_strings &&   /* string is NULL */
		       (v->scope != PG_SC_GLOBAL || v->nkeys > 0) ? ps_str(null_string) : zero_of(v->type);
	struct ps_value val = (*pp)->v;
	if (val.type == PS_V_STR)
		val.s = str_of(r, val.s);   /* the variable may change while the value is in use */
	return val;
}

/* Keep the low BYTES bytes of I, extended as a signed or unsigned type of that width is. */
static int64_t narrow(int64_t i, int bytes, bool is_unsigned)
{
	int bits = bytes * 8;
	uint64_t low = (uint64_t)i & ((1ull << bits) - 1);
	if (!is_unsigned && (low >> (bits - 1)))
		low |= ~0ull << bits;
	return (int64_t)low;
}

/* Store VAL; returns the value stored (cut to a narrower variable's width). */
static struct ps_value var_set(struct rt *r, const struct pg_node *n, const struct ps_value *keys,
			       struct ps_value val)
{
	const struct pg_var *v = &r->p->vars[n->op];
	if (val.type == PS_V_INT && v->isize > 0 && v->isize < 8 && !v->store_whole)
		val.i = narrow(val.i, v->isize, v->is_unsigned);
	if (v->type == PS_V_STR && val.type == PS_V_INT && r->d->null_strings)
		val = ps_str(null_string);  /* 0 or NULL into a string: D's NULL string */
	/* a variable holds strsize bytes, NUL included (stap's MAXSTRINGLEN buffers, D's strsize),
	 * whatever the string came from (a literal, too) */
	if (val.type == PS_V_STR && strnlen(val.s, (size_t)r->strsize) >= (size_t)r->strsize)
		val.s = str_of(r, val.s);
	if (v->scope == PG_SC_CLAUSE) {
		r->locals[n->op] = val;     /* strings stay in the arena for the event's lifetime */
		return val;
	}
	if (v->scope == PG_SC_LOCAL) {
		*local_slot(r, v) = val;    /* likewise */
		return val;
	}
	uint64_t h;
	size_t klen;
	struct ent **pp = lookup(r, n, keys, &h, &klen);
	bool zero = !v->keep_zero && !r->d->keep_zero &&
		    (val.type == PS_V_STR ? !val.s[0] : val.i == 0);
	if (val.type == PS_V_STR && r->d->null_strings)   /* a missing element reads NULL: */
		zero = v->scope != PG_SC_GLOBAL || v->nkeys > 0 ? is_null_str(val)   /* "" stays */
								 : !val.s[0] && !is_null_str(val);
	if (zero) {
		if (*pp) {
			if (v->nkeys > 0)
				modify_locked(r, n);
			unlink_ent(r, pp);
		}
		return val;
	}
	struct ent *e = *pp;
	bool charged = v->scope != PG_SC_GLOBAL || v->nkeys > 0;
	size_t slen = val.type == PS_V_STR ? strlen(val.s) + 1 : 0;
	int64_t cost = charged ? (int64_t)(sizeof(*e) + sizeof(e) +
					   (klen <= SMALL_KEY ? SMALL_KEY : klen) + slen) : 0;
	if (e && r->st.limit && cost > e->cost && r->st.used - e->cost + cost > r->st.limit) {
		r->st.drops++;       /* as DTrace: the store does not happen */
		return val;
	}
	if (!e && !(e = insert(r, pp, n, h, klen, cost)))
		return val;
	r->st.used += cost - e->cost;
	e->cost = cost;
	e->v = val;
	if (val.type == PS_V_STR) {
		char *s = is_null_str(val) ? NULL : strdup(val.s);
		if (!s && !is_null_str(val))
			oom();
		free(e->str);
		e->str = s;
		e->v.s = s ? s : null_string;
	}
	return val;
}

/* The statistic of N (a stat variable or element) with KEYS; NULL when it has none and CREATE is
 * false, or when dynvarsize had no room for it. */
static struct agg_stat *stat_get(struct rt *r, const struct pg_node *n, const struct ps_value *keys,
				 bool create)
{
	uint64_t h;
	size_t klen;
	struct ent **pp = lookup(r, n, keys, &h, &klen);
	if (*pp)
		return (struct agg_stat *)(*pp)->str;
	if (!create)
		return NULL;
	const struct pg_var *v = &r->p->vars[n->op];
	size_t size = agg_stat_size(&r->hists[n->op]);
	int64_t cost = v->nkeys > 0 ? (int64_t)(sizeof(struct ent) + sizeof(void *) +
					       (klen <= SMALL_KEY ? SMALL_KEY : klen) + size) : 0;
	struct ent *e = insert(r, pp, n, h, klen, cost);
	if (!e)
		return NULL;
	e->cost = cost;
	r->st.used += cost;
	e->v.type = PS_V_NONE;
	e->str = malloc(size);
	if (!e->str)
		oom();
	agg_stat_init((struct agg_stat *)e->str, &r->hists[n->op]);
	return (struct agg_stat *)e->str;
}

/* delete: an element, a whole array, or a scalar (back to zero / empty). */
static void var_delete(struct rt *r, const struct pg_node *n, const struct ps_value *keys)
{
	const struct pg_var *v = &r->p->vars[n->op];
	if (v->scope == PG_SC_CLAUSE) {
		r->locals[n->op] = zero_of(v->type);
		return;
	}
	if (v->scope == PG_SC_LOCAL) {
		local_slot(r, v)->type = PS_V_NONE;
		return;
	}
	if (v->nkeys > 0 && n->nkids == 0) {
		modify_locked(r, n);
		for (size_t i = 0; i < r->st.nb && r->nelems[n->op] > 0; i++)
			for (struct ent **pp = &r->st.b[i]; *pp;) {
				int32_t var;
				memcpy(&var, (*pp)->key, sizeof(var));
				if (var == n->op)
					unlink_ent(r, pp);
				else
					pp = &(*pp)->next;
			}
		return;
	}
	uint64_t h;
	size_t klen;
	struct ent **pp = lookup(r, n, keys, &h, &klen);
	if (*pp) {
		if (v->nkeys > 0)
			modify_locked(r, n);
		unlink_ent(r, pp);
	}
}

/* ---- built-ins ---- */

static int ppid_of(struct rt *r, int pid)
{
	if (pid == r->ppid_pid)
		return r->ppid_val;
	struct pmap_stat st;
	int ppid = pmap_stat(pid, &st) == 0 ? st.ppid : 0;
	r->ppid_pid = pid;
	r->ppid_val = ppid;
	return ppid;
}

/* The real uid of PID, from /proc/PID/status (one-entry cache, as ppid_of). */
static int uid_of(struct rt *r, int pid)
{
	if (pid == r->uid_pid)
		return r->uid_val;
	char path[64], line[256];
	int uid = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "Uid:", 4) == 0) {
				uid = atoi(line + 4);
				break;
			}
		fclose(f);
	}
	r->uid_pid = pid;
	r->uid_val = uid;
	return uid;
}

/* curpsinfo's fields and gid & co. of the event's process, from psinfo's per-process cache
 * of /proc (a replay has none of them but the pid and the command's name). */
static struct ps_value psinfo_value(struct rt *r, int b)
{
	const struct ps_event *ev = r->ev;
	if (!r->psc && !r->o.replay && !(r->psc = psinfo_cache_new()))
		oom();
	static const struct psinfo none;
	const struct psinfo *i = r->o.replay || !ev->pid ? &none : psinfo_get(r->psc, (int)ev->pid);
	switch (b) {
	case PG_B_GID: return ps_int(i->gid);
	case PG_B_EUID: return ps_int(i->euid);
	case PG_B_EGID: return ps_int(i->egid);
	case PG_B_PGID: return ps_int(i->pgid);
	case PG_B_SID: return ps_int(i->sid);
	case PG_B_PR_PID: return ps_int(ev->pid);
	case PG_B_PR_FNAME:
		if (i == &none)
			return ps_str(str_n(r, ev->comm, strnlen(ev->comm, PS_COMM_LEN)));
		return ps_str(str_of(r, i->fname));
	default: return ps_str(str_of(r, i->psargs));
	}
}

/* pp(): the probe point as SystemTap resolves it. */
static struct ps_value probe_point(struct rt *r)
{
	const struct ps_probe *p = r->probe;
	if (p->marker == PS_M_OTHER && (!p->path || !p->path[0]))
		return ps_str(r->pdesc ? r->pdesc->text : p->name);
	char buf[3 * PATH_MAX + 128];
	if (r->pdesc && r->pdesc->pp_lib)
		snprintf(buf, sizeof(buf), "%s.mark(\"%s\")", r->pdesc->pp_lib, p->name);
	else
		snprintf(buf, sizeof(buf), "process(\"%s\").mark(\"%s\")", p->path, p->name);
	return ps_str(str_n(r, buf, strlen(buf)));
}

static struct ps_value builtin(struct rt *r, int b)
{
	const struct ps_event *ev = r->ev;
	const struct ps_probe *p = r->probe;
	char buf[128];
	switch (b) {
	case PG_B_TIMESTAMP: return ps_int((int64_t)ev->ts);
	case PG_B_VTIMESTAMP:
		/* not captured (BEGIN, a recording without it): the event time, as before */
		return ps_int((int64_t)(ev->sections & PS_SEC_VTS ? ev->vts : ev->ts));
	case PG_B_WALLTIMESTAMP: return ps_int((int64_t)ev->ts + r->wall_offset);
	case PG_B_PID: return ps_int(ev->pid);
	case PG_B_PPID: return ps_int(ev->pid && !r->o.replay ? ppid_of(r, (int)ev->pid) : 0);
	case PG_B_TID: return ps_int(ev->tid);
	case PG_B_CPU: return ps_int(ev->cpu);
	case PG_B_EXECNAME: return ps_str(str_n(r, ev->comm, strnlen(ev->comm, PS_COMM_LEN)));
	case PG_B_PROBEPROV:
		if (p->pid)
			snprintf(buf, sizeof(buf), "%s%d", p->provider, p->pid);
		else
			snprintf(buf, sizeof(buf), "%s", p->provider);
		return ps_str(str_of(r, buf));
	case PG_B_PROBEMOD: return ps_str(p->module);
	case PG_B_PROBEFUNC: return ps_str(p->function);
	case PG_B_PROBENAME: return ps_str(str_of(r, ps_name_dashed(p->name, buf, sizeof(buf))));
	case PG_B_PROBENAME_RAW: return ps_str(p->name);
	case PG_B_PROBEID: return ps_int(p->id);
	case PG_B_TARGET: return ps_int(r->o.target);
	case PG_B_ERRNO: return ps_int(ev->err);
	case PG_B_UID: return ps_int(ev->pid && !r->o.replay ? uid_of(r, (int)ev->pid) : 0);
	case PG_B_GTOD_S: return ps_int(((int64_t)ev->ts + r->wall_offset) / 1000000000);
	case PG_B_GTOD_MS: return ps_int(((int64_t)ev->ts + r->wall_offset) / 1000000);
	case PG_B_GTOD_US: return ps_int(((int64_t)ev->ts + r->wall_offset) / 1000);
	case PG_B_GTOD_NS: return ps_int((int64_t)ev->ts + r->wall_offset);
	case PG_B_LOCAL_CLOCK_NS:
	case PG_B_CYCLES: return ps_int((int64_t)ev->ts);
	case PG_B_PP: return probe_point(r);
	case PG_B_PN:
		if (r->pdesc && r->pdesc->pn)
			return ps_str(r->pdesc->pn);
		return ps_str(r->pdesc ? r->pdesc->text : p->name);
	case PG_B_UCALLER: return ps_int(ev->nustack > 1 ? (int64_t)ev->ustack[1] : 0);
	case PG_B_EPID: return ps_int(r->epid);
	case PG_B_GID: case PG_B_EUID: case PG_B_EGID: case PG_B_PGID: case PG_B_SID:
	case PG_B_PR_PID: case PG_B_PR_FNAME: case PG_B_PR_PSARGS: return psinfo_value(r, b);
	}
	return ps_int(0);
}

/* ---- functions ---- */

/* The read of user memory the kernel made at ADDR for this event (SIZE bytes at least, or a
 * string), or NULL: not read, or the read faulted (a fault, in the dialect's words, for D). */
static const struct ps_mem *mem_at(struct rt *r, int64_t addr, int size, bool str)
{
	const struct ps_event *ev = r->ev;
	for (int i = 0; i < ev->nmem; i++) {
		const struct ps_mem *m = &ev->mem[i];
		if (m->addr == (uint64_t)addr && m->str == str && m->ok && (str || (int)m->len >= size))
			return m;
	}
	return NULL;
}

static void addr_fault(struct rt *r, int64_t addr)
{
	char what[64];
	snprintf(what, sizeof(what), "invalid address (0x%llx)", (unsigned long long)addr);
	fault(r, RT_FAULT_ADDR, r->at, what);
}

/* user_long & co.: the integer read at the hit; 0 when the read faulted, as SystemTap's
 * documented user_* functions return. */
static struct ps_value f_user(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	bool sgn = false;
	int size = pg_memfn(r->at && r->at->kind == PG_E_CALL ? r->at->op : PG_F_USER_S64, &sgn);
	const struct ps_mem *m = mem_at(r, a[0].i, size, false);
	if (!m)
		return ps_int(0);
	uint64_t v = 0;
	memcpy(&v, m->bytes, (size_t)size);    /* little-endian: the low bytes first */
	if (size < 8) {
		int sh = 64 - 8 * size;
		v = sgn ? (uint64_t)((int64_t)(v << sh) >> sh) : v;
	}
	return ps_int((int64_t)v);
}

/* D's copyin(addr, size): the bytes read at the hit, as a string up to the first NUL. */
static struct ps_value f_copyin(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	const struct ps_mem *m = mem_at(r, a[0].i, (int)a[1].i, false);
	if (!m)
		addr_fault(r, a[0].i);
	size_t len = (size_t)a[1].i < m->len ? (size_t)a[1].i : m->len;
	return ps_str(str_n(r, (const char *)m->bytes, strnlen((const char *)m->bytes, len)));
}

/* D's inet_ntoa(addr), inet_ntoa6(addr), inet_ntop(af, addr): the address the kernel read at the
 * hit, in the usual text. inet_ntop takes AF_INET (2) and AF_INET6 as Linux (10) or illumos
 * (26, what D scripts' net.d constants say) numbers it; another family is an illegal operation. */
static struct ps_value f_inet(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	int op = r->at->op;
	int64_t af = op == PG_F_INET_NTOP ? a[0].i : op == PG_F_INET_NTOA ? 2 : 10;
	int64_t addr = op == PG_F_INET_NTOP ? a[1].i : a[0].i;
	if (af != 2 && af != 10 && af != 26)
		fault(r, RT_FAULT_ILLOP, r->at, "illegal operation");
	const struct ps_mem *m = mem_at(r, addr, af == 2 ? 4 : 16, false);
	if (!m)
		addr_fault(r, addr);
	char buf[INET6_ADDRSTRLEN];
	if (!inet_ntop(af == 2 ? AF_INET : AF_INET6, m->bytes, buf, sizeof(buf)))
		buf[0] = '\0';
	return ps_str(str_n(r, buf, strlen(buf)));
}

/* ---- native symbols (elfsym.h) ---- */

enum symstyle { SYM_D_SYM, SYM_D_ADDR, SYM_D_MOD, SYM_STAP_NAME, SYM_STAP_DATA, SYM_STAP_BT };

/* PC of the event's process as STYLE writes it: D's "mod`sym", "mod`sym+0x1f", "mod";
 * stap's "sym", "sym+0x1f/0x40 [mod]", " 0x...: sym+0x1f/0x40 [path]". Addresses nothing maps
 * (a replay, a process gone) are written in hex. */
static void sym_text(struct rt *r, uint64_t pc, enum symstyle style, char *buf, size_t len)
{
	struct esym_hit h = { 0 };
	if (!r->o.replay && r->ev->pid) {
		if (!r->esym && !(r->esym = esym_new()))
			oom();
		esym_lookup(r->esym, (pid_t)r->ev->pid, pc, &h);
	}
	unsigned long long a = pc, off = h.off, size = h.size;
	switch (style) {
	case SYM_D_SYM:
	case SYM_D_ADDR:
		if (h.sym && (style == SYM_D_SYM || off == 0))
			snprintf(buf, len, "%s`%s", h.module, h.sym);
		else if (h.sym)
			snprintf(buf, len, "%s`%s+0x%llx", h.module, h.sym, off);
		else if (h.module)
			snprintf(buf, len, "%s`0x%llx", h.module, a);
		else
			snprintf(buf, len, "0x%llx", a);
		break;
	case SYM_D_MOD:
		if (h.module)
			snprintf(buf, len, "%s", h.module);
		else
			snprintf(buf, len, "0x%llx", a);
		break;
	case SYM_STAP_NAME:
		if (h.sym)
			snprintf(buf, len, "%s", h.sym);
		else
			snprintf(buf, len, "0x%llx", a);
		break;
	case SYM_STAP_DATA:
	case SYM_STAP_BT: {
		int k = style == SYM_STAP_BT ? snprintf(buf, len, " 0x%016llx : ", a) : 0;
		if (k < 0 || (size_t)k >= len)
			return;
		if (h.sym)
			snprintf(buf + k, len - (size_t)k, "%s+0x%llx/0x%llx [%s]", h.sym, off, size,
				 style == SYM_STAP_BT ? h.path : h.module);
		else if (h.module && style == SYM_STAP_BT)
			snprintf(buf, len, " 0x%016llx [%s+0x%llx]", a, h.path, (unsigned long long)h.rel);
		else if (h.module)
			snprintf(buf + k, len - (size_t)k, "0x%llx [%s]", a, h.module);
		else if (style == SYM_STAP_BT)
			snprintf(buf, len, " 0x%016llx", a);    /* stap: the address alone */
		else
			snprintf(buf + k, len - (size_t)k, "0x%llx", a);
		break;
	}
	}
}

/* printf's address conversions get the text they print (fmt_argmem): D's %a the kernel symbol
 * of an address (ksym.h), %A the symbol of a user address, SystemTap's %m / %M the bytes the kernel read there at the hit, raw or in hex
 * (as many as the precision says; a read that faulted is the dialect's address fault). */
static void addr_args(struct rt *r, const struct fmt *f, struct ps_value *args, int n)
{
	for (int i = 0; i < n; i++) {
		int prec, ch = fmt_argmem(f, i, &prec);
		if (!ch || args[i].type != PS_V_INT)
			continue;
		if (ch == 'a') {        /* a kernel symbol (hex in a replay, or when none holds it) */
			char buf[512];
			if (!r->o.replay && ksym_text((uint64_t)args[i].i, buf, sizeof(buf)))
				args[i] = ps_str(str_of(r, buf));
			continue;
		}
		if (ch == 'A') {
			char buf[1024];
			sym_text(r, (uint64_t)args[i].i, SYM_D_ADDR, buf, sizeof(buf));
			args[i] = ps_str(str_of(r, buf));
			continue;
		}
		int64_t want = prec >= 0 ? (prec ? prec : 1) : i > 0 ? args[i - 1].i : 1;
		if (want < 1 || want > PS_MEM_SIZE_MAX)
			continue;
		const struct ps_mem *m = mem_at(r, args[i].i, (int)want, false);
		if (!m)
			addr_fault(r, args[i].i);
		char text[2 * PS_MEM_SIZE_MAX + 1];
		if (ch == 'M') {
			for (int64_t k = 0; k < want; k++)
				snprintf(text + 2 * k, 3, "%02x", m->bytes[k]);
		} else {
			memcpy(text, m->bytes, (size_t)want);
			text[want] = 0;
		}
		args[i] = ps_str(str_of(r, text));
	}
}

static struct ps_value f_usym(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	static const struct { int f; enum symstyle style; } styles[] = {
		{ PG_F_USYM, SYM_D_SYM }, { PG_F_UFUNC, SYM_D_SYM }, { PG_F_UADDR, SYM_D_ADDR },
		{ PG_F_UMOD, SYM_D_MOD }, { PG_F_USYMNAME, SYM_STAP_NAME },
		{ PG_F_USYMDATA, SYM_STAP_DATA },
	};
	enum symstyle style = SYM_D_SYM;
	for (size_t i = 0; i < sizeof(styles) / sizeof(styles[0]); i++)
		if (r->at && r->at->kind == PG_E_CALL && r->at->op == styles[i].f)
			style = styles[i].style;
	char buf[1024];
	sym_text(r, (uint64_t)a[0].i, style, buf, sizeof(buf));
	return ps_str(str_of(r, buf));
}

/* The event's native stack, as the function at r->at writes it: D's ustack (a newline, then a
 * frame a line, indented 14 as dtrace's stkindent), stap's ubacktrace (hex addresses),
 * sprint_ubacktrace and print_ubacktrace (a frame a line, as stap prints them). */
static struct ps_value f_ustack(struct rt *r, const struct ps_value *a, int n)
{
	const struct ps_event *ev = r->ev;
	int op = r->at && r->at->kind == PG_E_CALL ? r->at->op : PG_F_USTACK;
	int frames = ev->nustack;
	int keep = op != PG_F_USTACK ? frames : n > 0 ? (int)a[0].i
		   : r->p->ustackframes > 0 ? r->p->ustackframes : frames;
	if (keep >= 0 && keep < frames)
		frames = keep;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		oom();
	if (op == PG_F_USTACK)
		fputc('\n', f);
	for (int i = 0; i < frames; i++) {
		char buf[1024];
		switch (op) {
		case PG_F_UBACKTRACE:
			fprintf(f, "%s0x%llx", i ? " " : "", (unsigned long long)ev->ustack[i]);
			break;
		case PG_F_USTACK:
			sym_text(r, ev->ustack[i], SYM_D_ADDR, buf, sizeof(buf));
			fprintf(f, "%14s%s\n", "", buf);
			break;
		default:
			sym_text(r, ev->ustack[i], SYM_STAP_BT, buf, sizeof(buf));
			fprintf(f, "%s\n", buf);
		}
	}
	if (fclose(f) != 0)
		oom();
	if (op == PG_F_PRINT_UBACKTRACE) {
		fputs(text, r->buf);
		free(text);
		return ps_int(0);
	}
	/* D's stack is a record of its own, not a string: strsize does not cut it (stap's is) */
	char *whole = op == PG_F_USTACK ? arena_alloc(&r->ar, len + 1) : NULL;
	if (whole)
		memcpy(whole, text, len + 1);
	struct ps_value v = ps_str(whole ? whole : str_n(r, text, len));
	free(text);
	return v;
}

static struct ps_value f_copystr(struct rt *r, const struct ps_value *a, int n)
{
	const struct ps_event *ev = r->ev;
	/* Only strings copied at the hit exist: find the argument whose value is this address. */
	for (int i = 0; i < ev->nargs; i++)
		if (ev->str[i] && ev->args[i] == a[0].i) {
			size_t len = strnlen(ev->str[i], (size_t)r->strsize);
			if (n > 1 && a[1].i >= 0 && (size_t)a[1].i < len)
				len = (size_t)a[1].i;
			return ps_str(str_n(r, ev->str[i], len));
		}
	/* ... or a string read at a computed address (bind_capture) */
	const struct ps_mem *m = mem_at(r, a[0].i, 0, true);
	if (m) {
		size_t len = strnlen((const char *)m->bytes, m->len);
		if (n > 1 && a[1].i >= 0 && (size_t)a[1].i < len)
			len = (size_t)a[1].i;
		return ps_str(str_n(r, (const char *)m->bytes, len));
	}
	char what[64];
	snprintf(what, sizeof(what), "invalid address (0x%llx)", (unsigned long long)a[0].i);
	fault(r, RT_FAULT_ADDR, r->at, what);
	return ps_int(0);
}

static struct ps_value f_stringof(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	if (a[0].type == PS_V_STR)
		return a[0];
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)a[0].i);
	return ps_str(str_of(r, buf));
}

/* basename and dirname as DTrace defines them (trailing slashes ignored, "." for no directory). */
static struct ps_value f_basename(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	const char *s = a[0].s;
	size_t end = strlen(s);
	while (end > 1 && s[end - 1] == '/')
		end--;
	if (end == 0)
		return ps_str(".");
	size_t start = end;
	while (start > 0 && s[start - 1] != '/')
		start--;
	if (start == end)
		return ps_str("/");
	return ps_str(str_n(r, s + start, end - start));
}

static struct ps_value f_dirname(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	const char *s = a[0].s;
	size_t end = strlen(s);
	while (end > 1 && s[end - 1] == '/')
		end--;
	while (end > 0 && s[end - 1] != '/')
		end--;
	if (end == 0)
		return ps_str(".");
	while (end > 1 && s[end - 1] == '/')
		end--;
	return ps_str(str_n(r, s, end));
}

static struct ps_value f_strlen(struct rt *r, const struct ps_value *a, int n)
{
	(void)r; (void)n;
	return ps_int((int64_t)strlen(a[0].s));
}

static struct ps_value f_strjoin(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	size_t la = strlen(a[0].s), lb = strlen(a[1].s);
	char *d = arena_alloc(&r->ar, la + lb + 1);
	memcpy(d, a[0].s, la);
	memcpy(d + la, a[1].s, lb + 1);
	return ps_str(str_n(r, d, la + lb));
}

/* substr(s, index[, length]) as DTrace's DIF_SUBR_SUBSTR: a negative index counts from the end
 * (what falls before the start shortens the length), a negative length leaves that many bytes off
 * the end, and no length means strsize. */
static struct ps_value f_substr(struct rt *r, const struct ps_value *a, int n)
{
	int64_t len = (int64_t)strlen(a[0].s), index = a[1].i, size = r->strsize;
	int64_t rem = n > 2 ? a[2].i : size;
	if (index < 0) {
		index = (int64_t)((uint64_t)index + (uint64_t)len);
		if (index < 0 && (int64_t)((uint64_t)index + (uint64_t)rem) > 0) {
			rem = (int64_t)((uint64_t)rem + (uint64_t)index);   /* wraps, as DIF code */
			index = 0;
		}
	}
	if (index >= len || index < 0)
		rem = 0;
	else if (rem < 0)
		rem += len - index;
	else if ((uint64_t)index + (uint64_t)rem > (uint64_t)size)
		rem = size - index;
	if (rem <= 0)
		return ps_str("");
	return ps_str(str_n(r, a[0].s + index, (size_t)(rem < len - index ? rem : len - index)));
}

/* strstr(s, t): the part of s from t's first occurrence; D's NULL string when none. */
static struct ps_value f_strstr(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	const char *p = strstr(a[0].s, a[1].s);
	return ps_str(p ? p : r->d->null_strings ? null_string : "");
}

/* index(s, t[, pos]) and rindex(s, t[, pos]) as DTrace's DIF code, Perl's rules with Perl's
 * oddities: an index's negative pos is 0; an rindex's pos past the end is the end, a negative
 * one finds nothing (but "" at 0); "" in "" is at 0 whatever pos. */
static struct ps_value f_index2(const struct ps_value *a, int n, bool rev)
{
	int64_t len = (int64_t)strlen(a[0].s), sub = (int64_t)strlen(a[1].s);
	int64_t pos = rev ? len : 0, limit = rev ? -1 : len, inc = rev ? -1 : 1;
	if (!sub && !len)
		return ps_int(0);
	if (n > 2) {
		pos = a[2].i;
		if (rev) {
			if (pos < 0)
				return ps_int(sub ? -1 : 0);
			if (pos > len)
				pos = len;
		} else {
			if (pos < 0)
				pos = 0;
			if (pos >= len)
				return ps_int(sub ? -1 : len);
		}
	}
	for (; pos != limit; pos += inc)
		if (strncmp(a[0].s + pos, a[1].s, (size_t)sub) == 0)
			return ps_int(pos);
	return ps_int(-1);
}

static struct ps_value f_index(struct rt *r, const struct ps_value *a, int n)
{
	(void)r;
	return f_index2(a, n, false);
}

static struct ps_value f_rindex(struct rt *r, const struct ps_value *a, int n)
{
	(void)r;
	return f_index2(a, n, true);
}

/* lltostr(n[, base]) as DTrace's: base 2..36; base 10 signed, others the 64 bits unsigned, 16
 * with "0x" and 8 with "0" in front (0 is "0", "0x0" in hex). */
static struct ps_value f_lltostr(struct rt *r, const struct ps_value *a, int n)
{
	int64_t base = n > 1 ? a[1].i : 10, i = a[0].i;
	char buf[80];
	if (base < 2 || base > 36) {
		fault(r, RT_FAULT_ILLOP, r->at, "illegal operation");
		return ps_int(0);
	}
	uint64_t v = i < 0 && base == 10 ? -(uint64_t)i : (uint64_t)i;
	int k = sizeof(buf) - 1;
	buf[k] = 0;
	for (; v; v /= (uint64_t)base)
		buf[--k] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % (uint64_t)base];
	if (i == 0 && base == 16)
		buf[--k] = '0';
	if (base == 16)
		buf[--k] = 'x';
	if (i == 0 || base == 8 || base == 16)
		buf[--k] = '0';
	if (i < 0 && base == 10)
		buf[--k] = '-';
	return ps_str(str_of(r, buf + k));
}

/* strtok(s, delim) as DTrace's DIF_SUBR_STRTOK: skip delimiters, then the token up to the next
 * one. strtok(NULL, delim) goes on where the last call stopped; that position belongs to the
 * probe firing (every clause of one firing shares it, the next firing starts without one, as
 * dtrace's mstate). No token left: D's NULL string. A NULL with no string to go on is
 * DTrace's fault, an invalid address. */
static struct ps_value f_strtok(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	const char *p;
	if (a[0].type == PS_V_STR) {
		p = str_of(r, a[0].s);   /* kept in the firing's arena */
	} else if (a[0].i != 0 || !r->tokd) {
		char what[64];
		snprintf(what, sizeof(what), "invalid address (0x%llx)", (unsigned long long)a[0].i);
		fault(r, RT_FAULT_ADDR, r->at, str_of(r, what));
		return ps_int(0);
	} else {
		p = r->tokd;
	}
	while (*p && strchr(a[1].s, *p))
		p++;
	if (!*p) {
		r->tokd = p;             /* at the end: later calls give NULL too */
		return ps_str(r->d->null_strings ? null_string : "");
	}
	const char *e = p;
	while (*e && !strchr(a[1].s, *e))
		e++;
	r->tokd = e;
	return ps_str(str_n(r, p, (size_t)(e - p)));
}

static struct ps_value f_case(struct rt *r, const char *s, int up)
{
	size_t len = strlen(s);
	char *d = arena_alloc(&r->ar, len + 1);
	for (size_t i = 0; i <= len; i++)
		d[i] = up ? (s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i])
			  : (s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	return ps_str(d);
}

static struct ps_value f_toupper(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	return f_case(r, a[0].s, 1);
}

static struct ps_value f_tolower(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	return f_case(r, a[0].s, 0);
}


/* ---- SystemTap's function library ---- */

static struct ps_value f_copystr_warn(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	const struct ps_event *ev = r->ev;
	for (int i = 0; i < ev->nargs; i++)
		if (ev->str[i] && ev->args[i] == a[0].i)
			return ps_str(str_of(r, ev->str[i]));
	fflush(r->o.out);
	fprintf(stderr, "WARNING: user string copy fault at 0x%llx (not a copied marker argument)\n",
		(unsigned long long)a[0].i);
	return ps_str("<unknown>");
}

/* Hidden per-thread state in the store (thread_indent's depth and first time): variable ids
 * below 0 never collide with the program's. */
#define INDENT_DEPTH (-1)
#define INDENT_TIME (-2)

static struct ent **hidden(struct rt *r, int32_t var, uint32_t tid, uint64_t *h, size_t *klen)
{
	*klen = 0;
	kput(r, klen, &var, sizeof(var));
	kput(r, klen, &tid, sizeof(tid));
	*h = fnv(r->kbuf, *klen);
	if (r->st.n >= r->st.nb)
		store_grow(&r->st);
	return store_find(&r->st, r->kbuf, *klen, *h);
}

static int64_t hidden_get(struct rt *r, int32_t var, uint32_t tid)
{
	uint64_t h;
	size_t klen;
	struct ent **pp = hidden(r, var, tid, &h, &klen);
	return *pp ? (*pp)->v.i : 0;
}

static void hidden_set(struct rt *r, int32_t var, uint32_t tid, int64_t v)
{
	uint64_t h;
	size_t klen;
	struct ent **pp = hidden(r, var, tid, &h, &klen);
	struct ent *e = *pp;
	if (!e) {
		if (klen <= SMALL_KEY && r->st.spare) {
			e = r->st.spare;
			r->st.spare = e->next;
		} else {
			e = malloc(sizeof(*e) + SMALL_KEY);
			if (!e)
				oom();
			e->kcap = SMALL_KEY;
		}
		memset(e, 0, offsetof(struct ent, klen));
		e->hash = h;
		e->klen = klen;
		memcpy(e->key, r->kbuf, klen);
		*pp = e;
		r->st.n++;
	}
	e->v = ps_int(v);
}

/* thread_indent(delta), as stap's indent.stp defines it: the microseconds since the thread's
 * first indent (reset whenever its depth came back to 0), "execname(tid):", then depth - 1
 * blanks, counting the depth before a return and after an entry. Only a difference is
 * printed, so it is taken on the event's monotonic clock: a replay prints the same numbers
 * every time (the wall clock's offset would move the rounding to microseconds). */
static struct ps_value f_thread_indent(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	uint32_t tid = r->ev->tid;
	int64_t delta = a[0].i, us = (int64_t)(r->ev->ts / 1000);
	int64_t depth = hidden_get(r, INDENT_DEPTH, tid);
	if (!depth)
		hidden_set(r, INDENT_TIME, tid, us);
	int64_t x = depth + (delta > 0 ? delta : 0);
	hidden_set(r, INDENT_DEPTH, tid, depth + delta);
	int pad = x > 0 ? (int)(x - 1 > 4096 ? 4096 : x - 1) : 0;
	char buf[256];
	int len = snprintf(buf, sizeof(buf), "%6lld %.*s(%u):",
			   (long long)(us - hidden_get(r, INDENT_TIME, tid)),
			   (int)strnlen(r->ev->comm, PS_COMM_LEN), r->ev->comm, tid);
	char *d = arena_alloc(&r->ar, (size_t)len + (size_t)pad + 1);
	memcpy(d, buf, (size_t)len);
	memset(d + len, ' ', (size_t)pad);
	d[len + pad] = 0;
	return ps_str(str_n(r, d, (size_t)len + (size_t)pad));
}

static struct ps_value f_isinstr(struct rt *r, const struct ps_value *a, int n)
{
	(void)r; (void)n;
	return ps_int(strstr(a[0].s, a[1].s) != NULL);
}

/* tokenize(s, delim): the first token of s; tokenize("", delim) the next one of the last s. Empty
 * tokens are skipped, as stap's strsep loop does. */
static struct ps_value f_tokenize(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	if (a[0].s[0]) {
		snprintf(r->tok, (size_t)r->strsize, "%s", a[0].s);
		r->tokpos = 0;
	}
	size_t len = strlen(r->tok);
	while (r->tokpos < len) {
		size_t start = r->tokpos, end = start;
		while (end < len && !strchr(a[1].s, r->tok[end]))
			end++;
		r->tokpos = end < len ? end + 1 : len;
		if (end > start)
			return ps_str(str_n(r, r->tok + start, end - start));
	}
	return ps_str("");
}

static struct ps_value f_str_replace(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	size_t ol = strlen(a[1].s), nl = strlen(a[2].s), cap = (size_t)r->strsize;
	if (!ol)
		return a[0];
	char *d = arena_alloc(&r->ar, cap);
	size_t k = 0;
	for (const char *p = a[0].s; *p && k < cap - 1;) {
		if (strncmp(p, a[1].s, ol) == 0) {
			for (size_t j = 0; j < nl && k < cap - 1; j++)
				d[k++] = a[2].s[j];
			p += ol;
		} else {
			d[k++] = *p++;
		}
	}
	d[k] = 0;
	return ps_str(d);
}

/* text_str(s): C escapes for the usual controls and quotes, \ooo for other unprintables. */
static struct ps_value f_text_str(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	size_t cap = (size_t)r->strsize, k = 0;
	char *d = arena_alloc(&r->ar, cap);
	static const char from[] = "\n\t\v\b\f\r\a\"'\\", to[] = "ntvbfra\"'\\";
	for (const unsigned char *p = (const unsigned char *)a[0].s; *p; p++) {
		char e[5];
		const char *q = *p ? strchr(from, *p) : NULL;
		if (q)
			snprintf(e, sizeof(e), "\\%c", to[q - from]);
		else if (*p < 32 || *p > 126)
			snprintf(e, sizeof(e), "\\%03o", *p);
		else
			snprintf(e, sizeof(e), "%c", *p);
		size_t el = strlen(e);
		if (k + el > cap - 1)
			break;
		memcpy(d + k, e, el);
		k += el;
	}
	d[k] = 0;
	return ps_str(d);
}

static struct ps_value f_stringat(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	int64_t len = (int64_t)strlen(a[0].s);
	if (a[1].i < 0 || a[1].i >= len) {
		char what[96];
		snprintf(what, sizeof(what), "Accessing index %lld of string of length %lld",
			 (long long)a[1].i, (long long)len);
		fault(r, RT_FAULT_STRINGAT, r->at, str_of(r, what));
	}
	return ps_int((unsigned char)a[0].s[a[1].i]);
}

/* ctime(secs): "Wed Jun 30 21:49:08 1993" in UTC, as stap's ctime. */
static struct ps_value f_ctime(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
					      "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)a[0].i;
	struct tm tm;
	if (a[0].i < 0 || a[0].i > 0x7fffffffll || !gmtime_r(&t, &tm))
		return ps_str("<invalid time>");
	char buf[64];
	snprintf(buf, sizeof(buf), "%s %s %2d %02d:%02d:%02d %d", days[tm.tm_wday], months[tm.tm_mon],
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	return ps_str(str_of(r, buf));
}

static struct ps_value f_error(struct rt *r, const struct ps_value *a, int n)
{
	(void)n;
	fault(r, RT_FAULT_USER, r->at, str_of(r, a[0].s));
	return ps_int(0);
}

/* What the handler printed so far goes to the old file, the rest to the new one. */
static void flush_buf(struct rt *r);

static struct ps_value f_switch_file(struct rt *r, const struct ps_value *a, int n)
{
	(void)a;
	(void)n;
	if (!r->o.switch_file)
		return ps_int(0);
	flush_buf(r);
	fflush(r->o.out);
	FILE *f = r->o.switch_file(r->o.switch_ctx);
	if (f)
		r->o.out = f;
	return ps_int(0);
}

static struct ps_value f_ansi(struct rt *r, const struct ps_value *a, int n)
{
	switch (r->at->op) {
	case PG_F_ANSI_CLEAR: fputs("\033[1;1H\033[J", r->buf); break;
	case PG_F_ANSI_COLOR:
		if (n == 1)
			fprintf(r->buf, "\033[%lldm", (long long)a[0].i);
		else if (n == 2 || !a[2].i)
			fprintf(r->buf, "\033[%lld;%lldm", (long long)a[0].i, (long long)a[1].i);
		else
			fprintf(r->buf, "\033[%lld;%lld;%lldm", (long long)a[0].i, (long long)a[1].i,
				(long long)a[2].i);
		break;
	case PG_F_ANSI_RESET: fputs("\033[0;0m", r->buf); break;
	case PG_F_ANSI_CURSOR_XY:
		fprintf(r->buf, "\033[%lld;%lldH", (long long)a[1].i, (long long)a[0].i);
		break;
	case PG_F_ANSI_CURSOR_HIDE: fputs("\033[?25l", r->buf); break;
	case PG_F_ANSI_CURSOR_SHOW: fputs("\033[?25h", r->buf); break;
	case PG_F_ANSI_CURSOR_SAVE: fputs("\033[s", r->buf); break;
	case PG_F_ANSI_CURSOR_RESTORE: fputs("\033[u", r->buf); break;
	case PG_F_ANSI_NEW_LINE: fputs("\n", r->buf); break;
	}
	return ps_int(0);
}

/* The Python stack captured at the hit (capture_pystack: ps_event.pyframes), innermost first.
 * D's jstack([frames[, strsize]]) as DTrace prints ustack(): a newline, then one frame a line
 * indented 14, each as the Solaris python ustack helper wrote a Python frame,
 * "[ file:line (function) ]", cut at strsize bytes; a walk that could not go on ends in
 * "[ <cut> ]". stap's pybacktrace() as print_ubacktrace() prints: one " function (file:line)"
 * a line. No stack captured (BEGIN, END, a replay without one): D's newline alone, stap's "". */
static struct ps_value f_pystack(struct rt *r, const struct ps_value *a, int n)
{
	const struct ps_event *ev = r->ev;
	bool d = r->at->op == PG_F_JSTACK;
	int64_t max = !d ? INT64_MAX : n > 0 ? a[0].i : r->o.jstackframes > 0 ? r->o.jstackframes :
		      r->p->jstackframes > 0 ? r->p->jstackframes : RT_JSTACKFRAMES;
	int64_t width = n > 1 ? a[1].i : r->o.jstackstrsize > 0 ? r->o.jstackstrsize :
			r->p->jstackstrsize > 0 ? r->p->jstackstrsize : RT_JSTACKSTRSIZE;
	char *buf = NULL, line[PS_STRSIZE_MAX + 1];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		oom();
	if (width < 1)
		width = 1;
	if (width > PS_STRSIZE_MAX)
		width = PS_STRSIZE_MAX;
	if (d)
		fputc('\n', f);
	for (int i = 0; ev && ev->pyframes && i < ev->npyframes && i < max; i++) {
		const struct ps_pyframe *fr = &ev->pyframes[i];
		if (d) {
			snprintf(line, (size_t)width + 1, "[ %s:%d (%s) ]", fr->file, fr->line, fr->func);
			fprintf(f, "%14s%s\n", "", line);
		} else {
			fprintf(f, " %s (%s:%d)\n", fr->func, fr->file, fr->line);
		}
	}
	if (ev && ev->pyframes && (ev->pyflags & PS_PYSTACK_CUT) && ev->npyframes < max)
		fprintf(f, d ? "%14s[ <cut> ]\n" : "%s <cut>\n", "");
	fclose(f);
	if (r->at->op == PG_F_PRINT_PYBACKTRACE) {   /* printed whole; the string is cut at strsize */
		fputs(buf, r->buf);
		free(buf);
		return ps_int(0);
	}
	/* D's stack is a record of its own, not a string: strsize does not cut it (stap's is) */
	char *whole = d ? arena_alloc(&r->ar, len + 1) : NULL;
	if (whole)
		memcpy(whole, buf, len + 1);
	struct ps_value v = ps_str(whole ? whole : str_n(r, buf, len));
	free(buf);
	return v;
}

static struct ps_value sbuf_take(struct rt *r);

/* system(fmt, ...): the command is formatted now and run when the clause completes, after the
 * output it printed before the call (flush_buf), as dtrace's consumer runs it in record order;
 * a clause that faults runs nothing. */
static struct ps_value f_system(struct rt *r, const struct ps_value *a, int n)
{
	fmt_print(r->sbuf, r->at->fmt, a, n);
	struct ps_value cmd = sbuf_take(r);
	if (r->nsys == r->capsys) {
		r->capsys = r->capsys ? r->capsys * 2 : 4;
		r->sys = realloc(r->sys, sizeof(*r->sys) * (size_t)r->capsys);
		if (!r->sys)
			oom();
	}
	fflush(r->buf);
	r->sys[r->nsys].at = ftell(r->buf);
	if (!(r->sys[r->nsys++].cmd = strdup(cmd.s)))
		oom();
	return ps_int(0);
}

/* DTrace's options that setopt() may change while tracing (dt_options.c's dynamic run-time
 * options), and the run-time ones it refuses then. */
static const char *const dyn_opts[] = {
	"agghist", "aggpack", "aggrate", "aggsortkey", "aggsortkeypos", "aggsortpos", "aggsortrev",
	"aggzoom", "flowindent", "quiet", "rawbytes", "stackindent", "switchrate",
};
static const char *const active_opts[] = {
	"aggsize", "bufresize", "bufsize", "bufpolicy", "cleanrate", "cpu", "destructive",
	"dynvarsize", "grabanon", "jstackframes", "jstackstrsize", "nspec", "specsize",
	"stackframes", "statusrate", "strsize", "ustackframes", "temporal",
};

/* A value as dt_opt_runtime or dt_opt_rate takes it: 1 set, 0 unset, -1 invalid. As in DTrace,
 * any number (even "0") sets a flag; "", "no", "off", "false"... unset it. */
static int opt_value(const char *name, const char *v)
{
	static const char *const pos[] = { "yes", "enable", "enabled", "true", "on", "set" };
	static const char *const neg[] = { "no", "disable", "disabled", "false", "off", "unset" };
	bool rate = strcmp(name, "aggrate") == 0 || strcmp(name, "switchrate") == 0;
	if (!v[0])
		return 0;
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]) && !rate; i++) {
		if (strcasecmp(v, pos[i]) == 0)
			return 1;
		if (strcasecmp(v, neg[i]) == 0)
			return 0;
	}
	char *end;
	errno = 0;
	(void)strtoull(v, &end, 0);
	if (end == v || errno || v[0] == '-')
		return -1;
	if (*end && rate) {
		static const char *const units[] = { "ns", "nsec", "us", "usec", "ms", "msec", "s",
						     "sec", "m", "min", "h", "hour", "d", "day", "hz" };
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(end, units[i]) == 0)
				return 1;
	}
	return *end ? -1 : 1;
}

/* A problem the consumer reports without ending the clause (dtrace's dt_handle_liberr). */
static void liberr(struct rt *r, const char *what)
{
	const struct pg_clause *c = &r->p->clauses[r->clause];
	const struct pg_node *at = r->action ? c->stmts[r->action - 1] : c->pred;
	struct rt_fault f = {
		.kind = RT_FAULT_LIBERR, .node = r->at, .what = what, .probe = r->probe,
		.clause = r->clause, .epid = r->epid, .action = r->action,
		.line = at ? at->line : 0, .col = at ? at->col : 0,
	};
	fflush(r->o.out);
	if (r->o.on_fault)
		r->o.on_fault(&f, r->o.fault_ctx);
	else
		fprintf(stderr, "pyscope: %s", what);
}

/* setopt(name[, value]) as dtrace's consumer does it: a dynamic option changes (quiet takes
 * effect on the next record; the others are kept, pyscope's printers do not vary with them),
 * anything else is reported and the clause goes on. */
static struct ps_value f_setopt(struct rt *r, const struct ps_value *a, int n)
{
	const char *name = a[0].s, *val = n > 1 ? a[1].s : "1", *err = "Invalid option name";
	for (size_t i = 0; i < sizeof(active_opts) / sizeof(active_opts[0]); i++)
		if (strcmp(name, active_opts[i]) == 0)
			err = "Operation illegal when tracing is active";
	for (size_t i = 0; i < sizeof(dyn_opts) / sizeof(dyn_opts[0]); i++) {
		if (strcmp(name, dyn_opts[i]) != 0)
			continue;
		int v = opt_value(name, val);
		if (v >= 0) {
			if (strcmp(name, "quiet") == 0)
				r->quiet_next = v;
			return ps_int(0);
		}
		err = "Invalid value for specified option";
	}
	size_t len = strlen(name) + strlen(val) + strlen(err) + 40;
	char *msg = arena_alloc(&r->ar, len);
	snprintf(msg, len, "couldn't set option \"%s\" to \"%s\": %s\n", name, val, err);
	liberr(r, msg);
	return ps_int(0);
}

static struct ps_value (*const funcs[PG_F_COUNT])(struct rt *, const struct ps_value *, int) = {
	[PG_F_COPYSTR] = f_copystr, [PG_F_STRINGOF] = f_stringof, [PG_F_BASENAME] = f_basename,
	[PG_F_DIRNAME] = f_dirname, [PG_F_STRLEN] = f_strlen, [PG_F_STRJOIN] = f_strjoin,
	[PG_F_SUBSTR] = f_substr, [PG_F_STRSTR] = f_strstr, [PG_F_INDEX] = f_index,
	[PG_F_RINDEX] = f_rindex, [PG_F_LLTOSTR] = f_lltostr, [PG_F_TOUPPER] = f_toupper,
	[PG_F_TOLOWER] = f_tolower, [PG_F_COPYSTR_WARN] = f_copystr_warn,
	[PG_F_THREAD_INDENT] = f_thread_indent, [PG_F_ISINSTR] = f_isinstr,
	[PG_F_TOKENIZE] = f_tokenize, [PG_F_STR_REPLACE] = f_str_replace,
	[PG_F_TEXT_STR] = f_text_str, [PG_F_STRINGAT] = f_stringat, [PG_F_CTIME] = f_ctime,
	[PG_F_ERROR] = f_error, [PG_F_SWITCH_FILE] = f_switch_file, [PG_F_ANSI_CLEAR] = f_ansi, [PG_F_ANSI_COLOR] = f_ansi,
	[PG_F_ANSI_RESET] = f_ansi, [PG_F_ANSI_CURSOR_XY] = f_ansi,
	[PG_F_ANSI_CURSOR_HIDE] = f_ansi, [PG_F_ANSI_CURSOR_SHOW] = f_ansi,
	[PG_F_ANSI_CURSOR_SAVE] = f_ansi, [PG_F_ANSI_CURSOR_RESTORE] = f_ansi,
	[PG_F_ANSI_NEW_LINE] = f_ansi, [PG_F_STRTOK] = f_strtok, [PG_F_SYSTEM] = f_system,
	[PG_F_SETOPT] = f_setopt,
	[PG_F_USER_S8] = f_user, [PG_F_USER_U8] = f_user, [PG_F_USER_S16] = f_user,
	[PG_F_USER_U16] = f_user, [PG_F_USER_S32] = f_user, [PG_F_USER_U32] = f_user,
	[PG_F_USER_S64] = f_user, [PG_F_COPYIN] = f_copyin, [PG_F_USTACK] = f_ustack,
	[PG_F_UBACKTRACE] = f_ustack, [PG_F_SPRINT_UBACKTRACE] = f_ustack,
	[PG_F_PRINT_UBACKTRACE] = f_ustack, [PG_F_USYM] = f_usym, [PG_F_UFUNC] = f_usym,
	[PG_F_UMOD] = f_usym, [PG_F_UADDR] = f_usym, [PG_F_USYMNAME] = f_usym,
	[PG_F_USYMDATA] = f_usym, [PG_F_INET_NTOA] = f_inet, [PG_F_INET_NTOA6] = f_inet,
	[PG_F_INET_NTOP] = f_inet,
	[PG_F_JSTACK] = f_pystack, [PG_F_PYBACKTRACE] = f_pystack, [PG_F_PRINT_PYBACKTRACE] = f_pystack,
};

/* ---- operators ---- */

static int64_t arith(struct rt *r, int op, int64_t a, int64_t b)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
	switch (op) {
	case PG_OP_ADD: return (int64_t)(ua + ub);
	case PG_OP_SUB: return (int64_t)(ua - ub);
	case PG_OP_MUL: return (int64_t)(ua * ub);
	case PG_OP_DIV:
	case PG_OP_MOD:
		if (b == 0)
			fault(r, RT_FAULT_DIV0, r->at, "divide-by-zero");
		if (b == -1)      /* INT64_MIN / -1 overflows in C; DTrace wraps */
			return op == PG_OP_DIV ? (int64_t)(0 - ua) : 0;
		return op == PG_OP_DIV ? a / b : a % b;
	case PG_OP_BAND: return a & b;
	case PG_OP_BOR: return a | b;
	case PG_OP_BXOR: return a ^ b;
	case PG_OP_SHL: return (int64_t)(ua << (ub & 63));
	case PG_OP_SHR: return a >> (ub & 63);
	}
	return 0;
}

static int64_t compare(int op, int c)
{
	switch (op) {
	case PG_OP_EQ: return c == 0;
	case PG_OP_NE: return c != 0;
	case PG_OP_LT: return c < 0;
	case PG_OP_LE: return c <= 0;
	case PG_OP_GT: return c > 0;
	case PG_OP_GE: return c >= 0;
	}
	return 0;
}

static bool truth(struct ps_value v)
{
	return v.type == PS_V_STR ? v.s[0] != 0 : v.i != 0;
}

static struct ps_value concat(struct rt *r, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), cap = (size_t)r->strsize - 1;
	if (la > cap)
		la = cap;
	if (lb > cap - la)
		lb = cap - la;
	char *d = arena_alloc(&r->ar, la + lb + 1);
	memcpy(d, a, la);
	memcpy(d + la, b, lb);
	d[la + lb] = 0;
	return ps_str(d);
}

static struct ps_value binary(struct rt *r, int op, struct ps_value a, struct ps_value b)
{
	if (op >= PG_OP_EQ && op <= PG_OP_GE) {
		int c;
		if (a.type == PS_V_STR && b.type == PS_V_STR)
			c = strcmp(a.s, b.s);
		else
			c = a.i < b.i ? -1 : a.i > b.i;
		return ps_int(compare(op, c));
	}
	if (op == PG_OP_CONCAT)
		return concat(r, a.type == PS_V_STR ? a.s : "", b.type == PS_V_STR ? b.s : "");
	return ps_int(arith(r, op, a.i, b.i));
}

static int exec(struct rt *r, const struct pg_node *n);

/* A statement that is D's jstack() call alone (an action that prints its stack). */
static bool is_jstack(const struct pg_node *n)
{
	return n->kind == PG_S_EXPR && n->nkids > 0 && n->kids[0]->kind == PG_E_CALL &&
	       n->kids[0]->op == PG_F_JSTACK;
}

/* The text of print's values (print, println, printd, printdln) to OUT. */
static void print_values(struct rt *r, FILE *out, const struct pg_node *n)
{
	struct ps_value v[PG_MAX_CALL_ARGS];
	int k = n->nkids < PG_MAX_CALL_ARGS ? n->nkids : PG_MAX_CALL_ARGS;
	for (int i = 0; i < k; i++)
		v[i] = eval(r, n->kids[i]);
	for (int i = 0; i < k; i++) {
		if (i && n->s)
			fputs(n->s, out);
		if (v[i].type == PS_V_STR)
			fputs(v[i].s, out);
		else
			fprintf(out, "%lld", (long long)v[i].i);
	}
	if (n->op & PG_PR_LN)
		fputc('\n', out);
}

/* What r->sbuf holds, as a string of the event's arena; r->sbuf is emptied. */
static struct ps_value sbuf_take(struct rt *r)
{
	fflush(r->sbuf);
	long len = ftell(r->sbuf);
	struct ps_value v = ps_str(str_n(r, r->sbufmem ? r->sbufmem : "", len > 0 ? (size_t)len : 0));
	fseek(r->sbuf, 0, SEEK_SET);
	return v;
}

static int64_t stat_value(struct rt *r, const struct agg_stat *s, int op, const struct pg_node *at)
{
	if (op == PG_ST_COUNT)
		return s ? s->count : 0;
	if (op == PG_ST_SUM)
		return s ? s->sum : 0;
	if (!s || !s->count)
		fault(r, RT_FAULT_EMPTY, at, "empty aggregate");
	switch (op) {
	case PG_ST_MIN: return s->min;
	case PG_ST_MAX: return s->max;
	case PG_ST_AVG: return agg_stat_avg(s);
	case PG_ST_VARIANCE: return agg_stat_variance(s);
	}
	return 0;
}

static struct ps_value call_user(struct rt *r, const struct pg_node *n)
{
	const struct pg_ufunc *f = &r->p->funcs[n->op];
	struct ps_value args[PG_MAX_PARAMS];
	for (int i = 0; i < n->nkids && i < PG_MAX_PARAMS; i++)
		args[i] = eval(r, n->kids[i]);
	int nfp = r->fp + r->fsize;
	if (r->depth >= r->maxnesting || nfp + f->nlocals > r->stacksize)
		fault(r, RT_FAULT_NESTING, n, "MAXNESTING exceeded");
	int savefp = r->fp, savefs = r->fsize;
	for (int i = 0; i < f->nlocals; i++)
		r->stack[nfp + i].type = PS_V_NONE;
	for (int i = 0; i < f->nparams && i < n->nkids; i++) {
		if (args[i].type == PS_V_STR && strnlen(args[i].s, (size_t)r->strsize) >= (size_t)r->strsize)
			args[i].s = str_of(r, args[i].s);   /* a parameter is a variable (var_set) */
		r->stack[nfp + r->p->vars[f->params[i]].slot] = args[i];
	}
	r->fp = nfp;
	r->fsize = f->nlocals;
	r->depth++;
	r->retval = zero_of(f->ret == PS_V_STR ? PS_V_STR : PS_V_INT);
	if (f->body)
		exec(r, f->body);
	r->depth--;
	r->fp = savefp;
	r->fsize = savefs;
	return r->retval;
}

static struct ps_value eval(struct rt *r, const struct pg_node *n)
{
	struct ps_value keys[PG_MAX_KEYS], args[PG_MAX_CALL_ARGS], a, b;
	switch (n->kind) {
	case PG_E_INT:
		return ps_int(n->i);
	case PG_E_STR:
		return ps_str(n->i && r->d->null_strings ? null_string : n->s);
	case PG_E_VAR:
		eval_keys(r, n, keys);
		return var_get(r, n, keys);
	case PG_E_BUILTIN:
		return builtin(r, n->op);
	case PG_E_ARG:
		return ps_int(n->i < r->ev->nargs ? r->ev->args[n->i] : 0);
	case PG_E_CALL:
		for (int i = 0; i < n->nkids; i++)
			args[i] = eval(r, n->kids[i]);
		r->at = n;
		for (int i = 0; i < n->nkids; i++)   /* strtok(NULL string): go on, as NULL */
			if (is_null_str(args[i]) && n->op == PG_F_STRTOK && i == 0)
				args[i] = ps_int(0);
		return funcs[n->op](r, args, n->nkids);
	case PG_E_UNARY:
		a = eval(r, n->kids[0]);
		switch (n->op) {
		case PG_OP_NOT: return ps_int(!truth(a));
		case PG_OP_BNOT: return ps_int(~a.i);
		case PG_OP_NEG: return ps_int((int64_t)(0 - (uint64_t)a.i));
		case PG_OP_SEXT:
		case PG_OP_ZEXT: return ps_int(narrow(a.i, (int)n->i, n->op == PG_OP_ZEXT));
		default: return a;
		}
	case PG_E_BINARY:
		a = eval(r, n->kids[0]);
		if (n->op == PG_OP_LAND)
			return ps_int(truth(a) && truth(eval(r, n->kids[1])));
		if (n->op == PG_OP_LOR)
			return ps_int(truth(a) || truth(eval(r, n->kids[1])));
		b = eval(r, n->kids[1]);
		if (n->op == PG_OP_LXOR)
			return ps_int(truth(a) != truth(b));
		r->at = n;
		return binary(r, n->op, a, b);
	case PG_E_COND:
		return truth(eval(r, n->kids[0])) ? eval(r, n->kids[1]) : eval(r, n->kids[2]);
	case PG_E_ASSIGN: {
		const struct pg_node *v = n->kids[0];
		eval_keys(r, v, keys);
		b = eval(r, n->kids[1]);
		if (n->op) {
			a = var_get(r, v, keys);
			r->at = n;
			b = binary(r, n->op, a, b);
		}
		return var_set(r, v, keys, b);
	}
	case PG_E_INCDEC: {
		const struct pg_node *v = n->kids[0];
		eval_keys(r, v, keys);
		a = var_get(r, v, keys);
		b = ps_int((int64_t)((uint64_t)a.i + (uint64_t)n->i));
		b = var_set(r, v, keys, b);
		return n->op ? b : a;
	}
	case PG_E_UCALL:
		return call_user(r, n);
	case PG_E_IN: {
		const struct pg_node *v = n->kids[0];
		eval_keys(r, v, keys);
		uint64_t h;
		size_t klen;
		return ps_int(*lookup(r, v, keys, &h, &klen) != NULL);
	}
	case PG_E_STAT: {
		const struct pg_node *v = n->kids[0];
		eval_keys(r, v, keys);
		return ps_int(stat_value(r, stat_get(r, v, keys, false), n->op, n));
	}
	case PG_E_SPRINTF: {
		int k = n->nkids < PG_MAX_CALL_ARGS ? n->nkids : PG_MAX_CALL_ARGS;
		for (int i = 0; i < k; i++)
			args[i] = eval(r, n->kids[i]);
		addr_args(r, n->fmt, args, k);
		fmt_print(r->sbuf, n->fmt, args, k);
		return sbuf_take(r);
	}
	case PG_E_SPRINT:
		print_values(r, r->sbuf, n);
		return sbuf_take(r);
	default:
		return ps_int(0);
	}
}

/* ---- statements ---- */

/* What a statement tells the statements around it. */
enum { CTL_NONE, CTL_BREAK, CTL_CONTINUE, CTL_RETURN };

/* One element of a foreach snapshot. */
struct fitem {
	struct ent *e;
	struct ps_value keys[PG_MAX_KEYS];
	struct ps_value val;
};

static struct {
	const struct pg_foreach *fe;
} sort_ctx;   /* qsort has no context argument; foreach is not reentrant during a sort */

static int cmp_value(struct ps_value a, struct ps_value b)
{
	if (a.type == PS_V_STR && b.type == PS_V_STR)
		return strcmp(a.s, b.s);
	return a.i < b.i ? -1 : a.i > b.i;
}

static int cmp_items(const void *pa, const void *pb)
{
	const struct fitem *a = pa, *b = pb;
	const struct pg_foreach *fe = sort_ctx.fe;
	int c = 0;
	if (fe->sort == PG_SORT_NONE)
		return a->e->seq < b->e->seq ? -1 : a->e->seq > b->e->seq;
	if (fe->sort_key == 0)
		c = cmp_value(a->val, b->val);
	else
		c = cmp_value(a->keys[fe->sort_key - 1], b->keys[fe->sort_key - 1]);
	if (fe->sort == PG_SORT_DESC)
		c = -c;
	for (int k = 0; !c && k < fe->nkeys; k++)   /* ties: by the keys, ascending */
		c = cmp_value(a->keys[k], b->keys[k]);
	if (!c)
		c = a->e->seq < b->e->seq ? -1 : a->e->seq > b->e->seq;
	return c;
}

/* The keys a store entry's key bytes hold (make_key's layout). */
static void decode_keys(const struct ent *e, int nkeys, struct ps_value *keys)
{
	size_t off = sizeof(int32_t) + sizeof(uint32_t);
	for (int k = 0; k < nkeys && off < e->klen; k++) {
		char tag = (char)e->key[off++];
		if (tag == PS_V_STR) {
			keys[k] = ps_str((const char *)e->key + off);
			off += strlen((const char *)e->key + off) + 1;
		} else {
			keys[k].type = PS_V_INT;
			keys[k].s = NULL;
			memcpy(&keys[k].i, e->key + off, sizeof(int64_t));
			off += sizeof(int64_t);
		}
	}
}

static struct ps_value item_value(const struct rt *r, const struct pg_foreach *fe,
				  const struct ent *e)
{
	const struct pg_var *v = &r->p->vars[fe->arr];
	if (!v->stat)
		return e->v;
	const struct agg_stat *s = (const struct agg_stat *)e->str;
	switch (fe->sort_stat) {
	case PG_ST_COUNT: return ps_int(s->count);
	case PG_ST_SUM: return ps_int(s->sum);
	case PG_ST_MIN: return ps_int(s->min);
	case PG_ST_MAX: return ps_int(s->max);
	case PG_ST_AVG: return ps_int(agg_stat_avg(s));
	case PG_ST_VARIANCE: return ps_int(agg_stat_variance(s));
	}
	return ps_int(0);
}

static struct ps_value bind_value(struct rt *r, struct ps_value v)
{
	if (v.type == PS_V_STR)
		v.s = str_of(r, v.s);   /* the element may change while the local holds it */
	return v;
}

/* Append the elements of FE's array to r->items, sorted as FE says. */
static void collect(struct rt *r, const struct pg_foreach *fe)
{
	size_t base = r->nitems;
	for (size_t i = 0; i < r->st.nb && r->nelems[fe->arr] > 0; i++)
		for (struct ent *e = r->st.b[i]; e; e = e->next) {
			int32_t var;
			memcpy(&var, e->key, sizeof(var));
			if (var != fe->arr)
				continue;
			if (r->nitems == r->capitems) {
				r->capitems = r->capitems ? r->capitems * 2 : 64;
				r->items = realloc(r->items, r->capitems * sizeof(*r->items));
				if (!r->items)
					oom();
			}
			struct fitem *it = &r->items[r->nitems++];
			it->e = e;
			decode_keys(e, fe->nkeys, it->keys);
			it->val = item_value(r, fe, e);
		}
	sort_ctx.fe = fe;
	if (r->nitems - base > 1)
		qsort(r->items + base, r->nitems - base, sizeof(*r->items), cmp_items);
}

static int exec_foreach(struct rt *r, const struct pg_node *n)
{
	const struct pg_foreach *fe = n->fe;
	int64_t limit = fe->limit ? eval(r, fe->limit).i : -1;
	size_t base = r->nitems;
	collect(r, fe);
	size_t end = r->nitems;
	int ctl = CTL_NONE;
	r->locked[fe->arr]++;
	for (size_t i = base; i < end && (limit < 0 || (int64_t)(i - base) < limit); i++) {
		const struct fitem *it = &r->items[i];
		for (int k = 0; k < fe->nkeys; k++)
			*local_slot(r, &r->p->vars[fe->keyvars[k]]) = bind_value(r, it->keys[k]);
		if (fe->valvar >= 0)
			*local_slot(r, &r->p->vars[fe->valvar]) = bind_value(r, item_value(r, fe, it->e));
		ctl = exec(r, fe->body);
		if (ctl == CTL_BREAK || ctl == CTL_RETURN)
			break;
		ctl = CTL_NONE;
	}
	r->locked[fe->arr]--;
	r->nitems = base;
	return ctl == CTL_RETURN ? CTL_RETURN : CTL_NONE;
}

/* A loop body's control: CTL_BREAK ends the loop, CTL_RETURN leaves it and the function. */
static int loop_ctl(int ctl, bool *stop)
{
	*stop = ctl == CTL_BREAK || ctl == CTL_RETURN;
	return ctl == CTL_RETURN ? CTL_RETURN : CTL_NONE;
}

static int exec_list(struct rt *r, struct pg_node *const *stmts, int n)
{
	for (int i = 0; i < n; i++) {
		int ctl = exec(r, stmts[i]);
		if (ctl)
			return ctl;
	}
	return CTL_NONE;
}

static int exec(struct rt *r, const struct pg_node *n)
{
	struct ps_value args[64], keys[PG_MAX_KEYS];
	if (r->maxaction > 0 && ++r->actions > r->maxaction)
		fault(r, RT_FAULT_MAXACTION, n, "MAXACTION exceeded");
	if (r->o.sync_aggs && (n->kind == PG_S_PRINTA || n->kind == PG_S_CLEAR ||
			       n->kind == PG_S_TRUNC || n->kind == PG_S_NORMALIZE))
		r->o.sync_aggs(r->o.sync_ctx);
	switch (n->kind) {
	case PG_S_EXPR: {
		struct ps_value v = eval(r, n->kids[0]);
		/* D's ustack() and jstack() as statements are actions: they print the stack */
		if (is_jstack(n) || (n->kids[0]->kind == PG_E_CALL && n->kids[0]->op == PG_F_USTACK))
			fputs(v.s, r->buf);
		break;
	}
	case PG_S_PRINTF:
		for (int i = 0; i < n->nkids && i < 64; i++)
			args[i] = eval(r, n->kids[i]);
		addr_args(r, n->fmt, args, n->nkids < 64 ? n->nkids : 64);
		fmt_print(r->buf, n->fmt, args, n->nkids);
		break;
	case PG_S_PRINTA:
		if (n->nkids) {
			const struct agg *as[PG_MAX_CALL_ARGS + 1] = { r->aggs[n->op] };
			for (int i = 0; i < n->nkids; i++)
				as[i + 1] = r->aggs[n->kids[i]->i];
			agg_printa_joined(r->buf, n->fmt, as, n->nkids + 1);
		} else if (n->fmt) {
			agg_printa(r->buf, n->fmt, r->aggs[n->op]);
		} else {
			agg_print(r->buf, r->aggs[n->op]);
		}
		break;
	case PG_S_TRACE: {
		struct ps_value v = eval(r, n->kids[0]);
		if (r->o.trace && !r->quiet)
			r->o.trace(r->buf, v, n->kids[0]->isize ? n->kids[0]->isize : 8,
				   r->o.output_ctx);
		else if (v.type == PS_V_STR)
			fputs(v.s, r->buf);
		else
			fprintf(r->buf, "%lld", (long long)v.i);
		break;
	}
	case PG_S_EXIT:
		r->status = (int)eval(r, n->kids[0]).i;
		r->exited = true;
		break;
	case PG_S_AGG: {
		for (int i = 0; i < n->nkeys; i++)
			keys[i] = eval(r, n->kids[i]);
		int64_t v = 0, incr = 1;
		if (n->nkids > n->nkeys)
			v = eval(r, n->kids[n->nkeys]).i;
		if (n->nkids > n->nkeys + 1)
			incr = eval(r, n->kids[n->nkeys + 1]).i;
		agg_update(r->aggs[n->op], keys, n->nkeys, v, incr);
		break;
	}
	case PG_S_CLEAR:
		agg_clear(r->aggs[n->op]);
		break;
	case PG_S_TRUNC:
		agg_trunc(r->aggs[n->op], n->nkids ? eval(r, n->kids[0]).i : 0);
		break;
	case PG_S_NORMALIZE: {
		int64_t f = eval(r, n->kids[0]).i;
		if (f <= 0)
			fault(r, RT_FAULT_ILLOP, n, "illegal operation");
		agg_normalize(r->aggs[n->op], f);
		break;
	}
	case PG_S_IF:
		if (truth(eval(r, n->kids[0])))
			return exec(r, n->kids[1]);
		if (n->kids[2])
			return exec(r, n->kids[2]);
		break;
	case PG_S_BLOCK:
		return exec_list(r, n->kids, n->nkids);
	case PG_S_WHILE:
		while (truth(eval(r, n->kids[0]))) {
			bool stop;
			int ctl = loop_ctl(exec(r, n->kids[1]), &stop);
			if (stop)
				return ctl;
		}
		break;
	case PG_S_FOR:
		if (n->kids[0])
			exec(r, n->kids[0]);
		while (!n->kids[1] || truth(eval(r, n->kids[1]))) {
			bool stop;
			int ctl = loop_ctl(exec(r, n->kids[3]), &stop);
			if (stop)
				return ctl;
			if (n->kids[2])
				exec(r, n->kids[2]);
		}
		break;
	case PG_S_BREAK:
		return CTL_BREAK;
	case PG_S_CONTINUE:
		return CTL_CONTINUE;
	case PG_S_NEXT:
		longjmp(r->fault, 2);
	case PG_S_RETURN:
		if (n->nkids)
			r->retval = eval(r, n->kids[0]);
		return CTL_RETURN;
	case PG_S_DELETE: {
		const struct pg_node *v = n->kids[0];
		eval_keys(r, v, keys);
		var_delete(r, v, keys);
		break;
	}
	case PG_S_FOREACH:
		return exec_foreach(r, n);
	case PG_S_STATADD: {
		const struct pg_node *v = n->kids[0];
		eval_keys(r, v, keys);
		int64_t val = eval(r, n->kids[1]).i;
		struct agg_stat *s = stat_get(r, v, keys, true);
		if (s)
			agg_stat_add(s, &r->hists[v->op], val);
		break;
	}
	case PG_S_PRINT:
		print_values(r, r->buf, n);
		break;
	case PG_S_HIST: {
		const struct pg_node *v = n->kids[0];
		eval_keys(r, v, keys);
		struct agg_stat *s = stat_get(r, v, keys, false);
		if (!s || !s->count)
			fault(r, RT_FAULT_EMPTY, n, "empty aggregate");
		agg_stat_print_hist(r->buf, s, &r->hists[v->op]);
		if (n->i)
			fputc('\n', r->buf);
		break;
	}
	default:
		break;
	}
	return CTL_NONE;
}

/* Whether a clause leaves a record: it has no statements or one that prints or exits (DTrace
 * shows such clauses' probe lines in its default output); jstack() alone prints. */
static bool clause_records(const struct pg_clause *c)
{
	if (!c->nstmts)
		return true;
	for (int i = 0; i < c->nstmts; i++) {
		enum pg_kind k = c->stmts[i]->kind;
		if (k == PG_S_PRINTF || k == PG_S_PRINTA || k == PG_S_TRACE || k == PG_S_EXIT ||
		    is_jstack(c->stmts[i]))
			return true;
	}
	return false;
}

static void flush_buf(struct rt *r)
{
	fflush(r->buf);
	long n = ftell(r->buf), done = 0;
	for (int i = 0; i < r->nsys; i++) {    /* system(): our output first, then the command's */
		if (r->sys[i].at > done)
			fwrite(r->bufmem + done, 1, (size_t)(r->sys[i].at - done), r->o.out);
		done = r->sys[i].at > done ? r->sys[i].at : done;
		fflush(r->o.out);
		fflush(stdout);
		int rc = system(r->sys[i].cmd);
		(void)rc;                      /* as dtrace, the command's status is not looked at */
		free(r->sys[i].cmd);
	}
	r->nsys = 0;
	if (n > done)
		fwrite(r->bufmem + done, 1, (size_t)(n - done), r->o.out);
	fseek(r->buf, 0, SEEK_SET);
}

/* A faulting clause runs none of its system() commands. */
static void drop_sys(struct rt *r)
{
	for (int i = 0; i < r->nsys; i++)
		free(r->sys[i].cmd);
	r->nsys = 0;
}

/* Run clause C for the current event; a fault aborts it (its output is dropped). */
static void run_clause(struct rt *r, int ci, int epid)
{
	const struct pg_clause *c = &r->p->clauses[ci];
	r->clause = ci;
	r->epid = epid;
	r->action = 0;
	r->fp = 0;
	r->fsize = c->nlocals;
	r->depth = 0;
	r->actions = 0;
	r->nitems = 0;
	for (int i = 0; i < c->nlocals; i++)
		r->stack[i].type = PS_V_NONE;
	switch (setjmp(r->fault)) {
	case 0:
		break;
	case 1:                       /* a fault */
		memset(r->locked, 0, sizeof(*r->locked) * (size_t)r->p->nvars);
		if (r->d->fault_keeps_output) {
			flush_buf(r);
		} else {
			fflush(r->buf);
			fseek(r->buf, 0, SEEK_SET);
			drop_sys(r);
		}
		if (r->d->fault_ends_run) {
			r->exited = r->fatal = true;
			r->status = 1;
		}
		return;
	default:                      /* next: the handler ends here */
		memset(r->locked, 0, sizeof(*r->locked) * (size_t)r->p->nvars);
		goto done;
	}
	if (c->pred && !truth(eval(r, c->pred)))
		return;
	if (r->o.record_begin && r->records[ci] && (!r->quiet || r->o.record_begin_quiet))
		r->o.record_begin(r->buf, r->ev, r->o.output_ctx);
	for (int i = 0; i < c->nstmts; i++) {
		r->action = i + 1;
		exec(r, c->stmts[i]);
	}
done:
	if (r->o.record_end && r->records[ci] && !r->quiet)
		r->o.record_end(r->buf, r->o.output_ctx);
	if (r->quiet_next >= 0)          /* a record is printed in the mode it began in */
		r->quiet = r->quiet_next;
	r->quiet_next = -1;
	flush_buf(r);
}

static void start_event(struct rt *r, const struct ps_event *ev, const struct ps_probe *p)
{
	arena_reset(&r->ar);
	r->tokd = NULL;                  /* strtok's position lives for one firing */
	r->ev = ev;
	r->probe = p;
	for (int i = 0; i < r->p->nvars; i++)
		if (r->p->vars[i].scope == PG_SC_CLAUSE)
			r->locals[i] = zero_of(r->p->vars[i].type);
}

static int run_list(struct rt *r, const struct ps_event *ev, const struct ps_probe *p,
		    const struct enabling *en, int nen)
{
	start_event(r, ev, p);
	/* stap's MAXACTION_INTERRUPTIBLE: begin and end probes may run ten times longer */
	r->maxaction = r->o.maxaction * (p == &r->begin_probe || p == &r->end_probe ? 10 : 1);
	for (int i = 0; i < nen && !r->fatal; i++)
		if (pid_wanted(&en[i], ev->pid) &&
		    (r->kc[en[i].clause] < 0 || (ev->kmiss & (1u << r->kc[en[i].clause])))) {
			r->pdesc = &r->p->clauses[en[i].clause].pdescs[en[i].pdesc];
			run_clause(r, en[i].clause, en[i].epid);
		}
	return r->exited;
}

/* A + B, or TICK_NEVER when that is past the 64-bit clock (tick-18446744073709551615ns). */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a >= TICK_NEVER - b ? TICK_NEVER : a + b;
}

/* A synthetic event for BEGIN, END and ticks: no process, no arguments. */
static void synth(struct ps_event *ev, const struct ps_probe *p, uint64_t now)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts = now;
	ev->probe = p;
}

/* global x = 5: stored once, before the first BEGIN clause. */
static void init_globals(struct rt *r, const struct ps_event *ev)
{
	r->inited = true;
	r->ev = ev;
	for (int i = 0; i < r->p->nvars; i++) {
		const struct pg_var *v = &r->p->vars[i];
		if (!v->init || v->nkeys || v->stat || v->scope != PG_SC_GLOBAL)
			continue;
		struct pg_node var = { .kind = PG_E_VAR, .type = v->type, .op = i };
		var_set(r, &var, NULL, v->init->kind == PG_E_STR ? ps_str(v->init->s)
								: ps_int(v->init->i));
	}
}

int rt_begin(struct rt *r, uint64_t now)
{
	struct ps_event ev;
	synth(&ev, &r->begin_probe, now);
	if (!r->inited)
		init_globals(r, &ev);
	for (int i = 0; i < r->nticks; i++)
		r->ticks[i].next = add_sat(now, r->ticks[i].period);
	return run_list(r, &ev, &r->begin_probe, r->begin, r->nbegin);
}

int rt_event(struct rt *r, const struct ps_event *ev)
{
	if (r->exited)
		return 1;
	int id = ev->probe ? ev->probe->id : -1;
	if (id < 0 || id > r->maxid || r->byid[id] < 0)
		return 0;
	const struct probe_state *s = &r->ps[r->byid[id]];
	return run_list(r, ev, ev->probe, s->en, s->nen);
}

uint64_t rt_next_tick(const struct rt *r)
{
	uint64_t t = 0;
	for (int i = 0; i < r->nticks; i++)
		if (r->ticks[i].next != TICK_NEVER && (!t || r->ticks[i].next < t))
			t = r->ticks[i].next;
	return t;
}

static bool stop_requested(const struct rt *r)
{
	return r->o.stop && *r->o.stop;
}

/* Fire every tick due at NOW, in time order. A tick that is more than RT_MAX_TICK_BURST firings
 * behind (a gap in a replayed stream, tick-1ns, a consumer that was stalled) fires that many and
 * then skips to its first firing after NOW, as DTrace's cyclics do not backlog either. */
int rt_tick(struct rt *r, uint64_t now)
{
	for (int i = 0; i < r->nticks; i++)
		r->ticks[i].burst = 0;
	for (;;) {
		struct tick *due = NULL;
		for (int i = 0; i < r->nticks; i++)
			if (r->ticks[i].next <= now && r->ticks[i].next != TICK_NEVER &&
			    (!due || r->ticks[i].next < due->next))
				due = &r->ticks[i];
		if (!due || r->exited || stop_requested(r))
			return r->exited;
		if (due->burst == RT_MAX_TICK_BURST) {
			uint64_t behind = now - due->next;
			due->next = add_sat(now - behind % due->period, due->period);
			continue;
		}
		due->burst++;
		struct ps_event ev;
		synth(&ev, &due->probe, due->next);
		due->next = add_sat(due->next, due->period);
		run_list(r, &ev, &due->probe, due->en, due->nen);
	}
}

/* A key as stap's print-out formats it: "%#d" for numbers, "\"%#s\"" for strings. */
static void dump_key(FILE *out, struct ps_value v)
{
	if (v.type == PS_V_STR)
		fprintf(out, "\"%s\"", v.s);
	else
		fprintf(out, "%lld", (long long)v.i);
}

/* A value: "=\"%#s\"" for strings, "=%#x" for numbers (0x0 for 0, as stap's runtime). */
static void dump_value(FILE *out, struct ps_value v)
{
	if (v.type == PS_V_STR)
		fprintf(out, "=\"%s\"\n", v.s);
	else
		fprintf(out, "=0x%llx\n", (unsigned long long)v.i);
}

static void dump_stat(FILE *out, const struct agg_stat *s)
{
	if (!s || !s->count) {
		fputs(" @count=0x0\n", out);
		return;
	}
	fprintf(out, " @count=%lld @min=%lld @max=%lld @sum=%lld @avg=%lld\n", (long long)s->count,
		(long long)s->min, (long long)s->max, (long long)s->sum, (long long)agg_stat_avg(s));
}

/* SystemTap's end-of-run print-out of the globals the script wrote and never read, as stap's
 * translator synthesizes it (elaborate.cxx, add_global_var_display): "x=0x5", "s=\"abc\"",
 * one "a[1,\"k\"]=0x3" line per element sorted by value, descending (foreach in a-), and a
 * statistic as "x @count=2 @min=4 @max=6 @sum=10 @avg=5" (decimal), "x @count=0x0" when empty. */
static void dump_globals(struct rt *r)
{
	struct ps_event ev;
	synth(&ev, &r->end_probe, 0);
	start_event(r, &ev, &r->end_probe);
	for (int i = 0; i < r->p->nvars; i++) {
		const struct pg_var *v = &r->p->vars[i];
		if (!v->dump_at_end || v->scope != PG_SC_GLOBAL)
			continue;
		if (!v->nkeys) {
			struct pg_node var = { .kind = PG_E_VAR, .type = v->type, .op = i };
			fputs(v->name, r->buf);
			if (v->stat)
				dump_stat(r->buf, stat_get(r, &var, NULL, false));
			else
				dump_value(r->buf, var_get(r, &var, NULL));
			continue;
		}
		struct pg_foreach fe = { .arr = i, .nkeys = v->nkeys, .valvar = -1,
					 .sort = PG_SORT_DESC, .sort_stat = PG_ST_COUNT };
		r->nitems = 0;
		collect(r, &fe);
		for (size_t k = 0; k < r->nitems; k++) {
			const struct fitem *it = &r->items[k];
			fprintf(r->buf, "%s[", v->name);
			for (int j = 0; j < v->nkeys; j++) {
				if (j)
					fputc(',', r->buf);
				dump_key(r->buf, it->keys[j]);
			}
			fputc(']', r->buf);
			if (v->stat)
				dump_stat(r->buf, (const struct agg_stat *)it->e->str);
			else
				dump_value(r->buf, it->e->v);
		}
		r->nitems = 0;
	}
}

void rt_report_drops(struct rt *r)
{
	uint64_t dyn = r->st.drops - r->reported_dyndrops, agg = r->aggb.drops - r->reported_aggdrops;
	if (!dyn && !agg)
		return;
	r->reported_dyndrops = r->st.drops;
	r->reported_aggdrops = r->aggb.drops;
	fflush(r->o.out);
	if (r->o.on_drops) {
		r->o.on_drops(agg, dyn, r->o.fault_ctx);
		return;
	}
	if (dyn)
		fprintf(stderr, "pyscope: %llu dynamic variable drop%s (raise dynvarsize)\n",
			(unsigned long long)dyn, dyn == 1 ? "" : "s");
	if (agg)
		fprintf(stderr, "pyscope: %llu aggregation drop%s (raise aggsize)\n",
			(unsigned long long)agg, agg == 1 ? "" : "s");
}

int rt_end(struct rt *r, uint64_t now)
{
	struct ps_event ev;
	synth(&ev, &r->end_probe, now);
	if (!r->inited)
		init_globals(r, &ev);
	r->exited = false;           /* END clauses run even after exit() or a fatal fault */
	bool fatal = r->fatal;
	r->fatal = false;
	/* stap's error state: the error probes instead of the end probes (and of the synthesized
	 * end probe that prints the globals) */
	bool err_state = fatal && r->d->error_skips_end;
	if (r->o.sync_aggs)
		r->o.sync_aggs(r->o.sync_ctx);
	if (err_state)
		run_list(r, &ev, &r->end_probe, r->error, r->nerror);
	else
		run_list(r, &ev, &r->end_probe, r->end, r->nend);
	r->fatal |= fatal;
	r->exited = true;
	if (r->d->dump_globals && !err_state)
		dump_globals(r);
	rt_report_drops(r);
	/* dtrace(1) prints one "\n", then every aggregation no printa() printed, back to back.
	 * Departure: with nothing left to print, pyscope prints no "\n" either (dtrace prints it
	 * always), so a script that only printf()s ends exactly where its output does. */
	bool left = false;
	for (int i = 0; i < r->p->naggs && r->o.final_aggs; i++)
		left |= r->aggs[i] && !agg_printed(r->aggs[i]) && !agg_empty(r->aggs[i]);
	if (left) {
		fputc('\n', r->buf);
		agg_print_all(r->buf, r->aggs, r->p->naggs);
	}
	flush_buf(r);
	fflush(r->o.out);
	return r->status;
}

static int on_event(const struct ps_event *ev, void *ctx)
{
	return rt_event(ctx, ev);
}

struct ps_sink rt_sink(struct rt *r)
{
	return (struct ps_sink){ .on_event = on_event, .on_lost = NULL, .ctx = r };
}

bool rt_exited(const struct rt *r) { return r->exited; }
int rt_status(const struct rt *r) { return r->status; }
int rt_epid(const struct rt *r) { return r->epid; }
uint64_t rt_faults(const struct rt *r) { return r->faults; }
int rt_nmatched(const struct rt *r, int from, int to)
{
	int n = 0;
	for (int i = from; i < to && i < r->p->nclauses; i++)
		n += r->nmatched[i];
	return n;
}

const struct ps_capture *rt_capture(const struct rt *r, int i)
{
	return i >= 0 && i < r->nps ? &r->ps[i].cap : NULL;
}

int rt_kernel_clause(struct rt *r, int ci, int kc, bool (*ok)(const struct ps_probe *p, void *ctx),
		     void *ctx)
{
	if (ci < 0 || ci >= r->p->nclauses)
		return -1;
	for (int i = 0; i < r->nps; i++)
		for (int k = 0; k < r->ps[i].nen; k++)
			if (r->ps[i].en[k].clause == ci &&
			    (r->ps[i].en[k].npids || !ok(r->ps[i].probe, ctx)))
				return -1;
	r->kc[ci] = kc;
	return 0;
}

uint32_t rt_kernel_mask(const struct rt *r, int i, bool *user)
{
	uint32_t m = 0;
	*user = false;
	if (i < 0 || i >= r->nps)
		return 0;
	for (int k = 0; k < r->ps[i].nen; k++) {
		int kc = r->kc[r->ps[i].en[k].clause];
		if (kc >= 0)
			m |= 1u << kc;
		else
			*user = true;
	}
	return m;
}

struct agg *rt_agg(const struct rt *r, int i)
{
	return i >= 0 && i < r->p->naggs ? r->aggs[i] : NULL;
}

struct agg_stat *rt_stat(struct rt *r, int var, const struct ps_value *keys, int nkeys,
			 const struct agg_histdef **h)
{
	if (var < 0 || var >= r->p->nvars)
		return NULL;
	const struct pg_var *v = &r->p->vars[var];
	if (!v->stat || v->scope != PG_SC_GLOBAL || nkeys != v->nkeys)
		return NULL;
	struct pg_node n = { .kind = PG_E_VAR, .op = var, .nkids = nkeys };
	uint64_t hash;
	size_t klen;
	int64_t lim = v->maxentries ? v->maxentries : r->o.maxmapentries;
	/* past maxentries insert() would fault, which only a handler may do */
	if (!*lookup(r, &n, keys, &hash, &klen) && v->nkeys > 0 && lim > 0 && r->nelems[var] >= lim)
		return NULL;
	*h = &r->hists[var];
	return stat_get(r, &n, keys, true);
}

const struct ps_probe *rt_enabled(const struct rt *r, int i, uint32_t *strargs)
{
	if (i < 0 || i >= r->nps)
		return NULL;
	if (strargs)
		*strargs = r->ps[i].strargs;
	return r->ps[i].probe;
}

static void add_enabling(struct enabling **arr, int *n, int clause, int pdesc, int epid)
{
	struct enabling *a = realloc(*arr, sizeof(**arr) * (size_t)(*n + 1));
	if (!a)
		oom();
	a[*n] = (struct enabling){ .clause = clause, .pdesc = pdesc, .epid = epid };
	*arr = a;
	(*n)++;
}

static void set_probe(struct ps_probe *p, int id, const char *provider, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->marker = PS_M_OTHER;
	p->provider = provider;
	p->name = name;
	p->module = "";
	p->path = "";
	p->function = "";
}

int rt_new(const struct pg_prog *p, const struct ps_probe *const *probes, int nprobes,
	   const struct rt_opts *o, struct rt **out)
{
	struct rt *r = xcalloc(1, sizeof(*r));
	r->p = p;
	r->o = *o;
	if (!r->o.out)
		r->o.out = stdout;
	r->strsize = o->strsize > 1 ? o->strsize : PS_STRSIZE_DEFAULT;
	r->aggb.limit = o->aggsize > 0 ? o->aggsize : p->aggsize > 0 ? p->aggsize : RT_AGGSIZE_DEFAULT;
	r->st.limit = o->dynvarsize > 0 ? o->dynvarsize : p->dynvarsize > 0 ? p->dynvarsize
		      : RT_DYNVARSIZE_DEFAULT;
	for (int i = 0; i < nprobes; i++)
		if (probes[i]->id > r->maxid)
			r->maxid = probes[i]->id;   /* ids below 1 are never enabled (see below) */
	r->byid = xcalloc((size_t)r->maxid + 1, sizeof(int));
	for (int i = 0; i <= r->maxid; i++)
		r->byid[i] = -1;
	r->ps = xcalloc((size_t)nprobes, sizeof(*r->ps));
	int nextid = r->maxid + 1;
	static const struct rt_dialect dtrace_rules = { 0 };
	r->d = o->dialect ? o->dialect : &dtrace_rules;
	set_probe(&r->begin_probe, nextid++, r->d->begin_provider ? r->d->begin_provider : "dtrace",
		  r->d->begin_name ? r->d->begin_name : "BEGIN");
	set_probe(&r->end_probe, nextid++, r->d->begin_provider ? r->d->begin_provider : "dtrace",
		  r->d->end_name ? r->d->end_name : "END");

	/* Which clauses fire on which probes, numbered as DTrace numbers its enabled probes:
	 * the shared pass bind_probes (bind.h). */
	struct bind b;
	if (bind_probes(p, probes, nprobes, o->target, &b) < 0)
		oom();
	r->nmatched = b.nmatched;
	r->kc = xcalloc((size_t)p->nclauses + 1, sizeof(int));
	for (int i = 0; i < p->nclauses; i++)
		r->kc[i] = -1;
	b.nmatched = NULL;
	for (int k = 0; k < b.n; k++) {
		const struct bind_enabling *e = &b.en[k];
		const struct pg_pdesc *pd = &p->clauses[e->clause].pdescs[e->pdesc];
		if (e->kind == PG_PD_BEGIN) {
			add_enabling(&r->begin, &r->nbegin, e->clause, e->pdesc, e->epid);
		} else if (e->kind == PG_PD_END) {
			add_enabling(&r->end, &r->nend, e->clause, e->pdesc, e->epid);
		} else if (e->kind == PG_PD_ERROR) {
			add_enabling(&r->error, &r->nerror, e->clause, e->pdesc, e->epid);
		} else if (e->kind == PG_PD_TICK) {
			struct tick *t = NULL;
			for (int i = 0; i < r->nticks && !t; i++)
				if (strcmp(r->ticks[i].name, pd->name) == 0)
					t = &r->ticks[i];
			if (!t) {
				r->ticks = realloc(r->ticks, sizeof(*r->ticks) * (size_t)(r->nticks + 1));
				if (!r->ticks)
					oom();
				t = &r->ticks[r->nticks++];
				memset(t, 0, sizeof(*t));
				t->period = pd->period ? pd->period : 1000000000ull;
				snprintf(t->name, sizeof(t->name), "%s", pd->name);
				set_probe(&t->probe, nextid++, "profile", t->name);
			}
			add_enabling(&t->en, &t->nen, e->clause, e->pdesc, e->epid);
		} else {
			const struct ps_probe *pr = probes[e->probe];
			int id = pr->id;
			if (r->byid[id] < 0) {
				r->byid[id] = r->nps;
				r->ps[r->nps++].probe = pr;
			}
			struct probe_state *s = &r->ps[r->byid[id]];
			add_enabling(&s->en, &s->nen, e->clause, e->pdesc, e->epid);
			s->en[s->nen - 1].npids = e->npids;
			memcpy(s->en[s->nen - 1].pids, e->pids, sizeof(e->pids));
			struct bind_err be;
			int rc = bind_capture(p, e->clause, pr->nargs, &s->cap, &be);
			if (rc == -ENOMEM)
				oom();
			if (rc < 0) {     /* front-ends have checked: not seen */
				fprintf(stderr, "pyscope: %s%s%d:%d: %s\n", be.file ? be.file : "",
					be.file ? ":" : "", be.line, be.col, be.msg);
				bind_free(&b);
				rt_free(r);
				return rc;
			}
			s->strargs = s->cap.strargs;
		}
	}
	bind_free(&b);
	for (int i = 0; i < r->nticks; i++)   /* the array moved while it grew */
		r->ticks[i].probe.name = r->ticks[i].name;
	r->aggs = xcalloc((size_t)p->naggs, sizeof(*r->aggs));
	for (int i = 0; i < p->naggs; i++) {
		const struct pg_aggdef *a = &p->aggs[i];
		if (!a->defined)
			continue;
		errno = 0;
		r->aggs[i] = agg_new(a->name, a->fn, a->params, a->nparams);
		if (!r->aggs[i] && errno == EINVAL) {
			char msg[160];
			agg_lquantize_check(NULL, a->params, a->nparams, msg, sizeof(msg));
			fprintf(stderr, "pyscope: @%s: %s\n", a->name, msg);
			rt_free(r);
			return -EINVAL;
		}
		if (!r->aggs[i])
			oom();
		agg_set_budget(r->aggs[i], &r->aggb);
		agg_set_sort(r->aggs[i], p->aggsortkey, p->aggsortrev, p->aggsortkeypos,
			     p->aggsortpos);
		if (p->rawbytes)
			agg_set_rawbytes(r->aggs[i], (size_t)r->strsize);
		for (int k = 0; k < a->nkeys; k++)
			if (a->keys[k] == PS_V_INT && a->keysize[k])
				agg_set_keysize(r->aggs[i], k, a->keysize[k]);
	}
	r->records = xcalloc((size_t)p->nclauses, sizeof(*r->records));
	for (int i = 0; i < p->nclauses; i++)
		r->records[i] = clause_records(&p->clauses[i]);
	r->locals = xcalloc((size_t)p->nvars, sizeof(*r->locals));
	r->nelems = xcalloc((size_t)p->nvars, sizeof(*r->nelems));
	r->locked = xcalloc((size_t)p->nvars, sizeof(*r->locked));
	r->hists = xcalloc((size_t)p->nvars, sizeof(*r->hists));
	for (int i = 0; i < p->nvars; i++) {
		const struct pg_statdef *sd = &p->vars[i].statdef;
		r->hists[i] = (struct agg_histdef){
			.kind = sd->hist == PG_HIST_LOG ? AGG_HIST_LOG : sd->hist == PG_HIST_LINEAR
				? AGG_HIST_LINEAR : AGG_HIST_NONE,
			.lo = sd->lo, .hi = sd->hi, .step = sd->step,
		};
		if (p->vars[i].stat && !agg_stat_size(&r->hists[i])) {
			fprintf(stderr, "pyscope: %s: a linear histogram needs 1 to %d buckets\n",
				p->vars[i].name, AGG_HIST_MAX_BUCKETS - 2);
			rt_free(r);
			return -EINVAL;
		}
	}
	/* Call frames: the largest handler's or function's locals, maxnesting + 1 deep. */
	r->maxnesting = o->maxnesting > 0 ? o->maxnesting : RT_MAXNESTING_DEFAULT;
	int maxl = 1;
	for (int i = 0; i < p->nclauses; i++)
		maxl = p->clauses[i].nlocals > maxl ? p->clauses[i].nlocals : maxl;
	for (int i = 0; i < p->nfuncs; i++)
		maxl = p->funcs[i].nlocals > maxl ? p->funcs[i].nlocals : maxl;
	r->stacksize = maxl * (r->maxnesting + 1);
	r->stack = xcalloc((size_t)r->stacksize, sizeof(*r->stack));
	r->tok = xcalloc((size_t)r->strsize, 1);
	r->sbuf = open_memstream(&r->sbufmem, &r->sbuflen);
	if (!r->sbuf)
		oom();
	r->kcap = 1024;
	r->kbuf = xcalloc(r->kcap, 1);
	r->buf = open_memstream(&r->bufmem, &r->buflen);
	if (!r->buf)
		oom();
	struct timespec rt, mt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	r->wall_offset = ((int64_t)rt.tv_sec - mt.tv_sec) * 1000000000 + (rt.tv_nsec - mt.tv_nsec);
	r->ppid_pid = -1;
	r->uid_pid = -1;
	r->quiet = o->quiet;
	r->quiet_next = -1;
	*out = r;
	return 0;
}

void rt_free(struct rt *r)
{
	if (!r)
		return;
	free(r->kc);
	for (int i = 0; i < r->nps; i++)
		free(r->ps[i].en);
	free(r->ps);
	esym_free(r->esym);
	psinfo_cache_free(r->psc);
	free(r->byid);
	free(r->begin);
	free(r->end);
	free(r->error);
	for (int i = 0; i < r->nticks; i++)
		free(r->ticks[i].en);
	free(r->ticks);
	for (int i = 0; i < r->p->naggs; i++)
		agg_free(r->aggs[i]);
	free(r->aggs);
	free(r->records);
	free(r->nmatched);
	store_free(&r->st);
	free(r->locals);
	free(r->nelems);
	free(r->locked);
	free(r->hists);
	free(r->stack);
	free(r->tok);
	drop_sys(r);
	free(r->sys);
	free(r->items);
	if (r->sbuf)
		fclose(r->sbuf);
	free(r->sbufmem);
	arena_free(&r->ar);
	free(r->kbuf);
	if (r->buf)
		fclose(r->buf);
	free(r->bufmem);
	free(r);
}
