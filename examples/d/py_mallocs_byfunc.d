#!/usr/bin/env -S pyscope dtrace -s
/*
 * py_mallocs_byfunc.d — libc mallocs per Python function: how many, how many bytes, and the
 * distribution of their sizes, charged to the innermost Python function of the calling thread.
 * Written in the style of the Python D toolkits' malloc scripts: the pid provider on libc's
 * malloc, the python provider for the function.
 *
 * USAGE: pyscope dtrace -s py_mallocs_byfunc.d -c 'python3 prog.py'
 *
 * FIELDS: FUNC the Python function ("-": outside any); MALLOCS calls to malloc; BYTES bytes
 * asked for. Then, per function, the sizes as a power-of-two histogram.
 */
#pragma D option quiet

self int depth;

python$target:::function-entry
{
	self->depth++;
	func[tid, self->depth] = copyinstr(arg1);
}

python$target:::function-return
/self->depth > 0/
{
	func[tid, self->depth] = "";
	self->depth--;
}

pid$target:libc.so.6:malloc:entry
{
	this->func = self->depth > 0 ? func[tid, self->depth] : "-";
	@mallocs[this->func] = count();
	@bytes[this->func] = sum(arg0);
	@sizes[this->func] = quantize(arg0);
}

dtrace:::END
{
	printf("%-24s %8s %12s\n", "FUNC", "MALLOCS", "BYTES");
	printa("%-24s %@8d %@12d\n", @mallocs, @bytes);
	printa("\n%s%@d\n", @sizes);
}
