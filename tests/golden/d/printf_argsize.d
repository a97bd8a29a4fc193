/* printf prints an integer in its own type's width, as DTrace does: the unsigned conversions of a
 * negative int show 32 bits (-1 is an int constant), of a char 8 and of a short 16; 64-bit values
 * (arg0, a long constant) show 64, whatever the length modifier says. %d is unaffected. */
python$target:::gc-start
/arg0 == 2/
{
	printf("%x %u %o %X %d\n", -1, -1, -1, -2, -1);
	printf("%x %x %x|%-11u|%5x\n", (char)-1, (short)-2, (int)-3, (int)-3, -1);
	printf("%lx %llu %lx %x\n", arg0 - 3, -1L, -1, (uint32_t)-1);
	exit(0);
}
