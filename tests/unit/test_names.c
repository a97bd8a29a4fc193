/*
 * test_names.c — the one spelling rule and the one probe-name glob (event.c) that list, events,
 * the D front-end and the runtime all use: "__" and '-' both ways, brackets kept in patterns,
 * cut buffers, and globs in either spelling (or a mix) against names in either spelling.
 */
#include <stdbool.h>
#include "event.h"
#include "sdt.h"
#include "unit.h"

static void check_spelling(void)
{
	char buf[64];
	CHECK_STR("dashed: function__entry", "function-entry", ps_name_dashed("function__entry", buf, sizeof(buf)));
	CHECK_STR("dashed: import__find__load__start", "import-find-load-start",
		  ps_name_dashed("import__find__load__start", buf, sizeof(buf)));
	CHECK_STR("dashed: single _ kept", "a_b", ps_name_dashed("a_b", buf, sizeof(buf)));
	CHECK_STR("dashed: three _ is one - and one _", "a-_b", ps_name_dashed("a___b", buf, sizeof(buf)));
	CHECK_STR("dashed: already dashed", "gc-start", ps_name_dashed("gc-start", buf, sizeof(buf)));
	CHECK_STR("dashed: cut to the buffer", "func", ps_name_dashed("function__entry", buf, 5));
	CHECK_STR("dashed: empty", "", ps_name_dashed("", buf, sizeof(buf)));

	CHECK_STR("noted: function-entry", "function__entry", ps_name_noted("function-entry", buf, sizeof(buf)));
	CHECK_STR("noted: already noted", "gc__start", ps_name_noted("gc__start", buf, sizeof(buf)));
	CHECK_STR("noted: mixed", "import__find__load__start",
		  ps_name_noted("import__find-load__start", buf, sizeof(buf)));
	CHECK_STR("noted: a bracket range keeps its -", "[a-z]*__entry",
		  ps_name_noted("[a-z]*-entry", buf, sizeof(buf)));
	CHECK_STR("noted: cut never splits a __", "gc", ps_name_noted("gc-start", buf, 4));
	CHECK_STR("noted: cut to the buffer", "gc__", ps_name_noted("gc-start", buf, 5));

	/* Both ways round trip for every CPython marker. */
	for (int m = 0; m < PS_M_COUNT; m++) {
		char d[64], n[64], name[96];
		ps_name_noted(ps_name_dashed(ps_marker_name(m), d, sizeof(d)), n, sizeof(n));
		snprintf(name, sizeof(name), "round trip %s", ps_marker_name(m));
		CHECK_STR(name, ps_marker_name(m), n);
	}
}

static const struct {
	const char *pat, *name;
	bool match;
} globs[] = {
	{ "", "anything", true },
	{ "function__entry", "function__entry", true },
	{ "function-entry", "function__entry", true },
	{ "function-entry", "function-entry", true },
	{ "function__entry", "function-entry", false },   /* names are in either spelling, but a
	                                                     dashed name is matched as written */
	{ "function*", "function__return", true },
	{ "*-entry", "function__entry", true },
	{ "*__entry", "function__entry", true },
	{ "function?entry", "function__entry", true },    /* '?' is one character of "function-entry" */
	{ "import__find-load*", "import__find__load__done", true },   /* a mixed pattern */
	{ "[f]unction-*", "function__entry", true },
	{ "[a-z]*", "gc__start", true },
	{ "gc-*", "line", false },
	{ "function_entry", "function__entry", false },
	{ "gc-start", "gc__done", false },
	{ "py*", "python", true },
	{ "python", "python3", false },
	{ "libpython3.11-pyston.so", "libpython3.11-pyston.so", true },   /* a '-' that is a '-' */
	{ "__libc*", "__libc_start_main", true },
	{ "x", NULL, false },
	{ "*", NULL, true },
};

static void check_globs(void)
{
	char name[160];
	for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
		snprintf(name, sizeof(name), "'%s' %s '%s'", globs[i].pat,
			 globs[i].match ? "matches" : "does not match", globs[i].name ? globs[i].name : "(null)");
		CHECK_INT(name, globs[i].match, ps_name_match(globs[i].pat, globs[i].name));
	}
	/* sdt_match (list, events) is the same rule, with an optional provider part. */
	CHECK("sdt_match python:function-entry", sdt_match("python:function-entry", "python", "function__entry"));
	CHECK("sdt_match :function?entry (any provider)", sdt_match(":function?entry", "x", "function__entry"));
	CHECK("sdt_match py*:gc* ", sdt_match("py*:gc*", "python", "gc__start"));
	CHECK("sdt_match other provider", !sdt_match("node:gc*", "python", "gc__start"));
	CHECK("sdt_match mixed spelling", sdt_match("import__find-load-start", "python",
						    "import__find__load__start"));
}

int main(void)
{
	check_spelling();
	check_globs();
	return unit_status();
}
