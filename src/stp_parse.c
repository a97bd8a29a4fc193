/*
 * stp_parse.c — the SystemTap parser (see stp_parse.h): first stap's preprocessor on the tokens
 * (conditionals, then @define macros), then a recursive descent over stap's grammar. Each parse
 * function carries its rule in a comment. The first error ends the parse (longjmp back to
 * stp_parse; everything lives in the file's arena).
 */
#include <errno.h>
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stp_parse.h"

struct tokbuf {
	struct stp_token *v;
	int n, cap;
};


struct parser {
	struct stp_file *f;
	const struct stp_token *t;     /* preprocessed tokens */
	int n, pos;
	int depth;
	jmp_buf fail;
	/* the preprocessor's working buffers, freed on every way out (a failure longjmps) */
	struct tokbuf rest, out, fin;
	void *macros;
};

static void *alloc(struct stp_file *f, size_t n)
{
	void *p = arena_alloc(&f->mem, n);
	memset(p, 0, n);
	return p;
}

static char *sdup(struct stp_file *f, const char *s, size_t n)
{
	char *p = alloc(f, n + 1);
	memcpy(p, s, n);
	return p;
}

struct stp_node *stp_node_new(struct stp_file *f, enum stp_nk kind, const struct stp_token *tok,
			      int nkids)
{
	struct stp_node *n = alloc(f, sizeof(*n));
	n->kind = kind;
	n->tok = tok;
	n->nkids = nkids;
	if (nkids)
		n->kids = alloc(f, sizeof(n->kids[0]) * (size_t)nkids);
	return n;
}

static void push_kid(struct stp_file *f, struct stp_node *n, struct stp_node *k, int *cap)
{
	if (n->nkids == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		struct stp_node **v = alloc(f, sizeof(v[0]) * (size_t)*cap);
		if (n->nkids)
			memcpy(v, n->kids, sizeof(v[0]) * (size_t)n->nkids);
		n->kids = v;
	}
	n->kids[n->nkids++] = k;
}

static _Noreturn void fail(struct parser *ps, const struct stp_token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static _Noreturn void fail(struct parser *ps, const struct stp_token *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stp_report("parse error", t, "%s", msg);
	fprintf(stderr, "\n1 parse error.\nPass 1: parse failed.  [man error::pass1]\n");
	longjmp(ps->fail, 1);
}

static const struct stp_token *peek(struct parser *ps, int k)
{
	int i = ps->pos + k;
	return &ps->t[i < ps->n ? i : ps->n - 1];
}

static const struct stp_token *next(struct parser *ps)
{
	const struct stp_token *t = peek(ps, 0);
	if (ps->pos < ps->n - 1)
		ps->pos++;
	return t;
}

static bool is_op(const struct stp_token *t, const char *op)
{
	return t->kind == STP_OP && strcmp(t->text, op) == 0;
}

static bool is_kw(const struct stp_token *t, const char *kw)
{
	return t->kind == STP_IDENT && strcmp(t->text, kw) == 0;
}

static bool accept(struct parser *ps, const char *op)
{
	if (!is_op(peek(ps, 0), op))
		return false;
	next(ps);
	return true;
}

static const struct stp_token *expect(struct parser *ps, const char *op)
{
	if (!is_op(peek(ps, 0), op))
		fail(ps, peek(ps, 0), "expected '%s'", op);
	return next(ps);
}

static const char *const keywords[] = {
	"probe", "global", "private", "function", "if", "else", "for", "foreach", "in", "limit",
	"return", "delete", "while", "break", "continue", "next", "string", "long",
};

static bool is_keyword(const char *s)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(s, keywords[i]) == 0)
			return true;
	return false;
}

static const struct stp_token *expect_ident(struct parser *ps, const char *what)
{
	const struct stp_token *t = peek(ps, 0);
	if (t->kind != STP_IDENT || t->text[0] == '$' || t->text[0] == '@' || is_keyword(t->text))
		fail(ps, t, "expected %s", what);
	return next(ps);
}

static void nest(struct parser *ps)
{
	if (++ps->depth > STP_MAX_DEPTH)
		fail(ps, peek(ps, 0), "nesting too deep (at most %d levels)", STP_MAX_DEPTH);
}

/* ---- preprocessor ---- */

static void tb_push(struct tokbuf *b, const struct stp_token *t)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->v = realloc(b->v, sizeof(b->v[0]) * (size_t)b->cap);
		if (!b->v) {
			perror("pyscope: out of memory");
			exit(70);
		}
	}
	b->v[b->n++] = *t;
}

/* Compare version strings as stap does (numeric parts, then the rest). */
static int vercmp(const char *a, const char *b)
{
	while (*a || *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
			if (x != y)
				return x < y ? -1 : 1;
		} else if (*a != *b) {
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		} else {
			a++, b++;
		}
	}
	return 0;
}

static bool cmp_result(int c, const char *op)
{
	if (!strcmp(op, "==")) return c == 0;
	if (!strcmp(op, "!=")) return c != 0;
	if (!strcmp(op, "<")) return c < 0;
	if (!strcmp(op, "<=")) return c <= 0;
	if (!strcmp(op, ">")) return c > 0;
	return c >= 0;
}

struct pp {
	struct parser *ps;
	const struct stp_ppenv *env;
	const struct stp_token *in;
	int n, pos;
};

