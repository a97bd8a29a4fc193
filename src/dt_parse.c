/*
 * dt_parse.c — the D front-end (see dt_parse.h): a one-pass recursive-descent parser that checks
 * types as it builds prog.h nodes, like Lua's compiler. Each parse function carries its grammar
 * rule above it; binary operators are parsed from one precedence table. Names D gives to the
 * runtime's built-ins and functions are in tables here, so the runtime stays dialect-neutral.
 *
 * Variables are typed by their declaration or their first assignment in program order (D's rule);
 * an identifier that is neither yet is kept as an unresolved variable node until the parser knows
 * whether it is being assigned (which declares it) or read (an error).
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dt_parse.h"
#include "dt_lex.h"

#define I PS_V_INT
#define S PS_V_STR

/* SIZE: an integer's bytes in D's types (DTrace's: pid_t, id_t, processorid_t and uint_t are
 * 32-bit; the clocks are 64-bit); it decides how wide an aggregation key prints. */
static const struct { const char *name; int b; enum ps_vtype type; int size; } builtins[] = {
	{ "timestamp", PG_B_TIMESTAMP, I, 8 },  { "vtimestamp", PG_B_VTIMESTAMP, I, 8 },
	{ "walltimestamp", PG_B_WALLTIMESTAMP, I, 8 }, { "pid", PG_B_PID, I, 4 },
	{ "ppid", PG_B_PPID, I, 4 },            { "tid", PG_B_TID, I, 4 },
	{ "cpu", PG_B_CPU, I, 4 },              { "execname", PG_B_EXECNAME, S, 0 },
	{ "probeprov", PG_B_PROBEPROV, S, 0 },  { "probemod", PG_B_PROBEMOD, S, 0 },
	{ "probefunc", PG_B_PROBEFUNC, S, 0 },  { "probename", PG_B_PROBENAME, S, 0 },
	{ "id", PG_B_PROBEID, I, 4 },
	{ "errno", PG_B_ERRNO, I, 4 },          /* p-sys: syscall return probes */
	{ "ucaller", PG_B_UCALLER, I, 8 },
	{ "uid", PG_B_UID, I, 4 },              { "gid", PG_B_GID, I, 4 },
	{ "epid", PG_B_EPID, I, 4 },
};

/* curpsinfo->FIELD (psinfo_t as Solaris' procfs.h has it; the /proc reading is psinfo.c's). */
static const struct { const char *name; int b; enum ps_vtype type; int size; } psfields[] = {
	{ "pr_pid", PG_B_PR_PID, I, 4 },        { "pr_ppid", PG_B_PPID, I, 4 },
	{ "pr_pgid", PG_B_PGID, I, 4 },         { "pr_sid", PG_B_SID, I, 4 },
	{ "pr_uid", PG_B_UID, I, 4 },           { "pr_euid", PG_B_EUID, I, 4 },
	{ "pr_gid", PG_B_GID, I, 4 },           { "pr_egid", PG_B_EGID, I, 4 },
	{ "pr_fname", PG_B_PR_FNAME, S, 0 },    { "pr_psargs", PG_B_PR_PSARGS, S, 0 },
};

/* SIZE: the bytes of an integer result (strlen is size_t, index and rindex int). */
static const struct { const char *name; enum pg_func f; int size; } functions[] = {
	{ "copyinstr", PG_F_COPYSTR, 0 }, { "stringof", PG_F_STRINGOF, 0 },
	{ "basename", PG_F_BASENAME, 0 }, { "dirname", PG_F_DIRNAME, 0 },
	{ "strlen", PG_F_STRLEN, 8 },     { "strjoin", PG_F_STRJOIN, 0 },
	{ "substr", PG_F_SUBSTR, 0 },     { "strstr", PG_F_STRSTR, 0 },
	{ "index", PG_F_INDEX, 4 },       { "rindex", PG_F_RINDEX, 4 },
	{ "lltostr", PG_F_LLTOSTR, 0 },   { "toupper", PG_F_TOUPPER, 0 },
	{ "tolower", PG_F_TOLOWER, 0 },   { "jstack", PG_F_JSTACK, 0 },
	{ "copyin", PG_F_COPYIN, 0 },     { "ustack", PG_F_USTACK, 0 },
	{ "usym", PG_F_USYM, 0 },         { "ufunc", PG_F_UFUNC, 0 },
	{ "umod", PG_F_UMOD, 0 },         { "uaddr", PG_F_UADDR, 0 },
	{ "copyinto", PG_F_COPYINTO, 0 },  { "strtok", PG_F_STRTOK, 0 },
	{ "setopt", PG_F_SETOPT, 0 },
	{ "inet_ntoa", PG_F_INET_NTOA, 0 }, { "inet_ntoa6", PG_F_INET_NTOA6, 0 },
	{ "inet_ntop", PG_F_INET_NTOP, 0 },
};

/* Statements that are actions, not expressions (parsed by the functions in action_parsers). */
static const char *const actions[] = {
	"printf", "printa", "trace", "exit", "clear", "trunc", "normalize",
	"denormalize", "system", "stop",
};

static const struct { const char *name; enum agg_fn fn; int min, max; } aggfns[] = {
	{ "count", AGG_COUNT, 0, 0 }, { "sum", AGG_SUM, 1, 1 }, { "avg", AGG_AVG, 1, 1 },
	{ "min", AGG_MIN, 1, 1 },     { "max", AGG_MAX, 1, 1 }, { "stddev", AGG_STDDEV, 1, 1 },
	{ "quantize", AGG_QUANTIZE, 1, 2 }, { "lquantize", AGG_LQUANTIZE, 3, 5 },
};

/* Words that begin a type in a declaration or a cast. Every integer is kept in 64 bits; SIZE is
 * the type's own width (0: a word that only qualifies another, or "int"'s default of 4), which
 * is how wide an aggregation key of that type prints. */
static const struct { const char *name; int size; bool is_unsigned; } typewords[] = {
	{ "int", 0, 0 }, { "long", 8, 0 }, { "short", 2, 0 }, { "char", 1, 0 },
	{ "unsigned", 0, 1 }, { "signed", 0, 0 }, { "string", 0, 0 }, { "int8_t", 1, 0 },
	{ "int16_t", 2, 0 }, { "int32_t", 4, 0 }, { "int64_t", 8, 0 }, { "uint8_t", 1, 1 },
	{ "uint16_t", 2, 1 }, { "uint32_t", 4, 1 }, { "uint64_t", 8, 1 }, { "uintptr_t", 8, 1 },
	{ "intptr_t", 8, 0 }, { "size_t", 8, 1 }, { "ssize_t", 8, 0 }, { "pid_t", 4, 0 },
	{ "uid_t", 4, 1 },
};

/* Binary operators by precedence (higher binds tighter), all left-associative. */
static const struct { const char *tok; enum pg_op op; int prio; } binops[] = {
	{ "||", PG_OP_LOR, 1 },  { "^^", PG_OP_LXOR, 2 }, { "&&", PG_OP_LAND, 3 },
	{ "|", PG_OP_BOR, 4 },   { "^", PG_OP_BXOR, 5 },  { "&", PG_OP_BAND, 6 },
	{ "==", PG_OP_EQ, 7 },   { "!=", PG_OP_NE, 7 },
	{ "<", PG_OP_LT, 8 },    { "<=", PG_OP_LE, 8 },   { ">", PG_OP_GT, 8 },   { ">=", PG_OP_GE, 8 },
	{ "<<", PG_OP_SHL, 9 },  { ">>", PG_OP_SHR, 9 },
	{ "+", PG_OP_ADD, 10 },  { "-", PG_OP_SUB, 10 },
	{ "*", PG_OP_MUL, 11 },  { "/", PG_OP_DIV, 11 },  { "%", PG_OP_MOD, 11 },
};
#define UNARY_PRIO 12

static const struct { const char *tok; enum pg_op op; } assignops[] = {
	{ "=", PG_OP_NONE }, { "+=", PG_OP_ADD }, { "-=", PG_OP_SUB }, { "*=", PG_OP_MUL },
	{ "/=", PG_OP_DIV }, { "%=", PG_OP_MOD }, { "&=", PG_OP_BAND }, { "|=", PG_OP_BOR },
	{ "^=", PG_OP_BXOR }, { "<<=", PG_OP_SHL }, { ">>=", PG_OP_SHR },
};

#undef I
#undef S
#define N_(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* An index of the program's variables (or aggregations) by scope and name, so that a program
 * with many names compiles in linear time. A slot holds an index into the program's array + 1;
 * 0 is free. */
struct symtab {
	int *slot;
	size_t cap, n;
};

/* A node and its depth, for the walk that bounds a clause's depth (check_depth). */
struct walk_item {
	const struct pg_node *n;
	int depth;
};

struct parser {
	struct dt_lex lx;
	struct pg_prog *p;
	const struct dt_opts *o;
	struct pg_clause *clause;    /* the clause being parsed (NULL at top level) */
	int clause_idx;
	bool in_pred;                /* '/' ends the predicate rather than dividing */
	int nesting;                 /* how deep the parser has recursed (at most DT_MAX_DEPTH) */
	struct symtab vars, aggs;
	struct walk_item *walk;      /* check_depth's work list, kept for the next clause */
	size_t walkcap;
	/* Typing variables read before their first assignment (see dt_compile): */
	struct hints *hints;         /* the types first assignments give, found by earlier passes */
	bool discover;               /* a silent pass that only adds to hints */
	bool new_hint;               /* ... and this pass added one */
	bool failed;                 /* ... and met an error */
	bool zdefs, defaultargs;     /* #pragma D option zdefs, defaultargs */
	bool *guessed;               /* by variable: a discovery pass typed it as int at a read */
	int guesscap;
	jmp_buf bail;
};

/* A variable's type as its first assignment (or declaration) anywhere in the program gives it. */
struct hint {
	char *name;
	enum pg_scope scope;
	enum ps_vtype type;
	int isize;
	bool is_unsigned;
	int nkeys;
	enum ps_vtype keys[PG_MAX_KEYS];
};
struct hints {
	struct hint *h;
	int n, cap;
	int *slot;                   /* open addressing by scope and name: index + 1, 0 free */
	int nslots;
};

/* ---- errors ---- */

static void errorat(struct parser *ps, int line, int col, const char *f, ...)
	__attribute__((format(printf, 4, 5), noreturn));
static void errorat(struct parser *ps, int line, int col, const char *f, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, f);
	vsnprintf(msg, sizeof(msg), f, ap);
	va_end(ap);
	if (!ps->discover)
		dt_lex_report(&ps->lx, line, col, msg);
	longjmp(ps->bail, 1);
}

#define error(ps, ...) errorat(ps, (ps)->lx.tok.line, (ps)->lx.tok.col, __VA_ARGS__)
#define errnode(ps, n, ...) errorat(ps, (n)->line, (n)->col, __VA_ARGS__)

static const char *tokdesc(const struct dt_token *t, char *buf, size_t len)
{
	switch (t->kind) {
	case DT_EOF: return "end of file";
	case DT_INT: snprintf(buf, len, "'%lld'", (long long)t->ival); return buf;
	case DT_STR: return "a string";
	case DT_AGG: snprintf(buf, len, "'@%s'", t->text); return buf;
	case DT_MACRO: snprintf(buf, len, "'$%s'", t->text); return buf;
	default: snprintf(buf, len, "'%s'", t->text ? t->text : "?"); return buf;
	}
}

static void next(struct parser *ps)
{
	dt_lex_next(&ps->lx);
	if (ps->lx.tok.kind == DT_ERROR)
		error(ps, "%s", ps->lx.tok.text);
}

static bool isop(struct parser *ps, const char *op)
{
	return dt_lex_isop(&ps->lx, op);
}

static bool isident(struct parser *ps, const char *name)
{
	return ps->lx.tok.kind == DT_IDENT && strcmp(ps->lx.tok.text, name) == 0;
}

