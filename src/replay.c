/*
 * replay.c — recorded event streams played back (see replay.h). The whole file is read at open:
 * a first pass finds the probes (a script is checked against them before anything runs), the
 * second pass, replay_next, decodes one line per event.
 *
 * The JSON reader here is just enough for the stream: objects, arrays, strings (with the \u00XX
 * escapes jsonw writes for bytes that are not UTF-8 decoded back to those bytes), integers,
 * true/false/null. Unknown keys are skipped, as event.h promises.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"

struct probe {
	struct ps_probe pub;
	char *provider, *name, *module, *function, *path;
	uint32_t strargs;
	bool enabled;
};

struct replay {
	const char *file;
	char *text;
	size_t len, pos;         /* pos: start of the next line for replay_next */
	int line;
	int nprobes;
	struct probe **probes;
	const struct ps_probe **pub;
	bool header;             /* probes came from a {"probes":...} line */
	bool any_enabled;
	int target;
	uint64_t first_ts, last_ts;
	struct ps_event ev;
	char strbuf[PS_MAX_ARGS][4096];
};

/* ---- a minimal JSON reader over one line ---- */

struct jr {
	const char *s;
	const char *err;
};

static void ws(struct jr *j)
{
	while (*j->s == ' ' || *j->s == '\t' || *j->s == '\r')
		j->s++;
}

static bool lit(struct jr *j, const char *w)
{
	ws(j);
	size_t n = strlen(w);
	if (strncmp(j->s, w, n) != 0)
		return false;
	j->s += n;
	return true;
}

static int hex4(const char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A string into BUF (LEN bytes, cut there); NULL for JSON null. */
static char *jstr(struct jr *j, char *buf, size_t len)
{
	ws(j);
	if (lit(j, "null"))
		return NULL;
	if (*j->s != '"') {
		j->err = "string expected";
		return NULL;
	}
	j->s++;
	size_t o = 0;
	while (*j->s && *j->s != '"') {
		unsigned v = (unsigned char)*j->s++;
		if (v == '\\') {
			char e = *j->s++;
			const char *m = strchr("\"\"\\\\//b\bf\fn\nr\rt\t", e);
			if (e == 'u') {
				int h = hex4(j->s);
				if (h < 0) {
					j->err = "bad \\u escape";
					return NULL;
				}
				j->s += 4;
				v = (unsigned)h;
				if (v >= 0x80 && v < 0x100) {
					/* jsonw's escape of a byte that was not UTF-8: the byte itself */
				} else if (v >= 0x100) {
					char u[4];
					int n = 0;
					if (v < 0x800) {
						u[n++] = (char)(0xc0 | v >> 6);
					} else {
						u[n++] = (char)(0xe0 | v >> 12);
						u[n++] = (char)(0x80 | ((v >> 6) & 0x3f));
					}
					u[n++] = (char)(0x80 | (v & 0x3f));
					for (int k = 0; k < n; k++)
						if (o + 1 < len)
							buf[o++] = u[k];
					continue;
				}
			} else if (e && m && ((m - "\"\"\\\\//b\bf\fn\nr\rt\t") % 2) == 0) {
				v = (unsigned char)m[1];
			} else {
				j->err = "bad escape";
				return NULL;
			}
		}
		if (o + 1 < len)
			buf[o++] = (char)v;
	}
	if (*j->s != '"') {
		j->err = "unterminated string";
		return NULL;
	}
	j->s++;
	buf[o] = 0;
	return buf;
}

static int64_t jint(struct jr *j)
{
	ws(j);
	char *end;
	long long v = strtoll(j->s, &end, 10);
	if (end == j->s) {
		j->err = "number expected";
		return 0;
	}
	if (*end == '.' || *end == 'e' || *end == 'E')
		(void)strtod(j->s, &end);
	j->s = end;
	return v;
}

static void jskip(struct jr *j);

/* One step through a container opened by OPEN and closed by CLOSE ('{' '}' or '[' ']'): true
 * when another member or element follows (its separator consumed), false at the end or on an
 * error (j->err set). *FIRST is true before the first step. */
static bool jnext(struct jr *j, bool *first, char open, char close)
{
	ws(j);
	if (*first) {
		if (*j->s != open) {
			j->err = open == '{' ? "object expected" : "array expected";
			return false;
		}
		j->s++;
		*first = false;
		ws(j);
	} else if (*j->s != close) {
		if (*j->s != ',') {
			j->err = close == '}' ? "',' or '}' expected" : "',' or ']' expected";
			return false;
		}
		j->s++;
		return true;
	}
	if (*j->s == close) {
		j->s++;
		return false;
	}
	return true;
}

/* Iterate an object: returns true with KEY set for each member; the caller reads the value. */
static bool jmember(struct jr *j, bool *first, char *key, size_t klen)
{
	if (!jnext(j, first, '{', '}'))
		return false;
	if (!jstr(j, key, klen)) {
		if (!j->err)
			j->err = "key expected";
		return false;
	}
	if (!lit(j, ":")) {
		j->err = "':' expected";
		return false;
	}
	return !j->err;
}

/* Iterate an array: true before each element. */
static bool jelem(struct jr *j, bool *first)
{
	return jnext(j, first, '[', ']');
}

static void jskip(struct jr *j)
{
	char key[64];
	ws(j);
	bool first = true;
	if (*j->s == '{') {
		while (!j->err && jmember(j, &first, key, sizeof(key)))
			jskip(j);
	} else if (*j->s == '[') {
		while (!j->err && jelem(j, &first))
			jskip(j);
	} else if (*j->s == '"') {
		const char *s = j->s + 1;
		while (*s && *s != '"')
			s += *s == '\\' && s[1] ? 2 : 1;
		j->s = *s ? s + 1 : s;
	} else if (!lit(j, "true") && !lit(j, "false") && !lit(j, "null")) {
		jint(j);
	}
}

/* ---- probes ---- */

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d) {
		perror("pyscope: out of memory");
		exit(70);
	}
	return d;
}