static const struct stp_token *pp_next(struct pp *p)
{
	const struct stp_token *t = &p->in[p->pos < p->n ? p->pos : p->n - 1];
	if (p->pos < p->n - 1)
		p->pos++;
	return t;
}

/* cond1 -> NAME OP LITERAL | $# OP NUM | ( cond ) ; cond -> cond1 (&& | ||) ... */
static bool pp_cond1(struct pp *p)
{
	const struct stp_token *a = pp_next(p);
	if (is_op(a, "(")) {
		bool v = pp_cond1(p);
		for (;;) {
			const struct stp_token *o = &p->in[p->pos];
			if (is_op(o, "&&") || is_op(o, "||")) {
				pp_next(p);
				bool w = pp_cond1(p);
				v = is_op(o, "&&") ? v && w : v || w;
			} else {
				break;
			}
		}
		if (!is_op(pp_next(p), ")"))
			fail(p->ps, a, "expected ')' in preprocessor conditional");
		return v;
	}
	const struct stp_token *op = pp_next(p), *b = pp_next(p);
	if (op->kind != STP_OP || !strchr("=!<>", op->text[0]) || strchr("~", op->text[1] ? op->text[1] : 'x'))
		fail(p->ps, op, "expected comparison operator");
	if (a->kind != STP_IDENT)
		fail(p->ps, a, "expected 'arch' or 'kernel_v' or 'kernel_vr' or '$#' or '@#' or 'CONFIG_...'");
	const char *name = a->text;
	if (!strcmp(name, "$#") || !strcmp(name, "@#")) {
		if (b->kind != STP_NUM)
			fail(p->ps, b, "expected number");
		int64_t c = p->env->argc;
		return cmp_result(c < b->ival ? -1 : c > b->ival, op->text);
	}
	if (b->kind != STP_STR && b->kind != STP_NUM)
		fail(p->ps, b, "expected string literal");
	const char *val = "";
	if (!strcmp(name, "kernel_v"))
		val = p->env->kernel_v;
	else if (!strcmp(name, "kernel_vr"))
		val = p->env->kernel_vr;
	else if (!strcmp(name, "arch"))
		val = p->env->arch;
	else if (!strcmp(name, "systemtap_v"))
		val = "5.0";
	else if (!strcmp(name, "runtime"))
		val = "bpf";
	else if (!strcmp(name, "systemtap_privilege"))
		val = "stapdev";
	else if (!strncmp(name, "CONFIG_", 7))
		val = "";
	else
		fail(p->ps, a, "expected 'arch' or 'kernel_v' or 'kernel_vr' or '$#' or '@#' or 'CONFIG_...'");
	if (b->kind == STP_NUM)
		return cmp_result(vercmp(val, b->text), op->text);
	/* string comparisons with == and != are globs in stap */
	if (!strcmp(op->text, "==") || !strcmp(op->text, "!=")) {
		bool m = fnmatch(b->text, val, 0) == 0;
		return !strcmp(op->text, "==") ? m : !m;
	}
	return cmp_result(vercmp(val, b->text), op->text);
}

static bool pp_cond(struct pp *p)
{
	bool v = pp_cond1(p);
	for (;;) {
		const struct stp_token *o = &p->in[p->pos];
		if (!is_op(o, "&&") && !is_op(o, "||"))
			return v;
		pp_next(p);
		bool w = pp_cond1(p);
		v = is_op(o, "&&") ? v && w : v || w;
	}
}

/* Copy tokens to OUT (when KEEP) until "%?", "%:", "%)" or the end at this level; returns the
 * token that stopped it. */
static const struct stp_token *pp_copy(struct pp *p, struct tokbuf *out, bool keep)
{
	for (;;) {
		const struct stp_token *t = &p->in[p->pos];
		if (t->kind == STP_EOF || is_op(t, "%?") || is_op(t, "%:") || is_op(t, "%)"))
			return t;
		pp_next(p);
		if (!is_op(t, "%(")) {
			if (keep)
				tb_push(out, t);
			continue;
		}
		/* %( cond %? then [%: else] %) */
		bool v = pp_cond(p);
		const struct stp_token *q = pp_next(p);
		if (!is_op(q, "%?"))
			fail(p->ps, q, "expected '%%?' marker for conditional");
		const struct stp_token *e = pp_copy(p, out, keep && v);
		if (is_op(e, "%:")) {
			pp_next(p);
			e = pp_copy(p, out, keep && !v);
		}
		if (!is_op(e, "%)"))
			fail(p->ps, e, "incomplete conditional - missing '%%)'");
		pp_next(p);
	}
}

/* @define NAME[(PARAMS)] %( BODY %) */
struct macro {
	const char *name;
	int nparams;
	const char *params[16];
	const struct stp_token *body;
	int nbody;
};

struct macros {
	struct macro *v;
	int n;
};

static void expand(struct parser *ps, struct macros *m, const struct stp_token *in, int n,
		   struct tokbuf *out, const struct stp_token *const *args, const int *nargs,
		   const struct macro *cur, int depth);