static void expect(struct parser *ps, const char *op, const char *what)
{
	char b[64];
	if (!isop(ps, op))
		error(ps, "'%s' expected %s, found %s", op, what, tokdesc(&ps->lx.tok, b, sizeof(b)));
	next(ps);
}

/* A closing token, naming where the opening one was when it is missing. */
static void expect_close(struct parser *ps, const char *close, const char *open, int line)
{
	char b[64];
	if (!isop(ps, close)) {
		if (line == ps->lx.tok.line)
			error(ps, "'%s' expected, found %s", close, tokdesc(&ps->lx.tok, b, sizeof(b)));
		error(ps, "'%s' expected (to close '%s' at line %d), found %s", close, open, line,
		      tokdesc(&ps->lx.tok, b, sizeof(b)));
	}
	next(ps);
}

/* Levenshtein distance, for "did you mean". */
static int distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	if (la > 63 || lb > 63)
		return 99;
	int d[64][64];
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

/* Keeps the closest of the candidates offered. */
struct suggest {
	const char *word;
	const char *best;
	int dist;
};

static void offer(struct suggest *s, const char *cand)
{
	int d = distance(s->word, cand);
	int limit = (int)strlen(s->word) / 3 + 1;
	if (d > 0 && d <= limit && (!s->best || d < s->dist)) {
		s->best = cand;
		s->dist = d;
	}
}

static const char *typename(enum ps_vtype t)
{
	return t == PS_V_STR ? "string" : t == PS_V_INT ? "int" : "void";
}

/* ---- names ---- */

static size_t symhash(const char *name, int scope)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)scope;    /* FNV-1a */
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 1099511628211ull;
	return (size_t)h;
}

static const char *symname(const struct parser *ps, const struct symtab *t, int i, int *scope)
{
	if (t == &ps->vars) {
		*scope = ps->p->vars[i].scope;
		return ps->p->vars[i].name;
	}
	*scope = 0;
	return ps->p->aggs[i].name;
}

/* The slot where NAME of SCOPE is, or the free slot where it would go. */
static int *symslot(const struct parser *ps, const struct symtab *t, const char *name, int scope)
{
	size_t mask = t->cap - 1;
	for (size_t k = symhash(name, scope) & mask;; k = (k + 1) & mask) {
		int sc, i = t->slot[k] - 1;
		if (i < 0)
			return &t->slot[k];
		const char *s = symname(ps, t, i, &sc);
		if (sc == scope && strcmp(s, name) == 0)
			return &t->slot[k];
	}
}

/* Index entry I of the program's array (kept at most half full, so a free slot always ends a probe). */
static void syminsert(struct parser *ps, struct symtab *t, int i)
{
	if (2 * (t->n + 1) > t->cap) {
		struct symtab old = *t;
		t->cap = old.cap ? old.cap * 2 : 64;
		t->slot = calloc(t->cap, sizeof(t->slot[0]));
		if (!t->slot) {
			perror("pyscope: out of memory");
			exit(70);
		}
		for (size_t k = 0; k < old.cap; k++)
			if (old.slot[k]) {
				int sc;
				const char *s = symname(ps, t, old.slot[k] - 1, &sc);
				*symslot(ps, t, s, sc) = old.slot[k];
			}
		free(old.slot);
	}
	int sc;
	const char *s = symname(ps, t, i, &sc);
	*symslot(ps, t, s, sc) = i + 1;
	t->n++;
}

static int find_var(const struct parser *ps, const char *name, enum pg_scope scope)
{
	return ps->vars.cap ? *symslot(ps, &ps->vars, name, (int)scope) - 1 : -1;
}

static int add_var(struct parser *ps, const char *name, enum pg_scope scope)
{
	int i = pg_add_var(ps->p, name, scope);
	ps->p->vars[i].store_whole = true;
	syminsert(ps, &ps->vars, i);
	return i;
}

static int find_agg(const struct parser *ps, const char *name)
{
	return ps->aggs.cap ? *symslot(ps, &ps->aggs, name, 0) - 1 : -1;
}

static int add_agg(struct parser *ps, const char *name)
{
	int i = pg_add_agg(ps->p, name);
	syminsert(ps, &ps->aggs, i);
	return i;
}

/* ---- nodes ---- */

static struct pg_node *mknode(struct parser *ps, enum pg_kind k, enum ps_vtype t, int nkids,
			      int line, int col)
{
	struct pg_node *n = pg_node(ps->p, k, t, nkids);
	n->line = line;
	n->col = col;
	return n;
}

/* Children into a node (a node without children has no array: nothing to copy). */
static void copy_kids(struct pg_node **dst, struct pg_node *const *src, int n)
{
	if (n > 0)
		memcpy(dst, src, sizeof(src[0]) * (size_t)n);
}

