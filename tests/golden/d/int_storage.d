/* Integer variables keep all 64 bits, as dtrace(1) stores them (illumos dt_cg.c dt_cg_asgn_op:
 * a store to a variable is STV of the whole register, with no dt_cg_typecast): published scripts
 * declare 'self int last;', store timestamp in it and print small deltas. The declared type cuts
 * the value only where dtrace records it (printf, trace, aggregation keys), sign-extended unless
 * the type is unsigned. */
self int last;
int big;
uint32_t u;
int n;

python$target:::function-entry
/copyinstr(arg1) == "middle" && self->last == 0/
{
	self->last = timestamp;
}

python$target:::function-return
/copyinstr(arg1) == "middle" && self->last/
{
	this->us = (timestamp - self->last) / 1000;
	printf("middle: delta %s 0 and below 10 s (%d us)\n",
	    this->us > 0 && this->us < 10000000 ? "above" : "NOT above", this->us);
	printf("self->last above 2^32: %d; equal to (int)self->last: %d\n",
	    self->last > 4294967296, self->last == (int)self->last);
	self->last = 0;
	n++;
}

python$target:::gc-start
/!gcdone/
{
	/* typed int by its first assignment, as D types it: whole inside, 32 bits in a record */
	gcdone = 1;
	this->t = 0;
	this->t = timestamp;
	printf("this->t: delta %d, above 2^32 %d, equal to (int)this->t %d\n", timestamp - this->t,
	    this->t > 4294967296, this->t == (int)this->t);
}

python$target:::function-entry
/n == 3/
{
	n++;
	big = 4294967296 + 7;
	printf("big: %d (still %s zero; above 2^32: %d)\n", big, big != 0 ? "not" : "",
	    big > 4294967296);
	u = -1;
	printf("uint32_t -1: %d %u %x; u + 1 = %d\n", u, u, u, u + 1);
	printf("assignment's value: %d\n", big = 4294967296 * 2 + 5);
	trace(big);
	printf("\n");
	@keys[big] = count();
	printa("key %d: %@d\n", @keys);
	exit(0);
}