/* A macro use at IN[*I] (an "@name"); its arguments are balanced token runs split at ','. */
static void expand_use(struct parser *ps, struct macros *m, const struct macro *mac,
		       const struct stp_token *in, int n, int *i, struct tokbuf *out, int depth)
{
	const struct stp_token *use = &in[*i];
	const struct stp_token *args[16] = { 0 };
	int nargs[16] = { 0 };
	int na = 0;
	(*i)++;
	if (mac->nparams) {
		if (*i >= n || !is_op(&in[*i], "("))
			fail(ps, use, "expected '(' after macro '%s' taking %d arguments", mac->name + 1,
			     mac->nparams);
		(*i)++;
		int lvl = 0;
		args[0] = &in[*i];
		for (; *i < n && in[*i].kind != STP_EOF; (*i)++) {
			const struct stp_token *t = &in[*i];
			if (lvl == 0 && (is_op(t, ",") || is_op(t, ")"))) {
				na++;
				if (na > 16)
					fail(ps, t, "too many macro arguments");
				if (is_op(t, ")"))
					break;
				args[na] = t + 1;
				continue;
			}
			lvl += is_op(t, "(") || is_op(t, "[") || is_op(t, "{");
			lvl -= is_op(t, ")") || is_op(t, "]") || is_op(t, "}");
			nargs[na]++;
		}
		if (*i >= n || in[*i].kind == STP_EOF)
			fail(ps, use, "unterminated macro arguments");
		(*i)++;
		if (na != mac->nparams)
			fail(ps, use, "macro '%s' takes %d arguments, not %d", mac->name + 1, mac->nparams, na);
	}
	expand(ps, m, mac->body, mac->nbody, out, args, nargs, mac, depth + 1);
}

static void expand(struct parser *ps, struct macros *m, const struct stp_token *in, int n,
		   struct tokbuf *out, const struct stp_token *const *args, const int *nargs,
		   const struct macro *cur, int depth)
{
	if (depth > STP_MAX_MACRO_DEPTH)
		fail(ps, in, "macros nested too deep (at most %d)", STP_MAX_MACRO_DEPTH);
	for (int i = 0; i < n;) {
		const struct stp_token *t = &in[i];
		if (t->kind == STP_IDENT && t->text[0] == '@') {
			if (cur) {
				int k = 0;
				while (k < cur->nparams && strcmp(cur->params[k], t->text + 1))
					k++;
				if (k < cur->nparams) {
					for (int j = 0; j < nargs[k]; j++)
						tb_push(out, &args[k][j]);
					i++;
					continue;
				}
			}
			const struct macro *mac = NULL;
			for (int k = m->n - 1; k >= 0 && !mac; k--)
				if (!strcmp(m->v[k].name, t->text))
					mac = &m->v[k];
			if (mac) {
				expand_use(ps, m, mac, in, n, &i, out, depth);
				continue;
			}
		}
		tb_push(out, t);
		i++;
	}
}

/* Macros first (their bodies are "%( ... %)" runs, kept whole), then the conditionals, which
 * then also apply inside what the macros expanded to. */
static void preprocess(struct parser *ps, const struct stp_toks *toks, const struct stp_ppenv *env)
{
	const struct stp_token *in = toks->v;
	struct macros m = { 0 };
	struct tokbuf *rest_ = &ps->rest, *out_ = &ps->out, *fin_ = &ps->fin;
#define rest (*rest_)
#define out (*out_)
#define fin (*fin_)
	for (int i = 0; i < toks->n;) {
		const struct stp_token *t = &in[i];
		if (!is_kw(t, "@define")) {
			tb_push(&rest, t);
			i++;
			continue;
		}
		struct macro mac = { 0 };
		i++;
		if (in[i].kind != STP_IDENT || in[i].text[0] == '@' || in[i].text[0] == '$')
			fail(ps, &in[i], "expected identifier for macro name");
		char *name = alloc(ps->f, strlen(in[i].text) + 2);
		name[0] = '@';
		strcpy(name + 1, in[i].text);
		mac.name = name;
		i++;
		if (is_op(&in[i], "(")) {
			i++;
			while (!is_op(&in[i], ")")) {
				if (in[i].kind != STP_IDENT || mac.nparams == 16)
					fail(ps, &in[i], "expected identifier for macro parameter");
				mac.params[mac.nparams++] = in[i].text;
				i++;
				if (is_op(&in[i], ","))
					i++;
				else if (!is_op(&in[i], ")"))
					fail(ps, &in[i], "expected ',' or ')'");
			}
			i++;
		}
		if (!is_op(&in[i], "%("))
			fail(ps, &in[i], "expected '%%(' for macro body");
		i++;
		int b = i, lvl = 0;
		while (in[i].kind != STP_EOF && !(lvl == 0 && is_op(&in[i], "%)"))) {
			lvl += is_op(&in[i], "%(");
			lvl -= is_op(&in[i], "%)");
			i++;
		}
		if (in[i].kind == STP_EOF)
			fail(ps, &in[b - 1], "incomplete macro definition - missing '%%)'");
		mac.body = &in[b];
		mac.nbody = i - b;
		i++;
		m.v = realloc(m.v, sizeof(m.v[0]) * (size_t)(m.n + 1));
		if (!m.v)
			exit(70);
		m.v[m.n++] = mac;
		ps->macros = m.v;
	}
	expand(ps, &m, rest.v, rest.n, &out, NULL, NULL, NULL, 0);
	free(rest.v);
	rest.v = NULL;
	free(m.v);
	ps->macros = NULL;
	struct pp p = { ps, env, out.v, out.n, 0 };
	const struct stp_token *e = pp_copy(&p, &fin, true);
	if (e->kind != STP_EOF)
		fail(ps, e, "incomplete conditional at end of file");
	tb_push(&fin, e);
	free(out.v);
	out.v = NULL;
	/* the tokens move into the file's arena (their texts stay the lexer's) */
	ps->f->toks = alloc(ps->f, sizeof(fin.v[0]) * (size_t)fin.n);
	memcpy(ps->f->toks, fin.v, sizeof(fin.v[0]) * (size_t)fin.n);
	ps->f->ntoks = fin.n;
	free(fin.v);
	fin.v = NULL;
	ps->t = ps->f->toks;
	ps->n = ps->f->ntoks;
#undef rest
#undef out
#undef fin
}

