/*
 * test_pystack.c — the parts of stack sampling that need no kernel and no target: line tables of
 * each format (the tables and the expected lines are CPython's own, printed by each version for
 * the same function: co_lnotab with dis.findlinestarts on 3.8, co_linetable with co_lines() on
 * 3.10 and 3.11), the location table's long and no-location forms, 3.13's _Py_DebugOffsets
 * parsing, the three output forms of a set of stacks, and code object definitions from the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "flame.h"
#include "pyoffsets.h"
#include "pysym.h"
#include "unit.h"

/* def f(a):        # line 2
 *     x = a        # line 3
 *     y = x + 1    # line 4
 *     return y     # line 5 */
static const unsigned char lnotab38[] = { 0, 1, 4, 1, 8, 1 };
static const unsigned char linetable310[] = { 4, 1, 8, 1, 4, 1 };
static const unsigned char loctable311[] = { 128, 0, 216, 8, 9, 128, 65, 216, 8, 9, 136, 65, 137, 5,
					     128, 65, 216, 11, 12, 128, 72 };

static void line_tables(void)
{
	static const int want38[] = { 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5 }; /* by byte */
	for (int off = 0; off < 16; off++) {
		char name[64];
		snprintf(name, sizeof(name), "3.8 co_lnotab: byte %d", off);
		CHECK_INT(name, want38[off], pysym_line(8, lnotab38, sizeof(lnotab38), 2, off));
	}
	static const int want310[] = { 3, 3, 4, 4, 4, 4, 5, 5 };                       /* by unit */
	for (int off = 0; off < 8; off++) {
		char name[64];
		snprintf(name, sizeof(name), "3.10 co_linetable: unit %d", off);
		CHECK_INT(name, want310[off], pysym_line(10, linetable310, sizeof(linetable310), 2, off));
	}
	CHECK_INT("3.10: past the table: unknown", 0, pysym_line(10, linetable310, sizeof(linetable310), 2, 8));
	CHECK_INT("3.10: f_lasti -1 (a frame not started, at function-entry): the def line", 2,
		  pysym_line(10, linetable310, sizeof(linetable310), 2, -1));
	CHECK_INT("3.8: f_lasti -1: the def line", 2, pysym_line(8, lnotab38, sizeof(lnotab38), 2, -1));
	static const int want311[] = { 2, 3, 3, 4, 4, 4, 4, 4, 5, 5 };                 /* by unit */
	for (int off = 0; off < 10; off++) {
		char name[64];
		snprintf(name, sizeof(name), "3.11 location table: unit %d", off);
		CHECK_INT(name, want311[off], pysym_line(11, loctable311, sizeof(loctable311), 2, off));
	}
	/* long form (code 14): line delta +300 as a signed varint (600 = 0b1001011000: 6 bits a byte,
	 * low first, bit 6 for more), then end line, column, end column; then no location (15). */
	static const unsigned char longform[] = { 0x80 | 14 << 3 | 1, 0x40 | (600 & 63), 600 >> 6, 0, 1, 2,
						  0x80 | 15 << 3 | 0 };
	CHECK_INT("3.11 long form: +300 lines", 310, pysym_line(12, longform, sizeof(longform), 10, 1));
	CHECK_INT("3.11 no-location entry: unknown", 0, pysym_line(12, longform, sizeof(longform), 10, 2));
	static const unsigned char corrupt[] = { 0x10, 0x20 };
	CHECK_INT("3.11 a table not starting at an entry: unknown", 0, pysym_line(11, corrupt, 2, 10, 0));
	CHECK_INT("empty table (3.8): the first line", 7, pysym_line(8, NULL, 0, 7, 10));
}

static void put64(unsigned char *b, size_t at, uint64_t v)
{
	memcpy(b + at, &v, 8);
}

