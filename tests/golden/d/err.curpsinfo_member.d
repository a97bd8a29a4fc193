BEGIN
{
	trace(curpsinfo->pr_arg);
}
