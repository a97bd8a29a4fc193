#!/bin/bash
# The record's optional sections, live (capture_extra.bpf.h): what the kernel reads at the hit
# because user space cannot read it later.
#   - vtimestamp: a function that sleeps 300 ms has a wall time of at least 250 ms and an on-CPU
#     time under 50 ms; one that spins has an on-CPU time above zero and not above its wall time
#   - memory: D copyin and copyinstr on an argument plus a constant, SystemTap's user_char,
#     user_short, user_int, user_long, printf's %m and %M against the bytes the marker's strings hold, a
#     dereference (the audit marker's tuple: its type's tp_name); a faulting read is dtrace's
#     "invalid address" and gives 0 to user_long
#   - native stacks on sdt_target (built -O0, with frame pointers): ustack() and print_ubacktrace()
#     name fire_call, run_ops and main in order, in dtrace's and stap's layouts
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "capture sections" || exit 0
need_py311 "capture sections" || exit 0

cat >"$TMP/prog.py" <<'PY'
import os, time
def spin():
    x = 0
    for i in range(2000000):
        x += i
def sleeper():
    time.sleep(0.3)
spin()
sleeper()
os.listdir("/")
PY

# ---- vtimestamp ----
cat >"$TMP/vt.d" <<'D'
python$target:::function-entry
/copyinstr(arg1) == "sleeper" || copyinstr(arg1) == "spin"/
{
	self->ts = timestamp;
	self->vts = vtimestamp;
}
python$target:::function-return
/self->ts && (copyinstr(arg1) == "sleeper" || copyinstr(arg1) == "spin")/
{
	printf("%s %d %d\n", copyinstr(arg1), (timestamp - self->ts) / 1000000,
	    (vtimestamp - self->vts) / 1000000);
	self->ts = 0;
}
D
"$PYSCOPE" dtrace -q -s "$TMP/vt.d" -c "$PY311 $TMP/prog.py" >"$TMP/vt" 2>"$TMP/err"
read -r _ wall cpu < <(grep '^sleeper ' "$TMP/vt")
if [ -n "$wall" ] && [ "$wall" -ge 250 ] && [ "$cpu" -lt 50 ]; then
	pass "vtimestamp: a sleeping thread's does not advance (wall $wall ms, on cpu $cpu ms)"
else
	fail "vtimestamp: a sleeping thread's does not advance" "$(cat "$TMP/vt" "$TMP/err")"
fi
read -r _ wall cpu < <(grep '^spin ' "$TMP/vt")
if [ -n "$wall" ] && [ "$cpu" -gt 0 ] && [ "$cpu" -le "$wall" ]; then
	pass "vtimestamp: a running thread's advances, by no more than the wall time (wall $wall ms, on cpu $cpu ms)"
else
	fail "vtimestamp: a running thread's advances" "$(cat "$TMP/vt" "$TMP/err")"
fi

# ---- memory ----
cat >"$TMP/m.d" <<'D'
python$target:::function-entry
/copyinstr(arg1) == "sleeper"/
{
	printf("%s|%s|%s\n", copyin(arg1, 4), copyinstr(arg0 + 1), copyinstr(arg1, 3));
}
D
"$PYSCOPE" dtrace -q -s "$TMP/m.d" -c "$PY311 $TMP/prog.py" >"$TMP/m" 2>"$TMP/err"
expect_eq "D copyin, copyinstr on an argument plus a constant" "slee|${TMP#/}/prog.py|sle" "$(cat "$TMP/m")"

