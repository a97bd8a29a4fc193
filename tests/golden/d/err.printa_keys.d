/* printa( ) with aggregations of different key counts */
BEGIN
{
	@foo[1] = count();
	@bar = count();
	printa(@foo, @bar);
}
