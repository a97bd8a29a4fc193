/*
 * pysym.c — code objects to file, function and line; the user-space frame walk.
 *
 * A code object is read once per process (its first bytes, in one process_vm_readv), then its
 * file name, qualified name (plain name before 3.11) and line table; the result is cached by
 * address. Strings are read as CPython keeps them: compact ASCII data right after PyASCIIObject,
 * other compact strings after PyCompactUnicodeObject, in 1, 2 or 4 bytes per character (turned
 * into UTF-8 here). Every length read from the target is checked against a limit before use.
 * Code objects live until their function dies: one freed before its samples are named reads as
 * "<unreadable>" (its type is no longer PyCode_Type); an address reused by a new code object
 * after one was cached is not noticed by default (a sampler reading another process's memory
 * races with it either way), and is with pysym_verify: each look-up then reads the code object's
 * first bytes again and compares the pointers to its file, name and line table (one read per
 * frame: what exactness at a marker hit costs; a short program's import machinery frees and
 * reuses code objects within milliseconds).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pysym.h"
#include "procmaps.h"

/* System call names by number, for this machine's architecture (scripts/gen-syscalls). */
static const char *const syscall_names[] = {
#include "syscalls.h"
};

struct code {
	uint64_t addr;
	uint64_t file_at, name_at, lt_at;   /* where they were read from (pysym_verify) */
	char *file, *name;
	int first;
	unsigned char *lt;
	size_t ltlen;
	bool kernel;                        /* from the kernel's definition (pysym_define) */
};

struct pysym_proc {
	struct pyo_target t;
	struct code *v;             /* open addressing, addr 0 = empty */
	size_t cap, n;
	bool verify, distrust;
};

void pysym_verify(struct pysym_proc *p, bool on)
{
	p->verify = on;
}

struct pysym_proc *pysym_open(const struct pyo_target *t)
{
	struct pysym_proc *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->t = *t;
	return p;
}

static void clear(struct pysym_proc *p)
{
	for (size_t i = 0; i < p->cap; i++)
		if (p->v[i].addr) {
			free(p->v[i].file);
			free(p->v[i].name);
			free(p->v[i].lt);
		}
	free(p->v);
	p->v = NULL;
	p->cap = p->n = 0;
}

void pysym_close(struct pysym_proc *p)
{
	if (!p)
		return;
	clear(p);
	free(p);
}

const struct pyo_target *pysym_target(const struct pysym_proc *p)
{
	return &p->t;
}

static size_t slot(const struct pysym_proc *p, uint64_t addr)
{
	size_t i = (size_t)((addr >> 4) * 0x9E3779B97F4A7C15ull) & (p->cap - 1);
	while (p->v[i].addr && p->v[i].addr != addr)
		i = (i + 1) & (p->cap - 1);
	return i;
}

static int grow(struct pysym_proc *p)
{
	if (p->n >= PYSYM_MAX_CODES)
		clear(p);
	if (p->cap && (p->n + 1) * 2 <= p->cap)
		return 0;
	size_t cap = p->cap ? p->cap * 2 : 256;
	struct code *old = p->v;
	size_t ocap = p->cap;
	p->v = calloc(cap, sizeof(*p->v));
	if (!p->v) {
		p->v = old;
		return -ENOMEM;
	}
	p->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].addr)
			p->v[slot(p, old[i].addr)] = old[i];
	free(old);
	return 0;
}

/* Append code point C to UTF-8 buffer B (room checked by the caller: 4 bytes). */
static size_t put_utf8(char *b, uint32_t c)
{
	if (c < 0x80) { b[0] = (char)c; return 1; }
	if (c < 0x800) { b[0] = (char)(0xC0 | c >> 6); b[1] = (char)(0x80 | (c & 63)); return 2; }
	if (c < 0x10000) {
		b[0] = (char)(0xE0 | c >> 12); b[1] = (char)(0x80 | ((c >> 6) & 63));
		b[2] = (char)(0x80 | (c & 63)); return 3;
	}
	b[0] = (char)(0xF0 | (c >> 18 & 7)); b[1] = (char)(0x80 | ((c >> 12) & 63));
	b[2] = (char)(0x80 | ((c >> 6) & 63)); b[3] = (char)(0x80 | (c & 63)); return 4;
}

