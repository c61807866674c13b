/* log.c: leveled logging to stderr with a UTC timestamp (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int lg_level = LG_INFO;
static const char *const lg_names[] = {"error", "warn", "info", "debug"};

int lg_parse_level(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, lg_names[i]) == 0) return i;
    return -1;
}

void lg_set_level(int level)
{
    atomic_store(&lg_level, level);
}

int lg_enabled(int level)
{
    return level <= atomic_load_explicit(&lg_level, memory_order_relaxed);
}

void lg_log(int level, const char *fmt, ...)
{
    if (!lg_enabled(level)) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            lg_names[level], msg);
}
