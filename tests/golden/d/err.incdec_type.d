BEGIN
{
	s = "x";
	s++;
}
