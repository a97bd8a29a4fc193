python$target:::function-entry
{
	printf("%s\n", copyin(arg0, arg2));
}
