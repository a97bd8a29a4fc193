BEGIN
{
}
/* never closed