static void debug_offsets(void)
{
	unsigned char b[512] = { 0 };
	const struct pyo_offsets *t13 = pyo_table(13);
	memcpy(b, "xdebugpy", 8);
	put64(b, 8, 0x030D00F0);
	put64(b, 40, (uint64_t)t13->interp_head);
	put64(b, 72, (uint64_t)t13->threads_head);
	put64(b, 168, (uint64_t)t13->tstate_next);
	put64(b, 184, (uint64_t)t13->tstate_frame);
	put64(b, 192, (uint64_t)t13->tstate_thread_id);
	put64(b, 200, (uint64_t)t13->tstate_native_id);
	put64(b, 232, (uint64_t)t13->frame_previous);
	put64(b, 240, (uint64_t)t13->frame_code);
	put64(b, 248, (uint64_t)t13->frame_instr);
	put64(b, 264, (uint64_t)t13->frame_owner);
	put64(b, 280, (uint64_t)t13->code_filename);
	put64(b, 296, (uint64_t)t13->code_name);
	put64(b, 304, (uint64_t)t13->code_linetable);
	put64(b, 312, (uint64_t)t13->code_firstlineno);
	put64(b, 328, (uint64_t)t13->code_varnames);
	put64(b, 336, (uint64_t)t13->code_kinds);
	put64(b, 344, (uint64_t)t13->code_adaptive);
	struct pyo_offsets o;
	CHECK_INT("_Py_DebugOffsets of 3.13 reads", 0, pyo_from_debug(b, 352, &o));
	CHECK("... and gives the table's offsets", memcmp(&o, t13, sizeof(o)) == 0);
	CHECK_INT("too short: refused", -EINVAL, pyo_from_debug(b, 351, &o));
	put64(b, 8, 0x030E00F0);
	CHECK_INT("3.14's: refused (another layout)", -EINVAL, pyo_from_debug(b, 352, &o));
	put64(b, 8, 0x030D00F0);
	put64(b, 232, 1ull << 40);
	CHECK_INT("an offset no struct has: refused", -EINVAL, pyo_from_debug(b, 352, &o));
	b[0] = 'X';
	CHECK_INT("no cookie: refused", -EINVAL, pyo_from_debug(b, 352, &o));
	CHECK("3.7 has no row", pyo_table(7) == NULL);
	CHECK("3.14 has no row", pyo_table(14) == NULL);
	for (int m = PYO_MIN_MINOR; m <= PYO_MAX_MINOR; m++)
		CHECK("every version from min to max has a row", pyo_table(m) && pyo_table(m)->minor == m);
}

static char *out;
static size_t outlen;

static FILE *mem(void)
{
	free(out);
	out = NULL;
	return open_memstream(&out, &outlen);
}

static void flames(void)
{
	struct flame *f = flame_new();
	flame_add(f, "main (a.py:9);work (a.py:3)", 3);
	flame_add(f, "main (a.py:9)", 1);
	flame_add(f, "main (a.py:9);idle (a.py:5)", 2);
	flame_add(f, "main (a.py:9);work (a.py:3)", 1);
	CHECK_INT("total", 7, flame_total(f));
	FILE *m = mem();
	flame_write_folded(f, m);
	fclose(m);
	CHECK_STR("folded: sorted, counts added", "main (a.py:9) 1\nmain (a.py:9);idle (a.py:5) 2\n"
		  "main (a.py:9);work (a.py:3) 4\n", out);
	m = mem();
	flame_write_speedscope(f, m, "t\"x");
	fclose(m);
	CHECK_STR("speedscope: shared frames once, samples as indexes, weights",
		  "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"shared\":{\"frames\":["
		  "{\"name\":\"main\",\"file\":\"a.py\",\"line\":9},{\"name\":\"idle\",\"file\":\"a.py\",\"line\":5},"
		  "{\"name\":\"work\",\"file\":\"a.py\",\"line\":3}]},\"profiles\":[{\"type\":\"sampled\","
		  "\"name\":\"t\\\"x\",\"unit\":\"none\",\"startValue\":0,\"endValue\":7,\"samples\":[[0],[0,1],[0,2]],"
		  "\"weights\":[1,2,4]}],\"name\":\"t\\\"x\",\"exporter\":\"pyscope\"}\n", out);
	m = mem();
	flame_write_svg(f, m, "a <b>");
	fclose(m);
	CHECK("svg: the title escaped, with the samples", strstr(out, ">a &lt;b&gt; (7 samples)</text>") != NULL);
	CHECK("svg: main spans everything", strstr(out, "<title>main (a.py:9) (7 samples, 100.00%)</title>") != NULL);
	CHECK("svg: work once, its counts added", strstr(out, "<title>work (a.py:3) (4 samples, 57.14%)</title>") != NULL);
	CHECK("svg: all at the bottom", strstr(out, "<title>all (7 samples, 100.00%)</title>") != NULL);
	CHECK("svg: ends the document", outlen > 7 && strcmp(out + outlen - 7, "</svg>\n") == 0);
	flame_free(f);
	f = flame_new();
	m = mem();
	flame_write_svg(f, m, "empty");
	flame_write_folded(f, m);
	fclose(m);
	CHECK("no samples: an SVG with no frames, an empty folded file",
	      strstr(out, "(0 samples)</text>") && !strstr(out, "<g>"));
	flame_free(f);
	free(out);
}

