#!/bin/bash
# profile-N from BPF perf events (one per CPU), capture_sys.c: the interrupted thread's pid, tid and
# execname, so /pid == $target/ matches a busy target (pyscope's user-space ticks gave pid 0);
# arg0 the kernel pc or 0, arg1 the user pc or 0; other rates (profile-99hz, profile-1ms) made on
# demand; tick-N stays a timer with pid 0.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "profile provider" || exit 0
T=$PYSCOPE_ROOT/$PYSCOPE_BUILD/tests/sys_target
D() { timeout 60 "$PYSCOPE" dtrace "$@"; }

D -q -n 'profile-997 /pid == $target/ { @n = count(); @name[execname] = count(); @pc[(arg0 != 0) + 2 * (arg1 != 0)] = count(); }
	END { printa("samples %@d\n", @n); printa("%s\n", @name); printa("pc %d %@d\n", @pc); }' \
	-c "$T spin:1000" >"$TMP/out" 2>"$TMP/err"
n=$(sed -n 's/^samples //p' "$TMP/out")
expect_eq "a target spinning 1s: samples of it (20..1100 at 997 Hz on a shared machine)" "yes" \
	"$([ -n "$n" ] && [ "$n" -ge 20 ] && [ "$n" -le 1100 ] && echo yes)"
expect_grep "the samples' execname is the target's" '^sys_target$' "$TMP/out"
expect_eq "each sample has exactly one of the kernel pc (1) and the user pc (2)" "" \
	"$(grep '^pc ' "$TMP/out" | grep -v -E '^pc (1|2) ')"
expect_grep "most samples are in user space" '^pc 2 [0-9]+' "$TMP/out"

D -q -n 'profile-99hz /pid == $target/ { @n = count(); } END { printa("%@d\n", @n); }' \
	-c "$T spin:500" >"$TMP/out" 2>"$TMP/err"
n=$(grep -v '^$' "$TMP/out")
expect_eq "profile-99hz, a rate made on demand: at most ~50 samples in 0.5s" "yes" \
	"$([ -n "$n" ] && [ "$n" -ge 1 ] && [ "$n" -le 60 ] && echo yes)"

D -q -n 'tick-10ms { @[pid] = count(); } tick-100ms { exit(0); }' >"$TMP/out" 2>"$TMP/err"
expect_eq "tick-N is still a timer, in no process" "0" "$(awk 'NF { print $1 }' "$TMP/out")"
