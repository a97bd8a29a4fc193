/* dtrace: -q -x jstackframes=2 -x jstackstrsize=24 */
/*
 * jstack(N) prints N frames; jstack() as many as the jstackframes option says (DTrace's default:
 * 50), each cut at jstackstrsize bytes; a stack is a string: it can be a key, printed with %s.
 */
python$target:::function-entry
/copyinstr(arg1) == "leaf"/
{
	@calls[jstack()] = count();
	printf("leaf under:%s", jstack(3, 512));
}

python$target:::function-return
/copyinstr(arg1) == "middle"/
{
	printf("return from middle:%s--\n", jstack(1));
}
