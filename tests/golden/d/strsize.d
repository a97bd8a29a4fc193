/* dtrace: -q -x strsize=6 */
/* -x strsize=6: every string keeps at most 5 bytes (6 with the NUL), as in DTrace. */
python$target:::function-entry
/copyinstr(arg1) == "middl"/
{
	printf("%s|%s|%s|%d\n", copyinstr(arg1), copyinstr(arg0), strjoin("abc", "defgh"),
	    strlen(copyinstr(arg0)));
	exit(0);
}
