/* dtrace: -q -C -DVERBOSE -D LEVEL=3 -UNOPE -I . */
/* -C runs cpp over the script, with -D, -U and -I as dtrace passes them; without -C every
 * directive is an error (err.cpp_directive.d). */
#include "cpp.h"
#ifdef VERBOSE
#define SAY(what) printf("%s: level %d, %s\n", what, LEVEL, GREETING)
#else
#define SAY(what) printf("quiet\n")
#endif
#ifdef NOPE
#error NOPE is undefined by -U
#endif

BEGIN
{
	SAY("verbose");
	printf("__SUNW_D=%d\n", __SUNW_D);
	exit(0);
}
