BEGIN
{
	x = strlen(42);
}
