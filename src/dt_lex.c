/*
 * dt_lex.c — the D lexer (see dt_lex.h). C-like tokens plus D's own: `@name` aggregations,
 * `$target`/`$1` macro variables, `^^`, and `#pragma D option` lines; other `#` lines (a `#!`
 * first line, other pragmas) are skipped, line markers followed, and the C preprocessor's
 * directives refused (they need -C, which runs cpp before the lexer sees the text).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dt_lex.h"

/* Longest first, so that ">>=" wins over ">>" and ">". */
static const char *const ops[] = {
	">>=", "<<=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "^^",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
	"+", "-", "*", "/", "%", "&", "|", "^", "!", "~", "<", ">", "=", "?", ":", ",", ";",
	"(", ")", "[", "]", "{", "}", ".",
};

void dt_lex_init(struct dt_lex *lx, const char *file, const char *src)
{
	memset(lx, 0, sizeof(*lx));
	lx->file = file;
	lx->src = src;
	lx->len = strlen(src);
	lx->line = 1;
	lx->col = 1;
	lx->bufcap = 256;
	lx->buf = malloc(lx->bufcap);
	if (!lx->buf) {
		perror("pyscope: out of memory");
		exit(70);
	}
}

void dt_lex_free(struct dt_lex *lx)
{
	free(lx->buf);
	lx->buf = NULL;
	free(lx->mapfile);
	lx->mapfile = NULL;
}

static int peekc(const struct dt_lex *lx, size_t k)
{
	return lx->pos + k < lx->len ? (unsigned char)lx->src[lx->pos + k] : 0;
}

static void adv(struct dt_lex *lx)
{
	if (lx->pos >= lx->len)
		return;
	if (lx->src[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->pos++;
}

static void bufput(struct dt_lex *lx, size_t *n, char c)
{
	if (*n + 2 > lx->bufcap) {
		lx->bufcap *= 2;
		lx->buf = realloc(lx->buf, lx->bufcap);
		if (!lx->buf) {
			perror("pyscope: out of memory");
			exit(70);
		}
	}
	lx->buf[(*n)++] = c;
	lx->buf[*n] = 0;
}

static void settext(struct dt_lex *lx, const char *s, size_t n)
{
	size_t k = 0;
	lx->buf[0] = 0;
	for (size_t i = 0; i < n; i++)
		bufput(lx, &k, s[i]);
	lx->tok.text = lx->buf;
}

static void error(struct dt_lex *lx, const char *msg)
{
	lx->tok.kind = DT_ERROR;
	settext(lx, msg, strlen(msg));
}

/* Whether only blanks come before the current character on its line (a control line may be
 * indented, as in C). */
static bool first_on_line(const struct dt_lex *lx)
{
	size_t p = lx->pos;
	while (p > 0 && (lx->src[p - 1] == ' ' || lx->src[p - 1] == '\t'))
		p--;
	return p == 0 || lx->src[p - 1] == '\n';
}

/* A '#' line other than "#pragma D option": the C preprocessor's line markers ("# 12 \"f.d\"",
 * "#line 12") move the position messages give to the user's file and line; other pragmas and a
 * first "#!" line are skipped; any other directive (#define, #if, #include ...) is an error, as
 * in dtrace(1): the C preprocessor runs only under -C, and skipping the line would compile both
 * branches of an #ifdef. */
static int directive(struct dt_lex *lx)
{
	int line = lx->line, col = lx->col;
	size_t p = lx->pos + 1;
	while (p < lx->len && (lx->src[p] == ' ' || lx->src[p] == '\t'))
		p++;
	size_t w = p;
	while (p < lx->len && (isalnum((unsigned char)lx->src[p]) || lx->src[p] == '_'))
		p++;
	char word[32];
	snprintf(word, sizeof(word), "%.*s", (int)(p - w), lx->src + w);
	bool marker = isdigit((unsigned char)word[0]) || strcmp(word, "line") == 0;
	if (marker) {
		if (!isdigit((unsigned char)word[0]))
			while (p < lx->len && (lx->src[p] == ' ' || lx->src[p] == '\t'))
				p++;
		char *end;
		long n = strtol(lx->src + (isdigit((unsigned char)word[0]) ? w : p), &end, 10);
		const char *q = end;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '"') {
			const char *e = strchr(q + 1, '"');
			const char *nl = strchr(q + 1, '\n');
			if (e && (!nl || e < nl)) {
				char *f = strndup(q + 1, (size_t)(e - q - 1));
				if (!f)
					abort();
				free(lx->mapfile);
				lx->mapfile = f;
				lx->file = f;
			}
		}
		while (peekc(lx, 0) && peekc(lx, 0) != '\n')
			adv(lx);
		if (n > 0 && n < INT32_MAX) {
			lx->line = (int)n - 1;   /* the newline ending the marker makes it line N */
			lx->mapped = true;
		}
		return 0;
	}
	bool shebang = line == 1 && peekc(lx, 1) == '!';
	if (!shebang && word[0] && strcmp(word, "pragma") != 0 && strcmp(word, "ident") != 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "invalid control directive: #%s (the C preprocessor runs "
			 "only with -C)", word);
		lx->tok.line = line;
		lx->tok.col = col;
		lx->tok.off = lx->pos;
		error(lx, msg);
		return -1;
	}
	while (peekc(lx, 0) && peekc(lx, 0) != '\n')
		adv(lx);
	return 0;
}

