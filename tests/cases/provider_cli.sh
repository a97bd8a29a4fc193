#!/bin/bash
# The provider's command line: `pyscope provider` and its errors (one line, exit 2), --provider and
# --no-provider of events and dtrace, and install / status / uninstall on a venv of a CPython
# without markers (nothing of the machine's own Pythons is changed). No kernel needed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
err() {   # NAME MESSAGE ARGS...: exit status 2 and exactly MESSAGE as the first line on stderr
	local name=$1 msg=$2
	shift 2
	"$PYSCOPE" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	expect_eq "$name: exit 2" 2 "$rc"
	expect_eq "$name: message" "$msg" "$(head -1 "$TMP/err")"
}
err "provider alone" "pyscope: provider needs one of build, install, uninstall, status" provider
err "unknown subcommand" "pyscope: provider: unknown subcommand 'frob'" provider frob
err "install without a Python" "pyscope: provider install needs exactly one PYTHON" provider install
err "uninstall with two" "pyscope: provider uninstall needs exactly one PYTHON" provider uninstall a b
err "status with an argument" "pyscope: provider status takes no arguments" provider status x
err "install: no such file" "pyscope: provider install: $TMP/nope: No such file or directory" \
	provider install "$TMP/nope"
err "install: not a Python" "pyscope: provider install: /bin/true is not a Python that runs here" \
	provider install /bin/true
err "--provider: not a Python" "pyscope: --provider: /bin/true is not a CPython that runs here" \
	events --provider -c /bin/true
if need_py311 "provider refused where markers are built in"; then
	err "install: built-in markers" \
		"pyscope: provider install: $PY311 has built-in markers; the provider would report every event twice" \
		provider install "$PY311"
	err "events --provider: built-in markers" \
		"pyscope: --provider: $PY311 has built-in markers; the provider would report every event twice" \
		events --provider -c "$PY311 -c pass"
	err "dtrace --provider: built-in markers" \
		"pyscope: --provider: $PY311 has built-in markers; the provider would report every event twice" \
		dtrace --provider -n 'python*:::gc-start {}' -c "$PY311 -c pass"
fi
old=$(ls "$HOME"/.pyenv/versions/3.7.*/bin/python3.7 2>/dev/null | head -1)
if [ -n "$old" ]; then
	err "-c on CPython 3.7" \
		"pyscope: no python markers in $old, and it is CPython 3.7: the provider supports CPython 3.8 to 3.14" \
		events -c "$old -c pass"
	err "install on CPython 3.7" \
		"pyscope: provider install: $old is CPython 3.7; the provider supports CPython 3.8 to 3.14" \
		provider install "$old"
else
	skip "the provider refuses CPython 3.7" "no pyenv 3.7 here"
fi

m=$(for m in $PROV_MINORS; do prov_python "$m" >/dev/null && echo "$m"; done | tail -1)
[ -n "$m" ] || { skip "provider install" "no CPython 3.8-3.14 without markers here"; exit 0; }
py=$(prov_python "$m")
err "--no-provider: no markers, as before" \
	"pyscope: no python markers in $py (built without --with-dtrace?)$([ -x "$PY311" ] && echo "; these have them: $PY311")" \
	events --no-provider -c "$py -c pass"
err "dtrace --no-provider" \
	"pyscope: no python markers in $py (built without --with-dtrace?)$([ -x "$PY311" ] && echo "; these have them: $PY311")" \
	dtrace --no-provider -n 'python*:::gc-start {}' -c "$py -c pass"

"$py" -m venv --without-pip "$TMP/venv" || { fail "a venv of $py"; exit 0; }
site=$("$TMP/venv/bin/python3" -c 'import sysconfig; print(sysconfig.get_path("platlib"))')
"$PYSCOPE" provider install "$TMP/venv/bin/python3" >"$TMP/out" 2>"$TMP/err"
expect_eq "install: exit 0" "0" "$?"
expect_eq "install: says what it wrote" \
	"pyscope: $TMP/venv/bin/python3 loads the provider at every start ($site/pyscope-provider.pth, $(ls "$site"/_pyscope_provider*.so))" \
	"$(cat "$TMP/out" "$TMP/err")"
expect_eq "install: the .pth imports the module" "import _pyscope_provider" "$(cat "$site/pyscope-provider.pth")"
expect_eq "the venv's Python loads it at start-up, untraced: no hooks" \
	"{'calls': False, 'line': False, 'gc': False, 'import': False}" \
	"$("$TMP/venv/bin/python3" -c 'import sys, _pyscope_provider as p; s = p.state(); print({k: s[k] for k in ("calls", "line", "gc", "import")})')"
PATH=$TMP/venv/bin:$PATH "$PYSCOPE" provider status >"$TMP/st" 2>&1
expect_grep "status: the venv's Python, installed" "^$TMP/venv/bin/python3 +3\\.$m +none +installed\$" "$TMP/st"
if [ -x "$PY311" ]; then
	expect_grep "status: built-in markers" '^/usr/bin/python3(\.11)? +3\.11 +built-in +-$' "$TMP/st"
fi
"$PYSCOPE" provider uninstall "$TMP/venv/bin/python3" >"$TMP/out" 2>&1
expect_eq "uninstall" "pyscope: removed the provider from $TMP/venv/bin/python3" "$(cat "$TMP/out")"
expect_eq "uninstall: nothing left" "" "$(ls "$site" | grep -i pyscope)"
"$PYSCOPE" provider uninstall "$TMP/venv/bin/python3" >"$TMP/out" 2>&1
expect_eq "uninstall again" "pyscope: the provider is not installed in $TMP/venv/bin/python3" "$(cat "$TMP/out")"

# doctor: a CPython without markers, with the provider built for it, is usable (ok, and how).
d=$(dirname "$py")
PATH=$d:/usr/bin:/bin "$PYSCOPE" doctor >"$TMP/doc" 2>&1
first=$(PATH=$d:/usr/bin:/bin "$PYSCOPE" doctor 2>/dev/null | grep -m1 "^[a-z]* *python: $d/" | sed 's/^[a-z]* *python: \([^:]*\):.*/\1/')
expect_eq "doctor: the provider's line for $first" \
	"ok    python: $first: no built-in markers; pyscope's provider is built for it (-c loads it; for -p: pyscope provider install $first)" \
	"$(grep "python: $d/" "$TMP/doc")"
