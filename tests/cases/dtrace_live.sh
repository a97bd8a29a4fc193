#!/bin/bash
# pyscope dtrace live: real kernel, real BPF, /usr/bin/python3.11 and sdt_target.
#   - the measure: the page's call_stack.d on call_stack.py prints the page's 18 lines
#   - a longer, threaded program: only inside start()/worker(), indentation per thread, never < 0
#   - gc-start/gc-done with %ld inside start(); an aggregation keyed by copyinstr(arg1)
#   - faults reported and the trace continuing; only the markers a script names are enabled
#   - -p on a running process; a target's exit ends the trace (END runs, aggregations print)
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "dtrace live" || exit 0
need_py311 "dtrace live" || exit 0
G=$PYSCOPE_ROOT/tests/golden/d
SEED=$SHARED/seed-scripts
D() { "$PYSCOPE" dtrace "$@"; }

# The measure, exactly as the issue runs it: the page's own call_stack.d on its call_stack.py, from
# ../shared/seed-scripts (not part of the repository: skipped when absent).
if [ -f "$SEED/call_stack.d" ] && [ -f "$SEED/call_stack.py" ]; then
	(cd "$PYSCOPE_ROOT" && D -q -s ../shared/seed-scripts/call_stack.d \
		-c "$PY311 ../shared/seed-scripts/call_stack.py") >"$TMP/live" 2>"$TMP/err"
	expect_eq "call_stack.d live: exit status 0, nothing on stderr" "" "$(cat "$TMP/err")"
	sed -E 's/^[0-9]+\t/TS\t/' "$TMP/live" >"$TMP/live.ts"
	sed -E 's/^[0-9]+\t/TS\t/' "$G/call_stack.out" >"$TMP/want.ts"
	expect_file "call_stack.d live: the 18 lines, exact spacing (timestamps aside)" "$TMP/want.ts" "$TMP/live.ts"
	expect_eq "call_stack.d live: timestamps increase" "sorted" \
		"$(cut -f1 "$TMP/live" | sort -c -n 2>/dev/null && echo sorted)"
else
	skip "call_stack.d live, the page's script" "../shared/seed-scripts absent"
fi

# The same measure with the project's own files: our call_stack.d on prog.py. Live, threading's
# Thread.start shows too; prog.py's own lines are exactly the recorded stream's (call_stack_long).
D -q -s "$G/call_stack.d" -c "$PY311 $G/prog.py" >"$TMP/live" 2>"$TMP/err"
expect_eq "our call_stack.d live on prog.py: exit status 0, nothing on stderr" "0 " "$? $(cat "$TMP/err")"
grep -E ':( *)prog.py:' "$TMP/live" | sed -E 's/^[0-9]+\t/TS\t/' >"$TMP/live.ts"
sed -E 's/^[0-9]+\t/TS\t/' "$G/call_stack_long.out" >"$TMP/want.ts"
expect_file "our call_stack.d live on prog.py: prog.py's 20 lines, exact spacing (timestamps aside)" \
	"$TMP/want.ts" "$TMP/live.ts"
expect_eq "our call_stack.d live: timestamps increase" "sorted" \
	"$(cut -f1 "$TMP/live" | sort -c -n 2>/dev/null && echo sorted)"

# Longer program with two threads taking turns: per-thread indentation, only inside worker().
# (live, worker's calls into threading.py show too: the replayed stream was trimmed of them)
D -q -s "$G/threads.d" -c "$PY311 $G/prog.py" >"$TMP/all" 2>"$TMP/err"
expect_eq "threads.d live: never negative" 0 "$(grep -c NEGATIVE "$TMP/all")"
expect_eq "threads.d live: every entry returns" "$(grep -c -- '-> ' "$TMP/all")" "$(grep -c -- '<- ' "$TMP/all")"
expect_eq "threads.d live: nothing outside worker()" "" "$(grep -E -- '-> (start|<module>)' "$TMP/all")"
grep -E ' (leaf|middle|worker)$' "$TMP/all" >"$TMP/out"
expect_eq "threads.d live: 28 lines of prog.py's functions" 28 "$(wc -l <"$TMP/out")"
expect_eq "threads.d live: two threads" 2 "$(cut -d' ' -f1 "$TMP/out" | sort -u | wc -l)"
# each thread's lines, alone, are the same balanced tree (threads numbered by tid - $target,
# which need not be 1 and 2)
k=0
for t in $(cut -d' ' -f1 "$TMP/out" | sort -un); do
	k=$((k + 1))
	grep "^$t " "$TMP/out" | cut -d' ' -f2- >"$TMP/thread$k"
done
expect_file "threads.d live: both threads' trees are identical" "$TMP/thread1" "$TMP/thread2"

# gc inside start(): three collections, generations 0, 1, 2, each with its collected count.
D -q -s "$G/gc.d" -c "$PY311 $G/prog.py" >"$TMP/out" 2>"$TMP/err"
expect_eq "gc.d live: generations 0 1 2 in start()" "0 1 2" \
	"$(grep '^gc-start generation' "$TMP/out" | awk '{print $3}' | tr '\n' ' ' | sed 's/ $//')"
