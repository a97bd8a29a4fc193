/*
 * source.c — reading a script or tapset file (see source.h). Front-ends differ in how they report
 * what is wrong inside a script; reading one, and refusing what is not a script at all, is the
 * same job for every dialect, done here once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "source.h"

char *source_read(const char *path, size_t max, size_t *lenp)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "pyscope: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "pyscope: cannot read %s: it is a directory\n", path);
		if (f != stdin)
			fclose(f);
		return NULL;
	}
	size_t cap = 4096, len = 0, n;
	char *s = malloc(cap);
	int err = 0;
	while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len > max) {
			err = EFBIG;
			break;
		}
		if (len + 1 == cap) {
			char *t = realloc(s, cap *= 2);
			if (!t)
				free(s);
			s = t;
		}
	}
	if (!s)
		err = ENOMEM;
	else if (!err && ferror(f))
		err = errno ? errno : EIO;
	if (f != stdin)
		fclose(f);
	if (err == EFBIG)
		fprintf(stderr, "pyscope: cannot read %s: a script may be at most %zu MiB\n", path,
			max >> 20);
	else if (err)
		fprintf(stderr, "pyscope: cannot read %s: %s\n", path, strerror(err));
	if (err) {
		free(s);
		return NULL;
	}
	s[len] = 0;
	*lenp = len;
	return s;
}
