/*
 * jsonw.c — JSON string escaping for `pyscope list --json` and the recorded event stream.
 * Kept byte-oriented and allocation-free: it sits on the per-event output path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "jsonw.h"

/* Length of the valid UTF-8 sequence starting at S, or 0 when it is not one. */
static int utf8_len(const unsigned char *s)
{
	int n;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) { n = 2; cp = s[0] & 0x1f; }
	else if ((s[0] & 0xf0) == 0xe0) { n = 3; cp = s[0] & 0x0f; }
	else if ((s[0] & 0xf8) == 0xf0) { n = 4; cp = s[0] & 0x07; }
	else return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void jsonw_str(FILE *out, const char *str)
{
	if (!str) {
		fputs("null", out);
		return;
	}
	const unsigned char *s = (const unsigned char *)str;
	putc('"', out);
	while (*s) {
		unsigned char c = *s;
		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc(c, out);
			s++;
		} else if (c == '\n') { fputs("\\n", out); s++; }
		else if (c == '\t') { fputs("\\t", out); s++; }
		else if (c == '\r') { fputs("\\r", out); s++; }
		else if (c < 0x20 || c == 0x7f) { fprintf(out, "\\u%04x", c); s++; }
		else {
			int n = utf8_len(s);
			if (n == 0) {
				fprintf(out, "\\u%04x", c);
				s++;
			} else if (n == 2 && c == 0xc2 && s[1] < 0xa0) {
				fprintf(out, "\\u%04x", s[1]);     /* a C1 control */
				s += 2;
			} else {
				fwrite(s, 1, n, out);
				s += n;
			}
		}
	}
	putc('"', out);
}

char *jsonw_printable(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char *out = malloc(4 * strlen(str) + 1), *o = out;
	if (!out)
		return NULL;
	while (*s) {
		int n = utf8_len(s);
		if (*s < 0x20 || *s == 0x7f || n == 0 || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)) {
			o += sprintf(o, "\\x%02x", *s);
			s++;
			continue;
		}
		memcpy(o, s, n);
		o += n;
		s += n;
	}
	*o = 0;
	return out;
}

bool jsonw_text_safe(const char *str)
{
	for (const unsigned char *s = (const unsigned char *)str; *s;) {
		int n = utf8_len(s);
		if (*s < 0x20 || *s == 0x7f || n == 0 || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0))
			return false;
		s += n;
	}
	return true;
}