/* ---- expressions ---- */

static struct stp_node *expr(struct parser *ps);
static struct stp_node *statement(struct parser *ps);

static struct stp_node *mk(struct parser *ps, enum stp_nk k, const struct stp_token *t, int nkids)
{
	return stp_node_new(ps->f, k, t, nkids);
}

static char *tdup(struct parser *ps, const struct stp_token *t)
{
	return sdup(ps->f, t->text, t->kind == STP_STR ? t->len : strlen(t->text));
}

static const char *const stat_ops[] = {
	"count", "sum", "min", "max", "avg", "variance", "hist_log", "hist_linear",
};

/* args -> '(' [expr (',' expr)*] ')' , into N's kids */
static void arglist(struct parser *ps, struct stp_node *n)
{
	int cap = 0;
	expect(ps, "(");
	if (accept(ps, ")"))
		return;
	do
		push_kid(ps->f, n, expr(ps), &cap);
	while (accept(ps, ","));
	expect(ps, ")");
}

/* value -> NUM | STR | '(' expr ')' | IDENT args | IDENT ['[' exprs ']'] | $target | $N | @N
 *        | $# | @# | @stat '(' expr ')' | @defined '(' expr ')' */
static struct stp_node *value(struct parser *ps)
{
	const struct stp_token *t = peek(ps, 0);
	struct stp_node *n;
	if (t->kind == STP_NUM) {
		next(ps);
		n = mk(ps, STP_N_NUM, t, 0);
		n->n = t->ival;
		return n;
	}
	if (t->kind == STP_STR) {
		next(ps);
		n = mk(ps, STP_N_STR, t, 0);
		n->s = tdup(ps, t);
		/* adjacent literals join, as in C */
		while (peek(ps, 0)->kind == STP_STR) {
			const struct stp_token *u = next(ps);
			char *j = alloc(ps->f, strlen(n->s) + u->len + 1);
			strcpy(j, n->s);
			memcpy(j + strlen(n->s), u->text, u->len);
			n->s = j;
		}
		return n;
	}
	if (is_op(t, "(")) {
		next(ps);
		n = expr(ps);
		expect(ps, ")");
		return n;
	}
	if (t->kind == STP_EMBED)
		fail(ps, t, "embedded code in expressions not allowed without -g (pyscope has no guru mode)");
	if (t->kind != STP_IDENT)
		fail(ps, t, "expected: statement or expression");
	const char *s = t->text;
	if (s[0] == '$' || s[0] == '@') {
		next(ps);
		if (!strcmp(s + 1, "#")) {
			n = mk(ps, STP_N_ARGC, t, 0);
			n->op = s[0] == '$' ? "$" : "@";
			return n;
		}
		if (s[1] >= '0' && s[1] <= '9') {
			n = mk(ps, STP_N_ARGV, t, 0);
			n->n = strtol(s + 1, NULL, 10);
			n->op = s[0] == '$' ? "$" : "@";
			return n;
		}
		if (s[0] == '$') {
			n = mk(ps, STP_N_TARGET, t, 0);
			n->s = tdup(ps, t);
			if (is_op(peek(ps, 0), "->") || is_op(peek(ps, 0), "["))
				fail(ps, peek(ps, 0), "pyscope's markers have no DWARF types: $ variables are plain "
				     "numbers");
			return n;
		}
		if (!strcmp(s, "@defined")) {
			n = mk(ps, STP_N_DEFINED, t, 1);
			expect(ps, "(");
			n->kids[0] = expr(ps);
			expect(ps, ")");
			return n;
		}
		for (size_t i = 0; i < sizeof(stat_ops) / sizeof(stat_ops[0]); i++)
			if (!strcmp(s + 1, stat_ops[i])) {
				n = mk(ps, STP_N_STAT, t, 0);
				n->s = (char *)stat_ops[i];
				arglist(ps, n);
				return n;
			}
		fail(ps, t, "unknown operator '%s'", s);
	}
	if (is_keyword(s))
		fail(ps, t, "expected: statement or expression");
	next(ps);
	if (is_op(peek(ps, 0), "(")) {
		n = mk(ps, STP_N_CALL, t, 0);
		n->s = tdup(ps, t);
		arglist(ps, n);
		return n;
	}
	n = mk(ps, STP_N_VAR, t, 0);
	n->s = tdup(ps, t);
	if (accept(ps, "[")) {
		int cap = 0;
		do
			push_kid(ps->f, n, expr(ps), &cap);
		while (accept(ps, ","));
		expect(ps, "]");
	}
	return n;
}

