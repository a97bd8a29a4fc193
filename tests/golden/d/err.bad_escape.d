BEGIN
{
	printf("\q\n");
}
