/* dtrace: -q -w */
/* system() under -w: the command is formatted like printf and runs in order with the clause's
 * own output (what the clause printed before it comes first, the rest after); a clause that
 * faults runs no command. */
BEGIN
{
	printf("before\n");
	system("echo %s %d %d", "cmd", 9, -2);
	printf("between\n");
	system("printf '%%s\\n' '%s'", probename);
	printf("after\n");
}

python*:::function-entry
/n++ == 0/
{
	system("echo never run");
	printf("%d\n", 1 / (n - 1));
}

python*:::function-entry
/n == 2/
{
	system("echo from %s", copyinstr(arg1));
	exit(0);
}
