/*
 * psinfo.h — what DTrace's curpsinfo and the uid/gid/ppid built-ins say of a process, read in
 * user space from /proc (the kernel record carries only pid, tid, cpu and comm). Each process
 * is read once and kept in a small cache by pid: a uid that changes later (setuid) or a ppid
 * after a reparenting is not seen again, which scripts that print who runs what can accept.
 */
#ifndef PYSCOPE_PSINFO_H
#define PYSCOPE_PSINFO_H

#define PSINFO_FNAME 16          /* Solaris' PRFNSZ: pr_fname's bytes, NUL included */
#define PSINFO_PSARGS 80         /* PRARGSZ: pr_psargs' bytes, NUL included */

struct psinfo {
	int pid, ppid, pgid, sid;
	int uid, euid, gid, egid;
	char fname[PSINFO_FNAME];    /* the command's name (the kernel's comm) */
	char psargs[PSINFO_PSARGS];  /* the command line, arguments joined by blanks, cut */
};

struct psinfo_cache;
struct psinfo_cache *psinfo_cache_new(void);
void psinfo_cache_free(struct psinfo_cache *c);
/* PID's information, read from /proc at its first use; a process that is gone (or PID 0) gives
 * zeros and empty strings but its pid. The pointer is valid until the next call. */
const struct psinfo *psinfo_get(struct psinfo_cache *c, int pid);
#endif
