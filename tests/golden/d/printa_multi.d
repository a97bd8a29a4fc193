/* printa with several aggregations, as dtrace joins them: one row per key found in any, a
 * missing value printed as the function's zero (a histogram with no counts), rows sorted by the
 * first aggregation's value, then the next's, then the keys; %@ conversions take the
 * aggregations in order, the ones past the last repeat it. Without a format: "\n", then the
 * keys and every value in the default layout. denormalize() undoes normalize(). Calls per
 * function from the recorded program: entries, returns and a sum of line numbers. */
python*:::function-entry
{
	@calls[copyinstr(arg1)] = count();
	@lines[copyinstr(arg1)] = sum(arg2);
}

python*:::function-return
/copyinstr(arg1) != "leaf"/
{
	@rets[copyinstr(arg1)] = count();
}

python*:::function-entry
/copyinstr(arg1) == "middle"/
{
	@lq[copyinstr(arg1)] = lquantize(arg2, 10, 20, 5);
}

END
{
	printa("%-10s %@5d %@5d %@8d\n", @calls, @rets, @lines);
	printa("%-10s %@d|%@d|%@d|%@d\n", @rets, @calls);
	printa(@rets, @calls);
	normalize(@lines, 10);
	printa("%-10s %@d %@d\n", @calls, @lines);
	denormalize(@lines);
	printa("%-10s %@d %@d\n", @calls, @lines);
	printa("%s %@d %@d\n", @calls, @lq);
}
