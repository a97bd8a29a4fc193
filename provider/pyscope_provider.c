/*
 * pyscope_provider.c — the markers of a --with-dtrace CPython, for interpreters built without them.
 *
 * Loaded into an interpreter (by pyscope's sitecustomize for -c, or by a .pth after
 * `pyscope provider install`), this module carries the stapsdt notes of provider `python`:
 * function__entry/return, line, gc__start/done, import__find__load__start/done and audit, with the
 * argument order and types of CPython's own (the function and line markers add a 4th argument,
 * the module name), plus cfunction__entry/return for calls of built-in functions (the calling
 * file, the function's name, the calling line, the function's module: the layout of
 * function__entry). Every marker has a semaphore, so any USDT tool (pyscope, bpftrace) finds and
 * enables them the usual way.
 *
 * Cost only while traced. The interpreter hooks that feed the markers are installed when a tracer
 * raises one of the semaphores and removed when the last one leaves: a watcher thread looks at
 * the semaphores every WATCH_MS and, when what is wanted changed, takes the GIL (PyGILState_Ensure
 * works from any thread, and unlike Py_AddPendingCall it does not wait for the main thread to come
 * back to the eval loop) and (un)installs. The kernel lowers the semaphores when a tracer's uprobes
 * go, also when the tracer is killed, so the hooks always follow. The audit hook cannot be removed
 * (PySys_AddAuditHook), so it is installed once and only tests its semaphore.
 *
 * Hooks, by group of markers:
 *   calls   3.12+: sys.monitoring with a tool id of its own (a free one; never another tool's).
 *           3.8-3.11: the C profile function on every thread (threads started later get it
 *           from the wrapped _thread.start_new_thread, or threading's profile hook). sys.setprofile/getprofile are
 *           wrapped so that a program's own profiler keeps working while pyscope's is in place
 *           (it is called from ours, as CPython's trampoline would); a C profiler already in a
 *           thread (cProfile) is left alone, and that thread is not seen.
 *   line    3.12+: sys.monitoring LINE; 3.8-3.11: the C trace function on threads that have none.
 *   gc      a callable in gc.callbacks.
 *   import  importlib._bootstrap._find_and_load, which CPython calls exactly where its own
 *           import markers are, wrapped.
 * Sub-interpreters are refused at import; fork restarts the watcher in the child
 * (os.register_at_fork); atexit stops it and removes the hooks before the interpreter goes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <pthread.h>
#include <time.h>

#if PY_VERSION_HEX < 0x03080000
#error "the pyscope provider supports CPython 3.8 and newer"
#endif
#define PS_MONITORING (PY_VERSION_HEX >= 0x030C0000)
#if PY_VERSION_HEX < 0x03090000     /* 3.8 spells these differently */
#define PyObject_Vectorcall _PyObject_Vectorcall
#define Py_IS_TYPE(o, t) (Py_TYPE(o) == (t))
#endif

#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#define WATCH_MS 25              /* how often the watcher looks at the semaphores */
#define TOOL_NAME "pyscope"

/* The semaphores: the kernel's uprobe reference counter raises them (sys/sdt.h names them). */
#define SEM(n) __attribute__((used, section(".probes"))) volatile unsigned short python_##n##_semaphore
SEM(function__entry);
SEM(function__return);
SEM(cfunction__entry);
SEM(cfunction__return);
SEM(line);
SEM(gc__start);
SEM(gc__done);
SEM(import__find__load__start);
SEM(import__find__load__done);
SEM(audit);

enum { G_CALLS = 1, G_LINE = 2, G_GC = 4, G_IMPORT = 8 };

static int wanted(void)
{
	int w = 0;
	if (python_function__entry_semaphore || python_function__return_semaphore ||
	    python_cfunction__entry_semaphore || python_cfunction__return_semaphore)
		w |= G_CALLS;
	if (python_line_semaphore)
		w |= G_LINE;
	if (python_gc__start_semaphore || python_gc__done_semaphore)
		w |= G_GC;
	if (python_import__find__load__start_semaphore || python_import__find__load__done_semaphore)
		w |= G_IMPORT;
	return w;
}

static int installed;            /* groups whose hooks are in place (changed with the GIL held) */
static int muted;                /* our own sys.setprofile & co: no audit marker for them */
static PyObject *gc_cb, *import_wrapper, *orig_find_and_load;
static PyObject *name_key;       /* "__name__" */

/* ---- what the markers carry ------------------------------------------------------------------ */

static const char *utf8(PyObject *s)
{
	const char *r = s && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : NULL;
	if (!r)
		PyErr_Clear();
	return r ? r : "";
}

static const char *module_of(PyObject *globals)
{
	PyObject *n = globals && PyDict_Check(globals) ? PyDict_GetItemWithError(globals, name_key) : NULL;
	if (!n)
		PyErr_Clear();
	return utf8(n);
}

/* A built-in function's name and module (the module's name, or the type of the object it is
 * bound to). */
