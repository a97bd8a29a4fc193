/* Without -C a preprocessor directive is an error at its line, never skipped silently (both
 * branches of an #ifdef would compile). */
BEGIN { exit(0); }
#ifdef DEBUG
BEGIN { printf("debug\n"); }
#endif
