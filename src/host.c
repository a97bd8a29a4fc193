/*
 * host.c — the machine's tracing features and this process's privileges (see host.h). Every
 * probe is cheap and leaves nothing behind: files are only read, and the one BPF map and the one
 * perf event created are closed at once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include "host.h"

/* Older uapi headers lack the split capabilities (Linux 5.8). */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

void host_privs(struct host_privs *p)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(p, 0, sizeof(*p));
	memset(data, 0, sizeof(data));
	p->euid = (unsigned)geteuid();
	p->root = p->euid == 0;
	if (syscall(SYS_capget, &hdr, data) != 0) {
		p->err = -errno;
		return;
	}
	p->cap_bpf = has_cap(data, CAP_BPF);
	p->cap_perfmon = has_cap(data, CAP_PERFMON);
	p->cap_sys_admin = has_cap(data, CAP_SYS_ADMIN);
}

bool host_may_trace(const struct host_privs *p)
{
	/* Root without its capabilities (a container that dropped them) cannot trace either. */
	if (p->err == 0)
		return p->cap_sys_admin || (p->cap_bpf && p->cap_perfmon);
	return p->root;
}

bool host_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

void host_kernel(char *buf, size_t len, int *major, int *minor)
{
	struct utsname u;

	*major = *minor = 0;
	if (uname(&u) != 0) {
		snprintf(buf, len, "unknown");
		return;
	}
	snprintf(buf, len, "%s", u.release);
	if (sscanf(u.release, "%d.%d", major, minor) != 2)
		*major = *minor = 0;
}

enum host_answer host_ringbuf(char *how, size_t len)
{
	union bpf_attr attr;
	int fd, major, minor;
	char rel[128];

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_RINGBUF;
	attr.max_entries = 4096;  /* one page: the smallest ring the kernel accepts */
	fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd >= 0) {
		close(fd);
		snprintf(how, len, "created one");
		return HOST_YES;
	}
	if (errno == EINVAL) {
		snprintf(how, len, "the kernel does not know the map type");
		return HOST_NO;
	}
	/* EPERM (no privilege) or ENOSYS/seccomp: the kernel version is the best remaining answer. */
	host_kernel(rel, sizeof(rel), &major, &minor);
	if (major == 0) {
		snprintf(how, len, "bpf(2) failed: %s", strerror(errno));
		return HOST_UNKNOWN;
	}
	snprintf(how, len, "kernel %d.%d, %s 5.8; bpf(2) refused: %s", major, minor,
	         major > 5 || (major == 5 && minor >= 8) ? "at least" : "older than", strerror(errno));
	return major > 5 || (major == 5 && minor >= 8) ? HOST_YES : HOST_NO;
}

int host_perf_open(void)
{
	struct perf_event_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.disabled = 1;
	attr.exclude_kernel = 1;  /* what an unprivileged process may ask at paranoid 2 */
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int host_paranoid(int *err)
{
	FILE *f = fopen(HOST_PARANOID_PATH, "r");
	int v = 0;

	*err = 0;
	if (!f) {
		*err = -errno;
		return 0;
	}
	if (fscanf(f, "%d", &v) != 1)
		*err = -EINVAL;
	fclose(f);
	return v;
}

int host_lockdown(char *buf, size_t len)
{
	/* The file reads "none [integrity] confidentiality": the active mode is in brackets. */
	char line[256], *open, *close_;
	FILE *f = fopen(HOST_LOCKDOWN_PATH, "r");

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	open = strchr(line, '[');
	close_ = open ? strchr(open, ']') : NULL;
	if (!open || !close_)
		return -EINVAL;
	*close_ = '\0';
	snprintf(buf, len, "%s", open + 1);
	return 0;
}
