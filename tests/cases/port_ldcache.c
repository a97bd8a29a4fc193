/*
 * port_ldcache.c — a test driver for sdt.c's library search (tests/cases/port_ldcache.sh):
 *   port_ldcache find OBJ NAME [CACHE]     where the loader finds NAME for OBJ (CACHE: ld.so.cache)
 *   port_ldcache lookup CACHE NAME OBJ     NAME in the cache, for OBJ's machine and class
 * Prints the path, or "error: N" with the negative errno.
 */
#include <stdio.h>
#include <string.h>
#include "sdt.h"

int main(int argc, char **argv)
{
	char out[4096], err[256];
	struct sdt_file *f;
	const char *obj = argc > 3 && strcmp(argv[1], "lookup") == 0 ? argv[4] : argv[2];
	if (argc < 4 || !obj || sdt_read(obj, &f, err, sizeof(err)) < 0) {
		fprintf(stderr, "usage: port_ldcache find OBJ NAME [CACHE] | lookup CACHE NAME OBJ\n");
		return 2;
	}
	int rc = strcmp(argv[1], "find") == 0 ? sdt_find_lib(f, argv[3], argv[4], out, sizeof(out))
		 : sdt_ldcache_lookup(argv[2], argv[3], f->machine, f->elfclass, out, sizeof(out));
	if (rc == 0)
		printf("%s\n", out);
	else
		printf("error: %d\n", rc);
	sdt_free(f);
	return 0;
}
