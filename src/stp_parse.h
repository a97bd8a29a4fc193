/*
 * stp_parse.h — the SystemTap parser: tokens (stp_lex.h) into a syntax tree of probes, aliases,
 * globals and functions, after stap's preprocessor (%( cond %? a %: b %), @define macros) has run
 * on the tokens. The tree is checked and lowered into the shared program representation by
 * stp_sema.c; keeping the tree first lets the elaboration do what stap does before any check:
 * expand aliases into the probes that use them, then drop assignments to locals nobody reads (so a
 * tapset's `frameptr = $arg4` is only an error where frameptr is used).
 *
 * Ownership: every node, name and string belongs to the stp_file it was parsed into, freed by
 * stp_file_free; tokens belong to the stp_toks the file was lexed into, which must outlive it.
 */
#ifndef PYSCOPE_STP_PARSE_H
#define PYSCOPE_STP_PARSE_H
#include <stdbool.h>
#include <stdint.h>
#include "arena.h"
#include "stp_lex.h"

#define STP_MAX_DEPTH 1000       /* nesting of expressions and statements */
#define STP_MAX_MACRO_DEPTH 100  /* @define macros expanding into macros */

enum stp_nk {
	/* expressions */
	STP_N_NUM,               /* n */
	STP_N_STR,               /* s */
	STP_N_VAR,               /* s: name; kids: index expressions (an array element) */
	STP_N_TARGET,            /* s: "$arg1", "$$parms", "$name" */
	STP_N_ARGV,              /* $1 (n: 1, op "$") or @1 (op "@"): a script argument */
	STP_N_ARGC,              /* $# / @# */
	STP_N_CALL,              /* s: function; kids: arguments */
	STP_N_STAT,              /* s: "count", "sum", "hist_log"...; kids[0]: the statistic;
				  * further kids: hist_linear's parameters */
	STP_N_UNARY,             /* op; kids[0] */
	STP_N_BINARY,            /* op; kids[0], kids[1]; "." is concatenation */
	STP_N_COND,              /* kids[0] ? kids[1] : kids[2] */
	STP_N_ASSIGN,            /* op "=", "+=", ".=", "<<<"...; kids[0] lvalue, kids[1] */
	STP_N_INCDEC,            /* op "++"/"--"; n: 1 prefix, 0 postfix; kids[0] lvalue */
	STP_N_IN,                /* kids[0..n-2]: keys; kids[n-1]: the array (STP_N_VAR) */
	STP_N_DEFINED,           /* @defined(kids[0]) */
	/* statements */
	STP_S_BLOCK,             /* kids */
	STP_S_EXPR,              /* kids[0] */
	STP_S_IF,                /* kids[0] cond, kids[1] then, kids[2] else or NULL */
	STP_S_WHILE,             /* kids[0] cond, kids[1] body */
	STP_S_FOR,               /* kids[0] init, kids[1] cond, kids[2] step (each may be NULL), kids[3] */
	STP_S_FOREACH,           /* see struct stp_foreach */
	STP_S_DELETE,            /* kids[0]: a variable or element */
	STP_S_NEXT, STP_S_BREAK, STP_S_CONTINUE,
	STP_S_RETURN,            /* kids[0] or NULL */
	STP_S_NULL,              /* ";" */
};

struct stp_foreach {
	int nkeys;
	char **keys;             /* names of the key locals */
	char *value;             /* name of the value local, or NULL */
	char *array;
	int sort_key;            /* 0: the value; 1..nkeys: that key (the one marked + or -) */
	int sort_dir;            /* 0 unsorted, 1 ascending, -1 descending */
	const struct stp_token *array_tok;
};

struct stp_node {
	enum stp_nk kind;
	const char *op;
	int64_t n;
	char *s;
	int nkids;
	struct stp_node **kids;
	struct stp_foreach *fe;  /* STP_S_FOREACH: kids[0] body, kids[1] limit or NULL */
	const struct stp_token *tok;   /* where it was written */
};

/* One component of a probe point: name, optionally with a literal argument. */
struct stp_ppcomp {
	char *name;
	int arg;                 /* 0 none, 1 a number (n), 2 a string (s) */
	int64_t n;
	char *s;
	const struct stp_token *tok;
};

struct stp_pp {
	int ncomps;
	struct stp_ppcomp *comps;
	bool optional;           /* '?' */
	bool sufficient;         /* '!' */
	struct stp_node *cond;   /* "if (expr)": NULL */
	const struct stp_token *tok;
};

struct stp_probe {
	int npps;
	struct stp_pp *pps;
	struct stp_node *body;
	/* an alias: "probe NAMES = POINTS { prologue }" (epilogue: "+=") */
	bool alias, epilogue;
	int nnames;
	struct stp_pp *names;
	const struct stp_token *tok;
};

struct stp_global {
	char *name;
	int64_t size;            /* global a[N]: N (0: none) */
	struct stp_node *init;   /* global x = literal */
	bool is_private;
	const struct stp_token *tok;
};

struct stp_func {
	char *name;
	int rettype;             /* 0 unknown, 1 long, 2 string */
	int nparams;
	char **params;
	int *ptypes;
	struct stp_node *body;
	const struct stp_token *tok;
};

struct stp_file {
	const struct stp_src *src;
	struct stp_token *toks;  /* the tokens after preprocessing (texts borrowed from stp_toks) */
	int ntoks;
	struct arena mem;        /* nodes, names, strings */
	int nprobes, nglobals, nfuncs;
	struct stp_probe *probes;
	struct stp_global *globals;
	struct stp_func *funcs;
};

/* What the preprocessor's conditions see. */
struct stp_ppenv {
	const char *kernel_v;    /* "6.1.0" */
	const char *kernel_vr;   /* "6.1.0-18-amd64" */
	const char *arch;        /* "x86_64", "arm64" */
	int argc;                /* $# */
	char *const *argv;       /* $1.. */
};

/* Parse the tokens of one source (from stp_lex) into F. Returns 0, or -EINVAL after a stap-style
 * parse error on stderr. */
int stp_parse(struct stp_toks *toks, const struct stp_src *src, const struct stp_ppenv *env,
	      struct stp_file *f);
void stp_file_free(struct stp_file *f);

/* The nodes' constructor, for the elaboration's own rewrites. */
struct stp_node *stp_node_new(struct stp_file *f, enum stp_nk kind, const struct stp_token *tok,
			      int nkids);
#endif
