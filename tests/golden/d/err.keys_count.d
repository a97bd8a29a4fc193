BEGIN
{
	a["x", 1] = 1;
	a["x"] = 2;
}