static struct probe *find_probe(struct replay *r, int pid, const char *prov, const char *name,
				const char *module, const char *function)
{
	for (int i = 0; i < r->nprobes; i++) {
		struct probe *p = r->probes[i];
		if ((p->pub.pid == pid || !p->pub.pid) && strcmp(p->name, name) == 0 &&
		    strcmp(p->provider, prov) == 0 && strcmp(p->module, module) == 0 &&
		    strcmp(p->function, function) == 0)
			return p;
	}
	return NULL;
}

static struct probe *add_probe(struct replay *r, int id, int pid, const char *prov, const char *name,
			       const char *module, const char *function, const char *path, int nargs)
{
	struct probe **a = realloc(r->probes, sizeof(*a) * (size_t)(r->nprobes + 1));
	struct probe *p = calloc(1, sizeof(*p));
	if (!a || !p) {
		perror("pyscope: out of memory");
		exit(70);
	}
	r->probes = a;
	a[r->nprobes++] = p;
	p->provider = xstrdup(prov);
	p->name = xstrdup(name);
	p->module = xstrdup(module);
	p->function = xstrdup(function);
	p->path = xstrdup(path && *path ? path : module);
	p->pub.id = id ? id : r->nprobes;
	p->pub.marker = ps_marker_from_name(name);
	p->pub.pid = pid;
	p->pub.provider = p->provider;
	p->pub.name = p->name;
	p->pub.module = p->module;
	p->pub.path = p->path;
	p->pub.function = p->function;
	p->pub.nargs = nargs;
	return p;
}

/* {"probes":[{"id":1,"pid":N,"provider":"python","name":"function__entry","module":..,
 *   "function":..,"path":..,"nargs":3},...],"target":N} */
static int read_header(struct replay *r, struct jr *j)
{
	char key[64], prov[128], name[128], module[256], function[256], path[1024];
	bool first = true;
	while (jmember(j, &first, key, sizeof(key))) {
		if (strcmp(key, "target") == 0) {
			r->target = (int)jint(j);
		} else if (strcmp(key, "probes") == 0) {
			bool af = true;
			while (jelem(j, &af)) {
				int id = 0, pid = 0, nargs = 0;
				strcpy(prov, "python");
				name[0] = module[0] = path[0] = 0;
				strcpy(function, "-");
				bool of = true;
				while (jmember(j, &of, key, sizeof(key))) {
					if (strcmp(key, "id") == 0)
						id = (int)jint(j);
					else if (strcmp(key, "pid") == 0)
						pid = (int)jint(j);
					else if (strcmp(key, "nargs") == 0)
						nargs = (int)jint(j);
					else if (strcmp(key, "provider") == 0)
						jstr(j, prov, sizeof(prov));
					else if (strcmp(key, "name") == 0)
						jstr(j, name, sizeof(name));
					else if (strcmp(key, "module") == 0)
						jstr(j, module, sizeof(module));
					else if (strcmp(key, "function") == 0)
						jstr(j, function, sizeof(function));
					else if (strcmp(key, "path") == 0)
						jstr(j, path, sizeof(path));
					else
						jskip(j);
					if (j->err)
						return -EINVAL;
				}
				if (j->err)
					return -EINVAL;
				if (!name[0]) {
					j->err = "a probe needs a \"name\"";
					return -EINVAL;
				}
				add_probe(r, id, pid, prov, name, module, function, path, nargs);
			}
		} else {
			jskip(j);
		}
		if (j->err)
			return -EINVAL;
	}
	r->header = true;
	return j->err ? -EINVAL : 0;
}

