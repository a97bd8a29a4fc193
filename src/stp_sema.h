/*
 * stp_sema.h — SystemTap's elaboration (stap's pass 2): the parsed script and the tapsets it uses
 * become one checked program in the shared representation (prog.h). In stap's order:
 *   - probe points are resolved: aliases (from the script or a tapset: only the tapsets the
 *     script uses are pulled in) expand into the points they name, with their prologues and
 *     epilogues around the handler; process("python") is found through PATH and symlinks;
 *     begin, end, timer.*, oneshot, never are the runtime's
 *   - assignments to locals nobody reads are dropped (stap's elision), so a tapset's
 *     `frameptr = $arg4` is no error unless frameptr is used
 *   - types are inferred as stap infers them (from assignments, calls, returns, keys), then
 *     everything is checked and lowered
 * Errors are stap's: "semantic error: MSG: identifier 'x' at FILE:LINE:COL", the source line and
 * a caret, then "Pass 2: analysis failed.", and nothing is attached.
 */
#ifndef PYSCOPE_STP_SEMA_H
#define PYSCOPE_STP_SEMA_H
#include <stdbool.h>
#include <stdio.h>
#include "prog.h"
#include "event.h"
#include "stp_parse.h"

#define STP_MAX_CLAUSES 10000    /* probe handlers after alias expansion */
#define STP_MAX_ALIAS_DEPTH 50   /* aliases naming aliases */

/* The markers a binary has, asked for while resolving process("PATH").mark(...) (the caller
 * reads its notes, or takes the capture's or the recording's probes). Returns how many (0: none),
 * or -1 after printing nothing: the binary could not be read. */
typedef int (*stp_markers_fn)(const char *path, const struct ps_probe *const **probes, void *ctx);

struct stp_sema_opts {
	stp_markers_fn markers;
	void *markers_ctx;
	const char *target_exe;  /* process.mark(...): the -c command's or -x process's executable;
				  * NULL: there is none (an error, as in stap) */
	int target;              /* target(): pid of -c / -x (0: not yet known) */
	int argc;                /* $1.. */
	char *const *argv;
	char *const *globals_set;   /* -G NAME=VALUE */
	int nglobals_set;
	bool list_mode;          /* -l / -L: points only, no handler checks */
	bool no_elide;           /* -u: keep assignments to locals nobody reads */
	bool family;             /* -c/-x live: the capture keeps the target's process hierarchy
				  * (the target and what it forks), as stap's -c/-x do, so
				  * process("PATH") and process.mark points filter no pid here */
	bool replay;             /* the markers are a recording's: an executable that cannot be
				  * found here is taken as named (the recording says what ran) */
};

/* What the elaboration found, for the command to set up the capture and -p2. */
struct stp_info {
	char *binaries[8];       /* the executables the marker points resolved to (owned) */
	int nbinaries;
	bool uses_markers;
	bool uses_target_process;   /* process.mark / process(PID): the -c/-x target only */
	int pids[8];             /* process(PID).mark points */
	int npids;
	bool uses_ticks, uses_end;
	char *pass2;             /* -p2's listing (owned; NULL before elaboration) */
};
void stp_info_free(struct stp_info *i);

/* Elaborate MAIN with the tapsets TAPSETS (NTAPSETS parsed files, -I directories first) into P.
 * Returns 0, or -EINVAL after stap's message on stderr. */
int stp_elaborate(struct stp_file *main, struct stp_file *const *tapsets, int ntapsets,
		  const struct stp_sema_opts *o, struct pg_prog *p, struct stp_info *info);

/* The built-in functions scripts can call, as stap's tapsets declare them ("name:type (arg:type,
 * ...)"; no type: returns nothing), NULL-terminated (--dump-functions, -p2). */
extern const char *const stp_lib_sigs[];

/* -p2: what elaboration kept, in stap's layout (main.cxx printscript): "# globals",
 * "# functions" and "# probes", each with its "# locals". */
void stp_print_resolved(FILE *out, const struct stp_info *info);
#endif
