#!/bin/bash
# D's inet_ntoa(addr), inet_ntoa6(addr) and inet_ntop(af, addr) on an address the kernel reads at
# the hit (4 bytes for IPv4, 16 for IPv6), as copyin does:
#   - replayed (no kernel): the recorded bytes print as "127.0.0.7", "::1", an IPv4-mapped
#     "::ffff:10.1.2.3" and "2001:db8::5"; inet_ntop takes AF_INET 2 and AF_INET6 as Linux's 10 or
#     illumos' 26; another family is dtrace's "illegal operation"; bytes not read are "invalid
#     address"; an address the kernel cannot compute is a compile error
#   - live: a Python program's UDP connect()s to 127.0.0.7, ::1 and 2001:db8::5, seen at
#     syscall::connect:entry in their sockaddr (sin_addr at +4, sin6_addr at +8)
# kind: live: the second part traces a command
source "$(dirname "$0")/../lib.sh"
D() { "$PYSCOPE" dtrace "$@"; }

ev() {   # ev ARG0 MEM...: one function-entry hit whose arg0 is ARG0, with the reads MEM ({...})
	local IFS=,
	printf '{"ts":%d,"pid":10,"tid":10,"cpu":0,"comm":"python3.11","probe":"python:function__entry","module":"python3.11","function":"-","args":[%d,0,0],"str":[null,null,null],"cut":[],"mem":[%s]}\n' \
		"$1" "$1" "${*:2}"
}
{
	ev 4096 '{"addr":4096,"str":0,"hex":"7f000007"}' \
		'{"addr":4100,"str":0,"hex":"00000000000000000000000000000001"}'
	ev 8192 '{"addr":8192,"str":0,"hex":"0a010203"}' \
		'{"addr":8196,"str":0,"hex":"00000000000000000000ffff0a010203"}'
	ev 12288 '{"addr":12288,"str":0,"hex":"20010db8"}' \
		'{"addr":12292,"str":0,"hex":"20010db8000000000000000000000005"}'
} >"$TMP/rec"
D -q --replay "$TMP/rec" -n 'python*:::function-entry {
	printf("%s %s %s %s %s\n", inet_ntoa(arg0), inet_ntop(2, arg0), inet_ntoa6(arg0 + 4),
	       inet_ntop(10, arg0 + 4), inet_ntop(26, arg0 + 4)); }' >"$TMP/out" 2>&1
printf '%s\n' "127.0.0.7 127.0.0.7 ::1 ::1 ::1" "10.1.2.3 10.1.2.3 ::ffff:10.1.2.3 ::ffff:10.1.2.3 ::ffff:10.1.2.3" \
	"32.1.13.184 32.1.13.184 2001:db8::5 2001:db8::5 2001:db8::5" >"$TMP/want"
expect_file "replayed: inet_ntoa, inet_ntoa6 and inet_ntop (AF_INET, Linux's and illumos' AF_INET6)" \
	"$TMP/want" "$TMP/out"

D -q --replay "$TMP/rec" -n 'python*:::function-entry { printf("%s\n", inet_ntop(3, arg0)); }' \
	>"$TMP/out" 2>&1
expect_grep "inet_ntop of another family is dtrace's illegal operation" \
	'^dtrace: error on enabled probe ID [0-9]+ \(ID [0-9]+: python[0-9]*:python3.11:-:function-entry\): illegal operation' "$TMP/out"
D -q --replay "$TMP/rec" -n 'python*:::function-entry { printf("%s\n", inet_ntoa(arg0 + 64)); }' \
	>"$TMP/out" 2>&1
expect_grep "bytes not read at the hit are an invalid address" 'invalid address \(0x1040\)' "$TMP/out"
expect_status "an address the kernel cannot compute at the hit is a compile error" 2 \
	"$PYSCOPE" dtrace -e -n 'python*:::function-entry { this->a = arg0; trace(inet_ntoa(this->a)); }'
expect_grep "... said at the call" '^-n:1:[0-9]+: error: inet_ntoa\(\) reads user memory at an address the kernel cannot compute' "$TMP/err"

need_trace "inet_ntoa live" || exit 0
need_py311 "inet_ntoa live" || exit 0
cat >"$TMP/net.py" <<'PY'
import socket
for fam, host in ((socket.AF_INET, "127.0.0.7"), (socket.AF_INET6, "::1"), (socket.AF_INET6, "2001:db8::5")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.connect((host, 9))
    except OSError:
        pass    # no route: the call was made all the same
    s.close()
print("workload: 3 connects")
PY
D -q -c "$PY311 $TMP/net.py" -n '
syscall::connect:entry /pid == $target && copyin(arg1, 1) == "\002"/ { printf("v4 %s\n", inet_ntoa(arg1 + 4)); }
syscall::connect:entry /pid == $target && copyin(arg1, 1) == "\n"/ { printf("v6 %s\n", inet_ntop(10, arg1 + 8)); }' \
	>"$TMP/live" 2>"$TMP/live.err"
expect_eq "live: connect()'s addresses at syscall::connect:entry" "v4 127.0.0.7|v6 ::1|v6 2001:db8::5" \
	"$(grep '^v[46] ' "$TMP/live" | tr '\n' '|' | sed 's/|$//')"
