/* log.h: the server's diagnostic log on stderr, filtered by --log-level. Thread-safe (one
 * fprintf per line). Never pass secrets (tokens) to it. */
#ifndef ZS_LOG_H
#define ZS_LOG_H

enum { LG_ERROR = 0, LG_WARN = 1, LG_INFO = 2, LG_DEBUG = 3 };

/* Parse "error", "warn", "info" or "debug"; returns the level or -1. */
int lg_parse_level(const char *s);

void lg_set_level(int level);
int lg_enabled(int level);

void lg_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
