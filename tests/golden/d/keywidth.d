/* Integer keys print as wide as their D type, as dtrace(1) prints them: 32-bit types (integer
 * constants, pid, tid, cpu, int variables, comparisons, casts to int) in 8 columns, 64-bit ones
 * (arg0, timestamp, long, strlen()) in 16, short in 5, char in 3. A variable typed by its first
 * assignment is 64-bit whatever that value (departure: D would give `wide = 0` the type int and
 * cut later values to 32 bits; pyscope keeps them whole, in 16 columns). */
int gen;

python$target:::gc-start
{
	gen = arg0;
	@int_const[1] = count();
	@pid[pid - $target] = count();
	@arg[arg0] = count();
	@int_var[gen] = count();
	@cast_int[(int)arg0] = count();
	@cast_short[(short)arg0] = count();
	@cast_char[(char)arg0] = count();
	@long_const[1L] = count();
	@compare[arg0 == 2] = count();
	@mixed[arg0, pid - $target, arg0 > 0] = count();
	wide = 0;
	wide = 4294967296 * (arg0 + 1);
	@wide[wide] = count();
}
