#!/bin/bash
# Native stacks at a probe's hit in code built without frame pointers (capture_extra.bpf.h's
# CAP_SEC_UREGS, unwound in user space with the objects' CFI by unwind.c's uw_stack), where the
# kernel's frame-pointer stack stops after a frame or two:
#   - a C program with <sys/sdt.h> markers, built -O2 -fomit-frame-pointer: D's ustack() at the
#     marker names nofp_leaf, nofp_mid, nofp_outer, main in order, then the C library's start;
#     ucaller is nofp_mid; stap's print_ubacktrace() gives the same chain; a pid-provider probe at
#     a function's first instruction (pid$target::nofp_mid:entry) gives nofp_mid, nofp_outer, main
#   - ustack(2) keeps two frames (test_capture_pass: a clause without ustack asks for no copy)
#   - Debian's python3.11 (no frame pointers): ustack() at function-entry goes down to
#     Py_BytesMain, the C library's start and _start (it gave 2 frames with frame pointers only)
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "ustack with the CFI" || exit 0
need_cmd "ustack with the CFI" cc || exit 0

cat >"$TMP/nofp.c" <<'C'
#include <sys/sdt.h>
#include <unistd.h>
volatile int sink;
__attribute__((noinline)) int nofp_leaf(int x)
{
	STAP_PROBE3(python, function__entry, "nofp.c", "f", x);
	sink += x;
	return x * 3;
}
__attribute__((noinline)) int nofp_mid(int x)
{
	int r = nofp_leaf(x + 1);
	sink += r;
	return r + 1;
}
__attribute__((noinline)) int nofp_outer(int x)
{
	int r = nofp_mid(x * 2);
	sink += r;
	return r - 1;
}
int main(void)
{
	usleep(300000);           /* the probes attach */
	for (int i = 0; i < 2; i++)
		sink += nofp_outer(i);
	usleep(1000000);          /* alive while its hits are named */
	return 0;
}
C
if ! cc -O2 -g -fomit-frame-pointer -fno-optimize-sibling-calls -fasynchronous-unwind-tables \
	"$TMP/nofp.c" -o "$TMP/nofp" 2>"$TMP/cc.err"; then
	fail "the target builds" "$(cat "$TMP/cc.err")"
	exit 0
fi
# the premise: no frame pointers (nofp_mid does not save rbp)
if objdump -d --no-show-raw-insn "$TMP/nofp" 2>/dev/null | sed -n '/<nofp_mid>:/,/^$/p' | grep -q 'push.*%rbp'; then
	skip "ustack with the CFI" "the compiler kept frame pointers"
	exit 0
fi

frames() { grep -E '^ {14}[^ ]' "$1" | sed -E 's/^ +//; s/\+0x[0-9a-f]+$//' | head -"$2" | tr '\n' ' '; }

cat >"$TMP/u.d" <<'D'
python$target:::function-entry { ustack(); printf("caller %s\n", usym(ucaller)); }
D
"$PYSCOPE" dtrace -q -s "$TMP/u.d" -c "$TMP/nofp" >"$TMP/u" 2>"$TMP/err"
expect_eq "D ustack() without frame pointers: the whole chain, innermost first" \
	"nofp\`nofp_leaf nofp\`nofp_mid nofp\`nofp_outer nofp\`main " "$(frames "$TMP/u" 4)"
expect_grep "... down to the C library's start" '^ {14}libc\.so\.6`__libc_start_main\+0x[0-9a-f]+$' "$TMP/u"
expect_grep "... and _start" '^ {14}nofp`_start\+0x[0-9a-f]+$' "$TMP/u"
expect_eq "... on each hit" 2 "$(grep -c 'nofp`nofp_outer' "$TMP/u")"
expect_grep "D ucaller: the caller, from the CFI" '^caller nofp`nofp_mid$' "$TMP/u"
# the premise: frame pointers alone (PYSCOPE_USTACK_CFI=0) do not get that far
PYSCOPE_USTACK_CFI=0 "$PYSCOPE" dtrace -q -s "$TMP/u.d" -c "$TMP/nofp" >"$TMP/fp" 2>"$TMP/err"
if [ "$(frames "$TMP/fp" 4)" != "$(frames "$TMP/u" 4)" ]; then
	pass "frame pointers only: a shorter or wrong chain ($(frames "$TMP/fp" 4))"
else
	fail "frame pointers only: a shorter or wrong chain" "$(cat "$TMP/fp")"
fi

printf 'python$target:::function-entry { ustack(2); }\n' >"$TMP/u2.d"
"$PYSCOPE" dtrace -q -s "$TMP/u2.d" -c "$TMP/nofp" >"$TMP/u2" 2>"$TMP/err"
expect_eq "ustack(2): two frames a hit" "nofp\`nofp_leaf nofp\`nofp_mid nofp\`nofp_leaf nofp\`nofp_mid " \
	"$(frames "$TMP/u2" 5)"

printf 'pid$target::nofp_mid:entry { ustack(); }\n' >"$TMP/p.d"
"$PYSCOPE" dtrace -q -s "$TMP/p.d" -c "$TMP/nofp" >"$TMP/p" 2>"$TMP/err"
expect_eq "pid provider, at a function's first instruction: its callers" \
	"nofp\`nofp_mid nofp\`nofp_outer nofp\`main " "$(frames "$TMP/p" 3)"

printf 'probe process.mark("function__entry") { print_ubacktrace() }\n' >"$TMP/u.stp"
"$PYSCOPE" stap "$TMP/u.stp" -c "$TMP/nofp" >"$TMP/s" 2>"$TMP/err"
expect_eq "stap print_ubacktrace(): the same chain" "nofp_leaf nofp_mid nofp_outer main " \
	"$(sed -E 's/^ 0x[0-9a-f]+ : ([^+]+)\+.*/\1/' "$TMP/s" | head -4 | tr '\n' ' ')"

# events --json --ustack-cfi records what the capture unwound (what a replay reads)
"$PYSCOPE" events --json --ustack-cfi -c "$TMP/nofp" >"$TMP/e" 2>"$TMP/err"
n=$(grep -m1 '"ustack"' "$TMP/e" | grep -oE '"ustack":\[[^]]*\]' | tr -cd ',' | wc -c)
if [ "${n:-0}" -ge 5 ]; then
	pass "events --ustack-cfi: the unwound stack ($((n + 1)) frames)"
else
	fail "events --ustack-cfi: the unwound stack" "$(head -3 "$TMP/e" "$TMP/err")"
fi

if need_py311 "python3.11 ustack" && [ -z "${PYSCOPE_SKIP_PY311:-}" ]; then
	cat >"$TMP/f.py" <<'PY'
import time
def f():
    return 1
def g():
    return f()
g()
time.sleep(2)
PY
	printf 'python$target:::function-entry /copyinstr(arg1) == "f"/ { ustack(); }\n' >"$TMP/py.d"
	"$PYSCOPE" dtrace -q -s "$TMP/py.d" -c "$PY311 $TMP/f.py" >"$TMP/py" 2>"$TMP/err"
	nf=$(grep -cE '^ {14}[^ ]' "$TMP/py")
	if [ "$nf" -gt 4 ] && grep -qE '^ {14}python3\.11`Py_BytesMain\+0x' "$TMP/py" &&
	   grep -qE '^ {14}libc\.so\.6`__libc_start_main\+0x' "$TMP/py"; then
		pass "python3.11 ustack(): $nf frames, down to Py_BytesMain and __libc_start_main"
	else
		fail "python3.11 ustack(): down to Py_BytesMain" "$(cat "$TMP/py" "$TMP/err")"
	fi
fi
