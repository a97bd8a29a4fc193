/* dtrace: -x rawbytes -x strsize=24 */
/* rawbytes: trace( ) of a string and printa's string keys are dumped as the strsize-byte records
 * DTrace keeps, in hex and as text (dt_print_rawbytes); printf's %s is not affected. */
python$target:::function-entry
/copyinstr(arg1) == "start"/
{
	trace(copyinstr(arg1));
	printf("%s", "|printf|");
	@[copyinstr(arg1)] = count();
	exit(0);
}
