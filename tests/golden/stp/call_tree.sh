#!/bin/bash
# call_tree.sh FILE — the call tree of the first start() call in FILE, one "DIR DEPTH NAME" line
# per entry (=>) and return (<=), DEPTH relative to start()'s, from either layout:
#   D (call_stack.d):        TS	 function-entry:  call_stack.py:function_3:9
#   SystemTap (thread_indent): 5 python3.11(8363):   => function_1 in /tmp/call_stack.py:1
# so that the D and SystemTap runs of the same program can be compared.
sed -nE -e 's/.*function-(entry|return):( *)[^:]*:([^:]*):[0-9]+$/\1|\2|\3/p' \
	-e 's/.*\):( *) (=>|<=) ([^ ]+) in .*/\2|\1|\3/p' "$1" |
	sed -e 's/^entry|/=>|/' -e 's/^return|/<=|/' |
	awk -F'|' '
	!on && $1 == "=>" && $3 == "start" { on = 1; base = length($2) }
	on { print $1, length($2) - base, $3 }
	on && $1 == "<=" && $3 == "start" && length($2) == base { exit }'
