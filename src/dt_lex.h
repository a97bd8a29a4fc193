/*
 * dt_lex.h — the D lexer: source text to tokens, with line and column of each for error messages.
 * Probe descriptions ("python$target:::function-entry", "tick-1s") do not tokenize like
 * expressions, so the parser asks for one explicitly (dt_lex_pdesc) where a clause begins.
 */
#ifndef PYSCOPE_DT_LEX_H
#define PYSCOPE_DT_LEX_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

enum dt_tok {
	DT_EOF,
	DT_INT,                  /* ival */
	DT_STR,                  /* text: the decoded string (escapes applied) */
	DT_IDENT,                /* text */
	DT_MACRO,                /* $target, $1, $$1: text without the '$'s; ival 1 for "$$" */
	DT_AGG,                  /* @name: text without '@' ("" for the anonymous @) */
	DT_OP,                   /* text: the operator or punctuation, "->", "+=", "{" */
	DT_PDESC,                /* text: a probe description as written */
	DT_PRAGMA,               /* text: what follows "#pragma D option " */
	DT_ERROR,                /* text: what is wrong */
};

struct dt_token {
	enum dt_tok kind;
	int line, col;           /* 1-based */
	size_t off;              /* byte offset in the source */
	int64_t ival;
	int size;                /* DT_INT: bytes of its C type (4: int, unsigned; 8: long...) */
	char *text;              /* owned by the lexer until the next dt_lex_next */
};

struct dt_lex {
	const char *file;        /* name used in messages */
	const char *src;
	size_t len, pos;
	int line, col;
	struct dt_token tok;     /* the current token */
	char *buf;               /* text storage of the current token */
	size_t bufcap;
	bool mapped;             /* a line marker ("# 12 \"f.d\"", from cpp under -C) set the
				  * lines: messages quote the line from FILE, not from SRC */
	char *mapfile;           /* the marker's file name (owned) */
};

void dt_lex_init(struct dt_lex *lx, const char *file, const char *src);
void dt_lex_free(struct dt_lex *lx);
/* Advance to the next token (lx->tok). */
void dt_lex_next(struct dt_lex *lx);
/* Re-read the current token as a probe description (up to ',', '/', '{' or whitespace). */
void dt_lex_pdesc(struct dt_lex *lx);
/* True when the current token is operator OP. */
int dt_lex_isop(const struct dt_lex *lx, const char *op);
/* The source column of byte OFF of string token T's decoded text (escapes count as the characters
 * they are written with), for a caret under a spot inside a string such as a printf format. */
int dt_lex_strcol(const struct dt_lex *lx, const struct dt_token *t, size_t off);
/* Print "FILE:LINE:COL: error: MSG", the source line and a caret under COL to stderr. */
void dt_lex_report(const struct dt_lex *lx, int line, int col, const char *msg);
#endif
