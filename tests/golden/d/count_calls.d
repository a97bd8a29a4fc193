/* Count calls per function name, printed with printa at END in DTrace's layout. */
python$target:::function-entry
{
	@calls[copyinstr(arg1)] = count();
}

END
{
	printa(@calls);
}
