/*
 * test_agg.c — every aggregating function's print-out, compared byte for byte with what DTrace
 * prints for the same data.
 *
 * Where the expected text came from:
 *   - "real:" cases reproduce expected-output files of Oracle's DTrace test suite
 *     (dtrace-utils test/unittest/aggs/tst.NAME.r) for the same data: tst.quantlast (quantize, last
 *     bucket), tst.clear-one (sum with int keys, clear), tst.trunc-lquantize-5 (int keys,
 *     lquantize with weights, trunc). The text is copied from those files.
 *   - The other histograms were derived from the rules in libdtrace's dt_consume.c
 *     (dt_print_quantize, dt_print_lquantize, dt_print_quantline) by a separate Python model of
 *     those rules (header "\n%16s %41s %-9s\n", rows "%16lld " + bar + " %-9lld\n", bar depth
 *     (|count| * 40 / total + 0.5), one zero row either side, half-width bars around a centre
 *     line when counts of both signs occur), and pasted here.
 *   - Scalar lines follow dt_print_datum: string keys "  %-50s", integer keys " %16lld"
 *     (" %8d" for 4-byte keys), values " %16lld"; printa() starts with "\n".
 */
#include <stdlib.h>
#include "agg.h"
#include "unit.h"

static char *buf;
static size_t buflen;

static FILE *mem(void)
{
	free(buf);
	buf = NULL;
	return open_memstream(&buf, &buflen);
}

static const char *printed(const struct agg *a)
{
	FILE *m = mem();
	agg_print(m, a);
	fclose(m);
	return buf;
}

static const char *printed_fmt(const char *format, const struct agg *a)
{
	struct fmt_error err;
	struct fmt *f = fmt_compile(format, &err);
	FILE *m = mem();
	if (f)
		agg_printa(m, f, a);
	fclose(m);
	fmt_free(f);
	return buf;
}

#define K(...) (struct ps_value[]){ __VA_ARGS__ }, \
	(int)(sizeof((struct ps_value[]){ __VA_ARGS__ }) / sizeof(struct ps_value))
#define NOKEY NULL, 0

static void test_count_strings(void)
{
	struct agg *a = agg_new("calls", AGG_COUNT, NULL, 0);
	for (int i = 0; i < 3; i++) {
		agg_update(a, K(ps_str("foo")), 0, 1);
		agg_update(a, K(ps_str("baz")), 0, 1);
	}
	char tmp[] = "bar";                         /* keys are copied: the buffer may change */
	agg_update(a, K(ps_str(tmp)), 0, 1);
	tmp[0] = 'X';
	CHECK_INT("three entries", 3, agg_nentries(a));
	CHECK_STR("count by string key: value order, ties by key",
		  "\n"
		  "  bar                                                               1\n"
		  "  baz                                                               3\n"
		  "  foo                                                               3\n",
		  printed(a));
	CHECK_STR("name", "calls", agg_name(a));
	CHECK_INT("kind", AGG_COUNT, agg_kind(a));
	CHECK_INT("key count is fixed", -22, agg_update(a, K(ps_str("a"), ps_int(1)), 0, 1));
	agg_free(a);
}

