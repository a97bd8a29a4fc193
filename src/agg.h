/*
 * agg.h — aggregations: keyed accumulators (@name[keys] = fn(args)) and their print-outs in
 * DTrace's own layout (keys left, values right; quantize and lquantize as DTrace's ASCII
 * histograms; entries sorted by value, ascending, ties by key).
 *
 * Ownership: an aggregation copies the key strings it is given; values passed in are borrowed.
 */
#ifndef PYSCOPE_AGG_H
#define PYSCOPE_AGG_H
#include <stdbool.h>
#include <stdio.h>
#include "value.h"
#include "fmt.h"

enum agg_fn {
	AGG_COUNT, AGG_SUM, AGG_AVG, AGG_MIN, AGG_MAX, AGG_STDDEV, AGG_QUANTIZE, AGG_LQUANTIZE,
};

struct agg;

/* The aggregations of one program share one byte budget (D's aggsize): an update that needs a
 * new entry past LIMIT bytes makes none and counts a drop. An entry's bytes are what pyscope
 * holds for it: the entry, its keys and their strings, histogram buckets, its share of the
 * index. */
struct agg_budget {
	int64_t limit;           /* 0: no limit */
	int64_t used;
	uint64_t drops;
};

/* NAME without the '@' ("" for the anonymous @). PARAMS: lquantize's (low, high[, step]).
 * NULL when out of memory, or with errno EINVAL when lquantize's PARAMS break DTrace's rules
 * (agg_lquantize_check): a bucket is never guessed. */
struct agg *agg_new(const char *name, enum agg_fn fn, const int64_t *params, int nparams);
void agg_free(struct agg *a);
/* Compile-time checks of lquantize's (low, high[, step]) with DTrace's messages (no trailing
 * newline): the values alone, and against the aggregation's earlier declaration A (NULL: none).
 * Return 0, or -EINVAL with MSG filled, e.g. "lquantize( ) base (argument #1) must be less than
 * limit (argument #2)". */
int agg_lquantize_check(const struct agg *a, const int64_t *params, int nparams, char *msg,
			size_t msglen);
const char *agg_name(const struct agg *a);
enum agg_fn agg_kind(const struct agg *a);

/* Charge A's entries to B (shared by the aggregations of one program; NULL: none). Before the
 * first update. */
void agg_set_budget(struct agg *a, struct agg_budget *b);

/* One update: count() ignores VALUE; quantize/lquantize add INCR (1 unless a weight is given)
 * to VALUE's bucket; the others fold VALUE in. Returns 0, -ENOSPC when the budget had no room
 * for a new entry (a drop, counted there), -ENOMEM, or -EINVAL for a wrong key count. */
int agg_update(struct agg *a, const struct ps_value *keys, int nkeys, int64_t value, int64_t incr);

/* What many updates of one entry add up to, folded in at once (aggregation in the kernel,
 * kagg.c): COUNT updates; SUM of their values (128 bits: SUM_LO, SUM_HI), SQ of their squares
 * (128 bits, stddev), MIN and MAX of them; BUCKETS the histogram's counts (NBUCKETS of them:
 * quantize's 127, lquantize's levels + 2). The result is the one COUNT agg_update calls would
 * give (with an increment of 1); when the budget has no room for a new entry, COUNT drops. */
struct agg_part {
	int64_t count;
	uint64_t sum_lo;
	int64_t sum_hi;
	uint64_t sq_lo, sq_hi;
	int64_t min, max;
	const int64_t *buckets;
	int nbuckets;
};
int agg_merge(struct agg *a, const struct ps_value *keys, int nkeys, const struct agg_part *p);
/* quantize's and lquantize's buckets (0 for the other functions). */
int agg_nbuckets(const struct agg *a);

/* printa(@a): DTrace's default layout, preceded by a blank line (the end-of-run print-out is agg_print_all). */
void agg_print(FILE *out, const struct agg *a);
/* printa("format", @a): FMT's ordinary conversions take the keys in order, its %@ the value. */
void agg_printa(FILE *out, const struct fmt *f, const struct agg *a);

