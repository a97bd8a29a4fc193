BEGIN
{
	fmt = "%d\n";
	printf(fmt, 1);
}
