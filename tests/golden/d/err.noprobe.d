python$target:::funktion-entry
{
}
