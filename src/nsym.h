/*
 * nsym.h — native instruction addresses of a process to function names, from the ELF symbol
 * tables (.symtab when the object has one, else .dynsym) of the objects it maps: what `pyscope
 * profile --native` names the kernel's user stack with. No DWARF: a static function of a stripped
 * object is named after the exported function before it, or not at all.
 */
#ifndef PYSCOPE_NSYM_H
#define PYSCOPE_NSYM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NSYM_MAX_OBJS 1024           /* objects of one process looked at */
#define NSYM_MAX_FILE (1ul << 31)    /* larger files are not read */

struct nsym;
/* PID's objects, as mapped now; NULL when its maps cannot be read. Symbols are read lazily. */
struct nsym *nsym_open(pid_t pid);
void nsym_close(struct nsym *n);
/* IP's function and the basename of its object (owned by N); false when IP is in no mapped object
 * (*FUNC and *MODULE then NULL) or in one without a symbol for it (*FUNC NULL, *MODULE set). */
bool nsym_name(struct nsym *n, uint64_t ip, const char **func, const char **module);
#endif
