/* Variables: declarations, globals, associative arrays keyed by tuples, this-> clause-locals,
 * ++/--, compound assignment, ?:, logical and bitwise operators. */
int total;
string last;
int depth[string, int];
this int tmp;
int count[int];

python$target:::function-entry
/copyinstr(arg1) == "leaf" || copyinstr(arg1) == "middle"/
{
	this->name = copyinstr(arg1);
	total++;
	total += 10;
	total -= 5;
	depth[this->name, arg2]++;
	last = this->name;
	this->tmp = arg2 * 2;
	count[tid - $target] += this->tmp > 20 ? 1 : 0;
}

python$target:::function-entry
/0/
{
	self->nothing_s = "";
	self->nothing = 0;
}

END
{
	printf("total=%d last=%s\n", total, last);
	printf("depth[leaf,10]=%d depth[middle,14]=%d depth[none,0]=%d\n", depth["leaf", 10],
	    depth["middle", 14], depth["none", 0]);
	printf("count[0]=%d count[1]=%d count[2]=%d\n", count[0], count[1], count[2]);
	x = 7;
	x *= 3;
	x /= 2;
	x %= 4;
	x <<= 4;
	x >>= 1;
	x |= 1;
	x &= 0x1f;
	x ^= 2;
	printf("x=%d pre=%d post=%d now=%d neg=%d not=%d compl=%d\n", x, ++x, x--, x, -x, !x, ~0);
	printf("logic: %d %d %d %d %d %d\n", 1 && 0, 1 || 0, 1 ^^ 1, 1 ^^ 0, (1 < 2) == 1,
	    2 + 3 * 4 - (8 >> 2) % 3);
	printf("uninitialised: %d %d %d\n", self->nothing_s == "", self->nothing_s == NULL,
	    self->nothing);
}
