/* zt_proc.h: read a process's figures from /proc: its memory from /proc/PID/status, so tests
 * can bound the server's resident memory (VmRSS) and its peak (VmHWM) while streaming large
 * values, and its I/O counts from /proc/PID/io, so tests can count its write system calls. */
#ifndef ZT_PROC_H
#define ZT_PROC_H

#include <sys/types.h>

/* The value in kB of a /proc/PID/status field such as "VmRSS" or "VmHWM"; -1 if unreadable. */
long zt_proc_status_kb(pid_t pid, const char *field);

/* The value of a /proc/PID/io field such as "syscw" (write system calls of all its threads);
 * -1 if unreadable. */
long long zt_proc_io(pid_t pid, const char *field);

#endif
