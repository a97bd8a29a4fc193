#!/bin/bash
# A call-stack D script (in the manner of the page's call_stack.d) gives the same call tree through
# the provider, on every CPython without markers found, as through the built-in markers of
# /usr/bin/python3.11: calls, keyword and unpacked calls, a generator, an exception. The line
# tables of CPython 3.8 and 3.9 (before 3.10's) put a generator's last return on the loop's line,
# so for them the return lines are left out of the comparison. (bpftrace: provider_bpftrace.sh.)
# Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "provider call tree" || exit 0
cat >"$TMP/tree.d" <<'EOF_D'
self int depth;

python$target:::function-entry
/copyinstr(arg1) == "begin"/
{
	self->on = 1;
}

python$target:::function-entry
/self->on/
{
	printf("%*s-> %s:%s:%d\n", self->depth * 2, "", basename(copyinstr(arg0)), copyinstr(arg1), arg2);
	self->depth++;
}

python$target:::function-return
/self->on/
{
	self->depth--;
	printf("%*s<- %s:%s:%d\n", self->depth * 2, "", basename(copyinstr(arg0)), copyinstr(arg1), arg2);
}

python$target:::function-return
/copyinstr(arg1) == "begin"/
{
	self->on = 0;
}
EOF_D
cat >"$TMP/tree.py" <<'EOF_P'
def leaf(a, b):
    return a + b


def middle():
    return leaf(1, 2)


def keywords(**kw):
    return len(kw)


def unpack(x, y, **rest):
    if x > y:
        return 0
    return 1


def gen(n):
    for i in range(n):
        yield i


def fails():
    raise ValueError("no")


def begin():
    middle()
    leaf(3, 4)
    keywords(a=1)
    unpack(*(1, 2), **{"z": 3})
    for _ in gen(2):
        pass
    try:
        fails()
    except ValueError:
        pass


begin()
EOF_P
cd "$TMP" || exit 1
if need_py311 "provider call tree: the reference through built-in markers"; then
	"$PYSCOPE" dtrace -q -s tree.d -c "$PY311 tree.py" >ref 2>ref.err
	expect_eq "the reference tree: 20 lines" 20 "$(wc -l <ref)"
	for m in $PROV_MINORS; do
		py=$(prov_python "$m") || { skip "provider call tree on CPython 3.$m" "no CPython 3.$m without markers here"; continue; }
		"$PYSCOPE" dtrace -q -s tree.d -c "$py tree.py" >"out.$m" 2>"err.$m"
		if [ "$m" -lt 10 ]; then
			expect_eq "3.$m: the same call tree as built-in markers (return lines aside)" \
				"$(sed '/<-/s/:[0-9]*$//' ref)" "$(sed '/<-/s/:[0-9]*$//' "out.$m")"
		else
			expect_file "3.$m: the same call tree as built-in markers" ref "out.$m"
		fi
	done
fi
