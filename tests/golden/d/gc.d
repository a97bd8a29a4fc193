/* Garbage collections inside start() only (prog.py calls gc.collect(0), (1), (2) there; the
 * interpreter collects on its own elsewhere too, which must not show). */
python$target:::function-entry
/copyinstr(arg1) == "start"/
{
	self->in = 1;
}

python$target:::function-return
/copyinstr(arg1) == "start"/
{
	self->in = 0;
}

python$target:::gc-start
/self->in/
{
	printf("gc-start generation %ld\n", arg0);
}

python$target:::gc-done
/self->in/
{
	printf("gc-done collected %ld\n", arg0);
}
