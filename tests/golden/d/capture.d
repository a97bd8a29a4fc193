/*
 * What the kernel reads at the hit, replayed: memory at computed addresses (copyinstr on an
 * argument plus a constant, copyin), the native stack (ustack, ucaller and its symbols: hex in a
 * replay, where no process is left to read symbols from), vtimestamp against timestamp, and a
 * read that faulted at the hit.
 */
python$target:::function-entry
/copyinstr(arg1) == "sleeper"/
{
	self->ts = timestamp;
	self->vts = vtimestamp;
	printf("%s %s\n", copyinstr(arg0 + 5), copyin(arg1, 4));
	printf("%s %s %s %s\n", uaddr(ucaller), usym(ucaller), umod(ucaller), ufunc(ucaller));
	printf("%A|%a|%20A|\n", ucaller, ucaller, ucaller);
	ustack();
	ustack(1);
}

python$target:::function-return
/self->ts/
{
	printf("wall %d us, on cpu %d us\n", (timestamp - self->ts) / 1000,
	    (vtimestamp - self->vts) / 1000);
	self->ts = 0;
}

python$target:::function-entry
/copyinstr(arg1) == "bad"/
{
	printf("%s\n", copyinstr(arg0 + 5));
}
