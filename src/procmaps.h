/*
 * procmaps.h — what /proc says about a process: the objects mapped into it, from /proc/PID/maps
 * (each file-backed object once, with the address it is loaded at: start of its lowest mapping
 * minus that mapping's file offset), and its name, state and parent, from /proc/PID/stat.
 */
#ifndef PYSCOPE_PROCMAPS_H
#define PYSCOPE_PROCMAPS_H
#include <stdint.h>
#include <sys/types.h>

struct pmap_obj {
	char *path;              /* as /proc/PID/maps names it */
	uint64_t load;           /* load bias: run-time address = load + ELF virtual address (ET_DYN) */
	uint64_t start, end;     /* lowest and highest address mapped */
};

/* 0 and a malloc'd array on success; a negative errno otherwise (-ESRCH: no such process). */
int pmap_read(pid_t pid, struct pmap_obj **out, int *n);
void pmap_free(struct pmap_obj *o, int n);
/* The path to open the object from pyscope's mount namespace: /proc/PID/root/PATH. */
int pmap_open_path(pid_t pid, const char *path, char *buf, int len);

/* The first fields of /proc/PID/stat. */
struct pmap_stat {
	char comm[64];           /* as the kernel keeps it (cut to fit); may hold blanks and parens */
	char state;              /* 'R', 'S', 'D', 'Z' (zombie), 'X' (dead), ... */
	int ppid;
	unsigned long flags;     /* the kernel's PF_* flags (field 9) */
};
/* Read PID's stat. 0; -ESRCH when there is no such process; -EINVAL when the line does not read. */
int pmap_stat(pid_t pid, struct pmap_stat *out);
/* Parse one stat line ("1234 (a) (b) S 1 ..."): the name runs from the first '(' to the LAST ')',
 * since the name itself may hold ')' and blanks. 0 or -EINVAL. */
int pmap_stat_parse(const char *line, struct pmap_stat *out);
/* Why process PID has no objects to offer, when it is not a running user process any more:
 * "has exited", "is a zombie (...)", "is exiting", "is a kernel thread"; NULL otherwise. */
const char *pmap_end(pid_t pid);
#endif
