/* strtok( ) continues with NULL; another integer is not a string */
BEGIN
{
	trace(strtok(1, ","));
}
