python$target:::function-entry
/copyinstr(arg1)/
{
}
