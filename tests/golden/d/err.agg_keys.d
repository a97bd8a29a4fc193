python$target:::function-entry
{
	@c[copyinstr(arg1)] = count();
	@c[arg2] = count();
}
