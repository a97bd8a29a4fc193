#pragma D option strsize=8192
BEGIN { exit(0); }
