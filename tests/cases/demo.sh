# The README's main job (examples/demo) keeps working: the call hierarchy of orders.py's main().
# kind: live: run one at a time (tests/run)
. "$(dirname "$0")/../lib.sh"
if ! can_trace; then skip demo "needs root and BPF"; exit 0; fi
need_py311 "demo" || exit 0
"$PYSCOPE_ROOT/examples/demo" >"$TMP/out" 2>"$TMP/err"
expect_eq "demo exits 0" 0 $?
expect_grep "demo: main entered" '^-> main:31$' "$TMP/out"
expect_grep "demo: recursion indented" '^        -> discount:18$' "$TMP/out"
expect_grep "demo: exception path returns" '^      <- price \([0-9]+ us\)$' "$TMP/out"
expect_grep "demo: gc inside main" '^   \(gc collected [1-9][0-9]* objects\)$' "$TMP/out"
expect_grep "demo: aggregation printed" '^  discount +6$' "$TMP/out"
expect_eq "demo: nothing on stderr" "" "$(cat "$TMP/err")"
