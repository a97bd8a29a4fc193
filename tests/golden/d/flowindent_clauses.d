/* dtrace: -x flowindent */
/* flowindent with two clauses on each of function-entry and function-return, as dt_consume.c's
 * dt_flowindent decides: an entry record right after a record of the same probe from another
 * clause (EPID) is not an entry ("| FUNC:NAME", no indent), and a return record right before
 * one is not a return; so the first clause's entry indents and the second clause's return
 * unindents. Consecutive firings of python's one function-entry probe by different clauses
 * fall under the same rule (the heuristic's "minor holes" are dtrace's too). */
python$target:::function-entry
/copyinstr(arg1) == "middle"/
{
	trace(copyinstr(arg1));
}

python$target:::function-entry
/copyinstr(arg1) == "middle" || copyinstr(arg1) == "leaf"/
{
	trace(arg2);
}

python$target:::function-return
/copyinstr(arg1) == "middle" || copyinstr(arg1) == "leaf"/
{
	trace(copyinstr(arg1));
}

python$target:::function-return
/copyinstr(arg1) == "middle"/
{
	trace(arg2);
}

python$target:::function-return
/copyinstr(arg1) == "start"/
{
	exit(0);
}
