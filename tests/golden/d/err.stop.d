/* stop() is refused: pyscope never stops a traced process. */
python*:::function-entry
{
	stop();
}
