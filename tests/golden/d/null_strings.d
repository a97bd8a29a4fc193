/* D's NULL string: an unset self-> string or string array element, a string variable given 0
 * or NULL, and strstr's / strtok's "none" are NULL. A NULL compares equal to "" and to NULL;
 * printed, trace()d, passed to a string function or used as a key it reads as the empty
 * string (dtrace(1) faults there with "invalid address (0x0)"; a script that clears a string
 * with `= 0` and prints it later prints nothing instead of losing the clause). An unset
 * global string is "", and so is an unset this-> string; "" stored into a self-> string
 * stays "" (it is not deleted as a NULL would be). stringof() passes a NULL on. */
self string s;
string a[int];
string g, h;

BEGIN
{
	self->y = "";
	h = NULL;
	this->z = "z";
	this->z = NULL;
	printf("g=[%s] self->y=[%s] this->u=[%s]\n", g, self->y, this->u);
	printf("self->s==\"\" %d a[1]==NULL %d strstr==NULL %d h==NULL %d h==\"\" %d z==NULL %d\n",
	    self->s == "", a[1] == NULL, strstr("abc", "z") == NULL, h == NULL, h == "",
	    this->z == NULL);
	printf("stringof(h)==NULL %d\n", stringof(h) == NULL);
}

BEGIN { this->u = "set in another clause"; }
BEGIN { printf("empty: %s\n", self->s); }
BEGIN { trace(a[1]); }
BEGIN { printf("empty: %s\n", h); }
BEGIN { this->z = NULL; printf("empty: %s\n", this->z); }
BEGIN { printf("empty: %d\n", strlen(strstr("abc", "z"))); }
BEGIN { @keys[strtok("", ",")] = count(); }
BEGIN { self->s = "set"; self->s = NULL; printf("empty: %s\n", self->s); }

python$target:::function-entry
/self->s == "" && copyinstr(arg1) == "start"/
{
	printf("a python probe: self->s==NULL %d\n", self->s == NULL);
	trace(self->s);
}

python$target:::function-return
/copyinstr(arg1) == "start"/
{
	exit(0);
}
