BEGIN
{
	@s = sum();
}
