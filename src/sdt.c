/*
 * sdt.c — reads the stapsdt notes of one ELF object with libelf (the only module including it).
 *
 * <sys/sdt.h> leaves one note per marker in the ".note.stapsdt" section: owner "stapsdt", type 3,
 * and a descriptor of three address-sized words — location (pc), base, semaphore — followed by
 * three NUL-terminated strings: provider, name, argument specs. Addresses are 8 bytes in ELF64
 * and 4 in ELF32 objects, in the object's byte order.
 *
 * The base word records where the linker placed the ".stapsdt.base" section when the note was
 * written. If a pre-linker moved the object afterwards, the section's address differs from the
 * recorded base and location and semaphore move by the same amount (SystemTap and libbpf's
 * usdt.c both apply it this way; with no .stapsdt.base section, or a zero base, no adjustment).
 *
 * A uprobe is placed by file offset, so each adjusted address is also mapped through the program
 * headers (the PT_LOAD segment that contains it) to an offset in the file.
 *
 * The file is untrusted input: every size is checked against what libelf says is really there,
 * and any inconsistency gives a one-line reason instead of a note list.
 *
 * Argument specs are decoded (argspec.c) in the syntax of the object's own architecture, from its
 * e_machine. The shared libraries an object needs are found as the dynamic loader finds them
 * (sdt_find_lib): its RPATH, LD_LIBRARY_PATH, its RUNPATH, the loader's cache /etc/ld.so.cache and
 * the loader's default directories for the object's machine; no directory is written in here.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "event.h"
#include "sdt.h"

#define NT_STAPSDT 3

/* Put a one-line reason into ERR and return RC. */
__attribute__((format(printf, 4, 5)))
static int say(char *err, int errlen, int rc, const char *fmt, ...)
{
	if (err && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static uint64_t get_word(const unsigned char *p, int size, bool big_endian)
{
	uint64_t v = 0;
	for (int i = 0; i < size; i++)
		v |= (uint64_t)p[big_endian ? size - 1 - i : i] << (8 * i);
	return v;
}

/* File offset of virtual address ADDR through the PT_LOAD segments; 0 when none holds it. */
static uint64_t addr_to_off(Elf *elf, size_t nphdr, uint64_t addr)
{
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_memsz)
			return addr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

/* Name of the function-sized symbol containing ADDR in symbol section SCN, or NULL. */
static const char *find_func(Elf *elf, Elf_Scn *scn, uint64_t addr)
{
	GElf_Shdr sh;
	Elf_Data *d;
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_entsize == 0 || !(d = elf_getdata(scn, NULL)))
		return NULL;
	size_t n = d->d_size / sh.sh_entsize;
	const char *best = NULL;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		if (addr < sym.st_value || addr - sym.st_value >= (sym.st_size ? sym.st_size : 1))
			continue;
		const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		/* Prefer a global name over a local alias of the same code. */
		if (!best || GELF_ST_BIND(sym.st_info) == STB_GLOBAL)
			best = name;
	}
	return best;
}

/* DT_NEEDED names and DT_RUNPATH/DT_RPATH of dynamic section SCN (strings in section LINK). */
static int read_dynamic(Elf *elf, Elf_Scn *scn, struct sdt_file *f)
{
	GElf_Shdr sh;
	Elf_Data *d;
	if (!gelf_getshdr(scn, &sh) || sh.sh_entsize == 0 || !(d = elf_getdata(scn, NULL)))
		return 0;   /* no usable dynamic section: nothing needed, not an error */
	size_t n = d->d_size / sh.sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Dyn dyn;
		if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH && dyn.d_tag != DT_RPATH)
			continue;
		const char *str = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
		if (!str)
			continue;
		if (dyn.d_tag == DT_NEEDED) {
			char **nn = realloc(f->needed, (f->nneeded + 1) * sizeof(*nn));
			if (!nn)
				return -ENOMEM;
			f->needed = nn;
			if (!(f->needed[f->nneeded] = strdup(str)))
				return -ENOMEM;
			f->nneeded++;
		} else if (!f->runpath || dyn.d_tag == DT_RUNPATH) {
			/* DT_RUNPATH wins over DT_RPATH, as in the dynamic loader. */
			free(f->runpath);
			if (!(f->runpath = strdup(str)))
				return -ENOMEM;
			f->runpath_is_rpath = dyn.d_tag == DT_RPATH;
		}
	}
	return 0;
}

