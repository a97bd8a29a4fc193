/*
 * provider.c — finding and using pyscope's provider (see provider.h and
 * provider/pyscope_provider.c): which built module an interpreter takes, loading it into a -c
 * child or (CPython 3.14+, sys.remote_exec) into a running -p process, and the `pyscope provider`
 * command (build, install, uninstall, status).
 *
 * What an interpreter is (its version, whether it was built --with-dtrace, its extension suffix
 * and site-packages) is asked of the interpreter itself, isolated (-I) from the user's environment
 * and start-up: the one reliable answer, and it costs a few milliseconds before a trace starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "provider.h"
#include "pythons.h"
#include "sdt.h"

#define INFO_MAX 4096            /* bytes read of an interpreter's answer */

/* What an interpreter says of itself: one field per line. */
struct pyinfo {
	int major, minor;
	int dtrace;              /* built --with-dtrace (sysconfig WITH_DTRACE) */
	char suffix[64];         /* EXT_SUFFIX */
	char platlib[PATH_MAX];  /* its site-packages for extension modules */
	char impl[32];           /* sys.implementation.name */
};

static const char info_code[] =
	"import sys, sysconfig\n"
	"v = sysconfig.get_config_var\n"
	"print('%d\\n%d\\n%d' % (sys.version_info[0], sys.version_info[1], int(v('WITH_DTRACE') or 0)))\n"
	"print(v('EXT_SUFFIX') or '')\n"
	"print(sysconfig.get_path('platlib'))\n"
	"print(sys.implementation.name)\n";

