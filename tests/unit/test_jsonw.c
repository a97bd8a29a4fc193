/* test_jsonw.c — strings made safe for a terminal (jsonw_printable, jsonw_text_safe) and JSON
 * strings that escape C1 controls too (jsonw_str). */
#include <stdlib.h>
#include "jsonw.h"
#include "unit.h"

static void printable(const char *name, const char *want, const char *s)
{
	char *got = jsonw_printable(s);
	CHECK_STR(name, want, got);
	CHECK(name, jsonw_text_safe(s) == (strcmp(want, s) == 0));
	free(got);
}

static void json(const char *name, const char *want, const char *s)
{
	char buf[256] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	jsonw_str(f, s);
	fclose(f);
	CHECK_STR(name, want, buf);
}

int main(void)
{
	printable("plain ASCII unchanged", "python:function__entry", "python:function__entry");
	printable("UTF-8 unchanged", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	printable("ESC and BEL escaped", "\\x1b[31mred\\x07", "\x1b[31mred\x07");
	printable("tab, newline and DEL escaped", "a\\x09b\\x0ac\\x7f", "a\tb\nc\x7f");
	printable("C1 control (U+009B, CSI) escaped", "\\xc2\\x9b31m", "\xc2\x9b" "31m");
	printable("U+00A0 kept (not C1)", "\xc2\xa0", "\xc2\xa0");
	printable("stray bytes escaped", "\\xff\\x80x\\xc3", "\xff\x80x\xc3");
	printable("empty", "", "");
	json("JSON: C1 as \\u0085", "\"a\\u0085b\"", "a\xc2\x85" "b");
	json("JSON: control bytes and UTF-8", "\"\\u001b\\n\xc3\xa9\"", "\x1b\n\xc3\xa9");
	return unit_status();
}
