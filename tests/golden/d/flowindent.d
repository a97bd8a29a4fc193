/* dtrace: -x flowindent */
/* flowindent: without -q each record's probe column is indented by the call depth, " -> " on
 * python's function-entry (a name ending in -entry), " <- " on function-return, "| " with the
 * probe's name on others, under the header "CPU FUNCTION" (dtrace's dt_flowindent and chew). */
python$target:::function-entry,
python$target:::function-return
/basename(copyinstr(arg0)) == "prog.py" && !done/
{
	trace(copyinstr(arg1));
}

python$target:::gc-start
/!done/
{
	trace(arg0);
}

python$target:::function-return
/copyinstr(arg1) == "start"/
{
	done = 1;
	exit(0);
}
