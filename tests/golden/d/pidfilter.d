/* A description naming a process (python200:::) on a system-wide probe runs only for that
 * process's hits; the other clause, on python*, sees every process. (The stream's probe is
 * system-wide, as when pyscope traces every Python.) */
python200:::gc-start
{
	printf("python200 clause: pid %d gen %d\n", pid, arg0);
}

python*:::gc-start
{
	printf("python* clause: pid %d\n", pid);
}

python100:::gc-start, python300:::gc-start
{
	printf("python100/300 clause: pid %d\n", pid);
}
