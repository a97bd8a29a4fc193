/* #pragma D option destructive allows system() as -w does. */
#pragma D option destructive
#pragma D option quiet

BEGIN
{
	system("echo pragma");
	exit(0);
}