static bool is_lvalue(const struct stp_node *n)
{
	return n->kind == STP_N_VAR;
}

/* crement -> value ['++' | '--'] */
static struct stp_node *crement(struct parser *ps)
{
	struct stp_node *v = value(ps);
	const struct stp_token *t = peek(ps, 0);
	if ((is_op(t, "++") || is_op(t, "--")) && !t->nl_before) {
		next(ps);
		if (!is_lvalue(v))
			fail(ps, t, "expected a variable before '%s'", t->text);
		struct stp_node *n = mk(ps, STP_N_INCDEC, t, 1);
		n->op = t->text;
		n->kids[0] = v;
		return n;
	}
	return v;
}

/* unary -> ('+' | '-' | '!' | '~' | '++' | '--') unary | crement */
static struct stp_node *unary(struct parser *ps)
{
	const struct stp_token *t = peek(ps, 0);
	if (is_op(t, "+") || is_op(t, "-") || is_op(t, "!") || is_op(t, "~")) {
		next(ps);
		nest(ps);
		struct stp_node *n = mk(ps, STP_N_UNARY, t, 1);
		n->op = t->text;
		n->kids[0] = unary(ps);
		ps->depth--;
		/* a negative literal is one number, so -9223372036854775808 works */
		if (!strcmp(t->text, "-") && n->kids[0]->kind == STP_N_NUM) {
			n->kids[0]->n = (int64_t)(0 - (uint64_t)n->kids[0]->n);
			return n->kids[0];
		}
		return n;
	}
	if (is_op(t, "++") || is_op(t, "--")) {
		next(ps);
		struct stp_node *v = unary(ps);
		if (!is_lvalue(v))
			fail(ps, t, "expected a variable after '%s'", t->text);
		struct stp_node *n = mk(ps, STP_N_INCDEC, t, 1);
		n->op = t->text;
		n->n = 1;
		n->kids[0] = v;
		return n;
	}
	return crement(ps);
}

/* Binary levels, loosest first (stap's parse_logical_or .. parse_multiplicative); "in" sits
 * between '&' and the comparisons. */
static const char *const levels[][7] = {
	{ "||" }, { "&&" }, { "|" }, { "^" }, { "&" }, { "" /* in */ },
	{ "==", "!=", "<", "<=", ">", ">=", "=~" }, { "<<", ">>" }, { "." }, { "+", "-" },
	{ "*", "/", "%" },
};
#define NLEVELS ((int)(sizeof(levels) / sizeof(levels[0])))
#define IN_LEVEL 5

static struct stp_node *binary(struct parser *ps, int level);

/* in -> '[' exprs ']' 'in' IDENT | comparison ['in' IDENT] */
static struct stp_node *array_in(struct parser *ps)
{
	const struct stp_token *t = peek(ps, 0);
	struct stp_node *keys = mk(ps, STP_N_IN, t, 0);
	int cap = 0;
	if (is_op(t, "[")) {
		next(ps);
		do
			push_kid(ps->f, keys, expr(ps), &cap);
		while (accept(ps, ","));
		expect(ps, "]");
		if (!is_kw(peek(ps, 0), "in"))
			fail(ps, peek(ps, 0), "expected 'in'");
	} else {
		struct stp_node *l = binary(ps, IN_LEVEL + 1);
		if (!is_kw(peek(ps, 0), "in"))
			return l;
		push_kid(ps->f, keys, l, &cap);
	}
	const struct stp_token *in = next(ps);
	const struct stp_token *a = expect_ident(ps, "identifier");
	struct stp_node *arr = mk(ps, STP_N_VAR, a, 0);
	arr->s = tdup(ps, a);
	push_kid(ps->f, keys, arr, &cap);
	keys->tok = in;
	return keys;
}

static struct stp_node *binary(struct parser *ps, int level)
{
	if (level == NLEVELS)
		return unary(ps);
	if (level == IN_LEVEL)
		return array_in(ps);
	nest(ps);
	struct stp_node *l = binary(ps, level + 1);
	for (;;) {
		const struct stp_token *t = peek(ps, 0);
		bool hit = false;
		for (int k = 0; k < 7 && levels[level][k] && !hit; k++)
			hit = levels[level][k][0] && is_op(t, levels[level][k]);
		if (!hit && level == 6 && is_op(t, "!~"))
			hit = true;
		if (!hit)
			break;
		next(ps);
		struct stp_node *n = mk(ps, STP_N_BINARY, t, 2);
		n->op = t->text;
		n->kids[0] = l;
		n->kids[1] = binary(ps, level + 1);
		l = n;
	}
	ps->depth--;
	return l;
}

/* ternary -> logical_or ['?' expr ':' ternary] */
static struct stp_node *ternary(struct parser *ps)
{
	struct stp_node *c = binary(ps, 0);
	const struct stp_token *t = peek(ps, 0);
	if (!accept(ps, "?"))
		return c;
	nest(ps);
	struct stp_node *n = mk(ps, STP_N_COND, t, 3);
	n->kids[0] = c;
	n->kids[1] = expr(ps);
	expect(ps, ":");
	n->kids[2] = ternary(ps);
	ps->depth--;
	return n;
}

static const char *const assign_ops[] = {
	"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=", ".=", "<<<",
};

