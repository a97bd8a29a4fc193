/* A variable declared with a narrower integer type keeps what C would: assignments, compound
 * assignments and ++ are cut to its width (int wraps at 2^31, uint8_t at 256, char is signed);
 * an assignment's value is the value stored. Variables typed by a first assignment are 64-bit. */
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
	printf("int array element = 2^32: %d (deleted, as storing 0 is)\n", a["k"]);
	wide = 4294967296;
	printf("implicit: %d\n", wide);
	exit(0);
}
