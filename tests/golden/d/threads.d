/* Per-thread variables: each thread's indentation is its own, and never goes negative, while
 * the two worker threads take turns (their lines interleave). */
self int indent;

python$target:::function-entry
/copyinstr(arg1) == "worker"/
{
	self->trace = 1;
}

python$target:::function-entry
/self->trace/
{
	printf("%d %*s-> %s\n", tid - $target, self->indent * 2, "", copyinstr(arg1));
	self->indent++;
}

python$target:::function-return
/self->trace/
{
	self->indent--;
	printf("%d %*s<- %s%s\n", tid - $target, self->indent * 2, "", copyinstr(arg1),
	    self->indent < 0 ? " NEGATIVE" : "");
}

python$target:::function-return
/copyinstr(arg1) == "worker"/
{
	self->trace = 0;
}