/* Skip blanks, comments and preprocessor lines; a "#pragma D option" line becomes a token. */
static int skip_space(struct dt_lex *lx)
{
	for (;;) {
		int c = peekc(lx, 0);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			adv(lx);
		} else if (c == '/' && peekc(lx, 1) == '/') {
			while (peekc(lx, 0) && peekc(lx, 0) != '\n')
				adv(lx);
		} else if (c == '/' && peekc(lx, 1) == '*') {
			int line = lx->line, col = lx->col;
			adv(lx);
			adv(lx);
			while (peekc(lx, 0) && !(peekc(lx, 0) == '*' && peekc(lx, 1) == '/'))
				adv(lx);
			if (!peekc(lx, 0)) {
				lx->tok.line = line;
				lx->tok.col = col;
				error(lx, "unterminated comment");
				return -1;
			}
			adv(lx);
			adv(lx);
		} else if (c == '#' && first_on_line(lx)) {
			static const char pragma[] = "#pragma D option ";
			if (strncmp(lx->src + lx->pos, pragma, sizeof(pragma) - 1) == 0) {
				lx->tok.line = lx->line;
				lx->tok.col = lx->col;
				lx->tok.off = lx->pos;
				for (size_t i = 0; i < sizeof(pragma) - 1; i++)
					adv(lx);
				size_t start = lx->pos;
				while (peekc(lx, 0) && peekc(lx, 0) != '\n')
					adv(lx);
				size_t end = lx->pos;
				while (end > start && isspace((unsigned char)lx->src[end - 1]))
					end--;
				lx->tok.kind = DT_PRAGMA;
				settext(lx, lx->src + start, end - start);
				return 1;
			}
			if (directive(lx) < 0)
				return -1;
		} else {
			return 0;
		}
	}
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* One escape after the backslash, appended to the token text. */
static int escape(struct dt_lex *lx, size_t *n)
{
	static const char from[] = "ntr\\\"'abfv0?";
	static const char to[] = "\n\t\r\\\"'\a\b\f\v\0?";
	int c = peekc(lx, 0);
	if (c == 'x' && isxdigit(peekc(lx, 1))) {
		adv(lx);
		int v = 0;
		for (int k = 0; k < 2 && isxdigit(peekc(lx, 0)); k++) {
			v = v * 16 + hexval(peekc(lx, 0));
			adv(lx);
		}
		bufput(lx, n, (char)v);
		return 0;
	}
	if (c >= '0' && c <= '7') {
		int v = 0;
		for (int k = 0; k < 3 && peekc(lx, 0) >= '0' && peekc(lx, 0) <= '7'; k++) {
			v = v * 8 + peekc(lx, 0) - '0';
			adv(lx);
		}
		bufput(lx, n, (char)v);
		return 0;
	}
	const char *p = c ? strchr(from, c) : NULL;
	if (!p)
		return -1;
	bufput(lx, n, to[p - from]);
	adv(lx);
	return 0;
}

