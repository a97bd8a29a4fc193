python$target:::function-entry
{
	this->x = 0;
	copyinto(arg0, 4, this->x);
}
