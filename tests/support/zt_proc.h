/* zt_proc.h: read a process's memory figures from /proc/PID/status, so tests can bound the
 * server's resident memory (VmRSS) and its peak (VmHWM) while streaming large values. */
#ifndef ZT_PROC_H
#define ZT_PROC_H

#include <sys/types.h>

/* The value in kB of a /proc/PID/status field such as "VmRSS" or "VmHWM"; -1 if unreadable. */
long zt_proc_status_kb(pid_t pid, const char *field);

#endif
