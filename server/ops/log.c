/* log.c: leveled logging to stderr (see log.h), one logfmt line per event so log shippers can
 * parse it: `ts=2026-11-26T02:09:38.123Z level=error msg="..."`. The message is quoted, with
 * quotes, backslashes and control characters escaped, so one event is always one line. */
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
    char quoted[4 * sizeof msg + 1];
    size_t q = 0;
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p == '"' || *p == '\\') {
            quoted[q++] = '\\';
            quoted[q++] = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            q += (size_t)snprintf(quoted + q, sizeof quoted - q, "\\x%02x", *p);
        } else {
            quoted[q++] = (char)*p;
        }
    }
    quoted[q] = '\0';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=\"%s\"\n",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000, lg_names[level], quoted);
}
