python$target:::function-entry
{
	@c[copyinstr(arg1)] = cont();
}
