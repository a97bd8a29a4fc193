#!/bin/bash
# The provider's other markers, on every CPython without markers found: cfunction__entry gives a
# built-in function's name and module with the calling file and line; line gives each line run,
# and function__entry the function's module, as 4th argument; a sub-interpreter cannot load the module (3.12+: CPython
# refuses a single-phase module there; before, a sub-interpreter only gets an inert copy). Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "provider markers" || exit 0
cat >"$TMP/cf.py" <<'P'
import math
def f():
    n = len([1, 2])
    return n + math.floor(2.5)
f()
P
printf 'import json\ndef g():\n    json.dumps(1)\ng()\n' >"$TMP/mod.py"
for m in $PROV_MINORS; do
	py=$(prov_python "$m") || { skip "provider markers on CPython 3.$m" "no CPython 3.$m without markers here"; continue; }
	"$PYSCOPE" dtrace -q -n 'python$target:::cfunction-entry /basename(copyinstr(arg0)) == "cf.py"/ { printf("%s %s %d\n", copyinstr(arg1), copyinstr(arg3), arg2); }' \
		-c "$py $TMP/cf.py" >"$TMP/cf.$m" 2>/dev/null
	expect_eq "3.$m: cfunction__entry: name, module, calling line" "len builtins 3|floor math 4" \
		"$(paste -sd'|' "$TMP/cf.$m")"
	"$PYSCOPE" dtrace -q -n 'python$target:::line /basename(copyinstr(arg0)) == "cf.py" && copyinstr(arg1) == "f"/ { printf("%d %s\n", arg2, copyinstr(arg3)); }' \
		-c "$py $TMP/cf.py" >"$TMP/line.$m" 2>/dev/null
	expect_eq "3.$m: line: each line of f, module __main__" "3 __main__|4 __main__" "$(paste -sd'|' "$TMP/line.$m")"
	"$PYSCOPE" dtrace -q -n 'python$target:::function-entry /basename(copyinstr(arg0)) == "mod.py" || copyinstr(arg1) == "dumps"/ { printf("%s %s\n", copyinstr(arg1), copyinstr(arg3)); }' \
		-c "$py $TMP/mod.py" >"$TMP/mod.$m" 2>/dev/null
	expect_eq "3.$m: function__entry: the module of the function called (4th argument)" \
		"<module> __main__|g __main__|dumps json" "$(paste -sd'|' "$TMP/mod.$m")"
	if [ "$m" -ge 12 ]; then
		so=$(prov_so "$m")
		out=$(PYTHONPATH=$PYSCOPE_ROOT/$PYSCOPE_BUILD/provider/boot PYSCOPE_PROVIDER_SO=$so "$py" -c '
try:
    import _xxsubinterpreters as si
except ImportError:
    import _interpreters as si
import _pyscope_provider
code = "import importlib.util\ntry:\n    s = importlib.util.spec_from_file_location(\"_pyscope_provider\", %r)\n    importlib.util.module_from_spec(s)\n    print(\"loaded\")\nexcept ImportError as e:\n    print(e)\n" % _pyscope_provider.__file__
si.run_string(si.create(), code)' 2>&1)
		expect_eq "3.$m: a sub-interpreter cannot load it" \
			"module _pyscope_provider does not support loading in subinterpreters" "$out"
	fi
done

# A wrapper script named python* (as pyenv's shims are) in front of a CPython without markers:
# the interpreter it runs is asked, and gets the provider.
m=$(for m in $PROV_MINORS; do prov_python "$m" >/dev/null && echo "$m"; done | tail -1)
if [ -n "$m" ]; then
	mkdir -p "$TMP/shim"
	printf '#!/bin/sh\nexec %s "$@"\n' "$(prov_python "$m")" >"$TMP/shim/python3"
	chmod +x "$TMP/shim/python3"
	"$PYSCOPE" events --markers function__entry -c "$TMP/shim/python3 $TMP/mod.py" >"$TMP/shim.out" 2>"$TMP/shim.err"
	expect_eq "a python3 shim script: says it loads the provider" \
		"pyscope: $TMP/shim/python3 has no python markers; loading pyscope's provider into it ($(prov_so "$m"))" \
		"$(head -1 "$TMP/shim.err")"
	expect_grep "a python3 shim script: the program's calls are seen" " function__entry $TMP/mod.py g 2 " "$TMP/shim.out"
fi

# -c's bootstrap chains to the program's own sitecustomize and leaves no trace: PYTHONPATH as it
# was, this directory off sys.path, no PYSCOPE_* variable for the program's children.
if [ -n "$m" ]; then
	mkdir -p "$TMP/user"
	printf 'import sys\nsys.pyscope_user_site = True\n' >"$TMP/user/sitecustomize.py"
	cat >"$TMP/env.py" <<'P'
import os, sys
print("user sitecustomize ran:", getattr(sys, "pyscope_user_site", False))
print("PYTHONPATH:", os.environ.get("PYTHONPATH"))
print("boot dir on sys.path:", any(p.endswith("/provider/boot") for p in sys.path))
print("bootstrap variables:", sorted(k for k in os.environ if k in ("PYSCOPE_PROVIDER_SO", "PYSCOPE_PYTHONPATH")))
print("provider loaded:", "_pyscope_provider" in sys.modules)
P
	PYTHONPATH=$TMP/user "$PYSCOPE" events --markers audit -c "$(prov_python "$m") $TMP/env.py" 2>/dev/null |
		grep -v ' audit ' >"$TMP/env.out"
	expect_eq "the bootstrap chains to the program's sitecustomize and leaves no trace" \
		"user sitecustomize ran: True|PYTHONPATH: $TMP/user|boot dir on sys.path: False|bootstrap variables: []|provider loaded: True" \
		"$(paste -sd'|' "$TMP/env.out")"
fi
