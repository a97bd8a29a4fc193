/* test_event.c — the one marker-name table (event.c): names in enum order, both spellings back. */
#include "event.h"
#include "unit.h"

int main(void)
{
	static const char *const want[PS_M_COUNT] = {
		"function__entry", "function__return", "line", "gc__start", "gc__done",
		"import__find__load__start", "import__find__load__done", "audit",
	};
	for (int m = 0; m < PS_M_COUNT; m++) {
		char name[64];
		snprintf(name, sizeof(name), "ps_marker_name(%d) is %s", m, want[m]);
		CHECK_STR(name, want[m], ps_marker_name(m));
		snprintf(name, sizeof(name), "ps_marker_from_name(%s) is %d", want[m], m);
		CHECK_INT(name, m, ps_marker_from_name(want[m]));
	}
	CHECK("ps_marker_name(PS_M_OTHER) is NULL", ps_marker_name(PS_M_OTHER) == NULL);
	CHECK("ps_marker_name(PS_M_COUNT) is NULL", ps_marker_name(PS_M_COUNT) == NULL);
	CHECK_INT("DTrace spelling: function-entry", PS_M_FUNCTION_ENTRY,
		  ps_marker_from_name("function-entry"));
	CHECK_INT("DTrace spelling: import-find-load-done", PS_M_IMPORT_DONE,
		  ps_marker_from_name("import-find-load-done"));
	CHECK_INT("mixed spelling: import__find-load__start", PS_M_IMPORT_START,
		  ps_marker_from_name("import__find-load__start"));
	CHECK_INT("one underscore is not a spelling: function_entry", PS_M_OTHER,
		  ps_marker_from_name("function_entry"));
	CHECK_INT("a prefix is not a name: function", PS_M_OTHER, ps_marker_from_name("function"));
	CHECK_INT("a longer name is not a name: audit2", PS_M_OTHER, ps_marker_from_name("audit2"));
	CHECK_INT("empty name", PS_M_OTHER, ps_marker_from_name(""));
	CHECK_INT("a provider is not part of the name: python:line", PS_M_OTHER,
		  ps_marker_from_name("python:line"));
	return unit_status();
}
