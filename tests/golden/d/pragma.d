/* dtrace: -x strsize=256 */
#pragma D option quiet
/* No -q on the command line: the pragma makes the program quiet (no CPU ID lines, no header). */
BEGIN
{
	printf("quiet by pragma\n");
	exit(0);
}
