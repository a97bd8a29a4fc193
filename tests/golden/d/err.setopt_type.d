/* setopt( ) takes a string */
BEGIN
{
	setopt(1);
}
