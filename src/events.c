/* events.c — placeholder until its issue lands. */
#include <stdio.h>
#include "commands.h"

int events_main(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "pyscope: 'events' is not implemented yet\n");
	return 2;
}
