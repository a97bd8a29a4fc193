/*
 * capture_pystack.c — see capture_pystack.h. A probe whose marker is in a CPython's own object
 * (python3.N, libpython3.N) carries a template recipe (struct pystack_want): the kernel makes each
 * process's recipe at its first hit, from where the object is mapped, so a process started after
 * pyscope (--all) has frames from its first hit, and an exec is noticed (another address space).
 * Otherwise (the provider's markers, the operating system's probes) recipes are looked for when a
 * traced process is known (-p at load, a -c command as soon as it has exec'd, and any process
 * whose record came with no recipe in the kernel): the first hits of a process found late then
 * carry no frames, marked so (events print "<no python stack>").
 * Names: the kernel sends each code object's definition (file, name, first line, line table) at its
 * first sight in a process image (pystack_walk.bpf.h), ahead of the records that hold it; they are
 * kept per process (pysym_define), so that a process gone before its records are read still has
 * its names. Frames without a definition (one the full ring could not take) are named from the
 * target's memory, checked against it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "capture_pystack.h"
#include "capture_rec.h"
#include "pyoffsets.h"
#include "pysym.h"
#include "pystack_rec.h"

_Static_assert(PS_PYSTACK_TRUNCATED == PYSTACK_F_TRUNCATED && PS_PYSTACK_CUT == PYSTACK_F_CUT &&
	       PS_PYSTACK_NOTHREAD == PYSTACK_F_NOTHREAD, "event.h's flags are the walker's");

#define CAPY_RETRY_NS 20000000ull    /* a process that was no CPython: looked at again after this */

struct capy_proc {
	pid_t pid;
	struct pysym_proc *sym;      /* NULL: not a CPython (when last looked) */
	uint64_t looked;             /* CLOCK_MONOTONIC ns of the last look */
	unsigned epoch;              /* of its recipe in the kernel (0: none yet) */
};

struct capy {
	uint32_t *want;              /* per probe id */
	char **obj;                  /* per probe id: the object its marker is in (NULL: not known) */
	int nwant;
	bool any;
	struct bpf_map *procs_map;
	struct capy_proc *procs;
	int nprocs;
	struct ps_pyframe frames[PYSTACK_MAX_DEPTH];
	unsigned epoch;              /* the last recipe's given out */
};

struct capy *capy_new(void)
{
	return calloc(1, sizeof(struct capy));
}

void capy_free(struct capy *y)
{
	if (!y)
		return;
	for (int i = 0; i < y->nprocs; i++)
		pysym_close(y->procs[i].sym);
	free(y->procs);
	for (int i = 0; i < y->nwant; i++)
		free(y->obj[i]);
	free(y->obj);
	free(y->want);
	free(y);
}

int capy_want(struct capy *y, int id, int frames)
{
	if (id < 1)
		return -EINVAL;
	if (id >= y->nwant) {
		uint32_t *w = realloc(y->want, (size_t)(id + 1) * sizeof(*w));
		if (!w)
			return -ENOMEM;
		y->want = w;
		char **o = realloc(y->obj, (size_t)(id + 1) * sizeof(*o));
		if (!o)
			return -ENOMEM;
		y->obj = o;
		memset(w + y->nwant, 0, (size_t)(id + 1 - y->nwant) * sizeof(*w));
		memset(o + y->nwant, 0, (size_t)(id + 1 - y->nwant) * sizeof(*o));
		y->nwant = id + 1;
	}
	if (frames <= 0 || frames > PYSTACK_MAX_DEPTH)
		frames = PYSTACK_MAX_DEPTH;
	if ((uint32_t)frames > y->want[id])
		y->want[id] = (uint32_t)frames;
	y->any = true;
	return 0;
}

int capy_object(struct capy *y, int id, const char *path)
{
	if (id < 1 || id >= y->nwant || !path)
		return -EINVAL;
	free(y->obj[id]);
	y->obj[id] = strdup(path);
	return y->obj[id] ? 0 : -ENOMEM;
}

/* The template recipe of the CPython in the file at PATH (struct pystack_want): 1, or 0 when it
 * is not one whose _PyRuntime the kernel can place from a marker of its own. */
static int template_of(const char *path, struct pystack_proc *tpl)
{
	struct pyo_target t;
	uint64_t text = 0;
	if (pyo_file_find(path, &t, &text) < 0)
		return 0;
	pyo_to_proc(&t, tpl);
	tpl->runtime = t.runtime - text;     /* from the start of the text segment's mapping */
	tpl->code_type = t.code_type ? t.code_type - text : 0;
	return 1;
}

bool capy_any(const struct capy *y)
{
	return y && y->any;
}

void capy_prepare(struct capy *y, struct bpf_map *want, int nall)
{
	int n = nall + 1 > y->nwant ? nall + 1 : y->nwant;
	bpf_map__set_max_entries(want, (uint32_t)(n > 0 ? n : 1));
}