static void test_scalars(void)
{
	struct agg *a = agg_new("", AGG_COUNT, NULL, 0);
	CHECK("new aggregation is empty", agg_empty(a));
	CHECK_STR("empty printa is one newline", "\n", printed(a));
	for (int i = 0; i < 7; i++)
		agg_update(a, NOKEY, 0, 1);
	CHECK_STR("no-key count", "\n                7\n", printed(a));
	agg_free(a);

	a = agg_new("s", AGG_SUM, NULL, 0);
	agg_update(a, NOKEY, 10, 1);
	agg_update(a, NOKEY, -25, 1);
	CHECK_STR("sum negative", "\n              -15\n", printed(a));
	agg_free(a);

	a = agg_new("m", AGG_MIN, NULL, 0);
	agg_update(a, NOKEY, 5, 1);
	agg_update(a, NOKEY, -3, 1);
	agg_update(a, NOKEY, 9, 1);
	CHECK_STR("min", "\n               -3\n", printed(a));
	agg_free(a);

	a = agg_new("m", AGG_MAX, NULL, 0);
	agg_update(a, NOKEY, -5, 1);
	agg_update(a, NOKEY, -3, 1);
	CHECK_STR("max of negatives", "\n               -3\n", printed(a));
	agg_free(a);

	a = agg_new("a", AGG_AVG, NULL, 0);
	agg_update(a, K(ps_str("up")), 1, 1);
	agg_update(a, K(ps_str("up")), 2, 1);
	agg_update(a, K(ps_str("up")), 4, 1);       /* 7 / 3 = 2 */
	agg_update(a, K(ps_str("down")), -1, 1);
	agg_update(a, K(ps_str("down")), -2, 1);
	agg_update(a, K(ps_str("down")), -4, 1);    /* -7 / 3 = -2 */
	CHECK_STR("avg is the integer average",
		  "\n"
		  "  down                                                             -2\n"
		  "  up                                                                2\n",
		  printed(a));
	agg_free(a);

	a = agg_new("sd", AGG_STDDEV, NULL, 0);
	int64_t v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };   /* mean 5, mean of squares 29: sqrt(4) */
	for (int i = 0; i < 8; i++)
		agg_update(a, K(ps_str("x")), v[i], 1);
	agg_update(a, K(ps_str("y")), 1, 1);        /* (1+4)/2=2, (3/2)^2=1: sqrt(1) */
	agg_update(a, K(ps_str("y")), 2, 1);
	agg_update(a, K(ps_str("z")), -1000000000, 1);
	agg_update(a, K(ps_str("z")), 1000000000, 1);
	agg_update(a, K(ps_str("w")), 42, 1);       /* a single value: 0 */
	CHECK_STR("stddev",
		  "\n"
		  "  w                                                                 0\n"
		  "  y                                                                 1\n"
		  "  x                                                                 2\n"
		  "  z                                                        1000000000\n",
		  printed(a));
	agg_free(a);
}

static void test_keys(void)
{
	struct agg *a = agg_new("k", AGG_SUM, NULL, 0);
	agg_update(a, K(ps_str("a"), ps_int(2)), 5, 1);
	agg_update(a, K(ps_str("a"), ps_int(1)), 5, 1);
	agg_update(a, K(ps_str("b"), ps_int(1)), 1, 1);
	CHECK_STR("two keys: string then int",
		  "\n"
		  "  b                                                                 1                1\n"
		  "  a                                                                 1                5\n"
		  "  a                                                                 2                5\n",
		  printed(a));
	agg_free(a);

	/* DTrace compares integer keys as unsigned: -1 sorts after 2 when values tie. */
	a = agg_new("u", AGG_COUNT, NULL, 0);
	agg_update(a, K(ps_int(-1)), 0, 1);
	agg_update(a, K(ps_int(2)), 0, 1);
	agg_update(a, K(ps_int(0)), 0, 1);
	CHECK_STR("integer keys sort unsigned",
		  "\n"
		  "                0                1\n"
		  "                2                1\n"
		  "               -1                1\n",
		  printed(a));
	agg_free(a);

	a = agg_new("w", AGG_COUNT, NULL, 0);
	agg_set_keysize(a, 0, 4);
	agg_set_keysize(a, 1, 1);
	agg_set_keysize(a, 2, 2);
	agg_update(a, K(ps_int(1234), ps_int(-2), ps_int(-2)), 0, 1);
	CHECK_STR("key sizes 4, 1, 2 print as int, uchar, ushort",
		  "\n     1234 254 65534                1\n", printed(a));
	agg_free(a);

	a = agg_new("long", AGG_COUNT, NULL, 0);
	agg_update(a, K(ps_str("a_string_key_longer_than_fifty_columns_is_not_cut_off_x")), 0, 1);
	CHECK_STR("long string key is not truncated",
		  "\n  a_string_key_longer_than_fifty_columns_is_not_cut_off_x                1\n",
		  printed(a));
	agg_free(a);
}