/* LEN bytes of a string of KIND (1, 2, 4 bytes a character) as a malloc'd UTF-8 string. */
static char *def_str(const unsigned char *raw, size_t len, unsigned kind)
{
	if (kind != 1 && kind != 2 && kind != 4)
		return NULL;
	size_t n = len / kind;
	char *s = malloc(n * 4 + 1), *w = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = kind == 1 ? raw[i] : kind == 2 ? (uint32_t)(raw[2 * i] | raw[2 * i + 1] << 8) :
			     (uint32_t)raw[4 * i] | (uint32_t)raw[4 * i + 1] << 8 |
			     (uint32_t)raw[4 * i + 2] << 16 | (uint32_t)raw[4 * i + 3] << 24;
		if (c == 0 || c > 0x10FFFF)
			c = '?';
		w += put_utf8(w, c);
	}
	*w = '\0';
	return s;
}

/* A str object at ADDR as a malloc'd UTF-8 string; NULL when it does not read as one. */
static char *read_str(const struct pyo_target *t, uint64_t addr)
{
	const struct pyo_offsets *o = &t->off;
	unsigned char hdr[128];
	if (!addr || (size_t)o->compact_size > sizeof(hdr) || pyo_read(t->pid, addr, hdr, (size_t)o->compact_size) < 0)
		return NULL;
	int64_t len;
	uint32_t state;
	memcpy(&len, hdr + o->unicode_length, sizeof(len));
	memcpy(&state, hdr + o->unicode_state, sizeof(state));
	unsigned kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
	if (len < 0 || !compact || (kind != 1 && kind != 2 && kind != 4))
		return NULL;
	if (len > PYSYM_MAX_STR)
		len = PYSYM_MAX_STR;
	size_t bytes = (size_t)len * kind;
	unsigned char raw[PYSYM_MAX_STR * 4];
	uint64_t data = addr + (uint64_t)(ascii ? o->ascii_size : o->compact_size);
	if (bytes && pyo_read(t->pid, data, raw, bytes) < 0)
		return NULL;
	return def_str(raw, bytes, kind);
}

/* A bytes object at ADDR: malloc'd contents and length; NULL when unreadable or too large. */
static unsigned char *read_bytes(const struct pyo_target *t, uint64_t addr, size_t *len)
{
	const struct pyo_offsets *o = &t->off;
	int64_t n;
	if (!addr || pyo_read(t->pid, addr + (uint64_t)o->bytes_size, &n, sizeof(n)) < 0 ||
	    n < 0 || n > PYSYM_MAX_LINETABLE)
		return NULL;
	unsigned char *b = malloc(n ? (size_t)n : 1);
	if (b && n && pyo_read(t->pid, addr + (uint64_t)o->bytes_sval, b, (size_t)n) < 0) {
		free(b);
		return NULL;
	}
	*len = (size_t)n;
	return b;
}

/* The length of the bytes object at ADDR (co_localspluskinds). */
static int kind_len(const struct pyo_target *t, uint64_t addr, size_t *len)
{
	int64_t n;
	if (pyo_read(t->pid, addr + (uint64_t)t->off.bytes_size, &n, sizeof(n)) < 0 || n < 0)
		return -EFAULT;
	*len = (size_t)n;
	return 0;
}

static struct code *lookup(struct pysym_proc *p, uint64_t addr, int *err)
{
	*err = 0;
	const struct pyo_offsets *o = &p->t.off;
	unsigned char co[256];
	int need = o->code_linetable + 8;
	if (o->code_firstlineno + 4 > need)
		need = o->code_firstlineno + 4;
	if (o->code_filename + 8 > need)
		need = o->code_filename + 8;
	if (o->code_name + 8 > need)
		need = o->code_name + 8;
	struct code *old = NULL;
	if (p->cap) {
		struct code *c = &p->v[slot(p, addr)];
		if (c->addr && !p->distrust && (!p->verify || c->kernel))
			return c;                   /* (the kernel checked it at the hit) */
		if (c->addr) {
			uint64_t f, nm, l;
			if (pyo_read(p->t.pid, addr, co, (size_t)need) < 0)
				return c;   /* gone (exited, or freed): what was read before is the best left */
			memcpy(&f, co + o->code_filename, 8);
			memcpy(&nm, co + o->code_name, 8);
			memcpy(&l, co + o->code_linetable, 8);
			if (f == c->file_at && nm == c->name_at && l == c->lt_at)
				return c;
			old = c;            /* another code object at the address now: read it anew */
		}
	}
	if (!old && (*err = pyo_read(p->t.pid, addr, co, (size_t)need)) < 0)
		return NULL;
	uint64_t file, name, lt, type;
	int first;
	/* A code object's type is PyCode_Type: anything else is not one (freed and reused, or a
	 * frame scribbled on), and is not named. */
	memcpy(&type, co + 8, 8);                 /* ob_type */
	if (p->t.code_type && type != p->t.code_type) {
		*err = -EFAULT;
		return NULL;
	}
	memcpy(&file, co + o->code_filename, 8);
	memcpy(&name, co + o->code_name, 8);
	memcpy(&lt, co + o->code_linetable, 8);
	memcpy(&first, co + o->code_firstlineno, 4);
	struct code c = { .addr = addr, .first = first, .file_at = file, .name_at = name, .lt_at = lt };
	c.file = read_str(&p->t, file);
	c.name = read_str(&p->t, name);
	if (!c.file || !c.name) {
		free(c.file);
		free(c.name);
		*err = -EFAULT;
		return NULL;
	}
	c.lt = read_bytes(&p->t, lt, &c.ltlen);
	if (old) {
		free(old->file);
		free(old->name);
		free(old->lt);
		*old = c;
		return old;
	}
	if (grow(p) < 0) {
		free(c.file);
		free(c.name);
		free(c.lt);
		*err = -ENOMEM;
		return NULL;
	}
	struct code *s = &p->v[slot(p, addr)];
	*s = c;
	p->n++;
	return s;
}

