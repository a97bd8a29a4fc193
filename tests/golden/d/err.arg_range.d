python$target:::function-entry
{
	trace(arg12);
}
