/* y is a string by its first assignment, though that comes after the read */
BEGIN
{
	x = y + 1;
	y = "a string";
}
