BEGIN
{
	printf("%*s\n", "wide", "x");
}