static void test_quantize(void)
{
	struct agg *a = agg_new("q", AGG_QUANTIZE, NULL, 0);
	int64_t v[] = { 1, 2, 3, 5, 100 };
	for (int i = 0; i < 5; i++)
		agg_update(a, NOKEY, v[i], 1);
	CHECK_STR("quantize",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "               0 |                                         0        \n"
		  "               1 |@@@@@@@@                                 1        \n"
		  "               2 |@@@@@@@@@@@@@@@@                         2        \n"
		  "               4 |@@@@@@@@                                 1        \n"
		  "               8 |                                         0        \n"
		  "              16 |                                         0        \n"
		  "              32 |                                         0        \n"
		  "              64 |@@@@@@@@                                 1        \n"
		  "             128 |                                         0        \n"
		  "\n",
		  printed(a));
	agg_free(a);

	a = agg_new("q", AGG_QUANTIZE, NULL, 0);
	agg_update(a, NOKEY, -5, 1);
	agg_update(a, NOKEY, -1, 2);
	agg_update(a, NOKEY, 0, 1);
	agg_update(a, NOKEY, 3, 4);
	CHECK_STR("quantize with negative values and weights",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "              -8 |                                         0        \n"
		  "              -4 |@@@@@                                    1        \n"
		  "              -2 |                                         0        \n"
		  "              -1 |@@@@@@@@@@                               2        \n"
		  "               0 |@@@@@                                    1        \n"
		  "               1 |                                         0        \n"
		  "               2 |@@@@@@@@@@@@@@@@@@@@                     4        \n"
		  "               4 |                                         0        \n"
		  "\n",
		  printed(a));
	agg_free(a);

	/* real: tst.quantlast — data only in the last bucket, weight 1234. */
	a = agg_new("", AGG_QUANTIZE, NULL, 0);
	agg_update(a, NOKEY, 0x4000000000000000LL, 1234);
	CHECK_STR("real: tst.quantlast",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "2305843009213693952 |                                         0        \n"
		  "4611686018427387904 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1234     \n"
		  "\n",
		  printed(a));
	agg_free(a);

	a = agg_new("", AGG_QUANTIZE, NULL, 0);
	agg_update(a, NOKEY, 4, 2);
	agg_update(a, NOKEY, 4, -2);
	CHECK_STR("quantize whose weights cancel shows the buckets around zero",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "              -1 |                                         0        \n"
		  "               0 |                                         0        \n"
		  "               1 |                                         0        \n"
		  "\n",
		  printed(a));
	agg_free(a);

	a = agg_new("", AGG_QUANTIZE, NULL, 0);
	agg_update(a, NOKEY, 1, 3);
	agg_update(a, NOKEY, 2, -1);
	CHECK_STR("quantize with counts of both signs",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "               0                     |                     0        \n"
		  "               1                     |@@@@@@@@@@@@@@@      3        \n"
		  "               2                @@@@@|                     -1       \n"
		  "               4                     |                     0        \n"
		  "\n",
		  printed(a));
	agg_free(a);

	a = agg_new("", AGG_QUANTIZE, NULL, 0);
	agg_update(a, NOKEY, 8, -2);
	agg_update(a, NOKEY, 16, -6);
	CHECK_STR("quantize with only negative counts",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "               4                                         | 0        \n"
		  "               8                               @@@@@@@@@@| -2       \n"
		  "              16           @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@| -6       \n"
		  "              32                                         | 0        \n"
		  "\n",
		  printed(a));
	agg_free(a);

	a = agg_new("", AGG_QUANTIZE, NULL, 0);
	agg_update(a, NOKEY, INT64_MIN, 1);
	agg_update(a, NOKEY, INT64_MAX, 1);
	FILE *m = mem();
	agg_print(m, a);
	fclose(m);
	int lines = 0;
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	CHECK("extreme values land in the end buckets",
	      strstr(buf, "\n\n           value  ---") &&
	      strstr(buf, " count    \n-4611686018427387904 |@@@@@@@@@@@@@@@@@@@@ ") &&
	      strstr(buf, "\n4611686018427387904 |@@@@@@@@@@@@@@@@@@@@                     1        \n\n"));
	CHECK_INT("all 127 buckets between them print", 3 + 127 + 1, lines);
	agg_free(a);
}

