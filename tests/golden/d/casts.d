/* Casts to narrower integer types keep the low bytes and extend the sign of signed types, as in
 * C and DTrace (Oracle's tst.printf-int: (char)0x1234567890abcdef is -17); 64-bit casts and
 * pointer casts leave the value alone. */
BEGIN
{
	printf("%d\n", (char)0x1234567890abcdef);
	printf("%d\n", (short)0x1234567890abcdef);
	printf("%d\n", (int)0x1234567890abcdef);
	printf("%d\n", (long long)0x1234567890abcdef);
	printf("%d\n", (unsigned char)0x1234567890abcdef);
	printf("%d\n", (unsigned short)0x1234567890abcdef);
	printf("%d\n", (unsigned int)0x1234567890abcdef);
	printf("%d\n", (uint8_t)-1);
	printf("%d\n", (int32_t)4294967295);
	printf("%d\n", (char *)-1);
	exit(0);
}