/* Decode one event line into r->ev (probe resolved or added when ADD). Returns 1 for an event,
 * 0 for another kind of line (LOST set for a "lost" line), negative on a malformed line. */
static int read_line(struct replay *r, const char *line, bool add, uint64_t *lost)
{
	struct jr j = { .s = line };
	char key[64], probe[256] = "", module[256] = "", function[256] = "-", comm[64] = "";
	struct ps_event *ev = &r->ev;
	bool first = true, is_event = false;
	int nargs = 0, nstr = 0;
	memset(ev, 0, offsetof(struct ps_event, comm));
	while (jmember(&j, &first, key, sizeof(key))) {
		if (strcmp(key, "ts") == 0) {
			ev->ts = (uint64_t)jint(&j);
			is_event = true;
		} else if (strcmp(key, "pid") == 0) {
			ev->pid = (uint32_t)jint(&j);
		} else if (strcmp(key, "tid") == 0) {
			ev->tid = (uint32_t)jint(&j);
		} else if (strcmp(key, "cpu") == 0) {
			ev->cpu = (uint32_t)jint(&j);
		} else if (strcmp(key, "comm") == 0) {
			jstr(&j, comm, sizeof(comm));
		} else if (strcmp(key, "probe") == 0) {
			jstr(&j, probe, sizeof(probe));
		} else if (strcmp(key, "module") == 0) {
			jstr(&j, module, sizeof(module));
		} else if (strcmp(key, "function") == 0) {
			jstr(&j, function, sizeof(function));
		} else if (strcmp(key, "args") == 0) {
			bool af = true;
			while (jelem(&j, &af)) {
				int64_t v = jint(&j);
				if (nargs < PS_MAX_ARGS)
					ev->args[nargs++] = v;
			}
		} else if (strcmp(key, "str") == 0) {
			bool af = true;
			while (jelem(&j, &af)) {
				int k = nstr < PS_MAX_ARGS ? nstr : PS_MAX_ARGS - 1;
				ev->str[k] = jstr(&j, r->strbuf[k], sizeof(r->strbuf[k]));
				nstr++;
			}
		} else if (strcmp(key, "cut") == 0) {
			bool af = true;
			while (jelem(&j, &af)) {
				int64_t v = jint(&j);
				if (v >= 0 && v < PS_MAX_ARGS)
					ev->cut |= 1u << v;
			}
		} else if (strcmp(key, "lost") == 0) {
			uint64_t n = (uint64_t)jint(&j);
			if (lost)
				*lost += n;
		} else if (strcmp(key, "probes") == 0 && !add) {
			jskip(&j);     /* the header, read at open */
		} else {
			jskip(&j);
		}
		if (j.err)
			break;
	}
	if (j.err) {
		fprintf(stderr, "pyscope: %s:%d: %s\n", r->file, r->line, j.err);
		return -EINVAL;
	}
	if (!is_event)
		return 0;
	if (!probe[0]) {
		fprintf(stderr, "pyscope: %s:%d: an event needs a \"probe\"\n", r->file, r->line);
		return -EINVAL;
	}
	ev->nargs = nargs;
	for (int i = nstr; i < nargs; i++)
		ev->str[i] = NULL;
	memcpy(ev->comm, comm, sizeof(ev->comm) - 1);   /* comm is at most 15 bytes, as in the kernel */
	ev->comm[sizeof(ev->comm) - 1] = 0;
	char *colon = strchr(probe, ':');
	const char *prov = colon ? probe : "python";
	const char *name = colon ? colon + 1 : probe;
	if (colon)
		*colon = 0;
	struct probe *p = find_probe(r, (int)ev->pid, prov, name, module, function);
	if (!p && add && !r->header)
		p = add_probe(r, 0, (int)ev->pid, prov, name, module, function, NULL, nargs);
	if (!p) {
		fprintf(stderr, "pyscope: %s:%d: probe %s:%s (%s, %s) is not in the stream's probe list\n",
			r->file, r->line, prov, name, module, function);
		return -EINVAL;
	}
	ev->probe = &p->pub;
	return 1;
}

/* The next line as a NUL-terminated string (the newline replaced), or NULL at the end. */
static char *next_line(struct replay *r)
{
	if (r->pos >= r->len)
		return NULL;
	char *s = r->text + r->pos;
	char *nl = memchr(s, '\n', r->len - r->pos);
	if (nl) {
		*nl = 0;
		r->pos = (size_t)(nl - r->text) + 1;
	} else {
		r->pos = r->len;
	}
	r->line++;
	return s;
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t\r")] == 0;
}

