/*
 * pystack.c — loads pystack.bpf.c, attaches it to one cpu-clock perf event per CPU (system-wide:
 * the program itself keeps to the processes in its procs map, so threads and processes that come
 * and go need no re-attaching) and to the sched_process_exec tracepoint, and reads its ring.
 * Part of the capture room (with capture.c): only these include libbpf.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pystack.h"
#include "pystack.skel.h"

struct pystack {
	struct pystack_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link **links;
	struct bpf_link *exec_link;
	int *fds;
	int ncpu;
	pystack_cb cb;
	pystack_def_cb def_cb;
	void *ctx;
	unsigned epoch;
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level; (void)fmt; (void)ap;
	return 0;
}

int pystack_open(struct pystack **out, int depth, int native, int stack_bytes, int all_execs, char *err,
		 int errlen)
{
	libbpf_set_print(quiet);
	struct pystack *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->skel = pystack_bpf__open();
	if (!s->skel) {
		snprintf(err, errlen, "cannot open the stack sampler's BPF object");
		free(s);
		return -EINVAL;
	}
	s->skel->rodata->max_depth = (uint32_t)depth;
	s->skel->rodata->want_native = native ? 1 : 0;
	s->skel->rodata->all_execs = all_execs ? 1 : 0;
	if (!native)
		bpf_map__set_max_entries(s->skel->maps.ustacks, 1);
	if (native && stack_bytes > 0) {
		/* records grow by the stack copy (8 KiB by default): a 16 MiB ring holds some 1900
		 * of them, and the reader is woken at 1 MiB, some 120 records */
		if (stack_bytes > PYSTACK_STACK_MAX)
			stack_bytes = PYSTACK_STACK_MAX;
		s->skel->rodata->stack_bytes = (uint32_t)stack_bytes;
		bpf_map__set_max_entries(s->skel->maps.ring, 16u << 20);
		s->skel->rodata->wake_at = 1u << 20;
	}
	int rc = pystack_bpf__load(s->skel);
	if (rc && native && stack_bytes > 0) {
		/* a kernel without bpf_task_pt_regs (before 5.15) or BTF: frame pointers only
		 * (profile says no stack copies came) */
		pystack_bpf__destroy(s->skel);
		free(s);
		return pystack_open(out, depth, native, 0, all_execs, err, errlen);
	}
	if (rc) {
		snprintf(err, errlen, "cannot load the stack sampler into the kernel (%s); run as root, or see 'pyscope doctor'",
			 strerror(-rc));
		pystack_bpf__destroy(s->skel);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int pystack_add(struct pystack *s, pid_t pid, struct pystack_proc *p)
{
	uint32_t key = (uint32_t)pid;
	p->epoch = ++s->epoch;
	return bpf_map__update_elem(s->skel->maps.procs, &key, sizeof(key), p, sizeof(*p), BPF_ANY);
}

int pystack_remove(struct pystack *s, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	return bpf_map__delete_elem(s->skel->maps.procs, &key, sizeof(key), 0);
}

static int on_rec(void *ctx, void *data, size_t len)
{
	struct pystack *s = ctx;
	const struct pystack_rec *r = data;
	uint64_t magic;
	if (len >= sizeof(magic) && (memcpy(&magic, data, sizeof(magic)), magic == PYSTACK_DEF_MAGIC)) {
		if (s->def_cb)
			s->def_cb(s->ctx, data, len);
		return 0;
	}
	if (len < PYSTACK_REC_HDR || r->nframes > PYSTACK_MAX_DEPTH ||
	    len < PYSTACK_REC_HDR + r->nframes * sizeof(struct pystack_frame))
		return 0;
	if ((r->flags & PYSTACK_F_UREGS) &&
	    (r->ubytes > PYSTACK_STACK_MAX ||
	     len < PYSTACK_REC_HDR + r->nframes * sizeof(struct pystack_frame) + PYSTACK_UREGS * 8 + r->ubytes))
		return 0;
	s->cb(s->ctx, r);
	return 0;
}

int pystack_start(struct pystack *s, int hz, char *err, int errlen)
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		ncpu = 1;
	s->ncpu = ncpu;
	s->links = calloc((size_t)ncpu, sizeof(*s->links));
	s->fds = calloc((size_t)ncpu, sizeof(*s->fds));
	if (!s->links || !s->fds)
		return -ENOMEM;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_freq = (uint64_t)hz,
		.freq = 1,
	};
	int attached = 0, last = 0;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		s->fds[cpu] = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (s->fds[cpu] < 0) {
			last = -errno;      /* an offline CPU (ENODEV) is skipped */
			continue;
		}
		s->links[cpu] = bpf_program__attach_perf_event(s->skel->progs.pystack_sample, s->fds[cpu]);
		if (!s->links[cpu]) {
			last = -errno;
			close(s->fds[cpu]);
			s->fds[cpu] = -1;
			continue;
		}
		attached++;
	}
	if (!attached) {
		snprintf(err, errlen, "cannot open a cpu-clock perf event on any CPU (%s)", strerror(-last));
		return last ? last : -ENODEV;
	}
	s->exec_link = bpf_program__attach(s->skel->progs.pystack_exec);
	if (!s->exec_link) {
		snprintf(err, errlen, "cannot attach to sched_process_exec");
		return -EINVAL;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.ring), on_rec, s, NULL);
	if (!s->rb) {
		snprintf(err, errlen, "cannot map the stack sampler's ring");
		return -ENOMEM;
	}
	return 0;
}

void pystack_on_def(struct pystack *s, pystack_def_cb cb)
{
	s->def_cb = cb;
}

int pystack_poll(struct pystack *s, int timeout_ms, pystack_cb cb, void *ctx)
{
	s->cb = cb;
	s->ctx = ctx;
	/* Records are committed without a wake-up until the ring fills (pystack.bpf.c): the wait
	 * ends on a wake-up or the timeout, and what is there is taken either way. */
	int n = ring_buffer__poll(s->rb, timeout_ms);
	if (n < 0)
		return n;
	int m = ring_buffer__consume(s->rb);
	return m < 0 ? m : n + m;
}

uint64_t pystack_lost(const struct pystack *s)
{
	uint64_t n = 0;
	for (int i = 0; i < PYSTACK_MAX_CPUS; i++)
		n += s->skel->bss->lost[i];
	return n;
}

int pystack_native(const struct pystack *s, int id, uint64_t *ips, int max)
{
	uint64_t buf[PYSTACK_NATIVE_DEPTH];
	uint32_t key = (uint32_t)id;
	if (id < 0 || bpf_map__lookup_elem(s->skel->maps.ustacks, &key, sizeof(key), buf, sizeof(buf), 0) < 0)
		return 0;
	int n = 0;
	while (n < max && n < PYSTACK_NATIVE_DEPTH && buf[n])
		ips[n] = buf[n], n++;
	return n;
}

void pystack_close(struct pystack *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	bpf_link__destroy(s->exec_link);
	for (int i = 0; s->links && i < s->ncpu; i++) {
		bpf_link__destroy(s->links[i]);
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	}
	free(s->links);
	free(s->fds);
	pystack_bpf__destroy(s->skel);
	free(s);
}