static unsigned hint_hash(const char *name, enum pg_scope scope)
{
	unsigned h = 2166136261u ^ (unsigned)scope;
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static struct hint *find_hint(const struct parser *ps, const char *name, enum pg_scope scope)
{
	const struct hints *hs = ps->hints;
	if (!hs || !hs->nslots)
		return NULL;
	for (unsigned k = hint_hash(name, scope) & (unsigned)(hs->nslots - 1);;
	     k = (k + 1) & (unsigned)(hs->nslots - 1)) {
		int i = hs->slot[k] - 1;
		if (i < 0)
			return NULL;
		if (hs->h[i].scope == scope && strcmp(hs->h[i].name, name) == 0)
			return &hs->h[i];
	}
}

static void hint_slot(struct hints *hs, int i)
{
	unsigned k = hint_hash(hs->h[i].name, hs->h[i].scope) & (unsigned)(hs->nslots - 1);
	while (hs->slot[k])
		k = (k + 1) & (unsigned)(hs->nslots - 1);
	hs->slot[k] = i + 1;
}

/* Index the last hint (the table is kept at most half full). */
static void hint_index(struct hints *hs)
{
	if (2 * hs->n > hs->nslots) {
		free(hs->slot);
		hs->nslots = hs->nslots ? hs->nslots * 2 : 64;
		hs->slot = calloc((size_t)hs->nslots, sizeof(int));
		if (!hs->slot) {
			perror("pyscope: out of memory");
			exit(70);
		}
		for (int j = 0; j < hs->n - 1; j++)
			hint_slot(hs, j);
	}
	hint_slot(hs, hs->n - 1);
}

/* Room for element N of malloc'd array A (the hints outlive the passes' programs). */
static void *grow(void *a, int n, int *cap, size_t size)
{
	if (n < *cap)
		return a;
	*cap = *cap ? *cap * 2 : 8;
	a = realloc(a, size * (size_t)*cap);
	if (!a) {
		perror("pyscope: out of memory");
		exit(70);
	}
	return a;
}

static void check_keys(struct parser *ps, struct pg_node *v);

/* A discovery pass saw variable VAR typed by an assignment or a declaration. */
static void add_hint(struct parser *ps, const struct pg_var *var)
{
	if (!ps->discover || find_hint(ps, var->name, var->scope))
		return;
	struct hints *h = ps->hints;
	h->h = grow(h->h, h->n, &h->cap, sizeof(h->h[0]));
	struct hint *e = &h->h[h->n++];
	memset(e, 0, sizeof(*e));
	e->name = strdup(var->name);
	if (!e->name) {
		perror("pyscope: out of memory");
		exit(70);
	}
	e->scope = var->scope;
	e->type = var->type;
	e->isize = var->isize;
	e->is_unsigned = var->is_unsigned;
	e->nkeys = var->nkeys;
	memcpy(e->keys, var->keys, sizeof(e->keys));
	hint_index(h);
	ps->new_hint = true;
}

static bool is_guessed(const struct parser *ps, int v)
{
	return v < ps->guesscap && ps->guessed[v];
}

/* Variable node N is read and no assignment before it in the text declared it. As in DTrace it
 * reads 0 or "" until assigned, with the type of its first assignment anywhere in the program
 * (a hint from the discovery passes). With no assignment anywhere it stays undefined (value()
 * reports it), except in a discovery pass, which guesses an integer to read on. */
static void read_unassigned(struct parser *ps, struct pg_node *n)
{
	const struct hint *h = find_hint(ps, n->s, (enum pg_scope)n->i);
	if (!h && !ps->discover)
		return;
	int idx = add_var(ps, n->s, (enum pg_scope)n->i);
	struct pg_var *var = &ps->p->vars[idx];
	var->type = h ? h->type : PS_V_INT;
	var->isize = h ? h->isize : 8;
	var->is_unsigned = h && h->is_unsigned;
	var->nkeys = h ? h->nkeys : n->nkids;
	for (int k = 0; k < var->nkeys; k++)
		var->keys[k] = h ? h->keys[k] : n->kids[k]->type;
	if (!h) {
		while (idx >= ps->guesscap) {
			int was = ps->guesscap;
			ps->guessed = grow(ps->guessed, was, &ps->guesscap, sizeof(bool));
			memset(ps->guessed + was, 0, (size_t)(ps->guesscap - was));
		}
		ps->guessed[idx] = true;
	}
	n->op = idx;
	n->type = var->type;
	n->isize = var->isize;
	check_keys(ps, n);
}

/* An expression used for its value: an unresolved name or a void statement is an error here. */
static struct pg_node *value(struct parser *ps, struct pg_node *n)
{
	if (n->kind == PG_E_VAR && n->op < 0)
		read_unassigned(ps, n);
	if (n->kind == PG_E_VAR && n->op < 0) {
		struct suggest s = { .word = n->s };
		for (int i = 0; i < N_(builtins); i++)
			offer(&s, builtins[i].name);
		for (int i = 0; i < ps->p->nvars; i++)
			if (ps->p->vars[i].scope == PG_SC_GLOBAL)
				offer(&s, ps->p->vars[i].name);
		const char *prefix = n->i == PG_SC_THREAD ? "self->" : n->i == PG_SC_CLAUSE ? "this->" : "";
		if (s.best)
			errnode(ps, n, "undefined variable '%s%s'; did you mean %s?", prefix, n->s, s.best);
		errnode(ps, n, "undefined variable '%s%s': assign or declare it before this use "
			"(e.g. '%sint %s;' at the top)", prefix, n->s,
			n->i == PG_SC_THREAD ? "self " : n->i == PG_SC_CLAUSE ? "this " : "", n->s);
	}
	if (n->type == PS_V_NONE)
		errnode(ps, n, "this expression has no value");
	return n;
}

static struct pg_node *want_int(struct parser *ps, struct pg_node *n, const char *what)
{
	value(ps, n);
	if (n->type != PS_V_INT)
		errnode(ps, n, "%s must be an integer, not a string", what);
	return n;
}

/* ---- expressions ---- */

/* One level deeper into the source's nesting: parentheses, operands of unary operators and casts,
 * the branches of ?: and if, the right side of an assignment. The parser recurses on each, so
 * their depth is bounded to keep it within the stack. */
static void nest(struct parser *ps)
{
	if (++ps->nesting > DT_MAX_DEPTH)
		error(ps, "nested too deeply (at most %d levels)", DT_MAX_DEPTH);
}

static void unnest(struct parser *ps)
{
	ps->nesting--;
}

static struct pg_node *expr(struct parser *ps);
static struct pg_node *subexpr(struct parser *ps, int limit);

/* Find or create variable NAME of SCOPE as it is about to be assigned a value of type T (a first
 * assignment declares it). */
static bool is_unsigned_expr(const struct parser *ps, const struct pg_node *n);

static int resolve_assign(struct parser *ps, struct pg_node *v, enum ps_vtype t,
			  const struct pg_node *val)
{
	const char *sc = v->i == PG_SC_THREAD ? "self->" : v->i == PG_SC_CLAUSE ? "this->" : "";
	if (v->op < 0) {
		int idx = add_var(ps, v->s, (enum pg_scope)v->i);
		struct pg_var *var = &ps->p->vars[idx];
		var->type = t;
		/* the first value's type, as D declares it: self->ts = 0 makes an int, which keeps
		 * a later timestamp whole (pg_var.store_whole) but prints its low 32 bits */
		var->isize = t != PS_V_INT ? 0 : val && val->isize ? val->isize : 8;
		var->is_unsigned = t == PS_V_INT && val && is_unsigned_expr(ps, val);
		var->nkeys = v->nkids;
		for (int k = 0; k < v->nkids; k++)
			var->keys[k] = v->kids[k]->type;
		v->op = idx;
		v->type = t;
		v->isize = var->isize;
		add_hint(ps, var);
		return idx;
	}
	struct pg_var *var = &ps->p->vars[v->op];
	if (ps->discover && is_guessed(ps, v->op) && !find_hint(ps, var->name, var->scope)) {
		enum ps_vtype was = var->type;
		var->type = t;       /* the first assignment's type, for the next passes */
		add_hint(ps, var);
		var->type = was;
	}
	if (var->type != t)
		errnode(ps, v, "cannot assign %s to %s%s, which is %s",
			t == PS_V_STR ? "a string" : "an integer", sc, var->name,
			var->type == PS_V_STR ? "a string" : "an integer");
	return v->op;
}

/* Check keys K of variable node V against its declared (or first-used) keys. */
static void check_keys(struct parser *ps, struct pg_node *v)
{
	const struct pg_var *var = &ps->p->vars[v->op];
	if (var->nkeys != v->nkids) {
		if (!var->nkeys)
			errnode(ps, v, "%s is not an associative array", var->name);
		errnode(ps, v, "%s takes %d key%s, %d given", var->name, var->nkeys,
			var->nkeys == 1 ? "" : "s", v->nkids);
	}
	for (int k = 0; k < v->nkids; k++)
		if (var->keys[k] != v->kids[k]->type)
			errnode(ps, v->kids[k], "key #%d of %s must be %s, not %s", k + 1, var->name,
				var->keys[k] == PS_V_STR ? "a string" : "an integer",
				v->kids[k]->type == PS_V_STR ? "a string" : "an integer");
}

/* keylist -> '[' expr {',' expr} ']' */
static void keylist(struct parser *ps, struct pg_node *v)
{
	int line = ps->lx.tok.line;
	struct pg_node *keys[PG_MAX_KEYS];
	int n = 0;
	bool pred = ps->in_pred;
	ps->in_pred = false;     /* inside brackets '/' divides again */
	next(ps);
	for (;;) {
		if (n == PG_MAX_KEYS)
			error(ps, "too many keys (at most %d)", PG_MAX_KEYS);
		keys[n++] = value(ps, expr(ps));
		if (!isop(ps, ","))
			break;
		next(ps);
	}
	expect_close(ps, "]", "[", line);
	ps->in_pred = pred;
	v->nkids = n;
	v->kids = pg_alloc(ps->p, sizeof(v->kids[0]) * (size_t)n);
	copy_kids(v->kids, keys, n);
}

/* variable -> ['self' '->' | 'this' '->'] IDENT [keylist] */
static struct pg_node *variable(struct parser *ps, enum pg_scope scope, int line, int col)
{
	char b[64];
	if (ps->lx.tok.kind != DT_IDENT)
		error(ps, "variable name expected after '%s->', found %s",
		      scope == PG_SC_THREAD ? "self" : "this", tokdesc(&ps->lx.tok, b, sizeof(b)));
	struct pg_node *v = mknode(ps, PG_E_VAR, PS_V_NONE, 0, line, col);
	v->s = pg_strdup(ps->p, ps->lx.tok.text);
	v->i = scope;
	v->op = find_var(ps, v->s, scope);
	if (v->op >= 0) {
		v->type = ps->p->vars[v->op].type;
		v->isize = ps->p->vars[v->op].isize;
	}
	if (scope == PG_SC_CLAUSE && !ps->clause)
		error(ps, "this-> variables exist only inside a clause");
	next(ps);
	if (isop(ps, "["))
		keylist(ps, v);
	if (v->op >= 0)
		check_keys(ps, v);
	return v;
}

/* call -> IDENT '(' [expr {',' expr}] ')' */
static struct pg_node *call(struct parser *ps, enum pg_func f, const char *name, int line, int col)
{
	const struct pg_funcsig *sig = &pg_funcs[f];
	struct pg_node *args[PG_MAX_CALL_ARGS];
	int n = 0, oline = ps->lx.tok.line;
	bool pred = ps->in_pred;
	ps->in_pred = false;     /* inside parentheses '/' divides again */
	next(ps);
	if (!isop(ps, ")"))
		for (;;) {
			if (n == PG_MAX_CALL_ARGS)
				error(ps, "too many arguments");
			args[n++] = value(ps, expr(ps));
			if (!isop(ps, ","))
				break;
			next(ps);
		}
	expect_close(ps, ")", "(", oline);
	ps->in_pred = pred;
	if (n < sig->minargs || n > sig->maxargs) {
		if (sig->minargs == sig->maxargs)
			errorat(ps, line, col, "%s( ) takes %d argument%s, %d given", name, sig->minargs,
				sig->minargs == 1 ? "" : "s", n);
		errorat(ps, line, col, "%s( ) takes %d to %d arguments, %d given", name, sig->minargs,
			sig->maxargs, n);
	}
	for (int i = 0; i < n; i++)
		if (sig->args[i] != PS_V_NONE && args[i]->type != sig->args[i])
			errnode(ps, args[i], "%s( ) argument #%d must be %s, not %s", name, i + 1,
				sig->args[i] == PS_V_STR ? "a string" : "an integer",
				args[i]->type == PS_V_STR ? "a string" : "an integer");
	struct pg_node *c = mknode(ps, PG_E_CALL, sig->ret, n, line, col);
	c->op = f;
	copy_kids(c->kids, args, n);
	return c;
}

static int find_typeword(const char *w)
{
	for (int i = 0; i < N_(typewords); i++)
		if (strcmp(typewords[i].name, w) == 0)
			return i;
	return -1;
}

/* type -> typeword {typeword} {'*'}   (every integer or pointer type is a 64-bit integer; SIZE,
 * when not NULL, gets the type's own width: "short int" 2, "unsigned" 4, "long long" 8, a pointer 8) */
static enum ps_vtype type(struct parser *ps, int *size, bool *is_unsigned)
{
	bool str = false, any = false, uns = false;
	int sz = 0, w;
	while (ps->lx.tok.kind == DT_IDENT && (w = find_typeword(ps->lx.tok.text)) >= 0) {
		str |= strcmp(ps->lx.tok.text, "string") == 0;
		uns |= typewords[w].is_unsigned;
		if (typewords[w].size)
			sz = typewords[w].size;
		any = true;
		next(ps);
	}
	if (!any)
		error(ps, "type name expected");
	int ptr = 0;
	while (isop(ps, "*")) {
		ptr++;
		next(ps);
	}
	if (size)
		*size = ptr ? 8 : sz ? sz : 4;
	if (is_unsigned)
		*is_unsigned = uns || ptr;
	return str && !ptr ? PS_V_STR : PS_V_INT;
}

/* The width of an integer built from operands of widths A and B: C's promotions (nothing
 * narrower than int), then the wider of the two. */
static int promote(int a, int b)
{
	a = a ? a : 8;
	b = b ? b : 8;
	int w = a > b ? a : b;
	return w < 4 ? 4 : w;
}

static struct pg_node *macro(struct parser *ps)
{
	const struct dt_token *t = &ps->lx.tok;
	int line = t->line, col = t->col;
	struct pg_node *n;
	if (strcmp(t->text, "target") == 0 && !t->ival) {
		n = mknode(ps, PG_E_BUILTIN, PS_V_INT, 0, line, col);
		n->op = PG_B_TARGET;
		n->isize = 4;    /* a pid, which D writes in as an int constant */
	} else if (isdigit((unsigned char)t->text[0])) {
		char *end;
		long k = strtol(t->text, &end, 10);
		if (*end || k < 0)
			error(ps, "unknown macro variable '$%s'", t->text);
		if (k > ps->o->nmacros && (ps->o->defaultargs || ps->defaultargs) && k > 0) {
			n = t->ival ? mknode(ps, PG_E_STR, PS_V_STR, 0, line, col) :
				      mknode(ps, PG_E_INT, PS_V_INT, 0, line, col);
			n->s = t->ival ? "" : NULL;     /* defaultargs: 0 or "" */
			n->isize = t->ival ? 0 : 4;
			next(ps);
			return n;
		}
		if (k == 0 || k > ps->o->nmacros)
			error(ps, "macro argument $%s is not defined (%d argument%s given after the "
			      "script)", t->text, ps->o->nmacros, ps->o->nmacros == 1 ? "" : "s");
		const char *a = ps->o->macros[k - 1];
		errno = 0;
		long long v = strtoll(a, &end, 0);
		if (!t->ival && *a && !*end && errno == ERANGE)
			error(ps, "macro argument $%ld is out of range as an integer: %s (use $$%ld for it "
			      "as a string)", k, a, k);
		if (!t->ival && *a && !*end) {
			n = mknode(ps, PG_E_INT, PS_V_INT, 0, line, col);
			n->i = v;
			n->isize = v >= INT32_MIN && v <= INT32_MAX ? 4 : 8;
		} else {
			n = mknode(ps, PG_E_STR, PS_V_STR, 0, line, col);
			n->s = pg_strdup(ps->p, a);
		}
	} else {
		error(ps, "unknown macro variable '$%s'", t->text);
	}
	next(ps);
	return n;
}

/* primary -> INT | STR | '(' expr ')' | '(' type ')' unary | MACRO | 'self' '->' variable
 *          | 'this' '->' variable | 'args' '[' INT ']' | 'arg'N | builtin | call | variable */
static struct pg_node *primary(struct parser *ps)
{
	struct dt_token *t = &ps->lx.tok;
	int line = t->line, col = t->col;
	char b[64];
	struct pg_node *n;
	switch (t->kind) {
	case DT_INT:
		n = mknode(ps, PG_E_INT, PS_V_INT, 0, line, col);
		n->i = t->ival;
		n->isize = t->size;
		next(ps);
		return n;
	case DT_STR:
		n = mknode(ps, PG_E_STR, PS_V_STR, 0, line, col);
		n->s = pg_strndup(ps->p, t->text, (size_t)t->ival);
		next(ps);
		return n;
	case DT_MACRO:
		return macro(ps);
	case DT_AGG:
		error(ps, "aggregation @%s can only be assigned or given to printa, clear, trunc or "
		      "normalize", t->text);
	case DT_OP:
		if (isop(ps, "(")) {
			next(ps);
			if (t->kind == DT_IDENT && find_typeword(t->text) >= 0) {
				int size;
				bool uns;
				enum ps_vtype ty = type(ps, &size, &uns);
				expect_close(ps, ")", "(", line);
				nest(ps);
				n = value(ps, subexpr(ps, UNARY_PRIO));
				unnest(ps);
				if (ty != n->type)
					errorat(ps, line, col, "cannot cast %s to %s", typename(n->type),
						typename(ty));
				if (ty != PS_V_INT || size == 8) {
					n->isize = ty == PS_V_INT ? 8 : 0;
					return n;
				}
				/* a narrower integer type keeps the low bytes, as C's cast does */
				struct pg_node *c = mknode(ps, PG_E_UNARY, PS_V_INT, 1, line, col);
				c->op = uns ? PG_OP_ZEXT : PG_OP_SEXT;
				c->i = size;
				c->isize = size;
				c->kids[0] = n;
				return c;
			}
			bool pred = ps->in_pred;
			ps->in_pred = false;
			n = expr(ps);
			ps->in_pred = pred;
			expect_close(ps, ")", "(", line);
			return n;
		}
		break;
	case DT_IDENT:
		break;
	default:
		break;
	}
	if (t->kind != DT_IDENT)
		error(ps, "expression expected, found %s", tokdesc(t, b, sizeof(b)));

	const char *name = t->text;
	if (strcmp(name, "self") == 0 || strcmp(name, "this") == 0) {
		enum pg_scope sc = name[0] == 's' ? PG_SC_THREAD : PG_SC_CLAUSE;
		next(ps);
		expect(ps, "->", sc == PG_SC_THREAD ? "after 'self'" : "after 'this'");
		return variable(ps, sc, line, col);
	}
	if (strcmp(name, "curpsinfo") == 0 && find_var(ps, name, PG_SC_GLOBAL) < 0) {
		next(ps);
		expect(ps, "->", "after 'curpsinfo' (curpsinfo->pr_psargs)");
		struct suggest s = { .word = t->kind == DT_IDENT ? t->text : "" };
		for (int i = 0; i < N_(psfields); i++) {
			if (t->kind == DT_IDENT && strcmp(t->text, psfields[i].name) == 0) {
				n = mknode(ps, PG_E_BUILTIN, psfields[i].type, 0, line, col);
				n->op = psfields[i].b;
				n->isize = psfields[i].size;
				next(ps);
				return n;
			}
			offer(&s, psfields[i].name);
		}
		if (s.best)
			error(ps, "curpsinfo has no member %s; did you mean %s?", s.word, s.best);
		error(ps, "curpsinfo has no member %s (pyscope has pr_pid, pr_ppid, pr_pgid, pr_sid, "
		      "pr_uid, pr_euid, pr_gid, pr_egid, pr_fname, pr_psargs)", s.word);
	}
	if (strcmp(name, "NULL") == 0 && find_var(ps, name, PG_SC_GLOBAL) < 0) {
		n = mknode(ps, PG_E_INT, PS_V_INT, 0, line, col);   /* (void *)0 */
		n->isize = 8;
		next(ps);
		return n;
	}
	if (strcmp(name, "args") == 0) {
		next(ps);
		if (!isop(ps, "["))
			errorat(ps, line, col, "args must be indexed: args[0]");
		next(ps);
		if (t->kind != DT_INT || t->ival < 0 || t->ival >= PS_MAX_ARGS)
			error(ps, "args[ ] index must be an integer constant from 0 to %d", PS_MAX_ARGS - 1);
		n = mknode(ps, PG_E_ARG, PS_V_INT, 0, line, col);
		n->i = t->ival;
		next(ps);
		expect_close(ps, "]", "[", line);
		return n;
	}
	if (strncmp(name, "arg", 3) == 0 && isdigit((unsigned char)name[3]) && !name[4]) {
		n = mknode(ps, PG_E_ARG, PS_V_INT, 0, line, col);
		n->i = name[3] - '0';
		next(ps);
		return n;
	}
	if (strncmp(name, "arg", 3) == 0 && strspn(name + 3, "0123456789") == strlen(name + 3) &&
	    name[3] && find_var(ps, name, PG_SC_GLOBAL) < 0)
		error(ps, "there is no %s: arguments are arg0 to arg9, or args[0] to args[%d]", name,
		      PS_MAX_ARGS - 1);
	if (strcmp(name, "NULL") == 0 && find_var(ps, name, PG_SC_GLOBAL) < 0) {
		n = mknode(ps, PG_E_INT, PS_V_INT, 0, line, col);   /* (void *)0 */
		next(ps);
		return n;
	}
	for (int i = 0; i < N_(builtins); i++)
		if (strcmp(name, builtins[i].name) == 0 && find_var(ps, name, PG_SC_GLOBAL) < 0) {
			n = mknode(ps, PG_E_BUILTIN, builtins[i].type, 0, line, col);
			n->op = builtins[i].b;
			n->isize = builtins[i].size;
			next(ps);
			return n;
		}
	for (int i = 0; i < N_(functions); i++)
		if (strcmp(name, functions[i].name) == 0) {
			next(ps);
			if (!isop(ps, "(")) {
				/* (NAME was the token's text, which next() has replaced) */
				name = functions[i].name;
				if (functions[i].f != PG_F_STRINGOF)
					errorat(ps, line, col, "%s is a function: %s( )", name, name);
				/* stringof is also an operator: stringof expr */
				nest(ps);
				struct pg_node *a = value(ps, subexpr(ps, UNARY_PRIO));
				unnest(ps);
				n = mknode(ps, PG_E_CALL, PS_V_STR, 1, line, col);
				n->op = PG_F_STRINGOF;
				n->kids[0] = a;
				return n;
			}
			n = call(ps, functions[i].f, functions[i].name, line, col);
			n->isize = functions[i].size;
			if (n->op == PG_F_STRTOK && n->kids[0]->type != PS_V_STR &&
			    !(n->kids[0]->kind == PG_E_INT && n->kids[0]->i == 0))
				errnode(ps, n->kids[0], "strtok( ) argument #1 must be a string or NULL");
			return n;
		}
	for (int i = 0; i < N_(actions); i++)
		if (strcmp(name, actions[i]) == 0)
			error(ps, "%s( ) is an action: it cannot be used in an expression", name);
	/* Not a built-in: a function call to something unknown, or a variable. */
	char *nm = pg_strdup(ps->p, name);
	next(ps);
	if (isop(ps, "(")) {
		for (int i = 0; i < N_(aggfns); i++)
			if (strcmp(nm, aggfns[i].name) == 0)
				errorat(ps, line, col, "%s( ) is an aggregating function: it can only be "
					"assigned to an aggregation (@name[keys] = %s(...);)", nm, nm);
		struct suggest s = { .word = nm };
		for (int i = 0; i < N_(functions); i++)
			offer(&s, functions[i].name);
		for (int i = 0; i < N_(actions); i++)
			offer(&s, actions[i]);
		if (s.best)
			errorat(ps, line, col, "unknown function %s( ); did you mean %s?", nm, s.best);
		errorat(ps, line, col, "unknown function %s( )", nm);
	}
	n = mknode(ps, PG_E_VAR, PS_V_NONE, 0, line, col);
	n->s = nm;
	n->i = PG_SC_GLOBAL;
	n->op = find_var(ps, nm, PG_SC_GLOBAL);
	if (n->op >= 0) {
		n->type = ps->p->vars[n->op].type;
		n->isize = ps->p->vars[n->op].isize;
	}
	if (isop(ps, "["))
		keylist(ps, n);
	if (n->op >= 0)
		check_keys(ps, n);
	return n;
}

/* An lvalue for ++, -- or assignment. */
static struct pg_node *lvalue(struct parser *ps, struct pg_node *n, const char *op)
{
	if (n->kind != PG_E_VAR)
		errnode(ps, n, "operator %s needs a variable on its left", op);
	return n;
}

static struct pg_node *incdec(struct parser *ps, struct pg_node *v, int delta, int prefix,
			      int line, int col)
{
	const char *op = delta > 0 ? "++" : "--";
	lvalue(ps, v, op);
	if (v->op < 0 || v->type == PS_V_INT)
		resolve_assign(ps, v, PS_V_INT, NULL);   /* an assignment, for the typing of reads */
	if (v->type != PS_V_INT)
		errnode(ps, v, "operator %s needs an integer variable, not a string", op);
	struct pg_node *n = mknode(ps, PG_E_INCDEC, PS_V_INT, 1, line, col);
	n->kids[0] = v;
	n->i = delta;
	n->op = prefix;
	n->isize = v->isize;
	return n;
}

/* postfix -> primary {'++' | '--'} */
static struct pg_node *postfix(struct parser *ps)
{
	struct pg_node *n = primary(ps);
	while (isop(ps, "++") || isop(ps, "--")) {
		n = incdec(ps, n, isop(ps, "++") ? 1 : -1, 0, ps->lx.tok.line, ps->lx.tok.col);
		next(ps);
	}
	return n;
}

/* unary -> ('!' | '~' | '-' | '+') unary | ('++' | '--') unary | postfix */
static struct pg_node *unary(struct parser *ps)
{
	static const struct { const char *tok; enum pg_op op; } unops[] = {
		{ "!", PG_OP_NOT }, { "~", PG_OP_BNOT }, { "-", PG_OP_NEG }, { "+", PG_OP_PLUS },
	};
	int line = ps->lx.tok.line, col = ps->lx.tok.col;
	if (isop(ps, "++") || isop(ps, "--")) {
		int d = isop(ps, "++") ? 1 : -1;
		next(ps);
		nest(ps);
		struct pg_node *v = unary(ps);
		unnest(ps);
		return incdec(ps, v, d, 1, line, col);
	}
	for (int i = 0; i < N_(unops); i++)
		if (isop(ps, unops[i].tok)) {
			next(ps);
			nest(ps);
			struct pg_node *a = value(ps, unary(ps));
			unnest(ps);
			if (a->type != PS_V_INT)
				errnode(ps, a, "operator %s needs an integer operand, not a string",
					unops[i].tok);
			struct pg_node *n = mknode(ps, PG_E_UNARY, PS_V_INT, 1, line, col);
			n->op = unops[i].op;
			n->kids[0] = a;
			n->isize = unops[i].op == PG_OP_NOT ? 4 : promote(a->isize, 4);
			return n;
		}
	return postfix(ps);
}

static int find_binop(struct parser *ps)
{
	if (ps->lx.tok.kind != DT_OP || (ps->in_pred && isop(ps, "/")))
		return -1;
	for (int i = 0; i < N_(binops); i++)
		if (strcmp(ps->lx.tok.text, binops[i].tok) == 0)
			return i;
	return -1;
}

/* subexpr -> unary {binop subexpr}   where binop's priority is above LIMIT (precedence climbing) */
static struct pg_node *subexpr(struct parser *ps, int limit)
{
	struct pg_node *l = unary(ps);
	int k;
	while ((k = find_binop(ps)) >= 0 && binops[k].prio > limit) {
		int line = ps->lx.tok.line, col = ps->lx.tok.col;
		enum pg_op op = binops[k].op;
		next(ps);
		value(ps, l);
		struct pg_node *r = value(ps, subexpr(ps, binops[k].prio));
		if (op >= PG_OP_EQ && op <= PG_OP_GE) {
			/* s == NULL: a string against the NULL string (equal to "", as dtrace's
			 * string compare reads a NULL as "") */
			struct pg_node **z = l->type == PS_V_STR && r->kind == PG_E_INT && !r->i ? &r
					     : r->type == PS_V_STR && l->kind == PG_E_INT && !l->i ? &l : NULL;
			if (z) {
				*z = mknode(ps, PG_E_STR, PS_V_STR, 0, (*z)->line, (*z)->col);
				(*z)->s = "";
				(*z)->i = 1;    /* D's NULL string (rt_dialect.null_strings) */
			}
			if (l->type != r->type)
				errorat(ps, line, col, "operator %s cannot compare %s with %s",
					binops[k].tok, l->type == PS_V_STR ? "a string" : "an integer",
					r->type == PS_V_STR ? "a string" : "an integer");
		} else if (l->type != PS_V_INT || r->type != PS_V_INT) {
			errorat(ps, line, col, "operator %s needs integer operands; the %s one is a string",
				binops[k].tok, l->type != PS_V_INT ? "left" : "right");
		}
		struct pg_node *n = mknode(ps, PG_E_BINARY, PS_V_INT, 2, line, col);
		n->op = op;
		n->kids[0] = l;
		n->kids[1] = r;
		/* comparisons and logic give an int; shifts the left operand's type */
		n->isize = op >= PG_OP_EQ ? 4 : op == PG_OP_SHL || op == PG_OP_SHR ?
			   promote(l->isize, 4) : promote(l->isize, r->isize);
		l = n;
	}
	return l;
}

/* cond -> subexpr ['?' expr ':' cond] */
static struct pg_node *cond(struct parser *ps)
{
	struct pg_node *c = subexpr(ps, 0);
	if (!isop(ps, "?"))
		return c;
	int line = ps->lx.tok.line, col = ps->lx.tok.col;
	want_int(ps, c, "the condition of ?:");
	next(ps);
	struct pg_node *a = value(ps, expr(ps));
	expect(ps, ":", "in ?: expression");
	nest(ps);
	struct pg_node *b = value(ps, cond(ps));
	unnest(ps);
	if (a->type != b->type)
		errorat(ps, line, col, "?: branches must have the same type (%s and %s)",
			typename(a->type), typename(b->type));
	struct pg_node *n = mknode(ps, PG_E_COND, a->type, 3, line, col);
	n->isize = a->type == PS_V_INT ? promote(a->isize, b->isize) : 0;
	n->kids[0] = c;
	n->kids[1] = a;
	n->kids[2] = b;
	return n;
}

/* expr -> cond [assignop expr]   (right-associative) */
static struct pg_node *assignment(struct parser *ps)
{
	struct pg_node *l = cond(ps);
	if (ps->lx.tok.kind != DT_OP)
		return l;
	for (int i = 0; i < N_(assignops); i++)
		if (isop(ps, assignops[i].tok)) {
			int line = ps->lx.tok.line, col = ps->lx.tok.col;
			lvalue(ps, l, assignops[i].tok);
			next(ps);
			struct pg_node *r = value(ps, expr(ps));
			if (assignops[i].op != PG_OP_NONE) {
				value(ps, l);
				if (l->type != PS_V_INT || r->type != PS_V_INT)
					errorat(ps, line, col, "operator %s needs integer operands",
						assignops[i].tok);
			}
			if (l->op < 0) {
				for (int k = 0; k < l->nkids; k++)
					value(ps, l->kids[k]);
			}
			/* 0 or NULL into a string variable: D's NULL string, which compares equal
			 * to "" and faults where its bytes are read (rt_dialect.null_strings) */
			const struct hint *h = l->op < 0 ? find_hint(ps, l->s, (enum pg_scope)l->i) : NULL;
			enum ps_vtype lt = l->op >= 0 ? ps->p->vars[l->op].type : h ? h->type : PS_V_NONE;
			if (lt == PS_V_STR && assignops[i].op == PG_OP_NONE && r->kind == PG_E_INT &&
			    r->i == 0) {
				r = mknode(ps, PG_E_STR, PS_V_STR, 0, r->line, r->col);
				r->s = "";
				r->i = 1;
			}
			resolve_assign(ps, l, r->type, assignops[i].op == PG_OP_NONE ? r : NULL);
			struct pg_node *n = mknode(ps, PG_E_ASSIGN, r->type, 2, line, col);
			n->isize = l->isize;
			n->op = assignops[i].op;
			n->kids[0] = l;
			n->kids[1] = r;
			return n;
		}
	return l;
}

static struct pg_node *expr(struct parser *ps)
{
	nest(ps);
	struct pg_node *n = assignment(ps);
	unnest(ps);
	return n;
}

/* ---- statements ---- */

static int aggregation_ref(struct parser *ps)
{
	char b[64];
	if (ps->lx.tok.kind != DT_AGG)
		error(ps, "aggregation expected, found %s", tokdesc(&ps->lx.tok, b, sizeof(b)));
	int a = find_agg(ps, ps->lx.tok.text);
	if (a < 0 || !ps->p->aggs[a].defined)
		error(ps, "undefined aggregation @%s", ps->lx.tok.text);
	next(ps);
	return a;
}

static struct fmt *format(struct parser *ps, const char *func)
{
	char b[64];
	const struct dt_token *t = &ps->lx.tok;
	if (t->kind != DT_STR)
		error(ps, "%s( ) format must be a string constant, found %s", func,
		      tokdesc(t, b, sizeof(b)));
	struct fmt_error fe;
	struct fmt *f = fmt_compile(t->text, &fe);
	if (!f)
		errorat(ps, t->line, dt_lex_strcol(&ps->lx, t, (size_t)fe.offset), "%s", fe.msg);
	pg_own_fmt(ps->p, f);
	next(ps);
	return f;
}

/* Whether integer expression N has an unsigned type, as far as the records need it (the
 * parser keeps only widths): a variable's declaration, an unsigned cast, and C's rule that an
 * operation is unsigned when an operand of the result's width is. */
static bool is_unsigned_expr(const struct parser *ps, const struct pg_node *n)
{
	switch (n->kind) {
	case PG_E_VAR:
		return n->op >= 0 && ps->p->vars[n->op].is_unsigned;
	case PG_E_ASSIGN:
	case PG_E_INCDEC:
		return is_unsigned_expr(ps, n->kids[0]);
	case PG_E_UNARY:
		if (n->op == PG_OP_ZEXT || n->op == PG_OP_SEXT)
			return n->op == PG_OP_ZEXT;
		return n->op != PG_OP_NOT && is_unsigned_expr(ps, n->kids[0]);
	case PG_E_BINARY:
		if (n->op >= PG_OP_EQ && n->op <= PG_OP_LXOR)
			return false;
		for (int k = 0; k < n->nkids && k < (n->op == PG_OP_SHL || n->op == PG_OP_SHR ? 1 : 2); k++)
			if ((n->kids[k]->isize ? n->kids[k]->isize : 8) == (n->isize ? n->isize : 8) &&
			    is_unsigned_expr(ps, n->kids[k]))
				return true;
		return false;
	case PG_E_COND:
		return is_unsigned_expr(ps, n->kids[1]) || is_unsigned_expr(ps, n->kids[2]);
	default:
		return false;
	}
}

/* N cut to its type's width (N->isize < 8), as dtrace(1) records it: the low bytes, extended
 * with zeros when ZERO or N's type is unsigned, else with the sign. */
static struct pg_node *narrowed(struct parser *ps, struct pg_node *n, bool zero)
{
	struct pg_node *z = mknode(ps, PG_E_UNARY, PS_V_INT, 1, n->line, n->col);
	z->op = zero || is_unsigned_expr(ps, n) ? PG_OP_ZEXT : PG_OP_SEXT;
	z->i = n->isize;
	z->isize = n->isize;
	z->kids[0] = n;
	return z;
}

/* printf -> 'printf' '(' STR {',' expr} ')' */
static struct pg_node *st_printf(struct parser *ps, enum pg_kind k, int line, int col)
{
	struct pg_node *args[64];
	enum ps_vtype types[64];
	int n = 0;
	const char *fn = k == PG_S_EXPR ? "system" : "printf";   /* system(fmt, ...) */
	struct fmt *f = format(ps, fn);
	while (isop(ps, ",")) {
		next(ps);
		if (n == 64)
			error(ps, "too many arguments");
		args[n] = value(ps, expr(ps));
		types[n] = args[n]->type;
		n++;
	}
	expect_close(ps, ")", "(", line);
	char msg[1024];
	if (fmt_check(f, fn, 1, types, NULL, n, 0, msg, sizeof(msg)) < 0)
		errorat(ps, line, col, "%s", msg);
	/* DTrace records an argument in its type's width (dtrace_probe stores the DIF result in
	 * dtdt_size bytes) and prints it from there: %x of the int -1 is ffffffff, and an int
	 * variable holding timestamp (variables keep 64 bits, see pg_var.store_whole) prints its
	 * low 32 bits, sign-extended by %d (dt_printf.c pfprint_sint) and not by %u/%x/%o. */
	for (int i = 0; i < n; i++) {
		const char *conv = fmt_argconv(f, i);
		char c = conv && *conv ? conv[strlen(conv) - 1] : 0;
		if (args[i]->type != PS_V_INT || !args[i]->isize || args[i]->isize >= 8 || !c ||
		    strchr(conv, '*'))   /* a '*' width is an int already */
			continue;
		args[i] = narrowed(ps, args[i], strchr("uxXo", c) != NULL);
	}
	struct pg_node *s = mknode(ps, k == PG_S_EXPR ? PG_E_CALL : PG_S_PRINTF, PS_V_NONE, n,
				   line, col);
	s->fmt = f;
	copy_kids(s->kids, args, n);
	if (k != PG_S_EXPR)
		return s;
	s->op = PG_F_SYSTEM;             /* a destructive action: dtrace.c asks for -w */
	ps->p->destructive_at = ps->p->destructive_at ? ps->p->destructive_at : line;
	struct pg_node *e = mknode(ps, PG_S_EXPR, PS_V_NONE, 1, line, col);
	e->kids[0] = s;
	return e;
}

/* stop -> 'stop' '(' ')': refused, pyscope never stops a traced process */
static struct pg_node *st_stop(struct parser *ps, enum pg_kind k, int line, int col)
{
	(void)k;
	errorat(ps, line, col, "stop( ) is not supported: pyscope does not stop traced processes "
		"(trace them with -c or -p and let them run)");
	return NULL;
}

/* printa -> 'printa' '(' [STR ','] AGG ')' */
static struct pg_node *st_printa(struct parser *ps, enum pg_kind k, int line, int col)
{
	struct fmt *f = NULL;
	(void)k;
	if (ps->lx.tok.kind == DT_STR) {
		f = format(ps, "printa");
		expect(ps, ",", "after printa( )'s format");
	}
	struct pg_node *s = mknode(ps, PG_S_PRINTA, PS_V_NONE, 0, line, col);
	s->op = aggregation_ref(ps);
	s->fmt = f;
	/* printa(@a, @b, ...): further aggregations with the same key signature */
	struct pg_node *more[PG_MAX_CALL_ARGS];
	while (isop(ps, ",")) {
		next(ps);
		int bl = ps->lx.tok.line, bc = ps->lx.tok.col;
		if (s->nkids == PG_MAX_CALL_ARGS)
			error(ps, "too many arguments");
		int b = aggregation_ref(ps);
		const struct pg_aggdef *a0 = &ps->p->aggs[s->op], *a1 = &ps->p->aggs[b];
		if (a0->nkeys != a1->nkeys)
			errorat(ps, bl, bc, "printa( ): @%s and @%s do not have matching key signatures: "
				"@%s has %d key%s, @%s has %d key%s", a0->name, a1->name, a0->name,
				a0->nkeys, a0->nkeys == 1 ? "" : "s", a1->name, a1->nkeys,
				a1->nkeys == 1 ? "" : "s");
		for (int k2 = 0; k2 < a0->nkeys; k2++)
			if (a0->keys[k2] != a1->keys[k2])
				errorat(ps, bl, bc, "printa( ): @%s[ ] key #%d is incompatible with @%s: "
					"@%s key #%d is %s, @%s key #%d is %s", a1->name, k2 + 1,
					a0->name, a0->name, k2 + 1, typename(a0->keys[k2]), a1->name,
					k2 + 1, typename(a1->keys[k2]));
		more[s->nkids] = mknode(ps, PG_E_INT, PS_V_INT, 0, bl, bc);
		more[s->nkids++]->i = b;
	}
	if (s->nkids) {
		s->kids = pg_alloc(ps->p, sizeof(s->kids[0]) * (size_t)s->nkids);
		copy_kids(s->kids, more, s->nkids);
	}
	expect_close(ps, ")", "(", line);
	if (f) {
		const struct pg_aggdef *a = &ps->p->aggs[s->op];
		char msg[1024];
		if (fmt_check(f, "printa", 1, a->keys, NULL, a->nkeys, FMT_CHECK_PRINTA, msg,
			      sizeof(msg)) < 0)
			errorat(ps, line, col, "%s", msg);
	}
	return s;
}

/* value action -> ('trace' | 'exit') '(' expr ')' */
static struct pg_node *st_value(struct parser *ps, enum pg_kind k, int line, int col)
{
	if (isop(ps, ")"))
		errorat(ps, line, col, "%s( ) takes 1 argument, 0 given", k == PG_S_EXIT ? "exit" : "trace");
	struct pg_node *a = value(ps, expr(ps));
	if (k == PG_S_EXIT)
		want_int(ps, a, "exit( )'s status");
	struct pg_node *s = mknode(ps, k, PS_V_NONE, 1, line, col);
	/* trace( ) records its value in the type's width, as printf does */
	s->kids[0] = k == PG_S_TRACE && a->type == PS_V_INT && a->isize > 0 && a->isize < 8 ?
		     narrowed(ps, a, false) : a;
	expect_close(ps, ")", "(", line);
	return s;
}

/* aggregation action -> 'clear' '(' AGG ')' | 'trunc' '(' AGG [',' expr] ')'
 *                     | 'normalize' '(' AGG ',' expr ')' */
static struct pg_node *st_aggop(struct parser *ps, enum pg_kind k, int line, int col)
{
	int agg = aggregation_ref(ps);
	struct pg_node *arg = NULL;
	if (k != PG_S_CLEAR && (isop(ps, ",") || k == PG_S_NORMALIZE)) {
		expect(ps, ",", k == PG_S_NORMALIZE ? "(normalize( ) takes an aggregation and a "
		       "divisor)" : "after the aggregation");
		arg = want_int(ps, expr(ps), k == PG_S_NORMALIZE ? "the divisor" : "the count");
	}
	struct pg_node *s = mknode(ps, k, PS_V_NONE, arg ? 1 : 0, line, col);
	s->op = agg;
	if (arg)
		s->kids[0] = arg;
	expect_close(ps, ")", "(", line);
	return s;
}

/* denormalize -> 'denormalize' '(' AGG ')': normalize(@a, 1) */
static struct pg_node *st_denormalize(struct parser *ps, enum pg_kind k, int line, int col)
{
	struct pg_node *s = mknode(ps, k, PS_V_NONE, 1, line, col);
	s->op = aggregation_ref(ps);
	s->kids[0] = mknode(ps, PG_E_INT, PS_V_INT, 0, line, col);
	s->kids[0]->i = 1;
	expect_close(ps, ")", "(", line);
	return s;
}

static int64_t constant(struct parser *ps, struct pg_node *n, const char *fn, int argno)
{
	if (n->kind == PG_E_UNARY && n->op == PG_OP_NEG && n->kids[0]->kind == PG_E_INT)
		return (int64_t)(0 - (uint64_t)n->kids[0]->i);   /* -INT64_MIN wraps to itself */
	if (n->kind != PG_E_INT)
		errnode(ps, n, "%s( ) argument #%d must be an integer constant", fn, argno);
	return n->i;
}

/* aggstmt -> AGG [keylist] '=' aggfn '(' [expr {',' expr}] ')' */
static struct pg_node *st_agg(struct parser *ps)
{
	int line = ps->lx.tok.line, col = ps->lx.tok.col;
	char *name = pg_strdup(ps->p, ps->lx.tok.text);
	char b[64];
	next(ps);
	struct pg_node tmp = { 0 };
	if (isop(ps, "["))
		keylist(ps, &tmp);
	if (!isop(ps, "="))
		error(ps, "'=' expected after @%s (aggregations are assigned a function such as "
		      "count( )), found %s", name, tokdesc(&ps->lx.tok, b, sizeof(b)));
	next(ps);
	int fline = ps->lx.tok.line, fcol = ps->lx.tok.col;
	int fi = -1;
	if (ps->lx.tok.kind == DT_IDENT)
		for (int i = 0; i < N_(aggfns); i++)
			if (strcmp(ps->lx.tok.text, aggfns[i].name) == 0)
				fi = i;
	if (fi < 0) {
		struct suggest s = { .word = ps->lx.tok.kind == DT_IDENT ? ps->lx.tok.text : "" };
		for (int i = 0; i < N_(aggfns); i++)
			offer(&s, aggfns[i].name);
		if (s.best)
			error(ps, "unknown aggregating function %s; did you mean %s( )?",
			      tokdesc(&ps->lx.tok, b, sizeof(b)), s.best);
		error(ps, "aggregating function expected (count, sum, avg, min, max, stddev, quantize, "
		      "lquantize), found %s", tokdesc(&ps->lx.tok, b, sizeof(b)));
	}
	const char *fname = aggfns[fi].name;
	next(ps);
	expect(ps, "(", "after the aggregating function");
	struct pg_node *args[5];
	int n = 0;
	if (!isop(ps, ")"))
		for (;;) {
			if (n == 5)
				error(ps, "too many arguments");
			args[n] = want_int(ps, expr(ps), "an aggregating function's argument");
			n++;
			if (!isop(ps, ","))
				break;
			next(ps);
		}
	expect_close(ps, ")", "(", fline);
	if (n < aggfns[fi].min || n > aggfns[fi].max) {
		if (aggfns[fi].min == aggfns[fi].max)
			errorat(ps, fline, fcol, "%s( ) takes %d argument%s, %d given", fname,
				aggfns[fi].min, aggfns[fi].min == 1 ? "" : "s", n);
		errorat(ps, fline, fcol, "%s( ) takes %d to %d arguments, %d given", fname,
			aggfns[fi].min, aggfns[fi].max, n);
	}
	int64_t params[3] = { 0, 0, 1 };
	int nparams = 0;
	struct pg_node *incr = NULL;
	if (aggfns[fi].fn == AGG_LQUANTIZE) {
		params[0] = constant(ps, args[1], fname, 2);
		params[1] = constant(ps, args[2], fname, 3);
		if (n > 3)
			params[2] = constant(ps, args[3], fname, 4);
		if (params[2] <= 0)
			errnode(ps, args[3], "lquantize( ) step must be a positive integer");
		if (params[1] <= params[0])
			errnode(ps, args[2], "lquantize( ) upper bound must be greater than lower bound");
		char msg[160];    /* DTrace's remaining rules: 32-bit bounds, 16-bit step and levels */
		if (agg_lquantize_check(NULL, params, 3, msg, sizeof(msg)) < 0) {
			const char *an = strstr(msg, "argument #");   /* the caret at that one */
			int ai = an && an[10] >= '1' && an[10] - '0' < n ? an[10] - '0' : 1;
			errnode(ps, args[ai], "%s", msg);
		}
		nparams = 3;
		if (n > 4)
			incr = args[4];
	} else if (aggfns[fi].fn == AGG_QUANTIZE && n > 1) {
		incr = args[1];
	}

	int ai = find_agg(ps, name);
	if (ai < 0)
		ai = add_agg(ps, name);
	struct pg_aggdef *a = &ps->p->aggs[ai];
	if (!a->defined) {
		a->defined = true;
		a->fn = aggfns[fi].fn;
		a->nkeys = tmp.nkids;
		for (int k = 0; k < tmp.nkids; k++) {
			a->keys[k] = tmp.kids[k]->type;
			a->keysize[k] = tmp.kids[k]->isize;
		}
		memcpy(a->params, params, sizeof(params));
		a->nparams = nparams;
	} else {
		if (a->fn != aggfns[fi].fn)
			errorat(ps, fline, fcol, "@%s was used with %s( ) before, here with %s( )", name,
				aggfns[a->fn].name, fname);
		if (a->nkeys != tmp.nkids)
			errorat(ps, line, col, "@%s was used with %d key%s before, here with %d", name,
				a->nkeys, a->nkeys == 1 ? "" : "s", tmp.nkids);
		for (int k = 0; k < tmp.nkids; k++)
			if (a->keys[k] != tmp.kids[k]->type)
				errnode(ps, tmp.kids[k], "key #%d of @%s was %s before, here %s", k + 1, name,
					a->keys[k] == PS_V_STR ? "a string" : "an integer",
					tmp.kids[k]->type == PS_V_STR ? "a string" : "an integer");
		if (nparams && memcmp(a->params, params, sizeof(params)) != 0)
			errorat(ps, fline, fcol, "@%s was used with other lquantize( ) bounds before", name);
	}
	int nk = tmp.nkids + (n > 0) + (incr != NULL);
	struct pg_node *s = mknode(ps, PG_S_AGG, PS_V_NONE, nk, line, col);
	s->op = ai;
	s->nkeys = tmp.nkids;
	for (int k = 0; k < tmp.nkids; k++)   /* a key is recorded in its type's width */
		s->kids[k] = tmp.kids[k]->type == PS_V_INT && tmp.kids[k]->isize > 0 &&
			     tmp.kids[k]->isize < 8 ? narrowed(ps, tmp.kids[k], false) : tmp.kids[k];
	if (n > 0)
		s->kids[tmp.nkids] = args[0];
	if (incr)
		s->kids[tmp.nkids + 1] = incr;
	return s;
}

/* How each action (same order as actions[]) is parsed, after its '('. */
static const struct {
	enum pg_kind kind;
	struct pg_node *(*parse)(struct parser *ps, enum pg_kind k, int line, int col);
} action_parsers[] = {
	{ PG_S_PRINTF, st_printf }, { PG_S_PRINTA, st_printa }, { PG_S_TRACE, st_value },
	{ PG_S_EXIT, st_value }, { PG_S_CLEAR, st_aggop }, { PG_S_TRUNC, st_aggop },
	{ PG_S_NORMALIZE, st_aggop }, { PG_S_NORMALIZE, st_denormalize }, { PG_S_EXPR, st_printf },
	{ PG_S_EXIT, st_stop },
};
_Static_assert(sizeof(action_parsers) / sizeof(action_parsers[0]) ==
	       sizeof(actions) / sizeof(actions[0]), "one parser per action");

static struct pg_node *statement(struct parser *ps);

/* A line that starts with a probe description (a missing '}' runs the body into it). */
static bool looks_like_pdesc(const char *s)
{
	size_t n = strcspn(s, " \t\n{/,");
	if ((n == 5 && strncmp(s, "BEGIN", 5) == 0) || (n == 3 && strncmp(s, "END", 3) == 0))
		return true;
	return memchr(s, ':', n) != NULL;
}

/* Room for one more item in array *A of *CAP items of SIZE bytes holding N, in the program's
 * memory (an error leaves nothing to free); doubling keeps the copying linear. */
static void *room(struct parser *ps, void *a, int n, int *cap, size_t size)
{
	if (n < *cap)
		return a;
	*cap = *cap ? *cap * 2 : 8;
	void *b = pg_alloc(ps->p, size * (size_t)*cap);
	if (n)
		memcpy(b, a, size * (size_t)n);
	return b;
}

/* block -> '{' {statement} '}' */
static struct pg_node *block(struct parser *ps)
{
	int line = ps->lx.tok.line, col = ps->lx.tok.col;
	struct pg_node **stmts = NULL;
	int n = 0, cap = 0;
	expect(ps, "{", "to begin a block");
	while (!isop(ps, "}") && ps->lx.tok.kind != DT_EOF) {
		if (isop(ps, ";")) {
			next(ps);
			continue;
		}
		if (n == DT_MAX_STATEMENTS)
			error(ps, "too many statements in one block (at most %d)", DT_MAX_STATEMENTS);
		stmts = room(ps, stmts, n, &cap, sizeof(stmts[0]));
		if (ps->lx.tok.col == 1 && looks_like_pdesc(ps->lx.src + ps->lx.tok.off))
			error(ps, "'}' expected (to close '{' at line %d) before the next clause", line);
		stmts[n++] = statement(ps);
		if (stmts[n - 1]->kind != PG_S_IF && !isop(ps, "}")) {
			char b[64];
			if (!isop(ps, ";"))
				error(ps, "';' expected between statements, found %s",
				      tokdesc(&ps->lx.tok, b, sizeof(b)));
		}
	}
	expect_close(ps, "}", "{", line);
	struct pg_node *s = mknode(ps, PG_S_BLOCK, PS_V_NONE, 0, line, col);
	s->nkids = n;
	s->kids = stmts;
	return s;
}

/* statement -> printf | printa | action | aggstmt | expr
 *            | 'if' '(' expr ')' (block | statement) ['else' (block | statement)] */
static struct pg_node *statement(struct parser *ps)
{
	struct dt_token *t = &ps->lx.tok;
	int line = t->line, col = t->col;
	if (t->kind == DT_AGG)
		return st_agg(ps);
	if (t->kind == DT_IDENT) {
		if (strcmp(t->text, "if") == 0) {
			next(ps);
			int pline = ps->lx.tok.line;
			expect(ps, "(", "after if");
			struct pg_node *c = want_int(ps, expr(ps), "an if condition");
			expect_close(ps, ")", "(", pline);
			struct pg_node *s = mknode(ps, PG_S_IF, PS_V_NONE, 3, line, col);
			s->kids[0] = c;
			nest(ps);
			bool blk = isop(ps, "{");
			s->kids[1] = blk ? block(ps) : statement(ps);
			if (!blk && isop(ps, ";"))
				next(ps);   /* the then-statement's ';' (it may be followed by else) */
			if (isident(ps, "else")) {
				next(ps);
				s->kids[2] = isop(ps, "{") ? block(ps) : statement(ps);
			}
			unnest(ps);
			return s;
		}
		for (int i = 0; i < N_(actions); i++)
			if (strcmp(t->text, actions[i]) == 0) {
				const char *name = actions[i];
				next(ps);
				if (!isop(ps, "("))
					errorat(ps, line, col, "%s is an action: %s( )", name, name);
				next(ps);
				return action_parsers[i].parse(ps, action_parsers[i].kind, line, col);
			}
	}
	struct pg_node *e = expr(ps);
	if (e->kind == PG_E_VAR)
		value(ps, e);   /* an unresolved name alone is a typo, not a declaration */
	struct pg_node *s = mknode(ps, PG_S_EXPR, PS_V_NONE, 1, line, col);
	s->kids[0] = e;
	return s;
}

/* ---- top level ---- */

/* decl -> ['self' | 'this'] type IDENT ['[' type {',' type} ']'] {',' IDENT ...} ';' */
static void declaration(struct parser *ps)
{
	enum pg_scope sc = PG_SC_GLOBAL;
	char b[64];
	if (isident(ps, "self")) {
		sc = PG_SC_THREAD;
		next(ps);
	} else if (isident(ps, "this")) {
		sc = PG_SC_CLAUSE;
		next(ps);
	}
	int isize;
	bool is_unsigned;
	enum ps_vtype t = type(ps, &isize, &is_unsigned);
	for (;;) {
		int line = ps->lx.tok.line, col = ps->lx.tok.col;
		if (ps->lx.tok.kind != DT_IDENT)
			error(ps, "variable name expected in declaration, found %s",
			      tokdesc(&ps->lx.tok, b, sizeof(b)));
		char *name = pg_strdup(ps->p, ps->lx.tok.text);
		next(ps);
		enum ps_vtype keys[PG_MAX_KEYS];
		int nkeys = 0;
		if (isop(ps, "[")) {
			int kline = ps->lx.tok.line;
			next(ps);
			for (;;) {
				if (nkeys == PG_MAX_KEYS)
					error(ps, "too many keys (at most %d)", PG_MAX_KEYS);
				keys[nkeys++] = type(ps, NULL, NULL);
				if (!isop(ps, ","))
					break;
				next(ps);
			}
			expect_close(ps, "]", "[", kline);
			if (sc == PG_SC_CLAUSE)
				errorat(ps, line, col, "this-> variables cannot be associative arrays");
		}
		int v = find_var(ps, name, sc);
		if (v >= 0) {
			const struct pg_var *var = &ps->p->vars[v];
			if (var->type != t || var->nkeys != nkeys ||
			    memcmp(var->keys, keys, sizeof(keys[0]) * (size_t)nkeys) != 0)
				errorat(ps, line, col, "%s was declared before with another type", name);
		} else {
			v = add_var(ps, name, sc);
			struct pg_var *var = &ps->p->vars[v];
			var->type = t;
			var->isize = t == PS_V_INT ? isize : 0;
			var->is_unsigned = is_unsigned;
			var->nkeys = nkeys;
			memcpy(var->keys, keys, sizeof(keys[0]) * (size_t)nkeys);
			add_hint(ps, var);
		}
		if (!isop(ps, ","))
			break;
		next(ps);
	}
	expect(ps, ";", "after a declaration");
}

static const struct { const char *name; enum dt_optkind kind; } optkinds[] = {
	{ "bufsize", DT_OPT_TUNING },       { "switchrate", DT_OPT_TUNING },
	{ "aggrate", DT_OPT_TUNING },       { "cleanrate", DT_OPT_TUNING },
	{ "statusrate", DT_OPT_TUNING },    { "bufpolicy", DT_OPT_TUNING },
	{ "bufresize", DT_OPT_TUNING },     { "specsize", DT_OPT_TUNING },
	{ "nspec", DT_OPT_TUNING },
};

enum dt_optkind dt_option_kind(const char *name, size_t len)
{
	for (int i = 0; i < N_(optkinds); i++)
		if (strlen(optkinds[i].name) == len && strncmp(optkinds[i].name, name, len) == 0)
			return optkinds[i].kind;
	return DT_OPT_UNKNOWN;
}

int dt_display_option(struct pg_prog *p, const char *opt)
{
	static const char *const flags[] = { "aggsortkey", "aggsortrev", "flowindent", "rawbytes" };
	static const char *const numbers[] = { "aggsortkeypos", "aggsortpos", "ustackframes",
					       "jstackframes", "jstackstrsize" };
	const char *eq = strchr(opt, '=');
	size_t n = eq ? (size_t)(eq - opt) : strlen(opt);
	for (int i = 0; i < N_(flags); i++)
		if (strlen(flags[i]) == n && strncmp(opt, flags[i], n) == 0) {
			/* set with any value or none, as dtrace (DTRACEOPT_UNSET is what is off) */
			bool *to[] = { p ? &p->aggsortkey : NULL, p ? &p->aggsortrev : NULL,
				       p ? &p->flowindent : NULL, p ? &p->rawbytes : NULL };
			if (p)
				*to[i] = true;
			return 0;
		}
	for (int i = 0; i < N_(numbers); i++)
		if (strlen(numbers[i]) == n && strncmp(opt, numbers[i], n) == 0) {
			char *end;
			long v = eq ? strtol(eq + 1, &end, 0) : -1;
			if (!eq || *end || end == eq + 1 || v < 0 || v > INT32_MAX)
				return -EINVAL;
			int *to[] = { p ? &p->aggsortkeypos : NULL, p ? &p->aggsortpos : NULL,
				      p ? &p->ustackframes : NULL, p ? &p->jstackframes : NULL,
				      p ? &p->jstackstrsize : NULL };
			if (p)
				*to[i] = (int)v;
			return 0;
		}
	return -ENOENT;
}

/* pragma -> '#pragma D option' NAME ['=' VALUE] */
static void pragma(struct parser *ps)
{
	const char *t = ps->lx.tok.text;
	char name[64];
	const char *eq = strchr(t, '=');
	size_t n = eq ? (size_t)(eq - t) : strlen(t);
	snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), t);
	int drc = dt_display_option(ps->p, t);
	if (drc == -EINVAL)
		error(ps, "%s wants a number (0 or more)", name);
	if (drc == 0) {
		/* aggsort*, flowindent */
	} else if (strcmp(name, "quiet") == 0) {
		ps->p->quiet = 1;
	} else if (strcmp(name, "strsize") == 0 && eq) {
		char *end;
		long v = strtol(eq + 1, &end, 0);
		if ((*end == 'k' || *end == 'K') && v >= 0 && v <= 4096)
			v *= 1024, end++;
		if (*end || v < PS_STRSIZE_MIN || v > PS_STRSIZE_MAX)   /* what capture can copy */
			error(ps, "strsize must be a number from %d to %d", PS_STRSIZE_MIN, PS_STRSIZE_MAX);
		ps->p->strsize = (int)v;
	} else if ((strcmp(name, "aggsize") == 0 || strcmp(name, "dynvarsize") == 0) && eq) {
		int64_t *to = name[0] == 'a' ? &ps->p->aggsize : &ps->p->dynvarsize;
		if (pg_parse_size(eq + 1, to) < 0)
			error(ps, "%s must be a size from 1 to 1t (a number with an optional k, m, g "
			      "or t suffix)", name);
	} else if (strcmp(name, "zdefs") == 0) {
		ps->zdefs = true;        /* -Z, for the clauses after it */
	} else if (strcmp(name, "defaultargs") == 0) {
		ps->defaultargs = true;
	} else if (strcmp(name, "destructive") == 0) {
		ps->p->destructive = true;
	} else if (dt_option_kind(name, strlen(name)) == DT_OPT_TUNING) {
		/* accepted; they tune DTrace's kernel buffers, which pyscope does not have */
	} else {
		error(ps, "unknown option '%s' (pyscope knows quiet, strsize, aggsize, dynvarsize, "
		      "zdefs, defaultargs; destructive, bufsize, switchrate, aggrate and other buffer "
		      "tunings are accepted and ignored)", name);
	}
	next(ps);
}