static void lex_string(struct dt_lex *lx, int quote)
{
	size_t n = 0;
	lx->buf[0] = 0;
	adv(lx);
	for (;;) {
		int c = peekc(lx, 0);
		if (!c || c == '\n') {
			error(lx, quote == '"' ? "unterminated string" : "unterminated character constant");
			return;
		}
		adv(lx);
		if (c == quote)
			break;
		if (c == '\\') {
			if (escape(lx, &n) < 0) {
				char m[64];
				int e = peekc(lx, 0);
				if (isprint(e))
					snprintf(m, sizeof(m), "invalid escape sequence '\\%c'", e);
				else
					snprintf(m, sizeof(m), "invalid escape sequence: '\\' then byte 0x%02x", e);
				error(lx, m);
				return;
			}
		} else {
			bufput(lx, &n, (char)c);
		}
	}
	lx->tok.text = lx->buf;
	if (quote == '"') {
		lx->tok.kind = DT_STR;
		lx->tok.ival = (int64_t)n;    /* length, strings may hold \0 */
	} else {
		if (n != 1) {
			error(lx, "a character constant holds exactly one character");
			return;
		}
		lx->tok.kind = DT_INT;
		lx->tok.ival = (unsigned char)lx->buf[0];
		lx->tok.size = 4;
	}
}

static void lex_number(struct dt_lex *lx)
{
	size_t start = lx->pos;
	uint64_t v = 0;
	int base = 10;
	if (peekc(lx, 0) == '0' && (peekc(lx, 1) == 'x' || peekc(lx, 1) == 'X')) {
		base = 16;
		adv(lx);
		adv(lx);
	} else if (peekc(lx, 0) == '0') {
		base = 8;
	}
	size_t digits = lx->pos;
	bool overflow = false;
	while (isalnum(peekc(lx, 0))) {
		int c = peekc(lx, 0);
		int d = isdigit(c) ? c - '0' : (base == 16 && isxdigit(c)) ? hexval(c) : -1;
		if (d < 0 || d >= base)
			break;
		overflow |= v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base;
		v = v * (uint64_t)base + (uint64_t)d;
		adv(lx);
	}
	if (base == 16 && lx->pos == digits) {
		error(lx, "invalid hexadecimal constant: no digits after 0x");
		return;
	}
	/* C's rule for a constant's type: int if it fits, unsigned int for hex and octal (or a 'u'
	 * suffix) that fit 32 bits, else a 64-bit type; an 'l' suffix asks for 64 bits. */
	bool is_long = false, is_unsigned = base != 10;
	while (strchr("uUlL", peekc(lx, 0)) && peekc(lx, 0)) {
		is_long |= peekc(lx, 0) == 'l' || peekc(lx, 0) == 'L';
		is_unsigned |= peekc(lx, 0) == 'u' || peekc(lx, 0) == 'U';
		adv(lx);
	}
	lx->tok.size = !is_long && (v <= INT32_MAX || (is_unsigned && v <= UINT32_MAX)) ? 4 : 8;
	if (isalnum(peekc(lx, 0)) || peekc(lx, 0) == '_') {
		while (isalnum(peekc(lx, 0)) || peekc(lx, 0) == '_')
			adv(lx);
		char m[128];
		snprintf(m, sizeof(m), "invalid number '%.*s'", (int)(lx->pos - start), lx->src + start);
		error(lx, m);
		return;
	}
	if (overflow) {
		char m[128];
		int n = lx->pos - start > 40 ? 40 : (int)(lx->pos - start);
		snprintf(m, sizeof(m), "integer constant %.*s%s is out of range (at most 2^64-1)", n,
			 lx->src + start, n < (int)(lx->pos - start) ? "..." : "");
		error(lx, m);
		return;
	}
	lx->tok.kind = DT_INT;
	lx->tok.ival = (int64_t)v;
}

static int identc(int c)
{
	return isalnum(c) || c == '_';
}