/* Code object definitions as the kernel sends them (pystack_rec.h): strings of each kind into
 * UTF-8, the line table used for lines, a later definition at the same address replacing the
 * first, and records that do not hold together refused. */
static void definitions(void)
{
	struct pysym_proc *p = pysym_open_bare(getpid(), 11, 192);
	static struct pystack_def d;
	struct pysym_frame res;
	memset(&d, 0, sizeof(d));
	d.magic = PYSTACK_DEF_MAGIC;
	d.code = 0x7000;
	d.first = 2;
	d.file_kind = 1;
	memcpy(d.data, "caf\xe9.py", 7);            /* latin-1 in a 1-byte string */
	d.file_len = 7;
	d.name_kind = 2;
	memcpy(d.data + PYSTACK_DEF_STR, "f\0\x3b\x04", 4);   /* "f" U+043B */
	d.name_len = 4;
	memcpy(d.data + 2 * PYSTACK_DEF_STR, loctable311, sizeof(loctable311));
	d.lt_len = d.lt_full = sizeof(loctable311);
	size_t len = PYSTACK_DEF_HDR + 2 * PYSTACK_DEF_STR + d.lt_len;
	CHECK_INT("definition: taken", 0, pysym_define(p, &d, len));
	/* 3.11: instr points at the code unit before the one running; code unit 3 is line 4 */
	struct pystack_frame f = { .code = 0x7000, .instr = 0x7000 + 192 + 2 * 3 };
	CHECK_INT("definition: resolved without reading the target", 0, pysym_resolve(p, &f, &res));
	CHECK("definition: the 1-byte file name into UTF-8", strcmp(res.file, "caf\xc3\xa9.py") == 0);
	CHECK("definition: the 2-byte name into UTF-8", strcmp(res.name, "f\xd0\xbb") == 0);
	CHECK_INT("definition: the line from its line table", 4, res.line);
	d.file_kind = 4;
	memcpy(d.data, "g\0\0\0", 4);
	d.file_len = 4;
	d.name_kind = 1;
	memcpy(d.data + PYSTACK_DEF_STR, "h", 1);
	d.name_len = 1;
	CHECK_INT("definition: another at the same address", 0, pysym_define(p, &d, len));
	pysym_resolve(p, &f, &res);
	CHECK("definition: the later one names the address", strcmp(res.file, "g") == 0 && strcmp(res.name, "h") == 0);
	CHECK_INT("definition: shorter than its line table says: refused", -EINVAL, pysym_define(p, &d, len - 1));
	d.name_len = PYSTACK_DEF_STR + 1;
	CHECK_INT("definition: a string longer than its room: refused", -EINVAL, pysym_define(p, &d, len));
	d.name_len = 1;
	d.name_kind = 3;
	CHECK_INT("definition: a string of no kind (unreadable in the kernel): refused", -EINVAL,
		  pysym_define(p, &d, len));
	pysym_close(p);
}

int main(void)
{
	line_tables();
	debug_offsets();
	flames();
	definitions();
	return unit_status();
}
