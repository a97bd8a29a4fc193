/* Probe descriptions: both spellings, globs on every field, one to four fields, comma lists,
 * and which clauses run for an event (all that match, in program order). */
python$target:python3.11::function-entry
{
	@hits["1 module and DTrace spelling"] = count();
}

python*:::function__entry
{
	@hits["2 provider glob, stapsdt spelling"] = count();
}

python$target:::function-e?try
{
	@hits["3 ? glob"] = count();
}

:::gc-*
{
	@hits["4 name glob, empty fields"] = count();
}

gc-start
{
	@hits["5 name only"] = count();
}

python$target:::import-find-load-start, python$target:::import-find-load-done
{
	@hits["6 comma list"] = count();
}

*:python*:-:audit
{
	@hits["7 function field"] = count();
}

python$target::*:function-entry
/copyinstr(arg1) == "start"/
{
	printf("first clause for start()\n");
}

python$target:::function-entry
/copyinstr(arg1) == "start"/
{
	printf("second clause for start()\n");
}
