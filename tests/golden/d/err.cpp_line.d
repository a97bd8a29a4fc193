/* dtrace: -q -C */
/* Under -C, errors point at the user's file and line (cpp's line markers), past the directives
 * and the blank lines cpp drops or keeps (a column is exact up to the first macro expanded on
 * its line). */
#define TWICE(x) ((x) * 2)
#if 1
#define NAME "name"
#endif

BEGIN
{
	n = NAME;
	m = n + TWICE(1);
}
