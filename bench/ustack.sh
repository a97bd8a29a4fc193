#!/bin/bash
# bench/ustack.sh — what D's ustack() costs per probe hit, with frame pointers only and with the
# registers and stack top copied for the CFI unwind (capture_extra.bpf.h's CAP_SEC_UREGS). It runs
# alone (as root): bench/ustack.sh. Not part of bench/run.
# The target: a C program built -O2 -fomit-frame-pointer whose marker (python:function__entry, as
# CPython's) sits three calls below main; it fires USTACK_HITS hits in batches of 50, 3 ms apart
# (the reader keeps up: no ring full, no forced wake-up), and prints the median batch's ns per hit.
# Modes: untraced; count (a clause with no stack: `n++`); fp (`@[ustack()] = count()` with
# PYSCOPE_USTACK_CFI=0); cfi (the same, as shipped). Each mode USTACK_REPS times, interleaved, the
# lowest median kept. Also pyscope's CPU time per hit (user space: the unwind and the symbols),
# from its rusage less the count mode's (start-up and attach alike in both).
cd "$(dirname "$0")/.." || exit 2
PYSCOPE=${PYSCOPE:-build/pyscope}
HITS=${USTACK_HITS:-10000}
REPS=${USTACK_REPS:-3}
[ "$(id -u)" = 0 ] || { echo "bench/ustack.sh: needs root (BPF)" >&2; exit 2; }
TMP=$(mktemp -d /tmp/pyscope-ustack.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/hits.c" <<'C'
#include <sys/sdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
volatile int sink;
__attribute__((noinline)) int leaf(int x) { STAP_PROBE3(python, function__entry, "b.c", "f", x); sink += x; return x; }
__attribute__((noinline)) int mid(int x) { int r = leaf(x + 1); sink += r; return r; }
__attribute__((noinline)) int outer(int x) { int r = mid(x); sink += r; return r; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
int main(int argc, char **argv)
{
	int nb = (argc > 1 ? atoi(argv[1]) : 10000) / 50;
	double *t = calloc(nb, sizeof(double));
	usleep(300000);
	for (int b = 0; b < nb; b++) {
		double t0 = now();
		for (int i = 0; i < 50; i++)
			outer(i);
		t[b] = (now() - t0) / 50;
		usleep(3000);
	}
	qsort(t, nb, sizeof(double), cmp);
	FILE *f = argc > 2 ? fopen(argv[2], "w") : stdout;
	fprintf(f ? f : stdout, "%.0f\n", t[nb / 2]);
	return 0;
}
C
cc -O2 -fomit-frame-pointer -fno-optimize-sibling-calls "$TMP/hits.c" -o "$TMP/hits" || exit 1
echo 'python$target:::function-entry { n++; }' >"$TMP/count.d"
echo 'python$target:::function-entry { @[ustack()] = count(); }' >"$TMP/stack.d"
run() {   # MODE: prints "ns/hit cpu-seconds"
	local env=() d=$TMP/stack.d
	case $1 in
	untraced) echo "$("$TMP/hits" "$HITS") 0"; return ;;
	count) d=$TMP/count.d ;;
	fp) env=(PYSCOPE_USTACK_CFI=0) ;;
	esac
	env "${env[@]}" /usr/bin/time -f "%U %S" -o "$TMP/time" "$PYSCOPE" dtrace -q -s "$d" \
		-c "$TMP/hits $HITS $TMP/ns" 2>"$TMP/err" >/dev/null
	local ns
	ns=$(cat "$TMP/ns" 2>/dev/null)
	echo "${ns:-?} $(awk '{ print $1 + $2 }' "$TMP/time")"
}
declare -A best cpu
for ((r = 0; r < REPS; r++)); do
	for m in untraced count fp cfi; do
		read -r ns c < <(run $m)
		if [ -z "${best[$m]}" ] || [ "$ns" -lt "${best[$m]}" ]; then best[$m]=$ns; cpu[$m]=$c; fi
	done
done
printf '%-9s %9s %12s %16s\n' mode ns/hit "over count" "pyscope us/hit"
[ -n "${best[count]}" ] || { echo "bench/ustack.sh: no run gave a figure" >&2; cat "$TMP/err" >&2; exit 1; }
for m in untraced count fp cfi; do
	over=$(( ${best[$m]} - ${best[count]} ))
	us=$(awk -v a="${cpu[$m]}" -v b="${cpu[count]}" -v n="$HITS" 'BEGIN { printf "%.1f", (a - b) * 1e6 / n }')
	[ "$m" = untraced ] || [ "$m" = count ] && us=-
	printf '%-9s %9s %12s %16s\n' "$m" "${best[$m]}" "$([ "$m" = untraced ] && echo - || echo "$over")" "$us"
done
