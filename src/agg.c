/*
 * agg.c — aggregations: a hash of key tuples to accumulators, and the print-outs in DTrace's own
 * layout, so a script's output can be compared line for line with what dtrace(1) prints.
 *
 * The layout rules come from DTrace's consumer (libdtrace dt_consume.c, dt_aggregate.c):
 *   - printa(@a) prints "\n", then one line per entry: each key, then the value, then "\n".
 *     A string key prints as "  %-50s"; an integer key as " %16lld" (or " %8d" etc. for
 *     narrower types, see agg_set_keysize); count/sum/min/max/avg as " %16lld", stddev as
 *     " %16llu". quantize/lquantize print "\n", the histogram header and one row per bucket
 *     in place of the value.
 *   - Entries are sorted by value ascending, ties broken by the keys: integer keys compare as
 *     unsigned numbers of the key's size (so -1 sorts after 2, as in DTrace), strings bytewise. avg sorts by
 *     its integer average, stddev by its stddev, quantize by the sum of bucket value x count
 *     and then by the count in the zero bucket, lquantize likewise (underflow weighs low-1,
 *     overflow the first value past high + 1).
 *   - Histograms show the buckets from one before the first non-zero bucket to one after the
 *     last (clamped to the ends); all-zero histograms show the three buckets around zero. Bars are
 *     round(40 * |count| / total) '@'s; negative counts (from negative weights) get DTrace's
 *     left-growing or split bars.
 *   - avg is the integer average (C division); stddev is sqrt(avg(x^2) - avg(x)^2) in integers,
 *     with the sum of squares kept in 128 bits as DTrace does. sum() and the counts of
 *     quantize/lquantize wrap around at 64 bits, as DTrace's do.
 *   - normalize(@a, n) divides the printed values (and histogram counts) by n, not the sort.
 *   - At exit dtrace(1) prints "\n" once, then every aggregation no printa() has printed, back to
 *     back (agg_print_all), e.g. for @a = count() alone: "\n" "               10\n".
 *
 * Departures, all where DTrace's result is an accident rather than a design: an empty string key
 * prints as blanks (DTrace dumps its bytes in hex), negative sums and averages divide by the
 * normalization factor as signed numbers (DTrace divides them unsigned), and a min() or max()
 * updated after clear() starts afresh instead of comparing against the cleared 0; avg and stddev
 * keep their sum in 128 bits (DTrace's 64-bit sum wraps, so the average of two INT64_MAX values
 * would be -1 and their stddev not 0).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"

/* quantize: 63 negative power-of-two buckets, zero, 63 positive ones (DTrace's layout). */
#define Q_NBUCKETS 127
#define Q_ZERO 63
#define MAX_KEYS 16

typedef unsigned __int128 u128;
typedef __int128 i128;

/* A + B wrapping around as DTrace's 64-bit sums and counts do (signed overflow is undefined in C). */
static int64_t wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

struct entry {
	struct ps_value *keys;    /* owned copies of the key strings */
	uint64_t hash;
	int fresh;                /* no value folded in since creation or clear() */
	int64_t count, sum, min, max;
	i128 sum128;              /* avg, stddev: the sum, exact */
	u128 sumsq;               /* stddev: sum of squares */
	int64_t *buckets;         /* quantize/lquantize */
	int64_t cost;             /* bytes charged to the budget */
};

struct agg {
	char *name;
	enum agg_fn fn;
	int64_t lq_low, lq_step;
	int lq_levels;            /* lquantize buckets: [0] underflow, 1..levels, [levels+1] over */
	int nkeys;                /* -1 until the first update fixes it */
	int keysize[MAX_KEYS];
	int64_t normal;
	int printed;
	struct entry *ents;
	int nents, cap;
	int *slots;               /* open-addressing index into ents; -1 is empty */
	int nslots;
	struct agg_budget *budget;
	bool sortkey, sortrev;    /* aggsortkey, aggsortrev (agg_set_sort) */
	int sortkeypos;           /* aggsortkeypos */
	int sortpos;              /* aggsortpos: which of a printa's aggregations sorts first */
	size_t rawbytes;          /* rawbytes: string keys dumped as records of this size; 0 off */
};

static int nbuckets(const struct agg *a)
{
	if (a->fn == AGG_QUANTIZE)
		return Q_NBUCKETS;
	if (a->fn == AGG_LQUANTIZE)
		return a->lq_levels + 2;
	return 0;
}

struct agg *agg_new(const char *name, enum agg_fn fn, const int64_t *params, int nparams)
{
	struct agg *a = calloc(1, sizeof(*a));
	if (!a || !(a->name = strdup(name ? name : ""))) {
		free(a);
		return NULL;
	}
	a->fn = fn;
	a->nkeys = -1;
	a->normal = 1;
	for (int i = 0; i < MAX_KEYS; i++)
		a->keysize[i] = 8;
	if (fn == AGG_LQUANTIZE) {
		/* Bounds the front-end did not check could put values in the wrong bucket: refused. */
		char msg[160];
		if (agg_lquantize_check(NULL, params, nparams, msg, sizeof(msg)) < 0) {
			free(a->name);
			free(a);
			errno = EINVAL;
			return NULL;
		}
		a->lq_low = params[0];
		a->lq_step = nparams > 2 ? params[2] : 1;
		a->lq_levels = (int)((params[1] - params[0]) / a->lq_step);
	}
	return a;
}

