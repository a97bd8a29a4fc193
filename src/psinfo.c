/*
 * psinfo.c — curpsinfo's fields from /proc, cached per process (see psinfo.h). The cache is
 * direct-mapped by pid: a trace usually follows a handful of processes, and a slot another pid
 * takes over is simply read again.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "psinfo.h"

#define PSINFO_SLOTS 64

struct psinfo_cache {
	struct psinfo slot[PSINFO_SLOTS];
	bool used[PSINFO_SLOTS];
};

struct psinfo_cache *psinfo_cache_new(void)
{
	return calloc(1, sizeof(struct psinfo_cache));
}

void psinfo_cache_free(struct psinfo_cache *c)
{
	free(c);
}

/* /proc/PID/stat after the name: " STATE PPID PGRP SESSION ..."; the name is in parentheses
 * and may hold both, so the fields start after the last ')'. */
static void read_stat(struct psinfo *p)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", p->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return;
	size_t len = (size_t)(close - open - 1);
	if (len >= sizeof(p->fname))
		len = sizeof(p->fname) - 1;
	memcpy(p->fname, open + 1, len);
	p->fname[len] = 0;
	char state;
	if (sscanf(close + 1, " %c %d %d %d", &state, &p->ppid, &p->pgid, &p->sid) != 4)
		p->ppid = p->pgid = p->sid = 0;
}

static void read_status(struct psinfo *p)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", p->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Uid:", 4) == 0)
			sscanf(line + 4, "%d %d", &p->uid, &p->euid);
		else if (strncmp(line, "Gid:", 4) == 0)
			sscanf(line + 4, "%d %d", &p->gid, &p->egid);
	}
	fclose(f);
}

/* The arguments, NUL-separated in /proc/PID/cmdline, joined by blanks as ps prints them. */
static void read_cmdline(struct psinfo *p)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", p->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	size_t n = fread(p->psargs, 1, sizeof(p->psargs) - 1, f);
	fclose(f);
	while (n > 0 && p->psargs[n - 1] == 0)
		n--;
	for (size_t i = 0; i < n; i++)
		if (p->psargs[i] == 0)
			p->psargs[i] = ' ';
	p->psargs[n] = 0;
}

const struct psinfo *psinfo_get(struct psinfo_cache *c, int pid)
{
	unsigned k = (unsigned)pid % PSINFO_SLOTS;
	struct psinfo *p = &c->slot[k];
	if (c->used[k] && p->pid == pid)
		return p;
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	c->used[k] = true;
	if (pid > 0) {
		read_stat(p);
		read_status(p);
		read_cmdline(p);
	}
	return p;
}