/* expr -> ternary [ASSIGNOP expr] */
static struct stp_node *expr(struct parser *ps)
{
	nest(ps);
	struct stp_node *l = ternary(ps);
	const struct stp_token *t = peek(ps, 0);
	for (size_t i = 0; i < sizeof(assign_ops) / sizeof(assign_ops[0]); i++)
		if (is_op(t, assign_ops[i])) {
			next(ps);
			if (!is_lvalue(l))
				fail(ps, t, "expected a variable to the left of '%s'", t->text);
			struct stp_node *n = mk(ps, STP_N_ASSIGN, t, 2);
			n->op = t->text;
			n->kids[0] = l;
			n->kids[1] = expr(ps);
			l = n;
			break;
		}
	ps->depth--;
	return l;
}

/* ---- statements ---- */

/* block -> '{' statement* '}' */
static struct stp_node *block(struct parser *ps)
{
	const struct stp_token *open = expect(ps, "{");
	struct stp_node *b = mk(ps, STP_S_BLOCK, open, 0);
	int cap = 0;
	nest(ps);
	while (!accept(ps, "}")) {
		if (peek(ps, 0)->kind == STP_EOF)
			fail(ps, peek(ps, 0), "expected '}' (to close '{' at line %d)", open->line);
		push_kid(ps->f, b, statement(ps), &cap);
	}
	ps->depth--;
	return b;
}

static void foreach_sort(struct parser *ps, struct stp_foreach *fe, int which)
{
	const struct stp_token *t = peek(ps, 0);
	if (!is_op(t, "+") && !is_op(t, "-"))
		return;
	if (fe->sort_dir)
		fail(ps, t, "multiple sort directives");
	next(ps);
	fe->sort_dir = is_op(t, "+") ? 1 : -1;
	fe->sort_key = which;
}

/* foreach -> 'foreach' '(' [IDENT [+-] '='] (IDENT [+-] | '[' IDENT [+-] (',' ...)* ']') 'in'
 *            IDENT [+-] ['limit' expr] ')' statement */
static struct stp_node *foreach_stmt(struct parser *ps, const struct stp_token *kw)
{
	struct stp_node *n = mk(ps, STP_S_FOREACH, kw, 2);
	struct stp_foreach *fe = alloc(ps->f, sizeof(*fe));
	n->fe = fe;
	expect(ps, "(");
	fe->keys = alloc(ps->f, sizeof(fe->keys[0]) * 9);
	if (peek(ps, 0)->kind == STP_IDENT && (is_op(peek(ps, 1), "=") ||
	    ((is_op(peek(ps, 1), "+") || is_op(peek(ps, 1), "-")) && is_op(peek(ps, 2), "=")))) {
		fe->value = tdup(ps, expect_ident(ps, "identifier"));
		foreach_sort(ps, fe, 0);
		expect(ps, "=");
	}
	bool bracket = accept(ps, "[");
	do {
		if (fe->nkeys == 8)
			fail(ps, peek(ps, 0), "too many foreach keys (at most 8)");
		fe->keys[fe->nkeys] = tdup(ps, expect_ident(ps, "identifier"));
		fe->nkeys++;
		foreach_sort(ps, fe, fe->nkeys);
	} while (bracket && accept(ps, ","));
	if (bracket)
		expect(ps, "]");
	if (!is_kw(peek(ps, 0), "in"))
		fail(ps, peek(ps, 0), "expected 'in'");
	next(ps);
	fe->array_tok = expect_ident(ps, "identifier");
	fe->array = tdup(ps, fe->array_tok);
	foreach_sort(ps, fe, 0);
	if (is_kw(peek(ps, 0), "limit")) {
		next(ps);
		n->kids[1] = expr(ps);
	}
	expect(ps, ")");
	n->kids[0] = statement(ps);
	return n;
}

/* statement -> block | ';' | if | while | for | foreach | delete expr | next | break | continue
 *            | return [expr] | expr ; each optionally followed by ';' */
