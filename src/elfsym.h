/*
 * elfsym.h — the ELF symbols of the objects processes map, read with <elf.h>'s structures (no
 * libelf): the one symbolizer for native addresses pyscope has. Its users: D's ustack, usym, uaddr,
 * ufunc, %A and SystemTap's print_ubacktrace family (rt.c); `pyscope profile --native`'s native
 * frames (profile.c); and finding a symbol by name in a file, as pyoffsets.c finds _PyRuntime.
 * Part of the ELF room.
 *
 * A file's function symbols come from its .symtab, or its .dynsym when stripped, read once and
 * kept per path (a file replaced on disk, a new inode or mtime, is read again); which file each
 * object of a process is gets decided once per reading of its maps, so that a look-up makes no
 * system call. No DWARF: a static
 * function of a stripped object is named after the exported function before it, or not at all. A
 * process's mappings come from procmaps.c and are kept per pid; an address outside them reads the
 * maps again (an exec, a dlopen since): at once the first ESYM_REREAD_FAST times, then at most
 * once a second, so that a symbol is found as long as the process lives and an address that no
 * object maps (JIT code, a bad frame) does not read the maps at every sample.
 *
 * Ownership: the cache owns everything; strings returned live as long as the cache (a process's
 * names stay valid after esym_forget: the files are kept).
 */
#ifndef PYSCOPE_ELFSYM_H
#define PYSCOPE_ELFSYM_H
#include <stdint.h>
#include <sys/types.h>

#define ESYM_MAX_FILE (1ul << 31)    /* larger files are not read */
#define ESYM_REREAD_FAST 8           /* immediate re-reads of one process's maps on a miss */

struct esym_cache;

/* What an address is. sym NULL: no symbol covers it (module may still be known). */
struct esym_hit {
	const char *path;        /* the object's path as the maps name it; NULL: not mapped */
	const char *module;      /* its basename */
	const char *sym;
	uint64_t off;            /* addr - the symbol's start */
	uint64_t size;           /* the symbol's size (0: not known) */
	uint64_t rel;            /* the address in the object's own terms (its ELF virtual address) */
};

struct esym_cache *esym_new(void);
void esym_free(struct esym_cache *c);
/* Look ADDR up in process PID's mappings and the symbols of the object there. 0, or -ENOENT
 * (not mapped; the process gone), with *OUT set as far as known. */
int esym_lookup(struct esym_cache *c, pid_t pid, uint64_t addr, struct esym_hit *out);
/* Forget PID's mappings (it exec'd or exited): the next look-up reads them afresh. */
void esym_forget(struct esym_cache *c, pid_t pid);
/* Symbols of the ELF file at PATH (a unit test's way in): the one covering file address VADDR. */
int esym_file_lookup(struct esym_cache *c, const char *path, uint64_t vaddr, struct esym_hit *out);

/* The symbol NAME (any type, defined; .dynsym first, then .symtab) of the ELF file at PATH, for an
 * object mapped with load bias LOAD (struct pmap_obj.load): its run-time address and size. 0;
 * -ENOENT (no such symbol, not a 64-bit ELF file); another negative errno (cannot open). Not
 * cached: one look-up reads the file's tables once. */
int esym_file_symbol(const char *path, const char *name, uint64_t load, uint64_t *addr,
		     uint64_t *size);
/* LOAD for esym_file_symbol: *ADDR is the symbol's value in the file's own terms (st_value, its
 * ELF virtual address), whatever the object's type */
#define ESYM_FILE_VADDR UINT64_MAX
#endif
