/*
 * pythons.c — the Pythons on this machine (see pythons.h): one list of candidates, one rule for
 * which object of a Python carries its markers. Everything that names "the Pythons" uses these,
 * so `list`, `events --all`, `dtrace` without a target and the hints agree on what they found.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pythons.h"

/* Looked in after PATH: where Debian (/usr/bin) and a source build (/usr/local/bin) install. */
static const char *const standard_dirs[] = { "/usr/local/bin", "/usr/bin" };
/* Within a directory: python3 first, then every python3.* in glob's (sorted) order. */
static const char *const names[] = { "python3", "python3.*" };

static bool is_elf(const char *path)
{
	unsigned char magic[4];
	FILE *f = fopen(path, "rbe");
	if (!f)
		return false;
	bool ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	fclose(f);
	return ok;
}

/* The first libpython REAL links to that exists, as its real path; NULL when none. */
static char *find_lib(const char *real)
{
	struct sdt_file *f;
	char err[160], lib[PATH_MAX], libreal[PATH_MAX];
	char *out = NULL;
	if (sdt_read(real, &f, err, sizeof(err)) < 0)
		return NULL;
	for (int k = 0; !out && sdt_find_needed(f, "libpython", &k, lib, sizeof(lib)) == 0;)
		if (realpath(lib, libreal) && is_elf(libreal))
			out = strdup(libreal);
	sdt_free(f);
	return out;
}

static int add(struct pys_list *l, const char *path)
{
	struct stat st;
	char real[PATH_MAX];
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0 || !is_elf(path) ||
	    !realpath(path, real))
		return 0;
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->v[i].real, real) == 0)
			return 0;
	struct pys_python *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	struct pys_python *p = &l->v[l->n];
	p->path = strdup(path);
	p->real = strdup(real);
	p->lib = find_lib(real);
	l->n++;
	return p->path && p->real ? 0 : -ENOMEM;
}

static int scan_dir(struct pys_list *l, const char *dir)
{
	char pat[PATH_MAX];
	int rc = 0;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) && rc == 0; k++) {
		glob_t g;
		if (snprintf(pat, sizeof(pat), "%s/%s", dir, names[k]) >= (int)sizeof(pat))
			continue;
		if (glob(pat, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
			rc = add(l, g.gl_pathv[i]);
		globfree(&g);
	}
	return rc;
}

int pys_find(struct pys_list *out)
{
	struct pys_list l = { 0 };
	int rc = 0;
	const char *env = getenv("PATH");
	char *path = strdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
	if (!path)
		return -ENOMEM;
	/* An empty PATH entry means the current directory to a shell; not a place Pythons are
	 * installed, and a listing should not depend on where it was started. */
	for (char *save = NULL, *d = strtok_r(path, ":", &save); d && rc == 0;
	     d = strtok_r(NULL, ":", &save))
		rc = scan_dir(&l, d);
	free(path);
	for (size_t i = 0; i < sizeof(standard_dirs) / sizeof(standard_dirs[0]) && rc == 0; i++)
		rc = scan_dir(&l, standard_dirs[i]);
	if (rc < 0) {
		pys_free(&l);
		*out = (struct pys_list){ 0 };
		return rc;
	}
	*out = l;
	return 0;
}

void pys_free(struct pys_list *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].real);
		free(l->v[i].lib);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int pys_nmarkers(const struct sdt_file *f)
{
	int n = 0;
	for (int i = 0; i < f->nnotes; i++)
		n += strcmp(f->notes[i].provider, "python") == 0;
	return n;
}

int pys_markers(const char *exe, char *obj, size_t len, struct sdt_file **sdt)
{
	char err[160], lib[PATH_MAX], real[PATH_MAX];
	struct sdt_file *f, *lf;
	*sdt = NULL;
	if (sdt_read(exe, &f, err, sizeof(err)) < 0)
		return 0;
	if (pys_nmarkers(f) > 0) {
		*sdt = f;
		snprintf(obj, len, "%s", exe);
		return 1;
	}
	for (int k = 0; !*sdt && sdt_find_needed(f, "libpython", &k, lib, sizeof(lib)) == 0;) {
		if (!realpath(lib, real) || sdt_read(real, &lf, err, sizeof(err)) < 0)
			continue;
		if (pys_nmarkers(lf) > 0) {
			*sdt = lf;
			snprintf(obj, len, "%s", real);
		} else {
			sdt_free(lf);
		}
	}
	sdt_free(f);
	return *sdt != NULL;
}