/* The periods a tick-N probe may have: at least DTrace's minimum for profile probes (200us, a
 * rate of 5000hz), which also keeps pyscope's timer able to keep up, and at most a year. */
#define TICK_MIN_NS 200000ull
#define TICK_MAX_NS (365ull * 86400ull * 1000000000ull)

/* "10ms" -> *NS; no unit means hz, as in DTrace. Returns 0, -EINVAL for a malformed rate or
 * -ERANGE for a period outside TICK_MIN_NS..TICK_MAX_NS (also one too large to compute). */
static int tick_period(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "nsec", 1 }, { "us", 1000 }, { "usec", 1000 }, { "ms", 1000000 },
		{ "msec", 1000000 }, { "s", 1000000000ull }, { "sec", 1000000000ull },
		{ "m", 60000000000ull }, { "min", 60000000000ull }, { "h", 3600000000000ull },
		{ "hour", 3600000000000ull }, { "d", 86400000000000ull }, { "day", 86400000000000ull },
	};
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	bool huge = errno == ERANGE;
	if (v == 0 && !huge)
		return -EINVAL;
	if (!*end || strcmp(end, "hz") == 0) {
		*ns = huge ? 0 : 1000000000ull / v;
	} else {
		int i = 0;
		while (i < N_(units) && strcmp(end, units[i].unit) != 0)
			i++;
		if (i == N_(units))
			return -EINVAL;
		*ns = huge || v > TICK_MAX_NS / units[i].ns ? UINT64_MAX : v * units[i].ns;
	}
	return *ns < TICK_MIN_NS || *ns > TICK_MAX_NS ? -ERANGE : 0;
}

