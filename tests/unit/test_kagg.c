/*
 * test_kagg.c — aggregation in the kernel, the user half: which D clauses the analysis gives
 * the kernel (and why the others stay), folding per-key totals by difference (two looks at a
 * growing total add only what grew), and agg_merge giving the print-out the same updates one by
 * one give, for every scalar function, with the budget's drops counted per update; and the same
 * for SystemTap's statistics: which probe bodies `x[keys] <<< v` run in the kernel, and a fold
 * leaving the statistic (count, sum, min, max, @hist_log's buckets) as the updates would; and
 * string identities (PYSCOPE_KAGG_STRID=1) named back into text when folded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "dt_parse.h"
#include "kagg.h"
#include "kagg_rec.h"
#include "rt.h"
#include "stp_lex.h"
#include "stp_parse.h"
#include "stp_sema.h"
#include "unit.h"

static const struct ps_probe probes[] = {
	{ 1, PS_M_FUNCTION_ENTRY, 0, "python", "function__entry", "python3.11", "/usr/bin/python3.11", "-", 3 },
	{ 2, PS_M_FUNCTION_RETURN, 0, "python", "function__return", "python3.11", "/usr/bin/python3.11", "-", 3 },
};
static const struct ps_probe *list[2] = { &probes[0], &probes[1] };

static char *buf;
static size_t buflen;

static const char *printed(const struct agg *a)
{
	free(buf);
	buf = NULL;
	FILE *m = open_memstream(&buf, &buflen);
	agg_print(m, a);
	fclose(m);
	return buf;
}

static bool yes(const struct ps_probe *p, void *ctx)
{
	(void)ctx;
	return p->id == 1;       /* function-return is "not a kernel probe" here */
}

