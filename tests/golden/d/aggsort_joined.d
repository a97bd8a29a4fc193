/* dtrace: -q -x aggsortkey -x aggsortrev */
/* aggsortkey and aggsortrev in a printa of several aggregations (dt_aggregate_bundlecmp under
 * dt_aggregate_qsort): the rows by the keys alone, and reversed; the same options order the
 * printa of one aggregation alike. */
python*:::function-entry
{
	@calls[copyinstr(arg1)] = count();
	@lines[copyinstr(arg1)] = sum(arg2);
}

END
{
	printa("%-10s %@5d %@5d\n", @calls, @lines);
	printa("%-10s %@5d\n", @calls);
}
