#!/bin/bash
# flowindent live: the FUNCTION column of python's function-entry and -return records is the
# probe's probefunc (what the clause's own probefunc says: the symbol around the marker, "-"
# when the interpreter's symbols do not name it), indented 2 per call level as dt_flowindent
# does: f calls g calls h, each line's column shows the depth.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "flowindent live" || exit 0
need_py311 "flowindent live" || exit 0

cat >"$TMP/flow.py" <<'PY'
def h():
    pass
def g():
    h()
def f():
    g()
f()
PY
"$PYSCOPE" dtrace -x flowindent -n '
python$target:::function-entry, python$target:::function-return
/copyinstr(arg1) == "f" || copyinstr(arg1) == "g" || copyinstr(arg1) == "h"/
{ printf("%s %s", probefunc, copyinstr(arg1)); }' -c "$PY311 $TMP/flow.py" >"$TMP/out" 2>"$TMP/err"
expect_eq "flowindent live: the header" "CPU FUNCTION" "$(head -1 "$TMP/out" | sed 's/ *$//')"
# each line: CPU, the indented column ("-> FUNC" / "<- FUNC"), then the clause's "probefunc name"
got=$(awk 'NR > 1 && NF { c = substr($0, 5, 42); sub(/ +$/, "", c); print c "|" $(NF - 1) "|" $NF }' "$TMP/out")
fn=$(awk 'NR == 2 { print $(NF - 1) }' "$TMP/out")
want=" -> $fn|$fn|f
   -> $fn|$fn|g
     -> $fn|$fn|h
     <- $fn|$fn|h
   <- $fn|$fn|g
 <- $fn|$fn|f"
expect_eq "flowindent live: indentation by depth, the column is probefunc" "$want" "$got"
