/* tick-N and profile-N in a replay fire by the stream's clock, from its first event. */
tick-10ms
{
	@t["tick-10ms"] = count();
}

tick-100hz
{
	@t["tick-100hz"] = count();
}

profile-1000
{
	@t["profile-1000"] = count();
}

tick-1h
{
	@t["tick-1h (never)"] = count();
}
