#!/bin/bash
# Exactness on the C test target: every marker hit arrives, in order per thread, with the exact
# argument values — for 1, 1000 and 1,000,000 hits, with 4 threads, for cut strings, and for the
# gc, import and audit markers. Live: needs root and BPF.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
if ! can_trace; then skip "capture on sdt_target" "needs root and BPF"; exit 0; fi

# The names sdt_target's call:N cycles through, as the human format prints them.
HNAMES='f function_with_a_longer_name "" café "a b" x1 __init__ <module>'

# check_calls NAME FILE N BASE — FILE (human format) holds exactly the N entry/return pairs of
# call:N numbered from BASE, in order, from one thread, with non-decreasing timestamps.
check_calls() {
	local name=$1 file=$2 n=$3 base=$4
	local bad
	bad=$(awk -v n="$n" -v base="$base" '
		BEGIN { split("f function_with_a_longer_name \"\" café \"a@b\" x1 __init__ <module>", nm, " ")
			for (k in nm) gsub("@", " ", nm[k]) }
		{
			i = int((NR - 1) / 2)
			want = sprintf("%s sdt_target.c %s %d", NR % 2 ? "function__entry" : "function__return",
				nm[i % 8 + 1], base + i)
			line = $0; sub(/^[0-9]+ [0-9]+ [0-9]+ [0-9]+ /, "", line)
			if (line != want) { print "line " NR ": " $0 " (wanted " want ")"; exit }
			if (NR == 1) tid = $3
			if ($3 != tid) { print "line " NR ": tid " $3 " (wanted " tid ")"; exit }
			if ($1 < ts) { print "line " NR ": time goes back"; exit }
			ts = $1
		}
		END { if (NR != 2 * n) print NR " lines, wanted " 2 * n }' "$file")
	if [ -z "$bad" ]; then pass "$name"; else fail "$name" "$bad"; fi
}

for n in 1 1000 1000000; do
	"$PYSCOPE" events -c "$TARGET call:$n" >"$TMP/calls.$n" 2>"$TMP/err.$n"
	rc=$?
	expect_eq "call:$n exits 0" 0 "$rc"
	check_calls "call:$n: $((2 * n)) hits exact and in order" "$TMP/calls.$n" "$n" 0
	expect_eq "call:$n: summary says none lost" "pyscope: $((2 * n)) events, 0 lost" "$(tail -1 "$TMP/err.$n")"
done

# Four threads: each thread's hits complete and in order, numbered k*1000000+i.
"$PYSCOPE" events -c "$TARGET -t 4 call:1000" >"$TMP/t4" 2>"$TMP/t4.err"
tids=$(awk '{print $3}' "$TMP/t4" | sort -u)
expect_eq "-t 4: four threads seen" 4 "$(echo "$tids" | wc -l)"
for tid in $tids; do
	grep -E "^[0-9]+ [0-9]+ $tid " "$TMP/t4" >"$TMP/t4.$tid"
	base=$(awk 'NR == 1 { print $NF }' "$TMP/t4.$tid")
	check_calls "-t 4: thread with base $base exact and in order" "$TMP/t4.$tid" 1000 "$base"
done
expect_eq "-t 4: thread bases" "0 1000000 2000000 3000000" \
	"$(for t in $tids; do awk 'NR == 1 { print $NF }' "$TMP/t4.$t"; done | sort -n | xargs)"

# Every marker, JSON: exact values (pointers to strings left out: they vary), cut strings, signed
# integers sign-extended (gc:-1:-5: a 4-byte and an 8-byte signed argument).
"$PYSCOPE" events --json -c "$TARGET call:2 gc:2:5 gc:-1:-5 import:foo.bar:1 import:nope:0 audit:os.system long:300" \
	>"$TMP/all.json" 2>/dev/null
jq -c '{comm: .comm, probe: .probe, module: .module, function: .function,
	ints: (if .args then [range(0; .args|length) as $i | select(.str[$i] == null) | .args[$i]] else null end),
	str: .str, cut: .cut, lost: .lost, end: .end}
	| with_entries(select(.value != null))
	| if .str then .str |= map(if . != null and length > 40 then "\(.[0:3])...(\(length))" else . end) else . end' \
	"$TMP/all.json" >"$TMP/all.got"
