/* dtrace: -q -x aggsortrev -x aggsortpos=1 */
/* aggsortrev alone in a printa of several aggregations: the rows by the values (the second
 * aggregation's first, aggsortpos=1), then the keys, every comparison reversed. */
python*:::function-entry
{
	@calls[copyinstr(arg1)] = count();
	@lines[copyinstr(arg1)] = sum(arg2 % 5);
}

END
{
	printa("%-10s %@5d %@5d\n", @calls, @lines);
}
