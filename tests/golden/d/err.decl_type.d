self int indent;

BEGIN
{
	self->indent = "deep";
}
