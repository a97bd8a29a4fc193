python$target:::function-entry
{
	printf("%s\n", copyinstr(arg1);
}
