/* A variable declared with a narrower integer type prints as dtrace(1) records it: the value is
 * kept whole in the variable (see int_storage.d) and cut to the type's width where printf
 * records it, so int wraps at 2^31, uint8_t at 256 and char is signed; an assignment's value
 * prints in the variable's width. A variable typed by its first assignment takes that value's
 * type: 4294967296 is a long, 64-bit. */
int i;
uint8_t u8;
char c;
self short s;
int a[string];

BEGIN
{
	i = 0x7fffffff;
	i++;
	printf("int: %d\n", i);
	printf("int = 2^32 + 5: %d\n", i = 4294967301);
	u8 = 250;
	u8 += 10;
	printf("uint8_t: %d\n", u8);
	c = 200;
	printf("char: %d\n", c);
	self->s = -32769;
	printf("short: %d\n", self->s);
	a["k"] = 4294967296;
	printf("int array element = 2^32: %d (kept whole: not deleted)\n", a["k"]);
	wide = 4294967296;
	printf("implicit: %d\n", wide);
	exit(0);
}
