BEGIN
{
	printf("no end);
}
