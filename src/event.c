/*
 * event.c — the one table of CPython's marker names (enum ps_marker order), shared by everything
 * that turns a marker name into a marker or back: capture (notes in an ELF object), replay (the
 * "probe" of a recorded line), and `pyscope events` (its help). Names are accepted in both
 * spellings, the stapsdt one of the notes ("function__entry") and DTrace's ("function-entry").
 */
#include <string.h>
#include "event.h"

/* Indexed by enum ps_marker; stapsdt spelling. */
static const char *const marker_names[PS_M_COUNT] = {
	[PS_M_FUNCTION_ENTRY] = "function__entry",
	[PS_M_FUNCTION_RETURN] = "function__return",
	[PS_M_LINE] = "line",
	[PS_M_GC_START] = "gc__start",
	[PS_M_GC_DONE] = "gc__done",
	[PS_M_IMPORT_START] = "import__find__load__start",
	[PS_M_IMPORT_DONE] = "import__find__load__done",
	[PS_M_AUDIT] = "audit",
};

const char *ps_marker_name(int marker)
{
	return marker >= 0 && marker < PS_M_COUNT ? marker_names[marker] : NULL;
}

/* NAME equals the stapsdt spelling NOTE, or its DTrace spelling (each "__" written "-"). */
static int same_name(const char *name, const char *note)
{
	while (*note) {
		if (note[0] == '_' && note[1] == '_' && *name == '-') {
			note += 2;
			name++;
		} else if (*name++ != *note++) {
			return 0;
		}
	}
	return *name == 0;
}

int ps_marker_from_name(const char *name)
{
	for (int i = 0; i < PS_M_COUNT; i++)
		if (same_name(name, marker_names[i]))
			return i;
	return PS_M_OTHER;
}
