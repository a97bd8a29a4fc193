/* dtrace: -q -x defaultargs -x bufsize=8m -x ustackframes=40 */
/* Options scripts set: zdefs lets a description match nothing (as -Z), defaultargs makes the
 * unset $1 0 and $$2 "", and the buffer and rate tunings pyscope sizes itself are accepted
 * silently. */
#pragma D option zdefs
#pragma D option switchrate=10hz
#pragma D option aggrate=1s
#pragma D option dynvarsize=4m
#pragma D option jstackframes=100
#pragma D option jstackstrsize=2048

nosuchprovider:::nosuchprobe
{
	printf("never\n");
}

BEGIN
{
	printf("$1=%d $$2=\"%s\"\n", $1, $$2);
	exit(0);
}
