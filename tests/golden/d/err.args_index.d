python$target:::function-entry
{
	x = args[arg0];
}