static void test_quantize_keys_sort(void)
{
	/* Keyed quantize: the key, then the histogram; entries sorted by sum(bucket x count). */
	struct agg *a = agg_new("", AGG_QUANTIZE, NULL, 0);
	agg_update(a, K(ps_str("big")), 64, 1);
	agg_update(a, K(ps_str("small")), 1, 1);
	agg_update(a, K(ps_str("small")), 1, 1);
	CHECK_STR("keyed quantize sorted by weighted sum",
		  "\n"
		  "  small                                             \n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "               0 |                                         0        \n"
		  "               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 2        \n"
		  "               2 |                                         0        \n"
		  "\n"
		  "  big                                               \n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "              32 |                                         0        \n"
		  "              64 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1        \n"
		  "             128 |                                         0        \n"
		  "\n",
		  printed(a));
	agg_free(a);
}

static void test_lquantize(void)
{
	int64_t p[] = { 0, 10, 2 };
	struct agg *a = agg_new("lq", AGG_LQUANTIZE, p, 3);
	int64_t v[] = { -1, 0, 3, 3, 9, 10, 25 };
	for (int i = 0; i < 7; i++)
		agg_update(a, NOKEY, v[i], 1);
	CHECK_STR("lquantize with underflow and overflow rows",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "             < 0 |@@@@@@                                   1        \n"
		  "               0 |@@@@@@                                   1        \n"
		  "               2 |@@@@@@@@@@@                              2        \n"
		  "               4 |                                         0        \n"
		  "               6 |                                         0        \n"
		  "               8 |@@@@@@                                   1        \n"
		  "           >= 10 |@@@@@@@@@@@                              2        \n"
		  "\n",
		  printed(a));
	agg_free(a);

	int64_t p2[] = { 0, 100, 10 };
	a = agg_new("lq", AGG_LQUANTIZE, p2, 3);
	agg_update(a, NOKEY, 50, 1);
	agg_update(a, NOKEY, 52, 3);
	CHECK_STR("lquantize trims to one zero row either side",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "              40 |                                         0        \n"
		  "              50 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 4        \n"
		  "              60 |                                         0        \n"
		  "\n",
		  printed(a));
	agg_free(a);

	int64_t p3[] = { 0, 150, 1 };
	a = agg_new("", AGG_LQUANTIZE, p3, 3);
	agg_set_keysize(a, 0, 4);
	agg_update(a, NOKEY, 0, 1);
	CHECK_STR("lquantize at the low end",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "             < 0 |                                         0        \n"
		  "               0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1        \n"
		  "               1 |                                         0        \n"
		  "\n",
		  printed(a));
	agg_free(a);
}

/* real: tst.trunc-lquantize-5 — @[100 + i] = lquantize(i + 1..4, 0, 150, 1, 10000 + i) for i in
 * 0..99, trunc(@, 5), then one more key (301: values 102..105, weight 20101). */
