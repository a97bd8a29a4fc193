/*
 * pyoffsets.c — the struct offsets of each CPython pyscope walks, and finding a process's CPython.
 *
 * How the table was derived: tests/cases/stack_offsets_probe.c prints offsetof() of every field
 * below, compiled with -DPy_BUILD_CORE against a version's own include directory (the internal
 * headers hold _PyRuntimeState, PyInterpreterState and, from 3.11, _PyInterpreterFrame); each row
 * is that program's output for CPython 3.8.18, 3.9.18, 3.10.13, 3.11.7, 3.12.1 and 3.13.0 on
 * x86-64 (LP64; the same on aarch64). Layouts hold within a minor version (CPython's ABI rule for
 * these structures in practice, since debuggers rely on it). tests/cases/stack_offsets.sh compiles
 * the probe against every include directory on the machine and compares with this table.
 * On 3.13+ the interpreter describes itself: _PyRuntime starts with _Py_DebugOffsets (cookie
 * "xdebugpy"), which pyscope reads rather than trusting the table (3.13's layout of that struct
 * only: a later one is refused until its layout is known).
 *
 * Finding a process's CPython: among its mapped objects, the one named python3.N or libpython3.N*
 * that defines the symbol _PyRuntime (in .dynsym or .symtab: elfsym.c's esym_file_symbol).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "elfsym.h"
#include "procmaps.h"
#include "pyoffsets.h"

const char *const pyo_field_names[PYO_NFIELDS] = {
	"runtime_interp_head", "interp_threads_head", "tstate_next", "tstate_thread_id",
	"tstate_native_thread_id", "tstate_frame", "cframe_current_frame", "frame_previous",
	"frame_code", "frame_instr", "frame_owner", "code_filename", "code_name", "code_firstlineno",
	"code_linetable", "code_adaptive", "code_varnames", "code_kinds", "ascii_size", "compact_size", "unicode_state",
	"unicode_length", "bytes_size", "bytes_sval",
};

int pyo_field(const struct pyo_offsets *o, int i)
{
	const int *f = &o->interp_head;
	return i >= 0 && i < PYO_NFIELDS ? f[i] : -1;
}
_Static_assert(sizeof(struct pyo_offsets) == (PYO_NFIELDS + 1) * sizeof(int), "one int per field");

static const struct pyo_offsets table[] = {
	/* minor ihead thead next tid  ntid frame cfr prev code instr own file name first ltab adapt
	 *   vars kinds ascii compact state len bsize bsval */
	{ 8, 32, 8, 8, 176, -1, 24, -1, 24, 32, 104, -1, 104, 112, 40, 120, -1, 72, -1, 48, 72, 32, 16, 16, 32 },
	{ 9, 32, 8, 8, 176, -1, 24, -1, 24, 32, 104, -1, 104, 112, 40, 120, -1, 72, -1, 48, 72, 32, 16, 16, 32 },
	{ 10, 32, 8, 8, 176, -1, 24, -1, 24, 32, 96, -1, 104, 112, 40, 120, -1, 72, -1, 48, 72, 32, 16, 16, 32 },
	{ 11, 40, 16, 8, 152, 160, 56, 8, 48, 32, 56, -1, 112, 128, 72, 136, 184, 96, 104, 48, 72, 32, 16, 16, 32 },
	{ 12, 40, 72, 8, 136, 144, 56, 0, 8, 0, 56, 70, 112, 128, 68, 136, 192, 96, 104, 40, 56, 32, 16, 16, 32 },
	{ 13, 632, 7344, 8, 152, 160, 72, -1, 8, 0, 56, 70, 112, 128, 68, 136, 200, 96, 104, 40, 56, 32, 16, 16, 32 },
};

const struct pyo_offsets *pyo_table(int minor)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].minor == minor)
			return &table[i];
	return NULL;
}

/* 3.13's _Py_DebugOffsets: every field a uint64_t at these byte offsets from its start. */
enum {
	DBG_VERSION = 8, DBG_INTERP_HEAD = 40, DBG_THREADS_HEAD = 72, DBG_TS_NEXT = 168,
	DBG_TS_FRAME = 184, DBG_TS_THREAD_ID = 192, DBG_TS_NATIVE_ID = 200, DBG_FR_PREVIOUS = 232,
	DBG_FR_EXECUTABLE = 240, DBG_FR_INSTR = 248, DBG_FR_OWNER = 264, DBG_CO_FILENAME = 280,
	DBG_CO_QUALNAME = 296, DBG_CO_LINETABLE = 304, DBG_CO_FIRSTLINENO = 312,
	DBG_CO_VARNAMES = 328, DBG_CO_KINDS = 336, DBG_CO_ADAPTIVE = 344, DBG_SIZE_313 = 352,
};

static uint64_t get64(const unsigned char *b, size_t at)
{
	uint64_t v;
	memcpy(&v, b + at, sizeof(v));
	return v;
}

