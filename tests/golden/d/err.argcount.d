BEGIN
{
	x = basename("a", "b");
}
