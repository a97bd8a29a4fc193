/*
 * procmaps.c — the file-backed objects mapped into a process, from /proc/PID/maps, and the
 * name, state and parent of a process, from /proc/PID/stat.
 *
 * Each line is "START-END PERMS OFFSET DEV INODE [PATH]". An object (executable, shared library)
 * is mapped as several ranges of one file; pyscope wants it once, with its load bias: the start
 * of the range holding the lowest file offset minus that offset. For the usual layout (the first
 * PT_LOAD segment at virtual address 0 and file offset 0) that is the bias the dynamic loader
 * added to every ELF virtual address of an ET_DYN object. Only paths beginning with '/' count:
 * anonymous memory, [heap], [stack], [vdso] and friends are not files pyscope can open.
 * A process with nothing mapped may have exited, be exiting, or be a kernel thread: /proc/PID/stat
 * says which (pmap_end).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "procmaps.h"

void pmap_free(struct pmap_obj *o, int n)
{
	if (!o)
		return;
	for (int i = 0; i < n; i++)
		free(o[i].path);
	free(o);
}

int pmap_read(pid_t pid, struct pmap_obj **out, int *n)
{
	char path[64];
	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;

	struct pmap_obj *objs = NULL;
	uint64_t *lowest_off = NULL;   /* per object: the smallest file offset seen so far */
	int cnt = 0, cap = 0, rc = 0;
	char *line = NULL;
	size_t linecap = 0;
	while (getline(&line, &linecap, f) > 0) {
		uint64_t start, end, off;
		int pos = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %n",
			   &start, &end, &off, &pos) < 3 || pos == 0)
			continue;
		char *file = line + pos;
		file[strcspn(file, "\n")] = 0;
		if (file[0] != '/')
			continue;
		int i;
		for (i = 0; i < cnt; i++)
			if (strcmp(objs[i].path, file) == 0)
				break;
		if (i == cnt) {
			if (cnt == cap) {
				cap = cap ? 2 * cap : 32;
				struct pmap_obj *no = realloc(objs, cap * sizeof(*no));
				if (!no) { rc = -ENOMEM; break; }
				objs = no;
				uint64_t *nl = realloc(lowest_off, cap * sizeof(*nl));
				if (!nl) { rc = -ENOMEM; break; }
				lowest_off = nl;
			}
			objs[cnt] = (struct pmap_obj){ .path = strdup(file), .load = start - off,
						       .start = start, .end = end };
			if (!objs[cnt].path) { rc = -ENOMEM; break; }
			lowest_off[cnt] = off;
			cnt++;
			continue;
		}
		if (start < objs[i].start)
			objs[i].start = start;
		if (end > objs[i].end)
			objs[i].end = end;
		if (off < lowest_off[i]) {
			lowest_off[i] = off;
			objs[i].load = start - off;
		}
	}
	free(line);
	free(lowest_off);
	fclose(f);
	if (rc < 0) {
		pmap_free(objs, cnt);
		return rc;
	}
	/* A process that exited between open and read leaves an empty file. */
	if (cnt == 0) {
		free(objs);
		char dir[64];
		snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
		if (access(dir, F_OK) < 0)
			return -ESRCH;
	}
	*out = cnt ? objs : NULL;
	*n = cnt;
	return 0;
}

int pmap_open_path(pid_t pid, const char *path, char *buf, int len)
{
	int n = snprintf(buf, len, "/proc/%d/root%s", (int)pid, path);
	return n < 0 || n >= len ? -ENAMETOOLONG : 0;
}

int pmap_stat_parse(const char *line, struct pmap_stat *out)
{
	const char *open = strchr(line, '('), *close = strrchr(line, ')');
	if (!open || !close || close < open)
		return -EINVAL;
	struct pmap_stat st = { 0 };
	int ppid, n = 0;
	/* After the name: " STATE PPID ..."; the state is one letter. */
	if (close[1] != ' ' || !close[2] || close[3] != ' ' ||
	    sscanf(close + 3, "%d%n", &ppid, &n) != 1 || n == 0)
		return -EINVAL;
	size_t len = (size_t)(close - open - 1);
	if (len >= sizeof(st.comm))
		len = sizeof(st.comm) - 1;
	memcpy(st.comm, open + 1, len);
	st.comm[len] = 0;
	st.state = close[2];
	st.ppid = ppid;
	/* After the ppid: pgrp session tty_nr tpgid flags. */
	const char *p = close + 3 + n;
	for (int field = 0; field < 4 && p && *p; field++)
		p = strchr(p + 1, ' ');
	if (p && *p)
		st.flags = strtoul(p + 1, NULL, 10);
	*out = st;
	return 0;
}

int pmap_stat(pid_t pid, struct pmap_stat *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT || errno == ESRCH ? -ESRCH : -errno;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* An exiting process can leave the file empty. */
	return n == 0 ? -ESRCH : pmap_stat_parse(buf, out);
}

#define PF_EXITING_FLAG 0x4           /* the kernel's PF_EXITING: exit() is under way */
#define PF_KTHREAD_FLAG 0x00200000    /* the kernel's PF_KTHREAD */

const char *pmap_end(pid_t pid)
{
	struct pmap_stat st;
	if (pmap_stat(pid, &st) < 0 || st.state == 'X')
		return "has exited";
	if (st.state == 'Z')
		return "is a zombie (it has exited; its parent has not reaped it yet)";
	if (st.flags & PF_EXITING_FLAG)
		return "is exiting";
	if (st.flags & PF_KTHREAD_FLAG)
		return "is a kernel thread";
	return NULL;
}
