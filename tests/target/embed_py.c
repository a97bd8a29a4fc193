/*
 * embed_py — a program that embeds CPython through the shared libpython (loaded with dlopen, so it
 * builds without Python's headers), for tests that need the markers to live in a shared library
 * rather than in the executable: `embed_py CODE` runs the Python source CODE and exits.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: embed_py CODE\n");
		return 2;
	}
	void *py = dlopen("libpython3.11.so.1.0", RTLD_NOW | RTLD_GLOBAL);
	if (!py) {
		fprintf(stderr, "embed_py: %s\n", dlerror());
		return 3;
	}
	void (*init)(void) = (void (*)(void))dlsym(py, "Py_Initialize");
	int (*run)(const char *) = (int (*)(const char *))dlsym(py, "PyRun_SimpleString");
	int (*fini)(void) = (int (*)(void))dlsym(py, "Py_FinalizeEx");
	if (!init || !run || !fini) {
		fprintf(stderr, "embed_py: %s\n", dlerror());
		return 3;
	}
	init();
	int rc = run(argv[1]);
	fini();
	return rc == 0 ? 0 : 1;
}
