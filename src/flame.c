/*
 * flame.c — stacks with counts, and the folded, speedscope and SVG forms of them.
 *
 * The stacks are kept in a hash table keyed by the whole "root;...;leaf" string. The writers work
 * on the keys sorted, which is also the order in which a flame graph puts siblings (alphabetical,
 * as flamegraph.pl does): the SVG layout walks the sorted list once, keeping for each depth the
 * frame open there, its start and its count, and closes a frame when the next stack leaves it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "flame.h"

struct entry {
	char *stack;
	uint64_t count;
};

struct flame {
	struct entry *v;            /* open addressing; stack NULL = empty */
	size_t cap, n;
	uint64_t total;
};

struct flame *flame_new(void)
{
	return calloc(1, sizeof(struct flame));
}

void flame_free(struct flame *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->cap; i++)
		free(f->v[i].stack);
	free(f->v);
	free(f);
}

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t slot(const struct flame *f, const char *s)
{
	size_t i = hash(s) & (f->cap - 1);
	while (f->v[i].stack && strcmp(f->v[i].stack, s) != 0)
		i = (i + 1) & (f->cap - 1);
	return i;
}

int flame_add(struct flame *f, const char *stack, uint64_t count)
{
	if ((f->n + 1) * 2 > f->cap) {
		if (f->n >= FLAME_MAX_STACKS)
			return -ENOSPC;
		size_t cap = f->cap ? f->cap * 2 : 1024;
		struct entry *old = f->v;
		size_t ocap = f->cap;
		if (!(f->v = calloc(cap, sizeof(*f->v)))) {
			f->v = old;
			return -ENOMEM;
		}
		f->cap = cap;
		for (size_t i = 0; i < ocap; i++)
			if (old[i].stack)
				f->v[slot(f, old[i].stack)] = old[i];
		free(old);
	}
	struct entry *e = &f->v[slot(f, stack)];
	if (!e->stack) {
		if (!(e->stack = strdup(stack)))
			return -ENOMEM;
		f->n++;
	}
	e->count += count;
	f->total += count;
	return 0;
}

uint64_t flame_total(const struct flame *f)
{
	return f->total;
}

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->stack, ((const struct entry *)b)->stack);
}

/* The entries sorted by stack (a malloc'd copy sharing the strings); NULL when empty or no memory. */
static struct entry *sorted(const struct flame *f)
{
	struct entry *s = malloc((f->n ? f->n : 1) * sizeof(*s));
	if (!s)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < f->cap; i++)
		if (f->v[i].stack)
			s[k++] = f->v[i];
	qsort(s, k, sizeof(*s), by_stack);
	return s;
}

static int done(FILE *out)
{
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

int flame_write_folded(const struct flame *f, FILE *out)
{
	struct entry *s = sorted(f);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++)
		fprintf(out, "%s %llu\n", s[i].stack, (unsigned long long)s[i].count);
	free(s);
	return done(out);
}

