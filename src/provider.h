/*
 * provider.h — pyscope's provider for Pythons built without markers (provider/pyscope_provider.c,
 * a native module that fires the markers of a --with-dtrace CPython): where the built modules
 * are, which one an interpreter takes, how -c loads it into a child (a sitecustomize on
 * PYTHONPATH), and `pyscope provider build|install|uninstall|status`.
 *
 * Layout: PROVIDER_DIR/X.Y/_pyscope_provider<EXT_SUFFIX> for each CPython X.Y, and
 * PROVIDER_DIR/boot/sitecustomize.py. PROVIDER_DIR is $PYSCOPE_PROVIDER_DIR, else provider/ next
 * to the pyscope binary (the build tree), else ../lib/pyscope/provider from it (installed).
 */
#ifndef PYSCOPE_PROVIDER_H
#define PYSCOPE_PROVIDER_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PROV_MIN_MINOR 8         /* CPython 3.8 ... */
#define PROV_MAX_MINOR 14        /* ... to 3.14 */
#ifndef PROV_REMOTE_MINOR
#define PROV_REMOTE_MINOR 14     /* 3.14+: -p loads it into a running process (sys.remote_exec) */
#endif
#define PROV_MODULE "_pyscope_provider"
#define PROV_PTH "pyscope-provider.pth"

/* The directory holding the built providers; 0, or -ENOENT when there is none. */
int prov_dir(char *out, size_t len);
/* True when PATH's file name says it is a provider module (so not an interpreter). */
bool prov_is_module(const char *path);
/* The provider for interpreter PYTHON (which has no markers). FORCE: also when PYTHON's name does
 * not say "python". 1 with the module's path in SO; 0 when PYTHON is not taken for a CPython (no
 * message); negative after one line on stderr saying why not and what to do. */
int prov_find(const char *python, bool force, char *so, size_t len);
/* 1 when PYTHON is a CPython the provider can go into (runs it; 0 for anything else). */
int prov_supports(const char *python);
/* 1 with the module's path in SO when PYTHON has the provider installed (runs PYTHON). */
int prov_installed(const char *python, char *so, size_t len);
/* -p PID on an interpreter EXE without markers: on CPython 3.14+, load the provider into the running
 * process through sys.remote_exec (PEP 768) and wait until it is mapped; says so on stderr. 1 when
 * loaded; 0 when EXE is not such an interpreter (no message); negative after one line saying why
 * not and what to do. */
int prov_remote_load(pid_t pid, const char *exe);
/* In a -c child, before exec: make the interpreter load SO at start-up (PYTHONPATH, environment). */
int prov_child_env(const char *so);
/* "installed", "built" (for its version), "unsupported" or "not built": PYTHON's provider state.
 * Runs PYTHON. */
const char *prov_state(const char *python);
int prov_main(int argc, char **argv);
#endif
