python$target:::function-entry
{
	this->p = arg0;
	printf("%s\n", copyin(this->p + 5, 4));
}
