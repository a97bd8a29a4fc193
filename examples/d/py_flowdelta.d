#!/usr/bin/env -S pyscope dtrace -s
/*
 * py_flowdelta.d — the flow of a Python program's calls, one line per call and return, indented
 * by the thread's call depth, with the microseconds since that thread's previous call or return
 * (DELTA): where the time goes between the calls. Written in the style of the Python D toolkits'
 * flow scripts, for pyscope's python provider.
 *
 * USAGE: pyscope dtrace -s py_flowdelta.d -c 'python3 prog.py'
 *
 * FIELDS: TID the thread; FILE the function's file (basename); DELTA(us) time since the thread's
 * previous line; FUNC "->" a call, "<-" a return, the function and its first line.
 */
#pragma D option quiet

self int depth;
self uint64_t last;

dtrace:::BEGIN
{
	printf("%-7s %-16s %9s -- %s\n", "TID", "FILE", "DELTA(us)", "FUNC");
}

python$target:::function-entry,
python$target:::function-return
/self->last == 0/
{
	self->last = timestamp;
}

python$target:::function-entry
{
	this->delta = (timestamp - self->last) / 1000;
	printf("%-7d %-16s %9d %*s-> %s:%d\n", tid, basename(copyinstr(arg0)), this->delta,
	    self->depth * 2, "", copyinstr(arg1), arg2);
	self->depth++;
	self->last = timestamp;
}

python$target:::function-return
{
	this->delta = (timestamp - self->last) / 1000;
	self->depth -= self->depth > 0 ? 1 : 0;
	printf("%-7d %-16s %9d %*s<- %s:%d\n", tid, basename(copyinstr(arg0)), this->delta,
	    self->depth * 2, "", copyinstr(arg1), arg2);
	self->last = timestamp;
}