static int run_capture(char *const argv[], char *out, size_t len)
{
	int fd[2];
	if (pipe2(fd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(fd[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	size_t used = 0;
	ssize_t n;
	while ((n = read(fd[0], out + used, len - 1 - used)) > 0 && used + (size_t)n < len - 1)
		used += (size_t)n;
	if (n > 0)
		used += (size_t)n;
	out[used] = 0;
	close(fd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ENOEXEC;
}

static int py_info(const char *python, struct pyinfo *pi)
{
	char buf[INFO_MAX], *save = NULL;
	/* -I: no environment, no user site; site itself runs, as it is what finds a venv's
	 * site-packages on older versions. */
	char *argv[] = { (char *)python, "-I", "-c", (char *)info_code, NULL };
	memset(pi, 0, sizeof(*pi));
	if (run_capture(argv, buf, sizeof(buf)) < 0)
		return -ENOEXEC;
	char *l[7] = { 0 };
	for (int i = 0; i < 7; i++)
		l[i] = strtok_r(i ? NULL : buf, "\n", &save);
	if (!l[0] || !l[1] || !l[2] || !l[3] || !l[4] || !l[5])
		return -ENOEXEC;
	pi->major = atoi(l[0]);
	pi->minor = atoi(l[1]);
	pi->dtrace = atoi(l[2]);
	snprintf(pi->suffix, sizeof(pi->suffix), "%s", l[3]);
	snprintf(pi->platlib, sizeof(pi->platlib), "%s", l[4]);
	snprintf(pi->impl, sizeof(pi->impl), "%s", l[5]);
	return 0;
}

static bool supported(const struct pyinfo *pi)
{
	return strcmp(pi->impl, "cpython") == 0 && pi->major == 3 && pi->minor >= PROV_MIN_MINOR &&
	       pi->minor <= PROV_MAX_MINOR;
}

static const char *impl_name(const struct pyinfo *pi)
{
	return strcmp(pi->impl, "cpython") == 0 ? "CPython" : pi->impl;
}

static int self_dir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = 0;
	snprintf(out, len, "%s", dirname(exe));
	return 0;
}

int prov_dir(char *out, size_t len)
{
	char self[PATH_MAX], cand[PATH_MAX + 32];
	struct stat st;
	const char *env = getenv("PYSCOPE_PROVIDER_DIR");
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return stat(out, &st) == 0 ? 0 : -ENOENT;
	}
	if (self_dir(self, sizeof(self)) < 0)
		return -ENOENT;
	const char *rel[] = { "/provider", "/../lib/pyscope/provider" };
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(cand, sizeof(cand), "%s%s", self, rel[i]);
		if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(out, len, "%s", cand);
			return 0;
		}
	}
	snprintf(out, len, "%s/provider", self);
	return -ENOENT;
}

bool prov_is_module(const char *path)
{
	const char *b = strrchr(path, '/');
	return strncmp(b ? b + 1 : path, PROV_MODULE, strlen(PROV_MODULE)) == 0;
}

/* The built module for PI in the provider directory: 0 and its path, or -ENOENT. */
static int built_module(const struct pyinfo *pi, char *so, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;
	if (prov_dir(dir, sizeof(dir)) < 0)
		return -ENOENT;
	snprintf(so, len, "%s/%d.%d/" PROV_MODULE "%s", dir, pi->major, pi->minor, pi->suffix);
	return stat(so, &st) == 0 ? 0 : -ENOENT;
}

static bool named_python(const char *path)
{
	char real[PATH_MAX];
	const char *b = strrchr(path, '/');
	if (strncmp(b ? b + 1 : path, "python", 6) == 0)
		return true;
	if (!realpath(path, real))
		return false;
	b = strrchr(real, '/');
	return strncmp(b ? b + 1 : real, "python", 6) == 0;
}

int prov_find(const char *python, bool force, char *so, size_t len)
{
	struct pyinfo pi;
	if (!force && !named_python(python))
		return 0;
	if (py_info(python, &pi) < 0) {
		if (!force)
			return 0;
		fprintf(stderr, "pyscope: --provider: %s is not a CPython that runs here\n", python);
		return -ENOENT;
	}
	if (pi.dtrace && !force)
		return 0;       /* markers built in, behind a wrapper pyscope cannot see through */
	if (!supported(&pi)) {
		fprintf(stderr, "pyscope: no python markers in %s, and it is %s %d.%d: the provider "
			"supports CPython 3.%d to 3.%d\n", python, impl_name(&pi), pi.major, pi.minor,
			PROV_MIN_MINOR, PROV_MAX_MINOR);
		return -ENOENT;
	}
	if (built_module(&pi, so, len) < 0) {
		fprintf(stderr, "pyscope: no python markers in %s, and no provider built for CPython "
			"%d.%d; run: pyscope provider build %s\n", python, pi.major, pi.minor, python);
		return -ENOENT;
	}
	return 1;
}

int prov_supports(const char *python)
{
	struct pyinfo pi;
	return named_python(python) && py_info(python, &pi) == 0 && supported(&pi) && !pi.dtrace;
}

int prov_child_env(const char *so)
{
	char dir[PATH_MAX], boot[PATH_MAX + 8], path[2 * PATH_MAX + 16];
	const char *old = getenv("PYTHONPATH");
	if (prov_dir(dir, sizeof(dir)) < 0)
		return -ENOENT;
	snprintf(boot, sizeof(boot), "%s/boot", dir);
	snprintf(path, sizeof(path), "%s%s%s", boot, old && *old ? ":" : "", old ? old : "");
	if (setenv("PYSCOPE_PYTHONPATH", old ? old : "", 1) < 0 ||
	    setenv("PYSCOPE_PROVIDER_SO", so, 1) < 0 || setenv("PYTHONPATH", path, 1) < 0)
		return -errno;
	return 0;
}

/* ---- -p on CPython 3.14+: sys.remote_exec (PEP 768) --------------------------------------------- */

#define REMOTE_WAIT_MS 5000      /* for the target to run the script (at its next bytecode) */

/* Run by the target's own interpreter: asks the target to run SCRIPT; one line on failure. */
static const char remote_code[] =
	"import sys\n"
	"try:\n"
	"    sys.remote_exec(int(sys.argv[1]), sys.argv[2])\n"
	"except Exception as e:\n"
	"    print('%s: %s' % (type(e).__name__, e))\n"
	"    sys.exit(1)\n";

/* Run by the target: load the provider from its path, as the bootstrap (sitecustomize) does. */
static const char remote_script[] =
	"import sys\n"
	"if '" PROV_MODULE "' not in sys.modules:\n"
	"    import importlib.util\n"
	"    spec = importlib.util.spec_from_file_location('" PROV_MODULE "', %s)\n"
	"    mod = importlib.util.module_from_spec(spec)\n"
	"    sys.modules['" PROV_MODULE "'] = mod\n"
	"    try:\n"
	"        spec.loader.exec_module(mod)\n"
	"    except BaseException:\n"
	"        del sys.modules['" PROV_MODULE "']\n"
	"        raise\n";

/* True when PID maps the file SO. */
static bool maps_file(pid_t pid, const char *so)
{
	char path[64], line[PATH_MAX + 256];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');
		size_t n = p ? strcspn(p, "\n") : 0;
		found = p && n == strlen(so) && strncmp(p, so, n) == 0;
	}
	if (f)
		fclose(f);
	return found;
}

