/*
 * pyoffsets.h — where things are inside one CPython: the struct offsets pyscope's stack walker
 * needs, per minor version (a table written from each version's headers; on 3.13 read from the
 * interpreter's own _Py_DebugOffsets), and, for a running process, which CPython it runs, where
 * its _PyRuntime is, and a bounded reader of its memory (process_vm_readv).
 */
#ifndef PYSCOPE_PYOFFSETS_H
#define PYSCOPE_PYOFFSETS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "pystack_rec.h"

struct pyo_offsets {
	int minor;                       /* 3.MINOR */
	int interp_head, threads_head, tstate_next, tstate_thread_id, tstate_native_id;
	int tstate_frame, cframe_frame, frame_previous, frame_code, frame_instr, frame_owner;
	int code_filename, code_name, code_firstlineno, code_linetable, code_adaptive;
	int code_varnames;               /* co_localsplusnames (3.11+) or co_varnames: a tuple */
	int code_kinds;                  /* co_localspluskinds (3.11+; -1 before): bytes */
	int ascii_size, compact_size, unicode_state, unicode_length, bytes_size, bytes_sval;
};
/* The field names, in struct order after minor (what stack_offsets_probe.c prints). */
extern const char *const pyo_field_names[];
#define PYO_NFIELDS 24
/* Field I (0..PYO_NFIELDS-1) of O. */
int pyo_field(const struct pyo_offsets *o, int i);

#define PYO_MIN_MINOR 8
#define PYO_MAX_MINOR 13
/* The table's offsets for 3.MINOR, or NULL when pyscope does not know that version. */
const struct pyo_offsets *pyo_table(int minor);
/* From the bytes of a 3.13 _Py_DebugOffsets (at the start of _PyRuntime): 0 with *OUT filled
 * (the unicode and bytes sizes, which it lacks, from the table); -EINVAL when it does not read
 * as one (cookie, version). */
int pyo_from_debug(const unsigned char *buf, size_t len, struct pyo_offsets *out);

struct pyo_target {
	pid_t pid;
	int minor;
	uint64_t runtime;                /* run-time address of _PyRuntime */
	uint64_t runtime_size;           /* its size (the symbol's): the main interpreter's GIL lies
	                                    inside it on every version known (3.8-3.11: ceval.gil;
	                                    3.12+: _main_interpreter._gil) */
	uint64_t code_type;              /* run-time address of PyCode_Type (0: not found) */
	uint64_t unicode_type;           /* run-time address of PyUnicode_Type (0: not found) */
	char object[4096];               /* the object that defines it (python3.X or libpython3.X) */
	struct pyo_offsets off;
	int from_debug;                  /* offsets read from the target's _Py_DebugOffsets */
};
/* Find PID's CPython. 0; -ENOENT when no mapped object is a CPython ("not a Python process");
 * -ENOTSUP for a CPython pyscope does not know (ERR says which); another negative errno. */
int pyo_target_find(pid_t pid, struct pyo_target *t, char *err, int errlen);
/* The CPython in the file at PATH (python3.N, libpython3.N...), for any process that maps it: T
 * with runtime and code_type as link-time addresses (pid 0), and in *TEXT its text segment's
 * p_vaddr - p_offset. 0; -ENOENT (not a CPython), -ENOTSUP (one pyscope does not know). */
int pyo_file_find(const char *path, struct pyo_target *t, uint64_t *text);
/* The recipe pystack.bpf.c walks with. */
void pyo_to_proc(const struct pyo_target *t, struct pystack_proc *p);

/* Read LEN bytes at ADDR of PID. 0, or -EFAULT (any part unreadable), -ESRCH (gone). */
int pyo_read(pid_t pid, uint64_t addr, void *buf, size_t len);
int pyo_read_u64(pid_t pid, uint64_t addr, uint64_t *v);
#endif
