/* Reading a variable before its first assignment gives 0 or "", for globals, self-> and this->
 * alike (an unset self-> string is D's NULL string, equal to "": null_strings.d); its type comes
 * from the first assignment anywhere in the program, not from the text's order (the first
 * clause reads self->last and self->name before the later clauses assign them). */
python$target:::function-entry
/self->last == 0 && self->name == "" && copyinstr(arg1) == "middle"/
{
	printf("first: last=%d name==\"\" %d total=%d label=\"%s\" seen=%d this->n=%d this->s=\"%s\"\n",
	    self->last, self->name == "", total, label, seen[copyinstr(arg1)], this->n, this->s);
}

python$target:::function-entry
/copyinstr(arg1) == "middle"/
{
	self->last = timestamp;
	self->name = copyinstr(arg1);
	total++;
	label = strjoin("calls of ", self->name);
	seen[self->name] = 1;
	this->n = 5;
	this->s = "clause-local";
}

python$target:::function-return
/copyinstr(arg1) == "middle" && total == 3/
{
	printf("later: last>0 %d name=%s total=%d label=%s seen=%d this->n=%d this->s=\"%s\"\n",
	    self->last > 0, self->name, total, label, seen["middle"], this->n, this->s);
	exit(0);
}
