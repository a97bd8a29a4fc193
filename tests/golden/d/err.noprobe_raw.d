python$target:::function__entri
{
}
