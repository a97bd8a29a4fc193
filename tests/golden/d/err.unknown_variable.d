BEGIN
{
	printf("%d\n", timestmp);
}
