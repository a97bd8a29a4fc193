BEGIN
{
	printf("a\tb\n\x41\101\\ %y\n", 1);
}
