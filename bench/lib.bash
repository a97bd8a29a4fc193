# bench/lib.bash — what bench/*.sh sections share (sourced; not a .sh, so bench/run does not run it).
# A section is run by bench/run after its main table, with PYSCOPE, PY, REPS, BENCH_QUICK, BENCH_CPU
# (the workload's CPU), BENCH_TMP (a scratch directory), BENCH_SECTION_JSON (where to write one JSON
# object, kept under "sections" in build/bench.json; a "readme" string in it is added to README's
# table) and BENCH_REF_NS_PER_EVENT (`pyscope events`' cost per event on the call-heavy workload).
# It prints its own table; it can be run by hand too (bash bench/NAME.sh, as root).
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
PYSCOPE=${PYSCOPE:-build/pyscope}
PY=${PY:-/usr/bin/python3.11}
REPS=${REPS:-5}
[ -n "${BENCH_QUICK:-}" ] && [ "$BENCH_QUICK" != 0 ] || BENCH_QUICK=
TMP=$(mktemp -d "${BENCH_TMP:-/tmp}/section.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
BENCH_ON=""
[ -n "${BENCH_CPU:-}" ] && BENCH_ON="taskset -c $BENCH_CPU"
ON_READER_CPU=""
[ -n "${BENCH_CPU:-}" ] && ON_READER_CPU="taskset -c 0"
min() { sort -n | head -1; }
# first field of each line of the files given (workload.py's elapsed ns)
spread() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.0f..%.0f ms", v[1] / 1e6, v[NR] / 1e6 }'; }
# section_json JSON: write the section's JSON fragment, when bench/run asked for one
section_json() { [ -n "${BENCH_SECTION_JSON:-}" ] && printf '%s\n' "$1" >"$BENCH_SECTION_JSON"; return 0; }
