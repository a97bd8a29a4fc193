/* printa( ) with aggregations whose keys differ in type */
BEGIN
{
	@foo[123] = sum(123);
	@bar["fooey"] = sum(456);
	printa("%10d %@10d %@10d\n", @foo, @bar);
}
