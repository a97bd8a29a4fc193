/*
 * replay.c — recorded event streams played back (see replay.h). The whole file is read at open:
 * a first pass finds the probes (a script is checked against them before anything runs), the
 * second pass, replay_next, decodes one line per event.
 *
 * The JSON reader here is just enough for the stream: objects, arrays, strings (with the \u00XX
 * escapes jsonw writes for bytes that are not UTF-8 decoded back to those bytes), integers,
 * true/false/null. Unknown keys are skipped, as event.h promises.
 *
 * A stream is input like any other, so everything in it is checked before it is used: nesting
 * depth (the skipping of unknown values recurses), probe ids and argument counts (the runtime
 * indexes tables by them), timestamps (the runtime's ticks count from them). Probes are found by
 * a hash of their names and by id through a table, so a header listing many probes costs linear
 * time.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"

/* The deepest JSON nesting a stream may use: the recorder writes 2 levels; unknown values are
 * skipped by recursion, which this bounds. */
#define REPLAY_MAX_DEPTH 64
/* Probes in one stream, and the largest probe id: ids index the runtime's tables. */
#define REPLAY_MAX_PROBES 1000000

struct probe {
	struct ps_probe pub;
	struct probe *hnext;     /* same name hash */
	uint64_t hash;
	char *provider, *name, *module, *function, *path;
	uint32_t strargs;
	bool enabled;
};

#define REPLAY_MAX_PYFRAMES 128  /* a recorded Python stack's frames kept (the walker's most) */
#define PYSTR_MAX 512            /* bytes kept of a frame's file or function name */

struct replay {
	const char *file;
	char *text;
	size_t len, pos;         /* pos: start of the next line for replay_next */
	int line;
	int nprobes;
	struct probe **probes;
	int cap;
	struct probe **hash;     /* by name_hash(); nhash a power of 2 */
	int nhash;
	struct probe **byid;     /* id -> probe, ids 1..maxid */
	int maxid;
	int header_line;         /* line of the {"probes":...} header, 0: none */
	const struct ps_probe **pub;
	bool header;             /* probes came from a {"probes":...} line */
	bool any_enabled;
	int target;
	uint64_t first_ts, last_ts;
	struct ps_event ev;
	char strbuf[PS_MAX_ARGS][PS_STRSIZE_MAX];
	unsigned char membuf[PS_MEM_MAX + 1][PS_MEM_SIZE_MAX + 1];   /* "mem" reads' bytes; the
								      * last for reads past PS_MEM_MAX */
	/* "pystack" (events --stack): the frames and their names */
	struct ps_pyframe pyf[REPLAY_MAX_PYFRAMES];
	char pystr[REPLAY_MAX_PYFRAMES][2][PYSTR_MAX];
};

#define STR(x) #x
#define XSTR(x) STR(x)

/* ---- a minimal JSON reader over one line ---- */

