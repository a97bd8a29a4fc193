BEGIN
{
	@l = lquantize(1, pid, 10, 1);
}