/* Which field of D matches no probe at all: suggest the closest value of that field. */
static void suggest_probe(struct parser *ps, const struct pg_pdesc *d, int line, int col)
{
	if (d->pid == PG_PID_TARGET && ps->o->target <= 0)
		errorat(ps, line, col, "no probe matches %s: $target needs -c or -p", d->text);
	bool name_ok = false, prov_ok = false;
	for (int i = 0; i < ps->o->nprobes; i++) {
		name_ok |= ps_name_match(d->name, ps->o->probes[i]->name);
		prov_ok |= ps_name_match(d->provider, ps->o->probes[i]->provider);
	}
	struct suggest s = { .word = !name_ok ? d->name : d->provider };
	bool dashed = strchr(d->name, '-') != NULL;
	char buf[128];
	for (int i = 0; i < ps->o->nprobes && (!name_ok || !prov_ok); i++) {
		const struct ps_probe *p = ps->o->probes[i];
		const char *cand = !name_ok ? (dashed ? ps_name_dashed(p->name, buf, sizeof(buf)) : p->name)
					    : p->provider;
		offer(&s, cand);
		if (s.best == buf)    /* keep the winner out of the reused buffer */
			s.best = pg_strdup(ps->p, buf);
	}
	if (s.best && (!name_ok || !prov_ok))
		errorat(ps, line, col, "no probe matches %s; did you mean %s%s?", d->text,
			!name_ok ? "" : "provider ", s.best);
	errorat(ps, line, col, "no probe matches %s", d->text);
}

