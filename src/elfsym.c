/*
 * elfsym.c — native addresses to symbols (see elfsym.h). The ELF file is read with <elf.h>'s
 * structures from a read-only mapping (64-bit, the byte order of the host: the objects of the
 * processes pyscope traces), its function symbols copied into one sorted array, and the mapping
 * dropped. An ET_EXEC object's addresses are its virtual addresses; an ET_DYN object's are the
 * virtual address plus the load bias procmaps.c computes.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "elfsym.h"
#include "procmaps.h"

#define MAPS_REREAD_MAX 8        /* re-reads of one process's maps for addresses not mapped */

struct sym {
	uint64_t addr, size;
	const char *name;
};

struct file {
	char *path;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	bool exec;               /* ET_EXEC: addresses are not moved */
	int nsyms;
	struct sym *syms;        /* by address */
	char *names;             /* the names, one block */
};

struct proc {
	pid_t pid;
	int nobjs;
	struct pmap_obj *objs;
	int rereads;
};

struct esym_cache {
	int nfiles, nprocs;
	struct file *files;
	struct proc *procs;
};

struct esym_cache *esym_new(void)
{
	return calloc(1, sizeof(struct esym_cache));
}

static void file_free(struct file *f)
{
	free(f->path);
	free(f->syms);
	free(f->names);
}

void esym_free(struct esym_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nfiles; i++)
		file_free(&c->files[i]);
	for (int i = 0; i < c->nprocs; i++)
		pmap_free(c->procs[i].objs, c->procs[i].nobjs);
	free(c->files);
	free(c->procs);
	free(c);
}

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The function symbols of section SH (a symbol table) of the image at BASE of SIZE bytes, added to
 * F. Every offset is checked against SIZE: the file is not trusted. */
static int read_symtab(struct file *f, const unsigned char *base, size_t size, const Elf64_Shdr *sh,
		       const Elf64_Shdr *strsh)
{
	if (sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_offset > size ||
	    sh->sh_size > size - sh->sh_offset || strsh->sh_offset > size ||
	    strsh->sh_size > size - strsh->sh_offset)
		return -EINVAL;
	size_t n = sh->sh_size / sizeof(Elf64_Sym);
	const char *strs = (const char *)base + strsh->sh_offset;
	size_t strsize = strsh->sh_size, namebytes = 0, cnt = 0;
	for (int pass = 0; pass < 2; pass++) {
		char *np = f->names;
		cnt = 0;
		for (size_t i = 0; i < n; i++) {
			Elf64_Sym s;
			memcpy(&s, base + sh->sh_offset + i * sizeof(s), sizeof(s));
			int type = ELF64_ST_TYPE(s.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_value == 0 ||
			    s.st_shndx == SHN_UNDEF || s.st_name >= strsize)
				continue;
			const char *name = strs + s.st_name;
			size_t len = strnlen(name, strsize - s.st_name);
			if (pass == 0) {
				namebytes += len + 1;
			} else {
				memcpy(np, name, len);
				np[len] = 0;
				f->syms[cnt] = (struct sym){ s.st_value, s.st_size, np };
				np += len + 1;
			}
			cnt++;
		}
		if (pass == 0) {
			f->names = malloc(namebytes + 1);
			f->syms = malloc((cnt + 1) * sizeof(*f->syms));
			if (!f->names || !f->syms)
				return -ENOMEM;
		}
	}
	f->nsyms = (int)cnt;
	qsort(f->syms, cnt, sizeof(*f->syms), by_addr);
	return 0;
}

static int read_file(struct file *f, int fd, size_t size)
{
	if (size < sizeof(Elf64_Ehdr))
		return -EINVAL;
	const unsigned char *base = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	Elf64_Ehdr eh;
	memcpy(&eh, base, sizeof(eh));
	int rc = -EINVAL;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > size ||
	    (size_t)eh.e_shnum * sizeof(Elf64_Shdr) > size - eh.e_shoff)
		goto out;
	f->exec = eh.e_type == ET_EXEC;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh.e_shoff);
	/* .symtab when there is one (every function), else .dynsym (the exported ones) */
	for (int want = SHT_SYMTAB; want >= SHT_SYMTAB && rc != 0; want = want == SHT_SYMTAB ?
	     SHT_DYNSYM : -1) {
		for (int i = 0; i < eh.e_shnum; i++) {
			Elf64_Shdr s, str;
			memcpy(&s, &sh[i], sizeof(s));
			if (s.sh_type != (Elf64_Word)want || s.sh_link >= eh.e_shnum)
				continue;
			memcpy(&str, &sh[s.sh_link], sizeof(str));
			rc = read_symtab(f, base, size, &s, &str);
			break;
		}
		if (want == SHT_DYNSYM)
			break;
	}
