# Bash completion: sourced into bash, _pyscope is called with COMP_WORDS/COMP_CWORD as bash would.
# Commands match `pyscope --help`, each command's options match its --help, and --markers offers
# the eight python markers in both spellings, also after a comma.
. "$(dirname "$0")/../lib.sh"
comp=$PYSCOPE_ROOT/completion/pyscope.bash
complete_words() {  # complete_words WORD... : the completions of the last word, sorted, one line
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pyscope
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@" | LC_ALL=C sort | paste -sd' '
}
sorted() { tr ' ' '\n' | grep . | LC_ALL=C sort -u | paste -sd' '; }

cmds=$("$PYSCOPE" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}')
expect_eq "commands: those of pyscope --help, and help, --help, --version" \
	"$(printf '%s\n' $cmds help --help --version | sorted)" "$(complete_words pyscope '')"
expect_eq "a command by its start" "doctor dtrace dump" "$(complete_words pyscope d)"
for c in $cmds; do
	# The options --help lists at the start of its lines ("  -p, --pid PID", "  --all [BINARY]").
	want=$( { "$PYSCOPE" "$c" --help | grep -oE '^ +-[a-zA-Z](, --[a-z-]+)?|^ +--[a-z-]+' |
		tr -d ' ' | tr ',' '\n'; echo -h --help; } | sorted)
	expect_eq "$c: options are --help's (and -h, --help)" "$want" "$(complete_words pyscope "$c" -)"
done
markers=$("$PYSCOPE" events --help | awk '/^  (function|line|gc|import|audit)/{print $1}')
expect_eq "events --help names eight markers" 8 "$(echo "$markers" | wc -l)"
both=$(for m in $markers; do echo "$m" "${m//__/-}"; done | sorted)
expect_eq "--markers: both spellings of the eight" "$both" "$(complete_words pyscope events --markers '')"
expect_eq "--markers: by prefix" "gc-done gc-start" "$(complete_words pyscope events --markers gc-)"
expect_eq "--markers: the item after a comma, keeping the list" \
	"line,import-find-load-done line,import-find-load-start" \
	"$(complete_words pyscope events --markers line,import-)"
expect_eq "dtrace -p: process IDs" "$$" "$(complete_words pyscope dtrace -p "$$" | tr ' ' '\n' | grep -x "$$")"
touch "$TMP/script.d"
expect_eq "dtrace -s: files" "$TMP/script.d" "$(complete_words pyscope dtrace -s "$TMP/scr")"
expect_eq "-c CMD: nothing offered" "" "$(complete_words pyscope events -c '')"
bash -c 'source "$1"; complete -p pyscope' _ "$comp" >"$TMP/out" 2>&1
expect_eq "registered for pyscope" "complete -F _pyscope pyscope" "$(cat "$TMP/out")"
