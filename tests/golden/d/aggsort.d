/* dtrace: -q -x aggsortkeypos=1 */
/* The aggsort options, as dt_aggregate_qsort orders printa's and the end's output: aggsortkey
 * sorts by the keys instead of the value, aggsortkeypos=1 compares the second key first, and
 * aggsortrev reverses every comparison; trunc( ) still keeps the largest values. */
#pragma D option aggsortkey
#pragma D option aggsortrev

python$target:::function-entry
{
	@calls[copyinstr(arg1), arg2] = count();
	@top[copyinstr(arg1)] = count();
}

END
{
	trunc(@top, 3);
	printa("%-12s line %3d: %@d\n", @calls);
	printa(@top);
}
