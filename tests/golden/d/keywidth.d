/* Integer keys print as wide as their D type, as dtrace(1) prints them: 32-bit types (integer
 * constants, pid, tid, cpu, int variables, comparisons, casts to int) in 8 columns, 64-bit ones
 * (arg0, timestamp, long, strlen()) in 16, short in 5, char in 3. A variable typed by its first
 * assignment has that value's type, as in D: `wide = 0` makes an int, which holds the later
 * 64-bit values whole but records them as aggregation keys in 32 bits (all 0 here). */
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