static void test_plan(void)
{
	static const struct {
		const char *src, *where;
	} cases[] = {
		{ "python*:::function-entry { @[copyinstr(arg1)] = count(); }", "kernel" },
		{ "python*:::function-entry { @[copyinstr(arg0), copyinstr(arg1), pid, tid, cpu, execname, arg2] = sum(arg2); }", "kernel" },
		{ "python*:::function-entry { @ = quantize(arg2); }", "kernel" },
		{ "python*:::function-entry { @[\"ns\", arg2] = count(); }", "kernel" },
		{ "python*:::function-entry { @ = lquantize(arg2, 0, 100, 10); }", "kernel" },
		{ "python*:::function-entry { @ = avg(arg2); @b = stddev(arg2); }", "user space (not a single aggregation)" },
		{ "python*:::function-entry /arg2 > 3/ { @ = count(); }", "kernel" },
		{ "python*:::function-entry /!(arg2 > 3) && !(copyinstr(arg1) == \"a\")/ { @ = count(); }", "kernel" },
		{ "python*:::function-entry /3 < arg2 && pid != 1 && !tid && cpu/ { @ = count(); }", "kernel" },
		{ "python*:::function-entry /copyinstr(arg1) == \"main\" && arg2/ { @ = count(); }", "kernel" },
		{ "python*:::function-entry /copyinstr(arg1) < \"main\"/ { @ = count(); }", "user space (a predicate the kernel cannot compute)" },
		{ "python*:::function-entry /copyinstr(arg1) == copyinstr(arg0)/ { @ = count(); }", "user space (a predicate the kernel cannot compute)" },
		{ "python*:::function-entry /arg2 + 1 > 3/ { @ = count(); }", "user space (a predicate the kernel cannot compute)" },
		{ "python*:::function-entry /timestamp/ { @ = count(); }", "user space (a predicate the kernel cannot compute)" },
		{ "python*:::function-entry /arg0 == 1 && arg1 == 2 && arg2 == 3 && pid == 4 && tid == 5/ { @ = count(); }", "user space (a predicate the kernel cannot compute)" },
		{ "python*:::function-entry { @[copyinstr(arg1, 3)] = count(); }", "user space (a key the kernel cannot compute)" },
		{ "python*:::function-entry { @[timestamp] = count(); }", "user space (a key the kernel cannot compute)" },
		{ "python*:::function-entry { @ = sum(arg2 * 2); }", "user space (a value the kernel cannot compute)" },
		{ "python*:::function-entry { @ = quantize(arg2, 3); }", "user space (an increment)" },
		{ "python*:::function-entry { @ = lquantize(arg2, 0, 1000, 1); }", "user space (lquantize with more than 126 levels)" },
		{ "python*:::function-entry { @ = max(arg2); } END { trunc(@); }", "user space (min/max cleared or truncated)" },
		{ "python*:::function-entry { @ = sum(arg2); } END { trunc(@); }", "kernel" },
		{ "python*:::function-return { @ = count(); }", "user space (a probe the kernel program does not run on)" },
		{ "python1234:::function-entry { @ = count(); }", "user space (a probe the kernel program does not run on)" },   /* a system-wide probe: the pid would need a check */
		{ "python*:::function-entry { @[copyinstr(arg0), copyinstr(arg1), copyinstr(arg0)] = count(); }", "user space (more than two string keys)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_prog *p = pg_new();
		struct dt_opts o = { .probes = list, .nprobes = 2, .zero_ok = true };
		struct rt *r = NULL;
		struct rt_opts ro = { .out = stdout };
		char where[96];
		if (dt_compile("t.d", cases[i].src, &o, p) < 0 || rt_new(p, list, 2, &ro, &r) < 0) {
			CHECK(cases[i].src, false);
			pg_free(p);
			continue;
		}
		struct kagg *k = kagg_new(p, 256);
		kagg_bind(k, r, yes, NULL);
		CHECK_STR(cases[i].src, cases[i].where, kagg_where(k, 0, where, sizeof(where)));
		kagg_free(k);
		rt_free(r);
		pg_free(p);
	}
}

static bool both(const struct ps_probe *p, void *ctx)
{
	(void)ctx;
	(void)p;
	return true;
}

/* self-> variables: a variable is in the kernel only when every clause touching it is; the
 * where of each clause of a program ("k": kernel, "u": user space), with OK as the kernel's
 * probes. */
static void test_self(void)
{
	static const struct {
		const char *src, *where;
		bool allprobes;
	} cases[] = {
		/* the latency pattern: both clauses in the kernel */
		{ "python*:::function-entry { self->ts = timestamp; }\n"
		  "python*:::function-return /self->ts/ { @[copyinstr(arg1)] = quantize(timestamp - self->ts); self->ts = 0; }",
		  "kk", true },
		{ "python*:::function-entry { self->ts = timestamp; }\n"
		  "python*:::function-return /self->ts != 0 && copyinstr(arg1) == \"a\"/ { @ = avg(timestamp - self->ts); self->ts = 0; }",
		  "kk", true },
		{ "python*:::function-entry { self->ts = timestamp; }\n"
		  "python*:::function-return /0 != self->ts/ { @ = lquantize(timestamp - self->ts, 0, 1000, 100); self->ts = 0; }",
		  "kk", true },
		/* a user-space clause reads it: every clause on it stays in user space */
		{ "python*:::function-entry { self->ts = timestamp; }\n"
		  "python*:::function-return /self->ts/ { @ = quantize(timestamp - self->ts); self->ts = 0; }\n"
		  "python*:::function-return /self->ts/ { printf(\"%d\", self->ts); }",
		  "uuu", true },
		/* ... transitively: self->b's clause has self->a, which a printf reads */
		{ "python*:::function-entry { self->a = timestamp; self->b = timestamp; }\n"
		  "python*:::function-return /self->b/ { @ = max(timestamp - self->b); self->b = 0; }\n"
		  "python*:::function-return { trace(self->a); }",
		  "uuu", true },
		/* other variables are independent */
		{ "python*:::function-entry { self->a = timestamp; }\n"
		  "python*:::function-return /self->a/ { @ = sum(timestamp - self->a); self->a = 0; }\n"
		  "python*:::function-return { self->u = arg2; trace(self->u); }",
		  "kku", true },
		/* the entry clause cannot be in the kernel (its probe is not a kernel probe) */
		{ "python*:::function-return { self->ts = timestamp; }\n"
		  "python*:::function-entry /self->ts/ { @ = count(); self->ts = 0; }",
		  "uu", false },
		/* a store the kernel cannot do, a narrow variable, an array, a string */
		{ "python*:::function-entry { self->ts = timestamp * 2; }\n"
		  "python*:::function-return /self->ts/ { @ = count(); }", "uu", true },
		{ "self int x; python*:::function-entry { self->x = arg2; }\n"
		  "python*:::function-return /self->x/ { @ = count(); }", "uu", true },
		{ "python*:::function-entry { self->s[arg2] = timestamp; }\n"
		  "python*:::function-return /self->s[arg2]/ { @ = count(); }", "uu", true },
		{ "python*:::function-entry { self->n = copyinstr(arg1); }\n"
		  "python*:::function-return { @[self->n] = count(); }", "uu", true },
		/* a key from a thread variable: user space */
		{ "python*:::function-entry { self->a = arg2; }\n"
		  "python*:::function-return { @[self->a] = count(); }", "uu", true },
		/* the store before the aggregation: user space (order) */
		{ "python*:::function-entry { self->a = arg2; }\n"
		  "python*:::function-return /self->a/ { self->a = 0; @ = count(); }", "uu", true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_prog *p = pg_new();
		struct dt_opts o = { .probes = list, .nprobes = 2, .zero_ok = true };
		struct rt *r = NULL;
		struct rt_opts ro = { .out = stdout };
		char where[96], got[16] = "";
		if (dt_compile("t.d", cases[i].src, &o, p) < 0 || rt_new(p, list, 2, &ro, &r) < 0) {
			CHECK(cases[i].src, false);
			pg_free(p);
			continue;
		}
		struct kagg *k = kagg_new(p, 256);
		kagg_bind(k, r, cases[i].allprobes ? both : yes, NULL);
		for (int ci = 0; ci < p->nclauses && ci < 15; ci++)
			got[ci] = strcmp(kagg_where(k, ci, where, sizeof(where)), "kernel") == 0 ? 'k' : 'u';
		CHECK_STR(cases[i].src, cases[i].where, got);
		if (i == 0) {
			int n, nstrs, room, str_off, entries;
			const struct kagg_clause *t = kagg_table(k, &n, &nstrs, &room, &str_off, &entries);
			CHECK_INT("self: two rows", 2, n);
			CHECK_INT("self: entry row only stores", KAGG_NONE, t[0].fn);
			CHECK_INT("self: entry stores timestamp", KAGG_S_TIMESTAMP, t[0].stores[0].src.src);
			CHECK_INT("self: return row's predicate", (int)t[0].stores[0].var + 1, t[1].selfpred);
			CHECK_INT("self: value timestamp - self->ts", 1,
				  t[1].val_sub && t[1].val.src == KAGG_S_TIMESTAMP && t[1].val2.src == KAGG_S_SELF);
			CHECK_INT("self: return stores 0", 1,
				  t[1].nstores == 1 && t[1].stores[0].src.src == KAGG_S_CONST &&
				  t[1].stores[0].src.val == 0);
			CHECK_INT("self: no fall back to user space", 1, t[0].nomiss && t[1].nomiss);
		}
		kagg_free(k);
		rt_free(r);
		pg_free(p);
	}
}

/* Totals folded twice: the second look adds only what grew; keys decode from the layout. */
static void test_fold(void)
{
	struct pg_prog *p = pg_new();
	struct dt_opts o = { .probes = list, .nprobes = 2 };
	struct rt *r = NULL;
	struct rt_opts ro = { .out = stdout };
	if (dt_compile("t.d", "python*:::function-entry { @[copyinstr(arg1), pid] = sum(arg2); }", &o, p) < 0 ||
	    rt_new(p, list, 2, &ro, &r) < 0) {
		CHECK("fold: compiles", false);
		return;
	}
	struct kagg *k = kagg_new(p, 16);
	CHECK_INT("fold: one kernel clause", 1, kagg_bind(k, r, yes, NULL));
	int n, nstrs, room, str_off, entries;
	const struct kagg_clause *tab = kagg_table(k, &n, &nstrs, &room, &str_off, &entries);
	CHECK_INT("fold: strings after the one integer slot used", KAGG_HDR + 8, str_off);
	CHECK_INT("fold: a room of strsize when it is below the default", 16, room);
	CHECK_INT("fold: one string room", 1, nstrs);
	CHECK_INT("fold: string part in room 0", 0, tab[0].parts[0].off);
	CHECK_INT("fold: pid in slot 0", KAGG_S_PID, tab[0].parts[1].src);
	unsigned char key[KAGG_HDR + 8 + 16] = { 0 };
	long long pid = 4242;
	memcpy(key + KAGG_HDR, &pid, 8);
	strcpy((char *)key + KAGG_HDR + 8, "main");
	struct kagg_hval tot = { .v = { .count = 2, .sum_lo = 30 } };
	kagg_fold(key, sizeof(key), &tot, false, k);
	tot.v.count = 5;
	tot.v.sum_lo = (unsigned long long)-10;   /* grew by -40 (wraps through 0) */
	tot.v.sum_hi = -1;
	kagg_fold(key, sizeof(key), &tot, false, k);
	kagg_fold(key, sizeof(key), &tot, false, k);   /* nothing new */
	CHECK_STR("fold: by difference",
		  "\n  main                                                   4242              -10\n",
		  printed(rt_agg(r, 0)));
	kagg_free(k);
	rt_free(r);
	pg_free(p);
}

/* String identities (kagg_rec.h): a room holding an identity is named by the strtext callback,
 * once per key; keys of one text (two processes, two objects, a copied string) merge into one
 * line; an identity that cannot be named yet is skipped and folded whole at the next look. */
static int strtext_fails = 0;
static int strtext_calls = 0;
static int fake_strtext(void *ctx, const void *sid, char *out, size_t len)
{
	(void)ctx;
	uint64_t addr;
	memcpy(&addr, (const char *)sid + 8, 8);
	strtext_calls++;
	if (strtext_fails || len < 8)
		return -2;
	strcpy(out, addr == 0x3000 ? "beta" : "alpha");
	return 0;
}

static void sid_key(unsigned char *key, uint32_t pid, uint64_t addr, uint64_t hash, uint64_t len)
{
	unsigned char *r = key + KAGG_HDR;
	memset(key, 0, KAGG_HDR + 64);
	r[1] = KAGG_SID_TAG;
	memcpy(r + 4, &pid, 4);
	memcpy(r + 8, &addr, 8);
	memcpy(r + 16, &hash, 8);
	memcpy(r + 24, &len, 8);
}

static void test_strid(void)
{
	struct pg_prog *p = pg_new();
	struct dt_opts o = { .probes = list, .nprobes = 2 };
	struct rt *r = NULL;
	struct rt_opts ro = { .out = stdout };
	if (dt_compile("t.d", "python*:::function-entry { @[copyinstr(arg1)] = count(); }", &o, p) < 0 ||
	    rt_new(p, list, 2, &ro, &r) < 0) {
		CHECK("strid: compiles", false);
		return;
	}
	unsetenv("PYSCOPE_KAGG_STRID");
	struct kagg *k = kagg_new(p, 64);
	kagg_bind(k, r, yes, NULL);
	CHECK("strid: off by default", !kagg_strid(k));
	kagg_free(k);
	setenv("PYSCOPE_KAGG_STRID", "1", 1);
	k = kagg_new(p, 16);
	kagg_bind(k, r, yes, NULL);
	CHECK("strid: off when the room is shorter than an identity", !kagg_strid(k));
	kagg_free(k);
	k = kagg_new(p, 64);
	CHECK_INT("strid: one kernel clause", 1, kagg_bind(k, r, yes, NULL));
	CHECK("strid: on with PYSCOPE_KAGG_STRID=1", kagg_strid(k));
	unsetenv("PYSCOPE_KAGG_STRID");
	kagg_set_strtext(k, fake_strtext, NULL);
	unsigned char key[KAGG_HDR + 64];
	struct kagg_hval tot = { .v = { .count = 3 } };
	sid_key(key, 100, 0x1000, 77, 5);        /* "alpha" in process 100 */
	kagg_fold(key, sizeof(key), &tot, false, k);
	tot.v.count = 4;
	sid_key(key, 200, 0x2000, 99, 5);        /* "alpha" in process 200 */
	kagg_fold(key, sizeof(key), &tot, false, k);
	tot.v.count = 1;
	memset(key, 0, sizeof(key));
	strcpy((char *)key + KAGG_HDR, "alpha"); /* copied */
	kagg_fold(key, sizeof(key), &tot, false, k);
	tot.v.count = 2;
	sid_key(key, 100, 0x3000, 55, 4);        /* "beta" */
	strtext_fails = 1;
	kagg_fold(key, sizeof(key), &tot, false, k);
	strtext_fails = 0;
	CHECK_STR("strid: an identity not named yet waits",
		  "\n  alpha                                                             8\n",
		  printed(rt_agg(r, 0)));
	tot.v.count = 6;                         /* 4 more since */
	kagg_fold(key, sizeof(key), &tot, false, k);
	int calls = strtext_calls;
	tot.v.count = 9;
	kagg_fold(key, sizeof(key), &tot, false, k);
	CHECK_INT("strid: an identity named once per key", calls, strtext_calls);
	CHECK_STR("strid: identities of one text merge, copied strings with them",
		  "\n  alpha                                                             8\n"
		  "  beta                                                              9\n",
		  printed(rt_agg(r, 0)));
	kagg_free(k);
	rt_free(r);
	pg_free(p);
}

/* agg_merge of what N updates add up to prints what the N updates print. */
static void test_merge(void)
{
	static const int64_t vals[] = { 5, -3, 0, 1ll << 40, INT64_MAX, INT64_MAX, -7, 12 };
	const int nv = (int)(sizeof(vals) / sizeof(vals[0]));
	for (int fn = AGG_COUNT; fn <= AGG_STDDEV; fn++) {
		struct agg *a = agg_new("a", fn, NULL, 0), *b = agg_new("b", fn, NULL, 0);
		struct ps_value key = ps_str("k");
		struct agg_part part = { .count = nv, .min = INT64_MAX, .max = INT64_MIN };
		unsigned __int128 sq = 0;
		__int128 sum = 0;
		for (int i = 0; i < nv; i++) {
			agg_update(a, &key, 1, vals[i], 1);
			sum += vals[i];
			uint64_t m = vals[i] < 0 ? -(uint64_t)vals[i] : (uint64_t)vals[i];
			sq += (unsigned __int128)m * m;
			if (vals[i] < part.min)
				part.min = vals[i];
			if (vals[i] > part.max)
				part.max = vals[i];
		}
		part.sum_lo = (uint64_t)sum;
		part.sum_hi = (int64_t)(sum >> 64);
		part.sq_lo = (uint64_t)sq;
		part.sq_hi = (uint64_t)(sq >> 64);
		CHECK_INT("merge: returns 0", 0, agg_merge(b, &key, 1, &part));
		char *want = strdup(printed(a));
		CHECK_STR(fn == AGG_COUNT ? "merge: count" : fn == AGG_SUM ? "merge: sum" :
			  fn == AGG_AVG ? "merge: avg" : fn == AGG_MIN ? "merge: min" :
			  fn == AGG_MAX ? "merge: max" : "merge: stddev", want, printed(b));
		free(want);
		agg_free(a);
		agg_free(b);
	}
	/* no room for the entry: one drop per update folded */
	struct agg_budget bud = { .limit = 1 };
	struct agg *c = agg_new("c", AGG_COUNT, NULL, 0);
	agg_set_budget(c, &bud);
	struct ps_value key = ps_str("k");
	struct agg_part part = { .count = 7 };
	CHECK_INT("merge: no room", -28, agg_merge(c, &key, 1, &part));
	CHECK_INT("merge: a drop per update", 7, bud.drops);
	agg_free(c);
}

/* ---- SystemTap ---- */

static int markers(const char *path, const struct ps_probe *const **out, void *ctx)
{
	(void)path;
	(void)ctx;
	*out = list;
	return 2;
}

/* SRC elaborated into a program with a runtime: 0, or -1. */
static int stap_compile(const char *src, struct pg_prog **pp, struct rt **rr)
{
	struct stp_src s = { "t.stp", strdup(src) };
	struct stp_toks toks = { 0 };
	struct stp_file f = { 0 };
	struct stp_info info = { 0 };
	struct stp_sema_opts so = { .markers = markers, .target_exe = "/usr/bin/python3.11" };
	struct stp_ppenv env = { "6.1.0", "6.1.0-18-amd64", "x86_64", 0, NULL };
	static const struct rt_dialect rules = { .keep_zero = true };
	struct rt_opts ro = { .out = stdout, .dialect = &rules, .maxmapentries = 2048 };
	*pp = pg_new();
	*rr = NULL;
	int rc = stp_lex(&s, &toks) < 0 || stp_parse(&toks, &s, &env, &f) < 0 ||
		 stp_elaborate(&f, NULL, 0, &so, *pp, &info) < 0 ||
		 rt_new(*pp, list, 2, &ro, rr) < 0 ? -1 : 0;
	stp_info_free(&info);
	stp_file_free(&f);
	stp_toks_free(&toks);
	free(s.text);
	if (rc < 0) {
		pg_free(*pp);
		*pp = NULL;
	}
	return rc;
}

#define MARK "probe process(\"/usr/bin/python3.11\").mark(\"function__entry\") "
static void test_stap_plan(void)
{
	static const struct {
		const char *src, *where;
	} cases[] = {
		{ "global s; " MARK "{ s[user_string($arg2)] <<< 1 } probe end { foreach (f in s-) printf(\"%s %d\\n\", f, @count(s[f])) }", "kernel" },
		{ "global s; " MARK "{ s[pid(), tid(), cpu(), execname(), $arg3, 7] <<< $arg3 } probe end { foreach ([a, b, c, d, e, g] in s) printf(\"%d %d %d %d\\n\", @sum(s[a, b, c, d, e, g]), @min(s[a, b, c, d, e, g]), @max(s[a, b, c, d, e, g]), @avg(s[a, b, c, d, e, g])) }", "kernel" },
		{ "global s; " MARK "{ s <<< $arg3 } probe end { print(@hist_log(s)) }", "kernel" },
		{ "global s; " MARK "{ s <<< $arg3 } probe end { print(@hist_linear(s, 0, 100, 10)) }", "kernel" },
		{ "global s; " MARK "{ if ($arg3 > 10 && user_string($arg2) != \"f\") s <<< $arg3 } probe end { print(@count(s)) }", "kernel" },
		{ "global s; " MARK "{ if ($arg3 + 1 > 10) s <<< $arg3 } probe end { print(@count(s)) }", "user space (a condition the kernel cannot compute)" },
		{ "global s; " MARK "{ s <<< $arg3 } probe end { print(@variance(s)) }", "user space (@variance)" },
		{ "global s; " MARK "{ s <<< $arg3 } probe timer.s(1) { print(@count(s)) }", "user space (a statistic read outside end probes)" },
		{ "global s; " MARK "{ s <<< $arg3 } probe end { delete s; print(@count(s)) }", "user space (a statistic deleted)" },
		{ "global s; " MARK "{ s[$arg3 * 2] <<< 1 } probe end { print(@count(s[2])) }", "user space (a key the kernel cannot compute)" },
		{ "global s; " MARK "{ s <<< $arg3 * 2 } probe end { print(@count(s)) }", "user space (a value the kernel cannot compute)" },
		{ "global s; " MARK "{ s <<< $arg3; s <<< 1 } probe end { print(@count(s)) }", "user space (not a single aggregation)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_prog *p;
		struct rt *r;
		char where[96];
		if (stap_compile(cases[i].src, &p, &r) < 0) {
			CHECK(cases[i].src, false);
			continue;
		}
		struct kagg *k = kagg_new(p, 256);
		kagg_bind(k, r, yes, NULL);
		CHECK_STR(cases[i].src, cases[i].where, kagg_where(k, 0, where, sizeof(where)));
		kagg_free(k);
		rt_free(r);
		pg_free(p);
	}
}

/* A fold leaves the statistic as the updates one by one do: count, sum (wrapping), min, max,
 * @hist_log's buckets in stap's layout (the kernel computes them: here given). */
static void test_stap_fold(void)
{
	struct pg_prog *p;
	struct rt *r;
	if (stap_compile("global s; " MARK "{ s[user_string($arg2)] <<< $arg3 } probe end { print(@hist_log(s[\"f\"])) }",
			 &p, &r) < 0) {
		CHECK("stap fold: compiles", false);
		return;
	}
	struct kagg *k = kagg_new(p, 16);
	CHECK_INT("stap fold: one kernel clause", 1, kagg_bind(k, r, yes, NULL));
	int n, nstrs, room, str_off, entries;
	const struct kagg_clause *tab = kagg_table(k, &n, &nstrs, &room, &str_off, &entries);
	CHECK_INT("stap fold: a statistic row", KAGG_STAT, tab[0].fn);
	CHECK_INT("stap fold: with its histogram", 1, tab[0].hist);
	CHECK_INT("stap fold: log2 buckets (no levels)", 0, (int)tab[0].lq_levels);
	static const int64_t vals[] = { 5, 0, 1000, 3, INT64_MAX, 7 };
	struct agg_histdef hd = { .kind = AGG_HIST_LOG };
	struct agg_stat *want = calloc(1, agg_stat_size(&hd));
	agg_stat_init(want, &hd);
	static struct kagg_hval tot;
	for (int i = 0; i < 6; i++) {
		agg_stat_add(want, &hd, vals[i]);
		if (i == 2) {        /* a first look after three values */
			tot.v = (struct kagg_val){ .count = 3, .sum_lo = 1005, .min = 0, .max = 1000 };
			tot.buckets[64] = 1;      /* 0 */
			tot.buckets[64 + 3] = 1;  /* 5: 4..7 */
			tot.buckets[64 + 10] = 1; /* 1000: 512..1023 */
			unsigned char key[KAGG_HDR + 16] = { 0 };
			strcpy((char *)key + KAGG_HDR, "f");
			kagg_fold(key, sizeof(key), &tot, true, k);
		}
	}
	tot.v.count = 6;
	tot.v.sum_lo = (unsigned long long)want->sum;
	tot.v.max = INT64_MAX;
	tot.buckets[64 + 2]++;   /* 3 */
	tot.buckets[127]++;      /* INT64_MAX */
	tot.buckets[64 + 3]++;   /* 7 */
	unsigned char key[KAGG_HDR + 16] = { 0 };
	strcpy((char *)key + KAGG_HDR, "f");
	kagg_fold(key, sizeof(key), &tot, true, k);
	kagg_fold(key, sizeof(key), &tot, true, k);   /* nothing new */
	const struct agg_histdef *h;
	struct ps_value kf = ps_str("f");
	struct agg_stat *got = rt_stat(r, p->clauses[0].stmts[0]->kind == PG_S_BLOCK
				       ? p->clauses[0].stmts[0]->kids[0]->kids[0]->op
				       : p->clauses[0].stmts[0]->kids[0]->op, &kf, 1, &h);
	CHECK("stap fold: the element is there", got != NULL);
	if (got) {
		CHECK_INT("stap fold: count", want->count, got->count);
		CHECK_INT("stap fold: sum (wrapped)", want->sum, got->sum);
		CHECK_INT("stap fold: min", want->min, got->min);
		CHECK_INT("stap fold: max", want->max, got->max);
		CHECK_INT("stap fold: avg", agg_stat_avg(want), agg_stat_avg(got));
		CHECK("stap fold: buckets", got->nbuckets == want->nbuckets &&
		      !memcmp(got->buckets, want->buckets, sizeof(int64_t) * (size_t)want->nbuckets));
	}
	free(want);
	kagg_free(k);
	rt_free(r);
	pg_free(p);
}

int main(void)
{
	test_stap_plan();
	test_stap_fold();
	test_plan();
	test_self();
	test_fold();
	test_strid();
	test_merge();
	free(buf);
	return unit_status();
}
