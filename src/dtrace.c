/* dtrace.c — placeholder until its issue lands. */
#include <stdio.h>
#include "commands.h"

int dtrace_main(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "pyscope: 'dtrace' is not implemented yet\n");
	return 2;
}
