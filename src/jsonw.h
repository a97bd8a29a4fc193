/*
 * jsonw.h — the few pieces of JSON writing pyscope needs: strings escaped per RFC 8259 (bytes that
 * are not valid UTF-8 are written as \u00XX of the byte, so output is always valid JSON).
 */
#ifndef PYSCOPE_JSONW_H
#define PYSCOPE_JSONW_H
#include <stdio.h>

/* Write S as a JSON string, quotes included; NULL writes null. */
void jsonw_str(FILE *out, const char *s);
#endif
