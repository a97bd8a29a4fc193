BEGIN
{
	printf("%s\n", "one", "two");
}
