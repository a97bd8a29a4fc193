/*
 * stp_lex.c — the SystemTap lexer (see stp_lex.h). The whole script becomes one token array: the
 * preprocessor and the alias expansion want to look ahead and splice, which a token stream read
 * one at a time makes awkward. stap's comments are all three of `#`, `//` and `/ * * /`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stp_lex.h"

/* Longest first, so that "<<<" wins over "<<" and "<". */
static const char *const ops[] = {
	"<<<", "<<=", ">>=",
	"%{", "%}", "%(", "%?", "%:", "%)",
	"==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=",
	"^=", ".=", "<<", ">>", "->", "=~", "!~",
	"+", "-", "*", "/", "%", "&", "|", "^", "!", "~", "<", ">", "=", "?", ":", ",", ";",
	"(", ")", "[", "]", "{", "}", ".",
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("pyscope: out of memory");
		exit(70);
	}
	return p;
}

static struct stp_token *push(struct stp_toks *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = xrealloc(t->v, sizeof(t->v[0]) * (size_t)t->cap);
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	return &t->v[t->n++];
}

void stp_toks_free(struct stp_toks *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static const char *line_of(const struct stp_src *s, int line, int *len)
{
	const char *p = s->text;
	for (int l = 1; l < line && p; l++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return NULL;
	const char *e = strchr(p, '\n');
	*len = e ? (int)(e - p) : (int)strlen(p);
	return p;
}

const char *stp_tok_desc(const struct stp_token *t, char *buf, size_t n)
{
	switch (t->kind) {
	case STP_EOF: snprintf(buf, n, "end of input"); break;
	case STP_NUM: snprintf(buf, n, "number '%lld'", (long long)t->ival); break;
	case STP_STR: {
		/* stap's token keeps the escapes as written: a newline shows as \n, never as a
		 * line break in the message; other unprintables as '?', as stap prints them */
		char esc[128];
		size_t k = 0;
		for (const char *c = t->text; *c && k + 2 < sizeof(esc) && k < 60; c++) {
			if (*c == '\n' || *c == '\t') {
				esc[k++] = '\\';
				esc[k++] = *c == '\n' ? 'n' : 't';
			} else {
				esc[k++] = isprint((unsigned char)*c) ? *c : '?';
			}
		}
		esc[k] = 0;
		snprintf(buf, n, "string '%s'", esc);
		break;
	}
	case STP_IDENT: snprintf(buf, n, "identifier '%.60s'", t->text); break;
	case STP_OP: snprintf(buf, n, "operator '%s'", t->text); break;
	case STP_EMBED: snprintf(buf, n, "embedded-code"); break;
	}
	return buf;
}

static void source_lines(const struct stp_token *tok, const char *lead)
{
	int len;
	const char *p = tok->src ? line_of(tok->src, tok->line, &len) : NULL;
	if (!p)
		return;
	fprintf(stderr, "%s%.*s\n", lead, len, p);
	fprintf(stderr, "%*s", (int)strlen(lead), "");
	for (int k = 0; k < tok->col - 1 && k < len; k++)
		fputc(p[k] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

void stp_report(const char *kind, const struct stp_token *tok, const char *fmt, ...)
{
	char msg[1024], d[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bool parse = strcmp(kind, "parse error") == 0;
	if (!tok) {
		fprintf(stderr, "%s: %s\n", kind, msg);
	} else if (parse) {
		/* stap: the message, then the token on an "at:" line */
		fprintf(stderr, "%s: %s\n\tat: %s at %s:%d:%d\n", kind, msg, stp_tok_desc(tok, d, sizeof(d)),
			tok->src ? tok->src->name : "<input>", tok->line, tok->col);
		source_lines(tok, "     source: ");
	} else {
		fprintf(stderr, "%s: %s: %s at %s:%d:%d\n", kind, msg, stp_tok_desc(tok, d, sizeof(d)),
			tok->src ? tok->src->name : "<input>", tok->line, tok->col);
		source_lines(tok, "        source: ");
	}
}

struct lx {
	const struct stp_src *src;
	const char *s;
	size_t pos;
	int line, col;
};

/* The byte K ahead, never past the terminating NUL. */
static int pk(const struct lx *l, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (!l->s[l->pos + i])
			return 0;
	return (unsigned char)l->s[l->pos + k];
}

static void adv(struct lx *l)
{
	if (!l->s[l->pos])
		return;
	if (l->s[l->pos] == '\n') {
		l->line++;
		l->col = 1;
	} else {
		l->col++;
	}
	l->pos++;
}

static int lex_error(struct lx *l, int line, int col, const char *msg)
{
	struct stp_token t = { .kind = STP_EOF, .src = l->src, .line = line, .col = col };
	fprintf(stderr, "parse error: %s\n", msg);
	char lead[] = "     source: ";
	int len;
	const char *p = line_of(l->src, line, &len);
	(void)t;
	fprintf(stderr, "\tat: %s:%d:%d\n", l->src->name, line, col);
	if (p) {
		fprintf(stderr, "%s%.*s\n%*s", lead, len, p, (int)strlen(lead), "");
		for (int k = 0; k < col - 1 && k < len; k++)
			fputc(p[k] == '\t' ? '\t' : ' ', stderr);
		fputs("^\n", stderr);
	}
	fprintf(stderr, "\n1 parse error.\nPass 1: parse failed.  [man error::pass1]\n");
	return -EINVAL;
}

/* Skip blanks and comments; *NL set when a newline was crossed. -EINVAL: unterminated comment. */
static int skip(struct lx *l, int *nl)
{
	for (;;) {
		int c = pk(l, 0);
		if (c == '\n') {
			*nl = 1;
			adv(l);
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			adv(l);
		} else if (c == '#' || (c == '/' && pk(l, 1) == '/')) {
			while (pk(l, 0) && pk(l, 0) != '\n')
				adv(l);
		} else if (c == '/' && pk(l, 1) == '*') {
			int line = l->line, col = l->col;
			adv(l);
			adv(l);
			while (pk(l, 0) && !(pk(l, 0) == '*' && pk(l, 1) == '/')) {
				if (pk(l, 0) == '\n')
					*nl = 1;
				adv(l);
			}
			if (!pk(l, 0))
				return lex_error(l, line, col, "unterminated comment");
			adv(l);
			adv(l);
		} else {
			return 0;
		}
	}
}

static void put(char **buf, size_t *n, size_t *cap, char c)
{
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*buf = xrealloc(*buf, *cap);
	}
	(*buf)[(*n)++] = c;
	(*buf)[*n] = 0;
}

/* A string literal, C's escapes decoded. */
static int lex_string(struct lx *l, struct stp_token *t)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	put(&buf, &n, &cap, 0);
	n = 0;
	adv(l);
	for (;;) {
		int c = pk(l, 0);
		if (!c || c == '\n') {
			free(buf);
			return lex_error(l, t->line, t->col, "Could not find matching closing quote");
		}
		if (c == '"') {
			adv(l);
			break;
		}
		if (c != '\\') {
			put(&buf, &n, &cap, (char)c);
			adv(l);
			continue;
		}
		adv(l);
		c = pk(l, 0);
		int v;
		switch (c) {
		case 'n': v = '\n'; break;
		case 't': v = '\t'; break;
		case 'r': v = '\r'; break;
		case 'a': v = '\a'; break;
		case 'b': v = '\b'; break;
		case 'f': v = '\f'; break;
		case 'v': v = '\v'; break;
		case '\\': v = '\\'; break;
		case '"': v = '"'; break;
		case '\'': v = '\''; break;
		case '?': v = '?'; break;
		case '\n': v = -1; break;    /* a continued line */
		case 'x': {
			adv(l);
			v = 0;
			int k = 0;
			for (; k < 2; k++) {
				int d = pk(l, 0);
				int x = d >= '0' && d <= '9' ? d - '0' : (d | 0x20) >= 'a' && (d | 0x20) <= 'f'
					? (d | 0x20) - 'a' + 10 : -1;
				if (x < 0)
					break;
				v = v * 16 + x;
				adv(l);
			}
			if (!k) {
				free(buf);
				return lex_error(l, l->line, l->col, "\\x used with no following hex digits");
			}
			put(&buf, &n, &cap, (char)v);
			continue;
		}
		default:
			if (c >= '0' && c <= '7') {
				v = 0;
				for (int k = 0; k < 3 && pk(l, 0) >= '0' && pk(l, 0) <= '7'; k++) {
					v = v * 8 + pk(l, 0) - '0';
					adv(l);
				}
				put(&buf, &n, &cap, (char)v);
				continue;
			}
			if (!c) {
				free(buf);
				return lex_error(l, t->line, t->col, "Could not find matching closing quote");
			}
			/* unknown escape: C keeps the character */
			v = c;
		}
		adv(l);
		if (v >= 0)
			put(&buf, &n, &cap, (char)v);
	}
	t->kind = STP_STR;
	t->text = buf;
	t->len = n;
	return 0;
}

static bool ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(int c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

int stp_lex(const struct stp_src *src, struct stp_toks *toks)
{
	struct lx l = { .src = src, .s = src->text, .line = 1, .col = 1 };
	/* a "#!" first line is a comment already */
	for (;;) {
		int nl = 0;
		if (skip(&l, &nl) < 0)
			return -EINVAL;
		struct stp_token *t = push(toks);
		t->src = src;
		t->line = l.line;
		t->col = l.col;
		t->nl_before = nl;
		int c = pk(&l, 0);
		size_t start = l.pos;
		if (!c) {
			t->kind = STP_EOF;
			return 0;
		}
		if (c == '"') {
			if (lex_string(&l, t) < 0) {
				toks->n--;
				return -EINVAL;
			}
			continue;
		}
		if (c >= '0' && c <= '9') {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(l.s + l.pos, &end, 0);
			if (errno || ident_char((unsigned char)*end)) {
				int line = l.line, col = l.col;
				toks->n--;
				return lex_error(&l, line, col, errno ? "number too large" : "malformed number");
			}
			while (l.s + l.pos < end)
				adv(&l);
			t->kind = STP_NUM;
			t->ival = (int64_t)v;
			t->text = strndup(l.s + start, l.pos - start);
			continue;
		}
		/* identifiers, $name, $$vars, $1, $#, @name, @1, @# */
		if (ident_start(c) || ((c == '$' || c == '@') &&
				       (ident_char(pk(&l, 1)) || pk(&l, 1) == '#' || pk(&l, 1) == '$'))) {
			adv(&l);
			if (c != '$' && c != '@')
				;
			else if (pk(&l, 0) == '#')
				adv(&l);
			else if (c == '$' && pk(&l, 0) == '$')
				adv(&l);
			if (l.pos - start == 1 || ident_char(pk(&l, 0)))
				while (ident_char(pk(&l, 0)))
					adv(&l);
			t->kind = STP_IDENT;
			t->text = strndup(l.s + start, l.pos - start);
			t->len = l.pos - start;
			continue;
		}
		if (c == '%' && pk(&l, 1) == '{') {
			adv(&l);
			adv(&l);
			size_t b = l.pos;
			while (pk(&l, 0) && !(pk(&l, 0) == '%' && pk(&l, 1) == '}'))
				adv(&l);
			if (!pk(&l, 0)) {
				int line = t->line, col = t->col;
				toks->n--;
				return lex_error(&l, line, col, "Could not find matching '%}' to close '%{'");
			}
			t->kind = STP_EMBED;
			t->text = strndup(l.s + b, l.pos - b);
			adv(&l);
			adv(&l);
			continue;
		}
		const char *op = NULL;
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]) && !op; i++)
			if (strncmp(l.s + l.pos, ops[i], strlen(ops[i])) == 0)
				op = ops[i];
		if (!op) {
			char msg[64];
			int line = l.line, col = l.col;
			toks->n--;
			if (c >= 0x20 && c < 0x7f)
				snprintf(msg, sizeof(msg), "unexpected character '%c'", c);
			else
				snprintf(msg, sizeof(msg), "unexpected byte 0x%02x", c);
			return lex_error(&l, line, col, msg);
		}
		for (size_t i = 0; i < strlen(op); i++)
			adv(&l);
		t->kind = STP_OP;
		t->text = strdup(op);
		t->len = strlen(op);
		if (!t->text) {
			perror("pyscope: out of memory");
			exit(70);
		}
	}
}
