/* The print-out at the end, as dtrace(1) does it: one "\n", then every aggregation that no
 * printa() printed, in the order the script declared them, back to back (no blank line between
 * them); printed and empty aggregations are skipped. */
python$target:::gc-start
{
	@gcs = count();
	@printed = count();
	@bygen[arg0] = count();
	@total = sum(arg0);
}

python$target:::gc-start
/arg0 > 5/
{
	@never = count();
}

END
{
	printa(@printed);
	printf("END done\n");
}
