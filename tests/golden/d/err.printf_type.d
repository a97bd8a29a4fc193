python$target:::function-entry
{
	printf("%d calls in %s\n", copyinstr(arg1), arg0);
}