/* Decode one stapsdt note descriptor into N. 0, or -EINVAL when it does not hold together. */
static int decode_note(const unsigned char *desc, size_t len, int wsize, bool big_endian,
		       struct sdt_note *n, char *err, int errlen)
{
	if (len < 3 * (size_t)wsize + 3)
		return say(err, errlen, -EINVAL, "stapsdt note too short (no room for its strings)");
	n->pc = get_word(desc, wsize, big_endian);
	n->base = get_word(desc + wsize, wsize, big_endian);
	n->sem = get_word(desc + 2 * wsize, wsize, big_endian);
	const char *s = (const char *)desc + 3 * wsize, *end = (const char *)desc + len;
	const char *strs[3];
	for (int i = 0; i < 3; i++) {
		const char *z = memchr(s, 0, end - s);
		if (!z)
			return say(err, errlen, -EINVAL, "stapsdt note with an unterminated string");
		strs[i] = s;
		s = z + 1;
		if (s == end && i < 2)
			return say(err, errlen, -EINVAL, "stapsdt note with missing strings");
	}
	n->provider = strdup(strs[0]);
	n->name = strdup(strs[1]);
	n->args = strdup(strs[2]);
	if (!n->provider || !n->name || !n->args)
		return -ENOMEM;
	return 0;
}

static int read_notes(Elf *elf, uint64_t fsize, struct sdt_file *f, char *err, int errlen)
{
	GElf_Ehdr eh;
	size_t shstrndx, nphdr;
	if (!gelf_getehdr(elf, &eh))
		return say(err, errlen, -EINVAL, "bad ELF header (%s)", elf_errmsg(-1));
	int wsize = eh.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : eh.e_ident[EI_CLASS] == ELFCLASS32 ? 4 : 0;
	if (!wsize)
		return say(err, errlen, -EINVAL, "unknown ELF class");
	bool big = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return say(err, errlen, -EINVAL, "not an executable or shared library%s",
			   eh.e_type == ET_REL ? " (a relocatable object; link it first)" : "");
	f->is_dyn = eh.e_type == ET_DYN;
	f->machine = eh.e_machine;
	f->elfclass = eh.e_ident[EI_CLASS];
	if (elf_getshdrstrndx(elf, &shstrndx) < 0 || elf_getphdrnum(elf, &nphdr) < 0)
		return say(err, errlen, -EINVAL, "bad section or program header table (%s)", elf_errmsg(-1));
	/* libelf reads header tables lazily and may quietly give fewer sections than the header
	 * promises; a table that does not fit in the file is a truncated (or lying) file. */
	size_t nshdr;
	if (elf_getshdrnum(elf, &nshdr) < 0)
		return say(err, errlen, -EINVAL, "bad section header table (%s)", elf_errmsg(-1));
	/* e_shnum 0 means "more than fit": the count is in section 0, which libelf read. */
	size_t want = eh.e_shnum ? eh.e_shnum : nshdr;
	if (nshdr < want ||
	    eh.e_shoff > fsize || (fsize - eh.e_shoff) / (eh.e_shentsize ? eh.e_shentsize : 1) < want ||
	    eh.e_phoff > fsize || (fsize - eh.e_phoff) / (eh.e_phentsize ? eh.e_phentsize : 1) < nphdr)
		return say(err, errlen, -EINVAL,
			   "truncated file (its header tables run past the end of the file)");

	/* The ELF address at file offset 0 (0 for anything but pre-linked libraries): turns the
	 * "address of file offset 0" /proc/PID/maps gives into the load bias. */
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			f->vaddr_at_0 = ph.p_vaddr - ph.p_offset;
			break;
		}
	}

	/* First pass: where things are. */
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	bool have_base = false;
	uint64_t base_addr = 0;
	int cap = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return say(err, errlen, -EINVAL, "bad section header (%s)", elf_errmsg(-1));
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (sh.sh_type == SHT_DYNAMIC) {
			int rc = read_dynamic(elf, scn, f);
			if (rc < 0)
				return rc;
		}
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM)
			dynsym = scn;
		else if (strcmp(name, ".stapsdt.base") == 0) {
			have_base = true;
			base_addr = sh.sh_addr;
		}
		if (sh.sh_type != SHT_NOTE || strcmp(name, ".note.stapsdt") != 0)
			continue;

		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d)
			return say(err, errlen, -EINVAL, "cannot read .note.stapsdt (%s; truncated file?)",
				    elf_errmsg(-1));
		size_t off = 0;
		while (off < d->d_size) {
			GElf_Nhdr nh;
			size_t name_off, desc_off;
			size_t next = gelf_getnote(d, off, &nh, &name_off, &desc_off);
			if (next == 0 || next <= off)
				return say(err, errlen, -EINVAL,
					   "malformed note in .note.stapsdt (its sizes run past the section)");
			off = next;
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != sizeof("stapsdt") ||
			    memcmp((char *)d->d_buf + name_off, "stapsdt", sizeof("stapsdt")) != 0)
				continue;
			if (f->nnotes == cap) {
				cap = cap ? 2 * cap : 16;
				struct sdt_note *nn = realloc(f->notes, cap * sizeof(*nn));
				if (!nn)
					return -ENOMEM;
				f->notes = nn;
			}
			struct sdt_note *n = &f->notes[f->nnotes];
			memset(n, 0, sizeof(*n));
			f->nnotes++;
			int rc = decode_note((unsigned char *)d->d_buf + desc_off, nh.n_descsz, wsize, big,
					     n, err, errlen);
			if (rc < 0)
				return rc;
		}
	}

	/* Second pass: adjust, map to file offsets, decode arguments, find the functions. */
	for (int i = 0; i < f->nnotes; i++) {
		struct sdt_note *n = &f->notes[i];
		uint64_t delta = have_base && n->base ? base_addr - n->base : 0;
		uint64_t mask = wsize == 4 ? 0xffffffffull : ~0ull;
		n->pc_adj = (n->pc + delta) & mask;
		n->sem_adj = n->sem ? (n->sem + delta) & mask : 0;
		n->pc_off = addr_to_off(elf, nphdr, n->pc_adj);
		n->sem_off = n->sem_adj ? addr_to_off(elf, nphdr, n->sem_adj) : 0;
		char why[160];
		/* By the object's architecture, not the host's: an arm64 binary lists the same
		 * everywhere. */
		int arch = argspec_arch_of(eh.e_machine), na = 0;
		if (arch >= 0)
			na = argspec_parse_all(n->args, arch, n->spec, PS_MAX_ARGS, why, sizeof(why));
		else if (n->args[strspn(n->args, " \t")]) {
			snprintf(why, sizeof(why), "argument specs of ELF machine %u are not decoded "
				 "(pyscope knows x86-64 and arm64)", eh.e_machine);
			na = -EINVAL;
		}
		if (na < 0) {
			n->nargs = 0;
			n->args_err = strdup(why);
			if (!n->args_err)
				return -ENOMEM;
		} else {
			n->nargs = na;
		}
		const char *fn = find_func(elf, symtab, n->pc_adj);
		if (!fn)
			fn = find_func(elf, dynsym, n->pc_adj);
		if (fn && !(n->function = strdup(fn)))
			return -ENOMEM;
	}
	return 0;
}

