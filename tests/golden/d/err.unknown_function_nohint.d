BEGIN
{
	frobnicate(1);
}
