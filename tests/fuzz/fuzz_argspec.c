/*
 * fuzz_argspec.c — libFuzzer target for argument-spec parsing (argspec.h): the input is a note's
 * argument string ("8@%rbp 8@%r12 -4@%eax", "8@x0 -4@[sp, 12]"); it is parsed whole, word by word,
 * and described, as each architecture's compilers write it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "argspec.h"
#include "pslimits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	for (int arch = 0; arch < ARGSPEC_ARCH_COUNT; arch++) {
		struct argspec specs[PS_MAX_ARGS];
		char err[256], desc[256];
		int n = argspec_parse_all(s, (enum argspec_arch)arch, specs, PS_MAX_ARGS, err,
					  sizeof(err));
		for (int i = 0; i < n; i++)
			argspec_describe(&specs[i], desc, sizeof(desc));
		struct argspec one;
		if (argspec_parse(s, (enum argspec_arch)arch, &one, err, sizeof(err)) == 0)
			argspec_describe(&one, desc, sizeof(desc));
	}
	free(s);
	return 0;
}
