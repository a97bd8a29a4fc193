# Helpers for shell tests (sourced by tests/cases/*.sh). Each check prints one result line:
# "PASS: name", "FAIL: name" (with what differed below it) or "SKIP: name (why)".
: "${PYSCOPE_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${PYSCOPE_BUILD:=build}"
: "${PYSCOPE:=$PYSCOPE_ROOT/$PYSCOPE_BUILD/pyscope}"
SHARED=$PYSCOPE_ROOT/../shared
TARGET=$PYSCOPE_ROOT/$PYSCOPE_BUILD/tests/sdt_target
: "${PY311:=/usr/bin/python3.11}"   # (overridable, to check that tests without it skip)
TMP=$(mktemp -d /tmp/pyscope-test.XXXXXX)

# Processes a test starts, or learns the pid of (a -c command), are tracked by pid: at exit each
# one still running is ended and reaped, and the temporary directory removed. Tests never look
# processes up by name or pattern: on a shared machine that could hit another run's processes.
# A pid is kept with its start time, so a process that ended and whose pid was given to another
# (not ours) is never signalled.
TRACKED=()
started_at() { sed -E 's/^[0-9]+ \(.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
track() { local p; for p; do TRACKED+=("$p:$(started_at "$p")"); done; }
cleanup() {
	local e
	for e in "${TRACKED[@]}"; do
		[ -n "${e#*:}" ] && [ "$(started_at "${e%%:*}")" = "${e#*:}" ] && kill "${e%%:*}" 2>/dev/null
	done
	for e in "${TRACKED[@]}"; do wait "${e%%:*}" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM   # (tests/run's timeout: still end the tracked processes)

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/  /'; return 0; }
skip() { echo "SKIP: $1 ($2)"; }

# can_trace: true when this machine lets us load BPF and attach uprobes (root + BPF), and the run
# may use the kernel (`make check-fast` sets PYSCOPE_NO_TRACE=1).
can_trace() {
	[ -z "${PYSCOPE_NO_TRACE:-}" ] && [ "$(id -u)" = 0 ] && [ -e /sys/kernel/btf/vmlinux ] || return 1
}

# need_trace NAME / need_py311 NAME / need_cmd NAME CMD: true when the requirement is met, else a
# visible "SKIP: NAME (why)" and false:   need_trace "attach modes" || exit 0
need_trace() { can_trace || { skip "$1" "needs root and BPF"; return 1; }; }
need_py311() { [ -x "$PY311" ] || { skip "$1" "no $PY311"; return 1; }; }
need_cmd() { command -v "$2" >/dev/null 2>&1 || { skip "$1" "no $2"; return 1; }; }

# alive PID: the process exists and is not a zombie.
alive() {
	local s
	s=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "$s" != Z ]
}
gone() { ! alive "$1"; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "expected: $2" "actual:   $3"; fi
}

# expect_file NAME EXPECTED_FILE ACTUAL_FILE — golden comparison with a diff on failure.
expect_file() {
	if diff -u "$2" "$3" >"$TMP/diff" 2>&1; then pass "$1"; else fail "$1" "$(head -40 "$TMP/diff")"; fi
}

# expect_grep NAME PATTERN FILE — FILE has a line matching the extended regex PATTERN.
expect_grep() {
	if grep -Eq -- "$2" "$3"; then pass "$1"; else fail "$1" "no line matches: $2" "$(head -20 "$3")"; fi
}

# expect_status NAME WANT CMD... — CMD exits with status WANT (output kept in $TMP/out, $TMP/err).
expect_status() {
	local name=$1 want=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then pass "$name"; else
		fail "$name" "exit status $rc, wanted $want" "stderr: $(head -5 "$TMP/err")"; fi
}

# profile_counts EVENTS PROG RUN — from a `pyscope events --json` recording of
# tests/target/profile_self.py, the per-function [entries, returns] that pyscope saw in run RUN:
# 1 before the audit event "profile_self.profiled" (no profiler active), 2 after it (under
# sys.setprofile). The module body, the class body and the profiler callback are left out, as the
# program leaves them out of its own counts.
profile_counts() {
	jq -s -S --arg f "$2" --argjson run "$3" '
	(map(.str[0] == "profile_self.profiled") | index(true)) as $cut
	| if $run == 1 then .[:$cut] else .[$cut:] end
	| map(select(.probe and .str[0] == $f and (.str[1] | IN("<module>", "Box", "_prof") | not)))
	| group_by(.str[1])
	| map({key: .[0].str[1], value: [(map(select(.probe == "python:function__entry")) | length),
	                                 (map(select(.probe == "python:function__return")) | length)]})
	| from_entries' "$1"
}

# wait_until CMD... — until CMD succeeds (checked every 10 ms, at most ~10 s); false if it never
# does. The only place tests sleep: they wait for a condition, never for a time.
# WAIT_S=N (whole seconds) before it, or before a helper built on it, bounds the wait at ~N s.
wait_until() {
	for _ in $(seq $((${WAIT_S:-10} * 100))); do "$@" 2>/dev/null && return 0; sleep 0.01; done
	return 1
}

# wait_for FILE PATTERN — until FILE has a line matching the extended regex PATTERN (at most ~10 s);
# false if it never does.
wait_for() { wait_until grep -Eq -- "$2" "$1"; }

# lines_at_least N FILE — FILE has at least N lines (a condition for wait_until).
lines_at_least() { [ "$(wc -l <"$2")" -ge "$1" ]; }

# wait_exec PID FILE — until process PID runs FILE (its exec has happened: markers are mapped).
# (the link is read at every try: a `test "$(readlink ...)"` argument would be read only once)
exec_is() { [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ]; }
wait_exec() { wait_until exec_is "$1" "$(readlink -f "$2")"; }

# wait_gone PID — until process PID has exited (gone, or a zombie not yet reaped); false if it is
# still running after ~10 s.
wait_gone() { wait_until gone "$1"; }

# in_syscall PID NAME... — process PID is blocked in one of the system calls NAME (write, poll),
# read from /proc/PID/syscall, which gives the number: the architecture's (poll is ppoll on arm64).
in_syscall() {
	local n s p=$1; shift
	read -r n _ <"/proc/$p/syscall" || return 1
	for s; do
		case $HOSTTYPE:$s in
		x86_64:write) [ "$n" = 1 ] ;; x86_64:poll) [ "$n" = 7 ] ;;
		aarch64:write) [ "$n" = 64 ] ;; aarch64:poll) [ "$n" = 73 ] ;;
		*) false ;;
		esac && return 0
	done
	return 1
}

# first_child PID — the pid of PID's first child (its -c command), or nothing; has_child PID: it
# has one (a condition for wait_until).
first_child() { local c=; read -r c _ <"/proc/$1/task/$1/children" 2>/dev/null; echo "$c"; }
has_child() { [ -n "$(first_child "$1")" ]; }

# lib_path SONAME — the shared library SONAME as the dynamic loader finds it for this machine's
# architecture (ldconfig's cache, which ld.so searches), or nothing if there is none: tests never
# hard-code /usr/lib/x86_64-linux-gnu (dlopen of a bare soname searches the same way).
lib_path() {
	local tag
	case $HOSTTYPE in x86_64) tag=x86-64 ;; aarch64) tag=AArch64 ;; *) tag=$HOSTTYPE ;; esac
	PATH=$PATH:/sbin:/usr/sbin ldconfig -p 2>/dev/null | awk -v n="$1" -v t="$tag" \
		'$1 == n && (index($0, "," t ")") || index($0, "," t ",")) { print $NF; exit }'
}
