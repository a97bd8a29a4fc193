/*
 * test_rt_harden.c — the runtime's limits, driven directly: the aggregation byte budget (aggsize)
 * keeps exactly the entries that fit and counts the rest as drops; lquantize parameters that
 * break DTrace's rules are refused; stddev and avg of extreme values; ticks near the end of the
 * 64-bit clock, after long gaps, and under a stop request; sizes as D's options write them.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "dt_parse.h"
#include "rt.h"
#include "unit.h"

static char *out;
static size_t outlen;
static FILE *outf;

static struct rt *make(const char *src, struct pg_prog **pp, const volatile sig_atomic_t *stop)
{
	struct dt_opts o = { 0 };
	struct pg_prog *p = pg_new();
	if (dt_compile("test.d", src, &o, p) < 0) {
		pg_free(p);
		return NULL;
	}
	if (outf)
		fclose(outf);
	free(out);
	out = NULL;
	outf = open_memstream(&out, &outlen);
	struct rt_opts ro = { .out = outf, .replay = true, .stop = stop };
	struct rt *r;
	if (rt_new(p, NULL, 0, &ro, &r) < 0) {
		pg_free(p);
		return NULL;
	}
	*pp = p;
	return r;
}

static void budget(void)
{
	/* The cost of one entry, measured, then a budget of exactly ten of them. */
	struct agg_budget b = { 0 };
	struct agg *a = agg_new("a", AGG_COUNT, NULL, 0);
	agg_set_budget(a, &b);
	struct ps_value k = ps_int(1);
	agg_update(a, &k, 1, 0, 1);
	int64_t one = b.used;
	CHECK("an entry costs something", one > 0);
	agg_free(a);
	CHECK_INT("freeing gives the bytes back", 0, b.used);

	b = (struct agg_budget){ .limit = 10 * one };
	a = agg_new("a", AGG_COUNT, NULL, 0);
	agg_set_budget(a, &b);
	int made = 0, dropped = 0;
	for (int i = 0; i < 100; i++) {
		k = ps_int(i);
		int rc = agg_update(a, &k, 1, 0, 1);
		made += rc == 0;
		dropped += rc == -ENOSPC;
	}
	CHECK_INT("budget: ten entries made", 10, agg_nentries(a));
	CHECK_INT("budget: ten updates succeeded", 10, made);
	CHECK_INT("budget: 90 updates dropped", 90, dropped);
	CHECK_INT("budget: drops counted", 90, b.drops);
	k = ps_int(3);
	CHECK_INT("budget: an existing key still updates", 0, agg_update(a, &k, 1, 0, 1));
	agg_trunc(a, 5);
	CHECK_INT("trunc(@, 5) gives five entries' bytes back", 5 * one, b.used);
	agg_free(a);
}

static void lquantize(void)
{
	int64_t big[3] = { 0, INT64_MAX, 1 }, many[3] = { 0, 1000000, 1 }, neg[3] = { 5, 10, -1 };
	int64_t ok[3] = { 0, 65535, 1 };
	errno = 0;
	CHECK("lquantize: 64-bit bounds refused", !agg_new("", AGG_LQUANTIZE, big, 3) && errno == EINVAL);
	errno = 0;
	CHECK("lquantize: 10^6 levels refused", !agg_new("", AGG_LQUANTIZE, many, 3) && errno == EINVAL);
	errno = 0;
	CHECK("lquantize: a negative step refused", !agg_new("", AGG_LQUANTIZE, neg, 3) && errno == EINVAL);
	struct agg *a = agg_new("", AGG_LQUANTIZE, ok, 3);
	CHECK("lquantize: 65535 levels accepted", a != NULL);
	agg_free(a);
}

static void extremes(void)
{
	struct agg *s = agg_new("s", AGG_STDDEV, NULL, 0), *v = agg_new("v", AGG_AVG, NULL, 0);
	for (int i = 0; i < 2; i++) {
		agg_update(s, NULL, 0, INT64_MAX, 1);
		agg_update(v, NULL, 0, INT64_MIN, 1);
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	agg_print(m, s);
	agg_print(m, v);
	fclose(m);
	CHECK_STR("stddev(INT64_MAX x2) = 0, avg(INT64_MIN x2) = INT64_MIN",
		  "\n                0\n\n -9223372036854775808\n", buf);
	free(buf);
	agg_free(s);
	agg_free(v);
}

static int lines(void)
{
	fflush(outf);
	int n = 0;
	for (size_t i = 0; i < outlen; i++)
		n += out[i] == '\n';
	return n;
}

static void ticks(void)
{
	struct pg_prog *p;
	struct rt *r = make("tick-1s { printf(\"t\\n\"); }", &p, NULL);
	CHECK("tick program compiles", r != NULL);
	if (!r)
		return;
	rt_begin(r, UINT64_MAX - 10);
	CHECK_INT("a tick due past the 64-bit clock is never due", 0, rt_next_tick(r));
	rt_tick(r, UINT64_MAX);
	CHECK_INT("... and does not fire at the clock's end", 0, lines());
	rt_free(r);
	pg_free(p);

	r = make("tick-1ms { printf(\"t\\n\"); }", &p, NULL);
	rt_begin(r, 0);
	rt_tick(r, 3600ull * 1000000000);         /* an hour later: 3.6 million firings missed */
	CHECK_INT("an hour's gap fires 1000 ticks, not 3.6 million", 1000, lines());
	CHECK_INT("... and skips to the next firing on the tick's grid", 3600001000000ull,
		  rt_next_tick(r));
	rt_tick(r, 3600ull * 1000000000 + 2500000);
	CHECK_INT("... from where it goes on as before", 1002, lines());
	rt_free(r);
	pg_free(p);

	static volatile sig_atomic_t stop;
	r = make("tick-1ms { printf(\"t\\n\"); }", &p, &stop);
	rt_begin(r, 0);
	stop = 1;
	rt_tick(r, 1000000000);
	CHECK_INT("a stop request ends a tick run", 0, lines());
	rt_free(r);
	pg_free(p);
}

static void sizes(void)
{
	int64_t v = 0;
	CHECK("size 4m", pg_parse_size("4m", &v) == 0 && v == 4 << 20);
	CHECK("size 1K", pg_parse_size("1K", &v) == 0 && v == 1024);
	CHECK("size 1t (the most)", pg_parse_size("1t", &v) == 0 && v == 1ll << 40);
	CHECK("size 123 bytes", pg_parse_size("123", &v) == 0 && v == 123);
	CHECK("size: 0 refused", pg_parse_size("0", &v) < 0);
	CHECK("size: 2t refused", pg_parse_size("2t", &v) < 0);
	CHECK("size: 99999999999999999999 refused", pg_parse_size("99999999999999999999", &v) < 0);
	CHECK("size: 16777216t refused (would wrap)", pg_parse_size("16777216t", &v) < 0);
	CHECK("size: -1 refused", pg_parse_size("-1", &v) < 0);
	CHECK("size: 4mb refused", pg_parse_size("4mb", &v) < 0);
	CHECK("size: empty refused", pg_parse_size("", &v) < 0);
}

int main(void)
{
	budget();
	lquantize();
	extremes();
	ticks();
	sizes();
	if (outf)
		fclose(outf);
	free(out);
	return unit_status();
}