void pysym_distrust(struct pysym_proc *p, bool on)
{
	p->distrust = on;
}

struct pysym_proc *pysym_open_bare(pid_t pid, int minor, int code_adaptive)
{
	struct pyo_target t;
	memset(&t, 0, sizeof(t));
	t.pid = pid;
	t.minor = minor;
	const struct pyo_offsets *o = pyo_table(minor);
	if (o)
		t.off = *o;
	t.off.minor = minor;
	t.off.code_adaptive = code_adaptive;
	return pysym_open(&t);
}

int pysym_define(struct pysym_proc *p, const struct pystack_def *d, size_t len)
{
	if (len < PYSTACK_DEF_HDR + 2 * PYSTACK_DEF_STR || d->file_len > PYSTACK_DEF_STR ||
	    d->name_len > PYSTACK_DEF_STR || d->lt_len > PYSTACK_DEF_LT ||
	    len < PYSTACK_DEF_HDR + 2 * PYSTACK_DEF_STR + d->lt_len || !d->code)
		return -EINVAL;
	const unsigned char *data = (const unsigned char *)d->data;
	struct code c = { .addr = d->code, .first = d->first, .file_at = d->file_at,
			  .name_at = d->name_at, .lt_at = d->lt_at, .kernel = true };
	c.file = def_str(data, d->file_len, d->file_kind);
	c.name = def_str(data + PYSTACK_DEF_STR, d->name_len, d->name_kind);
	if (!c.file || !c.name) {
		free(c.file);
		free(c.name);
		return -EINVAL;             /* the kernel could not read them either: left unnamed */
	}
	/* a line table longer than the kernel sends: read whole while the process lives, else the
	 * part sent (lines past it read as unknown) */
	if (d->lt_full > d->lt_len)
		c.lt = read_bytes(&p->t, d->lt_at, &c.ltlen);
	if (!c.lt && d->lt_len) {
		c.lt = malloc(d->lt_len);
		if (c.lt) {
			memcpy(c.lt, data + 2 * PYSTACK_DEF_STR, d->lt_len);
			c.ltlen = d->lt_len;
		}
	}
	struct code *old = p->cap ? &p->v[slot(p, d->code)] : NULL;
	if (old && old->addr) {
		free(old->file);
		free(old->name);
		free(old->lt);
		*old = c;
		return 0;
	}
	if (grow(p) < 0) {
		free(c.file);
		free(c.name);
		free(c.lt);
		return -ENOMEM;
	}
	p->v[slot(p, d->code)] = c;
	p->n++;
	return 0;
}

int pysym_resolve(struct pysym_proc *p, const struct pystack_frame *f, struct pysym_frame *out)
{
	int err;
	struct code *c = lookup(p, f->code, &err);
	if (!c) {
		out->file = "<unreadable>";
		out->name = "<unreadable>";
		out->line = 0;
		return err;
	}
	out->file = c->file;
	out->name = c->name;
	long off;
	if (p->t.minor >= 11)
		off = (long)(f->instr - (f->code + (uint64_t)p->t.off.code_adaptive)) / 2;
	else
		off = (long)(int)f->instr;
	out->line = c->lt ? pysym_line(p->t.minor, c->lt, c->ltlen, c->first, off) : c->first;
	return 0;
}

