/* copyinstr(addr, n) keeps at most n bytes. */
python$target:::function-entry
/copyinstr(arg1) == "middle"/
{
	printf("%s %s %s\n", copyinstr(arg1, 3), copyinstr(arg1, 0), copyinstr(arg1, 100));
	exit(0);
}