cat >"$TMP/m.stp" <<'S'
probe process.mark("function__entry") {
	if (user_string($arg2) == "sleeper")
		printf("%d %d %d %x %s %s %.4m %.2M\n", user_char($arg2), user_short($arg2),
		       user_int($arg2), user_long($arg1), user_string($arg1 + 1),
		       user_string_n($arg2, 5), $arg2, $arg2)
}
probe process.mark("audit") {
	if (user_string($arg1) == "os.listdir")
		printf("audit %s\n", user_string(user_long(user_long($arg2 + 8) + 24)))
}
S
"$PYSCOPE" stap "$TMP/m.stp" -c "$PY311 $TMP/prog.py" >"$TMP/m" 2>"$TMP/err"
# the expected values from the bytes themselves ("sleeper", the script's path), little-endian
want=$("$PY311" -c '
import sys
n, p = b"sleeper", sys.argv[1].encode()
print(n[0], int.from_bytes(n[:2], "little"), int.from_bytes(n[:4], "little"),
      "%x" % int.from_bytes(p[:8], "little"), p[1:].decode(), "sleep", "slee", "736c")' "$TMP/prog.py")
expect_eq "stap user_char, user_short, user_int, user_long, user_string(\$arg + 1), user_string_n, %m, %M" \
	"$want" "$(grep -v '^audit' "$TMP/m")"
expect_eq "stap: one level of dereference read at the hit (the audit tuple's type name)" \
	"audit tuple" "$(grep '^audit' "$TMP/m" | head -1)"

# A marker argument pointing to unmapped memory (sdt_target's "fault" op)
cat >"$TMP/f.d" <<'D'
python$target:::function-entry { printf("%s\n", copyin(arg1, 4)); }
D
"$PYSCOPE" dtrace -q -s "$TMP/f.d" -c "$TARGET fault" >"$TMP/f" 2>"$TMP/err"
expect_grep "D copyin: a read that faulted at the hit is dtrace's invalid address" \
	'^dtrace: error on enabled probe ID [0-9]+ \(ID [0-9]+: python[0-9]+:sdt_target:[^:]+:function-entry\): invalid address \(0x[0-9a-f]+\) in action #1' "$TMP/err"
printf 'probe process.mark("function__entry") { printf("%%d\\n", user_long($arg2)) }\n' >"$TMP/f.stp"
"$PYSCOPE" stap "$TMP/f.stp" -c "$TARGET fault" >"$TMP/f" 2>"$TMP/err"
expect_eq "stap user_long: a read that faulted at the hit gives 0" "0" "$(cat "$TMP/f")"

# ---- native stacks ----
cat >"$TMP/u.d" <<'D'
python$target:::function-entry { ustack(); printf("caller %s %A\n", usym(ucaller), ucaller); }
D
"$PYSCOPE" dtrace -q -s "$TMP/u.d" -c "$TARGET call:1 sleep:300" >"$TMP/u" 2>"$TMP/err"
frames=$(grep -E '^ {14}[^ ]' "$TMP/u" | head -3 | sed -E 's/^ +//; s/\+0x[0-9a-f]+$//' | tr '\n' ' ')
expect_eq "D ustack(): frames in dtrace's layout, innermost first" \
	"sdt_target\`fire_call sdt_target\`run_ops sdt_target\`main " "$frames"
expect_grep "D ucaller, usym() and printf's %A" '^caller sdt_target`run_ops sdt_target`run_ops\+0x[0-9a-f]+$' "$TMP/u"
printf 'probe process.mark("function__entry") { print_ubacktrace() }\n' >"$TMP/u.stp"
"$PYSCOPE" stap "$TMP/u.stp" -c "$TARGET call:1 sleep:300" >"$TMP/u" 2>"$TMP/err"
expect_grep "stap print_ubacktrace(): stap's layout" \
	"^ 0x[0-9a-f]{16} : fire_call\+0x[0-9a-f]+/0x[0-9a-f]+ \[$TARGET\]$" "$TMP/u"
frames=$(sed -E 's/^ 0x[0-9a-f]+ : ([^+]+)\+.*/\1/' "$TMP/u" | head -3 | tr '\n' ' ')
expect_eq "stap print_ubacktrace(): innermost first" "fire_call run_ops main " "$frames"

# profile-N with ustack() as an aggregation key: dtrace's layout (a blank line, the frames
# indented 14, the count right-aligned in 17 columns)
cat >"$TMP/p.d" <<'D'
profile-199 /pid == $target/ { @[ustack(3)] = count(); }
D
"$PYSCOPE" dtrace -q -s "$TMP/p.d" -c "$TARGET call:100000000" >"$TMP/p" 2>"$TMP/err"
if grep -qE '^ {14}sdt_target`(fire_call|run_ops|main)\+0x[0-9a-f]+$' "$TMP/p" &&
   grep -qE '^ {15,}[0-9]+$' "$TMP/p" && ! grep -qE '^  +[^ ].* {10,}[0-9]+$' "$TMP/p"; then
	pass "profile-N: ustack() as an aggregation key, in dtrace's layout"
else
	fail "profile-N: ustack() as an aggregation key, in dtrace's layout" "$(head -20 "$TMP/p" "$TMP/err")"
fi
