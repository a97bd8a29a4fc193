python$target:::function-entry
{
	printf("%s\n", copyinstring(arg1));
}