static struct stp_node *statement(struct parser *ps)
{
	const struct stp_token *t = peek(ps, 0);
	struct stp_node *n;
	nest(ps);
	if (is_op(t, "{")) {
		n = block(ps);
	} else if (is_op(t, ";")) {
		next(ps);
		n = mk(ps, STP_S_NULL, t, 0);
		ps->depth--;
		return n;
	} else if (is_kw(t, "if")) {
		next(ps);
		n = mk(ps, STP_S_IF, t, 3);
		expect(ps, "(");
		n->kids[0] = expr(ps);
		expect(ps, ")");
		n->kids[1] = statement(ps);
		if (is_kw(peek(ps, 0), "else")) {
			next(ps);
			n->kids[2] = statement(ps);
		}
		ps->depth--;
		return n;
	} else if (is_kw(t, "while")) {
		next(ps);
		n = mk(ps, STP_S_WHILE, t, 2);
		expect(ps, "(");
		n->kids[0] = expr(ps);
		expect(ps, ")");
		n->kids[1] = statement(ps);
		ps->depth--;
		return n;
	} else if (is_kw(t, "for")) {
		next(ps);
		n = mk(ps, STP_S_FOR, t, 4);
		expect(ps, "(");
		if (!is_op(peek(ps, 0), ";"))
			n->kids[0] = expr(ps);
		expect(ps, ";");
		if (!is_op(peek(ps, 0), ";"))
			n->kids[1] = expr(ps);
		expect(ps, ";");
		if (!is_op(peek(ps, 0), ")"))
			n->kids[2] = expr(ps);
		expect(ps, ")");
		n->kids[3] = statement(ps);
		ps->depth--;
		return n;
	} else if (is_kw(t, "foreach")) {
		next(ps);
		n = foreach_stmt(ps, t);
		ps->depth--;
		return n;
	} else if (is_kw(t, "delete")) {
		next(ps);
		n = mk(ps, STP_S_DELETE, t, 1);
		n->kids[0] = value(ps);
		if (n->kids[0]->kind != STP_N_VAR)
			fail(ps, t, "delete wants a variable or an array element");
	} else if (is_kw(t, "next") || is_kw(t, "break") || is_kw(t, "continue")) {
		next(ps);
		n = mk(ps, is_kw(t, "next") ? STP_S_NEXT : is_kw(t, "break") ? STP_S_BREAK : STP_S_CONTINUE,
		       t, 0);
	} else if (is_kw(t, "return")) {
		next(ps);
		n = mk(ps, STP_S_RETURN, t, 1);
		const struct stp_token *u = peek(ps, 0);
		if (!is_op(u, ";") && !is_op(u, "}") && !u->nl_before)
			n->kids[0] = expr(ps);
		else if (!is_op(u, ";") && !is_op(u, "}") && u->kind != STP_EOF &&
			 !is_keyword(u->text ? u->text : ""))
			n->kids[0] = expr(ps);
	} else if (t->kind == STP_EMBED) {
		fail(ps, t, "embedded code in probes and functions not allowed without -g (pyscope has "
		     "no guru mode)");
	} else if (is_kw(t, "else")) {
		fail(ps, t, "expected: statement or expression");
	} else {
		n = mk(ps, STP_S_EXPR, t, 1);
		n->kids[0] = expr(ps);
	}
	accept(ps, ";");
	ps->depth--;
	return n;
}

/* ---- top level ---- */

/* component -> NAME ['(' (NUM | STR) ')'] where NAME is identifiers and '*' run together */
static void ppcomp(struct parser *ps, struct stp_ppcomp *c)
{
	const struct stp_token *t = peek(ps, 0);
	char name[256] = "";
	c->tok = t;
	for (;;) {
		const struct stp_token *u = peek(ps, 0);
		bool glued = !name[0] || (u->line == peek(ps, -1)->line &&
					  u->col == peek(ps, -1)->col + (int)strlen(peek(ps, -1)->text));
		if (!glued || !(u->kind == STP_IDENT || is_op(u, "*") || (name[0] && u->kind == STP_NUM)))
			break;
		if (strlen(name) + strlen(u->text) >= sizeof(name))
			fail(ps, u, "probe point component too long");
		strcat(name, u->text);
		next(ps);
	}
	if (!name[0])
		fail(ps, t, "expected identifier or '*'");
	c->name = sdup(ps->f, name, strlen(name));
	if (accept(ps, "(")) {
		const struct stp_token *a = next(ps);
		bool neg = false;
		if (is_op(a, "-")) {
			neg = true;
			a = next(ps);
		}
		if (a->kind == STP_NUM) {
			c->arg = 1;
			c->n = neg ? -a->ival : a->ival;
		} else if (a->kind == STP_STR && !neg) {
			c->arg = 2;
			c->s = tdup(ps, a);
		} else {
			fail(ps, a, "expected literal string or number");
		}
		expect(ps, ")");
	}
}

/* point -> component ('.' component)* ('?' | '!')* */
static void probe_point(struct parser *ps, struct stp_pp *pp)
{
	pp->tok = peek(ps, 0);
	int cap = 0;
	do {
		if (pp->ncomps == cap) {
			cap = cap ? cap * 2 : 4;
			struct stp_ppcomp *v = alloc(ps->f, sizeof(v[0]) * (size_t)cap);
			if (pp->ncomps)
				memcpy(v, pp->comps, sizeof(v[0]) * (size_t)pp->ncomps);
			pp->comps = v;
		}
		ppcomp(ps, &pp->comps[pp->ncomps++]);
	} while (accept(ps, "."));
	for (;;) {
		if (accept(ps, "?"))
			pp->optional = true;
		else if (accept(ps, "!"))
			pp->optional = pp->sufficient = true;
		else
			break;
	}
	if (is_kw(peek(ps, 0), "if"))
		fail(ps, peek(ps, 0), "conditional probe points (if (...)) are not supported by pyscope");
}

static struct stp_pp *point_list(struct parser *ps, int *n)
{
	int cap = 4;
	struct stp_pp *v = alloc(ps->f, sizeof(v[0]) * (size_t)cap);
	*n = 0;
	do {
		if (*n == cap) {
			struct stp_pp *w = alloc(ps->f, sizeof(v[0]) * (size_t)cap * 2);
			memcpy(w, v, sizeof(v[0]) * (size_t)cap);
			v = w;
			cap *= 2;
		}
		probe_point(ps, &v[(*n)++]);
	} while (accept(ps, ","));
	return v;
}

static void *grow(struct parser *ps, void *v, int n, size_t size)
{
	void *w = alloc(ps->f, size * (size_t)(n + 1));
	if (n)
		memcpy(w, v, size * (size_t)n);
	return w;
}

