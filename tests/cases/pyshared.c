/*
 * pyshared — the smallest Python built with --enable-shared: a python executable whose markers all
 * live in the libpython it links to (DT_NEEDED libpython3.11.so.1.0), like CPython's own `python`
 * of a shared build. capture_shared.sh builds it with python3.11-config --embed (the Makefile's
 * fixed rule for tests/target/ has no Python flags).
 */
#include <Python.h>

int main(int argc, char **argv)
{
	return Py_BytesMain(argc, argv);
}
