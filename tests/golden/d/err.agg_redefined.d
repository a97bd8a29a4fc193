python$target:::function-entry
{
	@c[copyinstr(arg1)] = count();
	@c[copyinstr(arg1)] = sum(arg2);
}