static void test_real_trunc_lquantize(void)
{
	int64_t p[] = { 0, 150, 1 };
	struct agg *a = agg_new("", AGG_LQUANTIZE, p, 3);
	agg_set_keysize(a, 0, 4);                   /* 100 + i is an int */
	for (int i = 0; i < 100; i++)
		for (int d = 1; d <= 4; d++)
			agg_update(a, K(ps_int(100 + i)), i + d, 10000 + i);
	agg_trunc(a, 5);
	CHECK_INT("trunc(@, 5) keeps 5", 5, agg_nentries(a));
	for (int d = 1; d <= 4; d++)
		agg_update(a, K(ps_int(301)), 101 + d, 20101);
	CHECK_STR("real: tst.trunc-lquantize-5",
		  "\n"
		  "      195\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "              95 |                                         0        \n"
		  "              96 |@@@@@@@@@@                               10095    \n"
		  "              97 |@@@@@@@@@@                               10095    \n"
		  "              98 |@@@@@@@@@@                               10095    \n"
		  "              99 |@@@@@@@@@@                               10095    \n"
		  "             100 |                                         0        \n"
		  "\n"
		  "      196\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "              96 |                                         0        \n"
		  "              97 |@@@@@@@@@@                               10096    \n"
		  "              98 |@@@@@@@@@@                               10096    \n"
		  "              99 |@@@@@@@@@@                               10096    \n"
		  "             100 |@@@@@@@@@@                               10096    \n"
		  "             101 |                                         0        \n"
		  "\n"
		  "      197\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "              97 |                                         0        \n"
		  "              98 |@@@@@@@@@@                               10097    \n"
		  "              99 |@@@@@@@@@@                               10097    \n"
		  "             100 |@@@@@@@@@@                               10097    \n"
		  "             101 |@@@@@@@@@@                               10097    \n"
		  "             102 |                                         0        \n"
		  "\n"
		  "      198\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "              98 |                                         0        \n"
		  "              99 |@@@@@@@@@@                               10098    \n"
		  "             100 |@@@@@@@@@@                               10098    \n"
		  "             101 |@@@@@@@@@@                               10098    \n"
		  "             102 |@@@@@@@@@@                               10098    \n"
		  "             103 |                                         0        \n"
		  "\n"
		  "      199\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "              99 |                                         0        \n"
		  "             100 |@@@@@@@@@@                               10099    \n"
		  "             101 |@@@@@@@@@@                               10099    \n"
		  "             102 |@@@@@@@@@@                               10099    \n"
		  "             103 |@@@@@@@@@@                               10099    \n"
		  "             104 |                                         0        \n"
		  "\n"
		  "      301\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "             101 |                                         0        \n"
		  "             102 |@@@@@@@@@@                               20101    \n"
		  "             103 |@@@@@@@@@@                               20101    \n"
		  "             104 |@@@@@@@@@@                               20101    \n"
		  "             105 |@@@@@@@@@@                               20101    \n"
		  "             106 |                                         0        \n"
		  "\n",
		  printed(a));
	agg_free(a);
}

/* real: tst.clear-one — three sum aggregations with int keys, the middle one cleared. */
static void test_real_clear_one(void)
{
	struct agg *ag[3];
	for (int i = 0; i < 3; i++) {
		ag[i] = agg_new(i == 0 ? "a" : i == 1 ? "b" : "c", AGG_SUM, NULL, 0);
		agg_set_keysize(ag[i], 0, 4);
	}
	int64_t vals[] = { 100, 20, 3 };
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 3; k++)
			agg_update(ag[i], K(ps_int(i * 3 + k + 1)), vals[k] * (i * 3 + k + 1) /
				   (k + 1), 1);
	agg_clear(ag[1]);
	FILE *m = mem();
	for (int i = 0; i < 3; i++)
		agg_print(m, ag[i]);
	fputc('\n', m);       /* dtrace(1)'s own newline at exit; nothing else is left to print */
	agg_print_all(m, ag, 3);
	fclose(m);
	CHECK_STR("real: tst.clear-one",
		  "\n"
		  "        3                3\n"
		  "        2               20\n"
		  "        1              100\n"
		  "\n"
		  "        4                0\n"
		  "        5                0\n"
		  "        6                0\n"
		  "\n"
		  "        9                9\n"
		  "        8               80\n"
		  "        7              700\n"
		  "\n",
		  buf);
	for (int i = 0; i < 3; i++)
		agg_free(ag[i]);
}

