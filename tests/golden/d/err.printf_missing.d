BEGIN
{
	printf("%s and %s\n", "one");
}
