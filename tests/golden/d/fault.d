/* Runtime faults abort the clause (its output is dropped), are reported as DTrace reports them,
 * and the trace goes on. arg2 of function-entry is a line number, not a string. */
python$target:::function-entry
/copyinstr(arg1) == "start"/
{
	printf("not printed: the clause faults after this\n");
	printf("%s\n", copyinstr(arg2));
}

python$target:::function-entry
/copyinstr(arg1) == "start"/
{
	printf("the next clause still runs\n");
	x = 10 / (arg2 - arg2);
	printf("not printed either\n");
}

python$target:::function-entry
/copyinstr(arg1) == "middle" && arg2 % (arg2 - arg2) == 0/
{
	printf("never: the predicate faults\n");
}

python$target:::function-return
/copyinstr(arg1) == "start"/
{
	printf("the trace goes on: %s returned\n", copyinstr(arg1));
}
