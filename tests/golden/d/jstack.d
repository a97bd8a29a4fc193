/* dtrace:  */
/*
 * jstack() at function entry, in dtrace's default output: the probe line, then the Python
 * stack as ustack() prints one, a frame a line indented 14, each as the Solaris python ustack
 * helper named a Python frame: [ file:line (function) ]. The stream (events --stack --json on
 * tests/target/jstack_prog.py) ends with a hit whose walk was cut and one with no stack recorded.
 */
python$target:::function-entry
/copyinstr(arg1) == "leaf" || copyinstr(arg1) == "scribbled" || copyinstr(arg1) == "unrecorded"/
{
	jstack();
}
