/* faster than DTrace's fastest tick (5000hz, every 200us) */
tick-1ns
{
	exit(0);
}
