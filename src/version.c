/*
 * version.c — `pyscope version` (also `pyscope --version`): what this pyscope is (version, the git
 * revision it was built from, the libbpf it was built against) and what the running kernel offers
 * it (BTF, uprobe reference counting, the BPF ring buffer), one "name: value" line each, so a bug
 * report can paste it whole.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
/* Header-only: the version of the libbpf headers pyscope was compiled with. capture.c remains the
 * only file that calls libbpf. */
#include <bpf/libbpf_version.h>
#include "commands.h"
#include "gitrev.h"
#include "host.h"
#include "version.h"

#ifndef PYSCOPE_GIT_REV
#define PYSCOPE_GIT_REV "unknown"
#endif

int version_datadir(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	/* /usr/local/bin/pyscope -> /usr/local -> /usr/local/share/pyscope */
	for (int i = 0; i < 2; i++) {
		slash = strrchr(exe, '/');
		if (!slash)
			return -ENOENT;
		*slash = '\0';
	}
	if ((size_t)snprintf(buf, len, "%s/share/pyscope", exe) >= len)
		return -ENAMETOOLONG;
	return host_exists(buf) ? 0 : -ENOENT;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pyscope version\n"
	        "       pyscope --version\n"
	        "\n"
	        "Print pyscope's version, the git revision it was built from, the libbpf version it\n"
	        "was built with, and the kernel features found (BTF, uprobe reference counting, BPF\n"
	        "ring buffer), one \"name: value\" line each. Exit status 0.\n");
}

int version_main(int argc, char **argv)
{
	char rel[128], how[160], data[PATH_MAX + 32];
	int major, minor, rc;
	enum host_answer rb;
	static const char *const answer[] = { [HOST_NO] = "no", [HOST_YES] = "yes",
	                                      [HOST_UNKNOWN] = "unknown" };

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "pyscope version: unexpected argument '%s' (it takes none)\n", argv[1]);
		return 2;
	}
	host_kernel(rel, sizeof(rel), &major, &minor);
	rb = host_ringbuf(how, sizeof(how));
	data[0] = '\0';
	rc = version_datadir(data, sizeof(data));
	printf("pyscope %s\n", PYSCOPE_VERSION);
	printf("git revision: %s\n", PYSCOPE_GIT_REV);
	printf("libbpf: %d.%d (the headers pyscope was built with)\n", LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
	printf("kernel: %s\n", rel);
	printf("BTF: %s (%s)\n", yes_no(host_exists(HOST_BTF_PATH)), HOST_BTF_PATH);
	printf("uprobe ref counting: %s (%s)\n", yes_no(host_exists(HOST_UPROBE_REFCTR)),
	       HOST_UPROBE_REFCTR);
	printf("ring buffer: %s (%s)\n", answer[rb], how);
	if (rc == 0)
		printf("data directory: %s\n", data);
	else if (rc == -ENOENT && data[0])
		printf("data directory: none (%s does not exist: not installed)\n", data);
	else
		printf("data directory: none (%s)\n", strerror(-rc));
	return 0;
}