int pysym_locals(struct pysym_proc *p, uint64_t code, char *buf, size_t len)
{
	const struct pyo_offsets *o = &p->t.off;
	uint64_t names, kinds = 0;
	int64_t n;
	buf[0] = '\0';
	if (len < 1 || pyo_read_u64(p->t.pid, code + (uint64_t)o->code_varnames, &names) < 0 ||
	    (o->code_kinds >= 0 && pyo_read_u64(p->t.pid, code + (uint64_t)o->code_kinds, &kinds) < 0) ||
	    pyo_read(p->t.pid, names + 16, &n, sizeof(n)) < 0)      /* PyVarObject.ob_size */
		return -EFAULT;
	if (n < 0)
		return -EFAULT;
	if (n > PYSYM_MAX_LOCALS)
		n = PYSYM_MAX_LOCALS;
	uint64_t items[PYSYM_MAX_LOCALS];
	unsigned char kind[PYSYM_MAX_LOCALS];
	size_t kl = 0;
	if (n && pyo_read(p->t.pid, names + 24, items, (size_t)n * 8) < 0)   /* PyTupleObject.ob_item */
		return -EFAULT;
	if (kinds && (kind_len(&p->t, kinds, &kl) < 0 || kl < (size_t)n ||
		      pyo_read(p->t.pid, kinds + (uint64_t)o->bytes_sval, kind, (size_t)n) < 0))
		return -EFAULT;
	size_t at = 0;
	for (int64_t i = 0; i < n; i++) {
		if (kinds && (kind[i] & 0x80) && !(kind[i] & 0x60))
			continue;                   /* CO_FAST_FREE only: a free variable, not a local */
		char *s = read_str(&p->t, items[i]);
		if (!s)
			return -EFAULT;
		int w = snprintf(buf + at, len - at, "%s%s", at ? ", " : "", s);
		free(s);
		if (w < 0 || (size_t)w >= len - at)
			break;
		at += (size_t)w;
	}
	return 0;
}

