/*
 * capture_pystack.c — see capture_pystack.h. Recipes are looked for when a traced process is
 * known (-p at load, a -c command as soon as it has exec'd, and any process whose record came with
 * no recipe in the kernel: --all, children): the first hits of a process found late carry no
 * frames, marked so (events print "<no python stack>").
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
};

struct capy {
	uint32_t *want;              /* per probe id */
	int nwant;
	bool any;
	struct bpf_map *procs_map;
	struct capy_proc *procs;
	int nprocs;
	struct ps_pyframe frames[PYSTACK_MAX_DEPTH];
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
		memset(w + y->nwant, 0, (size_t)(id + 1 - y->nwant) * sizeof(*w));
		y->want = w;
		y->nwant = id + 1;
	}
	if (frames <= 0 || frames > PYSTACK_MAX_DEPTH)
		frames = PYSTACK_MAX_DEPTH;
	if ((uint32_t)frames > y->want[id])
		y->want[id] = (uint32_t)frames;
	y->any = true;
	return 0;
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
	for (int id = 1; id < y->nwant; id++) {
		uint32_t key = (uint32_t)id;
		if (y->want[id] &&
		    bpf_map__update_elem(want, &key, sizeof(key), &y->want[id], sizeof(y->want[id]), BPF_ANY) < 0)
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
	uint32_t key = (uint32_t)pid;
	p->sym = pysym_open(&t);
	if (!p->sym)
		return -ENOMEM;
	pysym_verify(p->sym, true);   /* names exact at each hit: code objects come and go */
	if (bpf_map__update_elem(y->procs_map, &key, sizeof(key), &rec, sizeof(rec), BPF_ANY) < 0) {
		pysym_close(p->sym);
		p->sym = NULL;
		return -errno;
	}
	return 1;
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
	return p + h.nframes * sizeof(struct pystack_frame);
}
