#!/bin/bash
# pyscope list -p PID: the markers of every object mapped into a running process, with run-time
# addresses — as-is for the non-PIE /usr/bin/python3.11 (ET_EXEC), load bias + address for the
# PIE test target (ET_DYN), the bias checked against /proc/PID/maps independently.
source "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" != 0 ]; then
	skip "list -p" "not root"
	exit 0
fi
need_py311 "list -p" || exit 0

# wait_mapped PID FILE: until FILE shows up in PID's maps (the exec has happened).
wait_mapped() { wait_until grep -q " $2\$" "/proc/$1/maps"; }

# --- python3.11: ET_EXEC, addresses as in the file -------------------------------------------
"$PY311" -c 'import time; time.sleep(60)' &
py=$!
track "$py"
wait_mapped "$py" "$PY311" || fail "python3.11 started" "not mapped after 10 s"

expect_status "-p python3.11: exit 0" 0 "$PYSCOPE" list --json -p "$py"
python3 - "$TMP/out" "$py" "$PY311" >"$TMP/check" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
pid, exe = int(sys.argv[2]), sys.argv[3]
mine = [r for r in rows if r["path"] == exe]
print("python-markers", sorted(r["name"] for r in mine if r["provider"] == "python"))
print("pid-field", all(r["pid"] == pid for r in rows))
print("exec-address-is-location", all(r["address"] == r["location"] for r in mine))
print("exec-semaphore-address", all(r["semaphore_address"] == r["semaphore"] for r in mine))
print("load", {r["load"] for r in mine}, "bias", {r["bias"] for r in mine})
EOF
expect_grep "-p python3.11: its 8 python markers" \
	"^python-markers \['audit', 'function__entry', 'function__return', 'gc__done', 'gc__start', 'import__find__load__done', 'import__find__load__start', 'line'\]$" "$TMP/check"
expect_grep "-p python3.11: pid in every record" '^pid-field True$' "$TMP/check"
expect_grep "-p python3.11: ET_EXEC run-time address = location" '^exec-address-is-location True$' "$TMP/check"
expect_grep "-p python3.11: semaphore run-time address = semaphore" '^exec-semaphore-address True$' "$TMP/check"
expect_grep "-p python3.11: loaded at 0x400000, bias 0" "^load \{'0x400000'\} bias \{'0x0'\}$" "$TMP/check"

# The same as a table: a header naming the object, pid and load address, then the markers.
expect_status "-p python3.11 table: exit 0" 0 "$PYSCOPE" list -p "$py" 'python:function-entry'
expect_grep "-p table: object header" "^$PY311  \(pid $py, ET_EXEC, loaded at 0x400000, 1 marker\)$" "$TMP/out"
expect_grep "-p table: columns" '^  PROVIDER +NAME +DTRACE NAME +ADDRESS +LOCATION +SEMAPHORE +FUNCTION +ARGUMENTS +DECODED$' "$TMP/out"
loc=$("$PYSCOPE" list --json "$PY311" python:function__entry | sed 's/.*"location":"\([^"]*\)".*/\1/')
expect_grep "-p table: function__entry row" \
	"^  python +function__entry +function-entry +$loc +$loc +0x[0-9a-f]+ +- +8@%rbp 8@%r12 -4@%eax +u64 %rbp, u64 %r12, s32 %eax$" "$TMP/out"

# Every object of the process that has notes is listed (here: whatever ldd shows with notes).
want=$( (echo "$PY311"; ldd "$PY311" | awk '$3 ~ /^\// { print $3 }') | while read -r f; do
	[ -n "$(readelf -n "$f" 2>/dev/null | grep stapsdt)" ] && readlink -f "$f"; done | sort -u)
