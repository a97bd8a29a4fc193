#!/bin/bash
# record.sh — re-record the streams the D golden tests replay (needs root and BPF; not part of
# `make check`, whose tests must not depend on timing). Each stream is trimmed to the events of
# the program itself so that the files stay small:
#   prog.events        prog.py: its functions and lines, GC, the colorsys import, its audit event
#   call_stack.events  the page's call_stack.py: function entries and returns in call_stack.py
#                      (re-recorded only when ../shared/seed-scripts is beside the repository)
# Both start with a {"probes":[...]} line (replay.h) listing every marker of the target, so that
# scripts naming markers that did not fire still compile. After re-recording, regenerate the
# .out files and review the diff.
set -euo pipefail
cd "$(dirname "$0")"
PYSCOPE=${PYSCOPE:-../../../build/pyscope}
SEED=${SEED:-../../../../shared/seed-scripts}

trim() {   # trim KEEP_PY_EXPR < raw > trimmed
	/usr/bin/python3 -c '
import json, sys
keep = eval("lambda e, s0, name: " + sys.argv[1])
rows = [json.loads(l) for l in sys.stdin if l.strip()]
probes, seen, out = [], {}, []
names = ["function__entry", "function__return", "line", "gc__start", "gc__done",
         "import__find__load__start", "import__find__load__done", "audit"]
pid = next(r["pid"] for r in rows if "ts" in r)
for n in names:
    probes.append({"id": len(probes) + 1, "pid": pid, "provider": "python", "name": n,
                   "module": "python3.11", "function": "-"})
print(json.dumps({"probes": probes, "target": pid}, separators=(",", ":")))
for r in rows:
    if "ts" not in r:
        continue
    s0 = (r.get("str") or [None])[0] or ""
    if keep(r, s0, r["probe"].split(":")[1]):
        print(json.dumps(r, separators=(",", ":"), ensure_ascii=False))
' "$1"
}

"$PYSCOPE" events --json -c '/usr/bin/python3.11 prog.py' |
	trim '"prog.py" in s0 or name.startswith("gc__") or (name.startswith("import") and s0 == "colorsys") or (name == "audit" and s0.startswith("pyscope"))' >prog.events
if [ ! -f "$SEED/call_stack.py" ]; then
	echo "record.sh: $SEED absent; call_stack.events kept as it is" >&2
	exit 0
fi
cp "$SEED/call_stack.py" /tmp/call_stack.py
(cd /tmp && "$OLDPWD/$PYSCOPE" events --json --markers function__entry,function__return \
	-c '/usr/bin/python3.11 call_stack.py') |
	trim '"call_stack.py" in s0' >call_stack.events
