/*
 * test_nsym.c — native addresses to function names (profile --native), on this very process: a
 * function of the test program (its .symtab), one of libc (its .dynsym), an address inside a
 * function, and addresses in no object or in no function.
 */
#include <stdint.h>
#include <unistd.h>
#include "nsym.h"
#include "unit.h"

int nsym_test_target(int x);
__attribute__((noinline)) int nsym_test_target(int x)
{
	return x * 3 + 1;
}

int main(void)
{
	struct nsym *n = nsym_open(getpid());
	const char *fn, *mod;
	CHECK("nsym_open(self)", n != NULL);
	CHECK("a function of the program: named", nsym_name(n, (uint64_t)(uintptr_t)&nsym_test_target, &fn, &mod));
	CHECK_STR("... by its name", "nsym_test_target", fn);
	CHECK_STR("... in the program", "test_nsym", mod);
	CHECK("an address inside it: named too", nsym_name(n, (uint64_t)(uintptr_t)&nsym_test_target + 2, &fn, &mod));
	CHECK_STR("... by the function's name", "nsym_test_target", fn);
	CHECK("a libc function: named", nsym_name(n, (uint64_t)(uintptr_t)&getppid, &fn, &mod));
	CHECK_STR("... getppid", "getppid", fn);
	CHECK("... in libc", mod && strncmp(mod, "libc", 4) == 0);
	CHECK("an address in no object: not named", !nsym_name(n, 0x10, &fn, &mod) && !fn && !mod);
	nsym_close(n);
	CHECK("nsym_open of no process: NULL", nsym_open(0x7ffffff0) == NULL);
	return unit_status();
}
