/* a period whose nanoseconds wrap around 64 bits */
tick-213503982335d
{
	exit(0);
}
