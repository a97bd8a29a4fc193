/* list.c — placeholder until its issue lands. */
#include <stdio.h>
#include "commands.h"

int list_main(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "pyscope: 'list' is not implemented yet\n");
	return 2;
}
