#!/usr/bin/env -S pyscope dtrace -s
/*
 * py_cputime.d — on-CPU time per Python function: the thread's on-CPU nanoseconds (vtimestamp)
 * from a function's entry to its return, inclusive of its callees, next to the wall time, so that
 * a function that sleeps or waits shows a small CPU time and a large elapsed one. Written in the
 * style of the Python D toolkits' cputime scripts.
 *
 * vtimestamp is the thread's on-CPU nanoseconds as the scheduler last counted them (at its ticks
 * and switches): a sleeping thread's does not advance, a running one's moves in steps of up to a
 * tick, so calls much shorter than a tick show 0 or a whole tick; their sums come out right.
 *
 * USAGE: pyscope dtrace -s py_cputime.d -c 'python3 prog.py'
 *
 * FIELDS: FILE, FUNC; CALLS; CPU(us) on-CPU microseconds, inclusive; ELAPSED(us) wall
 * microseconds, inclusive (recursive calls count once per level).
 */
#pragma D option quiet

self int depth;

python$target:::function-entry
{
	self->depth++;
	vstart[tid, self->depth] = vtimestamp;
	wstart[tid, self->depth] = timestamp;
}

python$target:::function-return
/self->depth > 0 && vstart[tid, self->depth]/
{
	this->file = basename(copyinstr(arg0));
	this->func = copyinstr(arg1);
	@calls[this->file, this->func] = count();
	@cpu[this->file, this->func] = sum((vtimestamp - vstart[tid, self->depth]) / 1000);
	@wall[this->file, this->func] = sum((timestamp - wstart[tid, self->depth]) / 1000);
	vstart[tid, self->depth] = 0;
	wstart[tid, self->depth] = 0;
}

python$target:::function-return
/self->depth > 0/
{
	self->depth--;
}

dtrace:::END
{
	printf("%-16s %-24s %8s %12s %12s\n", "FILE", "FUNC", "CALLS", "CPU(us)", "ELAPSED(us)");
	printa("%-16s %-24s %@8d %@12d %@12d\n", @calls, @cpu, @wall);
}