expect_eq "gc.d live: a gc-done after each" 3 "$(grep -cE '^gc-done collected [0-9]+$' "$TMP/out")"

# @calls[copyinstr(arg1)] = count(); printed by printa at END when the target exits.
D -q -s "$G/count_calls.d" -c "$PY311 $G/prog.py" >"$TMP/out" 2>&1
expect_grep "count_calls.d live: leaf called 14 times" '^  leaf +14$' "$TMP/out"
expect_grep "count_calls.d live: middle 7 times" '^  middle +7$' "$TMP/out"

# Runtime faults: reported, the clause aborted, the trace goes on. (prog.py's start() is on line
# 18 = 0x12; threading's Thread.start is left out by the file name.)
D -q -n 'python$target:::function-entry /copyinstr(arg1) == "start" && basename(copyinstr(arg0)) == "prog.py"/ { printf("%s\n", copyinstr(arg2)); }
	python$target:::function-return /copyinstr(arg1) == "start" && basename(copyinstr(arg0)) == "prog.py"/ { printf("still tracing\n"); }' \
	-c "$PY311 $G/prog.py" >"$TMP/out" 2>"$TMP/err"
expect_grep "fault live: invalid address, DTrace's words" \
	'^dtrace: error on enabled probe ID 1 \(ID [0-9]+: python[0-9]+:python3.11:[^:]*:function-entry\): invalid address \(0x12\) in action #1 at DIF offset 0$' "$TMP/err"
expect_eq "fault live: trace continues" "still tracing" "$(cat "$TMP/out")"

# Only what a script names is enabled: sdt_target reports its semaphores.
D -q -n 'python$target:::gc-start { }' -c "$TARGET sems" >"$TMP/out" 2>&1
expect_grep "only gc-start's semaphore is raised" 'gc__start=1' "$TMP/out"
expect_grep "function-entry's semaphore stays down" 'function__entry=0' "$TMP/out"

# -p: a running process; exit() ends the trace.
"$TARGET" spin:20 >/dev/null 2>&1 &
spid=$!
track "$spid"
wait_exec "$spid" "$TARGET"
timeout 20 "$PYSCOPE" dtrace -q -p "$spid" -n 'python$target:::function-entry { n++; }
	python$target:::function-entry /n == 5/ { printf("5 calls in %d\n", pid); exit(0); }' >"$TMP/out" 2>"$TMP/err"
expect_eq "-p PID: traces the running process" "5 calls in $spid" "$(cat "$TMP/out")"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

# A target's exit ends the trace: END runs; without -q, DTrace's "pid N has exited".
D -n 'python$target:::gc-done { @ = count(); } END { printf("END ran\n"); }' \
	-c "$TARGET gc:0:5 gc:1:6" >"$TMP/out" 2>"$TMP/err"
expect_grep "target exit: END ran" 'END ran' "$TMP/out"
expect_grep "target exit: aggregation printed" '^ +2$' "$TMP/out"
expect_grep "target exit: reported" '^dtrace: pid [0-9]+ has exited$' "$TMP/err"

# The call-stack script on a longer program (imports, GC, threads): it traces inside every function
# named start (prog.py's, and threading's Thread.start), each line indented by its depth, which
# never goes below 0; the worker threads (per-thread self->inside) never show. The page's own
# script when ../shared is beside the repository, else ours.
cs=$G/call_stack.d
[ -f "$SEED/call_stack.d" ] && cs=$SEED/call_stack.d
D -q -s "$cs" -c "$PY311 $G/prog.py" >"$TMP/out" 2>"$TMP/err"
expect_grep "call_stack.d on prog.py: begins with start's entry" '^[0-9]+	 function-entry:prog.py:start:18$' <(head -1 "$TMP/out")
expect_grep "call_stack.d on prog.py: start's return" '^[0-9]+	function-return:prog.py:start:25$' "$TMP/out"
expect_eq "call_stack.d on prog.py: indentation = depth, never negative" "ok" "$(awk -F'\t' '
	{ split($2, a, ":"); rest = substr($2, length(a[1]) + 2); match(rest, /^ */); ind = RLENGTH
	  if (a[1] ~ /entry/) { if (ind != depth) bad++; depth++ }
	  else { depth--; if (ind != depth || depth < 0) bad++ } }
	END { print (bad || depth != 0) ? "bad " bad " depth " depth : "ok" }' "$TMP/out")"
expect_eq "call_stack.d on prog.py: no worker thread" "" "$(grep worker "$TMP/out")"

