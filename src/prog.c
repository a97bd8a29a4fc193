/*
 * prog.c — building and freeing the shared program representation (prog.h), the function
 * signatures every front-end checks calls against, and probe-description matching. Programs are
 * built once and then only read, so all their memory comes from one chunked allocator that is
 * freed in one go.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prog.h"

#define I PS_V_INT
#define S PS_V_STR
const struct pg_funcsig pg_funcs[PG_F_COUNT] = {
	[PG_F_COPYSTR]  = { "copyinstr", 1, 2, S, { I, I } },
	[PG_F_STRINGOF] = { "stringof",  1, 1, S, { PS_V_NONE } },   /* any type */
	[PG_F_BASENAME] = { "basename",  1, 1, S, { S } },
	[PG_F_DIRNAME]  = { "dirname",   1, 1, S, { S } },
	[PG_F_STRLEN]   = { "strlen",    1, 1, I, { S } },
	[PG_F_STRJOIN]  = { "strjoin",   2, 2, S, { S, S } },
	[PG_F_SUBSTR]   = { "substr",    2, 3, S, { S, I, I } },
	[PG_F_STRSTR]   = { "strstr",    2, 2, S, { S, S } },
	[PG_F_INDEX]    = { "index",     2, 3, I, { S, S, I } },
	[PG_F_RINDEX]   = { "rindex",    2, 3, I, { S, S, I } },
	[PG_F_LLTOSTR]  = { "lltostr",   1, 2, S, { I, I } },
	[PG_F_TOUPPER]  = { "toupper",   1, 1, S, { S } },
	[PG_F_TOLOWER]  = { "tolower",   1, 1, S, { S } },
	[PG_F_STRTOK]   = { "strtok",    2, 2, S, { PS_V_NONE, S } },   /* a string or NULL */
	[PG_F_SYSTEM]   = { "system",    0, PG_MAX_CALL_ARGS, PS_V_NONE, { PS_V_NONE } },
	[PG_F_SETOPT]   = { "setopt",    1, 2, PS_V_NONE, { S, S } },
	[PG_F_COPYSTR_WARN]   = { "user_string_warn", 1, 1, S, { I } },
	[PG_F_THREAD_INDENT]  = { "thread_indent", 1, 1, S, { I } },
	[PG_F_ISINSTR]        = { "isinstr",     2, 2, I, { S, S } },
	[PG_F_TOKENIZE]       = { "tokenize",    2, 2, S, { S, S } },
	[PG_F_STR_REPLACE]    = { "str_replace", 3, 3, S, { S, S, S } },
	[PG_F_TEXT_STR]       = { "text_str",    1, 1, S, { S } },
	[PG_F_STRINGAT]       = { "stringat",    2, 2, I, { S, I } },
	[PG_F_CTIME]          = { "ctime",       1, 1, S, { I } },
	[PG_F_ERROR]          = { "error",       1, 1, PS_V_NONE, { S } },
	[PG_F_SWITCH_FILE]    = { "switch_file", 0, 0, PS_V_NONE, { 0 } },
	[PG_F_ANSI_CLEAR]     = { "ansi_clear_screen", 0, 0, PS_V_NONE, { 0 } },
	[PG_F_ANSI_COLOR]     = { "ansi_set_color", 1, 3, PS_V_NONE, { I, I, I } },
	[PG_F_ANSI_RESET]     = { "ansi_reset_color", 0, 0, PS_V_NONE, { 0 } },
	[PG_F_ANSI_CURSOR_XY] = { "ansi_cursor_move", 2, 2, PS_V_NONE, { I, I } },
	[PG_F_ANSI_CURSOR_HIDE]    = { "ansi_cursor_hide", 0, 0, PS_V_NONE, { 0 } },
	[PG_F_ANSI_CURSOR_SHOW]    = { "ansi_cursor_show", 0, 0, PS_V_NONE, { 0 } },
	[PG_F_ANSI_CURSOR_SAVE]    = { "ansi_cursor_save", 0, 0, PS_V_NONE, { 0 } },
	[PG_F_ANSI_CURSOR_RESTORE] = { "ansi_cursor_restore", 0, 0, PS_V_NONE, { 0 } },
	[PG_F_ANSI_NEW_LINE]  = { "ansi_new_line", 0, 0, PS_V_NONE, { 0 } },
	[PG_F_USER_S8]  = { "user_char",   1, 1, I, { I } },
	[PG_F_USER_U8]  = { "user_uint8",  1, 1, I, { I } },
	[PG_F_USER_S16] = { "user_short",  1, 1, I, { I } },
	[PG_F_USER_U16] = { "user_ushort", 1, 1, I, { I } },
	[PG_F_USER_S32] = { "user_int",    1, 1, I, { I } },
	[PG_F_USER_U32] = { "user_uint32", 1, 1, I, { I } },
	[PG_F_USER_S64] = { "user_long",   1, 1, I, { I } },
	[PG_F_COPYIN]   = { "copyin",      2, 2, S, { I, I } },
	[PG_F_USTACK]   = { "ustack",      0, 1, S, { I } },
	[PG_F_UBACKTRACE]        = { "ubacktrace", 0, 0, S, { 0 } },
	[PG_F_SPRINT_UBACKTRACE] = { "sprint_ubacktrace", 0, 0, S, { 0 } },
	[PG_F_PRINT_UBACKTRACE]  = { "print_ubacktrace", 0, 0, PS_V_NONE, { 0 } },
	[PG_F_USYM]     = { "usym",     1, 1, S, { I } },
	[PG_F_UFUNC]    = { "ufunc",    1, 1, S, { I } },
	[PG_F_UMOD]     = { "umod",     1, 1, S, { I } },
	[PG_F_UADDR]    = { "uaddr",    1, 1, S, { I } },
	[PG_F_USYMNAME] = { "usymname", 1, 1, S, { I } },
	[PG_F_USYMDATA] = { "usymdata", 1, 1, S, { I } },
	[PG_F_COPYINTO] = { "copyinto", 3, 3, PS_V_NONE, { I, I, PS_V_NONE } },
	[PG_F_INET_NTOA]  = { "inet_ntoa",  1, 1, S, { I } },
	[PG_F_INET_NTOA6] = { "inet_ntoa6", 1, 1, S, { I } },
	[PG_F_INET_NTOP]  = { "inet_ntop",  2, 2, S, { I, I } },
	[PG_F_JSTACK]         = { "jstack", 0, 2, S, { I, I } },
	[PG_F_PYBACKTRACE]    = { "pybacktrace", 0, 0, S, { 0 } },
	[PG_F_PRINT_PYBACKTRACE] = { "print_pybacktrace", 0, 0, PS_V_NONE, { 0 } },
};

