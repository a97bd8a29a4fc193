/*
 * agg.h — aggregations: keyed accumulators (@name[keys] = fn(args)) and their print-outs in
 * DTrace's own layout (keys left, values right; quantize and lquantize as DTrace's ASCII
 * histograms; entries sorted by value, ascending, ties by key).
 *
 * Ownership: an aggregation copies the key strings it is given; values passed in are borrowed.
 */
#ifndef PYSCOPE_AGG_H
#define PYSCOPE_AGG_H
#include <stdio.h>
#include "value.h"
#include "fmt.h"

enum agg_fn {
	AGG_COUNT, AGG_SUM, AGG_AVG, AGG_MIN, AGG_MAX, AGG_STDDEV, AGG_QUANTIZE, AGG_LQUANTIZE,
};

struct agg;

/* NAME without the '@' ("" for the anonymous @). PARAMS: lquantize's (low, high, step). */
struct agg *agg_new(const char *name, enum agg_fn fn, const int64_t *params, int nparams);
void agg_free(struct agg *a);
const char *agg_name(const struct agg *a);
enum agg_fn agg_kind(const struct agg *a);

/* One update: count() ignores VALUE; quantize/lquantize add INCR (1 unless a weight is given)
 * to VALUE's bucket; the others fold VALUE in. */
int agg_update(struct agg *a, const struct ps_value *keys, int nkeys, int64_t value, int64_t incr);

/* printa(@a) and the END print-out: DTrace's default layout, preceded by a blank line. */
void agg_print(FILE *out, const struct agg *a);
/* printa("format", @a): FMT's ordinary conversions take the keys in order, its %@ the value. */
void agg_printa(FILE *out, const struct fmt *f, const struct agg *a);

void agg_clear(struct agg *a);               /* clear(@a): values back to zero, keys kept */
void agg_trunc(struct agg *a, int64_t n);     /* trunc(@a[, n]): keep the n largest (n<0: smallest) */
void agg_normalize(struct agg *a, int64_t f); /* normalize(@a, f): print values divided by f */
int agg_empty(const struct agg *a);
#endif
