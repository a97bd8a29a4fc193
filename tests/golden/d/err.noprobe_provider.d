perl$target:::function-entry
{
}