int pyo_from_debug(const unsigned char *buf, size_t len, struct pyo_offsets *out)
{
	if (len < DBG_SIZE_313 || memcmp(buf, "xdebugpy", 8) != 0)
		return -EINVAL;
	uint64_t ver = get64(buf, DBG_VERSION);
	if ((ver >> 24) != 3 || ((ver >> 16) & 0xff) != 13)
		return -EINVAL;
	*out = *pyo_table(13);
	static const struct { size_t at; size_t field; } map[] = {
		{ DBG_INTERP_HEAD, offsetof(struct pyo_offsets, interp_head) },
		{ DBG_THREADS_HEAD, offsetof(struct pyo_offsets, threads_head) },
		{ DBG_TS_NEXT, offsetof(struct pyo_offsets, tstate_next) },
		{ DBG_TS_FRAME, offsetof(struct pyo_offsets, tstate_frame) },
		{ DBG_TS_THREAD_ID, offsetof(struct pyo_offsets, tstate_thread_id) },
		{ DBG_TS_NATIVE_ID, offsetof(struct pyo_offsets, tstate_native_id) },
		{ DBG_FR_PREVIOUS, offsetof(struct pyo_offsets, frame_previous) },
		{ DBG_FR_EXECUTABLE, offsetof(struct pyo_offsets, frame_code) },
		{ DBG_FR_INSTR, offsetof(struct pyo_offsets, frame_instr) },
		{ DBG_FR_OWNER, offsetof(struct pyo_offsets, frame_owner) },
		{ DBG_CO_FILENAME, offsetof(struct pyo_offsets, code_filename) },
		{ DBG_CO_QUALNAME, offsetof(struct pyo_offsets, code_name) },
		{ DBG_CO_LINETABLE, offsetof(struct pyo_offsets, code_linetable) },
		{ DBG_CO_FIRSTLINENO, offsetof(struct pyo_offsets, code_firstlineno) },
		{ DBG_CO_VARNAMES, offsetof(struct pyo_offsets, code_varnames) },
		{ DBG_CO_KINDS, offsetof(struct pyo_offsets, code_kinds) },
		{ DBG_CO_ADAPTIVE, offsetof(struct pyo_offsets, code_adaptive) },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		uint64_t v = get64(buf, map[i].at);
		if (v > 65535)          /* no structure pyscope walks is that large: not an offset */
			return -EINVAL;
		int iv = (int)v;
		memcpy((char *)out + map[i].field, &iv, sizeof(iv));
	}
	return 0;
}

int pyo_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	return n < 0 && errno == ESRCH ? -ESRCH : -EFAULT;
}

int pyo_read_u64(pid_t pid, uint64_t addr, uint64_t *v)
{
	return pyo_read(pid, addr, v, sizeof(*v));
}

/* 3.N from an object's file name: "python3.11", "libpython3.12.so.1.0"; -1 otherwise. */
static int minor_from_name(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	if (strncmp(b, "lib", 3) == 0)
		b += 3;
	int minor, n = 0;
	if (sscanf(b, "python3.%d%n", &minor, &n) != 1 || n == 0)
		return -1;
	char c = b[n];
	/* python3.11, python3.11d, libpython3.11.so..., python3.13t (free-threaded: another layout) */
	if (c == 't')
		return -2;
	return c == '\0' || c == 'd' || c == '.' || c == 'm' ? minor : -1;
}

int pyo_target_find(pid_t pid, struct pyo_target *t, char *err, int errlen)
{
	struct pmap_obj *objs;
	int n, rc = pmap_read(pid, &objs, &n);
	if (rc < 0) {
		snprintf(err, errlen, "process %d: %s", (int)pid, rc == -ESRCH ? "no such process" : strerror(-rc));
		return rc;
	}
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	rc = -ENOENT;
	snprintf(err, errlen, "process %d is not a CPython process (no python3.N or libpython3.N with _PyRuntime mapped)", (int)pid);
	for (int i = 0; i < n && rc == -ENOENT; i++) {
		int minor = minor_from_name(objs[i].path);
		if (minor == -1)
			continue;
		char path[4096];
		uint64_t size = 0;
		if (pmap_open_path(pid, objs[i].path, path, sizeof(path)) < 0 ||
		    esym_file_symbol(path, "_PyRuntime", objs[i].load, &t->runtime, &t->runtime_size) < 0)
			continue;
		snprintf(t->object, sizeof(t->object), "%s", objs[i].path);
		if (minor == -2) {
			snprintf(err, errlen, "process %d runs a free-threaded CPython (%s): not supported", (int)pid, objs[i].path);
			rc = -ENOTSUP;
			break;
		}
		t->minor = minor;
		if (esym_file_symbol(path, "PyCode_Type", objs[i].load, &t->code_type, &size) < 0)
			t->code_type = 0;
		if (esym_file_symbol(path, "PyUnicode_Type", objs[i].load, &t->unicode_type, &size) < 0)
			t->unicode_type = 0;
		rc = 0;
	}
	pmap_free(objs, n);
	if (rc < 0)
		return rc;
	if (t->minor >= 13) {
		unsigned char buf[DBG_SIZE_313];
		if (pyo_read(pid, t->runtime, buf, sizeof(buf)) < 0) {
			snprintf(err, errlen, "process %d: cannot read its _PyRuntime", (int)pid);
			return -EFAULT;
		}
		if (t->minor == 13 && pyo_from_debug(buf, sizeof(buf), &t->off) == 0) {
			t->from_debug = 1;
			return 0;
		}
		snprintf(err, errlen, "process %d runs CPython 3.%d (%s), whose layout pyscope does not know (3.%d to 3.%d)",
			 (int)pid, t->minor, t->object, PYO_MIN_MINOR, PYO_MAX_MINOR);
		return -ENOTSUP;
	}
	const struct pyo_offsets *o = pyo_table(t->minor);
	if (!o) {
		snprintf(err, errlen, "process %d runs CPython 3.%d (%s), whose layout pyscope does not know (3.%d to 3.%d)",
			 (int)pid, t->minor, t->object, PYO_MIN_MINOR, PYO_MAX_MINOR);
		return -ENOTSUP;
	}
	t->off = *o;
	return 0;
}

