tick-366d
{
	exit(0);
}
