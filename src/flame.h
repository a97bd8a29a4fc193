/*
 * flame.h — a set of stacks with sample counts ("root;...;leaf" -> N) and the files made from it:
 * folded stacks (the flame graph tools' input: one "STACK COUNT" line each, sorted), speedscope's
 * JSON (one sampled profile), and a self-contained SVG flame graph (no script, titles on hover).
 * Frames must not hold ';' (the caller replaces it).
 */
#ifndef PYSCOPE_FLAME_H
#define PYSCOPE_FLAME_H
#include <stdint.h>
#include <stdio.h>

#define FLAME_MAX_STACKS (1 << 22)   /* distinct stacks kept; samples of more count as lost */

struct flame;
struct flame *flame_new(void);
void flame_free(struct flame *f);
/* Add COUNT samples of STACK. 0; -ENOSPC past FLAME_MAX_STACKS; -ENOMEM. */
int flame_add(struct flame *f, const char *stack, uint64_t count);
uint64_t flame_total(const struct flame *f);
/* Each writer returns 0 or a negative errno (the stream's error). */
int flame_write_folded(const struct flame *f, FILE *out);
int flame_write_speedscope(const struct flame *f, FILE *out, const char *name);
int flame_write_svg(const struct flame *f, FILE *out, const char *title);
#endif
