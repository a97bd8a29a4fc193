/* dtrace: -x strsize=256 */
/* Without -q: "matched N probes" on stderr, then DTrace's CPU/ID/FUNCTION:NAME line for each
 * clause that records something (no statements, trace, printf, exit), none for a clause that
 * only aggregates or assigns; aggregations print at the end. trace() prints an integer as wide
 * as its type: 16 columns for arg0, 8 for an int, 5 for a short. */
python$target:::gc-start
/arg0 == 2/
{
}

python$target:::gc-done
/arg0 > 0/
{
	trace(arg0);
	trace(tid - tid);
	trace((short)arg0);
}

python$target:::import-find-load-start
{
	trace(copyinstr(arg0));
}

python$target:::function-entry
/copyinstr(arg1) == "leaf"/
{
	@leaves = count();
	x = 1;
}