static void cfunc_names(PyObject *f, const char **name, const char **mod)
{
	*name = "";
	*mod = "";
	if (PyCFunction_Check(f)) {
		PyCFunctionObject *cf = (PyCFunctionObject *)f;
		*name = cf->m_ml->ml_name;
		if (cf->m_module && PyUnicode_Check(cf->m_module))
			*mod = utf8(cf->m_module);
		else if (cf->m_self && PyModule_Check(cf->m_self))
			*mod = PyModule_GetName(cf->m_self) ? PyModule_GetName(cf->m_self) : "";
		else if (cf->m_self)
			*mod = Py_TYPE(cf->m_self)->tp_name;
		if (PyErr_Occurred())
			PyErr_Clear();
	} else if (Py_IS_TYPE(f, &PyMethodDescr_Type)) {
		PyMethodDescrObject *d = (PyMethodDescrObject *)f;
		*name = d->d_method->ml_name;
		*mod = d->d_common.d_type->tp_name;
	}
}

#if PY_VERSION_HEX >= 0x030B0000
#define FRAME_CODE(f) PyFrame_GetCode(f)               /* new references */
#define FRAME_GLOBALS(f) PyFrame_GetGlobals(f)
#define PUT(o) Py_DECREF(o)
#else
#define FRAME_CODE(f) ((f)->f_code)
#define FRAME_GLOBALS(f) ((f)->f_globals)
#define PUT(o) ((void)(o))
#endif

#define RUNNING_MAX 256          /* frames of the loading stack entered at load time (deeper: cut) */

/* Loaded with a tracer already there (-c: the tracer attached before the interpreter started), the
 * frames that are running the import of this module were entered while a --with-dtrace build
 * would have seen them: give their entries, outermost first, so that their returns pair. */
static void enter_running_frames(void)
{
	PyFrameObject *fr[RUNNING_MAX];
	int n = 0;
	PyFrameObject *f = PyEval_GetFrame();
	Py_XINCREF(f);
	while (f && n < RUNNING_MAX) {
		fr[n++] = f;
#if PY_VERSION_HEX >= 0x03090000
		f = PyFrame_GetBack(f);
#else
		f = f->f_back;
		Py_XINCREF(f);
#endif
	}
	Py_XDECREF(f);
	while (n-- > 0) {
		PyCodeObject *co = FRAME_CODE(fr[n]);
		PyObject *g = FRAME_GLOBALS(fr[n]);
		const char *file = utf8(co->co_filename), *fn = utf8(co->co_name), *mod = module_of(g);
		int lineno = PyFrame_GetLineNumber(fr[n]);
		STAP_PROBE4(python, function__entry, file, fn, lineno, mod);
		PUT(co);
		PUT(g);
		Py_DECREF(fr[n]);
	}
}

/* ---- 3.8-3.11: the C profile and trace functions --------------------------------------------- */
#if !PS_MONITORING

static Py_tracefunc trampoline;  /* CPython's profile_trampoline: sys.setprofile's C function */
static PyObject *orig_setprofile, *orig_getprofile, *thread_hook, *profile_str[8];

static void set_profile(PyThreadState *ts, Py_tracefunc f, PyObject *obj)
{
#if PY_VERSION_HEX >= 0x03090000
	_PyEval_SetProfile(ts, f, obj);
#else
	PyThreadState *me = PyThreadState_Swap(ts);
	PyEval_SetProfile(f, obj);
	PyThreadState_Swap(me);
#endif
	if (PyErr_Occurred())
		PyErr_Clear();
}

static void set_trace(PyThreadState *ts, Py_tracefunc f, PyObject *obj)
{
#if PY_VERSION_HEX >= 0x03090000
	_PyEval_SetTrace(ts, f, obj);
#else
	PyThreadState *me = PyThreadState_Swap(ts);
	PyEval_SetTrace(f, obj);
	PyThreadState_Swap(me);
#endif
	if (PyErr_Occurred())
		PyErr_Clear();
}

static int ps_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg);

static void fire_py(PyFrameObject *frame, int ret)
{
	PyCodeObject *co = FRAME_CODE(frame);
	PyObject *g = FRAME_GLOBALS(frame);
	const char *file = utf8(co->co_filename), *fn = utf8(co->co_name), *mod = module_of(g);
	int lineno = PyFrame_GetLineNumber(frame);
	if (!ret)
		STAP_PROBE4(python, function__entry, file, fn, lineno, mod);
	else
		STAP_PROBE4(python, function__return, file, fn, lineno, mod);
	PUT(co);
	PUT(g);
}

static void fire_c(PyFrameObject *frame, PyObject *callable, int ret)
{
	PyCodeObject *co = FRAME_CODE(frame);
	const char *file = utf8(co->co_filename), *name, *mod;
	int lineno = PyFrame_GetLineNumber(frame);
	cfunc_names(callable, &name, &mod);
	if (!ret)
		STAP_PROBE4(python, cfunction__entry, file, name, lineno, mod);
	else
		STAP_PROBE4(python, cfunction__return, file, name, lineno, mod);
	PUT(co);
}

/* pyscope's profile function; OBJ is the program's own profiler (a Python callable set with
 * sys.setprofile while ours was in place), called as CPython's trampoline would. */
