# Helpers for shell tests (sourced by tests/cases/*.sh). Each check prints one result line:
# "PASS: name", "FAIL: name" (with what differed below it) or "SKIP: name (why)".
: "${PYSCOPE_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${PYSCOPE:=$PYSCOPE_ROOT/build/pyscope}"
SHARED=$PYSCOPE_ROOT/../shared
TARGET=$PYSCOPE_ROOT/build/tests/sdt_target
PY311=/usr/bin/python3.11
TMP=$(mktemp -d /tmp/pyscope-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/  /'; return 0; }
skip() { echo "SKIP: $1 ($2)"; }

# can_trace: true when this machine lets us load BPF and attach uprobes (root + BPF).
can_trace() {
	[ "$(id -u)" = 0 ] && [ -e /sys/kernel/btf/vmlinux ] || return 1
}

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

# wait_for FILE PATTERN — until FILE has a line matching the extended regex PATTERN (at most ~10 s);
# false if it never does.
wait_for() {
	for _ in $(seq 1000); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.01; done
	return 1
}
