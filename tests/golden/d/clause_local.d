/* Clause-local variables, as the Dynamic Tracing Guide's clause.d shows them: this-> starts at 0
 * for each firing of a probe and keeps its value across the clauses that probe runs, in program
 * order (the three tick-1ms clauses are one probe); the next firing starts afresh. */
int me;
this int foo;

tick-1ms
{
	printf("firing %d starts with foo %d\n", me / 3, this->foo);
	this->foo = (me % 3 == 0) ? 10 : this->foo;
	printf("Clause 1 is number %d; foo is %d\n", me++ % 3, this->foo++);
}

tick-1ms
{
	this->foo = (me % 3 == 0) ? 20 : this->foo;
	printf("Clause 2 is number %d; foo is %d\n", me++ % 3, this->foo++);
}

tick-1ms
{
	this->foo = (me % 3 == 0) ? 30 : this->foo;
	printf("Clause 3 is number %d; foo is %d\n", me++ % 3, this->foo++);
}

tick-1ms
/me >= 6/
{
	exit(0);
}