/* 3.11+ location table varints: 6 bits a byte, bit 6 says another follows. */
static unsigned read_varint(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	unsigned v = 0, shift = 0;
	while (p < end && shift < 32) {
		unsigned char b = *p++;
		v |= (unsigned)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	*pp = p;
	return v;
}

static int read_svarint(const unsigned char **pp, const unsigned char *end)
{
	unsigned v = read_varint(pp, end);
	return v & 1 ? -(int)(v >> 1) : (int)(v >> 1);
}

int pysym_line(int minor, const unsigned char *lt, size_t len, int first, long off)
{
	const unsigned char *p = lt, *end = lt + len;
	int line = first;
	if (minor <= 9) {
		/* co_lnotab: (address increment, signed line increment) byte pairs. */
		long addr = 0;
		for (; p + 1 < end; p += 2) {
			addr += p[0];
			if (addr > off)
				break;
			line += (signed char)p[1];
		}
		return line;
	}
	if (minor == 10) {
		/* co_linetable: (byte length, signed line delta or -128: no line) pairs. */
		long start = 0, endaddr = 0, at = off * 2;
		int cur = first;
		if (off < 0)
			return first;               /* f_lasti -1: the frame has not started (its def line, as 3.8/3.9 say) */
		for (; p + 1 < end; p += 2) {
			start = endaddr;
			endaddr += p[0];
			if ((signed char)p[1] != -128) {
				line += (signed char)p[1];
				cur = line;
			} else {
				cur = 0;
			}
			if (at >= start && at < endaddr)
				return cur;
		}
		return 0;
	}
	/* 3.11+: entries of (1 byte: 1, code:4, length-1:3) and what the code says follows. */
	long addr = 0;
	while (p < end) {
		unsigned char b = *p++;
		if (!(b & 0x80))
			return 0;                   /* not at an entry's start: a corrupt table */
		int code = (b >> 3) & 15, n = (b & 7) + 1, delta = 0, none = 0;
		if (code == 15) {
			none = 1;
		} else if (code == 14) {
			delta = read_svarint(&p, end);
			read_varint(&p, end);
			read_varint(&p, end);
			read_varint(&p, end);
		} else if (code == 13) {
			delta = read_svarint(&p, end);
		} else if (code >= 10) {
			delta = code - 10;
			p += 2;
		} else {
			p += 1;
		}
		line += delta;
		if (off >= addr && off < addr + n)
			return none ? 0 : line;
		addr += n;
	}
	return 0;
}

static int rd(const struct pyo_target *t, uint64_t addr, uint64_t *v)
{
	return pyo_read_u64(t->pid, addr, v);
}

int pysym_threads(const struct pyo_target *t, uint64_t *states, uint64_t *tids, int max)
{
	const struct pyo_offsets *o = &t->off;
	uint64_t interp, ts;
	int rc;
	if ((rc = rd(t, t->runtime + (uint64_t)o->interp_head, &interp)) < 0 ||
	    (rc = rd(t, interp + (uint64_t)o->threads_head, &ts)) < 0)
		return rc;
	int n = 0;
	int idoff = o->tstate_native_id >= 0 ? o->tstate_native_id : o->tstate_thread_id;
	for (; ts && n < max && n < PYSTACK_MAX_THREADS; n++) {
		states[n] = ts;
		if ((rc = rd(t, ts + (uint64_t)idoff, &tids[n])) < 0 ||
		    (rc = rd(t, ts + (uint64_t)o->tstate_next, &ts)) < 0)
			return rc;
		if (o->tstate_native_id >= 0)
			tids[n] &= 0xffffffffu;     /* an unsigned long holding a pid_t */
	}
	return n;
}

int pysym_walk(const struct pyo_target *t, uint64_t tstate, struct pystack_frame *frames, int max,
	       unsigned *flags)
{
	const struct pyo_offsets *o = &t->off;
	uint64_t frame;
	*flags = 0;
	if (rd(t, tstate + (uint64_t)o->tstate_frame, &frame) < 0 ||
	    (o->cframe_frame >= 0 && frame && rd(t, frame + (uint64_t)o->cframe_frame, &frame) < 0)) {
		*flags |= PYSTACK_F_CUT;
		return 0;
	}
	int n = 0;
	/* Each step reads one frame; a chain longer than MAX (or a cycle) stops at MAX. */
	for (int steps = 0; frame && steps < PYSTACK_MAX_DEPTH * 4; steps++) {
		if (n == max) {
			*flags |= PYSTACK_F_TRUNCATED;
			break;
		}
		uint64_t code, instr = 0, prev;
		unsigned char owner = 0;
		if (rd(t, frame + (uint64_t)o->frame_code, &code) < 0 ||
		    pyo_read(t->pid, frame + (uint64_t)o->frame_instr, &instr, o->minor >= 11 ? 8 : 4) < 0 ||
		    (o->frame_owner >= 0 && pyo_read(t->pid, frame + (uint64_t)o->frame_owner, &owner, 1) < 0) ||
		    rd(t, frame + (uint64_t)o->frame_previous, &prev) < 0) {
			*flags |= PYSTACK_F_CUT;
			break;
		}
		if (owner != 3) {           /* FRAME_OWNED_BY_CSTACK: an entry shim, not Python code */
			frames[n].code = code;
			frames[n].instr = instr;
			n++;
		}
		frame = prev;
	}
	return n;
}

const char *pysym_wait(const struct pyo_target *t, uint64_t tid, char *buf, size_t len)
{
	char path[96], line[512];
	struct pmap_stat st;
	snprintf(path, sizeof(path), "/proc/%d/task/%llu/stat", (int)t->pid, (unsigned long long)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	int ok = fgets(line, sizeof(line), f) && pmap_stat_parse(line, &st) == 0;
	fclose(f);
	if (!ok)
		return NULL;
	if (st.state == 'R')
		return "running";
	if (st.state == 'Z' || st.state == 'X')
		return "zombie";
	if (st.state == 'T' || st.state == 't')
		return "stopped";
	/* "NR ARG0 ... ARG5 SP PC" while blocked in a system call ("-1 SP PC" outside one) */
	snprintf(path, sizeof(path), "/proc/%d/task/%llu/syscall", (int)t->pid, (unsigned long long)tid);
	f = fopen(path, "re");
	long nr = -1;
	unsigned long long a0 = 0;
	ok = f && fgets(line, sizeof(line), f) && sscanf(line, "%ld %llx", &nr, &a0) >= 1;
	if (f)
		fclose(f);
	const char *name = ok && nr >= 0 && (size_t)nr < sizeof(syscall_names) / sizeof(syscall_names[0]) ?
			   syscall_names[nr] : NULL;
	if (!name)
		return "sleeping";
	if (strncmp(name, "futex", 5) == 0) {
		if (t->runtime_size && a0 >= t->runtime && a0 < t->runtime + t->runtime_size)
			return "waiting for the GIL";
		return "waiting on a lock";
	}
	snprintf(buf, len, "in %s", name);
	return buf;
}