int replay_open(const char *path, struct replay **out)
{
	struct replay *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->file = path;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		int e = errno;
		fprintf(stderr, "pyscope: cannot read %s: %s\n", path, strerror(e));
		free(r);
		return -e;
	}
	size_t cap = 1 << 16;
	r->text = malloc(cap);
	for (size_t n; r->text && (n = fread(r->text + r->len, 1, cap - r->len - 1, f)) > 0;) {
		r->len += n;
		if (r->len + 1 == cap)
			r->text = realloc(r->text, cap *= 2);
	}
	if (f != stdin)
		fclose(f);
	if (!r->text) {
		free(r);
		return -ENOMEM;
	}
	r->text[r->len] = 0;

	/* First pass on a copy (lines are cut in place): probes, target, first and last times. */
	char *copy = malloc(r->len + 1);
	if (!copy) {
		replay_close(r);
		return -ENOMEM;
	}
	memcpy(copy, r->text, r->len + 1);
	char *save = r->text;
	r->text = copy;
	int rc = 0;
	bool first_line = true;
	for (char *l; (l = next_line(r));) {
		if (blank(l))
			continue;
		if (first_line && strstr(l, "\"probes\"")) {
			struct jr j = { .s = l };
			if (read_header(r, &j) < 0) {
				fprintf(stderr, "pyscope: %s:%d: %s\n", r->file, r->line, j.err);
				rc = -EINVAL;
				break;
			}
			first_line = false;
			continue;
		}
		first_line = false;
		rc = read_line(r, l, true, NULL);
		if (rc < 0)
			break;
		if (rc == 1) {
			if (!r->first_ts)
				r->first_ts = r->ev.ts;
			r->last_ts = r->ev.ts;
			if (!r->target)
				r->target = (int)r->ev.pid;
		}
		rc = 0;
	}
	free(copy);
	r->text = save;
	r->pos = 0;
	r->line = 0;
	if (rc < 0) {
		replay_close(r);
		return rc;
	}
	r->pub = calloc((size_t)r->nprobes + 1, sizeof(*r->pub));
	if (!r->pub) {
		replay_close(r);
		return -ENOMEM;
	}
	for (int i = 0; i < r->nprobes; i++)
		r->pub[i] = &r->probes[i]->pub;
	*out = r;
	return 0;
}

int replay_probes(const struct replay *r, const struct ps_probe *const **probes)
{
	*probes = (const struct ps_probe *const *)r->pub;
	return r->nprobes;
}

int replay_target(const struct replay *r)
{
	return r->target;
}

uint64_t replay_first_ts(const struct replay *r)
{
	return r->first_ts;
}

uint64_t replay_last_ts(const struct replay *r)
{
	return r->last_ts;
}

int replay_enable(struct replay *r, int id, uint32_t strargs)
{
	for (int i = 0; i < r->nprobes; i++)
		if (r->probes[i]->pub.id == id) {
			r->probes[i]->enabled = true;
			r->probes[i]->strargs |= strargs;
			r->any_enabled = true;
			return 0;
		}
	return -ENOENT;
}

const struct ps_event *replay_next(struct replay *r, uint64_t *lost)
{
	if (lost)
		*lost = 0;
	for (char *l; (l = next_line(r));) {
		if (blank(l) || (r->line == 1 && r->header))
			continue;
		if (read_line(r, l, false, lost) != 1)
			continue;
		struct probe *p = (struct probe *)r->ev.probe;
		if (r->any_enabled) {
			if (!p->enabled)
				continue;
			/* as capture would: only the strings asked for were copied */
			for (int i = 0; i < r->ev.nargs; i++)
				if (!(p->strargs & (1u << i))) {
					r->ev.str[i] = NULL;
					r->ev.cut &= ~(1u << i);
				}
		}
		return &r->ev;
	}
	return NULL;
}

int replay_run(struct replay *r, const struct ps_sink *sink)
{
	const struct ps_event *ev;
	uint64_t lost;
	while ((ev = replay_next(r, &lost))) {
		if (lost && sink->on_lost)
			sink->on_lost(lost, -1, sink->ctx);
		int rc = sink->on_event(ev, sink->ctx);
		if (rc)
			return rc;
	}
	return 0;
}

void replay_close(struct replay *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nprobes; i++) {
		struct probe *p = r->probes[i];
		free(p->provider);
		free(p->name);
		free(p->module);
		free(p->function);
		free(p->path);
		free(p);
	}
	free(r->probes);
	free(r->pub);
	free(r->text);
	free(r);
}
