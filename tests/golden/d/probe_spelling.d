/*
 * Probe names match in either spelling, in a mix of both, and with globs whose '?' or '*' stands
 * for the '-' of DTrace's spelling: one rule (ps_name_match) for every dialect and for list/events.
 */
python*:::function?entry { @n["function?entry"] = count(); }
python*:::function-entry { @n["function-entry"] = count(); }
python*:::function__entry { @n["function__entry"] = count(); }
python*:::import__find-load__start { @n["import__find-load__start"] = count(); }
python*:::import-find-load-* { @n["import-find-load-*"] = count(); }
python*:::gc[-]start { @n["gc[-]start"] = count(); }
python*:::*-done { @n["*-done"] = count(); }
END { printa("%-26s %@d\n", @n); }
