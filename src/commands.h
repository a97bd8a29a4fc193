/*
 * commands.h — the subcommands main() dispatches to. Each takes its own argv (argv[0] is the
 * subcommand's name) and returns the process exit status.
 */
#ifndef PYSCOPE_COMMANDS_H
#define PYSCOPE_COMMANDS_H
int list_main(int argc, char **argv);     /* list.c */
int events_main(int argc, char **argv);   /* events.c */
int dtrace_main(int argc, char **argv);   /* dtrace.c */
int stap_main(int argc, char **argv);     /* stap.c */
int doctor_main(int argc, char **argv);   /* doctor.c */
int version_main(int argc, char **argv);  /* version.c */
int dump_main(int argc, char **argv);     /* dump.c */
int profile_main(int argc, char **argv);  /* profile.c */
int prov_main(int argc, char **argv);     /* provider.c */
#endif