int agg_lquantize_check(const struct agg *a, const int64_t *params, int nparams, char *msg,
			size_t msglen)
{
	int64_t base = nparams > 0 ? params[0] : 0, limit = nparams > 1 ? params[1] : 0;
	int64_t step = nparams > 2 ? params[2] : 1;
	const char *err = NULL;
	if (nparams < 2)
		err = "lquantize( ) requires a base (argument #1) and a limit (argument #2)";
	else if (base < INT32_MIN || base > INT32_MAX)
		err = "lquantize( ) argument #1 must be a 32-bit quantity";
	else if (limit < INT32_MIN || limit > INT32_MAX)
		err = "lquantize( ) argument #2 must be a 32-bit quantity";
	else if (limit < base)
		err = "lquantize( ) base (argument #1) must be less than limit (argument #2)";
	else if (step <= 0)
		err = "lquantize( ) argument #3 must be a non-zero positive integer constant";
	else if (step > UINT16_MAX)
		err = "lquantize( ) argument #3 must be a 16-bit quantity";
	else if ((limit - base) / step == 0)
		err = "lquantize( ) step (argument #3) too large: must have at least one "
		      "quantization level";
	else if ((limit - base) / step > UINT16_MAX)
		err = "lquantize( ) step (argument #3) too small: number of quantization levels "
		      "must be a 16-bit quantity";
	if (err) {
		snprintf(msg, msglen, "%s", err);
		return -EINVAL;
	}
	if (!a || a->fn != AGG_LQUANTIZE)
		return 0;
	int64_t levels = (limit - base) / step;
	if (a->lq_low != base) {
		snprintf(msg, msglen, "lquantize( ) base (argument #1) doesn't match previous "
			 "declaration: expected %lld, found %lld", (long long)a->lq_low, (long long)base);
		return -EINVAL;
	}
	if (a->lq_levels * a->lq_step != levels * step) {
		snprintf(msg, msglen, "lquantize( ) limit (argument #2) doesn't match previous "
			 "declaration: expected %lld, found %lld",
			 (long long)(a->lq_low + a->lq_levels * a->lq_step),
			 (long long)(base + levels * step));
		return -EINVAL;
	}
	if (a->lq_step != step) {
		snprintf(msg, msglen, "lquantize( ) step (argument #3) doesn't match previous "
			 "declaration: expected %lld, found %lld", (long long)a->lq_step,
			 (long long)step);
		return -EINVAL;
	}
	return 0;
}

void agg_set_budget(struct agg *a, struct agg_budget *b)
{
	a->budget = b;
}

/* The bytes an entry with KEYS takes: itself, its key array and strings, buckets, and its share
 * of the index (kept at most half full: two slots per entry). */
static int64_t entry_cost(const struct agg *a, const struct ps_value *keys, int nkeys)
{
	int64_t n = (int64_t)sizeof(struct entry) + 2 * (int64_t)sizeof(int) +
		    (nkeys ? nkeys : 1) * (int64_t)sizeof(struct ps_value) +
		    nbuckets(a) * (int64_t)sizeof(int64_t);
	for (int k = 0; k < nkeys; k++)
		if (keys[k].type == PS_V_STR)
			n += (int64_t)strlen(keys[k].s ? keys[k].s : "") + 1;
	return n;
}

static void free_entry(struct agg *a, struct entry *e, int nkeys)
{
	if (a->budget)
		a->budget->used -= e->cost;
	e->cost = 0;
	for (int k = 0; k < nkeys; k++)
		if (e->keys[k].type == PS_V_STR)
			free((char *)e->keys[k].s);
	free(e->keys);
	free(e->buckets);
}

void agg_free(struct agg *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->nents; i++)
		free_entry(a, &a->ents[i], a->nkeys);
	free(a->ents);
	free(a->slots);
	free(a->name);
	free(a);
}

const char *agg_name(const struct agg *a) { return a->name; }
enum agg_fn agg_kind(const struct agg *a) { return a->fn; }
int agg_nentries(const struct agg *a) { return a->nents; }
int agg_empty(const struct agg *a) { return a->nents == 0; }
int agg_printed(const struct agg *a) { return a->printed; }

void agg_set_keysize(struct agg *a, int key, int bytes)
{
	if (key >= 0 && key < MAX_KEYS && (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8))
		a->keysize[key] = bytes;
}

/* ---- keys and the index ---- */

static uint64_t hash_keys(const struct ps_value *keys, int nkeys)
{
	uint64_t h = 1469598103934665603ULL;      /* FNV-1a */
	for (int k = 0; k < nkeys; k++) {
		if (keys[k].type == PS_V_STR) {
			for (const unsigned char *p = (const unsigned char *)keys[k].s; *p; p++)
				h = (h ^ *p) * 1099511628211ULL;
			h = (h ^ 0xff) * 1099511628211ULL;
		} else {
			uint64_t v = (uint64_t)keys[k].i;
			for (int b = 0; b < 8; b++, v >>= 8)
				h = (h ^ (v & 0xff)) * 1099511628211ULL;
		}
	}
	return h;
}

static int keys_equal(const struct ps_value *x, const struct ps_value *y, int nkeys)
{
	for (int k = 0; k < nkeys; k++) {
		if (x[k].type != y[k].type)
			return 0;
		if (x[k].type == PS_V_STR ? strcmp(x[k].s, y[k].s) != 0 : x[k].i != y[k].i)
			return 0;
	}
	return 1;
}

