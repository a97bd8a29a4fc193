/*
 * nsym.c — see nsym.h. Per object: its mapped range and load bias (procmaps.c), and on first use
 * its function symbols (STT_FUNC and STT_GNU_IFUNC with an address), sorted by address, read from
 * the file with <elf.h>'s structures (mmap'd, every offset and size checked against the file's
 * size). An address is named by the last function starting at or below it, when inside that
 * function's size (or the function has no size).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nsym.h"
#include "procmaps.h"

struct fn {
	uint64_t addr, size;
	const char *name;            /* into obj.strs */
};

struct obj {
	char path[4096];             /* to open: /proc/PID/root/... */
	const char *base;            /* basename of the mapped path */
	char *mapped;
	uint64_t load, start, end, vaddr0;
	bool loaded;
	struct fn *fns;
	size_t nfns;
	char *strs;
};

struct nsym {
	pid_t pid;
	struct obj *objs;
	int nobjs;
};

struct nsym *nsym_open(pid_t pid)
{
	struct pmap_obj *o;
	int n;
	if (pmap_read(pid, &o, &n) < 0)
		return NULL;
	struct nsym *s = calloc(1, sizeof(*s));
	if (n > NSYM_MAX_OBJS)
		n = NSYM_MAX_OBJS;
	if (s)
		s->objs = calloc((size_t)(n ? n : 1), sizeof(*s->objs));
	if (!s || !s->objs) {
		free(s);
		pmap_free(o, n);
		return NULL;
	}
	s->pid = pid;
	for (int i = 0; i < n; i++) {
		struct obj *b = &s->objs[s->nobjs];
		b->mapped = strdup(o[i].path);
		if (!b->mapped || pmap_open_path(pid, o[i].path, b->path, sizeof(b->path)) < 0) {
			free(b->mapped);
			continue;
		}
		const char *sl = strrchr(b->mapped, '/');
		b->base = sl ? sl + 1 : b->mapped;
		b->load = o[i].load;
		b->start = o[i].start;
		b->end = o[i].end;
		s->nobjs++;
	}
	pmap_free(o, n);
	return s;
}

void nsym_close(struct nsym *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nobjs; i++) {
		free(s->objs[i].mapped);
		free(s->objs[i].fns);
		free(s->objs[i].strs);
	}
	free(s->objs);
	free(s);
}

static int by_addr(const void *a, const void *b)
{
	const struct fn *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Read B's function symbols: .symtab if it has one (static functions too), else .dynsym. */
static void load(struct obj *b)
{
	b->loaded = true;
	int fd = open(b->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr) || (uint64_t)st.st_size > NSYM_MAX_FILE) {
		close(fd);
		return;
	}
	size_t size = (size_t)st.st_size;
	const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return;
	const Elf64_Ehdr *eh = (const void *)m;
#define IN(off, len) ((uint64_t)(off) <= size && (uint64_t)(len) <= size - (uint64_t)(off))
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !IN(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
	    !IN(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		goto out;
	const Elf64_Phdr *ph = (const void *)(m + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			b->vaddr0 = ph[i].p_vaddr - ph[i].p_offset;
			break;
		}
	const Elf64_Shdr *sh = (const void *)(m + eh->e_shoff);
	for (int pass = 0; pass < 2 && !b->nfns; pass++) {
		uint32_t want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;
		for (int i = 0; i < eh->e_shnum && !b->nfns; i++) {
			if (sh[i].sh_type != want || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
			    sh[i].sh_link >= eh->e_shnum || !IN(sh[i].sh_offset, sh[i].sh_size))
				continue;
			const Elf64_Shdr *strs = &sh[sh[i].sh_link];
			if (!IN(strs->sh_offset, strs->sh_size) || !strs->sh_size)
				continue;
			const Elf64_Sym *sym = (const void *)(m + sh[i].sh_offset);
			size_t n = sh[i].sh_size / sizeof(Elf64_Sym), k = 0;
			b->fns = calloc(n ? n : 1, sizeof(*b->fns));
			b->strs = malloc(strs->sh_size + 1);
			if (!b->fns || !b->strs)
				goto out;
			memcpy(b->strs, m + strs->sh_offset, strs->sh_size);
			b->strs[strs->sh_size] = 0;
			for (size_t j = 0; j < n; j++) {
				int type = ELF64_ST_TYPE(sym[j].st_info);
				if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !sym[j].st_value ||
				    sym[j].st_shndx == SHN_UNDEF || sym[j].st_name >= strs->sh_size)
					continue;
				b->fns[k++] = (struct fn){ sym[j].st_value, sym[j].st_size, b->strs + sym[j].st_name };
			}
			b->nfns = k;
			qsort(b->fns, k, sizeof(*b->fns), by_addr);
			if (!k) {
				free(b->fns), b->fns = NULL;
				free(b->strs), b->strs = NULL;
			}
		}
	}
#undef IN
out:
	munmap((void *)m, size);
}

bool nsym_name(struct nsym *s, uint64_t ip, const char **func, const char **module)
{
	*func = *module = NULL;
	for (int i = 0; s && i < s->nobjs; i++) {
		struct obj *b = &s->objs[i];
		if (ip < b->start || ip >= b->end)
			continue;
		*module = b->base;
		if (!b->loaded)
			load(b);
		uint64_t va = ip - b->load + b->vaddr0;
		size_t lo = 0, hi = b->nfns;
		while (lo < hi) {            /* the first function starting above va */
			size_t mid = (lo + hi) / 2;
			if (b->fns[mid].addr <= va)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0)
			return false;
		const struct fn *f = &b->fns[lo - 1];
		if (f->size && va >= f->addr + f->size)
			return false;
		*func = f->name;
		return true;
	}
	return false;
}
