/* if / else (as in DTrace 2.0) */
python$target:::function-entry
/copyinstr(arg1) == "leaf" || copyinstr(arg1) == "middle" || copyinstr(arg1) == "start"/
{
	if (copyinstr(arg1) == "leaf")
		@kind["leaf"] = count();
	else if (copyinstr(arg1) == "middle") {
		@kind["middle"] = count();
	} else {
		@kind["other"] = count();
	}
	if (arg2 > 100) {
		printf("never\n");
	}
}
