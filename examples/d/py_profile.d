#!/usr/bin/env -S pyscope dtrace -s
/*
 * py_profile.d — a sampled profile of a Python program: 97 times a second on every CPU, the
 * Python stack of the thread running there, if it is the traced program's (jstack(): file,
 * function and line per frame, innermost first), counted; the most frequent stacks print last.
 * Written in the style of the Python D toolkits' profile scripts.
 *
 * profile-N samples carry the interrupted thread (so /pid == $target/ selects the program's), and
 * jstack() walks the interpreter's frames in BPF at the sample.
 *
 * USAGE: pyscope dtrace -s py_profile.d -c 'python3 prog.py'
 */
#pragma D option quiet
#pragma D option jstackframes=32

profile-97
/pid == $target/
{
	@stacks[jstack()] = count();
	@samples = count();
}

dtrace:::END
{
	printa("%k%@8d\n\n", @stacks);
	printa("samples %@d\n", @samples);
}
