#!/bin/bash
# pyscope list --json reports exactly the stapsdt notes `readelf -n` reports — provider, name,
# location, base, semaphore and argument string — for the real /usr/bin/python3.11, libc, the
# test target, libpython3.11 and libstdc++ (ET_DYN objects with notes), and synthetic ELF64/ELF32
# files. Also: the .stapsdt.base adjustment on a "pre-linked" file, and the exit status that goes
# with finding notes (0) or none (1).
source "$(dirname "$0")/../lib.sh"
MKELF="python3 $PYSCOPE_ROOT/tests/cases/list_mkelf.py"

# One line per note: "provider name location base semaphore args", numbers in plain hex.
from_readelf() {
	readelf -n "$1" | python3 -c '
import re, sys
note = {}
for line in sys.stdin:
    line = line.rstrip("\n")
    m = re.match(r"\s+Provider: (.*)$", line)
    if m: note = {"provider": m.group(1)}; continue
    m = re.match(r"\s+Name: (.*)$", line)
    if m and "provider" in note: note["name"] = m.group(1); continue
    m = re.match(r"\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)$", line)
    if m and "name" in note:
        note["loc"], note["base"], note["sem"] = (int(x, 16) for x in m.groups()); continue
    m = re.match(r"\s+Arguments: ?(.*)$", line)
    if m and "loc" in note:
        print(note["provider"], note["name"], hex(note["loc"]), hex(note["base"]), hex(note["sem"]),
              m.group(1))
        note = {}
'
}

from_pyscope() {
	python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    print(o["provider"], o["name"], o["location"], o["base"], o["semaphore"] or "0x0", o["args"])
'
}

# compare NAME FILE [MIN_NOTES]: the JSON listing equals readelf's, and the exit status says
# whether there were notes. MIN_NOTES guards against both sides being silently empty.
compare() {
	local name=$1 file=$2 min=${3:-0}
	if [ -z "$file" ]; then skip "$name matches readelf -n" "no $name library here"; return; fi
	if [ ! -r "$file" ]; then skip "$name matches readelf -n" "$file not found"; return; fi
	from_readelf "$file" >"$TMP/want"
	"$PYSCOPE" list --json "$file" >"$TMP/json" 2>"$TMP/err"
	local rc=$?
	from_pyscope <"$TMP/json" >"$TMP/got"
	expect_file "$name matches readelf -n" "$TMP/want" "$TMP/got"
	local n; n=$(wc -l <"$TMP/want")
	if [ "$n" -lt "$min" ]; then fail "$name has at least $min notes" "readelf shows $n"; fi
	expect_eq "$name exit status" "$([ "$n" -gt 0 ] && echo 0 || echo 1)" "$rc"
}

# The libraries where the loader finds them on this machine (lib.sh: lib_path), any architecture.
libc=$(lib_path libc.so.6)
if need_py311 "python3.11 vs readelf"; then
	compare "python3.11" "$PY311" 8
fi
compare "libc" "$libc"
compare "sdt_target" "$TARGET" 8
if need_py311 "libpython3.11 vs readelf"; then
	compare "libpython3.11" "$(lib_path libpython3.11.so.1.0)" 8
fi
compare "libstdc++" "$(lib_path libstdc++.so.6)"

# libc on this Debian carries no notes: the listing says so in one line, exit 1.
if [ -n "$libc" ] && [ -r "$libc" ] && [ -z "$(from_readelf "$libc")" ]; then
	expect_status "libc without notes: exit 1" 1 "$PYSCOPE" list "$libc"
	expect_eq "libc without notes: why" "pyscope: no markers in $libc (built without --with-dtrace?)" \
		"$(cat "$TMP/err")"
fi

for kind in good64 good32 badargs; do
	$MKELF $kind "$TMP/$kind"
	compare "synthetic $kind" "$TMP/$kind" 3
done

# Pre-linked: .stapsdt.base sits 0x1000 above the base the notes recorded, so location and
# semaphore move up by 0x1000 (a marker without semaphore keeps none); base stays as recorded.
$MKELF prelinked "$TMP/prelinked"
"$PYSCOPE" list --json "$TMP/prelinked" | from_pyscope >"$TMP/got"
from_readelf "$TMP/prelinked" | python3 -c '
import sys
for line in sys.stdin:
    p, n, loc, base, sem, *args = line.rstrip("\n").split(" ")
    sem = hex(int(sem, 16) + 0x1000) if int(sem, 16) else "0x0"
    print(p, n, hex(int(loc, 16) + 0x1000), base, sem, " ".join(args))
' >"$TMP/want"
expect_file "pre-linked: location and semaphore adjusted by .stapsdt.base" "$TMP/want" "$TMP/got"
expect_eq "pre-linked: first marker moved" "0x402010" \
	"$("$PYSCOPE" list --json "$TMP/prelinked" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["location"])')"
