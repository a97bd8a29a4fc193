/*
 * stack_offsets_probe.c — prints, from one CPython's own headers, every struct offset pyscope's
 * stack walker uses (src/pyoffsets.c), one "name value" line each, in the table's order.
 * Compiled by stack_offsets.sh against each include directory on the machine:
 *   cc -DPy_BUILD_CORE -I INC -I INC/internal stack_offsets_probe.c
 * The table in pyoffsets.c was written from this program's output; the test checks they agree.
 */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#if PY_VERSION_HEX >= 0x030B0000
#include <internal/pycore_frame.h>
#endif
#if PY_VERSION_HEX < 0x030B0000
#include <frameobject.h>
#endif
#if PY_VERSION_HEX >= 0x03090000
#include <internal/pycore_runtime.h>
#include <internal/pycore_interp.h>
#else
#include <internal/pycore_pystate.h>
#endif

#define P(name, v) printf("%s %ld\n", name, (long)(v))

int main(void)
{
	P("version", PY_MINOR_VERSION);
	P("runtime_interp_head", offsetof(_PyRuntimeState, interpreters.head));
#if PY_VERSION_HEX >= 0x030B0000
	P("interp_threads_head", offsetof(PyInterpreterState, threads.head));
#else
	P("interp_threads_head", offsetof(PyInterpreterState, tstate_head));
#endif
	P("tstate_next", offsetof(PyThreadState, next));
	P("tstate_thread_id", offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX >= 0x030B0000
	P("tstate_native_thread_id", offsetof(PyThreadState, native_thread_id));
#else
	P("tstate_native_thread_id", -1);
#endif
#if PY_VERSION_HEX >= 0x030D0000
	P("tstate_frame", offsetof(PyThreadState, current_frame));
	P("cframe_current_frame", -1);
#elif PY_VERSION_HEX >= 0x030B0000
	P("tstate_frame", offsetof(PyThreadState, cframe));
	P("cframe_current_frame", offsetof(_PyCFrame, current_frame));
#else
	P("tstate_frame", offsetof(PyThreadState, frame));
	P("cframe_current_frame", -1);
#endif
#if PY_VERSION_HEX >= 0x030B0000
	P("frame_previous", offsetof(_PyInterpreterFrame, previous));
#if PY_VERSION_HEX >= 0x030D0000
	P("frame_code", offsetof(_PyInterpreterFrame, f_executable));
	P("frame_instr", offsetof(_PyInterpreterFrame, instr_ptr));
#else
	P("frame_code", offsetof(_PyInterpreterFrame, f_code));
	P("frame_instr", offsetof(_PyInterpreterFrame, prev_instr));
#endif
#if PY_VERSION_HEX >= 0x030C0000
	P("frame_owner", offsetof(_PyInterpreterFrame, owner));
#else
	P("frame_owner", -1);
#endif
#else
	P("frame_previous", offsetof(PyFrameObject, f_back));
	P("frame_code", offsetof(PyFrameObject, f_code));
	P("frame_instr", offsetof(PyFrameObject, f_lasti));
	P("frame_owner", -1);
#endif
	P("code_filename", offsetof(PyCodeObject, co_filename));
#if PY_VERSION_HEX >= 0x030B0000
	P("code_name", offsetof(PyCodeObject, co_qualname));
#else
	P("code_name", offsetof(PyCodeObject, co_name));
#endif
	P("code_firstlineno", offsetof(PyCodeObject, co_firstlineno));
#if PY_VERSION_HEX >= 0x030A0000
	P("code_linetable", offsetof(PyCodeObject, co_linetable));
#else
	P("code_linetable", offsetof(PyCodeObject, co_lnotab));
#endif
#if PY_VERSION_HEX >= 0x030B0000
	P("code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
#else
	P("code_adaptive", -1);
#endif
#if PY_VERSION_HEX >= 0x030B0000
	P("code_varnames", offsetof(PyCodeObject, co_localsplusnames));
	P("code_kinds", offsetof(PyCodeObject, co_localspluskinds));
#else
	P("code_varnames", offsetof(PyCodeObject, co_varnames));
	P("code_kinds", -1);
#endif
	P("ascii_size", sizeof(PyASCIIObject));
	P("compact_size", sizeof(PyCompactUnicodeObject));
	P("unicode_state", offsetof(PyASCIIObject, state));
	P("unicode_length", offsetof(PyASCIIObject, length));
	P("bytes_size", offsetof(PyVarObject, ob_size));
	P("bytes_sval", offsetof(PyBytesObject, ob_sval));
	return 0;
}