static const struct { int f, size; bool is_signed; } memfns[] = {
	{ PG_F_USER_S8, 1, true },  { PG_F_USER_U8, 1, false },  { PG_F_USER_S16, 2, true },
	{ PG_F_USER_U16, 2, false }, { PG_F_USER_S32, 4, true }, { PG_F_USER_U32, 4, false },
	{ PG_F_USER_S64, 8, true },
};

int pg_memfn(int f, bool *is_signed)
{
	for (size_t i = 0; i < sizeof(memfns) / sizeof(memfns[0]); i++)
		if (memfns[i].f == f) {
			if (is_signed)
				*is_signed = memfns[i].is_signed;
			return memfns[i].size;
		}
	return 0;
}
#undef I
#undef S

int pg_parse_size(const char *s, int64_t *out)
{
	const char *units = "kmgt";
	char *end;
	if (!(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end) {
		const char *u = strchr(units, *end | 0x20);
		if (!u || end[1])
			return -EINVAL;
		for (long n = u - units + 1; n > 0; n--) {
			if (v > (unsigned long long)PG_MAX_SIZE)
				return -EINVAL;
			v *= 1024;
		}
	}
	if (v < 1 || v > (unsigned long long)PG_MAX_SIZE)
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

struct pg_prog *pg_new(void)
{
	struct pg_prog *p = calloc(1, sizeof(*p));
	if (!p) {
		perror("pyscope: out of memory");
		exit(70);
	}
	p->quiet = -1;
	p->strsize = -1;
	p->aggsize = p->dynvarsize = -1;
	p->mem.chunk_size = 16384;
	return p;
}

void pg_free(struct pg_prog *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nfmts; i++)
		fmt_free(p->fmts[i]);
	free(p->fmts);
	arena_free(&p->mem);
	free(p->clauses);
	free(p->vars);
	free(p->aggs);
	free(p->funcs);
	free(p);
}

void *pg_alloc(struct pg_prog *p, size_t n)
{
	void *r = arena_alloc(&p->mem, n);
	memset(r, 0, n);
	return r;
}

char *pg_strndup(struct pg_prog *p, const char *s, size_t n)
{
	char *r = pg_alloc(p, n + 1);
	memcpy(r, s, n);
	r[n] = 0;
	return r;
}

char *pg_strdup(struct pg_prog *p, const char *s)
{
	return pg_strndup(p, s, strlen(s));
}

struct pg_node *pg_node(struct pg_prog *p, enum pg_kind kind, enum ps_vtype type, int nkids)
{
	struct pg_node *n = pg_alloc(p, sizeof(*n));
	n->kind = kind;
	n->type = type;
	n->nkids = nkids;
	if (nkids)
		n->kids = pg_alloc(p, sizeof(n->kids[0]) * nkids);
	return n;
}

/* Grow an array of ELEM-sized items by one (zeroed), keeping it in ordinary heap memory. Its
 * capacity doubles whenever the count reaches a power of two, so that adding N items copies
 * O(N) bytes, not O(N^2). */
static void *grow(void *arr, int *n, size_t elem)
{
	char *a = arr;
	if ((*n & (*n - 1)) == 0)
		a = realloc(arr, elem * (*n ? (size_t)*n * 2 : 1));
	if (!a) {
		perror("pyscope: out of memory");
		exit(70);
	}
	memset(a + elem * *n, 0, elem);
	(*n)++;
	return a;
}

int pg_add_clause(struct pg_prog *p)
{
	p->clauses = grow(p->clauses, &p->nclauses, sizeof(p->clauses[0]));
	return p->nclauses - 1;
}

void pg_own_fmt(struct pg_prog *p, struct fmt *f)
{
	p->fmts = grow(p->fmts, &p->nfmts, sizeof(p->fmts[0]));
	p->fmts[p->nfmts - 1] = f;
}

int pg_add_var(struct pg_prog *p, const char *name, enum pg_scope scope)
{
	p->vars = grow(p->vars, &p->nvars, sizeof(p->vars[0]));
	struct pg_var *v = &p->vars[p->nvars - 1];
	v->name = pg_strdup(p, name);
	v->scope = scope;
	return p->nvars - 1;
}

int pg_find_var(const struct pg_prog *p, const char *name, enum pg_scope scope)
{
	for (int i = 0; i < p->nvars; i++)
		if (p->vars[i].scope == scope && strcmp(p->vars[i].name, name) == 0)
			return i;
	return -1;
}

int pg_add_agg(struct pg_prog *p, const char *name)
{
	p->aggs = grow(p->aggs, &p->naggs, sizeof(p->aggs[0]));
	p->aggs[p->naggs - 1].name = pg_strdup(p, name);
	return p->naggs - 1;
}

int pg_add_local(struct pg_prog *p, const char *name, int *nlocals)
{
	int v = pg_add_var(p, name, PG_SC_LOCAL);
	p->vars[v].slot = (*nlocals)++;
	return v;
}

int pg_add_func(struct pg_prog *p, const char *name)
{
	p->funcs = grow(p->funcs, &p->nfuncs, sizeof(p->funcs[0]));
	p->funcs[p->nfuncs - 1].name = pg_strdup(p, name);
	return p->nfuncs - 1;
}

int pg_find_func(const struct pg_prog *p, const char *name)
{
	for (int i = 0; i < p->nfuncs; i++)
		if (strcmp(p->funcs[i].name, name) == 0)
			return i;
	return -1;
}

int pg_find_agg(const struct pg_prog *p, const char *name)
{
	for (int i = 0; i < p->naggs; i++)
		if (strcmp(p->aggs[i].name, name) == 0)
			return i;
	return -1;
}

bool pg_pdesc_match(const struct pg_pdesc *d, const struct ps_probe *p, int target)
{
	if (d->kind != PG_PD_MARKER)
		return false;
	int pid = d->pid == PG_PID_TARGET ? target : d->pid;
	if (d->pid && (pid <= 0 || (p->pid && p->pid != pid)))
		return false;
	char prov[128];
	snprintf(prov, sizeof(prov), "%s%d", p->provider, p->pid);
	if (!ps_name_match(d->provider, p->provider) && !(p->pid && ps_name_match(d->provider, prov)))
		return false;
	return ps_name_match(d->module, p->module) && ps_name_match(d->function, p->function) &&
	       ps_name_match(d->name, p->name);
}

const char *pg_op_name(int op)
{
	static const char *const names[PG_OP_COUNT] = {
		[PG_OP_ADD] = "+", [PG_OP_SUB] = "-", [PG_OP_MUL] = "*", [PG_OP_DIV] = "/",
		[PG_OP_MOD] = "%", [PG_OP_BAND] = "&", [PG_OP_BOR] = "|", [PG_OP_BXOR] = "^",
		[PG_OP_SHL] = "<<", [PG_OP_SHR] = ">>", [PG_OP_EQ] = "==", [PG_OP_NE] = "!=",
		[PG_OP_LT] = "<", [PG_OP_LE] = "<=", [PG_OP_GT] = ">", [PG_OP_GE] = ">=",
		[PG_OP_LAND] = "&&", [PG_OP_LOR] = "||", [PG_OP_LXOR] = "^^", [PG_OP_NOT] = "!",
		[PG_OP_BNOT] = "~", [PG_OP_NEG] = "-", [PG_OP_PLUS] = "+", [PG_OP_SEXT] = "(cast)",
		[PG_OP_ZEXT] = "(cast)", [PG_OP_CONCAT] = ".",
	};
	return op > 0 && op < PG_OP_COUNT && names[op] ? names[op] : "?";
}

const char *pg_node_token(const struct pg_prog *p, const struct pg_node *n, char *buf, size_t len)
{
	static const char *const stats[] = { "@count", "@sum", "@min", "@max", "@avg", "@variance" };
	if (!len)
		return buf;
	buf[0] = 0;
	if (!n)
		return buf;
	switch (n->kind) {
	case PG_E_BINARY:
		snprintf(buf, len, "operator '%s'", pg_op_name(n->op));
		break;
	case PG_E_ASSIGN:
		if (n->op)
			snprintf(buf, len, "operator '%s='", pg_op_name(n->op));
		else
			snprintf(buf, len, "operator '='");
		break;
	case PG_E_STAT:
		snprintf(buf, len, "operator '%s'", n->op >= 0 && n->op <= PG_ST_VARIANCE ? stats[n->op] : "@");
		break;
	case PG_S_HIST:
		snprintf(buf, len, "operator '%s'", n->op == PG_HIST_LINEAR ? "@hist_linear" : "@hist_log");
		break;
	case PG_E_VAR:
	case PG_E_IN:
	case PG_S_STATADD:
		n = n->kind == PG_E_VAR ? n : n->kids[0];
		snprintf(buf, len, "identifier '%s'", n->op >= 0 && n->op < p->nvars ? p->vars[n->op].name : "?");
		break;
	case PG_E_UCALL:
		snprintf(buf, len, "identifier '%s'", n->op >= 0 && n->op < p->nfuncs ? p->funcs[n->op].name : "?");
		break;
	case PG_E_CALL:
		snprintf(buf, len, "identifier '%s'", n->op >= 0 && n->op < PG_F_COUNT ? pg_funcs[n->op].name : "?");
		break;
	default:
		break;
	}
	return buf;
}
