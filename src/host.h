/*
 * host.h — what this machine's kernel offers pyscope and what this process may do with it:
 * privileges, BTF, uprobes and their reference-counted semaphores, the BPF ring buffer, perf
 * events, kernel.perf_event_paranoid, lockdown. Asked by `pyscope version` (the features found)
 * and `pyscope doctor` (what is allowed, what to do about each problem). Each answer comes from
 * the kernel itself (a file under /sys or /proc, or the system call tried), never from a guess
 * about the distribution. Nothing here includes libbpf: the BPF probe is one raw bpf(2) call.
 */
#ifndef PYSCOPE_HOST_H
#define PYSCOPE_HOST_H
#include <stdbool.h>
#include <stddef.h>

#define HOST_BTF_PATH        "/sys/kernel/btf/vmlinux"
#define HOST_UPROBE_PMU      "/sys/bus/event_source/devices/uprobe"
#define HOST_UPROBE_REFCTR   HOST_UPROBE_PMU "/format/ref_ctr_offset"
#define HOST_PARANOID_PATH   "/proc/sys/kernel/perf_event_paranoid"
#define HOST_LOCKDOWN_PATH   "/sys/kernel/security/lockdown"

struct host_privs {
	unsigned euid;
	bool root;               /* effective uid 0 */
	bool cap_bpf;            /* effective capabilities */
	bool cap_perfmon;
	bool cap_sys_admin;      /* implies both of the above on kernels before 5.8 */
	int err;                 /* capget's negative errno, 0 when the capabilities were read */
};

enum host_answer { HOST_NO, HOST_YES, HOST_UNKNOWN };

void host_privs(struct host_privs *p);
/* Root, or CAP_SYS_ADMIN, or both CAP_BPF and CAP_PERFMON: what loading a BPF program on a
 * uprobe needs. */
bool host_may_trace(const struct host_privs *p);
bool host_exists(const char *path);
/* The kernel release (uname -r) into BUF, and its major.minor numbers. */
void host_kernel(char *buf, size_t len, int *major, int *minor);
/* Can a BPF ring buffer map be created? Tried with bpf(BPF_MAP_CREATE); when the kernel refuses
 * for lack of privilege, judged by the kernel version (ring buffers came in 5.8). HOW says which. */
enum host_answer host_ringbuf(char *how, size_t len);
/* 0 when perf_event_open(2) opened (and closed) a software event on this process, else the
 * negative errno. */
int host_perf_open(void);
/* kernel.perf_event_paranoid, or -ENOENT etc. in *ERR (then the value is 0). */
int host_paranoid(int *err);
/* The active lockdown mode ("none", "integrity", "confidentiality") into BUF; -ENOENT when the
 * kernel has no lockdown file (no lockdown LSM: nothing is locked down). */
int host_lockdown(char *buf, size_t len);
#endif