# Strings longer than the default strsize (256): -x strsize and #pragma D option strsize both size
# what capture copies (the pragma used to shorten strings only after capture had cut them at 256).
long=$TMP/$(printf 'a%.0s' {1..200})/$(printf 'b%.0s' {1..200})
mkdir -p "$long"
printf 'def f(s):\n    return s\nf("x")\n' >"$long/x.py"
want=$(( ${#long} + 5 ))
printf '#pragma D option strsize=1024\npython$target:::function-entry /copyinstr(arg1) == "f"/ { printf("%%d\\n", strlen(copyinstr(arg0))); }\n' >"$TMP/strsize.d"
expect_eq "#pragma D option strsize=1024: a $want-byte path whole" "$want" \
	"$(D -q -s "$TMP/strsize.d" -c "$PY311 $long/x.py" 2>&1)"
expect_eq "-x strsize=1024: a $want-byte path whole" "$want" \
	"$(D -q -x strsize=1024 -n 'python$target:::function-entry /copyinstr(arg1) == "f"/ { printf("%d\n", strlen(copyinstr(arg0))); }' -c "$PY311 $long/x.py" 2>&1)"
expect_eq "default strsize: the path cut at 255 bytes" 255 \
	"$(D -q -n 'python$target:::function-entry /copyinstr(arg1) == "f"/ { printf("%d\n", strlen(copyinstr(arg0))); }' -c "$PY311 $long/x.py" 2>&1)"

# Ctrl-C (SIGINT) ends a -p trace: END runs, then the aggregations print (one "\n", then each
# unprinted aggregation back to back; pid keys in 8 columns). pyscope is signalled once it has
# printed BEGIN's line (it is attached) and its first hit's (the aggregations have a key).
"$TARGET" spin:20 >/dev/null 2>&1 &
spid=$!
track "$spid"
wait_exec "$spid" "$TARGET"
# (stdbuf: dtrace's output to a file is block-buffered; line-buffered, the lines can be waited for)
stdbuf -oL "$PYSCOPE" dtrace -q -p "$spid" -n 'BEGIN { hit = 0; printf("attached\n"); }
	python$target:::function-entry { @calls[pid] = count(); @n = count(); }
	python$target:::function-entry /!hit/ { hit = 1; printf("hit\n"); }
	END { printf("END ran\n"); }' >"$TMP/int.out" 2>"$TMP/int.err" &
dpid=$!
track "$dpid"
wait_for "$TMP/int.out" '^hit$' || fail "SIGINT: pyscope attached and saw a hit" "$(cat "$TMP/int.err")"
kill -INT "$dpid"
wait "$dpid"
rc=$?
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
expect_eq "SIGINT: exit status 0, nothing on stderr" "0 " "$rc $(cat "$TMP/int.err")"
expect_eq "SIGINT: BEGIN, a hit, END, blank line, then the aggregations" "attached|hit|END ran||" \
	"$(head -4 "$TMP/int.out" | tr '\n' '|')"
expect_grep "SIGINT: @calls keyed by pid (8 columns)" "^ {1,8}$spid +[0-9]+$" "$TMP/int.out"
expect_eq "SIGINT: @n right after @calls, no blank line between" 6 "$(wc -l <"$TMP/int.out")"

# python1234::: without -p traces that process, as its own provider (not every Python).
"$TARGET" spin:20 >/dev/null 2>&1 &
spid=$!
track "$spid"
wait_exec "$spid" "$TARGET"
expect_eq "python\$PID::: without -p: that process, probeprov python\$PID" "python$spid $spid" \
	"$(timeout 20 "$PYSCOPE" dtrace -q -n "python$spid:::function-entry { printf(\"%s %d\n\", probeprov, pid); exit(0); }" 2>&1)"
"$PYSCOPE" dtrace -l -n "python$spid:::gc-*" >"$TMP/out" 2>"$TMP/err"
expect_eq "-l -n python\$PID::: without -p: that process's probes" "python$spid gc-start|python$spid gc-done|" \
	"$(awk 'NR > 1 { print $2, $NF }' "$TMP/out" | tr '\n' '|')"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null || true

# exit() before the -c command is done ends the command too, as dtrace(1) does with a process it
# created (it used to run on, reparented).
D -q -n 'python$target:::function-entry { printf("%d\n", pid); exit(0); }' -c "$TARGET spin:17" >"$TMP/out" 2>"$TMP/err"
cpid=$(cat "$TMP/out")
track "$cpid"
wait_until gone "$cpid"
expect_eq "exit(): the -c command is gone" "gone" "$(alive "$cpid" && echo running || echo gone)"

# quantize and lquantize on live hits with known values (sdt_target's gc-start generations
# 0 1 2 2 5), printed at the end in DTrace's layout: exact output.
D -q -n 'python$target:::gc-start { @q = quantize(arg0); @l[probename] = lquantize(arg0, 0, 3, 1); }' \
	-c "$TARGET gc:0:1 gc:1:1 gc:2:1 gc:2:1 gc:5:1" >"$TMP/out" 2>"$TMP/err"
expect_file "quantize/lquantize live: DTrace's histograms" "$G/live_hist.out" "$TMP/out"