static void test_clear_trunc_normalize(void)
{
	struct agg *a = agg_new("m", AGG_MIN, NULL, 0);
	agg_update(a, K(ps_str("k")), 50, 1);
	agg_clear(a);
	CHECK_STR("cleared min prints 0 and keeps the key",
		  "\n  k                                                                 0\n", printed(a));
	agg_update(a, K(ps_str("k")), 70, 1);
	CHECK_STR("min after clear starts afresh",
		  "\n  k                                                                70\n", printed(a));
	agg_free(a);

	a = agg_new("t", AGG_SUM, NULL, 0);
	for (int i = 1; i <= 5; i++)
		agg_update(a, K(ps_int(i)), i * 10, 1);
	agg_trunc(a, 2);
	CHECK_STR("trunc keeps the largest",
		  "\n                4               40\n                5               50\n", printed(a));
	agg_trunc(a, 10);
	CHECK_INT("trunc larger than size keeps all", 2, agg_nentries(a));
	agg_update(a, K(ps_int(1)), 1, 1);
	agg_update(a, K(ps_int(2)), 2, 1);
	agg_trunc(a, -3);
	CHECK_STR("negative trunc keeps the smallest",
		  "\n                1                1\n                2                2\n"
		  "                4               40\n", printed(a));
	agg_update(a, K(ps_int(4)), 1, 1);
	CHECK_STR("index still finds keys after trunc",
		  "\n                1                1\n                2                2\n"
		  "                4               41\n", printed(a));
	agg_trunc(a, 0);
	CHECK("trunc(@a) removes everything", agg_empty(a));
	CHECK_STR("truncated aggregation prints the newline only", "\n", printed(a));
	agg_free(a);

	a = agg_new("n", AGG_SUM, NULL, 0);
	agg_update(a, K(ps_str("x")), 1000, 1);
	agg_update(a, K(ps_str("y")), -55, 1);
	agg_normalize(a, 10);
	CHECK_STR("normalize divides printed values",
		  "\n"
		  "  y                                                                -5\n"
		  "  x                                                               100\n",
		  printed(a));
	agg_normalize(a, 1);
	CHECK_STR("normalize(@, 1) is denormalize",
		  "\n"
		  "  y                                                               -55\n"
		  "  x                                                              1000\n",
		  printed(a));
	agg_free(a);

	a = agg_new("nq", AGG_QUANTIZE, NULL, 0);
	agg_update(a, NOKEY, 1, 30);
	agg_update(a, NOKEY, 2, 10);
	agg_normalize(a, 10);
	CHECK_STR("normalized quantize divides counts, bars unchanged",
		  "\n"
		  "\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "               0 |                                         0        \n"
		  "               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@           3        \n"
		  "               2 |@@@@@@@@@@                               1        \n"
		  "               4 |                                         0        \n"
		  "\n",
		  printed(a));
	agg_free(a);
}

static void test_printa_format(void)
{
	struct agg *a = agg_new("calls", AGG_COUNT, NULL, 0);
	agg_update(a, K(ps_str("start"), ps_int(23)), 0, 1);
	agg_update(a, K(ps_str("start"), ps_int(23)), 0, 1);
	agg_update(a, K(ps_str("main"), ps_int(5)), 0, 1);
	CHECK_STR("printa format: keys in order, %@d the value",
		  "main:5 = 1\nstart:23 = 2\n", printed_fmt("%s:%d = %@d\n", a));
	CHECK("printa marks the aggregation printed", agg_printed(a));
	CHECK_STR("printa format with widths",
		  "main          1|\nstart         2|\n", printed_fmt("%-8s%@7u|\n", a));
	CHECK_STR("printa format without %@ prints only the keys",
		  "[main][start]", printed_fmt("[%s]", a));
	agg_free(a);

	a = agg_new("avg", AGG_AVG, NULL, 0);
	agg_update(a, NOKEY, 3, 1);
	agg_update(a, NOKEY, 4, 1);
	CHECK_STR("printa %@d of avg is the average", "avg 3\n", printed_fmt("avg %@d\n", a));
	agg_free(a);

	a = agg_new("q", AGG_QUANTIZE, NULL, 0);
	agg_update(a, K(ps_str("f")), 2, 1);
	CHECK_STR("printa %@d of quantize is the histogram",
		  "f:\n"
		  "           value  ------------- Distribution ------------- count    \n"
		  "               1 |                                         0        \n"
		  "               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1        \n"
		  "               4 |                                         0        \n"
		  "--\n",
		  printed_fmt("%s:%@d--\n", a));
	agg_free(a);
}

static void test_print_all(void)
{
	struct agg *a = agg_new("a", AGG_COUNT, NULL, 0);
	struct agg *b = agg_new("b", AGG_COUNT, NULL, 0);
	struct agg *c = agg_new("c", AGG_SUM, NULL, 0);
	struct agg *empty = agg_new("e", AGG_SUM, NULL, 0);
	agg_update(a, K(ps_str("x")), 0, 1);
	agg_update(b, NOKEY, 0, 1);
	agg_update(c, K(ps_int(3)), 9, 1);
	FILE *m = mem();
	agg_print(m, b);                            /* printed: END skips it */
	fclose(m);
	struct agg *all[] = { a, b, empty, c };
	m = mem();
	agg_print_all(m, all, 4);
	fclose(m);
	CHECK_STR("END print-out: unprinted ones, back to back",
		  "  x                                                                 1\n"
		  "                3                9\n", buf);
	CHECK("agg_print_all does not mark", !agg_printed(a));
	agg_free(a);
	agg_free(b);
	agg_free(c);
	agg_free(empty);
}

