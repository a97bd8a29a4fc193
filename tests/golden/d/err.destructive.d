/* system() without -w or the destructive pragma: dtrace refuses to enable the program. */
BEGIN
{
	system("echo no");
}
