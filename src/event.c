/*
 * event.c — the one table of CPython's marker names (enum ps_marker order), shared by everything
 * that turns a marker name into a marker or back: capture (notes in an ELF object), replay (the
 * "probe" of a recorded line), and `pyscope events` (its help). Names are accepted in both
 * spellings, the stapsdt one of the notes ("function__entry") and DTrace's ("function-entry").
 *
 * Also the one spelling rule and the one probe-name glob every room uses (list, events, the D
 * front-end, the runtime), so that a name or pattern means the same thing everywhere.
 */
#include <fnmatch.h>
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

int ps_marker_from_name(const char *name)
{
	char noted[256];
	ps_name_noted(name, noted, sizeof(noted));
	for (int i = 0; i < PS_M_COUNT; i++)
		if (strcmp(noted, marker_names[i]) == 0)
			return i;
	return PS_M_OTHER;
}

const char *ps_name_dashed(const char *name, char *buf, size_t len)
{
	size_t j = 0;
	if (len == 0)
		return buf;
	for (; *name && j + 1 < len; name++) {
		if (name[0] == '_' && name[1] == '_') {
			buf[j++] = '-';
			name++;
		} else {
			buf[j++] = *name;
		}
	}
	buf[j] = 0;
	return buf;
}

const char *ps_name_noted(const char *name, char *buf, size_t len)
{
	size_t j = 0;
	bool in_bracket = false;
	if (len == 0)
		return buf;
	for (; *name; name++) {
		if (*name == '[')
			in_bracket = true;
		else if (*name == ']')
			in_bracket = false;
		bool two = *name == '-' && !in_bracket;
		if (j + 1 + two >= len)
			break;
		if (two) {
			buf[j++] = '_';
			buf[j++] = '_';
		} else {
			buf[j++] = *name;
		}
	}
	buf[j] = 0;
	return buf;
}

bool ps_name_match(const char *pattern, const char *name)
{
	/* Large enough for any marker name; a longer one is matched only as it is written, since a
	 * cut copy could match what the whole does not. */
	char buf[1024];
	if (!pattern || !*pattern)
		return true;
	if (!name)
		name = "";
	if (fnmatch(pattern, name, 0) == 0)
		return true;
	if (strstr(name, "__") && strlen(name) < sizeof(buf) &&
	    fnmatch(pattern, ps_name_dashed(name, buf, sizeof(buf)), 0) == 0)
		return true;
	return strchr(pattern, '-') && 2 * strlen(pattern) < sizeof(buf) &&
	       fnmatch(ps_name_noted(pattern, buf, sizeof(buf)), name, 0) == 0;
}