/* The text segment's p_vaddr - p_offset (*TEXT) of the 64-bit ELF file FD, and the file offset
 * of address VADDR (*OFF, when some PT_LOAD holds it; else left). 0, or -ENOENT. */
static int elf_segments(int fd, uint64_t vaddr, uint64_t *text, uint64_t *off)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64)
		return -ENOENT;
	size_t len = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (pread(fd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
		return -ENOENT;
	int rc = -ENOENT;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if ((ph[i].p_flags & PF_X) && rc < 0) {
			*text = ph[i].p_vaddr - ph[i].p_offset;
			rc = 0;
		}
		if (vaddr >= ph[i].p_vaddr && vaddr - ph[i].p_vaddr < ph[i].p_filesz)
			*off = vaddr - ph[i].p_vaddr + ph[i].p_offset;
	}
	return rc;
}

int pyo_file_find(const char *path, struct pyo_target *t, uint64_t *text)
{
	memset(t, 0, sizeof(*t));
	int minor = minor_from_name(path);
	uint64_t value = 0, size = 0, off = 0;
	if (minor < 0 || esym_file_symbol(path, "_PyRuntime", ESYM_FILE_VADDR, &value, &t->runtime_size) < 0)
		return -ENOENT;
	t->minor = minor;
	t->runtime = value;
	snprintf(t->object, sizeof(t->object), "%s", path);
	if (esym_file_symbol(path, "PyCode_Type", ESYM_FILE_VADDR, &value, &size) == 0)
		t->code_type = value;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = elf_segments(fd, t->runtime, text, &off);
	if (rc == 0 && minor >= 13) {
		/* the _Py_DebugOffsets _PyRuntime starts with, as the file initializes it */
		unsigned char buf[DBG_SIZE_313];
		rc = off && pread(fd, buf, sizeof(buf), (off_t)off) == (ssize_t)sizeof(buf) &&
		     minor == 13 && pyo_from_debug(buf, sizeof(buf), &t->off) == 0 ? 0 : -ENOTSUP;
		t->from_debug = rc == 0;
	} else if (rc == 0) {
		const struct pyo_offsets *o = pyo_table(minor);
		if (o)
			t->off = *o;
		else
			rc = -ENOTSUP;
	}
	close(fd);
	return rc;
}

void pyo_to_proc(const struct pyo_target *t, struct pystack_proc *p)
{
	const struct pyo_offsets *o = &t->off;
	memset(p, 0, sizeof(*p));
	p->runtime = t->runtime;
	p->interp_head = (short)o->interp_head;
	p->threads_head = (short)o->threads_head;
	p->tstate_next = (short)o->tstate_next;
	p->tstate_thread_id = (short)o->tstate_thread_id;
	p->tstate_native_id = (short)o->tstate_native_id;
	p->tstate_frame = (short)o->tstate_frame;
	p->cframe_frame = (short)o->cframe_frame;
	p->frame_previous = (short)o->frame_previous;
	p->frame_code = (short)o->frame_code;
	p->frame_instr = (short)o->frame_instr;
	p->frame_owner = (short)o->frame_owner;
	p->instr_kind = o->minor >= 11 ? PYSTACK_INSTR_POINTER :
			o->minor == 10 ? PYSTACK_INSTR_LASTI_UNITS : PYSTACK_INSTR_LASTI_BYTES;
	/* what the kernel needs to send code object definitions (pystack_walk.bpf.h) */
	p->minor = (unsigned char)o->minor;
	p->code_type = t->code_type;
	p->code_filename = (short)o->code_filename;
	p->code_name = (short)o->code_name;
	p->code_firstlineno = (short)o->code_firstlineno;
	p->code_linetable = (short)o->code_linetable;
	p->code_adaptive = (short)o->code_adaptive;
	p->ascii_size = (short)o->ascii_size;
	p->compact_size = (short)o->compact_size;
	p->unicode_state = (short)o->unicode_state;
	p->unicode_length = (short)o->unicode_length;
	p->bytes_size = (short)o->bytes_size;
	p->bytes_sval = (short)o->bytes_sval;
}