static void json_str(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* Frame names seen, each once, for speedscope's shared frame list. */
struct names {
	char **v;
	size_t n, cap;
	size_t *idx;                /* open addressing into v, (size_t)-1 = empty */
	size_t icap;
};

static long name_index(struct names *t, const char *s, size_t len)
{
	if ((t->n + 1) * 2 > t->icap) {
		size_t icap = t->icap ? t->icap * 2 : 256;
		size_t *idx = malloc(icap * sizeof(*idx));
		if (!idx)
			return -1;
		memset(idx, 0xff, icap * sizeof(*idx));
		for (size_t i = 0; i < t->n; i++) {
			size_t h = hash(t->v[i]) & (icap - 1);
			while (idx[h] != (size_t)-1)
				h = (h + 1) & (icap - 1);
			idx[h] = i;
		}
		free(t->idx);
		t->idx = idx;
		t->icap = icap;
	}
	char *key = strndup(s, len);
	if (!key)
		return -1;
	size_t h = hash(key) & (t->icap - 1);
	while (t->idx[h] != (size_t)-1) {
		if (strcmp(t->v[t->idx[h]], key) == 0) {
			free(key);
			return (long)t->idx[h];
		}
		h = (h + 1) & (t->icap - 1);
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		char **v = realloc(t->v, cap * sizeof(*v));
		if (!v) {
			free(key);
			return -1;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n] = key;
	t->idx[h] = t->n;
	return (long)t->n++;
}

int flame_write_speedscope(const struct flame *f, FILE *out, const char *name)
{
	struct entry *s = sorted(f);
	struct names t = { 0 };
	int rc = s ? 0 : -ENOMEM;
	/* samples first (into a temporary file), as the frame list is known only at the end */
	FILE *samples = rc ? NULL : tmpfile();
	if (!rc && !samples)
		rc = -errno;
	for (size_t i = 0; !rc && i < f->n; i++) {
		fputs(i ? ",[" : "[", samples);
		const char *p = s[i].stack;
		for (int k = 0; !rc; k++) {
			const char *e = strchr(p, ';');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			long id = name_index(&t, p, len);
			if (id < 0)
				rc = -ENOMEM;
			fprintf(samples, "%s%ld", k ? "," : "", id);
			if (!e)
				break;
			p = e + 1;
		}
		fputc(']', samples);
	}
	if (!rc) {
		fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"shared\":{\"frames\":[", out);
		for (size_t i = 0; i < t.n; i++) {
			fputs(i ? ",{\"name\":" : "{\"name\":", out);
			/* "function (file:line)": speedscope shows file and line apart */
			const char *v = t.v[i], *open = strrchr(v, '('), *colon = open ? strrchr(open, ':') : NULL;
			size_t vl = strlen(v);
			if (open && open > v && colon && vl && v[vl - 1] == ')') {
				json_str(out, v, (size_t)(open - v - (open[-1] == ' ')));
				fputs(",\"file\":", out);
				json_str(out, open + 1, (size_t)(colon - open - 1));
				fprintf(out, ",\"line\":%ld}", strtol(colon + 1, NULL, 10));
			} else {
				json_str(out, v, vl);
				fputc('}', out);
			}
		}
		fputs("]},\"profiles\":[{\"type\":\"sampled\",\"name\":", out);
		json_str(out, name, strlen(name));
		fprintf(out, ",\"unit\":\"none\",\"startValue\":0,\"endValue\":%llu,\"samples\":[",
			(unsigned long long)f->total);
		rewind(samples);
		char buf[8192];
		size_t r;
		while ((r = fread(buf, 1, sizeof(buf), samples)) > 0)
			fwrite(buf, 1, r, out);
		fputs("],\"weights\":[", out);
		for (size_t i = 0; i < f->n; i++)
			fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)s[i].count);
		fputs("]}],\"name\":", out);
		json_str(out, name, strlen(name));
		fputs(",\"exporter\":\"pyscope\"}\n", out);
		rc = done(out);
	}
	if (samples)
		fclose(samples);
	for (size_t i = 0; i < t.n; i++)
		free(t.v[i]);
	free(t.v);
	free(t.idx);
	free(s);
	return rc;
}

/* ---- SVG ---- */
#define SVG_WIDTH 1200
#define SVG_ROW 16
#define SVG_PAD 10
#define SVG_TOP 40
#define SVG_MAX_DEPTH 512        /* deeper frames are not drawn (a walk keeps at most 128) */

static void xml_str(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(s[i], out);
		}
	}
}

struct open_frame {
	const char *name;
	size_t len;
	uint64_t start, count;
};

