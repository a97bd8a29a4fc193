/* dtrace:  */
/* setopt(): a dynamic option changes from the next record on (here quiet, which the run began
 * without); names dtrace does not know, bad values and options that cannot change while tracing
 * are reported as dtrace's consumer reports them, and the clause goes on. getopt does not exist
 * in D. */
BEGIN
{
	trace("not quiet yet");
	setopt("Nixon");
	setopt("quiet", "um, no");
	setopt("aggrate", "0.5hz");
	setopt("bufsize", "1m");
	setopt("aggsortrev");
	setopt("switchrate", "10hz");
	setopt("quiet");
}

BEGIN
{
	printf("quiet now\n");
	setopt("quiet", "no");
}

BEGIN
{
	trace("loud again");
	exit(0);
}
