#!/bin/bash
# The operating system's providers in dtrace's listing and -Z:
#   - -l -n 'syscall::read:' lists read's entry and return; -l -P proc the five proc probes;
#     -l -n 'profile:::' the usual rates
#   - under -Z a provider pyscope does not have is said once on stderr, never dropped in silence;
#     without -Z it is an error as any description matching nothing
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "providers cli" || exit 0
need_py311 "providers cli" || exit 0
D() { timeout 60 "$PYSCOPE" dtrace "$@"; }

D -l -n 'syscall::read:' >"$TMP/out" 2>"$TMP/err"
expect_eq "-l -n syscall::read: lists its two probes" "syscall vmlinux read entry|syscall vmlinux read return" \
	"$(awk 'NR > 1 { print $2, $3, $4, $5 }' "$TMP/out" | paste -sd'|')"

D -l -P proc >"$TMP/out" 2>"$TMP/err"
expect_eq "-l -P proc lists the five proc probes" \
	"proc vmlinux exec-success|proc vmlinux exit|proc vmlinux create|proc vmlinux lwp-start|proc vmlinux lwp-exit" \
	"$(awk 'NR > 1 { print $2, $3, $4 }' "$TMP/out" | paste -sd'|')"

D -l -n 'profile:::' >"$TMP/out" 2>"$TMP/err"
expect_eq "-l -n profile::: lists the usual rates" \
	"profile-97 profile-199 profile-499 profile-997 profile-1999 profile-4001 profile-4999" \
	"$(awk 'NR > 1 { print $3 }' "$TMP/out" | paste -sd' ')"

D -q -Z -n 'fbt::foo:entry, sched:::on-cpu, fbt::bar:entry { x = 1; } BEGIN { printf("ran\n"); exit(0); }' \
	>"$TMP/out" 2>"$TMP/err"
expect_eq "-Z: the script runs" "0 ran" "$? $(cat "$TMP/out")"
expect_eq "-Z: each provider pyscope does not have is said once" \
	"dtrace: pyscope has no provider 'fbt': fbt::foo:entry matches no probe|dtrace: pyscope has no provider 'sched': sched:::on-cpu matches no probe" \
	"$(paste -sd'|' "$TMP/err")"

D -q -Z -n 'syscall::no_such_call:entry, pid$target::nosuchfn:entry { x = 1; } BEGIN { exit(0); }' \
	>"$TMP/out" 2>"$TMP/err"
expect_eq "-Z: descriptions of known providers that match nothing pass in silence" "0 " "$? $(cat "$TMP/err")"

D -q -n 'io:::start { x = 1; } BEGIN { exit(0); }' >"$TMP/out" 2>"$TMP/err"
expect_eq "without -Z: an unknown provider is an error" "2 -n:1:1: error: no probe matches io:::start" \
	"$? $(head -1 "$TMP/err")"
