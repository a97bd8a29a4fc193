/*
 * elfsym.h — native addresses of a process to symbols, for the native stacks the capture records
 * (D's ustack, usym, uaddr, ...; SystemTap's print_ubacktrace, usymdata, ...). Part of the ELF room.
 *
 * A file's function symbols come from its .symtab, or its .dynsym when stripped, read once and
 * kept per path (a file replaced on disk, a new inode or mtime, is read again). A process's
 * mappings come from procmaps.c and are kept per pid; an address outside them reads the maps
 * again once (an exec, a dlopen since), so a symbol is found as long as the process lives.
 *
 * Ownership: the cache owns everything; strings returned live as long as the cache.
 */
#ifndef PYSCOPE_ELFSYM_H
#define PYSCOPE_ELFSYM_H
#include <stdint.h>
#include <sys/types.h>

struct esym_cache;

/* What an address is. sym NULL: no symbol covers it (module may still be known). */
struct esym_hit {
	const char *path;        /* the object's path as the maps name it; NULL: not mapped */
	const char *module;      /* its basename */
	const char *sym;
	uint64_t off;            /* addr - the symbol's start */
	uint64_t size;           /* the symbol's size (0: not known) */
	uint64_t rel;            /* the address in the object's own terms (minus the load bias) */
};

struct esym_cache *esym_new(void);
void esym_free(struct esym_cache *c);
/* Look ADDR up in process PID's mappings and the symbols of the object there. 0, or -ENOENT
 * (not mapped; the process gone), with *OUT set as far as known. */
int esym_lookup(struct esym_cache *c, pid_t pid, uint64_t addr, struct esym_hit *out);
/* Symbols of the ELF file at PATH (a unit test's way in): the one covering file address VADDR. */
int esym_file_lookup(struct esym_cache *c, const char *path, uint64_t vaddr, struct esym_hit *out);
#endif