static int ps_prof(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
	switch (what) {
	case PyTrace_CALL:
		if (python_function__entry_semaphore)
			fire_py(frame, 0);
		if ((installed & G_LINE) && !PyThreadState_Get()->c_tracefunc) {
			muted++;
			set_trace(PyThreadState_Get(), ps_trace, NULL);   /* a thread started later */
			muted--;
		}
		break;
	case PyTrace_RETURN:
		if (python_function__return_semaphore)
			fire_py(frame, 1);
		break;
	case PyTrace_C_CALL:
		if (python_cfunction__entry_semaphore)
			fire_c(frame, arg, 0);
		break;
	case PyTrace_C_RETURN:
	case PyTrace_C_EXCEPTION:
		if (python_cfunction__return_semaphore)
			fire_c(frame, arg, 1);
		break;
	}
	if (!obj)
		return 0;
	if (PyFrame_FastToLocalsWithError(frame) < 0)
		return -1;
	PyObject *r = PyObject_CallFunctionObjArgs(obj, (PyObject *)frame, profile_str[what],
						   arg ? arg : Py_None, NULL);
	PyFrame_LocalsToFast(frame, 1);
	if (!r) {
		set_profile(PyThreadState_Get(), NULL, NULL);
		return -1;
	}
	Py_DECREF(r);
	return 0;
}

static int ps_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
	(void)obj;
	(void)arg;
	if (what == PyTrace_LINE && python_line_semaphore) {
		PyCodeObject *co = FRAME_CODE(frame);
		PyObject *g = FRAME_GLOBALS(frame);
		const char *file = utf8(co->co_filename), *fn = utf8(co->co_name), *mod = module_of(g);
		int lineno = PyFrame_GetLineNumber(frame);
		STAP_PROBE4(python, line, file, fn, lineno, mod);
		PUT(co);
		PUT(g);
	}
	return 0;
}

/* sys.setprofile while pyscope's profile function is in place: keep ours, call theirs from it. */
static PyObject *ps_setprofile(PyObject *self, PyObject *f)
{
	(void)self;
	PyThreadState *ts = PyThreadState_Get();
	if (f == thread_hook)       /* a thread started through threading, while traced */
		f = Py_None;
	if ((installed & (G_CALLS | G_LINE)) &&
	    (ts->c_profilefunc == ps_prof || ts->c_profilefunc == NULL)) {
		if (PySys_Audit("sys.setprofile", NULL) < 0)
			return NULL;
		/* A thread threading starts (through its profile hook: ours, or the program's):
		 * give the entries of its _bootstrap frames, so that their returns pair. */
		if (ts->c_profilefunc == NULL && (installed & G_CALLS) && python_function__entry_semaphore)
			enter_running_frames();
		muted++;
		set_profile(ts, ps_prof, f == Py_None ? NULL : f);
		muted--;
		Py_RETURN_NONE;
	}
	if (f == thread_hook)
		Py_RETURN_NONE;
	return PyObject_CallFunctionObjArgs(orig_setprofile, f, NULL);
}

static PyObject *ps_getprofile(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	PyThreadState *ts = PyThreadState_Get();
	if (ts->c_profilefunc == ps_prof) {
		PyObject *o = ts->c_profileobj ? ts->c_profileobj : Py_None;
		Py_INCREF(o);
		return o;
	}
	return PyObject_CallObject(orig_getprofile, NULL);
}

static PyMethodDef setprofile_def = {"setprofile", ps_setprofile, METH_O, NULL};
static PyMethodDef getprofile_def = {"getprofile", ps_getprofile, METH_NOARGS, NULL};
static PyMethodDef thread_hook_def = {"_pyscope_thread_hook", ps_setprofile, METH_O, NULL};

static PyObject *noop(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	Py_RETURN_NONE;
}
static PyMethodDef noop_def = {"_pyscope_noop", noop, METH_VARARGS, NULL};

/* Threads started through _thread.start_new_thread (threading's hook does not see them): the
 * function is wrapped. CPython makes the new thread's state (at the head of the interpreter's list)
 * before start_new_thread returns, and the new thread needs the GIL, which the caller still holds,
 * to run any Python code; so our functions are set on it here, before its first call, and it
 * reports every call from its first on, as a --with-dtrace build does. The thread is given the
 * program's own function unchanged (audit hooks, "Exception ignored in thread started by" see
 * what they would). threading started this way too: its _bootstrap frames are then seen from their
 * start, and its profile hook finds ours already there. Only while hooks are installed. */
static PyObject *orig_start_new_thread;

static int running(PyThreadState *ts)
{
#if PY_VERSION_HEX >= 0x03090000
	PyFrameObject *f = PyThreadState_GetFrame(ts);
	Py_XDECREF(f);
	return f != NULL;
#else
	return ts->frame != NULL;
#endif
}

static void follow_new_threads(void)
{
	if (!(installed & (G_CALLS | G_LINE)))
		return;
	muted++;
	for (PyThreadState *ts = PyInterpreterState_ThreadHead(PyInterpreterState_Main()); ts;
	     ts = PyThreadState_Next(ts)) {
		if (running(ts))
			continue;
		if (ts->c_profilefunc == NULL)
			set_profile(ts, ps_prof, NULL);
		if ((installed & G_LINE) && ts->c_tracefunc == NULL)
			set_trace(ts, ps_trace, NULL);
	}
	muted--;
}

