/* Built-in variables on the first call of start(), and BEGIN/END values. */
int done;

BEGIN
{
	printf("BEGIN probeprov=%s probename=%s pid=%d\n", probeprov, probename, pid);
}

python$target:::function-entry
/copyinstr(arg1) == "start" && !done/
{
	done = 1;
	printf("timestamp=%d vtimestamp=%d same=%d wall>0=%d\n", timestamp, vtimestamp,
	    timestamp == vtimestamp, walltimestamp > 0);
	printf("pid==$target %d tid==pid %d cpu=%d execname=%s\n", pid == $target, tid == pid,
	    cpu, execname);
	printf("probeprov==python$target %d probemod=%s probefunc=%s probename=%s\n",
	    probeprov == strjoin("python", lltostr($target)), probemod, probefunc, probename);
	printf("arg2=%d args[2]=%d arg1==args[1] %d arg9=%d\n", arg2, args[2], arg1 == args[1],
	    arg9);
	printf("file=%s func=%s\n", basename(copyinstr(args[0])), copyinstr(args[1]));
	printf("ppid=%d (not known in a replay)\n", ppid);
}

END
{
	printf("END probename=%s\n", probename);
}
