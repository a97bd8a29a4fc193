/* dtrace: -q -x aggsortpos=2 */
/* aggsortpos in a printa of several aggregations, as dtrace_aggregate_walk_joined and
 * dt_aggregate_bundlecmp sort the rows: by the value of the aggregation at that position
 * first (here the third, @lines), then those after it, wrapping round to the first, then the
 * keys. A position past the last aggregation (the second printa has two) is silently the
 * first. A printa of one aggregation does not look at aggsortpos. */
python*:::function-entry
{
	@calls[copyinstr(arg1)] = count();
	@lines[copyinstr(arg1)] = sum(arg2 % 7);
	@rets[copyinstr(arg1)] = count();
}

python*:::function-entry
/copyinstr(arg1) == "middle"/
{
	@rets[copyinstr(arg1)] = count();
}

END
{
	printa("%-10s %@5d %@5d %@5d\n", @calls, @rets, @lines);
	printa("%-10s %@5d %@5d\n", @lines, @calls);
	printa("%-10s %@5d\n", @lines);
}