static PyObject *ps_start_new_thread(PyObject *self, PyObject *args, PyObject *kw)
{
	(void)self;
	PyObject *r = PyObject_Call(orig_start_new_thread, args, kw);
	if (r)
		follow_new_threads();
	return r;
}

static PyMethodDef start_new_thread_def = {"start_new_thread", (PyCFunction)(void (*)(void))ps_start_new_thread,
					   METH_VARARGS | METH_KEYWORDS, NULL};

/* Wrap _thread.start_new_thread (and its aliases, threading's own name for it). */
static int wrap_start_new_thread(void)
{
	PyObject *th = PyImport_ImportModule("_thread");
	PyObject *modname = PyUnicode_FromString("_thread");
	PyObject *w = th && modname ? PyCFunction_NewEx(&start_new_thread_def, NULL, modname) : NULL;
	orig_start_new_thread = th ? PyObject_GetAttrString(th, "start_new_thread") : NULL;
	int rc = -1;
	if (w && orig_start_new_thread) {
		static const char *const names[] = {"start_new_thread", "start_new"};
		rc = 0;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			PyObject *cur = PyObject_GetAttrString(th, names[i]);
			if (cur == orig_start_new_thread && PyObject_SetAttrString(th, names[i], w) < 0)
				rc = -1;
			Py_XDECREF(cur);
			PyErr_Clear();
		}
		PyObject *mods = PyImport_GetModuleDict();
		PyObject *threading = mods ? PyDict_GetItemString(mods, "threading") : NULL;
		PyObject *cur = threading ? PyObject_GetAttrString(threading, "_start_new_thread") : NULL;
		if (cur == orig_start_new_thread)
			PyObject_SetAttrString(threading, "_start_new_thread", w);
		Py_XDECREF(cur);
		PyErr_Clear();
	}
	Py_XDECREF(w);
	Py_XDECREF(modname);
	Py_XDECREF(th);
	return rc;
}

/* Learn the address of CPython's profile trampoline (a Python profiler's C function) by setting
 * one on this thread for a moment, and wrap sys.setprofile/getprofile. */
static int legacy_init(PyObject *m)
{
	static const char *names[] = {"call", "exception", "line", "return", "c_call",
				      "c_exception", "c_return", "opcode"};
	for (int i = 0; i < 8; i++)
		if (!(profile_str[i] = PyUnicode_InternFromString(names[i])))
			return -1;
	PyObject *sys = PyImport_ImportModule("sys");
	if (!sys)
		return -1;
	orig_setprofile = PyObject_GetAttrString(sys, "setprofile");
	orig_getprofile = PyObject_GetAttrString(sys, "getprofile");
	PyObject *nf = PyCFunction_New(&noop_def, NULL);
	thread_hook = PyCFunction_New(&thread_hook_def, m);
	PyObject *sp = PyCFunction_New(&setprofile_def, m), *gp = PyCFunction_New(&getprofile_def, m);
	int rc = -1;
	if (orig_setprofile && orig_getprofile && nf && thread_hook && sp && gp) {
		PyThreadState *ts = PyThreadState_Get();
		Py_tracefunc sf = ts->c_profilefunc;
		PyObject *so = ts->c_profileobj;
		Py_XINCREF(so);
		muted++;
		PyObject *r = PyObject_CallFunctionObjArgs(orig_setprofile, nf, NULL);
		trampoline = ts->c_profilefunc;
		set_profile(ts, sf, so);
		muted--;
		Py_XDECREF(so);
		Py_XDECREF(r);
		if (r && PyObject_SetAttrString(sys, "setprofile", sp) == 0 &&
		    PyObject_SetAttrString(sys, "getprofile", gp) == 0)
			rc = 0;
	}
	Py_XDECREF(nf);
	Py_XDECREF(sp);
	Py_XDECREF(gp);
	Py_DECREF(sys);
	return rc < 0 ? rc : wrap_start_new_thread();
}

/* threading's profile hook: threads started later call sys.setprofile(hook) first thing. */
static void thread_hook_set(int on)
{
	PyObject *th = PyImport_ImportModule("threading");
	if (!th) {
		PyErr_Clear();
		return;
	}
	PyObject *cur = PyObject_GetAttrString(th, "_profile_hook");
	if (cur && on && cur == Py_None)
		PyObject_SetAttrString(th, "_profile_hook", thread_hook);
	else if (cur && !on && cur == thread_hook)
		PyObject_SetAttrString(th, "_profile_hook", Py_None);
	Py_XDECREF(cur);
	Py_DECREF(th);
	PyErr_Clear();
}