void dt_lex_next(struct dt_lex *lx)
{
	lx->tok.text = NULL;
	lx->tok.ival = 0;
	lx->tok.size = 0;
	int r = skip_space(lx);
	if (r != 0)
		return;
	lx->tok.line = lx->line;
	lx->tok.col = lx->col;
	lx->tok.off = lx->pos;
	int c = peekc(lx, 0);
	if (!c) {
		lx->tok.kind = DT_EOF;
		settext(lx, "end of file", 11);
		return;
	}
	if (c == '"' || c == '\'') {
		lex_string(lx, c);
		return;
	}
	if (isdigit(c)) {
		lex_number(lx);
		return;
	}
	if (identc(c)) {
		size_t s = lx->pos;
		while (identc(peekc(lx, 0)))
			adv(lx);
		lx->tok.kind = DT_IDENT;
		settext(lx, lx->src + s, lx->pos - s);
		return;
	}
	if (c == '@') {
		adv(lx);
		size_t s = lx->pos;
		while (identc(peekc(lx, 0)))
			adv(lx);
		lx->tok.kind = DT_AGG;
		settext(lx, lx->src + s, lx->pos - s);
		return;
	}
	if (c == '$') {
		adv(lx);
		if (peekc(lx, 0) == '$') {
			lx->tok.ival = 1;
			adv(lx);
		}
		size_t s = lx->pos;
		while (identc(peekc(lx, 0)))
			adv(lx);
		if (lx->pos == s) {
			error(lx, "'$' must be followed by a macro name ($target, $1...)");
			return;
		}
		lx->tok.kind = DT_MACRO;
		settext(lx, lx->src + s, lx->pos - s);
		return;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i]);
		if (strncmp(lx->src + lx->pos, ops[i], n) == 0) {
			for (size_t k = 0; k < n; k++)
				adv(lx);
			lx->tok.kind = DT_OP;
			settext(lx, ops[i], n);
			return;
		}
	}
	char m[64];
	if (isprint(c))
		snprintf(m, sizeof(m), "invalid character '%c'", c);
	else
		snprintf(m, sizeof(m), "invalid character 0x%02x", c);
	adv(lx);
	error(lx, m);
}

void dt_lex_pdesc(struct dt_lex *lx)
{
	/* back to where the current token began (no state in between but the position) */
	if (lx->tok.kind == DT_EOF || lx->tok.kind == DT_ERROR || lx->tok.kind == DT_PRAGMA)
		return;
	lx->pos = lx->tok.off;
	lx->line = lx->tok.line;
	lx->col = lx->tok.col;
	size_t s = lx->pos;
	for (;;) {
		int c = peekc(lx, 0);
		if (!c || isspace(c) || c == ',' || c == '{' || c == '/')
			break;
		adv(lx);
	}
	lx->tok.kind = DT_PDESC;
	settext(lx, lx->src + s, lx->pos - s);
}

int dt_lex_strcol(const struct dt_lex *lx, const struct dt_token *t, size_t off)
{
	size_t raw = t->off + 1;     /* past the opening quote; a string never spans lines */
	for (size_t k = 0; k < off && raw < lx->len && lx->src[raw] != '"'; k++) {
		if (lx->src[raw] != '\\') {
			raw++;
			continue;
		}
		/* one escape, as escape() reads it: \xH[H], \O[O[O]] or \c */
		const char *s = lx->src + raw + 1, *e = s + 1;
		if (*s == 'x' && isxdigit((unsigned char)s[1]))
			for (e = s + 1; e < s + 3 && isxdigit((unsigned char)*e); e++)
				;
		else if (*s >= '0' && *s <= '7')
			for (e = s; e < s + 3 && *e >= '0' && *e <= '7'; e++)
				;
		raw = (size_t)(e - lx->src);
	}
	return t->col + (int)(raw - t->off);
}

int dt_lex_isop(const struct dt_lex *lx, const char *op)
{
	return lx->tok.kind == DT_OP && strcmp(lx->tok.text, op) == 0;
}

void dt_lex_report(const struct dt_lex *lx, int line, int col, const char *msg)
{
	fprintf(stderr, "%s:%d:%d: error: %s\n", lx->file, line, col, msg);
	char *text = NULL;
	if (lx->mapped) {
		/* cpp's output is not what the user wrote: quote the line from their file */
		FILE *f = fopen(lx->file, "r");
		size_t cap = 0;
		ssize_t got = -1;
		for (int l = 1; f && l <= line && (got = getline(&text, &cap, f)) >= 0; l++)
			;
		if (f)
			fclose(f);
		if (got < 0) {
			free(text);
			return;
		}
	}
	const char *p = text ? text : lx->src;
	for (int l = 1; !text && l < line && p; l++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return;
	const char *e = strchr(p, '\n');
	int n = e ? (int)(e - p) : (int)strlen(p);
	fprintf(stderr, "%.*s\n", n, p);
	/* the caret keeps the line's tabs so it lands under the column whatever the tab width */
	for (int k = 0; k < col - 1 && k < n; k++)
		fputc(p[k] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
	free(text);
}
