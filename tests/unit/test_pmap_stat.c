/*
 * test_pmap_stat.c — /proc/PID/stat read once for everyone (procmaps.c): a name holding blanks and
 * parentheses ("a) (b"), states, the parent, the PF_* flags, lines that do not read, and this very process.
 */
#include <errno.h>
#include <unistd.h>
#include "procmaps.h"
#include "unit.h"

int main(void)
{
	struct pmap_stat st;
	CHECK_INT("plain line", 0, pmap_stat_parse("1234 (python3.11) S 77 1234 1234 0 -1", &st));
	CHECK_STR("plain: comm", "python3.11", st.comm);
	CHECK_INT("plain: state", 'S', st.state);
	CHECK_INT("plain: ppid", 77, st.ppid);

	/* pid (comm) state ppid pgrp session tty_nr tpgid flags: the flags are the 9th field */
	CHECK_INT("flags line", 0, pmap_stat_parse("9 (a b) R 1 9 9 0 -1 4194308 55 0", &st));
	CHECK_INT("flags: field 9, not its neighbours", 4194308, st.flags);
	CHECK_INT("short line: flags 0", 0, pmap_stat_parse("9 (x) S 1 9", &st));
	CHECK_INT("short line: flags 0 (value)", 0, st.flags);

	CHECK_INT("comm 'a) (b'", 0, pmap_stat_parse("42 (a) (b) Z 1 42 42 0", &st));
	CHECK_STR("comm 'a) (b': name whole", "a) (b", st.comm);
	CHECK_INT("comm 'a) (b': state after the last paren", 'Z', st.state);
	CHECK_INT("comm 'a) (b': ppid", 1, st.ppid);

	CHECK_INT("comm ') X 9 ('", 0, pmap_stat_parse("5 () X 9 () R 3 5", &st));
	CHECK_STR("comm ') X 9 (': name", ") X 9 (", st.comm);
	CHECK_INT("comm ') X 9 (': state", 'R', st.state);
	CHECK_INT("comm ') X 9 (': ppid", 3, st.ppid);

	CHECK_INT("empty comm", 0, pmap_stat_parse("5 () S 0", &st));
	CHECK_STR("empty comm: name", "", st.comm);
	CHECK_INT("empty comm: ppid 0", 0, st.ppid);

	CHECK_INT("long comm is cut, not overflowed", 0,
		  pmap_stat_parse("5 (aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa) S 2", &st));
	CHECK_INT("long comm: length", sizeof(st.comm) - 1, strlen(st.comm));

	st.ppid = -5;
	CHECK_INT("no parens", -EINVAL, pmap_stat_parse("5 comm S 1", &st));
	CHECK_INT("no parens: output left alone", -5, st.ppid);
	CHECK_INT("nothing after the name", -EINVAL, pmap_stat_parse("5 (x)", &st));
	CHECK_INT("state only", -EINVAL, pmap_stat_parse("5 (x) S", &st));
	CHECK_INT("no ppid", -EINVAL, pmap_stat_parse("5 (x) S y", &st));
	CHECK_INT("')' before '('", -EINVAL, pmap_stat_parse("5 )x( S 1", &st));
	CHECK_INT("empty line", -EINVAL, pmap_stat_parse("", &st));

	CHECK_INT("this process", 0, pmap_stat(getpid(), &st));
	CHECK_INT("this process: parent", getppid(), st.ppid);
	CHECK_STR("this process: name", "test_pmap_stat", st.comm);
	CHECK_INT("no such process", -ESRCH, pmap_stat(0x3fffffff, &st));
	return unit_status();
}