static void hooks_calls(int calls, int line, PyThreadState *skip)
{
	if (calls)
		thread_hook_set(1);     /* may import threading: before our hooks see its calls */
	for (PyThreadState *ts = PyInterpreterState_ThreadHead(PyInterpreterState_Main()); ts;
	     ts = PyThreadState_Next(ts)) {
		if (ts == skip)
			continue;
		if (calls && ts->c_profilefunc != ps_prof) {
			if (ts->c_profilefunc == NULL)
				set_profile(ts, ps_prof, NULL);
			else if (ts->c_profilefunc == trampoline && trampoline) {
				PyObject *theirs = ts->c_profileobj;
				Py_XINCREF(theirs);
				set_profile(ts, ps_prof, theirs);
				Py_XDECREF(theirs);
			}
		} else if (!calls && ts->c_profilefunc == ps_prof) {
			PyObject *theirs = ts->c_profileobj;
			if (theirs) {       /* give the program's profiler back its own slot */
				Py_INCREF(theirs);
				PyThreadState *me = PyThreadState_Swap(ts);
				PyObject *r = PyObject_CallFunctionObjArgs(orig_setprofile, theirs, NULL);
				PyThreadState_Swap(me);
				Py_XDECREF(r);
				PyErr_Clear();
				Py_DECREF(theirs);
			} else {
				set_profile(ts, NULL, NULL);
			}
		}
		if (line && ts->c_tracefunc == NULL)
			set_trace(ts, ps_trace, NULL);
		else if (!line && ts->c_tracefunc == ps_trace)
			set_trace(ts, NULL, NULL);
	}
	if (!calls)
		thread_hook_set(0);
}
#endif

/* ---- 3.12+: sys.monitoring ------------------------------------------------------------------- */
#if PS_MONITORING
static int tool_id = -1;
static PyObject *mon;            /* sys.monitoring */

static const char *code_file(PyObject *c) { return utf8(((PyCodeObject *)c)->co_filename); }
static const char *code_name(PyObject *c) { return utf8(((PyCodeObject *)c)->co_name); }
static int code_line(PyObject *c, PyObject *off)
{
	long o = PyLong_AsLong(off);
	if (o == -1 && PyErr_Occurred()) {
		PyErr_Clear();
		return 0;
	}
	return PyCode_Addr2Line((PyCodeObject *)c, (int)o);
}

static PyObject *m_entry(PyObject *self, PyObject *const *a, Py_ssize_t n)
{
	(void)self;
	if (n >= 2 && python_function__entry_semaphore && PyCode_Check(a[0])) {
		const char *file = code_file(a[0]), *fn = code_name(a[0]);
		const char *mod = module_of(PyEval_GetGlobals());
		int lineno = code_line(a[0], a[1]);
		STAP_PROBE4(python, function__entry, file, fn, lineno, mod);
	}
	Py_RETURN_NONE;
}

static PyObject *m_return(PyObject *self, PyObject *const *a, Py_ssize_t n)
{
	(void)self;
	if (n >= 2 && python_function__return_semaphore && PyCode_Check(a[0])) {
		const char *file = code_file(a[0]), *fn = code_name(a[0]);
		const char *mod = module_of(PyEval_GetGlobals());
		int lineno = code_line(a[0], a[1]);
		STAP_PROBE4(python, function__return, file, fn, lineno, mod);
	}
	Py_RETURN_NONE;
}

/* CALL comes for every call; as sys.setprofile's c_call, only built-in functions count. */
static PyObject *m_ccall(PyObject *self, PyObject *const *a, Py_ssize_t n)
{
	(void)self;
	if (n >= 3 && python_cfunction__entry_semaphore && PyCode_Check(a[0]) &&
	    (PyCFunction_Check(a[2]) || Py_IS_TYPE(a[2], &PyMethodDescr_Type))) {
		const char *file = code_file(a[0]), *name, *mod;
		int lineno = code_line(a[0], a[1]);
		cfunc_names(a[2], &name, &mod);
		STAP_PROBE4(python, cfunction__entry, file, name, lineno, mod);
	}
	Py_RETURN_NONE;
}

static PyObject *m_creturn(PyObject *self, PyObject *const *a, Py_ssize_t n)
{
	(void)self;
	if (n >= 3 && python_cfunction__return_semaphore && PyCode_Check(a[0]) &&
	    (PyCFunction_Check(a[2]) || Py_IS_TYPE(a[2], &PyMethodDescr_Type))) {
		const char *file = code_file(a[0]), *name, *mod;
		int lineno = code_line(a[0], a[1]);
		cfunc_names(a[2], &name, &mod);
		STAP_PROBE4(python, cfunction__return, file, name, lineno, mod);
	}
	Py_RETURN_NONE;
}

static PyObject *m_line(PyObject *self, PyObject *const *a, Py_ssize_t n)
{
	(void)self;
	if (n >= 2 && python_line_semaphore && PyCode_Check(a[0])) {
		const char *file = code_file(a[0]), *fn = code_name(a[0]);
		const char *mod = module_of(PyEval_GetGlobals());
		int lineno = (int)PyLong_AsLong(a[1]);
		PyErr_Clear();
		STAP_PROBE4(python, line, file, fn, lineno, mod);
	}
	Py_RETURN_NONE;
}

