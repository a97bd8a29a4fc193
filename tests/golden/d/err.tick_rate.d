tick-fast
{
}