static void test_many_keys(void)
{
	struct agg *a = agg_new("many", AGG_COUNT, NULL, 0);
	for (int r = 0; r < 3; r++)
		for (int i = 0; i < 5000; i++)
			agg_update(a, K(ps_int(i)), 0, 1);
	CHECK_INT("5000 distinct keys", 5000, agg_nentries(a));
	FILE *m = mem();
	agg_print(m, a);
	fclose(m);
	CHECK("all counts are 3", strstr(buf, "             4999                3\n") != NULL &&
	      strstr(buf, "                1\n") == NULL);
	agg_free(a);
}

/* The messages are DTrace's (dt_cc.c, dt_compile_agg). */
static const char *lqcheck(const struct agg *a, int64_t low, int64_t high, int64_t step, int n)
{
	static char msg[256];
	int64_t p[] = { low, high, step };
	return agg_lquantize_check(a, p, n, msg, sizeof(msg)) ? msg : "ok";
}

static void test_lquantize_check(void)
{
	CHECK_STR("lquantize ok", "ok", lqcheck(NULL, 0, 100, 10, 3));
	CHECK_STR("lquantize default step", "ok", lqcheck(NULL, -5, 5, 0, 2));
	CHECK_STR("base too big", "lquantize( ) argument #1 must be a 32-bit quantity",
		  lqcheck(NULL, 1LL << 31, 1LL << 32, 1, 3));
	CHECK_STR("limit too big", "lquantize( ) argument #2 must be a 32-bit quantity",
		  lqcheck(NULL, 1, 2147483657LL, 1, 2));
	CHECK_STR("limit below base",
		  "lquantize( ) base (argument #1) must be less than limit (argument #2)",
		  lqcheck(NULL, 10, 5, 1, 3));
	CHECK_STR("step zero",
		  "lquantize( ) argument #3 must be a non-zero positive integer constant",
		  lqcheck(NULL, 0, 10, 0, 3));
	CHECK_STR("step too big", "lquantize( ) argument #3 must be a 16-bit quantity",
		  lqcheck(NULL, 0, 100000, 65536, 3));
	CHECK_STR("no levels", "lquantize( ) step (argument #3) too large: must have at least one "
		  "quantization level", lqcheck(NULL, 0, 10, 20, 3));
	CHECK_STR("too many levels", "lquantize( ) step (argument #3) too small: number of "
		  "quantization levels must be a 16-bit quantity", lqcheck(NULL, 0, 100000, 1, 3));
	int64_t p[] = { 10, 20, 1 };
	struct agg *a = agg_new("", AGG_LQUANTIZE, p, 3);
	CHECK_STR("same declaration", "ok", lqcheck(a, 10, 20, 1, 3));
	CHECK_STR("base mismatch", "lquantize( ) base (argument #1) doesn't match previous "
		  "declaration: expected 10, found 15", lqcheck(a, 15, 20, 1, 3));
	CHECK_STR("limit mismatch", "lquantize( ) limit (argument #2) doesn't match previous "
		  "declaration: expected 20, found 30", lqcheck(a, 10, 30, 1, 3));
	CHECK_STR("step mismatch", "lquantize( ) step (argument #3) doesn't match previous "
		  "declaration: expected 1, found 2", lqcheck(a, 10, 20, 2, 3));
	agg_free(a);
}

int main(void)
{
	test_count_strings();
	test_scalars();
	test_keys();
	test_quantize();
	test_quantize_keys_sort();
	test_lquantize();
	test_real_trunc_lquantize();
	test_real_clear_one();
	test_clear_trunc_normalize();
	test_printa_format();
	test_print_all();
	test_many_keys();
	test_lquantize_check();
	free(buf);
	return unit_status();
}