int sdt_read(const char *path, struct sdt_file **out, char *err, int errlen)
{
	*out = NULL;
	if (err && errlen > 0)
		err[0] = 0;
	/* O_NONBLOCK: a FIFO must not hang the listing; fstat below turns it away. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		return say(err, errlen, -e, "%s", strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		return say(err, errlen, -e, "%s", e == EISDIR ? "is a directory" : "not a regular file");
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		close(fd);
		return say(err, errlen, -EINVAL, "libelf: %s", elf_errmsg(-1));
	}
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		return say(err, errlen, -ENOEXEC, "not an ELF file");
	}
	struct sdt_file *f = calloc(1, sizeof(*f));
	int rc = -ENOMEM;
	if (f && (f->path = strdup(path)))
		rc = read_notes(elf, (uint64_t)st.st_size, f, err, errlen);
	elf_end(elf);
	close(fd);
	if (rc < 0) {
		if (rc == -ENOMEM)
			say(err, errlen, rc, "out of memory");
		sdt_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void sdt_free(struct sdt_file *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nnotes; i++) {
		free(f->notes[i].provider);
		free(f->notes[i].name);
		free(f->notes[i].args);
		free(f->notes[i].args_err);
		free(f->notes[i].function);
	}
	free(f->notes);
	for (int i = 0; i < f->nneeded; i++)
		free(f->needed[i]);
	free(f->needed);
	free(f->runpath);
	free(f->path);
	free(f);
}

bool sdt_match(const char *pattern, const char *provider, const char *name)
{
	char prov_pat[256];
	const char *colon = strchr(pattern, ':');
	if (colon) {
		size_t n = (size_t)(colon - pattern);
		if (n >= sizeof(prov_pat))
			return false;
		memcpy(prov_pat, pattern, n);
		prov_pat[n] = 0;
		/* An empty provider part ("":name) matches any provider, as in DTrace. */
		if (!ps_name_match(prov_pat, provider))
			return false;
		pattern = colon + 1;
	}
	return ps_name_match(pattern, name);
}

