/* access_log.c: the access log (see access_log.h). */
#include "access_log.h"

#include "zd_error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AL_TARGET_MAX 2048 /* target bytes logged; longer targets end in "..." */

static int al_fd = -1;
static bool al_own; /* we opened it (not stdout) */
static const char *al_path;

static int al_open_file(const char *path)
{
    /* fs-lint: not a store path: the --access-log file the operator named */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    return fd < 0 ? ZD_EIO : fd;
}

int al_open(const char *path)
{
    if (strcmp(path, "-") == 0) {
        al_fd = STDOUT_FILENO;
        return 0;
    }
    int fd = al_open_file(path);
    if (fd < 0) return fd;
    al_fd = fd;
    al_own = true;
    al_path = path;
    return 0;
}

int al_reopen(void)
{
    if (!al_own) return 0;
    int fd = al_open_file(al_path);
    if (fd < 0) return fd;
    int rc = dup3(fd, al_fd, O_CLOEXEC) < 0 ? ZD_EIO : 0;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

void al_close(void)
{
    if (al_own) close(al_fd);
    al_fd = -1;
    al_own = false;
}

bool al_enabled(void)
{
    return al_fd >= 0;
}

/* Append target to out (room for 4 bytes per input byte), escaped; returns the length. */
static size_t al_escape(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            out[n++] = (char)ch;
        } else {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[ch >> 4];
            out[n++] = hex[ch & 15];
        }
    }
    return n;
}

void al_write(const al_entry *e)
{
    if (al_fd < 0) return;
    char target[AL_TARGET_MAX * 4 + 4];
    size_t tlen = e->target_len > AL_TARGET_MAX ? AL_TARGET_MAX : e->target_len;
    size_t n = al_escape(target, e->target, tlen);
    if (tlen < e->target_len) {
        memcpy(target + n, "...", 3);
        n += 3;
    }
    target[n] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char when[40];
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    char line[sizeof target + 256];
    char request[sizeof target + 64] = "-"; /* "-" when the request line never parsed */
    if (e->method)
        snprintf(request, sizeof request, "%s %s HTTP/1.%d", e->method, target, e->http_minor);
    int len = snprintf(line, sizeof line, "%s - - [%s] \"%s\" %d %lu %lu %lu\n", e->peer, when,
                       request, e->status, (unsigned long)e->sent, (unsigned long)e->received,
                       (unsigned long)e->usec);
    if (len > 0) {
        ssize_t w = write(al_fd, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
        (void)w; /* a full disk must not stop the server; nothing better to do here */
    }
}
