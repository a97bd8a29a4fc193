/* a period too large for 64 bits */
tick-18446744073709551615ns
{
	exit(0);
}