cat >"$TMP/all.want" <<'W'
{"comm":"sdt_target","probe":"python:function__entry","module":"sdt_target","function":"fire_call","ints":[0],"str":["sdt_target.c","f",null],"cut":[]}
{"comm":"sdt_target","probe":"python:function__return","module":"sdt_target","function":"fire_call","ints":[0],"str":["sdt_target.c","f",null],"cut":[]}
{"comm":"sdt_target","probe":"python:function__entry","module":"sdt_target","function":"fire_call","ints":[1],"str":["sdt_target.c","function_with_a_longer_name",null],"cut":[]}
{"comm":"sdt_target","probe":"python:function__return","module":"sdt_target","function":"fire_call","ints":[1],"str":["sdt_target.c","function_with_a_longer_name",null],"cut":[]}
{"comm":"sdt_target","probe":"python:gc__start","module":"sdt_target","function":"run_ops","ints":[2],"str":[null],"cut":[]}
{"comm":"sdt_target","probe":"python:gc__done","module":"sdt_target","function":"run_ops","ints":[5],"str":[null],"cut":[]}
{"comm":"sdt_target","probe":"python:gc__start","module":"sdt_target","function":"run_ops","ints":[-1],"str":[null],"cut":[]}
{"comm":"sdt_target","probe":"python:gc__done","module":"sdt_target","function":"run_ops","ints":[-5],"str":[null],"cut":[]}
{"comm":"sdt_target","probe":"python:import__find__load__start","module":"sdt_target","function":"run_ops","ints":[],"str":["foo.bar"],"cut":[]}
{"comm":"sdt_target","probe":"python:import__find__load__done","module":"sdt_target","function":"run_ops","ints":[1],"str":["foo.bar",null],"cut":[]}
{"comm":"sdt_target","probe":"python:import__find__load__start","module":"sdt_target","function":"run_ops","ints":[],"str":["nope"],"cut":[]}
{"comm":"sdt_target","probe":"python:import__find__load__done","module":"sdt_target","function":"run_ops","ints":[0],"str":["nope",null],"cut":[]}
{"comm":"sdt_target","probe":"python:audit","module":"sdt_target","function":"run_ops","ints":[4660],"str":["os.system",null],"cut":[]}
{"comm":"sdt_target","probe":"python:function__entry","module":"sdt_target","function":"fire_call","ints":[0],"str":["sdt_target.c","xxx...(255)",null],"cut":[1]}
{"comm":"sdt_target","probe":"python:function__return","module":"sdt_target","function":"fire_call","ints":[0],"str":["sdt_target.c","xxx...(255)",null],"cut":[1]}
{"end":{"events":15,"lost":0}}
W
expect_file "--json: every marker's values, cut and sign-extended" "$TMP/all.want" "$TMP/all.got"

# The cut string keeps strsize-1 characters; the human format marks it with "...".
"$PYSCOPE" events -c "$TARGET long:300 long:255 long:256" --markers function__entry >"$TMP/long" 2>/dev/null
expect_eq "long:300/255/256: kept lengths and cut marks (strsize 256)" \
	"255 cut|255 whole|255 cut" \
	"$(awk '{ s = $7; c = sub(/\.\.\.$/, "", s); printf "%s%d %s", (NR > 1 ? "|" : ""), length(s), c ? "cut" : "whole" }' "$TMP/long")"
"$PYSCOPE" events --strsize 8 -c "$TARGET call:2" --markers function__entry >"$TMP/s8" 2>/dev/null
expect_eq "--strsize 8: 7 characters kept, cut marked" \
	"sdt_tar... f 0|sdt_tar... functio... 1" "$(cut -d' ' -f6- "$TMP/s8" | paste -sd'|')"

# Exit status: the command's.
if need_py311 "-c exit status on python3.11"; then
	"$PYSCOPE" events -c "$PY311 -c 'import sys; sys.exit(7)'" --markers gc__start >/dev/null 2>&1
	expect_eq "-c: exits with the command's status" 7 "$?"
	"$PYSCOPE" events -c "$PY311 -c 'import os; os.kill(os.getpid(), 9)'" --markers gc__start >/dev/null 2>&1
	expect_eq "-c: command killed by signal 9 gives 137" 137 "$?"
fi
