END
{
	printa(@calls);
}
