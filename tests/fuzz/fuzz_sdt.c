/*
 * fuzz_sdt.c — libFuzzer target for the ELF reader (sdt.h): the input is an object file; its
 * stapsdt notes, DT_NEEDED entries and argument specs are read as `pyscope list` reads them.
 */
#include <stdint.h>
#include "fuzz_util.h"
#include "event.h"
#include "sdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdt_file *f;
	char err[256], lib[256], name[128];
	if (sdt_read(fuzz_as_file(data, size), &f, err, sizeof(err)) < 0)
		return 0;
	for (int i = 0; i < f->nnotes; i++) {
		sdt_match("python:function-*", f->notes[i].provider, f->notes[i].name);
		ps_name_dashed(f->notes[i].name, name, sizeof(name));
	}
	int next = 0;
	while (sdt_find_needed(f, "libpython", &next, lib, sizeof(lib)) == 0)
		;
	sdt_free(f);
	return 0;
}
