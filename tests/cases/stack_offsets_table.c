/*
 * stack_offsets_table.c — prints pyscope's offsets (src/pyoffsets.c) in stack_offsets_probe.c's
 * format: "MINOR" for the table's row, "-p PID" for what pyo_target_find reads from a running
 * process (on 3.13, from its _Py_DebugOffsets). Built and run by stack_offsets.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pyoffsets.h"

int main(int argc, char **argv)
{
	struct pyo_target t;
	const struct pyo_offsets *o;
	char err[512];
	if (argc == 3 && strcmp(argv[1], "-p") == 0) {
		if (pyo_target_find(atoi(argv[2]), &t, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("from_debug %d\n", t.from_debug);
		o = &t.off;
	} else if (argc == 2 && (o = pyo_table(atoi(argv[1])))) {
	} else {
		fprintf(stderr, "no such row\n");
		return 1;
	}
	printf("version %d\n", o->minor);
	for (int i = 0; i < PYO_NFIELDS; i++)
		printf("%s %d\n", pyo_field_names[i], pyo_field(o, i));
	return 0;
}