out:
	munmap((void *)base, size);
	return rc;
}

/* The symbols of PATH (opened as OPEN), read once per version of the file. */
static struct file *get_file(struct esym_cache *c, const char *path, const char *open_path)
{
	struct stat st;
	int fd = open(open_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	for (int i = 0; i < c->nfiles; i++) {
		struct file *f = &c->files[i];
		if (strcmp(f->path, path) == 0 && f->dev == st.st_dev && f->ino == st.st_ino &&
		    f->mtime.tv_sec == st.st_mtim.tv_sec && f->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			close(fd);
			return f;
		}
	}
	struct file *nf = realloc(c->files, sizeof(*nf) * (size_t)(c->nfiles + 1));
	if (!nf) {
		close(fd);
		return NULL;
	}
	c->files = nf;
	struct file *f = &c->files[c->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->mtime = st.st_mtim;
	if (f->path)
		read_file(f, fd, (size_t)st.st_size);   /* no symbols: addresses stay numbers */
	close(fd);
	if (!f->path)
		return NULL;
	c->nfiles++;
	return f;
}

static const struct sym *find_sym(const struct file *f, uint64_t vaddr)
{
	int lo = 0, hi = f->nsyms - 1, best = -1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (f->syms[mid].addr <= vaddr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best < 0)
		return NULL;
	/* aliases share an address: the first of them with a size covering VADDR */
	while (best > 0 && f->syms[best - 1].addr == f->syms[best].addr)
		best--;
	for (int i = best; i < f->nsyms && f->syms[i].addr == f->syms[best].addr; i++)
		if (f->syms[i].size == 0 || vaddr < f->syms[i].addr + f->syms[i].size)
			return &f->syms[i];
	return NULL;
}

static void fill(struct esym_hit *out, const struct file *f, const char *path, uint64_t vaddr)
{
	const char *slash = strrchr(path, '/');
	out->path = path;
	out->module = slash ? slash + 1 : path;
	out->rel = vaddr;
	const struct sym *s = f ? find_sym(f, vaddr) : NULL;
	if (s) {
		out->sym = s->name;
		out->off = vaddr - s->addr;
		out->size = s->size;
	}
}

int esym_file_lookup(struct esym_cache *c, const char *path, uint64_t vaddr, struct esym_hit *out)
{
	memset(out, 0, sizeof(*out));
	struct file *f = get_file(c, path, path);
	if (!f)
		return -ENOENT;
	fill(out, f, f->path, vaddr);
	return 0;
}

static struct proc *get_proc(struct esym_cache *c, pid_t pid, bool reread)
{
	struct proc *p = NULL;
	for (int i = 0; i < c->nprocs && !p; i++)
		if (c->procs[i].pid == pid)
			p = &c->procs[i];
	if (p && !reread)
		return p;
	if (p && p->rereads >= MAPS_REREAD_MAX)
		return NULL;
	struct pmap_obj *objs;
	int n;
	if (pmap_read(pid, &objs, &n) < 0)
		return NULL;
	if (!p) {
		struct proc *np = realloc(c->procs, sizeof(*np) * (size_t)(c->nprocs + 1));
		if (!np) {
			pmap_free(objs, n);
			return NULL;
		}
		c->procs = np;
		p = &c->procs[c->nprocs++];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
	} else {
		pmap_free(p->objs, p->nobjs);
		p->rereads++;
	}
	p->objs = objs;
	p->nobjs = n;
	return p;
}

int esym_lookup(struct esym_cache *c, pid_t pid, uint64_t addr, struct esym_hit *out)
{
	memset(out, 0, sizeof(*out));
	for (int pass = 0; pass < 2; pass++) {
		struct proc *p = get_proc(c, pid, pass == 1);
		if (!p)
			return -ENOENT;
		for (int i = 0; i < p->nobjs; i++) {
			const struct pmap_obj *o = &p->objs[i];
			if (addr < o->start || addr >= o->end)
				continue;
			char open_path[4096 + 32];
			if (pmap_open_path(pid, o->path, open_path, (int)sizeof(open_path)) < 0)
				return -ENOENT;
			struct file *f = get_file(c, o->path, open_path);
			if (!f)
				f = get_file(c, o->path, o->path);   /* the process is gone */
			fill(out, f, f ? f->path : o->path, f && f->exec ? addr : addr - o->load);
			return 0;
		}
	}
	return -ENOENT;
}
