/*
 * pythons.h — the Pythons installed on this machine, found one way for every command that needs
 * them: `pyscope list` (no target), `pyscope events --all` / `dtrace` system-wide, the hint after
 * "no python markers in X", and `pyscope doctor`.
 *
 * A candidate is an ELF executable named python3 or python3.* (sorted) in each directory of PATH,
 * then in /usr/local/bin and /usr/bin (PYS_WHERE says so in messages); each real path once, in
 * that order. Scripts (pyenv shims, python3-config) are not candidates. For each, the libpython
 * it links to (DT_NEEDED, found where the dynamic loader would look: sdt_find_needed), where a
 * Python built with --enable-shared keeps its markers.
 */
#ifndef PYSCOPE_PYTHONS_H
#define PYSCOPE_PYTHONS_H
#include <stddef.h>
#include "sdt.h"

#define PYS_WHERE "python3 and python3.* on PATH, in /usr/local/bin and /usr/bin"

struct pys_python {
	char *path;              /* as found: "/usr/bin/python3" (may be a symlink) */
	char *real;              /* its real path: "/usr/bin/python3.11" */
	char *lib;               /* real path of the libpython it links to; NULL when none */
};

struct pys_list {
	struct pys_python *v;
	int n;
};

/* The candidates, in the order above. 0, or -ENOMEM (with the list freed). */
int pys_find(struct pys_list *out);
void pys_free(struct pys_list *l);

/* How many of F's notes are python markers (provider "python"). */
int pys_nmarkers(const struct sdt_file *f);
/* The object that carries executable EXE's python markers: EXE itself, or the libpython it links
 * to. 1 with that object's path in OBJ (EXE as given, or the library's real path) and its notes
 * in *SDT (the caller frees them); 0 when neither has any (or EXE is no ELF object). */
int pys_markers(const char *exe, char *obj, size_t len, struct sdt_file **sdt);
#endif
