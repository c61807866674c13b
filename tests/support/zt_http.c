/* zt_http.c: the blocking raw-socket HTTP/1.1 test client (see zt_http.h). Received bytes
 * collect in one buffer per connection; lines and bodies are taken from its front. All sizes
 * read from the peer are overflow-checked and bounded. */
#include "zt_http.h"

#include "zd_checked.h"
#include "zd_error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_LINE   (64 * 1024)
#define MAX_BODY   ((uint64_t)1 << 30) /* bodies read into memory */
#define READ_CHUNK (64 * 1024)

int zt_conn_set_timeout(zt_conn *c, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) ||
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv))
        return ZD_EIO;
    return 0;
}

int zt_conn_open(zt_conn *c, const char *host, int port)
{
    memset(c, 0, sizeof *c);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return ZD_EINVAL;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) return ZD_EIO;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (zt_conn_set_timeout(c, ZT_WAIT_MS) ||
        connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(c->fd);
        c->fd = -1;
        return ZD_EIO;
    }
    return 0;
}

int zt_conn_open_server(zt_conn *c, const zt_server *s)
{
    return zt_conn_open(c, s->host, s->port);
}

void zt_conn_close(zt_conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    zd_buf_free(&c->in);
    c->in_off = 0;
}

int zt_send(zt_conn *c, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return ZD_EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int zt_sendf(zt_conn *c, const char *fmt, ...)
{
    char stack[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(stack, sizeof stack, fmt, ap);
    va_end(ap);
    if (n < 0) return ZD_EINVAL;
    if ((size_t)n < sizeof stack) return zt_send(c, stack, (size_t)n);
    char *heap = malloc((size_t)n + 1);
    if (!heap) return ZD_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(heap, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = zt_send(c, heap, (size_t)n);
    free(heap);
    return rc;
}

int zt_send_request(zt_conn *c, const char *method, const char *target, const char *headers,
                    const void *body, size_t len)
{
    int rc = zt_sendf(c, "%s %s HTTP/1.1\r\nHost: zarrd-test\r\n%s", method, target,
                      headers ? headers : "");
    if (rc == 0 && body) rc = zt_sendf(c, "Content-Length: %zu\r\n", len);
    if (rc == 0) rc = zt_send(c, "\r\n", 2);
    if (rc == 0 && body && len) rc = zt_send(c, body, len);
    return rc;
}

static size_t buffered(const zt_conn *c)
{
    return c->in.len - c->in_off;
}

/* Read more bytes into the buffer. > 0 read, 0 EOF, < 0 error or timeout. */
static ssize_t fill(zt_conn *c)
{
    if (c->in_off > 0 && c->in_off == c->in.len) {
        c->in.len = 0;
        c->in_off = 0;
    }
    if (zd_buf_reserve(&c->in, READ_CHUNK)) return -1;
    ssize_t n;
    do
        n = recv(c->fd, c->in.data + c->in.len, READ_CHUNK, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0) c->in.len += (size_t)n;
    return n;
}

/* Take bytes off the front of the buffer. */
static const char *take(zt_conn *c, size_t n)
{
    const char *p = (const char *)c->in.data + c->in_off;
    c->in_off += n;
    return p;
}

/* Next CRLF-terminated line (without CRLF, NUL-terminated copy in line). */
static int read_line(zt_conn *c, char *line, size_t cap)
{
    for (;;) {
        const char *start = (const char *)c->in.data + c->in_off;
        size_t avail = buffered(c);
        const char *lf = avail ? memchr(start, '\n', avail) : NULL;
        if (lf) {
            size_t n = (size_t)(lf - start);
            if (n == 0 || start[n - 1] != '\r' || n - 1 >= cap) return ZD_EINVAL;
            memcpy(line, start, n - 1);
            line[n - 1] = '\0';
            take(c, n + 1);
            return 0;
        }
        if (avail >= MAX_LINE || fill(c) <= 0) return ZD_EIO;
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static int add_header(zt_response *r, char *line)
{
    char *colon = strchr(line, ':');
    if (!colon || colon == line || r->nheaders == ZT_MAX_HEADERS) return ZD_EINVAL;
    *colon = '\0';
    zt_hfield *h = &r->headers[r->nheaders];
    h->name = strdup(line);
    h->value = strdup(trim(colon + 1));
    r->nheaders++;
    return h->name && h->value ? 0 : ZD_ENOMEM;
}

int zt_read_head(zt_conn *c, zt_response *r)
{
    memset(r, 0, sizeof *r);
    char *line = malloc(MAX_LINE);
    if (!line) return ZD_ENOMEM;
    int rc = read_line(c, line, MAX_LINE);
    int minor, status;
    char after;
    if (rc == 0 && (sscanf(line, "HTTP/1.%d %3d%c", &minor, &status, &after) != 3 || after != ' ' ||
                    status < 100 || status > 599))
        rc = ZD_EINVAL;
    if (rc == 0) r->status = status;
    while (rc == 0 && (rc = read_line(c, line, MAX_LINE)) == 0 && line[0] != '\0')
        rc = add_header(r, line);
    free(line);
    return rc;
}

const char *zt_header(const zt_response *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    return NULL;
}

/* Strict unsigned decimal/hex number covering all of s; false on junk or overflow. */
static bool parse_u64(const char *s, int base, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s) return false;
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return false;
        if (!zd_mul_u64(v, (uint64_t)base, &v) || !zd_add_u64(v, (uint64_t)d, &v)) return false;
    }
    *out = v;
    return true;
}

bool zt_content_length(const zt_response *r, uint64_t *out)
{
    const char *v = zt_header(r, "Content-Length");
    return v && parse_u64(v, 10, out);
}

/* Append exactly n body bytes to r->body. */
static int read_exact(zt_conn *c, zt_response *r, uint64_t n)
{
    if (n > MAX_BODY || r->body.len + n > MAX_BODY) return ZD_EOVERFLOW;
    while (n > 0) {
        if (buffered(c) == 0 && fill(c) <= 0) return ZD_EIO;
        size_t k = buffered(c) < n ? buffered(c) : (size_t)n;
        if (zd_buf_append(&r->body, take(c, k), k)) return ZD_ENOMEM;
        n -= k;
    }
    return 0;
}

static int read_chunked(zt_conn *c, zt_response *r)
{
    char line[1024];
    for (;;) {
        int rc = read_line(c, line, sizeof line);
        if (rc) return rc;
        char *ext = strchr(line, ';');
        if (ext) *ext = '\0';
        uint64_t size;
        if (!parse_u64(trim(line), 16, &size)) return ZD_EINVAL;
        if (size == 0) break;
        if ((rc = read_exact(c, r, size)) || (rc = read_line(c, line, sizeof line))) return rc;
        if (line[0] != '\0') return ZD_EINVAL;
    }
    do { /* trailer section */
        int rc = read_line(c, line, sizeof line);
        if (rc) return rc;
    } while (line[0] != '\0');
    return 0;
}

static int read_to_eof(zt_conn *c, zt_response *r)
{
    for (;;) {
        size_t k = buffered(c);
        if (r->body.len + k > MAX_BODY) return ZD_EOVERFLOW;
        if (k && zd_buf_append(&r->body, take(c, k), k)) return ZD_ENOMEM;
        ssize_t n = fill(c);
        if (n == 0) return 0;
        if (n < 0) return ZD_EIO;
    }
}

int zt_read_body(zt_conn *c, zt_response *r, bool head_request)
{
    if (head_request || r->status < 200 || r->status == 204 || r->status == 304) return 0;
    const char *te = zt_header(r, "Transfer-Encoding");
    if (te) return strcasestr(te, "chunked") ? read_chunked(c, r) : ZD_EINVAL;
    const char *cl = zt_header(r, "Content-Length");
    uint64_t n;
    if (cl) return parse_u64(cl, 10, &n) ? read_exact(c, r, n) : ZD_EINVAL;
    return read_to_eof(c, r);
}

int zt_read_response(zt_conn *c, zt_response *r, bool head_request)
{
    int rc = zt_read_head(c, r);
    return rc ? rc : zt_read_body(c, r, head_request);
}

void zt_response_free(zt_response *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    r->nheaders = 0;
    zd_buf_free(&r->body);
}

ssize_t zt_recv(zt_conn *c, void *buf, size_t cap)
{
    if (buffered(c) == 0) {
        ssize_t n;
        do
            n = recv(c->fd, buf, cap, 0);
        while (n < 0 && errno == EINTR);
        return n;
    }
    size_t k = buffered(c) < cap ? buffered(c) : cap;
    memcpy(buf, take(c, k), k);
    return (ssize_t)k;
}

bool zt_conn_closed_by_peer(zt_conn *c)
{
    if (buffered(c) > 0) return false;
    char b;
    ssize_t n;
    do
        n = recv(c->fd, &b, 1, 0);
    while (n < 0 && errno == EINTR);
    return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

int zt_request(const zt_server *s, const char *method, const char *target, const char *headers,
               const void *body, size_t len, zt_response *r)
{
    zt_conn c;
    memset(r, 0, sizeof *r);
    int rc = zt_conn_open_server(&c, s);
    if (rc) return rc;
    rc = zt_send_request(&c, method, target, headers, body, len);
    if (rc == 0) rc = zt_read_response(&c, r, strcmp(method, "HEAD") == 0);
    zt_conn_close(&c);
    return rc;
}

int zt_conn_status(zt_conn *c, const char *method, const char *target, const char *headers,
                   const void *body, size_t len)
{
    zt_response r = {0};
    int rc = zt_send_request(c, method, target, headers, body, len);
    if (rc == 0) rc = zt_read_response(c, &r, strcmp(method, "HEAD") == 0);
    int status = rc ? -1 : r.status;
    zt_response_free(&r);
    return status;
}