static int rebuild_index(struct agg *a, int nslots)
{
	int *slots = malloc(nslots * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (int i = 0; i < nslots; i++)
		slots[i] = -1;
	for (int i = 0; i < a->nents; i++) {
		int s = (int)(a->ents[i].hash & (nslots - 1));
		while (slots[s] >= 0)
			s = (s + 1) & (nslots - 1);
		slots[s] = i;
	}
	free(a->slots);
	a->slots = slots;
	a->nslots = nslots;
	return 0;
}

static struct entry *find_or_add(struct agg *a, const struct ps_value *keys, int nkeys)
{
	uint64_t h = hash_keys(keys, nkeys);
	if (a->nslots) {
		for (int s = (int)(h & (a->nslots - 1)); a->slots[s] >= 0; s = (s + 1) & (a->nslots - 1)) {
			struct entry *e = &a->ents[a->slots[s]];
			if (e->hash == h && keys_equal(e->keys, keys, nkeys))
				return e;
		}
	}
	int64_t cost = entry_cost(a, keys, nkeys);
	if (a->budget && a->budget->limit && a->budget->used + cost > a->budget->limit) {
		a->budget->drops++;
		errno = ENOSPC;
		return NULL;
	}
	/* Keep the index at most half full. */
	if ((a->nents + 1) * 2 > a->nslots && rebuild_index(a, a->nslots ? a->nslots * 2 : 16) < 0)
		return NULL;
	if (a->nents == a->cap) {
		int ncap = a->cap ? a->cap * 2 : 16;
		struct entry *n = realloc(a->ents, ncap * sizeof(*n));
		if (!n)
			return NULL;
		a->ents = n;
		a->cap = ncap;
	}
	struct entry *e = &a->ents[a->nents];
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->fresh = 1;
	e->keys = calloc(nkeys ? nkeys : 1, sizeof(*e->keys));
	if (!e->keys)
		return NULL;
	for (int k = 0; k < nkeys; k++) {
		e->keys[k] = keys[k];
		if (keys[k].type == PS_V_STR && !(e->keys[k].s = strdup(keys[k].s ? keys[k].s : ""))) {
			free_entry(a, e, k);
			return NULL;
		}
	}
	int nb = nbuckets(a);
	if (nb && !(e->buckets = calloc(nb, sizeof(*e->buckets)))) {
		free_entry(a, e, nkeys);
		return NULL;
	}
	e->cost = cost;
	if (a->budget)
		a->budget->used += cost;
	int s = (int)(h & (a->nslots - 1));
	while (a->slots[s] >= 0)
		s = (s + 1) & (a->nslots - 1);
	a->slots[s] = a->nents++;
	return e;
}

/* ---- updates ---- */

/* The quantize bucket of V: bucket 63 holds 0; 64 + k holds [2^k, 2^(k+1)); 62 - k holds
 * (-2^(k+1), -2^k]. */
static int q_bucket(int64_t v)
{
	if (v == 0)
		return Q_ZERO;
	if (v > 0)
		return Q_ZERO + 64 - __builtin_clzll((uint64_t)v);
	uint64_t m = v == INT64_MIN ? (uint64_t)1 << 63 : (uint64_t)-v;
	int k = 63 - __builtin_clzll(m);       /* 2^k <= m < 2^(k+1) */
	return k >= 63 ? 0 : Q_ZERO - 1 - k;
}

/* The value a quantize bucket stands for, as DTrace labels it. */
static int64_t q_bucketval(int i)
{
	if (i < Q_ZERO)
		return -(int64_t)((uint64_t)1 << (Q_ZERO - 1 - i));
	if (i == Q_ZERO)
		return 0;
	return (int64_t)((uint64_t)1 << (i - Q_ZERO - 1));
}

static int lq_bucket(const struct agg *a, int64_t v)
{
	if (v < a->lq_low)
		return 0;
	/* Unsigned arithmetic: v - low cannot overflow that way. */
	uint64_t level = ((uint64_t)v - (uint64_t)a->lq_low) / (uint64_t)a->lq_step;
	return level < (uint64_t)a->lq_levels ? (int)level + 1 : a->lq_levels + 1;
}

/* find_or_add of the keys a caller gives: a missing key value (PS_V_NONE) is the integer 0, in
 * lookups as in storage. */
static struct entry *find_or_add_keys(struct agg *a, const struct ps_value *keys, int nkeys)
{
	struct ps_value k[MAX_KEYS];
	for (int i = 0; i < nkeys; i++)
		k[i] = keys[i].type == PS_V_NONE ? ps_int(0) : keys[i];
	return find_or_add(a, k, nkeys);
}

int agg_update(struct agg *a, const struct ps_value *keys, int nkeys, int64_t value, int64_t incr)
{
	if (nkeys < 0 || nkeys > MAX_KEYS || (a->nkeys >= 0 && nkeys != a->nkeys))
		return -EINVAL;
	a->nkeys = nkeys;
	errno = 0;
	struct entry *e = find_or_add_keys(a, keys, nkeys);
	if (!e)
		return errno == ENOSPC ? -ENOSPC : -ENOMEM;
	switch (a->fn) {
	case AGG_COUNT:
		e->count++;
		break;
	case AGG_SUM:
		e->sum = wrap_add(e->sum, value);
		break;
	case AGG_AVG:
		e->count++;
		e->sum128 += value;
		break;
	case AGG_MIN:
		if (e->fresh || value < e->min)
			e->min = value;
		break;
	case AGG_MAX:
		if (e->fresh || value > e->max)
			e->max = value;
		break;
	case AGG_STDDEV: {
		uint64_t m = value < 0 ? -(uint64_t)value : (uint64_t)value;
		e->count++;
		e->sum128 += value;
		e->sumsq += (u128)m * m;
		break;
	}
	case AGG_QUANTIZE:
		e->buckets[q_bucket(value)] = wrap_add(e->buckets[q_bucket(value)], incr);
		break;
	case AGG_LQUANTIZE:
		e->buckets[lq_bucket(a, value)] = wrap_add(e->buckets[lq_bucket(a, value)], incr);
		break;
	}
	e->fresh = 0;
	return 0;
}

int agg_nbuckets(const struct agg *a)
{
	return nbuckets(a);
}

int agg_merge(struct agg *a, const struct ps_value *keys, int nkeys, const struct agg_part *p)
{
	if (nkeys < 0 || nkeys > MAX_KEYS || (a->nkeys >= 0 && nkeys != a->nkeys) ||
	    (p->buckets && p->nbuckets != nbuckets(a)))
		return -EINVAL;
	if (p->count == 0)
		return 0;
	a->nkeys = nkeys;
	errno = 0;
	struct entry *e = find_or_add_keys(a, keys, nkeys);
	if (!e) {
		if (errno != ENOSPC)
			return -ENOMEM;
		a->budget->drops += (uint64_t)p->count - 1;   /* one per update, as agg_update */
		return -ENOSPC;
	}
	i128 sum = (i128)(((u128)(uint64_t)p->sum_hi << 64) | p->sum_lo);
	switch (a->fn) {
	case AGG_COUNT:
		e->count = wrap_add(e->count, p->count);
		break;
	case AGG_SUM:
		e->sum = wrap_add(e->sum, (int64_t)p->sum_lo);
		break;
	case AGG_AVG:
		e->count += p->count;
		e->sum128 += sum;
		break;
	case AGG_MIN:
		if (e->fresh || p->min < e->min)
			e->min = p->min;
		break;
	case AGG_MAX:
		if (e->fresh || p->max > e->max)
			e->max = p->max;
		break;
	case AGG_STDDEV:
		e->count += p->count;
		e->sum128 += sum;
		e->sumsq += ((u128)p->sq_hi << 64) | p->sq_lo;
		break;
	case AGG_QUANTIZE:
	case AGG_LQUANTIZE:
		for (int i = 0; p->buckets && i < p->nbuckets; i++)
			e->buckets[i] = wrap_add(e->buckets[i], p->buckets[i]);
		break;
	}
	e->fresh = 0;
	return 0;
}

/* ---- values ---- */

static u128 isqrt128(u128 x)
{
	u128 r = 0, bit = (u128)1 << 126;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static uint64_t stddev(const struct entry *e, int64_t normal)
{
	if (e->count == 0)
		return 0;
	u128 avg_sq = e->sumsq / (uint64_t)normal / (uint64_t)e->count;
	int64_t avg = (int64_t)(e->sum128 / normal / e->count);
	uint64_t m = avg < 0 ? -(uint64_t)avg : (uint64_t)avg;
	u128 sq_avg = (u128)m * m;
	if (avg_sq < sq_avg)
		return 0;
	return (uint64_t)isqrt128(avg_sq - sq_avg);
}

/* The scalar an entry prints (count/sum/min/max/avg/stddev), normalized. */
static int64_t scalar(const struct agg *a, const struct entry *e, int64_t normal)
{
	switch (a->fn) {
	case AGG_COUNT: return e->count / normal;
	case AGG_SUM: return e->sum / normal;
	case AGG_MIN: return e->min / normal;
	case AGG_MAX: return e->max / normal;
	case AGG_AVG: return e->count ? (int64_t)(e->sum128 / normal / e->count) : 0;
	case AGG_STDDEV: return (int64_t)stddev(e, normal);
	default: return 0;
	}
}

/* ---- sorting ---- */

static long double hist_weight(const struct agg *a, const struct entry *e, int64_t *zero)
{
	long double total = 0;
	*zero = 0;
	if (a->fn == AGG_QUANTIZE) {
		for (int i = 0; i < Q_NBUCKETS; i++)
			total += (long double)q_bucketval(i) * e->buckets[i];
		*zero = e->buckets[Q_ZERO];
		return total;
	}
	int64_t base = a->lq_low;
	total = (long double)e->buckets[0] * (long double)(base - 1);
	if (base - 1 == 0)
		*zero = e->buckets[0];
	for (int i = 0; i < a->lq_levels; i++, base += a->lq_step) {
		total += (long double)e->buckets[i + 1] * (long double)base;
		if (base == 0)
			*zero = e->buckets[i + 1];
	}
	if (base + 1 == 0)
		*zero = e->buckets[a->lq_levels + 1];
	return total + (long double)e->buckets[a->lq_levels + 1] * (long double)(base + 1);
}

static int cmp_val(const struct agg *a, const struct entry *x, const struct entry *y)
{
	if (a->fn == AGG_QUANTIZE || a->fn == AGG_LQUANTIZE) {
		int64_t zx, zy;
		long double wx = hist_weight(a, x, &zx), wy = hist_weight(a, y, &zy);
		if (wx != wy)
			return wx < wy ? -1 : 1;
		return zx < zy ? -1 : zx > zy;
	}
	if (a->fn == AGG_STDDEV) {
		uint64_t sx = stddev(x, 1), sy = stddev(y, 1);
		return sx < sy ? -1 : sx > sy;
	}
	int64_t vx = scalar(a, x, 1), vy = scalar(a, y, 1);
	return vx < vy ? -1 : vx > vy;
}

/* FIRST: the key compared first, then the ones after it and those before it (aggsortkeypos, as
 * dt_aggregate_keycmp). */
static int cmp_keys(const struct agg *a, const struct entry *x, const struct entry *y, int first)
{
	if (first >= a->nkeys)
		first = 0;
	for (int kk = 0; kk < a->nkeys; kk++) {
		int k = (first + kk) % a->nkeys;
		const struct ps_value *kx = &x->keys[k], *ky = &y->keys[k];
		if (kx->type != ky->type)
			return kx->type == PS_V_INT ? -1 : 1;
		if (kx->type == PS_V_STR) {
			int c = strcmp(kx->s, ky->s);
			if (c)
				return c < 0 ? -1 : 1;
			continue;
		}
		/* DTrace compares integer keys as unsigned values of the key's size. */
		int bits = a->keysize[k < MAX_KEYS ? k : 0] * 8;
		uint64_t mask = bits == 64 ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
		uint64_t ux = (uint64_t)kx->i & mask, uy = (uint64_t)ky->i & mask;
		if (ux != uy)
			return ux < uy ? -1 : 1;
	}
	return 0;
}

/* How sorted() orders: the aggregation and whether its aggsort options apply. */
struct sortctx {
	const struct agg *a;
	bool opts;
};

static int cmp_entries(const void *l, const void *r, void *ctx)
{
	const struct entry *x = *(const struct entry *const *)l, *y = *(const struct entry *const *)r;
	const struct sortctx *sc = ctx;
	const struct agg *a = sc->a;
	/* as dt_aggregate_qsort: by value then keys (varvalcmp), or by keys alone (varkeycmp,
	 * keys are unique) with aggsortkey; aggsortrev reverses every comparison */
	bool bykey = sc->opts && a->sortkey;
	int first = sc->opts ? a->sortkeypos : 0;
	int c = bykey ? cmp_keys(a, x, y, first) : cmp_val(a, x, y);
	if (!c && !bykey)
		c = cmp_keys(a, x, y, first);
	return sc->opts && a->sortrev ? -c : c;
}

void agg_set_rawbytes(struct agg *a, size_t strsize)
{
	a->rawbytes = strsize;
}

void agg_set_sort(struct agg *a, bool bykey, bool rev, int keypos, int sortpos)
{
	a->sortkey = bykey;
	a->sortrev = rev;
	a->sortkeypos = keypos > 0 ? keypos : 0;
	a->sortpos = sortpos > 0 ? sortpos : 0;
}

/* The entries in print order (OPTS: the aggsort options apply); the caller frees the array. */
static const struct entry **sorted(const struct agg *a, bool opts)
{
	const struct entry **v = malloc((a->nents ? a->nents : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (int i = 0; i < a->nents; i++)
		v[i] = &a->ents[i];
	struct sortctx sc = { a, opts };
	qsort_r(v, a->nents, sizeof(*v), cmp_entries, &sc);
	return v;
}

/* ---- histograms ---- */

static const char ats[] = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
static const char spaces[] = "                                        ";

/* One histogram row after its label: the bar and the count. */
static int quantline(FILE *out, int64_t val, int64_t normal, long double total, int pos, int neg)
{
	int len = 40;
	unsigned depth = 0;
	long double absval = val < 0 ? -(long double)val : (long double)val;
	if (!neg) {
		if (pos)
			depth = (unsigned)(absval * len / total + 0.5);
		return fprintf(out, "|%s%s %-9lld\n", ats + len - depth, spaces + depth,
			       (long long)(val / normal));
	}
	if (!pos) {
		depth = (unsigned)(absval * len / total + 0.5);
		return fprintf(out, "%s%s| %-9lld\n", spaces + depth, ats + len - depth,
			       (long long)(val / normal));
	}
	/* Both signs: half-length bars either side of a centre line. */
	len /= 2;
	const char *hats = ats + len, *hsp = spaces + len;
	depth = (unsigned)(absval * len / total + 0.5);
	if (val <= 0)
		return fprintf(out, "%s%s|%*s %-9lld\n", hsp + depth, hats + len - depth, len, "",
			       (long long)(val / normal));
	return fprintf(out, "%20s|%s%s %-9lld\n", "", hats + len - depth, hsp + depth,
		       (long long)(val / normal));
}

/* Returns the bytes written, or -1 on an output error. */
static int print_hist(FILE *out, const struct agg *a, const struct entry *e, int64_t normal)
{
	int nb = nbuckets(a), first = 0, last = nb - 1, pos = 0, neg = 0, n, total_bytes;
	long double total = 0;
	const int64_t *d = e->buckets;
	while (first <= last && d[first] == 0)
		first++;
	if (first > last) {
		/* Nothing (or only cancelled-out weights): show the buckets around zero. */
		first = a->fn == AGG_QUANTIZE ? Q_ZERO - 1 : 0;
		last = a->fn == AGG_QUANTIZE ? Q_ZERO + 1 : 2;
		if (last > nb - 1)
			last = nb - 1;
	} else {
		if (first > 0)
			first--;
		while (last > 0 && d[last] == 0)
			last--;
		if (last < nb - 1)
			last++;
	}
	for (int i = first; i <= last; i++) {
		pos |= d[i] > 0;
		neg |= d[i] < 0;
		total += d[i] < 0 ? -(long double)d[i] : (long double)d[i];
	}
	total_bytes = fprintf(out, "\n%16s %41s %-9s\n", "value",
			      "------------- Distribution -------------", "count");
	if (total_bytes < 0)
		return -1;
	for (int i = first; i <= last; i++) {
		char c[32];
		if (a->fn == AGG_QUANTIZE)
			snprintf(c, sizeof(c), "%lld", (long long)q_bucketval(i));
		else if (i == 0)
			snprintf(c, sizeof(c), "< %lld", (long long)a->lq_low);
		else if (i == a->lq_levels + 1)
			snprintf(c, sizeof(c), ">= %lld",
				 (long long)(a->lq_low + (int64_t)a->lq_levels * a->lq_step));
		else
			snprintf(c, sizeof(c), "%lld",
				 (long long)(a->lq_low + (int64_t)(i - 1) * a->lq_step));
		if ((n = fprintf(out, "%16s ", c)) < 0)
			return -1;
		total_bytes += n;
		if ((n = quantline(out, d[i], normal, total, pos, neg)) < 0)
			return -1;
		total_bytes += n;
	}
	return total_bytes;
}

/* ---- print-outs ---- */

static const char *const int_key_fmt[9] = {
	[1] = " %3lld", [2] = " %5lld", [4] = " %8lld", [8] = " %16lld",
};

static void print_key(FILE *out, const struct agg *a, int k, const struct ps_value *v)
{
	if (v->type == PS_V_STR && v->s[0] == '\n') {
		fputs(v->s, out);     /* a stack (ustack()): its frames' lines, as dtrace prints them */
		return;
	}
	if (v->type == PS_V_STR) {
		if (a->rawbytes)
			fmt_rawbytes(out, v->s, a->rawbytes);
		else
			fprintf(out, "  %-50s", v->s);
		return;
	}
	int size = a->keysize[k];
	int64_t i = v->i;
	/* A narrower key prints as its type would: chars and shorts unsigned, ints signed. */
	if (size == 1) i = (uint8_t)i;
	else if (size == 2) i = (uint16_t)i;
	else if (size == 4) i = (int32_t)i;
	fprintf(out, int_key_fmt[size], (long long)i);
}

static void print_value(FILE *out, const struct agg *a, const struct entry *e)
{
	switch (a->fn) {
	case AGG_QUANTIZE:
	case AGG_LQUANTIZE:
		print_hist(out, a, e, a->normal);
		break;
	case AGG_STDDEV:
		fprintf(out, " %16llu", (unsigned long long)stddev(e, a->normal));
		break;
	default:
		fprintf(out, " %16lld", (long long)scalar(a, e, a->normal));
		break;
	}
}

static void print_entries(FILE *out, const struct agg *a)
{
	const struct entry **v = sorted(a, true);
	if (!v)
		return;
	for (int i = 0; i < a->nents; i++) {
		for (int k = 0; k < a->nkeys; k++)
			print_key(out, a, k, &v[i]->keys[k]);
		print_value(out, a, v[i]);
		fputc('\n', out);
	}
	free(v);
}

/* printa marks an aggregation printed so END skips it. The aggregation was made non-const by
 * agg_new, so writing this bookkeeping flag through the const pointer is well-defined. */
static void mark_printed(const struct agg *a)
{
	((struct agg *)a)->printed = 1;
}

void agg_print(FILE *out, const struct agg *a)
{
	fputc('\n', out);
	print_entries(out, a);
	mark_printed(a);
}

void agg_print_all(FILE *out, struct agg *const *aggs, int n)
{
	for (int i = 0; i < n; i++)
		if (aggs[i] && !aggs[i]->printed)
			print_entries(out, aggs[i]);
}

struct printa_ctx {
	const struct agg *a;
	const struct entry *e;
};

static int printa_value(FILE *out, const struct fmt_conv *c, void *arg)
{
	const struct printa_ctx *p = arg;
	if (p->a->fn == AGG_QUANTIZE || p->a->fn == AGG_LQUANTIZE)
		return print_hist(out, p->a, p->e, p->a->normal);
	int64_t v = p->a->fn == AGG_STDDEV ? (int64_t)stddev(p->e, p->a->normal)
					   : scalar(p->a, p->e, p->a->normal);
	return fmt_print_value(out, c, ps_int(v));
}

void agg_printa(FILE *out, const struct fmt *f, const struct agg *a)
{
	const struct entry **v = sorted(a, true);
	if (!v)
		return;
	for (int i = 0; i < a->nents; i++) {
		struct printa_ctx ctx = { a, v[i] };
		fmt_print_agg(out, f, v[i]->keys, a->nkeys > 0 ? a->nkeys : 0, printa_value, &ctx);
	}
	free(v);
	mark_printed(a);
}

/* ---- printa with several aggregations ---- */

struct joined {
	const struct agg *const *aggs;
	int n;
	const struct entry **zero;   /* per aggregation: its zero value */
};

struct bundle {
	const struct entry **e;      /* per aggregation: the entry, or its zero */
	const struct ps_value *keys; /* the representative key */
};

/* As dt_aggregate_bundlecmp under dt_aggregate_qsort: by the values, the aggregation at
 * aggsortpos first (silently the first when past the last), then those after it and those
 * before it, the keys breaking ties; with aggsortkey by the keys (aggsortkeypos first) alone;
 * aggsortrev reverses every comparison. The options are the first aggregation's (all carry
 * the program's). */
static int cmp_bundles(const void *l, const void *r, void *arg)
{
	const struct joined *j = arg;
	const struct bundle *x = l, *y = r;
	const struct agg *a0 = j->aggs[0];
	struct entry ex = { .keys = (struct ps_value *)x->keys };
	struct entry ey = { .keys = (struct ps_value *)y->keys };
	int pos = a0->sortpos < j->n ? a0->sortpos : 0, c = 0;
	if (a0->sortkey)
		c = cmp_keys(a0, &ex, &ey, a0->sortkeypos);
	for (int i = 0; !c && i < j->n; i++) {
		int k = (pos + i) % j->n;
		c = cmp_val(j->aggs[k], x->e[k], y->e[k]);
	}
	if (!c && !a0->sortkey)
		c = cmp_keys(a0, &ex, &ey, a0->sortkeypos);
	return a0->sortrev ? -c : c;
}

static int cmp_members(const void *l, const void *r, void *agg)
{
	const struct entry *x = *(const struct entry *const *)l, *y = *(const struct entry *const *)r;
	return cmp_keys(agg, x, y, 0);
}

struct joined_ctx {
	const struct bundle *b;
	const struct agg *const *aggs;
	int n, cur;
};

static int joined_value(FILE *out, const struct fmt_conv *c, void *arg)
{
	struct joined_ctx *p = arg;
	struct printa_ctx one = { p->aggs[p->cur], p->b->e[p->cur] };
	if (p->cur < p->n - 1)
		p->cur++;
	return printa_value(out, c, &one);
}

void agg_printa_joined(FILE *out, const struct fmt *f, const struct agg *const *aggs, int n)
{
	int total = 0, nkeys = 0, nb = 0;
	for (int i = 0; i < n; i++) {
		total += aggs[i]->nents;
		nkeys = aggs[i]->nkeys > nkeys ? aggs[i]->nkeys : nkeys;
		mark_printed(aggs[i]);
	}
	if (!f)
		fputc('\n', out);
	if (!total)
		return;
	struct entry *zeros = calloc((size_t)n, sizeof(*zeros));
	const struct entry **zero = calloc((size_t)n, sizeof(*zero));
	struct bundle *b = calloc((size_t)total, sizeof(*b));
	const struct entry **slots = calloc((size_t)total * (size_t)n, sizeof(*slots));
	int64_t *buckets = calloc((size_t)n * (Q_NBUCKETS + 65538), sizeof(int64_t));
	if (!zeros || !zero || !b || !slots || !buckets)
		goto out;
	for (int i = 0; i < n; i++) {
		zeros[i].buckets = buckets + (size_t)i * (Q_NBUCKETS + 65538);
		zero[i] = &zeros[i];
	}
	/* the union of the keys, each row holding every aggregation's entry (or its zero): every
	 * entry sorted by its keys, equal keys next to each other */
	struct member { const struct entry *e; int agg; } *all = calloc((size_t)total, sizeof(*all));
	if (!all)
		goto out;
	int m = 0;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < aggs[i]->nents; k++)
			all[m++] = (struct member){ &aggs[i]->ents[k], i };
	qsort_r(all, (size_t)m, sizeof(*all), cmp_members, (void *)aggs[0]);
	for (int k = 0; k < m; k++) {
		if (!nb || !keys_equal(b[nb - 1].keys, all[k].e->keys, nkeys)) {
			b[nb].e = slots + (size_t)nb * (size_t)n;
			b[nb].keys = all[k].e->keys;
			for (int j = 0; j < n; j++)
				b[nb].e[j] = zero[j];
			nb++;
		}
		b[nb - 1].e[all[k].agg] = all[k].e;
	}
	free(all);
	struct joined j = { aggs, n, zero };
	qsort_r(b, (size_t)nb, sizeof(*b), cmp_bundles, &j);
	for (int r = 0; r < nb; r++) {
		if (f) {
			struct joined_ctx c = { &b[r], aggs, n, 0 };
			fmt_print_agg(out, f, b[r].keys, nkeys, joined_value, &c);
			continue;
		}
		for (int k = 0; k < nkeys; k++)
			print_key(out, aggs[0], k, &b[r].keys[k]);
		for (int i = 0; i < n; i++)
			print_value(out, aggs[i], b[r].e[i]);
		fputc('\n', out);
	}
out:
	free(zeros);
	free(zero);
	free(b);
	free(slots);
	free(buckets);
}

/* ---- clear, trunc, normalize ---- */

void agg_clear(struct agg *a)
{
	int nb = nbuckets(a);
	for (int i = 0; i < a->nents; i++) {
		struct entry *e = &a->ents[i];
		e->count = e->sum = e->min = e->max = 0;
		e->sum128 = 0;
		e->sumsq = 0;
		e->fresh = 1;
		if (nb)
			memset(e->buckets, 0, nb * sizeof(*e->buckets));
	}
}

void agg_trunc(struct agg *a, int64_t n)
{
	uint64_t keep = n < 0 ? -(uint64_t)n : (uint64_t)n;
	if (keep >= (uint64_t)a->nents)
		return;
	const struct entry **v = sorted(a, false);   /* by value whatever aggsort* say */
	if (!v)
		return;
	/* trunc keeps the top N by value (bottom N for negative N): DTrace walks in reverse
	 * value-then-key order for the top, forward order for the bottom. */
	char *keepme = calloc(a->nents ? a->nents : 1, 1);
	if (!keepme) {
		free(v);
		return;
	}
	for (uint64_t j = 0; j < keep; j++) {
		const struct entry *e = n > 0 ? v[a->nents - 1 - j] : v[j];
		keepme[e - a->ents] = 1;
	}
	free(v);
	int w = 0;
	for (int i = 0; i < a->nents; i++) {
		if (keepme[i])
			a->ents[w++] = a->ents[i];
		else
			free_entry(a, &a->ents[i], a->nkeys);
	}
	free(keepme);
	a->nents = w;
	rebuild_index(a, a->nslots ? a->nslots : 16);
}

void agg_normalize(struct agg *a, int64_t f)
{
	if (f > 0)
		a->normal = f;
}

/* ---- SystemTap statistics ----
 * Bucket numbering and the print-out follow stap's runtime (stat-common.c): a log histogram has
 * AGG_HIST_LOG_BUCKETS buckets, bucket 64 holding 0, bucket 64 + k + 1 holding [2^k, 2^(k+1)),
 * the mirror image below 64 for negative values; a linear one has an underflow bucket, one per
 * step from lo, and an overflow bucket. The print-out shows the buckets from two before the
 * first non-empty one to two after the last, a log histogram never going below 0 unless it holds
 * negative values, a linear one without its under/overflow rows when they are empty; bars are
 * count / scale '@'s where scale = ceil(max / 50) (1 up to 50); rows that are empty and have
 * only empty rows within two of them are elided, one "~" row marking each elided run. */
#define HIST_BUCKET0 64
#define HIST_WIDTH 50
#define HIST_ELISION 2

static int hist_nbuckets(const struct agg_histdef *h)
{
	if (h->kind == AGG_HIST_LOG)
		return AGG_HIST_LOG_BUCKETS;
	if (h->kind != AGG_HIST_LINEAR)
		return 0;
	if (h->step <= 0 || h->hi < h->lo || (h->hi - h->lo) / h->step > AGG_HIST_MAX_BUCKETS - 3)
		return -1;
	return (int)((h->hi - h->lo) / h->step) + 3;
}

size_t agg_stat_size(const struct agg_histdef *h)
{
	int n = hist_nbuckets(h);
	return n < 0 ? 0 : sizeof(struct agg_stat) + sizeof(int64_t) * (size_t)n;
}

void agg_stat_init(struct agg_stat *s, const struct agg_histdef *h)
{
	int n = hist_nbuckets(h);
	memset(s, 0, sizeof(*s) + sizeof(int64_t) * (size_t)(n > 0 ? n : 0));
	s->nbuckets = n > 0 ? n : 0;
}

static int log_bucket(int64_t v)
{
	if (v == 0)
		return HIST_BUCKET0;
	uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int bits = 64 - __builtin_clzll(m);      /* 1 for 1, 2 for 2..3, ... 64 for INT64_MIN */
	int b = HIST_BUCKET0 + bits;
	if (v < 0)
		b = AGG_HIST_LOG_BUCKETS - b;
	return b >= AGG_HIST_LOG_BUCKETS ? AGG_HIST_LOG_BUCKETS - 1 : b < 0 ? 0 : b;
}

static int64_t log_value(int b)
{
	if (b == HIST_BUCKET0)
		return 0;
	if (b < HIST_BUCKET0)     /* INT64_MIN >> b, as an arithmetic shift */
		return b == 0 ? INT64_MIN : -(int64_t)(1ull << (63 - b));
	return (int64_t)(1ull << (b - HIST_BUCKET0 - 1));
}

void agg_stat_add(struct agg_stat *s, const struct agg_histdef *h, int64_t v)
{
	if (s->count == 0) {
		s->count = 1;
		s->sum = s->min = s->max = v;
		s->avg_s = v;
		s->m2 = 0;
	} else {
		s->count++;
		s->sum = wrap_add(s->sum, v);
		if (v > s->max)
			s->max = v;
		if (v < s->min)
			s->min = v;
		/* stap's runtime does this in the kernel's int64_t, which wraps (-fno-strict-overflow):
		 * so does this, through unsigned arithmetic */
		int64_t delta = (int64_t)((uint64_t)v - (uint64_t)s->avg_s);
		s->avg_s = (int64_t)((uint64_t)s->avg_s + (uint64_t)(delta / s->count));
		s->m2 = (int64_t)((uint64_t)s->m2 +
				  (uint64_t)delta * ((uint64_t)v - (uint64_t)s->avg_s));
	}
	if (!s->nbuckets)
		return;
	int b;
	if (h->kind == AGG_HIST_LOG) {
		b = log_bucket(v);
	} else {
		if (v < h->lo)
			b = 0;
		else if ((uint64_t)(v - h->lo) / (uint64_t)h->step >= (uint64_t)s->nbuckets - 2)
			b = s->nbuckets - 1;
		else
			b = (int)((uint64_t)(v - h->lo) / (uint64_t)h->step) + 1;
	}
	s->buckets[b]++;
}

int64_t agg_stat_avg(const struct agg_stat *s)
{
	return s->count ? s->sum / s->count : 0;
}

int64_t agg_stat_variance(const struct agg_stat *s)
{
	return s->count > 1 ? s->m2 / (s->count - 1) : 0;
}

static int digits(int64_t v)
{
	char b[32];
	return snprintf(b, sizeof(b), "%lld", (long long)v);
}

void agg_stat_print_hist(FILE *out, const struct agg_stat *s, const struct agg_histdef *h)
{
	int n = s->nbuckets, low = -1, high = 0;
	bool under = false, over = false;
	int64_t vmax = 0;
	if (!n)
		return;
	for (int i = 0; i < n; i++) {
		if (s->buckets[i] > 0 && low < 0)
			low = i;
		if (s->buckets[i] > 0)
			high = i;
		if (s->buckets[i] > vmax)
			vmax = s->buckets[i];
	}
	if (low < 0)      /* nothing recorded: stap starts from -1 as well */
		low = -1;
	for (int k = 0; k < 2; k++) {
		if (h->kind == AGG_HIST_LOG) {
			if (low != HIST_BUCKET0 && low > 0)
				low--;
		} else if (low > 0) {
			low--;
		}
		if (high < n - 1)
			high++;
	}
	if (h->kind == AGG_HIST_LINEAR) {
		if (low == 0 && s->buckets[0] == 0)
			low++;
		if (high == n - 1 && s->buckets[high] == 0)
			high--;
		under = low == 0;
		over = high == n - 1;
	}
	if (low < 0)
		low = 0;
	int64_t scale = vmax <= HIST_WIDTH ? 1 : (vmax + HIST_WIDTH - 1) / HIST_WIDTH;
	int cnt_space = digits(vmax);
	int val_space;
	if (h->kind == AGG_HIST_LINEAR) {
		int a = digits(h->lo) + under, b = digits(h->lo + h->step * high) + over;
		val_space = a > b ? a : b;
	} else {
		int a = digits(log_value(high)), b = digits(log_value(low));
		val_space = a > b ? a : b;
	}
	if (val_space < 5)
		val_space = 5;
	fprintf(out, "%*s |", val_space, "value");
	for (int j = 0; j < HIST_WIDTH; j++)
		fputc('-', out);
	fputs(" count\n", out);
	bool eliding = false;
	for (int i = low; i <= high; i++) {
		int from = i - HIST_ELISION > low ? i - HIST_ELISION : low;
		int to = i + HIST_ELISION < high ? i + HIST_ELISION : high;
		bool elide = true;
		for (int k = from; k <= to; k++)
			if (s->buckets[k])
				elide = false;
		if (elide) {
			eliding = true;
			continue;
		}
		if (eliding) {
			fprintf(out, "%*s ~\n", val_space, "");
			eliding = false;
		}
		const char *prefix = "";
		int64_t val;
		if (h->kind == AGG_HIST_LINEAR) {
			if (i == 0) {
				val = h->lo;
				prefix = "<";
			} else if (i == n - 1) {
				val = h->lo + (int64_t)(i - 2) * h->step;
				prefix = ">";
			} else {
				val = h->lo + (int64_t)(i - 1) * h->step;
			}
		} else {
			val = log_value(i);
		}
		fprintf(out, "%*s%lld |", val_space - digits(val), prefix, (long long)val);
		int64_t bar = s->buckets[i] / scale;
		for (int64_t j = 0; j < bar; j++)
			fputc('@', out);
		fprintf(out, "%*lld\n", (int)(HIST_WIDTH - bar + 1 + cnt_space), (long long)s->buckets[i]);
	}
	fputc('\n', out);
}
