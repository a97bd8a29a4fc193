#!/bin/bash
# The runtime and the replay reader against hostile input, no kernel needed: malformed and
# oversized recordings, timestamps and tick rates at the ends of their ranges, lquantize bounds,
# and the aggsize/dynvarsize limits. Every rejected input must give exit 2 and one located line.
source "$(dirname "$0")/../lib.sh"
G=$PYSCOPE_ROOT/tests/golden/d
D() { timeout 20 "$PYSCOPE" dtrace "$@"; }

# One event line of probe python:function__entry for process PID named COMM at time TS.
ev() { # TS [COMM] [PID]
	printf '{"ts":%s,"pid":%s,"tid":%s,"cpu":0,"comm":"%s","probe":"python:function__entry","module":"python3.11","function":"-","args":[1,2,3],"str":["m.py","f",null],"cut":[]}\n' \
		"$1" "${3:-42}" "${3:-42}" "${2:-python3.11}"
}

# expect_err NAME 'exact stderr' ARGS... — exit status 2, nothing on stdout, that stderr.
expect_err() {
	local name=$1 want=$2; shift 2
	D "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" -ne 2 ]; then fail "$name" "exit status $rc, wanted 2" "$(head -3 "$TMP/err")"; return; fi
	if [ -s "$TMP/out" ]; then fail "$name" "printed on stdout:" "$(head -3 "$TMP/out")"; return; fi
	expect_eq "$name" "$want" "$(cat "$TMP/err")"
}

# ---- the replay reader ----

# Deep nesting in an unknown member: skipped by recursion, so bounded.
{ printf '{"x":'; printf '[%.0s' $(seq 100000); printf ']%.0s' $(seq 100000); printf ',%s\n' "$(ev 5 | cut -c2-)"; } >"$TMP/deep.events"
expect_err "replay: deep JSON nesting is refused with its limit" \
	"pyscope: $TMP/deep.events:1: JSON nested too deeply (at most 64 levels)" \
	-q -n 'BEGIN{}' --replay "$TMP/deep.events"
{ printf '{"x":'; printf '[%.0s' $(seq 63); printf ']%.0s' $(seq 63); printf ',%s\n' "$(ev 5 | cut -c2-)"; } >"$TMP/deep63.events"
D -q -n 'python*:::function-entry { printf("%d\n", arg0); }' --replay "$TMP/deep63.events" >"$TMP/out" 2>&1
expect_eq "replay: 64 levels are still read" "1" "$(cat "$TMP/out")"

hdr() { printf '{"probes":[{"id":%s,"pid":42,"provider":"python","name":"function__entry","module":"python3.11","function":"-"}],"target":42}\n' "$1"; }
for id in -1 0x 2000000000 1000001 99999999999999999999; do
	{ hdr "$id"; ev 5; } >"$TMP/id.events"
	D -q -n 'python*:::function-entry{}' --replay "$TMP/id.events" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	expect_eq "replay: header probe id $id refused (status)" 2 "$rc"
	expect_grep "replay: header probe id $id refused (located message)" \
		"^pyscope: $TMP/id.events:1: " "$TMP/err"
done
{ hdr -1; ev 5; } >"$TMP/id.events"
expect_err "replay: a negative probe id names the limit" \
	"pyscope: $TMP/id.events:1: a probe \"id\" must be from 1 to 1000000" \
	-q -n 'python*:::function-entry{}' --replay "$TMP/id.events"
{ printf '{"probes":[{"id":3,"name":"line"},{"id":3,"name":"gc__start"}]}\n'; } >"$TMP/dup.events"
expect_err "replay: a probe id listed twice" \
	"pyscope: $TMP/dup.events:1: a probe \"id\" is listed twice" -q -n 'BEGIN{}' --replay "$TMP/dup.events"
{ printf '{"probes":[{"id":1,"name":"line","nargs":40}]}\n'; } >"$TMP/nargs.events"
expect_err "replay: a probe's nargs past the argument limit" \
	"pyscope: $TMP/nargs.events:1: a probe's \"nargs\" must be from 0 to 12" -q -n 'BEGIN{}' --replay "$TMP/nargs.events"

# A first event that says "probes" is an event, not a header.
{ ev 5 probes; ev 6 probes; } >"$TMP/probes.events"
D -q -n 'python*:::function-entry { printf("%s %d\n", execname, timestamp); }' --replay "$TMP/probes.events" >"$TMP/out" 2>"$TMP/err"
expect_eq "replay: a process named 'probes' is replayed" "probes 5
probes 6" "$(cat "$TMP/out" "$TMP/err")"

