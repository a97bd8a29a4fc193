#!/bin/bash
# `pyscope events` on bad input: one clear line on stderr, exit status 2, nothing traced.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"

# err NAME WANT_STDERR ARGS... — pyscope events ARGS exits 2 with exactly WANT_STDERR as the first
# line of stderr.
err() {
	local name=$1 want=$2; shift 2
	"$PYSCOPE" events "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	local rc=$?
	if [ "$rc" -eq 2 ] && [ "$(head -1 "$TMP/err")" == "$want" ]; then pass "$name"; else
		fail "$name" "exit status $rc (wanted 2)" "expected: $want" "actual:   $(head -1 "$TMP/err")"; fi
}

err "no target" "pyscope: events needs exactly one of -c CMD, -p PID or --all"
err "two targets" "pyscope: events needs exactly one of -c CMD, -p PID or --all" -c "$TARGET" --all
err "unknown option" "pyscope: events: unknown argument '--bogus'" --bogus
err "bad --strsize" "pyscope: --strsize wants a number from 2 to 4096, not '1'" --strsize 1 --all
err "option without its value" "pyscope: events: --markers needs a value" --all --markers
err "bad -p" "pyscope: -p wants a number from 1 to 2147483647, not 'abc'" -p abc
err "command not found" "pyscope: cannot run 'pyscope-no-such-command': command not found" \
	-c pyscope-no-such-command
# A command without markers names the Pythons that have them (Debian's python3.11 here).
HINT="; these have them: /usr/bin/python3.11"
err "command without markers" "pyscope: no python markers in /bin/true (built without --with-dtrace?)$HINT" \
	-c "/bin/true"
printf '#!/bin/sh\nexec /usr/bin/python3.11 "$@"\n' >"$TMP/python3.11"
chmod +x "$TMP/python3.11"
PATH=$TMP:$PATH err "a shell-script shim on PATH (like pyenv's)" \
	"pyscope: no python markers in $TMP/python3.11 (built without --with-dtrace?)$HINT" -c "python3.11 -c pass"
err "--all BINARY without markers" "pyscope: no python markers in /bin/true (built without --with-dtrace?)$HINT" \
	--all /bin/true

# A pid that does not exist: one that just exited.
/bin/true & gone=$!
wait $gone
err "-p: no such process" "pyscope: no process with pid $gone" -p "$gone"
sleep 30 &
other=$!
track "$other"
err "-p: a process without markers" "pyscope: no python markers in process $other (/usr/bin/sleep)" -p "$other"
kill $other; wait $other 2>/dev/null

if ! can_trace; then skip "marker and permission errors" "need root and BPF"; exit 0; fi
MARKERS="function__entry, function__return, line, gc__start, gc__done, import__find__load__start, import__find__load__done, audit"
err "unknown marker lists the markers" "pyscope: no marker matches 'funktion'; markers: $MARKERS" \
	-c "$TARGET call:1" --markers funktion
err "one unknown marker among good ones" "pyscope: no marker matches 'gc__begin'; markers: $MARKERS" \
	-c "$TARGET call:1" --markers function-entry,gc__begin
# Both spellings and globs select markers.
"$PYSCOPE" events -c "$TARGET call:1 gc:1:0" --markers 'function-entry,python:gc_*' >"$TMP/sel" 2>/dev/null
expect_eq "--markers: DTrace spelling, provider and glob" "function__entry gc__start gc__done" \
	"$(awk '{ print $5 }' "$TMP/sel" | xargs)"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PYSCOPE" events -c "$TARGET call:1" \
		>"$TMP/out" 2>"$TMP/err"
	expect_eq "not root: exit 2 and that one line" "2 1" "$? $(wc -l <"$TMP/err")"
	expect_eq "not root: says what is needed" \
		"pyscope: not allowed to load BPF programs: run pyscope as root (it needs CAP_BPF and CAP_PERFMON)" \
		"$(cat "$TMP/err")"
fi
