/*
 * stp_lex.h — the SystemTap lexer: a script's text into a token array, each token with its file,
 * line and column for stap-style messages. Strings are decoded with C's escapes (stap hands its
 * string literals to a C compiler, so "\\n" is a backslash and an n, "\033" is ESC). The
 * preprocessor (%( %? %: %) conditionals, @define macros) works on these tokens (stp_parse.c).
 */
#ifndef PYSCOPE_STP_LEX_H
#define PYSCOPE_STP_LEX_H
#include <stdint.h>
#include <stddef.h>

#define STP_MAX_SOURCE (16 << 20)   /* bytes of one script or tapset */

enum stp_tok {
	STP_EOF,
	STP_NUM,                 /* ival */
	STP_STR,                 /* text: decoded; len: its bytes */
	STP_IDENT,               /* text; also `$name`, `$$vars`, `@name`, `$1`, `@1`, `$#` */
	STP_OP,                  /* text: "<<<", "+=", "{", "%(", "%{"... */
	STP_EMBED,               /* text: the C code between %{ and %} */
};

struct stp_src {
	char *name;              /* as named in messages */
	char *text;              /* owned */
};

struct stp_token {
	enum stp_tok kind;
	const struct stp_src *src;
	int line, col;
	int64_t ival;
	char *text;              /* owned by the token array */
	size_t len;
	int nl_before;           /* a newline came between the previous token and this one */
};

struct stp_toks {
	struct stp_token *v;
	int n, cap;
};

/* Tokenize SRC into T (appending; an STP_EOF ends it). Returns 0, or -EINVAL after printing a
 * stap-style "parse error" naming the place. */
int stp_lex(const struct stp_src *src, struct stp_toks *t);
void stp_toks_free(struct stp_toks *t);

/* A stap-style message:
 *   KIND: MSG at FILE:LINE:COL
 *           source: <the line>
 *                   ^
 * KIND is "parse error" or "semantic error"; TOK gives the place (NULL: none). */
void stp_report(const char *kind, const struct stp_token *tok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* How a token is named in messages: "identifier 'x'", "operator '{'", "string \"a\"". */
const char *stp_tok_desc(const struct stp_token *t, char *buf, size_t n);
#endif
