BEGIN
{
	x = "a\	b";
}