# Negative and out-of-range timestamps are refused where they are (under tick-1s they ran the
# ticks through the whole 64-bit range: a hang).
{ ev 1000; ev -5; } >"$TMP/neg.events"
expect_err "replay: a negative timestamp is refused" \
	"pyscope: $TMP/neg.events:2: \"ts\" must not be negative" \
	-q -n 'tick-1s { printf("t\n"); } python*:::function-entry {}' --replay "$TMP/neg.events"
{ ev 1000; ev 18446744073709551615; } >"$TMP/big.events"
expect_err "replay: a timestamp past 64 signed bits is refused" \
	"pyscope: $TMP/big.events:2: number out of range (a 64-bit signed integer)" \
	-q -n 'tick-1s { printf("t\n"); } python*:::function-entry {}' --replay "$TMP/big.events"

# Missing, empty, directory, NUL bytes: said plainly, not as a script error about $target.
expect_err "replay: a missing file" \
	"pyscope: cannot open $TMP/nope.events: No such file or directory" \
	-q -n 'python$target:::function-entry{}' --replay "$TMP/nope.events"
: >"$TMP/empty.events"
expect_err "replay: an empty file" \
	"pyscope: $TMP/empty.events: empty recording (no probe list and no events)" \
	-q -n 'python$target:::function-entry{}' --replay "$TMP/empty.events"
printf '\n  \n' >"$TMP/blank.events"
expect_err "replay: a file of blank lines is empty too" \
	"pyscope: $TMP/blank.events: empty recording (no probe list and no events)" \
	-q -n 'BEGIN{}' --replay "$TMP/blank.events"
expect_err "replay: a directory" "pyscope: cannot read $TMP: Is a directory" \
	-q -n 'BEGIN{}' --replay "$TMP"
expect_err "replay: /dev/zero is refused at once" \
	"pyscope: /dev/zero: a NUL byte: not a recording (pyscope events --json)" \
	-q -n 'BEGIN{}' --replay /dev/zero

# A large header is read in linear time (200,000 probes took minutes when enabling each probe
# searched the whole list; now well under a second).
awk 'BEGIN { printf "{\"probes\":["; for (i = 1; i <= 200000; i++) printf "%s{\"id\":%d,\"pid\":42,\"name\":\"function__entry\",\"module\":\"m%d\"}", (i > 1 ? "," : ""), i, i; printf "],\"target\":42}\n" }' >"$TMP/many.events"
ev 7 >>"$TMP/many.events"
sed -i '$ s/"module":"python3.11"/"module":"m77"/' "$TMP/many.events"
D -q -n 'python*:::function-entry { printf("%s %d\n", probemod, timestamp); }' --replay "$TMP/many.events" >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_eq "replay: a 200,000-probe header runs (bounded time)" "0 m77 7" "$rc $(cat "$TMP/out" "$TMP/err")"

# ---- ticks: never a wrap, never an endless catch-up ----

{ ev 1; ev 10000000001; } >"$TMP/gap.events"
D -q -n 'tick-18446744073709551615ns { printf("tick\n"); } python*:::function-entry { printf("ev\n"); }' \
	--replay "$TMP/gap.events" >"$TMP/out" 2>"$TMP/err"
# (the front-end refuses periods past 365d, so a period near 2^64 never reaches the runtime)
expect_eq "tick: a period near 2^64 is refused, not wrapped into firing (nor a hang)" 2 "$?"
{ ev 1; ev 9223372036854775807; } >"$TMP/ends.events"
D -q -n 'tick-365d { @t = count(); } python*:::function-entry { printf("ev\n"); }' \
	--replay "$TMP/ends.events" >"$TMP/out" 2>"$TMP/err"
expect_eq "tick: the longest period over the whole clock fires once a year, no wrap (292 years)" \
	"0 ev ev 292" "$? $(tr -s ' \n' '  ' <"$TMP/out" | sed 's/^ //; s/ $//')"
D -q -n 'tick-5000hz { @n = count(); } tick-1s { @s = count(); } python*:::function-entry { }' \
	--replay "$TMP/gap.events" >"$TMP/out" 2>"$TMP/err"
expect_eq "tick: a 10 s gap fires tick-5000hz 1000 times (the burst limit) and tick-1s 10 times" \
	"0 1000 10" "$? $(tr -s ' \n' '  ' <"$TMP/out" | sed 's/^ //; s/ $//')"
timeout 10 "$PYSCOPE" dtrace -q -n 'tick-5000hz { @n = count(); } tick-200ms { exit(0); }' >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_eq "tick: tick-5000hz live ends when another tick calls exit() (status)" 0 "$rc"
expect_grep "tick: tick-5000hz live fired" '^ +[1-9][0-9]*$' "$TMP/out"

