/* zt_proc.c: /proc/PID/status and /proc/PID/io fields (see zt_proc.h). */
#include "zt_proc.h"

#include <stdio.h>
#include <string.h>

/* The number after "FIELD:" in /proc/PID/FILE; -1 if there is none. */
static long long proc_field(pid_t pid, const char *file, const char *field)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[256];
    long long v = -1;
    size_t flen = strlen(field);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
            if (sscanf(line + flen + 1, "%lld", &v) != 1) v = -1;
            break;
        }
    }
    fclose(f);
    return v;
}

long zt_proc_status_kb(pid_t pid, const char *field)
{
    return (long)proc_field(pid, "status", field);
}

long long zt_proc_io(pid_t pid, const char *field)
{
    return proc_field(pid, "io", field);
}
