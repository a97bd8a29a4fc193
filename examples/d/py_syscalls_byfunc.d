#!/usr/bin/env -S pyscope dtrace -s
/*
 * py_syscalls_byfunc.d — which system calls each Python function makes: every syscall of the
 * traced program is charged to the innermost Python function its thread is running (calls made
 * outside any Python function are "-"). Written in the style of the Python D toolkits' syscall
 * scripts, mixing the python and syscall providers.
 *
 * USAGE: pyscope dtrace -s py_syscalls_byfunc.d -c 'python3 prog.py'
 *
 * FIELDS: FILE the function's file (basename); FUNC the Python function; SYSCALL the system
 * call; COUNT how many times.
 */
#pragma D option quiet

self int depth;

dtrace:::BEGIN
{
	printf("Tracing... Hit Ctrl-C to end.\n");
}

python$target:::function-entry
{
	self->depth++;
	file[tid, self->depth] = basename(copyinstr(arg0));
	func[tid, self->depth] = copyinstr(arg1);
}

python$target:::function-return
/self->depth > 0/
{
	file[tid, self->depth] = "";
	func[tid, self->depth] = "";
	self->depth--;
}

syscall:::entry
/pid == $target/
{
	this->file = self->depth > 0 ? file[tid, self->depth] : "-";
	this->func = self->depth > 0 ? func[tid, self->depth] : "-";
	@calls[this->file, this->func, probefunc] = count();
}

dtrace:::END
{
	printf("%-16s %-24s %-16s %8s\n", "FILE", "FUNC", "SYSCALL", "COUNT");
	printa("%-16s %-24s %-16s %@8d\n", @calls);
}