int prov_remote_load(pid_t pid, const char *exe)
{
	struct pyinfo pi;
	char so[PATH_MAX], real[PATH_MAX], script[] = "/tmp/pyscope-provider-XXXXXX.py", pidstr[16];
	char out[INFO_MAX];
	if (!named_python(exe) || py_info(exe, &pi) < 0 || !supported(&pi) || pi.dtrace ||
	    pi.minor < PROV_REMOTE_MINOR)
		return 0;
	if (built_module(&pi, so, sizeof(so)) < 0) {
		fprintf(stderr, "pyscope: no python markers in process %d (%s), and no provider built for "
			"CPython %d.%d; run: pyscope provider build %s\n", (int)pid, exe, pi.major, pi.minor, exe);
		return -ENOENT;
	}
	if (!realpath(so, real))
		return -errno;
	if (maps_file(pid, real))
		return 0;       /* loaded already, and still no markers found: nothing to add */
	/* The module's path as a Python string literal: the path has no quote or backslash (else
	 * refused), as it names a file pyscope installed or built. */
	if (strpbrk(real, "'\\\n")) {
		fprintf(stderr, "pyscope: the provider's path %s cannot be given to sys.remote_exec\n", real);
		return -EINVAL;
	}
	int fd = mkstemps(script, 3);
	if (fd < 0)
		return -errno;
	char quoted[PATH_MAX + 2];
	snprintf(quoted, sizeof(quoted), "'%s'", real);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(script);
		return -EIO;
	}
	/* readable by the target, whoever it runs as */
	bool ok = fchmod(fd, 0644) == 0 && fprintf(f, remote_script, quoted) > 0;
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		unlink(script);
		return -EIO;
	}
	fprintf(stderr, "pyscope: process %d (%s) has no python markers; loading pyscope's provider "
		"into it through sys.remote_exec (%s)\n", (int)pid, exe, real);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	char *argv[] = { (char *)exe, "-I", "-c", (char *)remote_code, pidstr, script, NULL };
	int rc = run_capture(argv, out, sizeof(out));
	if (rc < 0) {
		out[strcspn(out, "\n")] = 0;
		fprintf(stderr, "pyscope: process %d refused sys.remote_exec: %s (started with "
			"PYTHON_DISABLE_REMOTE_DEBUG or -X disable_remote_debug?); install the provider: "
			"pyscope provider install %s, and restart it\n", (int)pid, *out ? out : "failed", exe);
		unlink(script);
		return -EPERM;
	}
	/* The target runs the script when it next runs bytecode: a process blocked in a system
	 * call for longer does not. */
	for (int waited = 0; waited < REMOTE_WAIT_MS && !maps_file(pid, real); waited += 10)
		usleep(10 * 1000);
	unlink(script);
	if (!maps_file(pid, real)) {
		fprintf(stderr, "pyscope: process %d did not load the provider within %d ms (it ran no "
			"Python code?); install it: pyscope provider install %s, and restart it\n",
			(int)pid, REMOTE_WAIT_MS, exe);
		return -ETIMEDOUT;
	}
	return 1;
}

/* ---- pyscope provider ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pyscope provider build [PYTHON...]\n"
		"       pyscope provider install PYTHON\n"
		"       pyscope provider uninstall PYTHON\n"
		"       pyscope provider status\n"
		"\n"
		"The provider gives a CPython 3.%d-3.%d built without markers the markers of a\n"
		"--with-dtrace build. -c loads it by itself; install makes PYTHON load it at every\n"
		"start (a .pth in its site-packages), so that -p and --all work too.\n",
		PROV_MIN_MINOR, PROV_MAX_MINOR);
}

static int pth_path(const struct pyinfo *pi, char *out, size_t len)
{
	return snprintf(out, len, "%s/" PROV_PTH, pi->platlib) < (int)len ? 0 : -ENAMETOOLONG;
}

static bool has_builtin_markers(const char *python)
{
	char obj[PATH_MAX];
	struct sdt_file *f;
	if (!pys_markers(python, obj, sizeof(obj), &f))
		return false;
	sdt_free(f);
	return true;
}

int prov_installed(const char *python, char *so, size_t len)
{
	struct pyinfo pi;
	char pth[PATH_MAX + 32];
	struct stat st;
	if (!prov_supports(python) || py_info(python, &pi) < 0 || pth_path(&pi, pth, sizeof(pth)) < 0 ||
	    stat(pth, &st) != 0)
		return 0;
	if (snprintf(so, len, "%s/" PROV_MODULE "%s", pi.platlib, pi.suffix) >= (int)len)
		return 0;
	return stat(so, &st) == 0;
}

const char *prov_state(const char *python)
{
	struct pyinfo pi;
	char p[PATH_MAX + 32], so[PATH_MAX];
	struct stat st;
	if (py_info(python, &pi) < 0 || !supported(&pi))
		return "unsupported";
	if (pth_path(&pi, p, sizeof(p)) == 0 && stat(p, &st) == 0)
		return "installed";
	return built_module(&pi, so, sizeof(so)) == 0 ? "built" : "not built";
}

static int copy_file(const char *from, const char *to)
{
	char tmp[PATH_MAX + 16], buf[1 << 16];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", to) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = 0;
	if (in < 0)
		return -errno;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	ssize_t n;
	while (rc == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 || write(out, buf, (size_t)n) != n)
			rc = errno ? -errno : -EIO;
	}
	close(in);
	if (close(out) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, to) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* The Pythons `status` and `build` look at: those pythons.h finds, then pyenv's versions. */
