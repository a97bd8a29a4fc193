/*
 * arena.c — the chunked bump allocator behind the program representation and the runtime's
 * per-event strings (see arena.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include "arena.h"

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	struct arena_chunk *last = NULL;
	while (a->cur && a->cur->used + n > a->cur->cap) {
		last = a->cur;
		a->cur = a->cur->next;     /* chunks kept by an earlier reset are reused */
	}
	if (!a->cur) {
		size_t want = a->chunk_size ? a->chunk_size : 65536;
		size_t cap = n > want ? n : want;
		struct arena_chunk *c = malloc(sizeof(*c) + cap);
		if (!c) {
			perror("pyscope: out of memory");
			exit(70);
		}
		c->used = 0;
		c->cap = cap;
		/* at the end of the list, so that the full chunks before it are not walked again */
		c->next = NULL;
		if (last)
			last->next = c;
		else
			a->head = c;
		a->cur = c;
	}
	void *r = (char *)a->cur->data + a->cur->used;
	a->cur->used += n;
	return r;
}

void arena_reset(struct arena *a)
{
	for (struct arena_chunk *c = a->head; c; c = c->next)
		c->used = 0;
	a->cur = a->head;
}

void arena_free(struct arena *a)
{
	while (a->head) {
		struct arena_chunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
	a->cur = NULL;
}
