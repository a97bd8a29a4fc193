python99999999999:::function-entry
{
}