static PyMethodDef mon_defs[] = {
	{"entry", (PyCFunction)(void (*)(void))m_entry, METH_FASTCALL, NULL},
	{"return", (PyCFunction)(void (*)(void))m_return, METH_FASTCALL, NULL},
	{"ccall", (PyCFunction)(void (*)(void))m_ccall, METH_FASTCALL, NULL},
	{"creturn", (PyCFunction)(void (*)(void))m_creturn, METH_FASTCALL, NULL},
	{"line", (PyCFunction)(void (*)(void))m_line, METH_FASTCALL, NULL},
};
/* sys.setprofile's choice of events (CPython's legacy_tracing.c), and LINE. */
static const struct { const char *event; int def; int group; } mon_events[] = {
	{"PY_START", 0, G_CALLS}, {"PY_RESUME", 0, G_CALLS}, {"PY_THROW", 0, G_CALLS},
	{"PY_RETURN", 1, G_CALLS}, {"PY_YIELD", 1, G_CALLS}, {"PY_UNWIND", 1, G_CALLS},
	{"CALL", 2, G_CALLS}, {"C_RETURN", 3, G_CALLS}, {"C_RAISE", 3, G_CALLS},
	{"LINE", 4, G_LINE},
};
static PyObject *mon_funcs[5];

static long event_bit(const char *name)
{
	PyObject *ev = PyObject_GetAttrString(mon, "events");
	PyObject *v = ev ? PyObject_GetAttrString(ev, name) : NULL;
	long b = v ? PyLong_AsLong(v) : 0;
	Py_XDECREF(ev);
	Py_XDECREF(v);
	PyErr_Clear();
	return b;
}

/* Take a free tool id (never one another tool holds), register the callbacks, set the events. */
static void hooks_monitoring(int want)
{
	int groups = want & (G_CALLS | G_LINE);
	if (groups && tool_id < 0) {
		static const int prefer[] = {4, 3, 0, 1, 2, 5};
		for (int i = 0; i < 6 && tool_id < 0; i++) {
			PyObject *r = PyObject_CallMethod(mon, "get_tool", "i", prefer[i]);
			if (r == Py_None) {
				PyObject *u = PyObject_CallMethod(mon, "use_tool_id", "is", prefer[i], TOOL_NAME);
				if (u)
					tool_id = prefer[i];
				Py_XDECREF(u);
			}
			Py_XDECREF(r);
			PyErr_Clear();
		}
		if (tool_id < 0) {
			fprintf(stderr, "pyscope provider: every sys.monitoring tool id is taken; "
				"no function or line markers\n");
			return;
		}
	}
	if (tool_id < 0)
		return;
	long mask = 0;
	for (size_t i = 0; i < sizeof(mon_events) / sizeof(mon_events[0]); i++) {
		long b = event_bit(mon_events[i].event);
		int on = (groups & mon_events[i].group) != 0;
		PyObject *r = PyObject_CallMethod(mon, "register_callback", "ilO", tool_id, b,
						  on ? mon_funcs[mon_events[i].def] : Py_None);
		Py_XDECREF(r);
		PyErr_Clear();
		if (on)
			mask |= b;
	}
	PyObject *r = PyObject_CallMethod(mon, "set_events", "il", tool_id, mask);
	Py_XDECREF(r);
	PyErr_Clear();
	if (!groups) {
		r = PyObject_CallMethod(mon, "free_tool_id", "i", tool_id);
		Py_XDECREF(r);
		PyErr_Clear();
		tool_id = -1;
	}
}
#endif

/* ---- gc, import, audit ------------------------------------------------------------------------ */

static PyObject *gc_callback(PyObject *self, PyObject *const *a, Py_ssize_t n)
{
	(void)self;
	if (n < 2 || !PyDict_Check(a[1]))
		Py_RETURN_NONE;
	const char *phase = utf8(a[0]);
	if (strcmp(phase, "start") == 0 && python_gc__start_semaphore) {
		PyObject *g = PyDict_GetItemString(a[1], "generation");
		int gen = g ? (int)PyLong_AsLong(g) : -1;
		STAP_PROBE1(python, gc__start, gen);
	} else if (strcmp(phase, "stop") == 0 && python_gc__done_semaphore) {
		PyObject *c = PyDict_GetItemString(a[1], "collected");
		PyObject *u = PyDict_GetItemString(a[1], "uncollectable");
		Py_ssize_t done = (c ? PyLong_AsSsize_t(c) : 0) + (u ? PyLong_AsSsize_t(u) : 0);
		STAP_PROBE1(python, gc__done, done);
	}
	PyErr_Clear();
	Py_RETURN_NONE;
}

static PyObject *find_and_load(PyObject *self, PyObject *const *a, Py_ssize_t n)
{
	(void)self;
	const char *name = n >= 1 ? utf8(a[0]) : "";
	if (python_import__find__load__start_semaphore)
		STAP_PROBE1(python, import__find__load__start, name);
	PyObject *r = PyObject_Vectorcall(orig_find_and_load, a, (size_t)n, NULL);
	if (python_import__find__load__done_semaphore) {
		int found = r != NULL;
		STAP_PROBE2(python, import__find__load__done, name, found);
	}
	return r;
}

