python$target:::function-entry
{
	x = count();
}
