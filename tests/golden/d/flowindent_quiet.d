/* dtrace: -q -x flowindent */
/* flowindent under quiet, as dtrace(1)'s chew() does it: the "CPU FUNCTION" header and each
 * record's flow column still print, but no newline ends a record (chewrec leaves that out
 * under quiet), so a printf's own "\n" ends the line: the idiom for a flow with text of one's
 * own. */
python$target:::function-entry,
python$target:::function-return
/copyinstr(arg1) == "middle" || copyinstr(arg1) == "leaf"/
{
	printf("%s line %d\n", copyinstr(arg1), arg2);
}

python$target:::function-return
/copyinstr(arg1) == "middle"/
{
	exit(0);
}
