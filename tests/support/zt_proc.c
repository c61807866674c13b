/* zt_proc.c: /proc/PID/status fields (see zt_proc.h). */
#include "zt_proc.h"

#include <stdio.h>
#include <string.h>

long zt_proc_status_kb(pid_t pid, const char *field)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    size_t flen = strlen(field);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
            if (sscanf(line + flen + 1, "%ld kB", &kb) != 1) kb = -1;
            break;
        }
    }
    fclose(f);
    return kb;
}