# ---- signed overflow (each was undefined behaviour with a visible effect) ----

D -q -n 'BEGIN { @s = stddev(9223372036854775807); @s = stddev(9223372036854775807);
	@a = avg(9223372036854775807); @a = avg(9223372036854775807); @m = avg(-9223372036854775807 - 1);
	@m = avg(-9223372036854775807 - 1); @t = sum(9223372036854775807); @t = sum(2); exit(0); }' \
	>"$TMP/out" 2>"$TMP/err"
expect_eq "agg: stddev of two INT64_MAX is 0, avg exact, sum wraps as DTrace's" \
	"0 9223372036854775807 -9223372036854775808 -9223372036854775807" \
	"$(tr -s ' \n' '  ' <"$TMP/out" | sed 's/^ //; s/ $//')$(cat "$TMP/err")"
D -q -n 'BEGIN { printf("[%*d]\n", -2147483648, 1); printf("[%*d]\n", 4294967298, 7); printf("[%.*d]\n", -9223372036854775807 - 1, 5); exit(0); }' >"$TMP/out" 2>"$TMP/err"
expect_eq "printf: a '*' width of INT_MIN is cut to 100000 columns, left-justified" \
	"[1 100003" "$(head -1 "$TMP/out" | cut -c1-2) $(head -1 "$TMP/out" | wc -c)"
expect_eq "printf: a '*' width past 32 bits is cut, not truncated to its low bits" \
	"100003 [5]" "$(sed -n 2p "$TMP/out" | wc -c) $(sed -n 3p "$TMP/out")"
D -q -n 'BEGIN { printf("[%s][%s][%s][%s]\n", substr("abcdef", -10, -9223372036854775807 - 1),
	substr("abcdef", -9223372036854775807 - 1, 9223372036854775807),
	substr("abcdef", 9223372036854775807, 9223372036854775807), substr("abcdef", -8, 4)); exit(0); }' \
	>"$TMP/out" 2>"$TMP/err"
# DTrace's DIF code adds index and length in wrapping 64-bit arithmetic: -4 + INT64_MIN wraps to
# a positive sum, so the first is the whole string, as dtrace prints it
expect_eq "substr: extreme index and length" "[abcdef][abcde][][ab]" "$(cat "$TMP/out" "$TMP/err")"

# ---- lquantize: DTrace's rules at compile time (32-bit bounds, 16-bit step and levels) ----

lq() { # NAME 'low, high, step' 'message' CARET-COLUMN
	D -q -n "BEGIN { @ = lquantize(5, $2); exit(0); }" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	expect_eq "lquantize: $1" "2 -n:1:$4: error: $3" "$rc $(head -1 "$TMP/err")$(cat "$TMP/out")"
}
lq "64-bit limit" "0, 9223372036854775807, 1" "lquantize( ) argument #2 must be a 32-bit quantity" 29
lq "64-bit base" "-9223372036854775807, 9223372036854775807, 1" "lquantize( ) argument #1 must be a 32-bit quantity" 26
lq "more than 65535 levels" "0, 1000000, 1" \
	"lquantize( ) step (argument #3) too small: number of quantization levels must be a 16-bit quantity" 38
lq "step past 16 bits" "0, 10, 100000" "lquantize( ) argument #3 must be a 16-bit quantity" 33
lq "step leaving no level" "0, 10, 20" \
	"lquantize( ) step (argument #3) too large: must have at least one quantization level" 33
D -q -n 'BEGIN { @ = lquantize(65534, 0, 65535, 1); @ = lquantize(65535, 0, 65535, 1); exit(0); }' >"$TMP/out" 2>&1
expect_eq "lquantize: 65535 levels, the last value in its own bucket" "65534 1 >= 65535 1" \
	"$(grep -E '[0-9] \|@' "$TMP/out" | sed -E 's/ *\|@+ */ /; s/^ +//; s/ +$//' | tr '\n' ' ' | sed 's/ $//')"

# ---- memory: aggsize and dynvarsize bound what a run keeps; drops are reported in DTrace's words ----

