/*
 * elfsym.c — native addresses to symbols, and symbols by name (see elfsym.h). An ELF file is read
 * with <elf.h>'s structures from a read-only mapping (64-bit, the byte order of the host: the
 * objects of the processes pyscope traces), every offset and size checked against the file's size
 * (the file is not trusted), its function symbols copied into one sorted array and the mapping
 * dropped. An ET_EXEC object's addresses are its virtual addresses; an ET_DYN object's are its
 * virtual addresses plus the load bias procmaps.c computes, less its first PT_LOAD's
 * p_vaddr - p_offset (0 for what the usual linkers write; not for a prelinked library).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "elfsym.h"
#include "procmaps.h"

/* One ELF file, mapped while it is read. */
struct image {
	const unsigned char *m;
	size_t size;
	Elf64_Ehdr eh;
	uint64_t vaddr0;         /* the first PT_LOAD's p_vaddr - p_offset */
};

/* One symbol table of an image and its string table. */
struct symtab {
	const unsigned char *syms;
	size_t n;
	const char *strs;
	size_t strsize;
};

struct sym {
	uint64_t addr, size;
	const char *name;
	uint64_t rank;           /* among aliases, the name shown: see alias_rank */
};

struct file {
	char *path;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	bool exec;               /* ET_EXEC: addresses are not moved */
	uint64_t vaddr0;
	int nsyms;
	struct sym *syms;        /* by address */
	char *names;             /* the names, one block */
};

struct proc {
	pid_t pid;
	int nobjs;
	struct pmap_obj *objs;
	int *file_of;            /* per object: 1 + its index in files (0: not looked at yet), -1:
	                            unreadable; found once per reading of the maps, so that a
	                            look-up costs no system call */
	int rereads;
	double read_at;          /* when the maps were read (CLOCK_MONOTONIC seconds) */
};

