/*
 * The call hierarchy of main(), thread by thread, with the time each call took,
 * with garbage collections, and a count of the calls of each function of orders.py.
 *   pyscope dtrace -q -s examples/call_hierarchy.d -c '/usr/bin/python3.11 examples/orders.py'
 */
self int depth;

python$target:::function-entry
/copyinstr(arg1) == "main" && basename(copyinstr(arg0)) == "orders.py"/
{
	self->trace = 1;
}

python$target:::function-entry
/basename(copyinstr(arg0)) == "orders.py"/
{
	@calls[copyinstr(arg1)] = count();
}

python$target:::function-entry
/self->trace/
{
	self->start[self->depth] = timestamp;
	printf("%*s-> %s:%d\n", self->depth * 2, "", copyinstr(arg1), arg2);
	self->depth++;
}

python$target:::function-return
/self->trace/
{
	self->depth--;
	printf("%*s<- %s (%d us)\n", self->depth * 2, "", copyinstr(arg1),
	    (timestamp - self->start[self->depth]) / 1000);
}

python$target:::function-return
/copyinstr(arg1) == "main" && basename(copyinstr(arg0)) == "orders.py"/
{
	self->trace = 0;
}

python$target:::gc-done
/self->trace/
{
	printf("   (gc collected %d objects)\n", arg0);
}

END
{
	printf("\ncalls of each function in orders.py:");
	printa(@calls);
}
