BEGIN
{
	x = @calls;
}