/* p-sys: under -Z a description that matches nothing is allowed, but one naming a provider that
 * pyscope does not have (fbt, sched, io, ...) is said on stderr, once per provider, rather than
 * dropped in silence. */
#define DT_MAX_UNKNOWN_PROVIDERS 16
static void unknown_provider(struct parser *ps, const struct pg_pdesc *d)
{
	static const char *const known[] = { "python", "syscall", "proc", "profile", "pid", "dtrace" };
	static char said[DT_MAX_UNKNOWN_PROVIDERS][64];
	static int nsaid;
	if (!*d->provider || strpbrk(d->provider, "*?[") || strlen(d->provider) >= sizeof(said[0]))
		return;
	for (int i = 0; i < N_(known); i++)
		if (strcmp(known[i], d->provider) == 0)
			return;
	for (int i = 0; i < ps->o->nprobes; i++)
		if (strcmp(ps->o->probes[i]->provider, d->provider) == 0)
			return;
	for (int i = 0; i < nsaid; i++)
		if (strcmp(said[i], d->provider) == 0)
			return;
	if (nsaid < DT_MAX_UNKNOWN_PROVIDERS)
		snprintf(said[nsaid++], sizeof(said[0]), "%s", d->provider);
	fprintf(stderr, "dtrace: pyscope has no provider '%s': %s matches no probe\n", d->provider,
		d->text);
}

