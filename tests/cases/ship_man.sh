# The manual pages: one per command (and pyscope(1)), each formatting with no groff warning, and
# each page's SYNOPSIS saying what the command's --help says.
# The rule: the lines of `pyscope [COMMAND] --help` from "usage: " to the first blank line, with
# "usage: " dropped, equal the page's SYNOPSIS section as groff renders it in plain ASCII (font
# changes gone), with every run of blanks and newlines in either taken as one space.
. "$(dirname "$0")/../lib.sh"
man=$PYSCOPE_ROOT/man
if ! command -v groff >/dev/null; then fail "groff is installed" "run scripts/install-deps"; exit 0; fi

cmds=$("$PYSCOPE" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}' | LC_ALL=C sort)
pages=$(cd "$man" && ls pyscope-*.1 | sed 's/^pyscope-//; s/\.1$//' | LC_ALL=C sort)
expect_eq "a page for every command, a command for every page" "$cmds" "$pages"
expect_eq "and pyscope(1)" yes "$([ -f "$man/pyscope.1" ] && echo yes || echo no)"

help_synopsis() {
	"$PYSCOPE" "$@" --help | awk '/^usage: /{on=1; sub(/^usage: /, "")} on && /^$/{exit} on' |
		tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//'
}
page_synopsis() {
	groff -man -Tascii -P-c -rLL=300n "$1" 2>/dev/null | sed 's/.\x08//g' |
		awk '/^SYNOPSIS/{on=1; next} on && /^[A-Z]/{exit} on' | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//'
}
for page in "$man"/*.1; do
	name=$(basename "$page" .1)
	groff -man -ww -z "$page" >"$TMP/w" 2>&1
	expect_eq "$name(1): no groff warnings" "" "$(cat "$TMP/w")"
	expect_grep "$name(1): NAME section" "^\\.SH NAME\$" "$page"
	cmd=${name#pyscope}; cmd=${cmd#-}
	h=$(help_synopsis $cmd)
	[ -n "$h" ] || { fail "$name: --help has a usage: line"; continue; }
	expect_eq "$name(1): SYNOPSIS is --help's usage" "$h" "$(page_synopsis "$page")"
done
# The rule is strict enough to catch a drift: one option taken out of a copy of a page.
sed 's/^\.RB \[ \\-\\-json \]$//' "$man/pyscope-list.1" >"$TMP/drift.1"
if [ "$(page_synopsis "$TMP/drift.1")" != "$(help_synopsis list)" ]; then
	pass "a page missing an option differs from --help"
else
	fail "a page missing an option differs from --help"
fi
# man(1) itself finds the pages by name in an installed tree.
if command -v man >/dev/null; then
	mkdir -p "$TMP/m/man1" && cp "$man"/*.1 "$TMP/m/man1/"
	MANWIDTH=80 man -M "$TMP/m" --warnings -P cat pyscope-dtrace >"$TMP/out" 2>"$TMP/err"
	expect_eq "man --warnings pyscope-dtrace: no warnings" "" "$(cat "$TMP/err")"
	expect_grep "man finds pyscope-dtrace(1)" '^NAME' "$TMP/out"
fi