/* printa([fmt, ]@a, @b, ...): N aggregations with the same key signature, joined as dtrace's
 * dtrace_aggregate_walk_joined does: one row per key found in any of them (a missing value is
 * the function's zero), sorted by the first's value, then the next's..., then the keys. FMT's
 * %@ conversions take the aggregations in order (those past the last take the last again);
 * without FMT, "\n" then per row the keys and each value in DTrace's default layout. */
void agg_printa_joined(FILE *out, const struct fmt *f, const struct agg *const *aggs, int n);
/* printa(@a) and printa("fmt", @a) mark A printed; the END print-out skips printed aggregations.
 * agg_print_all is that print-out: each unprinted aggregation's entries in the order given (the
 * order the script declared them), with no blank line between them or before the first: dtrace(1)
 * prints one "\n" itself before calling it. Empty aggregations print nothing. */
void agg_print_all(FILE *out, struct agg *const *aggs, int n);
int agg_printed(const struct agg *a);

/* Integer keys print in the width of their D type, as DTrace does: BYTES 1 " %3d", 2 " %5d",
 * 4 " %8d" (int, pid_t), 8 " %16lld" (the default: int64_t, uint64_t, arg0). */
void agg_set_keysize(struct agg *a, int key, int bytes);
/* DTrace's aggsortkey (print by keys, not values), aggsortrev (reversed) and aggsortkeypos (keys
 * compared from that one on), aggsortpos (which aggregation of a printa of several sorts
 * first); trunc's order is by value whatever they say. */
void agg_set_sort(struct agg *a, bool bykey, bool rev, int keypos, int sortpos);
/* DTrace's rawbytes: the default layout dumps string keys as STRSIZE-byte records
 * (fmt_rawbytes). */
void agg_set_rawbytes(struct agg *a, size_t strsize);
int agg_nentries(const struct agg *a);

void agg_clear(struct agg *a);               /* clear(@a): values back to zero, keys kept */
void agg_trunc(struct agg *a, int64_t n);     /* trunc(@a[, n]): keep the n largest (n<0: smallest);
                                               * trunc(@a) is agg_trunc(a, 0): remove every entry */
void agg_normalize(struct agg *a, int64_t f); /* normalize(@a, f): print values divided by f;
                                               * f = 1 is denormalize(@a); f <= 0 is ignored */
int agg_empty(const struct agg *a);

/* ---- SystemTap's statistics (x <<< v): one accumulator per variable or array element ----
 * The runtime keeps each in its store; these functions fold values in and print them. */
enum agg_hist { AGG_HIST_NONE, AGG_HIST_LOG, AGG_HIST_LINEAR };
struct agg_histdef {
	enum agg_hist kind;
	int64_t lo, hi, step;    /* AGG_HIST_LINEAR */
};
#define AGG_HIST_LOG_BUCKETS 128     /* stap's: 64 negative powers of two, 0, 63 positive */
#define AGG_HIST_MAX_BUCKETS 128     /* stap's STP_MAX_BUCKETS for a linear histogram */
struct agg_stat {
	int64_t count, sum, min, max;
	int64_t avg_s, m2;       /* Welford's running mean and sum of squared deviations */
	int nbuckets;
	int64_t buckets[];
};
/* Bytes of a statistic with histogram H (0 when H's linear bounds give no or too many buckets:
 * (hi - lo) / step + 3 must be 3..AGG_HIST_MAX_BUCKETS). */
size_t agg_stat_size(const struct agg_histdef *h);
void agg_stat_init(struct agg_stat *s, const struct agg_histdef *h);
void agg_stat_add(struct agg_stat *s, const struct agg_histdef *h, int64_t v);
/* @avg (integer, C division) and @variance as stap computes them (0 below two values). */
int64_t agg_stat_avg(const struct agg_stat *s);
int64_t agg_stat_variance(const struct agg_stat *s);
/* print(@hist_log(x)) / print(@hist_linear(...)) in stap's layout (stat-common.c): a
 * "value |----...---- count" header, one row per bucket with '@' bars scaled to 50 columns,
 * runs of empty rows elided as "~", then a blank line. */
void agg_stat_print_hist(FILE *out, const struct agg_stat *s, const struct agg_histdef *h);
#endif
