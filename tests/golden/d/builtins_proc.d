/* The process built-ins in a replay: the record carries the pid and the command's name, so
 * curpsinfo->pr_pid and pr_fname have them; uid, gid, ppid and the other curpsinfo fields come
 * from /proc in a live trace (dtrace_builtins_live.sh) and are 0 or "" here. Also epid, NULL,
 * and 0 or NULL assigned to a string variable, which makes it D's NULL string (equal to ""; see
 * null_strings.d for what printing it does). */
self string file;

python$target:::function-entry
/copyinstr(arg1) == "start"/
{
	printf("pr_pid==pid %d pr_fname=%s fname==execname %d\n", curpsinfo->pr_pid == pid,
	    curpsinfo->pr_fname, curpsinfo->pr_fname == execname);
	printf("uid=%d gid=%d ppid=%d pr_ppid=%d pr_uid=%d pr_euid=%d pr_gid=%d pr_egid=%d\n", uid,
	    gid, ppid, curpsinfo->pr_ppid, curpsinfo->pr_uid, curpsinfo->pr_euid,
	    curpsinfo->pr_gid, curpsinfo->pr_egid);
	printf("pr_pgid=%d pr_sid=%d pr_psargs=\"%s\"\n", curpsinfo->pr_pgid, curpsinfo->pr_sid,
	    curpsinfo->pr_psargs);
	printf("epid=%d NULL=%d errno=%d\n", epid, NULL, errno);
	self->file = basename(copyinstr(arg0));
	this->name = copyinstr(arg1);
	printf("before: file=%s name=%s\n", self->file, this->name);
	self->file = NULL;
	this->name = 0;
	printf("after: file==NULL %d name==NULL %d file==\"\" %d\n", self->file == NULL,
	    this->name == NULL, self->file == "");
}

python$target:::function-return
/copyinstr(arg1) == "start"/
{
	printf("return clause: epid=%d\n", epid);
	exit(0);
}