struct esym_cache {
	int nfiles, nprocs;
	struct file *files;
	struct proc *procs;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- reading one file ---- */

#define IN(im, off, len) ((uint64_t)(off) <= (im)->size && (uint64_t)(len) <= (im)->size - (uint64_t)(off))

/* Map FD (SIZE bytes) and check its headers: 0, or a negative errno (-EINVAL: not a 64-bit ELF
 * file with section headers that fit it). */
static int image_map(struct image *im, int fd, size_t size)
{
	memset(im, 0, sizeof(*im));
	if (size < sizeof(Elf64_Ehdr) || size > ESYM_MAX_FILE)
		return -EINVAL;
	const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	im->m = m;
	im->size = size;
	memcpy(&im->eh, m, sizeof(im->eh));
	const Elf64_Ehdr *eh = &im->eh;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !IN(im, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
		munmap((void *)m, size);
		im->m = NULL;
		return -EINVAL;
	}
	if (eh->e_phentsize == sizeof(Elf64_Phdr) &&
	    IN(im, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		for (int i = 0; i < eh->e_phnum; i++) {
			Elf64_Phdr ph;
			memcpy(&ph, m + eh->e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
			if (ph.p_type == PT_LOAD) {
				im->vaddr0 = ph.p_vaddr - ph.p_offset;
				break;
			}
		}
	return 0;
}

static void image_unmap(struct image *im)
{
	if (im->m)
		munmap((void *)im->m, im->size);
	im->m = NULL;
}

/* The first section of type WANT (SHT_SYMTAB, SHT_DYNSYM) whose table and strings fit the file. */
static bool image_symtab(const struct image *im, uint32_t want, struct symtab *t)
{
	for (int i = 0; i < im->eh.e_shnum; i++) {
		Elf64_Shdr sh, str;
		memcpy(&sh, im->m + im->eh.e_shoff + (size_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != want || sh.sh_entsize != sizeof(Elf64_Sym) || sh.sh_link >= im->eh.e_shnum ||
		    !IN(im, sh.sh_offset, sh.sh_size))
			continue;
		memcpy(&str, im->m + im->eh.e_shoff + (size_t)sh.sh_link * sizeof(str), sizeof(str));
		if (!IN(im, str.sh_offset, str.sh_size) || !str.sh_size)
			continue;
		*t = (struct symtab){ im->m + sh.sh_offset, sh.sh_size / sizeof(Elf64_Sym),
				      (const char *)im->m + str.sh_offset, str.sh_size };
		return true;
	}
	return false;
}

/* Symbol I of T when it is defined and named: *S, its *NAME and *LEN (not NUL-terminated past the
 * table's end: LEN is cut there). */
static bool symtab_get(const struct symtab *t, size_t i, Elf64_Sym *s, const char **name, size_t *len)
{
	memcpy(s, t->syms + i * sizeof(*s), sizeof(*s));
	if (s->st_shndx == SHN_UNDEF || s->st_name >= t->strsize)
		return false;
	*name = t->strs + s->st_name;
	*len = strnlen(*name, t->strsize - s->st_name);
	return true;
}

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Which of several names of one address is shown: the fewest leading underscores (the public
 * name: getpid, not __getpid, where glibc makes getpid the weak alias), then global before weak
 * before local, then the order of the table. */
static uint64_t alias_rank(const char *name, int bind, size_t index)
{
	uint64_t under = 0;
	while (under < 3 && name[under] == '_')
		under++;
	uint64_t b = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
	return under << 40 | b << 32 | (index & 0xffffffffu);
}

/* The function symbols (STT_FUNC, STT_GNU_IFUNC, with an address) of T, into F. */
static int read_functions(struct file *f, const struct symtab *t)
{
	size_t namebytes = 0, cnt = 0;
	for (int pass = 0; pass < 2; pass++) {
		char *np = f->names;
		cnt = 0;
		for (size_t i = 0; i < t->n; i++) {
			Elf64_Sym s;
			const char *name;
			size_t len;
			if (!symtab_get(t, i, &s, &name, &len) || s.st_value == 0 ||
			    (ELF64_ST_TYPE(s.st_info) != STT_FUNC && ELF64_ST_TYPE(s.st_info) != STT_GNU_IFUNC))
				continue;
			if (pass == 0) {
				namebytes += len + 1;
			} else {
				memcpy(np, name, len);
				np[len] = 0;
				f->syms[cnt] = (struct sym){ s.st_value, s.st_size, np,
							     alias_rank(np, ELF64_ST_BIND(s.st_info), i) };
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

/* F's function symbols from FD: .symtab when there is one (static functions too), else .dynsym
 * (the exported ones). */
static int read_file(struct file *f, int fd, size_t size)
{
	struct image im;
	int rc = image_map(&im, fd, size);
	if (rc < 0)
		return rc;
	f->exec = im.eh.e_type == ET_EXEC;
	f->vaddr0 = im.vaddr0;
	struct symtab t;
	rc = -ENOENT;
	if (image_symtab(&im, SHT_SYMTAB, &t) || image_symtab(&im, SHT_DYNSYM, &t))
		rc = read_functions(f, &t);
	image_unmap(&im);
	return rc;
}

int esym_file_symbol(const char *path, const char *name, uint64_t load, uint64_t *addr,
		     uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	struct image im;
	int rc = fstat(fd, &st) < 0 ? -errno : image_map(&im, fd, (size_t)st.st_size);
	close(fd);
	if (rc < 0)
		return rc == -EINVAL ? -ENOENT : rc;
	size_t nlen = strlen(name);
	static const uint32_t order[] = { SHT_DYNSYM, SHT_SYMTAB };
	rc = -ENOENT;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]) && rc; k++) {
		struct symtab t;
		if (!image_symtab(&im, order[k], &t))
			continue;
		for (size_t i = 0; i < t.n; i++) {
			Elf64_Sym s;
			const char *sn;
			size_t len;
			if (!symtab_get(&t, i, &s, &sn, &len) || len != nlen || memcmp(sn, name, nlen) != 0)
				continue;
			*addr = s.st_value;
			if (im.eh.e_type == ET_DYN && load != ESYM_FILE_VADDR)
				*addr += load - im.vaddr0;
			*size = s.st_size;
			rc = 0;
			break;
		}
	}
	image_unmap(&im);
	return rc;
}
#undef IN

/* ---- the cache ---- */

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
	for (int i = 0; i < c->nprocs; i++) {
		pmap_free(c->procs[i].objs, c->procs[i].nobjs);
		free(c->procs[i].file_of);
	}
	free(c->files);
	free(c->procs);
	free(c);
}

/* The symbols of PATH (opened as OPEN_PATH), read once per version of the file. */
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
	if (f->path && read_file(f, fd, (size_t)st.st_size) < 0)
		f->nsyms = 0;            /* no symbols: addresses stay numbers */
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
	/* aliases share an address: the first of them (by rank) with a size covering VADDR */
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

static struct proc *find_proc(struct esym_cache *c, pid_t pid)
{
	for (int i = 0; i < c->nprocs; i++)
		if (c->procs[i].pid == pid)
			return &c->procs[i];
	return NULL;
}

void esym_forget(struct esym_cache *c, pid_t pid)
{
	struct proc *p = c ? find_proc(c, pid) : NULL;
	if (!p)
		return;
	pmap_free(p->objs, p->nobjs);
	free(p->file_of);
	*p = c->procs[--c->nprocs];
}

/* PID's maps: as read before, or (REREAD) afresh when the policy in elfsym.h allows. */
static struct proc *get_proc(struct esym_cache *c, pid_t pid, bool reread)
{
	struct proc *p = find_proc(c, pid);
	if (p && !reread)
		return p;
	double now = now_s();
	if (p && p->rereads >= ESYM_REREAD_FAST && now - p->read_at < 1.0)
		return NULL;
	struct pmap_obj *objs;
	int n;
	if (pmap_read(pid, &objs, &n) < 0)
		return NULL;
	int *file_of = calloc((size_t)(n ? n : 1), sizeof(*file_of));
	if (!file_of) {
		pmap_free(objs, n);
		return NULL;
	}
	if (!p) {
		struct proc *np = realloc(c->procs, sizeof(*np) * (size_t)(c->nprocs + 1));
		if (!np) {
			pmap_free(objs, n);
			free(file_of);
			return NULL;
		}
		c->procs = np;
		p = &c->procs[c->nprocs++];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
	} else {
		pmap_free(p->objs, p->nobjs);
		free(p->file_of);
		p->rereads++;
	}
	p->objs = objs;
	p->nobjs = n;
	p->file_of = file_of;
	p->read_at = now;
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
			if (p->file_of[i] == 0) {
				char open_path[4096 + 32];
				if (pmap_open_path(pid, o->path, open_path, (int)sizeof(open_path)) < 0)
					return -ENOENT;
				struct file *f = get_file(c, o->path, open_path);
				if (!f)
					f = get_file(c, o->path, o->path);   /* the process is gone */
				p->file_of[i] = f ? (int)(f - c->files) + 1 : -1;
			}
			const struct file *f = p->file_of[i] > 0 ? &c->files[p->file_of[i] - 1] : NULL;
			fill(out, f, f ? f->path : o->path,
			     !f ? addr - o->load : f->exec ? addr : addr - o->load + f->vaddr0);
			return 0;
		}
	}
	return -ENOENT;
}