# 20,000 events, each with its own key (arg0, a string, a thread).
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "{\"ts\":%d,\"pid\":42,\"tid\":%d,\"cpu\":0,\"comm\":\"py\",\"probe\":\"python:function__entry\",\"module\":\"python3.11\",\"function\":\"-\",\"args\":[%d,2,3],\"str\":[\"m.py\",\"f%d\",null],\"cut\":[]}\n", i, i, i, i }' >"$TMP/keys.events"
# keys_and_drops ARGS... — "KEYS AGGDROPS DYNDROPS" of a run printing @ (one key per line)
keys_and_drops() {
	D -q "$@" --replay "$TMP/keys.events" >"$TMP/out" 2>"$TMP/err"
	echo "$(grep -c '[0-9]' "$TMP/out") $(sed -n 's/^dtrace: \([0-9]*\) aggregation drops*$/\1/p' "$TMP/err" | grep . || echo 0) $(sed -n 's/^dtrace: \([0-9]*\) dynamic variable drops*$/\1/p' "$TMP/err" | grep . || echo 0)"
}
read -r k a d <<<"$(keys_and_drops -n 'python*:::function-entry { @[arg0] = count(); }')"
expect_eq "aggsize: every key kept under the default (4m)" "20000 0 0" "$k $a $d"
read -r k a d <<<"$(keys_and_drops -x aggsize=64k -n 'python*:::function-entry { @[arg0] = count(); }')"
expect_eq "aggsize=64k: keys kept + drops = keys seen" 20000 $((k + a))
if [ "$k" -gt 100 ] && [ "$k" -lt 1000 ]; then pass "aggsize=64k: a few hundred keys kept ($k)"; else fail "aggsize=64k: a few hundred keys kept" "kept $k"; fi
read -r k2 a2 d2 <<<"$(keys_and_drops -n '#pragma D option aggsize=128k
python*:::function-entry { @[arg0] = count(); }')"
expect_eq "#pragma D option aggsize=128k keeps twice as many" "$((2 * k))" "$k2"
expect_grep "aggsize: drops in DTrace's words" "^dtrace: $a2 aggregation drops$" "$TMP/err"
read -r k a d <<<"$(keys_and_drops -x aggsize=64k -n 'python*:::function-entry { @[arg0] = count(); } python*:::function-entry /arg0 == 20000/ { trunc(@); } python*:::function-entry /arg0 == 20000/ { @[arg0] = count(); }' )"
expect_eq "aggsize: trunc() gives the room back" "1" "$k"

# dynvarsize: associative arrays and thread-locals; global scalars are not charged.
# 40,000 stores (a[] and self->t), all dropped but the few hundred that fit
D -q -x dynvarsize=64k -n 'python*:::function-entry { a[arg0] = arg0; self->t = 1; n++; }
	END { printf("%d %d %d\n", n, a[1], a[20000]); }' --replay "$TMP/keys.events" >"$TMP/out" 2>"$TMP/err"
expect_eq "dynvarsize=64k: the first elements are kept, later ones dropped, globals unaffected" \
	"20000 1 0" "$(cat "$TMP/out")"
drops=$(sed -n 's/^dtrace: \([0-9]*\) dynamic variable drops$/\1/p' "$TMP/err")
if [ -n "$drops" ] && [ "$drops" -gt 39000 ] && [ "$drops" -lt 40000 ]; then
	pass "dynvarsize: drops reported in DTrace's words ($drops)"
else fail "dynvarsize: drops reported in DTrace's words" "$(cat "$TMP/err")"; fi
D -q -x dynvarsize=64k -n 'python*:::function-entry { a[arg0] = 1; a[arg0] = 0; } END { printf("ok\n"); }' \
	--replay "$TMP/keys.events" >"$TMP/out" 2>"$TMP/err"
expect_eq "dynvarsize: deleted elements give their room back" "ok" "$(cat "$TMP/out" "$TMP/err")"

expect_err "-x aggsize: a malformed size" \
	"pyscope: -x aggsize wants a size from 1 to 1t (a number with an optional k, m, g or t suffix), not '4q'" \
	-x aggsize=4q -n 'BEGIN { exit(0); }'
expect_err "-x dynvarsize: past 1t" \
	"pyscope: -x dynvarsize wants a size from 1 to 1t (a number with an optional k, m, g or t suffix), not '2t'" \
	-x dynvarsize=2t -n 'BEGIN { exit(0); }'
D -q -x aggsize=1K -x dynvarsize=1073741824 -n 'BEGIN { printf("ok\n"); exit(0); }' >"$TMP/out" 2>&1
expect_eq "-x aggsize/dynvarsize: suffixes in either case, plain bytes" "ok" "$(cat "$TMP/out")"

# A stream's strings are any bytes: messages quoting them escape what is not printable.
printf '{"probes":[{"id":1,"name":"line"}]}\n{"ts":1,"probe":"python:li\\u0007ne\xff"}\n' >"$TMP/ctl.events"
expect_err "replay: control bytes in a message are escaped" \
	"pyscope: $TMP/ctl.events:2: probe python:li\\x07ne\\xff (, -) is not in the stream's probe list" \
	-q -n 'BEGIN{}' --replay "$TMP/ctl.events"
