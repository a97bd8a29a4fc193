#!/bin/bash
# The call tree is the same whichever way it is printed: the D golden call_stack.out and the three
# SystemTap call-hierarchy goldens (the script on the markers, through the built-in tapset, through
# an -I tapset) replay the same recording; their start() subtrees must be identical, line for line.
source "$(dirname "$0")/../lib.sh"
T=$PYSCOPE_ROOT/tests/golden/stp/call_tree.sh
"$T" "$PYSCOPE_ROOT/tests/golden/d/call_stack.out" >"$TMP/d"
expect_eq "call tree: D's has start() and 18 lines" "18 => 0 start" "$(wc -l <"$TMP/d") $(head -1 "$TMP/d")"
for g in call_hierarchy tapset_call_hierarchy tapset_I_call_hierarchy; do
	"$T" "$PYSCOPE_ROOT/tests/golden/stp/$g.out" >"$TMP/s"
	expect_file "call tree: $g.stp's is call_stack.d's" "$TMP/d" "$TMP/s"
done