/* probe -> 'probe' points block | 'probe' points ('=' | '+=') points block */
static void probe_decl(struct parser *ps, const struct stp_token *kw)
{
	struct stp_file *f = ps->f;
	f->probes = grow(ps, f->probes, f->nprobes, sizeof(f->probes[0]));
	struct stp_probe *p = &f->probes[f->nprobes];
	p->tok = kw;
	p->pps = point_list(ps, &p->npps);
	if (is_op(peek(ps, 0), "=") || is_op(peek(ps, 0), "+=")) {
		p->alias = true;
		p->epilogue = is_op(next(ps), "+=");
		p->names = p->pps;
		p->nnames = p->npps;
		for (int i = 0; i < p->nnames; i++)
			if (p->names[i].optional)
				fail(ps, p->names[i].tok, "probe point alias name cannot be optional or sufficient");
		p->pps = point_list(ps, &p->npps);
	}
	p->body = block(ps);
	f->nprobes++;
}

/* global -> 'global' NAME ['[' NUM ']'] ['=' literal] (',' ...)* */
static void global_decl(struct parser *ps, bool is_private)
{
	struct stp_file *f = ps->f;
	do {
		const struct stp_token *t = expect_ident(ps, "identifier");
		f->globals = grow(ps, f->globals, f->nglobals, sizeof(f->globals[0]));
		struct stp_global *g = &f->globals[f->nglobals++];
		g->name = tdup(ps, t);
		g->tok = t;
		g->is_private = is_private;
		if (accept(ps, "[")) {
			const struct stp_token *s = next(ps);
			if (s->kind != STP_NUM || s->ival <= 0)
				fail(ps, s, "expected a positive number for the array size");
			g->size = s->ival;
			expect(ps, "]");
		}
		if (accept(ps, "=")) {
			struct stp_node *v = unary(ps);
			if (v->kind != STP_N_NUM && v->kind != STP_N_STR)
				fail(ps, v->tok, "expected literal string or number");
			g->init = v;
		}
	} while (accept(ps, ","));
	accept(ps, ";");
}

static int type_word(struct parser *ps)
{
	const struct stp_token *t = next(ps);
	if (is_kw(t, "long"))
		return 1;
	if (is_kw(t, "string"))
		return 2;
	fail(ps, t, "expected 'string' or 'long'");
}

/* function -> 'function' NAME [':' type] '(' [NAME [':' type] (',' ...)*] ')' (block | %{ %}) */
static void function_decl(struct parser *ps)
{
	struct stp_file *f = ps->f;
	const struct stp_token *t = expect_ident(ps, "identifier");
	f->funcs = grow(ps, f->funcs, f->nfuncs, sizeof(f->funcs[0]));
	struct stp_func *fn = &f->funcs[f->nfuncs];
	fn->name = tdup(ps, t);
	fn->tok = t;
	if (accept(ps, ":"))
		fn->rettype = type_word(ps);
	expect(ps, "(");
	fn->params = alloc(ps->f, sizeof(fn->params[0]) * 33);
	fn->ptypes = alloc(ps->f, sizeof(fn->ptypes[0]) * 33);
	if (!accept(ps, ")")) {
		do {
			if (fn->nparams == 32)
				fail(ps, peek(ps, 0), "too many parameters (at most 32)");
			fn->params[fn->nparams] = tdup(ps, expect_ident(ps, "identifier"));
			if (accept(ps, ":"))
				fn->ptypes[fn->nparams] = type_word(ps);
			fn->nparams++;
		} while (accept(ps, ","));
		expect(ps, ")");
	}
	if (peek(ps, 0)->kind == STP_EMBED)
		fail(ps, peek(ps, 0), "embedded code in functions not allowed without -g (pyscope runs no "
		     "C code: %%{ %%} blocks are refused)");
	fn->body = block(ps);
	f->nfuncs++;
}

int stp_parse(struct stp_toks *toks, const struct stp_src *src, const struct stp_ppenv *env,
	      struct stp_file *f)
{
	struct parser ps = { .f = f };
	f->src = src;
	if (setjmp(ps.fail)) {
		free(ps.rest.v);
		free(ps.out.v);
		free(ps.fin.v);
		free(ps.macros);
		return -EINVAL;
	}
	preprocess(&ps, toks, env);
	for (;;) {
		const struct stp_token *t = next(&ps);
		if (t->kind == STP_EOF)
			break;
		if (is_kw(t, "probe"))
			probe_decl(&ps, t);
		else if (is_kw(t, "global"))
			global_decl(&ps, false);
		else if (is_kw(t, "private") && is_kw(peek(&ps, 0), "global")) {
			next(&ps);
			global_decl(&ps, true);
		} else if (is_kw(t, "private") && is_kw(peek(&ps, 0), "function")) {
			next(&ps);
			function_decl(&ps);
		} else if (is_kw(t, "function"))
			function_decl(&ps);
		else if (t->kind == STP_EMBED)
			fail(&ps, t, "embedded code in scripts not allowed without -g (pyscope runs no C "
			     "code: %%{ %%} blocks are refused)");
		else if (is_op(t, ";"))
			continue;
		else
			fail(&ps, t, "expected 'probe', 'global', 'private', 'function', or '%%{'");
	}
	return 0;
}

void stp_file_free(struct stp_file *f)
{
	arena_free(&f->mem);
	memset(f, 0, sizeof(*f));
}
