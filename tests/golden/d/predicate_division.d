/* '/' ends a predicate, but divides inside parentheses, brackets and call arguments. */
BEGIN
{
	a[1] = 1;
}

python$target:::function-entry
/strlen(substr(copyinstr(arg1), 4 / 2)) == 2 && (arg2 / 2) == 5 && a[8 / 4] == 0/
{
	printf("%s %d\n", copyinstr(arg1), arg2 / 2);
	exit(0);
}