int capy_load(struct capy *y, struct bpf_map *want, struct bpf_map *procs)
{
	y->procs_map = procs;
	const char *last = NULL;
	struct pystack_want w = { 0 };
	int has = 0;
	for (int id = 1; id < y->nwant; id++) {
		uint32_t key = (uint32_t)id;
		if (!y->want[id])
			continue;
		if (y->obj[id] && (!last || strcmp(last, y->obj[id]) != 0)) {
			memset(&w, 0, sizeof(w));
			has = template_of(y->obj[id], &w.tpl);
			last = y->obj[id];
		}
		w.frames = y->want[id];
		w.has_tpl = y->obj[id] && has;
		if (bpf_map__update_elem(want, &key, sizeof(key), &w, sizeof(w), BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct capy_proc *find(struct capy *y, pid_t pid)
{
	for (int i = 0; i < y->nprocs; i++)
		if (y->procs[i].pid == pid)
			return &y->procs[i];
	return NULL;
}

int capy_track(struct capy *y, pid_t pid, bool force)
{
	if (!y->any || !y->procs_map || pid <= 0)
		return 0;
	struct capy_proc *p = find(y, pid);
	uint64_t now = now_ns();
	if (p && (p->sym || (!force && now - p->looked < CAPY_RETRY_NS)))
		return p->sym ? 1 : 0;
	if (!p) {
		if (y->nprocs >= PYSTACK_MAX_PROCS)
			return -ENOSPC;
		struct capy_proc *v = realloc(y->procs, (size_t)(y->nprocs + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		y->procs = v;
		p = &v[y->nprocs++];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
	}
	p->looked = now;
	struct pyo_target t;
	char err[256];
	int rc = pyo_target_find(pid, &t, err, sizeof(err));
	if (rc < 0)        /* not a CPython, gone, or its libpython mapped but not readable yet */
		return rc == -ENOENT || rc == -ESRCH || rc == -EFAULT ? 0 : rc;
	struct pystack_proc rec;
	pyo_to_proc(&t, &rec);
	rec.epoch = ++y->epoch;
	uint32_t key = (uint32_t)pid;
	pysym_close(p->sym);         /* (what definitions may have made meanwhile) */
	p->sym = pysym_open(&t);
	if (!p->sym)
		return -ENOMEM;
	pysym_verify(p->sym, true);   /* names exact at each hit: code objects come and go */
	if (bpf_map__update_elem(y->procs_map, &key, sizeof(key), &rec, sizeof(rec), BPF_ANY) < 0) {
		pysym_close(p->sym);
		p->sym = NULL;
		return -errno;
	}
	p->epoch = rec.epoch;
	return 1;
}

/* The entry of PID, made when missing (its recipe looked for later). */
static struct capy_proc *get(struct capy *y, pid_t pid)
{
	struct capy_proc *p = find(y, pid);
	if (p || y->nprocs >= PYSTACK_MAX_PROCS)
		return p;
	struct capy_proc *v = realloc(y->procs, (size_t)(y->nprocs + 1) * sizeof(*v));
	if (!v)
		return NULL;
	y->procs = v;
	p = &v[y->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

void capy_define(struct capy *y, const void *data, size_t len)
{
	struct pystack_def d;
	if (len < PYSTACK_DEF_HDR)
		return;
	memcpy(&d, data, len < sizeof(d) ? len : sizeof(d));
	struct capy_proc *p = get(y, (pid_t)d.pid);
	if (!p)
		return;
	if (!p->sym || p->epoch != d.epoch) {
		/* the first word of this image of the process (a recipe the kernel made, or an exec
		 * since): names from here on come from its definitions */
		pysym_close(p->sym);
		p->sym = pysym_open_bare((pid_t)d.pid, d.minor, d.code_adaptive);
		if (!p->sym)
			return;
		pysym_verify(p->sym, true);
		p->epoch = d.epoch;
	}
	pysym_define(p->sym, &d, len < sizeof(d) ? len : sizeof(d));
}

void capy_forget(struct capy *y, pid_t pid)
{
	struct capy_proc *p = y ? find(y, pid) : NULL;
	if (!p)
		return;
	uint32_t key = (uint32_t)pid;
	if (y->procs_map)
		bpf_map__delete_elem(y->procs_map, &key, sizeof(key), 0);
	pysym_close(p->sym);
	*p = y->procs[--y->nprocs];
}

const char *capy_decode(struct capy *y, const char *p, const char *end, struct ps_event *ev)
{
	struct cap_pystack_sec h;
	if (end - p < (long)sizeof(h))
		return NULL;
	memcpy(&h, p, sizeof(h));
	p += sizeof(h);
	if (h.nframes > PYSTACK_MAX_DEPTH || (size_t)(end - p) < h.nframes * sizeof(struct pystack_frame))
		return NULL;
	struct capy_proc *pr = find(y, (pid_t)ev->pid);
	if (h.flags & PYSTACK_F_NOTHREAD && (!pr || !pr->sym)) {
		capy_track(y, (pid_t)ev->pid, false);  /* no recipe yet: the next hits will have one */
		pr = find(y, (pid_t)ev->pid);          /* (the table may have moved) */
	}
	ev->pyflags = h.flags & (PS_PYSTACK_TRUNCATED | PS_PYSTACK_CUT | PS_PYSTACK_NOTHREAD);
	ev->npyframes = 0;
	ev->pyframes = y->frames;
	if (pr && pr->sym)
		pysym_distrust(pr->sym, h.flags & PYSTACK_F_NODEF);
	for (int i = 0; i < h.nframes; i++) {
		struct pystack_frame f;
		struct pysym_frame s;
		memcpy(&f, p + i * sizeof(f), sizeof(f));
		struct ps_pyframe *o = &y->frames[ev->npyframes++];
		if (pr && pr->sym && pysym_resolve(pr->sym, &f, &s) == 0) {
			o->file = s.file;
			o->func = s.name;
			o->line = s.line;
		} else {
			o->file = "<unreadable>";
			o->func = "?";
			o->line = 0;
		}
	}
	if (pr && pr->sym)
		pysym_distrust(pr->sym, false);
	return p + h.nframes * sizeof(struct pystack_frame);
}