static PyMethodDef gc_def = {"_pyscope_gc", (PyCFunction)(void (*)(void))gc_callback, METH_FASTCALL, NULL};
static PyMethodDef import_def = {"_find_and_load", (PyCFunction)(void (*)(void))find_and_load,
				 METH_FASTCALL, NULL};

static void hooks_gc(int on)
{
	PyObject *gc = PyImport_ImportModule("gc");
	PyObject *cbs = gc ? PyObject_GetAttrString(gc, "callbacks") : NULL;
	if (cbs && PyList_Check(cbs)) {
		Py_ssize_t at = -1;
		for (Py_ssize_t i = 0; i < PyList_GET_SIZE(cbs); i++)
			if (PyList_GET_ITEM(cbs, i) == gc_cb)
				at = i;
		if (on && at < 0)
			PyList_Append(cbs, gc_cb);
		else if (!on && at >= 0)
			PySequence_DelItem(cbs, at);
	}
	Py_XDECREF(cbs);
	Py_XDECREF(gc);
	PyErr_Clear();
}

static void hooks_import(int on)
{
	PyObject *bs = PyImport_ImportModule("_frozen_importlib");
	PyObject *cur = bs ? PyObject_GetAttrString(bs, "_find_and_load") : NULL;
	if (cur && on && cur != import_wrapper) {
		Py_XSETREF(orig_find_and_load, cur);
		Py_INCREF(cur);
		PyObject_SetAttrString(bs, "_find_and_load", import_wrapper);
	} else if (cur && !on && cur == import_wrapper && orig_find_and_load) {
		PyObject_SetAttrString(bs, "_find_and_load", orig_find_and_load);
	}
	Py_XDECREF(cur);
	Py_XDECREF(bs);
	PyErr_Clear();
}

static int audit_hook(const char *event, PyObject *args, void *ud)
{
	(void)ud;
	if (python_audit_semaphore && !muted)
		STAP_PROBE2(python, audit, event, args);
	return 0;
}

/* With the GIL: make the installed hooks those of WANT. SKIP: the watcher's own thread state. */
static void apply(int want, PyThreadState *skip)
{
	if (want == installed)
		return;
	PyObject *et, *ev, *tb;
	PyErr_Fetch(&et, &ev, &tb);
	muted++;
	if ((want ^ installed) & (G_CALLS | G_LINE)) {
#if PS_MONITORING
		(void)skip;
		hooks_monitoring(want);
#else
		/* ps_prof looks at `installed` to follow new threads with the trace function */
		installed = (installed & ~(G_CALLS | G_LINE)) | (want & (G_CALLS | G_LINE));
		hooks_calls((want & (G_CALLS | G_LINE)) != 0, (want & G_LINE) != 0, skip);
#endif
	}
	if ((want ^ installed) & G_GC)
		hooks_gc(want & G_GC);
	if ((want ^ installed) & G_IMPORT)
		hooks_import(want & G_IMPORT);
	installed = want;
	muted--;
	PyErr_Restore(et, ev, tb);
}

/* ---- the watcher --------------------------------------------------------------------------- */

/* The watcher sleeps on a condition variable, so that stopping it (atexit, fork) is immediate. */
static pthread_t watcher;
static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cv = PTHREAD_COND_INITIALIZER;
static int watcher_run, watcher_started, restart_after_fork;

static void *watch(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&watch_mu);
	while (watcher_run) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += WATCH_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&watch_cv, &watch_mu, &t);
		if (!watcher_run || wanted() == installed)
			continue;
		pthread_mutex_unlock(&watch_mu);
		if (!Py_IsInitialized())
			return NULL;
		PyGILState_STATE st = PyGILState_Ensure();
		if (watcher_run)
			apply(wanted(), PyThreadState_Get());
		PyGILState_Release(st);
		pthread_mutex_lock(&watch_mu);
	}
	pthread_mutex_unlock(&watch_mu);
	return NULL;
}

static void watcher_start(void)
{
	watcher_run = 1;
	watcher_started = pthread_create(&watcher, NULL, watch, NULL) == 0;
}

/* With the GIL: stop the watcher (releasing the GIL, which it may be waiting for). */
static void watcher_stop(void)
{
	if (!watcher_started)
		return;
	pthread_mutex_lock(&watch_mu);
	watcher_run = 0;
	pthread_cond_signal(&watch_cv);
	pthread_mutex_unlock(&watch_mu);
	Py_BEGIN_ALLOW_THREADS
	pthread_join(watcher, NULL);
	Py_END_ALLOW_THREADS
	watcher_started = 0;
}

/* atexit: stop the watcher, remove the hooks, before the interpreter goes. */
static PyObject *at_exit(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	watcher_stop();
	apply(0, NULL);
	Py_RETURN_NONE;
}

/* os.register_at_fork: no thread of ours at the fork (CPython 3.12+ warns about forking a process
 * with threads), then one again on each side. */
static PyObject *before_fork(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	restart_after_fork = watcher_started;
	watcher_stop();
	Py_RETURN_NONE;
}

