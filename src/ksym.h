/*
 * ksym.h — a kernel address as dtrace(1) prints it with printf("%a") (dt_subr.c's
 * dtrace_addr2str): "module`symbol+0xoffset", "module`symbol" at the symbol's start, the
 * module "vmlinux" for the kernel image. The symbols are /proc/kallsyms' (read once, at the
 * first lookup).
 */
#ifndef PYSCOPE_KSYM_H
#define PYSCOPE_KSYM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The text for ADDR into BUF; false when no kernel symbol holds it (a user address, or
 * kallsyms hides the addresses from this user: the caller prints hex). */
bool ksym_text(uint64_t addr, char *buf, size_t len);
/* Frees the table (a later lookup reads it again). */
void ksym_free(void);
#endif
