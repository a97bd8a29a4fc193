/* exit(N): the event's remaining clauses still run, no further event is processed, END runs,
 * aggregations print, and N is the exit status. */
python$target:::function-entry
{
	n++;
	@calls[copyinstr(arg1)] = count();
}

python$target:::function-entry
/n == 5/
{
	printf("exit after %d calls\n", n);
	exit(3);
}

python$target:::function-entry
/n >= 5/
{
	printf("same event, later clause: n=%d\n", n);
}

END
{
	printf("END after %d calls\n", n);
}
