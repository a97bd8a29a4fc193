/*
 * jsonw.h — the few pieces of JSON writing pyscope needs: strings escaped per RFC 8259 (bytes that
 * are not valid UTF-8 are written as \u00XX of the byte, so output is always valid JSON; C1
 * controls too, so that it is safe on a terminal); and the same care for plain text.
 */
#ifndef PYSCOPE_JSONW_H
#define PYSCOPE_JSONW_H
#include <stdbool.h>
#include <stdio.h>

/* Write S as a JSON string, quotes included; NULL writes null. */
void jsonw_str(FILE *out, const char *s);
/* S made safe for a terminal, for text output: control bytes, DEL, C1 controls (U+0080..U+009F)
 * and bytes that are not UTF-8 become \xNN, so that strings from a crafted object's notes (or a
 * path) cannot send escape sequences. A malloc'd copy; NULL when out of memory. */
char *jsonw_printable(const char *s);
/* True when jsonw_printable(S) would be S itself. */
bool jsonw_text_safe(const char *s);
#endif
