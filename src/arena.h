/*
 * arena.h — bump allocation in chunks, freed all at once: the program representation lives in one
 * (freed with the program), and the runtime keeps the strings of the current event in another
 * (reset before each event, its chunks reused, so the hot path does not call malloc).
 * Ownership: everything allocated belongs to the arena; nothing is freed on its own.
 */
#ifndef PYSCOPE_ARENA_H
#define PYSCOPE_ARENA_H
#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head, *cur;
	size_t chunk_size;       /* bytes a new chunk holds at least (0: 64 KiB) */
};

/* N bytes aligned for any type; exits with "out of memory" (status 70) when malloc fails. */
void *arena_alloc(struct arena *a, size_t n);
/* Forget every allocation, keeping the chunks for reuse. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);
#endif