/* ---- finding a shared library as the dynamic loader does ---- */

/* PATH is a readable ELF object of MACHINE and ELFCLASS (a cache or a directory may hold
 * another architecture's library of the same name: /usr/lib32, a biarch cache). */
static bool same_machine(const char *path, unsigned machine, int elfclass)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, h, sizeof(h)) == sizeof(h) &&
		  memcmp(h, ELFMAG, SELFMAG) == 0 && h[EI_CLASS] == elfclass &&
		  (h[EI_DATA] == ELFDATA2MSB ? (unsigned)(h[18] << 8 | h[19])
					      : (unsigned)(h[19] << 8 | h[18])) == machine;
	close(fd);
	return ok;
}

/* The loader's cache as glibc's ldconfig writes it ("glibc-ld.so.cache1.1"; before glibc 2.32
 * possibly after an old "ld.so-1.7.0" part): a header, then NLIBS entries of {flags, key, value,
 * osversion, hwcap}, key and value being offsets of NUL-terminated strings (soname, path) from
 * the start of the new-format header, all in the host's byte order (little-endian on the machines
 * pyscope builds for). The entries' flags also encode the architecture, but reading the library's
 * own ELF header (same_machine) says the same for every architecture, known or not. */
#define LDCACHE_NEW "glibc-ld.so.cache1.1"
#define LDCACHE_OLD "ld.so-1.7.0"
#define LDCACHE_MAX (64u << 20)      /* a larger file is not a cache */
enum { NEW_HDR = 48, NEW_ENT = 24, OLD_HDR = 16, OLD_ENT = 12 };