struct jr {
	const char *s;
	const char *err;
	int depth;               /* containers open in jskip */
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
	errno = 0;
	long long v = strtoll(j->s, &end, 10);
	if (end == j->s) {
		j->err = "number expected";
		return 0;
	}
	if (errno == ERANGE) {
		j->err = "number out of range (a 64-bit signed integer)";
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
	if ((*j->s == '{' || *j->s == '[') && ++j->depth > REPLAY_MAX_DEPTH) {
		j->err = "JSON nested too deeply (at most " XSTR(REPLAY_MAX_DEPTH) " levels)";
		return;
	}
	if (*j->s == '{') {
		while (!j->err && jmember(j, &first, key, sizeof(key)))
			jskip(j);
		j->depth--;
	} else if (*j->s == '[') {
		while (!j->err && jelem(j, &first))
			jskip(j);
		j->depth--;
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

/* The hash of a probe's names (not its pid: a system-wide probe matches every pid). */
static uint64_t name_hash(const char *prov, const char *name, const char *module,
			  const char *function)
{
	const char *parts[4] = { prov, name, module, function };
	uint64_t h = 1469598103934665603ull;      /* FNV-1a, with a separator after each part */
	for (int i = 0; i < 4; i++) {
		for (const unsigned char *c = (const unsigned char *)parts[i]; *c; c++)
			h = (h ^ *c) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return h;
}

static struct probe *find_probe(struct replay *r, int pid, const char *prov, const char *name,
				const char *module, const char *function)
{
	if (!r->nhash)
		return NULL;
	uint64_t h = name_hash(prov, name, module, function);
	/* The first listed wins, as when the list was searched in order: chains keep list order. */
	for (struct probe *p = r->hash[h & (uint64_t)(r->nhash - 1)]; p; p = p->hnext)
		if (p->hash == h && (p->pub.pid == pid || !p->pub.pid) && strcmp(p->name, name) == 0 &&
		    strcmp(p->provider, prov) == 0 && strcmp(p->module, module) == 0 &&
		    strcmp(p->function, function) == 0)
			return p;
	return NULL;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("pyscope: out of memory");
		exit(70);
	}
	return p;
}

static void hash_insert(struct replay *r, struct probe *p)
{
	struct probe **pp = &r->hash[p->hash & (uint64_t)(r->nhash - 1)];
	while (*pp)
		pp = &(*pp)->hnext;
	p->hnext = NULL;
	*pp = p;
}

/* Add a probe; ID 0: the next number. Fails (with J's error) past REPLAY_MAX_PROBES or on an id
 * out of range or listed twice. */
static struct probe *add_probe(struct replay *r, struct jr *j, int64_t id, int pid, const char *prov,
			       const char *name, const char *module, const char *function,
			       const char *path, int nargs)
{
	if (r->nprobes >= REPLAY_MAX_PROBES) {
		j->err = "too many probes (at most " XSTR(REPLAY_MAX_PROBES) ")";
		return NULL;
	}
	if (!id)
		id = r->nprobes + 1;
	if (id < 1 || id > REPLAY_MAX_PROBES) {
		j->err = "a probe \"id\" must be from 1 to " XSTR(REPLAY_MAX_PROBES);
		return NULL;
	}
	if (id <= r->maxid && r->byid[id]) {
		j->err = "a probe \"id\" is listed twice";
		return NULL;
	}
	if (r->nprobes == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->probes = xrealloc(r->probes, sizeof(*r->probes) * (size_t)r->cap);
	}
	if (id > r->maxid) {
		int n = r->maxid ? r->maxid : 64;
		while (n < id)
			n *= 2;
		if (n > REPLAY_MAX_PROBES)
			n = REPLAY_MAX_PROBES;
		r->byid = xrealloc(r->byid, sizeof(*r->byid) * ((size_t)n + 1));
		memset(r->byid + r->maxid + 1, 0, sizeof(*r->byid) * (size_t)(n - r->maxid));
		r->maxid = n;
	}
	struct probe *p = calloc(1, sizeof(*p));
	if (!p) {
		perror("pyscope: out of memory");
		exit(70);
	}
	r->probes[r->nprobes++] = p;
	r->byid[id] = p;
	p->provider = xstrdup(prov);
	p->name = xstrdup(name);
	p->module = xstrdup(module);
	p->function = xstrdup(function);
	p->path = xstrdup(path && *path ? path : module);
	p->pub.id = (int)id;
	p->pub.marker = ps_marker_from_name(name);
	p->pub.pid = pid;
	p->pub.provider = p->provider;
	p->pub.name = p->name;
	p->pub.module = p->module;
	p->pub.path = p->path;
	p->pub.function = p->function;
	p->pub.nargs = nargs;
	p->hash = name_hash(prov, name, module, function);
	if (r->nprobes > r->nhash) {      /* at most one probe per bucket on average */
		int nb = r->nhash ? r->nhash * 2 : 64;
		free(r->hash);
		r->hash = calloc((size_t)nb, sizeof(*r->hash));
		if (!r->hash) {
			perror("pyscope: out of memory");
			exit(70);
		}
		r->nhash = nb;
		for (int i = 0; i < r->nprobes; i++)
			hash_insert(r, r->probes[i]);
	} else {
		hash_insert(r, p);
	}
	return p;
}

/* An integer member that must lie in LO..HI; WHAT names it in the error. */
static int64_t jint_in(struct jr *j, int64_t lo, int64_t hi, const char *what)
{
	int64_t v = jint(j);
	if (!j->err && (v < lo || v > hi))
		j->err = what;
	return v;
}

/* {"probes":[{"id":1,"pid":N,"provider":"python","name":"function__entry","module":..,
 *   "function":..,"path":..,"nargs":3},...],"target":N} */
static int read_header(struct replay *r, struct jr *j)
{
	char key[64], prov[128], name[128], module[256], function[256], path[1024];
	bool first = true;
	while (jmember(j, &first, key, sizeof(key))) {
		if (strcmp(key, "target") == 0) {
			r->target = (int)jint_in(j, 0, INT_MAX, "\"target\" must be a process id");
		} else if (strcmp(key, "probes") == 0) {
			bool af = true;
			while (jelem(j, &af)) {
				int64_t id = 0;
				int pid = 0, nargs = 0;
				strcpy(prov, "python");
				name[0] = module[0] = path[0] = 0;
				strcpy(function, "-");
				bool of = true;
				while (jmember(j, &of, key, sizeof(key))) {
					if (strcmp(key, "id") == 0)
						id = jint_in(j, 1, REPLAY_MAX_PROBES, "a probe \"id\" must be "
							     "from 1 to " XSTR(REPLAY_MAX_PROBES));
					else if (strcmp(key, "pid") == 0)
						pid = (int)jint_in(j, 0, INT_MAX, "a probe's \"pid\" must be a "
								   "process id (0: any)");
					else if (strcmp(key, "nargs") == 0)
						nargs = (int)jint_in(j, 0, PS_MAX_ARGS, "a probe's \"nargs\" must be "
								     "from 0 to " XSTR(PS_MAX_ARGS));
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
				if (!add_probe(r, j, id, pid, prov, name, module, function, path, nargs))
					return -EINVAL;
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

/* S for a message: bytes outside printable ASCII as \xNN (a stream's strings are any bytes), cut
 * to LEN. */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	for (; *s && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = 0;
	return buf;
}

/* "mem":[{"addr":N,"hex":"2f746d7000","str":1},{"addr":N,"hex":"2a000000"},{"addr":N}] — the reads of user memory made at
 * the hit (capture_rec.h's memory section): the bytes in hex (a string's with its NUL), absent
 * when the read faulted. */
static void read_mem(struct replay *r, struct jr *j)
{
	struct ps_event *ev = &r->ev;
	char key[16], hex[2 * PS_MEM_SIZE_MAX + 3];
	bool af = true;
	while (jelem(j, &af) && !j->err) {
		struct ps_mem m = { 0 };
		unsigned char *b = r->membuf[ev->nmem < PS_MEM_MAX ? ev->nmem : PS_MEM_MAX];
		bool of = true;
		while (jmember(j, &of, key, sizeof(key)) && !j->err) {
			if (strcmp(key, "addr") == 0) {
				m.addr = (uint64_t)jint(j);
			} else if (strcmp(key, "str") == 0) {
				m.str = jint(j) != 0;
			} else if (strcmp(key, "hex") == 0 && jstr(j, hex, sizeof(hex))) {
				size_t n = strlen(hex) / 2;
				for (size_t i = 0; i < n && i < PS_MEM_SIZE_MAX; i++) {
					unsigned v;
					if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
						j->err = "\"hex\" must be pairs of hex digits";
						return;
					}
					b[i] = (unsigned char)v;
				}
				b[n < PS_MEM_SIZE_MAX ? n : PS_MEM_SIZE_MAX] = 0;
				m.len = (uint32_t)(n < PS_MEM_SIZE_MAX ? n : PS_MEM_SIZE_MAX);
				m.ok = true;
			} else {
				jskip(j);
			}
		}
		m.bytes = b;
		m.size = (int)m.len;
		if (m.str && m.ok && (m.len == 0 || b[m.len - 1] != 0))
			m.ok = false;
		if (ev->nmem < PS_MEM_MAX)
			ev->mem[ev->nmem++] = m;
	}
	ev->sections |= PS_SEC_MEM;
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
	ev->sections = 0;
	ev->nmem = ev->nustack = 0;
	ev->pyframes = NULL;
	ev->npyframes = 0;
	ev->pyflags = 0;
	while (jmember(&j, &first, key, sizeof(key))) {
		if (strcmp(key, "ts") == 0) {
			/* Negative times would run the tick clauses through the whole 64-bit
			 * range: a recording's times are CLOCK_MONOTONIC, never negative. */
			ev->ts = (uint64_t)jint_in(&j, 0, INT64_MAX, "\"ts\" must not be negative");
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
		} else if (strcmp(key, "vts") == 0) {
			ev->vts = (uint64_t)jint_in(&j, 0, INT64_MAX, "\"vts\" must not be negative");
			ev->sections |= PS_SEC_VTS;
		} else if (strcmp(key, "ustack") == 0) {
			bool af = true;
			while (jelem(&j, &af)) {
				int64_t v = jint(&j);
				if (ev->nustack < PS_USTACK_MAX)
					ev->ustack[ev->nustack++] = (uint64_t)v;
			}
			ev->sections |= PS_SEC_USTACK;
		} else if (strcmp(key, "mem") == 0) {
			read_mem(r, &j);
		} else if (strcmp(key, "pystack") == 0) {
			bool af = true;
			ev->pyframes = r->pyf;
			while (jelem(&j, &af)) {
				int k = ev->npyframes < REPLAY_MAX_PYFRAMES ? ev->npyframes++ : REPLAY_MAX_PYFRAMES - 1;
				struct ps_pyframe *f = &r->pyf[k];
				bool of = true;
				*f = (struct ps_pyframe){ "", "", 0 };
				while (jmember(&j, &of, key, sizeof(key))) {
					if (strcmp(key, "func") == 0)
						f->func = jstr(&j, r->pystr[k][0], PYSTR_MAX);
					else if (strcmp(key, "file") == 0)
						f->file = jstr(&j, r->pystr[k][1], PYSTR_MAX);
					else if (strcmp(key, "line") == 0)
						f->line = (int)jint_in(&j, 0, INT_MAX, "a frame's \"line\" must not be negative");
					else
						jskip(&j);
				}
				if (!f->func)
					f->func = "";
				if (!f->file)
					f->file = "";
			}
		} else if (strcmp(key, "pyflags") == 0) {
			ev->pyflags = (unsigned)jint_in(&j, 0, 7, "\"pyflags\" must be from 0 to 7");
		} else if (strcmp(key, "lost") == 0) {
			uint64_t n = (uint64_t)jint_in(&j, 0, INT64_MAX, "\"lost\" must not be negative");
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
		p = add_probe(r, &j, 0, (int)ev->pid, prov, name, module, function, NULL, nargs);
	if (!p && j.err) {
		fprintf(stderr, "pyscope: %s:%d: %s\n", r->file, r->line, j.err);
		return -EINVAL;
	}
	if (!p) {
		char c[4][128];
		fprintf(stderr, "pyscope: %s:%d: probe %s:%s (%s, %s) is not in the stream's probe list\n",
			r->file, r->line, printable(prov, c[0], sizeof(c[0])),
			printable(name, c[1], sizeof(c[1])), printable(module, c[2], sizeof(c[2])),
			printable(function, c[3], sizeof(c[3])));
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

/* Whether LINE is the {"probes":[...]} header: an object with a top-level "probes" member and no
 * "ts" (an event's strings may say "probes" anywhere, a process may be named so). A malformed
 * line is not a header; reading it as an event reports where it is wrong. */
static bool is_header(const char *line)
{
	struct jr j = { .s = line };
	char key[64];
	bool first = true, probes = false, ts = false;
	while (jmember(&j, &first, key, sizeof(key))) {
		if (strcmp(key, "probes") == 0) {
			ws(&j);
			probes = *j.s == '[';
		}
		ts |= strcmp(key, "ts") == 0;
		jskip(&j);
		if (j.err)
			return false;
	}
	return !j.err && probes && !ts;
}

/* Read all of F into r->text (NUL-terminated). A NUL byte cannot be in a JSON-lines recording
 * and stops the reading at once (so /dev/zero is refused rather than read until memory ends). */
static int read_all(struct replay *r, FILE *f)
{
	size_t cap = 1 << 16;
	r->text = malloc(cap);
	for (size_t n; r->text && (n = fread(r->text + r->len, 1, cap - r->len - 1, f)) > 0;) {
		if (memchr(r->text + r->len, 0, n)) {
			fprintf(stderr, "pyscope: %s: a NUL byte: not a recording (pyscope events --json)\n",
				r->file);
			return -EINVAL;
		}
		r->len += n;
		if (r->len + 1 == cap) {
			char *t = cap <= SIZE_MAX / 2 ? realloc(r->text, cap *= 2) : NULL;
			if (!t) {
				fprintf(stderr, "pyscope: %s: out of memory reading it (%zu bytes)\n",
					r->file, r->len);
				return -ENOMEM;
			}
			r->text = t;
		}
	}
	if (!r->text) {
		fprintf(stderr, "pyscope: %s: out of memory\n", r->file);
		return -ENOMEM;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		fprintf(stderr, "pyscope: cannot read %s: %s\n", r->file, strerror(e));
		return -e;
	}
	r->text[r->len] = 0;
	return 0;
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
		fprintf(stderr, "pyscope: cannot open %s: %s\n", path, strerror(e));
		free(r);
		return -e;
	}
	int rc = read_all(r, f);
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		replay_close(r);
		return rc;
	}

	/* First pass on a copy (lines are cut in place): probes, target, first and last times. */
	char *copy = malloc(r->len + 1);
	if (!copy) {
		replay_close(r);
		return -ENOMEM;
	}
	memcpy(copy, r->text, r->len + 1);
	char *save = r->text;
	r->text = copy;
	bool first_line = true, any = false;
	for (char *l; (l = next_line(r));) {
		if (blank(l))
			continue;
		any = true;
		if (first_line && is_header(l)) {
			r->header_line = r->line;
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
	if (!any) {
		fprintf(stderr, "pyscope: %s: empty recording (no probe list and no events)\n", path);
		replay_close(r);
		return -EINVAL;
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
	if (id < 1 || id > r->maxid || !r->byid[id])
		return -ENOENT;
	r->byid[id]->enabled = true;
	r->byid[id]->strargs |= strargs;
	r->any_enabled = true;
	return 0;
}

const struct ps_event *replay_next(struct replay *r, uint64_t *lost)
{
	if (lost)
		*lost = 0;
	for (char *l; (l = next_line(r));) {
		if (blank(l) || r->line == r->header_line)
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
	free(r->hash);
	free(r->byid);
	free(r->pub);
	free(r->text);
	free(r);
}
