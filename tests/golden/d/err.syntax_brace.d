python$target:::function-entry
{
	x = 1;
	y = 2;

python$target:::function-return
{
}