static uint32_t u32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int sdt_ldcache_lookup(const char *cache, const char *name, unsigned machine, int elfclass,
		       char *out, size_t len)
{
	int fd = open(cache, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < NEW_HDR ||
	    (uint64_t)st.st_size > LDCACHE_MAX) {
		close(fd);
		return -EINVAL;
	}
	size_t size = (size_t)st.st_size, got = 0;
	unsigned char *c = malloc(size + 1);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	while (got < size) {
		ssize_t n = read(fd, c + got, size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	c[got] = 0;              /* every string ends by the end of the buffer */
	size = got;

	/* Where the new-format header is: at 0, or after the old format's entries (8-aligned). */
	size_t base = 0;
	if (size >= OLD_HDR && memcmp(c, LDCACHE_OLD, strlen(LDCACHE_OLD)) == 0) {
		uint64_t end = OLD_HDR + (uint64_t)u32le(c + 12) * OLD_ENT;   /* nlibs at 12 */
		base = end + 7 > size ? size : (size_t)((end + 7) & ~(uint64_t)7);
	}
	int rc = -EINVAL;
	if (size - base >= NEW_HDR && memcmp(c + base, LDCACHE_NEW, strlen(LDCACHE_NEW)) == 0) {
		uint64_t nlibs = u32le(c + base + 20);
		const unsigned char *data = c + base;
		size_t room = size - base;
		rc = -ENOENT;
		if (nlibs > (room - NEW_HDR) / NEW_ENT)
			nlibs = (room - NEW_HDR) / NEW_ENT;   /* entries past the end do not exist */
		for (uint64_t i = 0; i < nlibs; i++) {
			const unsigned char *e = data + NEW_HDR + i * NEW_ENT;
			uint32_t key = u32le(e + 4), value = u32le(e + 8);
			if (key >= room || value >= room || strcmp((const char *)data + key, name) != 0)
				continue;
			const char *path = (const char *)data + value;
			if ((size_t)snprintf(out, len, "%s", path) < len &&
			    same_machine(out, machine, elfclass)) {
				rc = 0;
				break;
			}
		}
	}
	free(c);
	return rc;
}

/* NAME in each directory of the colon-separated LIST ($ORIGIN and ${ORIGIN} replaced by ORIGIN):
 * true with the path in OUT at the first of F's machine. */
static bool search_dirs(const struct sdt_file *f, const char *list, const char *origin,
			const char *name, char *out, size_t len)
{
	char dirs[8192];
	if (!list || (size_t)snprintf(dirs, sizeof(dirs), "%s", list) >= sizeof(dirs))
		return false;
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char dir[PATH_MAX];
		if (strncmp(d, "$ORIGIN", 7) == 0)
			snprintf(dir, sizeof(dir), "%s%s", origin, d + 7);
		else if (strncmp(d, "${ORIGIN}", 9) == 0)
			snprintf(dir, sizeof(dir), "%s%s", origin, d + 9);
		else
			snprintf(dir, sizeof(dir), "%s", d);
		if ((size_t)snprintf(out, len, "%s/%s", dir, name) < len &&
		    same_machine(out, f->machine, f->elfclass))
			return true;
	}
	return false;
}

/* The multiarch directory name of a machine, as Debian and Ubuntu lay out /usr/lib. */
static const char *multiarch_of(unsigned machine, int elfclass)
{
	static const struct { unsigned machine; int elfclass; const char *triplet; } t[] = {
		{ EM_X86_64, ELFCLASS64, "x86_64-linux-gnu" },
		{ EM_X86_64, ELFCLASS32, "x86_64-linux-gnux32" },
		{ EM_386, ELFCLASS32, "i386-linux-gnu" },
		{ EM_AARCH64, ELFCLASS64, "aarch64-linux-gnu" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].machine == machine && t[i].elfclass == elfclass)
			return t[i].triplet;
	return NULL;
}

int sdt_find_lib(const struct sdt_file *f, const char *name, const char *cache, char *out, size_t len)
{
	/* A name with a '/' is a path already (what a library linked without a soname leaves). */
	if (strchr(name, '/'))
		return (size_t)snprintf(out, len, "%s", name) < len &&
		       same_machine(out, f->machine, f->elfclass) ? 0 : -ENOENT;
	char real[PATH_MAX], origin[PATH_MAX];
	if (!realpath(f->path, real))
		snprintf(real, sizeof(real), "%s", f->path);
	snprintf(origin, sizeof(origin), "%s", real);
	char *slash = strrchr(origin, '/');
	if (slash)
		*slash = 0;
	const char *rpath = f->runpath_is_rpath ? f->runpath : NULL;
	const char *runpath = f->runpath_is_rpath ? NULL : f->runpath;
	if (search_dirs(f, rpath, origin, name, out, len) ||
	    search_dirs(f, getenv("LD_LIBRARY_PATH"), origin, name, out, len) ||
	    search_dirs(f, runpath, origin, name, out, len) ||
	    sdt_ldcache_lookup(cache ? cache : "/etc/ld.so.cache", name, f->machine, f->elfclass,
			       out, len) == 0)
		return 0;
	char defaults[512];
	const char *triplet = multiarch_of(f->machine, f->elfclass);
	snprintf(defaults, sizeof(defaults), "%s%s%s%s%s%s/lib:/usr/lib",
		 triplet ? "/lib/" : "", triplet ? triplet : "", triplet ? ":/usr/lib/" : "",
		 triplet ? triplet : "", triplet ? ":" : "",
		 f->elfclass == ELFCLASS64 ? "/lib64:/usr/lib64:" : "");
	return search_dirs(f, defaults, origin, name, out, len) ? 0 : -ENOENT;
}

int sdt_find_needed(const struct sdt_file *f, const char *prefix, int *next, char *out, size_t len)
{
	for (int k = *next; k < f->nneeded; k++) {
		const char *base = strrchr(f->needed[k], '/');
		if (strncmp(base ? base + 1 : f->needed[k], prefix, strlen(prefix)) != 0 ||
		    sdt_find_lib(f, f->needed[k], NULL, out, len) < 0)
			continue;
		*next = k + 1;
		return 0;
	}
	*next = f->nneeded;
	return -ENOENT;
}

/* One symbol table section of ELF into FN (see sdt_functions); -ENOENT when ELF has none of TYPE. */
static int each_function(Elf *elf, Elf64_Word type, int (*fn)(const char *name, void *ctx), void *ctx)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || sh.sh_entsize == 0 ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || !*name || strchr(name, '@'))
				continue;
			int rc = fn(name, ctx);
			if (rc)
				return rc;
		}
		return 0;
	}
	return -ENOENT;
}

int sdt_functions(const char *path, int (*fn)(const char *name, void *ctx), void *ctx)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		close(fd);
		return -EINVAL;
	}
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	int rc = -ENOEXEC;
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		rc = each_function(elf, SHT_SYMTAB, fn, ctx);
		if (rc == -ENOENT)
			rc = each_function(elf, SHT_DYNSYM, fn, ctx);
		if (rc == -ENOENT)
			rc = 0;
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}
