/* String functions and string comparison, in BEGIN (no events needed). */
BEGIN
{
	s = "/usr/lib/python3.11/json/decoder.py";
	printf("basename=%s dirname=%s\n", basename(s), dirname(s));
	printf("basename(\"/\")=%s dirname(\"file\")=%s dirname(\"/x\")=%s\n", basename("/"),
	    dirname("file"), dirname("/x"));
	printf("strlen=%d strjoin=%s\n", strlen(s), strjoin("ab", "cd"));
	printf("substr=%s|%s|%s|%s|\n", substr(s, 5), substr(s, 5, 3), substr(s, -10),
	    substr(s, -10, 4));
	printf("strstr=%s|%d|\n", strstr(s, "json"), strstr(s, "nope") == NULL);
	printf("index=%d %d %d rindex=%d\n", index(s, "py"), index(s, "py", 12), index(s, "zz"),
	    rindex(s, "py"));
	printf("lltostr=%s %s %s\n", lltostr(-42), lltostr(255, 16), lltostr(8, 8));
	printf("stringof=%s %s\n", stringof(12345), stringof("x"));
	printf("toupper=%s tolower=%s\n", toupper("MiXed"), tolower("MiXed"));
	printf("cmp: %d %d %d %d %d\n", "abc" == "abc", "abc" != "abd", "abc" < "abd",
	    "b" > "abc", "" < "a");
	t = strjoin(s, "!");
	printf("t=%s\n", t);
	exit(0);
}
