#pragma D option turbo
BEGIN
{
}
