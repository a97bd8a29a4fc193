python$target:::something-else-entirely
{
}
