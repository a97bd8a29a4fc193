python$target:::function-entry
/self->tracing/
{
}
