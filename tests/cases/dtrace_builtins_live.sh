#!/bin/bash
# pyscope dtrace live: the process built-ins against what the traced python says of itself
# (pid, ppid, uid, gid, curpsinfo->pr_psargs and pr_fname, read from /proc by psinfo.c), and
# 'self int last' keeping timestamp whole as dtrace(1) does: the deltas a published-style flow
# script prints are small and positive, not the garbage of a value cut to 32 bits.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "dtrace builtins live" || exit 0
need_py311 "dtrace builtins live" || exit 0

cat >"$TMP/who.py" <<'PY'
import os, sys, time
def probe():
    pass
def work():
    time.sleep(0.002)
args = open("/proc/self/cmdline", "rb").read().rstrip(b"\0").replace(b"\0", b" ").decode()
print("py %d %d %d %d %s|" % (os.getpid(), os.getppid(), os.getuid(), os.getgid(), args[:79]),
      flush=True)
probe()
for i in range(5):
    work()
PY
cat >"$TMP/who.d" <<'D'
self int last;

python$target:::function-entry
/copyinstr(arg1) == "probe"/
{
	printf("d %d %d %d %d %s|%s\n", pid, ppid, uid, gid, curpsinfo->pr_psargs,
	    curpsinfo->pr_fname);
	printf("ps %d %d %d %d\n", curpsinfo->pr_pid, curpsinfo->pr_ppid, curpsinfo->pr_uid,
	    curpsinfo->pr_gid);
}

python$target:::function-entry
/copyinstr(arg1) == "work" && self->last == 0/
{
	self->last = timestamp;
}

python$target:::function-return
/copyinstr(arg1) == "work" && self->last/
{
	printf("delta %d\n", (timestamp - self->last) / 1000);
	self->last = 0;
}
D
"$PYSCOPE" dtrace -q -s "$TMP/who.d" -c "$PY311 $TMP/who.py extra-arg" >"$TMP/out" 2>"$TMP/err"
py=$(grep '^py ' "$TMP/out")
d=$(grep '^d ' "$TMP/out")
expect_eq "builtins live: pid ppid uid gid and pr_psargs as the process reports them" \
	"${py#py }" "$(sed -E 's/^d //; s/\|[^|]*$/|/' <<<"$d")"
expect_grep "builtins live: pr_fname is the command's name" '\|python3(\.11)?$' <(echo "$d")
read -r _ pid ppid uid gid _ <<<"$py"
expect_eq "builtins live: curpsinfo's pr_pid pr_ppid pr_uid pr_gid" "ps $pid $ppid $uid $gid" \
	"$(grep '^ps ' "$TMP/out")"
expect_eq "int storage live: five deltas of work()" 5 "$(grep -c '^delta ' "$TMP/out")"
bad=$(awk '/^delta / && ($2 < 1000 || $2 > 1000000)' "$TMP/out")
# (a value cut to 32 bits would be off by k * 2^32 ns)
expect_eq "int storage live: each delta from 1 ms (its sleep) to 1 s, in microseconds" "" "$bad"