"$PYSCOPE" list --json -p "$py" >"$TMP/all"
got=$(python3 -c '
import json, os, sys
print("\n".join(sorted({os.path.realpath(json.loads(l)["path"]) for l in open(sys.argv[1])})))' "$TMP/all")
expect_eq "-p python3.11: every mapped object with notes" "$want" "$got"

# --- sdt_target: ET_DYN, run-time address = load bias + location ------------------------------
"$TARGET" sleep:60000 >"$TMP/target.out" &
tg=$!
track "$tg"
wait_mapped "$tg" "$TARGET" || fail "sdt_target started" "not mapped after 10 s"
# The bias, read here independently: the start of the mapping at file offset 0.
bias=$(awk -v f="$TARGET" '$6 == f && $3 == "00000000" { split($1, a, "-"); print a[1]; exit }' "/proc/$tg/maps")
expect_status "-p sdt_target: exit 0" 0 "$PYSCOPE" list --json -p "$tg" 'python:*'
python3 - "$TMP/out" "$bias" >"$TMP/check" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
bias = int(sys.argv[2], 16)
print("count", len(rows))
print("load", all(int(r["load"], 16) == bias == int(r["bias"], 16) for r in rows))
print("address", all(int(r["address"], 16) == bias + int(r["location"], 16) for r in rows))
print("semaphore", all(int(r["semaphore_address"], 16) == bias + int(r["semaphore"], 16) for r in rows))
EOF
expect_grep "-p sdt_target: 8 markers" '^count 8$' "$TMP/check"
expect_grep "-p sdt_target: load and bias = the mapping of offset 0" '^load True$' "$TMP/check"
expect_grep "-p sdt_target: ET_DYN address = bias + location" '^address True$' "$TMP/check"
expect_grep "-p sdt_target: semaphore address = bias + semaphore" '^semaphore True$' "$TMP/check"

# The run-time semaphore address really is gc__start's semaphore: its 2 bytes in the live process
# are 0 (nothing traces it), inside a writable mapping of the target, and a 7 written there is
# what the target itself then reports for gc__start (it prints its semaphores on SIGUSR1).
saddr=$("$PYSCOPE" list --json -p "$tg" python:gc__start | sed 's/.*"semaphore_address":"\([^"]*\)".*/\1/')
python3 - "$tg" "$saddr" "$TARGET" >"$TMP/check" <<'EOF2'
import sys
pid, addr, exe = int(sys.argv[1]), int(sys.argv[2], 16), sys.argv[3]
inside = False
for line in open(f"/proc/{pid}/maps"):
    f = line.split()
    lo, hi = (int(x, 16) for x in f[0].split("-"))
    if lo <= addr < hi and f[1].startswith("rw") and len(f) > 5 and f[5] == exe:
        inside = True
with open(f"/proc/{pid}/mem", "rb") as m:
    m.seek(addr)
    value = int.from_bytes(m.read(2), "little")
print("inside", inside, "value", value)
with open(f"/proc/{pid}/mem", "r+b") as m:
    m.seek(addr)
    m.write((7).to_bytes(2, "little"))
EOF2
expect_grep "-p sdt_target: semaphore address is in its data mapping, value 0" '^inside True value 0$' "$TMP/check"
kill -USR1 "$tg"
wait_for "$TMP/target.out" gc__start
expect_grep "-p sdt_target: the target sees 7 written at that address as gc__start's semaphore" \
	'^function__entry=0 function__return=0 line=0 gc__start=7 gc__done=0 ' "$TMP/target.out"

# --- a broken ELF file mapped into the process: a warning, the rest still listed ---------------
python3 "$PYSCOPE_ROOT/tests/cases/list_mkelf.py" lying_namesz "$TMP/broken.so"
"$PY311" -c 'import mmap, sys, time
f = open(sys.argv[1], "rb"); m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ); time.sleep(60)' \
	"$TMP/broken.so" &
pb=$!
track "$pb"
wait_mapped "$pb" "$TMP/broken.so"
expect_status "-p with a broken object mapped: exit 0" 0 "$PYSCOPE" list -p "$pb" 'python:line'
expect_eq "-p with a broken object mapped: one warning" \
	"pyscope: warning: $TMP/broken.so: malformed note in .note.stapsdt (its sizes run past the section)" \
	"$(cat "$TMP/err")"
expect_grep "-p with a broken object mapped: python still listed" "^$PY311  \(pid $pb, " "$TMP/out"

# --- no markers in the process ----------------------------------------------------------------
sleep 60 &
sl=$!
track "$sl"
wait_mapped "$sl" "$(readlink -f "$(command -v sleep)")"
expect_status "-p of a process without markers: exit 1" 1 "$PYSCOPE" list -p "$sl"
expect_eq "-p without markers: why" "pyscope: no markers in process $sl (built without --with-dtrace?)" \
	"$(cat "$TMP/err")"
