/* Power-of-two and linear histograms in DTrace's layout: line numbers per function, and the
 * time spent in each call of middle(). */
python$target:::line
{
	@lines[copyinstr(arg1)] = quantize(arg2);
	@linear = lquantize(arg2, 0, 40, 10);
}

python$target:::function-entry
/copyinstr(arg1) == "middle"/
{
	self->ts = timestamp;
}

python$target:::function-return
/copyinstr(arg1) == "middle" && self->ts/
{
	@ns["middle"] = quantize(timestamp - self->ts);
	self->ts = 0;
}