/* pdesc -> [[[provider ':'] module ':'] function ':'] name, fields filled from the right;
 * provider may end in a pid or "$target". */
static void pdesc(struct parser *ps, struct pg_pdesc *d)
{
	const struct dt_token *t = &ps->lx.tok;
	char *text = pg_strdup(ps->p, t->text);
	d->text = text;
	d->line = t->line;
	d->col = t->col;
	char *f[4] = { "", "", "", "" };
	int nf = 1;
	for (const char *c = text; *c; c++)
		nf += *c == ':';
	if (nf > 4)
		error(ps, "probe description %s has too many fields (provider:module:function:name)",
		      text);
	char *copy = pg_strdup(ps->p, text), *save = copy;
	for (int i = 4 - nf; i < 4; i++) {
		char *colon = strchr(save, ':');
		if (colon)
			*colon = 0;
		f[i] = save;
		save = colon ? colon + 1 : save + strlen(save);
	}
	d->provider = f[0];
	d->module = f[1];
	d->function = f[2];
	d->name = f[3];
	char *dollar = strchr(f[0], '$');
	if (dollar) {
		if (strcmp(dollar, "$target") != 0)
			error(ps, "unknown macro in probe description %s (only $target is known)", text);
		*dollar = 0;
		d->pid = PG_PID_TARGET;
	} else if (!strpbrk(f[0], "*?[")) {
		char *e = f[0] + strlen(f[0]);
		while (e > f[0] && isdigit((unsigned char)e[-1]))
			e--;
		if (e > f[0] && *e) {
			errno = 0;
			long pid = strtol(e, NULL, 10);
			if (errno == ERANGE || pid > INT32_MAX)
				error(ps, "process id out of range in %s", text);
			d->pid = (int)pid;
			*e = 0;
		}
	}
	bool prov_dtrace = !*d->provider || strcmp(d->provider, "dtrace") == 0;
	bool prov_profile = !*d->provider || strcmp(d->provider, "profile") == 0;
	if (prov_dtrace && !*d->module && !*d->function &&
	    (strcmp(d->name, "BEGIN") == 0 || strcmp(d->name, "END") == 0)) {
		d->kind = d->name[0] == 'B' ? PG_PD_BEGIN : PG_PD_END;
	} else if (prov_profile && !*d->module && !*d->function &&
		   (strncmp(d->name, "tick-", 5) == 0 || strncmp(d->name, "profile-", 8) == 0)) {
		int rc = tick_period(strchr(d->name, '-') + 1, &d->period);
		if (rc == -ERANGE)
			error(ps, "rate out of range in %s: the period must be from 200us (5000hz) to "
			      "365d", text);
		if (rc < 0)
			error(ps, "invalid rate in %s (examples: tick-1s, tick-10ms, tick-100hz)", text);
		/* p-sys: profile-N samples the interrupted thread on every CPU, a probe of capture's
		 * profile provider (matched like a marker) -- when probes are not known yet (the pass
		 * before capture) or include that provider; in a replay, whose stream has no such
		 * probes, it stays a timer on the stream's clock, as tick-N always is */
		bool sampled = false;
		for (int i = 0; d->name[0] == 'p' && i < ps->o->nprobes && !sampled; i++)
			sampled = strcmp(ps->o->probes[i]->provider, "profile") == 0;
		d->kind = d->name[0] == 'p' && (!ps->o->probes || sampled) ? PG_PD_MARKER : PG_PD_TICK;
		if (d->kind == PG_PD_MARKER && !*d->provider)
			d->provider = "profile";
	} else if (strcmp(d->name, "ERROR") == 0 && prov_dtrace) {
		error(ps, "the ERROR probe is not supported");
	} else {
		d->kind = PG_PD_MARKER;
		bool any = false;
		for (int i = 0; i < ps->o->nprobes && !any; i++)
			any = pg_pdesc_match(d, ps->o->probes[i], ps->o->target);
		if (!any && (ps->o->zero_ok || ps->zdefs) && ps->o->probes)
			unknown_provider(ps, d);
		if (!any && !ps->o->zero_ok && !ps->zdefs)
			suggest_probe(ps, d, d->line, d->col);
	}
	next(ps);
}

