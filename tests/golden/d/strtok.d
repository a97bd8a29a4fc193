/* strtok: its NULL continuation belongs to the probe firing, shared by the clauses of one firing
 * and gone at the next; D's NULL string (equal to "") when no token is left. And the other string functions'
 * edge cases as DTrace's DIF code computes them: substr with negative index and length,
 * index/rindex with a start, lltostr in other bases, comparisons with NULL. */
BEGIN
{
	this->str = ",,,Carrots,,Barley,Oatmeal,,,Beans,";
}

BEGIN
/(this->f = strtok(this->str, ",")) != NULL/
{
	printf("first %s\n", this->f);
}

BEGIN
{
	printf("next %s %s %s\n", strtok(NULL, ","), strtok(NULL, ","), strtok(NULL, ","));
	printf("end %d %d %d\n", strtok(NULL, ",") == "", strtok(NULL, ",") == NULL,
	    NULL != strtok(NULL, ","));
	printf("delims change [%s] [%s]\n", strtok("a b:c d", " "), strtok(NULL, ":"));
	printf("no delims [%s] empty %d\n", strtok("foo", ""), strtok("", "x") == NULL);
	printf("substr %s|%s|%s|%s|%s|%s|\n", substr("abcdefghijklmnop", 2, -10),
	    substr("hello", -3, -1), substr("hello", 1, -1), substr("foobarbazbop", -10, -5),
	    substr("foobarbazbop", -24, 13), substr("hello", 1, -20));
	printf("index %d %d %d %d %d\n", index("abcabc", "c"), index("abcabc", "c", 3),
	    index("abc", "", 7), index("abc", "x", -4), index("", ""));
	printf("rindex %d %d %d %d %d\n", rindex("abcabc", "c"), rindex("abcabc", "c", 3),
	    rindex("abc", "", -1), rindex("abc", "c", -1), rindex("abc", "", 9));
	printf("lltostr %s %s %s %s %s %s\n", lltostr(0, 8), lltostr(0, 16), lltostr(-1, 16),
	    lltostr(255, 2), lltostr(35, 36), lltostr(-9223372036854775807 - 1));
}

/* a later firing starts with no strtok position: strtok(NULL, ...) faults there */
python*:::function-entry
/n++ == 0/
{
	printf("never printed %s\n", strtok(NULL, " "));
}

python*:::function-entry
/n == 2/
{
	printf("the clause after the fault runs\n");
	exit(0);
}
