BEGIN
{
	x = substr("abc");
}
