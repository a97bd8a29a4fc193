/*
 * sdt.h — the stapsdt notes of one ELF object (executable or shared library), read with libelf.
 * Only this room includes libelf. Addresses are given both as recorded and adjusted for pre-linking
 * exactly as the toolchain defines it: when the object's .stapsdt.base section sits at an address
 * other than the note's base field, location and semaphore move by the difference. Also: the
 * shared libraries an object needs, found where the dynamic loader finds them.
 */
#ifndef PYSCOPE_SDT_H
#define PYSCOPE_SDT_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "argspec.h"
#include "pslimits.h"


struct sdt_note {
	char *provider;          /* "python" */
	char *name;              /* "function__entry" */
	uint64_t pc;             /* location as recorded in the note */
	uint64_t base;           /* base as recorded in the note (0 when the note has none) */
	uint64_t sem;            /* semaphore address as recorded (0: none) */
	uint64_t pc_adj;         /* location after the .stapsdt.base adjustment */
	uint64_t sem_adj;        /* semaphore after the adjustment (0: none) */
	uint64_t pc_off;         /* file offset of the location (what a uprobe needs; 0 when no
	                            PT_LOAD segment holds it) */
	uint64_t sem_off;        /* file offset of the semaphore (a uprobe's ref_ctr_offset; 0: none) */
	char *args;              /* the argument string as recorded: "8@%rbp 8@%r12 -4@%eax" */
	int nargs;
	struct argspec spec[PS_MAX_ARGS];
	char *args_err;          /* NULL when every spec decoded; else why not (nargs is then 0) */
	char *function;          /* enclosing function from the symbol table, NULL when unknown */
};

struct sdt_file {
	char *path;
	bool is_dyn;             /* ET_DYN: addresses are relative to the load base */
	unsigned machine;        /* e_machine: the notes' argument specs are decoded for it */
	uint64_t vaddr_at_0;     /* ELF address of file offset 0 (first PT_LOAD's p_vaddr - p_offset):
	                            load bias = pmap_obj.load - vaddr_at_0; 0 unless pre-linked */
	int nnotes;
	struct sdt_note *notes;
	int nneeded;             /* DT_NEEDED entries: the shared libraries it asks for */
	char **needed;
	char *runpath;           /* DT_RUNPATH (or DT_RPATH), as written ("$ORIGIN/../lib"); NULL: none */
	bool runpath_is_rpath;   /* it was DT_RPATH: searched before LD_LIBRARY_PATH, not after */
	unsigned char elfclass;  /* ELFCLASS32 or ELFCLASS64: a library it loads has the same */
};

/* Read PATH's notes. 0 on success (an object without notes gives nnotes == 0); a negative errno
 * with a one-line reason in ERR ("not an ELF file", "truncated note", ...) otherwise. */
int sdt_read(const char *path, struct sdt_file **out, char *err, int errlen);
void sdt_free(struct sdt_file *f);

/* provider:name glob match, each part as ps_name_match (event.h) matches, so either spelling of
 * a name ("function__entry", "function-entry"); PATTERN may omit the provider ("function*"). */
bool sdt_match(const char *pattern, const char *provider, const char *name);
/* The next shared library F asks for (DT_NEEDED) whose file name starts with PREFIX ("libpython"),
 * found as sdt_find_lib finds it with the system's ld.so.cache. *NEXT is the DT_NEEDED index to
 * start from (0 at first) and is moved past the entry found, so that a loop sees each. 0 with the
 * library's path in OUT; -ENOENT when no further entry matches and exists. */
int sdt_find_needed(const struct sdt_file *f, const char *prefix, int *next, char *out, size_t len);
/* Where the dynamic loader finds library NAME for F, in its order: a NAME with a '/' as it is;
 * DT_RPATH; LD_LIBRARY_PATH; DT_RUNPATH ($ORIGIN: the directory of F's real path); the loader's
 * cache CACHE (NULL: /etc/ld.so.cache, what `ldconfig -p` lists); the loader's default
 * directories for F's machine (/lib/TRIPLET, /usr/lib/TRIPLET, /lib64 and /usr/lib64 for 64-bit,
 * /lib, /usr/lib). Only a library of F's machine and class counts. 0 with its path in OUT, or
 * -ENOENT. */
int sdt_find_lib(const struct sdt_file *f, const char *name, const char *cache, char *out, size_t len);
/* NAME ("libpython3.11.so.1.0") in the ld.so.cache file CACHE, for objects of MACHINE (e_machine)
 * and ELFCLASS: 0 with the path in OUT; -ENOENT when not listed (or not there, or another
 * machine's); -EINVAL when CACHE is not a cache ldconfig wrote; another negative errno when it
 * cannot be read. */
int sdt_ldcache_lookup(const char *cache, const char *name, unsigned machine, int elfclass,
		       char *out, size_t len);
/* The functions PATH defines (STT_FUNC symbols with an address, from .symtab, else .dynsym), each
 * passed to FN once per name as it is written (versions like "@@GLIBC_2.2.5" cut off); FN returns
 * non-zero to stop, which is returned. The pid provider's probes. A negative errno when PATH is
 * not a readable ELF object. */
int sdt_functions(const char *path, int (*fn)(const char *name, void *ctx), void *ctx);
#endif