static void svg_frame(FILE *out, const struct open_frame *o, int depth, int maxdepth, uint64_t total)
{
	double scale = (double)(SVG_WIDTH - 2 * SVG_PAD) / (double)total;
	double x = SVG_PAD + (double)o->start * scale, w = (double)o->count * scale;
	if (w < 0.1)
		return;
	int y = SVG_TOP + (maxdepth - depth) * SVG_ROW;
	size_t h = 0;
	for (size_t i = 0; i < o->len; i++)
		h = h * 31 + (unsigned char)o->name[i];
	int r = 205 + (int)(h % 50), g = 80 + (int)((h / 50) % 150), b = 40 + (int)((h / 7500) % 50);
	fputs("<g><title>", out);
	xml_str(out, o->name, o->len);
	fprintf(out, " (%llu samples, %.2f%%)</title><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		"fill=\"rgb(%d,%d,%d)\" rx=\"2\"/>", (unsigned long long)o->count,
		100.0 * (double)o->count / (double)total, x, y, w, SVG_ROW - 1, r, g, b);
	size_t fit = (size_t)(w / 7.0);       /* about 7 pixels a character at 12px */
	if (fit >= 3) {
		fprintf(out, "<text x=\"%.1f\" y=\"%d\">", x + 3, y + SVG_ROW - 4);
		if (o->len <= fit) {
			xml_str(out, o->name, o->len);
		} else {
			xml_str(out, o->name, fit - 2);
			fputs("..", out);
		}
		fputs("</text>", out);
	}
	fputs("</g>\n", out);
}

int flame_write_svg(const struct flame *f, FILE *out, const char *title)
{
	struct entry *s = sorted(f);
	if (!s)
		return -ENOMEM;
	int maxdepth = 0;
	for (size_t i = 0; i < f->n; i++) {
		int d = 1;
		for (const char *p = s[i].stack; *p; p++)
			d += *p == ';';
		if (d > maxdepth)
			maxdepth = d;
	}
	if (maxdepth > SVG_MAX_DEPTH)
		maxdepth = SVG_MAX_DEPTH;
	int height = SVG_TOP + (maxdepth + 1) * SVG_ROW + SVG_PAD;
	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<style>text{font-family:monospace;font-size:12px;fill:#000}rect:hover{stroke:#000}</style>\n"
		"<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#fdfdf6\"/>\n"
		"<text x=\"%d\" y=\"24\" style=\"font-size:16px\">", SVG_WIDTH, height, SVG_WIDTH, height,
		SVG_PAD);
	xml_str(out, title, strlen(title));
	fprintf(out, " (%llu samples)</text>\n", (unsigned long long)f->total);
	uint64_t total = f->total ? f->total : 1;
	/* "all" at the bottom, the stacks' roots above it */
	struct open_frame *open = calloc(SVG_MAX_DEPTH + 1, sizeof(*open));
	if (!open) {
		free(s);
		return -ENOMEM;
	}
	int nopen = 0;
	uint64_t at = 0;
	for (size_t i = 0; i < f->n; i++) {
		/* split this stack; keep the open frames it shares with the last one */
		const char *p = s[i].stack;
		int d = 0;
		while (d < SVG_MAX_DEPTH) {
			const char *e = strchr(p, ';');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (d < nopen && (open[d].len != len || memcmp(open[d].name, p, len) != 0)) {
				for (int k = nopen - 1; k >= d; k--)
					svg_frame(out, &open[k], k + 1, maxdepth, total);
				nopen = d;
			}
			if (d >= nopen) {
				open[d] = (struct open_frame){ p, len, at, 0 };
				nopen = d + 1;
			}
			open[d].count += s[i].count;
			d++;
			if (!e)
				break;
			p = e + 1;
		}
		for (int k = nopen - 1; k >= d; k--)
			svg_frame(out, &open[k], k + 1, maxdepth, total);
		if (nopen > d)
			nopen = d;
		at += s[i].count;
	}
	for (int k = nopen - 1; k >= 0; k--)
		svg_frame(out, &open[k], k + 1, maxdepth, total);
	struct open_frame all = { "all", 3, 0, f->total };
	svg_frame(out, &all, 0, maxdepth, total);
	fputs("</svg>\n", out);
	free(open);
	free(s);
	return done(out);
}