static int all_pythons(struct pys_list *l)
{
	int rc = pys_find(l);
	if (rc < 0)
		return rc;
	const char *home = getenv("HOME");
	char pat[PATH_MAX];
	glob_t g;
	snprintf(pat, sizeof(pat), "%s/.pyenv/versions/*/bin/python3.[0-9]*", home ? home : "/root");
	if (glob(pat, 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char real[PATH_MAX];
		const char *b = strrchr(g.gl_pathv[i], '/');
		if (strspn(b + 9, "0123456789") != strlen(b + 9) || !realpath(g.gl_pathv[i], real))
			continue;
		bool seen = false;      /* (a venv's python is another Python, with its own site) */
		for (int k = 0; k < l->n; k++)
			seen |= strcmp(l->v[k].path, g.gl_pathv[i]) == 0;
		if (seen)
			continue;
		struct pys_python *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
		if (!nv)
			break;
		l->v = nv;
		l->v[l->n].path = strdup(g.gl_pathv[i]);
		l->v[l->n].real = strdup(real);
		l->v[l->n].lib = NULL;
		if (!l->v[l->n].path || !l->v[l->n].real) {
			free(l->v[l->n].path);
			free(l->v[l->n].real);
			break;
		}
		l->n++;
	}
	globfree(&g);
	return 0;
}

static int cmd_status(void)
{
	struct pys_list l;
	if (all_pythons(&l) < 0)
		return 1;
	printf("%-48s %-8s %-9s %s\n", "PYTHON", "VERSION", "MARKERS", "PROVIDER");
	for (int i = 0; i < l.n; i++) {
		struct pyinfo pi;
		char ver[16] = "?";
		bool ok = py_info(l.v[i].path, &pi) == 0;
		if (ok)
			snprintf(ver, sizeof(ver), "%d.%d", pi.major, pi.minor);
		bool builtin = has_builtin_markers(l.v[i].real);
		printf("%-48s %-8s %-9s %s\n", l.v[i].path, ver, builtin ? "built-in" : "none",
		       builtin ? "-" : prov_state(l.v[i].path));
	}
	pys_free(&l);
	return 0;
}

/* Refuse (one line, 2) what the provider cannot go into; else 0 and PI filled. */
static int check_target(const char *python, struct pyinfo *pi, const char *verb)
{
	if (access(python, X_OK) != 0) {
		fprintf(stderr, "pyscope: provider %s: %s: %s\n", verb, python, strerror(errno));
		return 2;
	}
	if (py_info(python, pi) < 0) {
		fprintf(stderr, "pyscope: provider %s: %s is not a Python that runs here\n", verb, python);
		return 2;
	}
	if (!supported(pi)) {
		fprintf(stderr, "pyscope: provider %s: %s is %s %d.%d; the provider supports CPython "
			"3.%d to 3.%d\n", verb, python, impl_name(pi), pi->major, pi->minor, PROV_MIN_MINOR,
			PROV_MAX_MINOR);
		return 2;
	}
	return 0;
}

static int cmd_install(const char *python)
{
	struct pyinfo pi;
	char so[PATH_MAX], dst[PATH_MAX + 64], pth[PATH_MAX + 32];
	int rc = check_target(python, &pi, "install");
	if (rc)
		return rc;
	if (pi.dtrace || has_builtin_markers(python)) {
		fprintf(stderr, "pyscope: provider install: %s has built-in markers; the provider would "
			"report every event twice\n", python);
		return 2;
	}
	if (built_module(&pi, so, sizeof(so)) < 0) {
		fprintf(stderr, "pyscope: provider install: no provider built for CPython %d.%d; run: "
			"pyscope provider build %s\n", pi.major, pi.minor, python);
		return 1;
	}
	if (snprintf(dst, sizeof(dst), "%s/" PROV_MODULE "%s", pi.platlib, pi.suffix) >= (int)sizeof(dst))
		return 1;
	pth_path(&pi, pth, sizeof(pth));
	if ((rc = copy_file(so, dst)) < 0) {
		fprintf(stderr, "pyscope: provider install: cannot write %s: %s\n", dst, strerror(-rc));
		return 1;
	}
	FILE *f = fopen(pth, "we");
	if (!f || fputs("import " PROV_MODULE "\n", f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "pyscope: provider install: cannot write %s: %s\n", pth, strerror(errno));
		unlink(dst);
		return 1;
	}
	printf("pyscope: %s loads the provider at every start (%s, %s)\n", python, pth, dst);
	return 0;
}

static int cmd_uninstall(const char *python)
{
	struct pyinfo pi;
	char dst[PATH_MAX + 64], pth[PATH_MAX + 32];
	int rc = check_target(python, &pi, "uninstall");
	if (rc)
		return rc;
	if (snprintf(dst, sizeof(dst), "%s/" PROV_MODULE "%s", pi.platlib, pi.suffix) >= (int)sizeof(dst))
		return 1;
	pth_path(&pi, pth, sizeof(pth));
	int gone = (unlink(pth) == 0) + (unlink(dst) == 0);
	if (!gone) {
		printf("pyscope: the provider is not installed in %s\n", python);
		return 0;
	}
	printf("pyscope: removed the provider from %s\n", python);
	return 0;
}

/* provider/build (the same script `make` runs) with the provider directory's parent as output. */
static int cmd_build(int argc, char **argv)
{
	char self[PATH_MAX], script[PATH_MAX + 64], dir[PATH_MAX], out[PATH_MAX];
	struct stat st;
	if (self_dir(self, sizeof(self)) < 0)
		return 1;
	const char *rel[] = { "/../provider/build", "/../share/pyscope/provider/build" };
	script[0] = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]) && !script[0]; i++) {
		snprintf(script, sizeof(script), "%s%s", self, rel[i]);
		if (stat(script, &st) != 0)
			script[0] = 0;
	}
	if (!script[0]) {
		fprintf(stderr, "pyscope: provider build: the provider's source is not installed "
			"(looked for provider/build near %s)\n", self);
		return 1;
	}
	if (prov_dir(dir, sizeof(dir)) < 0 && strstr(script, "/share/pyscope/"))
		if (snprintf(dir, sizeof(dir), "%s/../lib/pyscope/provider", self) >= (int)sizeof(dir))
			return 1;
	snprintf(out, sizeof(out), "%s", dirname(dir));
	char **av = calloc((size_t)argc + 3, sizeof(char *));
	if (!av)
		return 1;
	av[0] = script;
	av[1] = out;
	for (int i = 1; i < argc; i++)
		av[i + 1] = argv[i];
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		execv(script, av);
		_exit(127);
	}
	free(av);
	int status = 1;
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	return 1;
}

int prov_main(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	if (sub && (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (sub && strcmp(sub, "status") == 0 && argc == 2)
		return cmd_status();
	if (sub && strcmp(sub, "build") == 0)
		return cmd_build(argc - 1, argv + 1);
	if (sub && strcmp(sub, "install") == 0 && argc == 3)
		return cmd_install(argv[2]);
	if (sub && strcmp(sub, "uninstall") == 0 && argc == 3)
		return cmd_uninstall(argv[2]);
	if (!sub)
		fprintf(stderr, "pyscope: provider needs one of build, install, uninstall, status\n");
	else if (strcmp(sub, "install") == 0 || strcmp(sub, "uninstall") == 0)
		fprintf(stderr, "pyscope: provider %s needs exactly one PYTHON\n", sub);
	else if (strcmp(sub, "status") == 0)
		fprintf(stderr, "pyscope: provider status takes no arguments\n");
	else
		fprintf(stderr, "pyscope: provider: unknown subcommand '%s'\n", sub);
	usage(stderr);
	return 2;
}
