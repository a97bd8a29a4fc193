/* Every aggregating function, several keys, printa with a format, clear/trunc/normalize. */
python$target:::function-entry
/copyinstr(arg1) == "leaf" || copyinstr(arg1) == "middle"/
{
	@count[copyinstr(arg1), tid - $target] = count();
	@sum[copyinstr(arg1)] = sum(arg2);
	@avg[copyinstr(arg1)] = avg(arg2);
	@min[copyinstr(arg1)] = min(arg2);
	@max[copyinstr(arg1)] = max(arg2);
	@stddev[copyinstr(arg1)] = stddev(arg2);
	@all = count();
	@weighted = quantize(arg2, 3);
	@lin[copyinstr(arg1)] = lquantize(arg2, 8, 16, 2);
	@norm[copyinstr(arg1)] = sum(arg2 * 1000);
	@gone[copyinstr(arg1)] = count();
	@top[copyinstr(arg1), arg2] = count();
	@emptied[copyinstr(arg1)] = count();
}

END
{
	printa("%-8s thread+%d: %@d calls\n", @count);
	printa(@sum);
	printa(@avg);
	printa(@min);
	printa(@max);
	printa(@stddev);
	printa("all: %@d\n", @all);
	printa(@weighted);
	printa(@lin);
	normalize(@norm, 1000);
	printa(@norm);
	clear(@gone);
	printa(@gone);
	trunc(@emptied);
	printa(@emptied);
	trunc(@top, 1);
	printf("--- @top after trunc(1) (printed at the end) ---\n");
}
