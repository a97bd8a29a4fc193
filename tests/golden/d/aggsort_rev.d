/* dtrace: -q -x aggsortrev */
/* -x aggsortrev alone: values from the largest down, ties broken by the keys, reversed too
 * (start and <module> both have 1). */
python$target:::function-entry
{
	@[copyinstr(arg1)] = count();
}
