/*
 * main.c — pyscope's entry point: picks the subcommand and hands it the rest of the command line.
 * Started under the name "dtrace" (a symlink), pyscope behaves as "pyscope dtrace"; under the name
 * "stap", as "pyscope stap".
 */
#include <stdio.h>
#include <string.h>
#include <libgen.h>
#include "commands.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "list",   list_main,   "list the markers of a binary, a library or a process" },
	{ "events", events_main, "print every marker hit of a command, processes or the whole system" },
	{ "dtrace", dtrace_main, "run a D script (as dtrace(1) does)" },
	{ "profile", profile_main, "sample the Python stacks of a command, processes or the machine" },
	{ "dump",   dump_main,   "print every thread's current Python stack of a process" },
	{ "provider", prov_main, "markers for Pythons built without them: build, install, status" },
	{ "stap",   stap_main,   "run a SystemTap script (as stap(1) does)" },
	{ "doctor", doctor_main, "check what this machine allows and which Pythons have markers" },
	{ "version", version_main, "the version, build and kernel features found (also --version)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: pyscope COMMAND [ARGS]\n"
	           "       pyscope --version\n"
	           "\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'pyscope COMMAND --help' tells more.\n");
}

int main(int argc, char **argv)
{
	char argv0[4096];
	snprintf(argv0, sizeof(argv0), "%s", argv[0]);
	if (strcmp(basename(argv0), "dtrace") == 0)
		return dtrace_main(argc, argv);
	if (strcmp(basename(argv0), "stap") == 0)
		return stap_main(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return version_main(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pyscope: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