/* The runtime evaluates a clause's trees recursively, so their depth is bounded, whatever made
 * them deep: nesting (bounded as it is parsed) or a long flat chain (a + a + ... + a, read in a
 * loop, is as deep as it is long). One walk over the clause, with a work list, not recursion. */
static void check_depth(struct parser *ps, const struct pg_clause *c)
{
	size_t n = 0;
	for (int i = -1; i < c->nstmts; i++) {
		const struct pg_node *root = i < 0 ? c->pred : c->stmts[i];
		if (!root)
			continue;
		struct walk_item it = { root, 1 };
		for (;;) {
			if (it.depth > DT_MAX_DEPTH)
				errnode(ps, it.n, "expression too deep (at most %d levels of operations and "
					"statements)", DT_MAX_DEPTH);
			if (n + (size_t)it.n->nkids >= ps->walkcap) {
				ps->walkcap = (n + (size_t)it.n->nkids + 8) * 2;
				ps->walk = realloc(ps->walk, ps->walkcap * sizeof(ps->walk[0]));
				if (!ps->walk) {
					perror("pyscope: out of memory");
					exit(70);
				}
			}
			for (int k = 0; k < it.n->nkids; k++)
				if (it.n->kids[k])
					ps->walk[n++] = (struct walk_item){ it.n->kids[k], it.depth + 1 };
			if (!n)
				break;
			it = ps->walk[--n];
		}
	}
}

/* clause -> pdesc {',' pdesc} ['/' expr '/'] block */
static void clause(struct parser *ps)
{
	if (ps->p->nclauses == DT_MAX_CLAUSES)
		error(ps, "too many clauses (at most %d)", DT_MAX_CLAUSES);
	int ci = pg_add_clause(ps->p);
	struct pg_pdesc *descs = NULL;
	int n = 0, cap = 0;
	for (;;) {
		dt_lex_pdesc(&ps->lx);
		if (ps->lx.tok.kind != DT_PDESC || !ps->lx.tok.text[0]) {
			char b[64];
			error(ps, "probe description expected, found %s", tokdesc(&ps->lx.tok, b, sizeof(b)));
		}
		if (n == DT_MAX_PDESCS)
			error(ps, "too many probe descriptions in one clause (at most %d)", DT_MAX_PDESCS);
		descs = room(ps, descs, n, &cap, sizeof(descs[0]));
		memset(&descs[n], 0, sizeof(descs[n]));
		pdesc(ps, &descs[n++]);
		if (!isop(ps, ","))
			break;
		next(ps);
	}
	struct pg_clause *c = &ps->p->clauses[ci];
	ps->clause = c;
	ps->clause_idx = ci;
	c->npdescs = n;
	c->pdescs = descs;
	if (isop(ps, "/")) {
		int line = ps->lx.tok.line;
		next(ps);
		ps->in_pred = true;
		struct pg_node *pred = expr(ps);
		ps->in_pred = false;
		value(ps, pred);
		if (pred->type != PS_V_INT)
			errnode(ps, pred, "a predicate must be an integer expression (compare the string: "
				"s != \"\")");
		expect_close(ps, "/", "/", line);
		ps->clause->pred = pred;
	}
	char b[64];
	if (!isop(ps, "{"))
		error(ps, "'{' expected to begin the clause's actions, found %s",
		      tokdesc(&ps->lx.tok, b, sizeof(b)));
	struct pg_node *body = block(ps);
	c->nstmts = body->nkids;
	c->stmts = body->kids;
	check_depth(ps, c);
	ps->clause = NULL;
}

/* program -> {pragma | decl | clause} EOF */
static void program(struct parser *ps)
{
	next(ps);
	/* A discovery pass reads on past an error, from the next line that begins a clause, to see
	 * the assignments after it (discovery is silent and its program dropped). */
	if (ps->discover && setjmp(ps->bail) != 0) {
		ps->failed = true;
		ps->clause = NULL;
		ps->in_pred = false;
		ps->nesting = 0;
		do
			dt_lex_next(&ps->lx);
		while (ps->lx.tok.kind != DT_EOF && ps->lx.tok.kind != DT_ERROR &&
		       !(ps->lx.tok.col == 1 && looks_like_pdesc(ps->lx.src + ps->lx.tok.off)));
	}
	while (ps->lx.tok.kind != DT_EOF && ps->lx.tok.kind != DT_ERROR) {
		const struct dt_token *t = &ps->lx.tok;
		if (t->kind == DT_PRAGMA)
			pragma(ps);
		else if (isop(ps, ";"))
			next(ps);
		else if (t->kind == DT_IDENT && (strcmp(t->text, "self") == 0 ||
						 strcmp(t->text, "this") == 0 ||
						 find_typeword(t->text) >= 0))
			declaration(ps);
		else
			clause(ps);
	}
}

/* One pass over SRC into P. */
static int compile_pass(const char *file, const char *src, const struct dt_opts *o,
			struct pg_prog *p, struct hints *h, bool discover, bool *new_hint)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->p = p;
	ps->o = o;
	ps->hints = h;
	ps->discover = discover;
	dt_lex_init(&ps->lx, file, src);
	/* the names earlier sources of this program defined */
	for (int i = 0; i < p->nvars; i++)
		syminsert(ps, &ps->vars, i);
	for (int i = 0; i < p->naggs; i++)
		syminsert(ps, &ps->aggs, i);
	int rc = 0;
	if (setjmp(ps->bail))
		rc = -EINVAL;
	else
		program(ps);
	if (ps->failed)
		rc = -EINVAL;
	if (new_hint)
		*new_hint = ps->new_hint;
	dt_lex_free(&ps->lx);
	free(ps->vars.slot);
	free(ps->aggs.slot);
	free(ps->walk);
	free(ps->guessed);
	free(ps);
	return rc;
}

/* DTrace types a variable by its first assignment anywhere in the program, and a read before
 * it (self->last == 0 in the first clause) is 0 or "". Silent discovery passes find those
 * types: each reads unknown variables as integers and notes every first assignment; a pass that
 * stops at an error having learnt a type is run again with it (a string read before its
 * assignment stops the first pass). The real pass then reads each variable with its type. */
#define DT_MAX_DISCOVERY 32
int dt_compile(const char *file, const char *src, const struct dt_opts *o, struct pg_prog *p)
{
	struct hints h = { 0 };
	for (int pass = 0; pass < DT_MAX_DISCOVERY; pass++) {
		struct pg_prog *scratch = pg_new();
		if (!scratch)
			return -ENOMEM;
		bool learnt = false;
		int rc = compile_pass(file, src, o, scratch, &h, true, &learnt);
		pg_free(scratch);
		if (rc == -ENOMEM)
			return rc;
		if (rc == 0 || !learnt)
			break;
	}
	for (int i = 0; i < o->nxopts; i++)   /* checked by the command line's parser */
		dt_display_option(p, o->xopts[i]);
	int rc = compile_pass(file, src, o, p, &h, false, NULL);
	for (int i = 0; i < h.n; i++)
		free(h.h[i].name);
	free(h.h);
	free(h.slot);
	return rc;
}
