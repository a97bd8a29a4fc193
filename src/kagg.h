/*
 * kagg.h — aggregation in the kernel, the user half: which clauses of a program the kernel can
 * run (a D clause `@a[keys] = fn(value)`, or a SystemTap probe body `x[keys] <<< value`, whose
 * keys, value and predicate come straight from the hit: arguments, their strings, pid, tid, cpu,
 * execname, constants), the table the BPF side interprets (kagg_rec.h, kagg.bpf.h), and folding
 * what the kernel counted into agg.c's aggregations (or the runtime's statistics, rt_stat), so
 * that printa, ticks and the end of the run print what they print when every clause runs in
 * user space.
 *
 * Folding is by difference: the kernel's maps are never cleared while tracing (a clear races
 * with the hits of other CPUs), so kagg keeps the totals it last folded per key and adds what
 * grew. A full map loses nothing: the kernel sends the hit to user space, which runs the clause.
 *
 * D's self-> variables: the latency pattern (`self->ts = timestamp;` on entry, `/self->ts/
 * { @ = quantize(timestamp - self->ts); self->ts = 0; }` on return) runs in the kernel, the
 * variables in the thread's task storage. A variable is in the kernel only when every clause that
 * touches it is (else all those clauses stay in user space), so the two never disagree; such a
 * clause cannot hand a hit to user space, so one it cannot count is a drop, reported in dtrace's
 * words ("N aggregation drops", "N dynamic variable drops").
 *
 * PYSCOPE_KAGG=0 in the environment keeps every clause in user space (to compare);
 * PYSCOPE_KAGG_ENTRIES=N sizes each map (tests force a full map with a tiny one);
 * PYSCOPE_KAGG_ROOM=N the bytes of a string in the kernel's key (KAGG_ROOM_DEFAULT, at most
 * strsize): a string that does not fit takes the hit to user space.
 * PYSCOPE_KAGG_STRID=1 keys CPython's names by their str object's identity instead of copying
 * them (kagg_rec.h). Off by default: it is never wrong, but it costs what copying does (bench/kagg:
 * the one read of the object's header at each hit costs what copying a short name does, and a
 * str whose hash is not computed yet, co_filename before 3.13, is read twice).
 */
#ifndef PYSCOPE_KAGG_H
#define PYSCOPE_KAGG_H
#include <stdbool.h>
#include <stddef.h>
#include "prog.h"
#include "rt.h"

struct kagg;
struct kagg_clause;
struct kagg_hval;

/* The plan for P with string size STRSIZE (below 0: the capture copies strings of another size,
 * so every clause stays in user space): NULL only when out of memory. */
struct kagg *kagg_new(const struct pg_prog *p, int strsize);
void kagg_free(struct kagg *k);
/* Give R the clauses the kernel can run; OK says whether a probe is one the kernel program runs
 * on. Returns how many kernel clauses there are. */
int kagg_bind(struct kagg *k, struct rt *r, bool (*ok)(const struct ps_probe *p, void *ctx),
	      void *ctx);
/* The table for the BPF side: N rows, NSTRS string rooms of ROOM bytes from STR_OFF in a key,
 * ENTRIES per map (0: the default). */
const struct kagg_clause *kagg_table(const struct kagg *k, int *n, int *nstrs, int *room,
				     int *str_off, int *entries);
/* Where clause CI runs, one line without its newline: "kernel" or "user space (why)". */
const char *kagg_where(const struct kagg *k, int ci, char *buf, size_t len);
/* One entry of the kernel's maps (as cap_kagg_read hands them over): fold what is new into R's
 * aggregations. Returns 0 (a key kagg does not know is skipped). */
int kagg_fold(const void *key, int keysize, const struct kagg_hval *total, bool hist, void *ctx);
/* The context kagg_fold wants: K bound to R. */
void kagg_set_rt(struct kagg *k, struct rt *r);
/* String keys by identity (kagg_rec.h): whether the plan wants them (string rooms of KAGG_SID
 * bytes at least, and PYSCOPE_KAGG_STRID=1), and how kagg_fold names an identity: FN puts
 * the text of SID (KAGG_SID bytes) into BUF (LEN, strsize) and returns 0, or a negative errno
 * (the key is skipped until it can be named). */
bool kagg_strid(const struct kagg *k);
void kagg_set_strtext(struct kagg *k, int (*fn)(void *ctx, const void *sid, char *buf, size_t len),
		      void *ctx);

/* The front-ends' wiring (dtrace.c, stap.c), in one place. Before rt_new, kagg_hook points RO's
 * sync_aggs at the capture CAP (NULL: a replay, nothing runs in the kernel). After rt_new,
 * kagg_setup plans P for R (STRSIZE: the bytes of strings the runtime keeps, 0 the default),
 * gives R the kernel clauses and the capture their table: 0, or -1 (message printed). Then
 * kagg_enable enables the kernel clauses of the I-th enabled probe (rt_enabled), marker ID:
 * 0 or a negative errno. kagg_run_where is kagg_where ("user space" without a plan);
 * kagg_run_free frees the plan. */
struct cap;
struct rt_opts;
struct kagg_run {
	struct kagg *k;
	struct cap *cap;
};
void kagg_hook(struct kagg_run *kr, struct cap *cap, struct rt_opts *ro);
int kagg_setup(struct kagg_run *kr, const struct pg_prog *p, struct rt *r, int strsize);
int kagg_enable(struct kagg_run *kr, struct rt *r, int i, int id);
const char *kagg_run_where(const struct kagg_run *kr, int ci, char *buf, size_t len);
void kagg_run_free(struct kagg_run *kr);
#endif