static PyObject *after_fork(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	if (restart_after_fork && !watcher_started) {
		pthread_mutex_init(&watch_mu, NULL);
		pthread_cond_init(&watch_cv, NULL);
		watcher_start();
	}
	Py_RETURN_NONE;
}

/* In the parent, the thread comes back once os.fork has returned: 3.13 counts the threads after
 * the after_in_parent hooks, and would warn about ours. */
static int restart_pending(void *arg)
{
	(void)arg;
	PyObject *r = after_fork(NULL, NULL);
	Py_XDECREF(r);
	return 0;
}

static PyObject *after_fork_parent(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	if (Py_AddPendingCall(restart_pending, NULL) < 0)
		return after_fork(NULL, NULL);
	Py_RETURN_NONE;
}

/* For tests: the groups installed now ("calls", "line", "gc", "import"), and the tool id. */
static PyObject *state(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	return Py_BuildValue("{s:O,s:O,s:O,s:O,s:i,s:O}", "calls", installed & G_CALLS ? Py_True : Py_False,
			     "line", installed & G_LINE ? Py_True : Py_False,
			     "gc", installed & G_GC ? Py_True : Py_False,
			     "import", installed & G_IMPORT ? Py_True : Py_False,
#if PS_MONITORING
			     "tool_id", tool_id,
#else
			     "tool_id", -1,
#endif
			     "watcher", watcher_started && watcher_run ? Py_True : Py_False);
}

static PyMethodDef module_defs[] = {
	{"state", state, METH_NOARGS, "the hooks installed now (for tests)"},
	{"_at_exit", at_exit, METH_NOARGS, NULL},
	{"_after_fork", after_fork, METH_NOARGS, NULL},
	{"_before_fork", before_fork, METH_NOARGS, NULL},
	{"_after_fork_parent", after_fork_parent, METH_NOARGS, NULL},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
	PyModuleDef_HEAD_INIT, "_pyscope_provider",
	"pyscope's provider: the markers of a --with-dtrace CPython", -1, module_defs,
	NULL, NULL, NULL, NULL,
};

static int register_with(const char *modname, const char *fn, PyObject *m, const char *kw,
			 const char *attr)
{
	PyObject *mod = PyImport_ImportModule(modname);
	PyObject *f = mod ? PyObject_GetAttrString(mod, fn) : NULL;
	PyObject *cb = PyObject_GetAttrString(m, attr);
	int rc = -1;
	if (f && cb) {
		PyObject *r;
		if (kw) {
			PyObject *args = PyTuple_New(0), *kws = Py_BuildValue("{s:O}", kw, cb);
			r = args && kws ? PyObject_Call(f, args, kws) : NULL;
			Py_XDECREF(args);
			Py_XDECREF(kws);
		} else {
			r = PyObject_CallFunctionObjArgs(f, cb, NULL);
		}
		rc = r ? 0 : -1;
		Py_XDECREF(r);
	}
	Py_XDECREF(cb);
	Py_XDECREF(f);
	Py_XDECREF(mod);
	return rc;
}

PyMODINIT_FUNC PyInit__pyscope_provider(void);
PyMODINIT_FUNC PyInit__pyscope_provider(void)
{
	static int loaded;
	if (PyThreadState_Get()->interp != PyInterpreterState_Main()) {
		PyErr_SetString(PyExc_ImportError,
				"pyscope provider: sub-interpreters are not supported (main interpreter only)");
		return NULL;
	}
	PyObject *m = PyModule_Create(&module);
	if (!m || loaded)
		return m;
	name_key = PyUnicode_InternFromString("__name__");
	gc_cb = PyCFunction_New(&gc_def, m);
	import_wrapper = PyCFunction_New(&import_def, m);
	if (!name_key || !gc_cb || !import_wrapper)
		goto fail;
#if PS_MONITORING
	mon = PyImport_ImportModule("sys.monitoring");
	if (!mon) {
		PyErr_Clear();
		PyObject *sys = PyImport_ImportModule("sys");
		mon = sys ? PyObject_GetAttrString(sys, "monitoring") : NULL;
		Py_XDECREF(sys);
	}
	if (!mon)
		goto fail;
	for (int i = 0; i < 5; i++)
		if (!(mon_funcs[i] = PyCFunction_New(&mon_defs[i], m)))
			goto fail;
#else
	if (legacy_init(m) < 0)
		goto fail;
#endif
	if (PySys_AddAuditHook(audit_hook, NULL) < 0)
		goto fail;
	if (register_with("atexit", "register", m, NULL, "_at_exit") < 0 ||
	    register_with("os", "register_at_fork", m, "before", "_before_fork") < 0 ||
	    register_with("os", "register_at_fork", m, "after_in_child", "_after_fork") < 0 ||
	    register_with("os", "register_at_fork", m, "after_in_parent", "_after_fork_parent") < 0)
		goto fail;
	loaded = 1;
	/* A tracer already waiting (pyscope -c attaches before the interpreter starts): from the
	 * first line of the program on, not WATCH_MS later. */
	if (python_function__entry_semaphore)
		enter_running_frames();
	apply(wanted(), NULL);
	watcher_start();
	return m;
fail:
	Py_DECREF(m);
	return NULL;
}
