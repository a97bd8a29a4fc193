/* printf's conversions, flags, widths, precisions, length modifiers and escapes. */
BEGIN
{
	printf("%d %i %u %x %X %o %c %s %%\n", -42, 42, 42, 255, 255, 8, 65, "str");
	printf("%ld %lld %lu %hd %5d|%-5d|%05d|%+d|% d\n", 1, 2, 3, 4, 42, 42, 42, 42, 42);
	printf("[%10s][%-10s][%.3s][%*s][%-*s]\n", "right", "left", "truncate", 6, "star", 6, "star");
	printf("%#x %#o %p\n", 255, 8, 4096);
	printf("tab\there, backslash \\, quote \", octal \101, hex \x42\n");
	printf("%s=%d\n", "no newline escapes in args", 1);
	exit(0);
}
