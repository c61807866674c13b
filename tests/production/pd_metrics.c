/* pd_metrics.c: the Prometheus text-format reader (see pd_metrics.h). Lines are parsed one by
 * one with a small cursor; families seen with a TYPE are remembered in a list so a second TYPE
 * or a TYPE after samples is caught. */
#include "pd_metrics.h"

#include <criterion/criterion.h>

#include "zt_http.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct pd_cursor {
    const char *p;
    const char *end;
} pd_cursor;

static bool pd_name_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == ':';
}

static bool pd_name_char(char ch)
{
    return pd_name_start(ch) || (ch >= '0' && ch <= '9');
}

/* A metric or label name; advances the cursor; false if none. */
static bool pd_take_name(pd_cursor *c, bool label)
{
    if (c->p == c->end || !pd_name_start(*c->p) || (label && *c->p == ':')) return false;
    while (c->p < c->end && pd_name_char(*c->p) && !(label && *c->p == ':'))
        c->p++;
    return true;
}

/* `"value"` with the escapes \\, \" and \n. */
static bool pd_take_label_value(pd_cursor *c)
{
    if (c->p == c->end || *c->p != '"') return false;
    for (c->p++; c->p < c->end; c->p++) {
        if (*c->p == '"') {
            c->p++;
            return true;
        }
        if (*c->p == '\\') {
            if (c->end - c->p < 2 || !strchr("\\\"n", c->p[1])) return false;
            c->p++;
        }
    }
    return false;
}

/* `{name="value",...}` (a trailing comma is allowed by the format). */
static bool pd_take_labels(pd_cursor *c)
{
    if (c->p == c->end || *c->p != '{') return true; /* no label set */
    c->p++;
    while (c->p < c->end && *c->p != '}') {
        if (!pd_take_name(c, true) || c->p == c->end || *c->p++ != '=' || !pd_take_label_value(c))
            return false;
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p < c->end && *c->p != '}')
            return false;
    }
    if (c->p == c->end) return false;
    c->p++;
    return true;
}

/* A float as Go's ParseFloat reads it, plus +Inf/-Inf/NaN; the whole token must be used. */
static bool pd_parse_value(const char *tok, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, tok, n);
    buf[n] = '\0';
    if (strcmp(buf, "+Inf") == 0 || strcmp(buf, "-Inf") == 0 || strcmp(buf, "NaN") == 0) {
        *out = buf[0] == 'N' ? NAN : buf[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    char *end;
    *out = strtod(buf, &end);
    return end == buf + n && strspn(buf, "0123456789+-.eE") == n;
}

typedef struct pd_family {
    char name[128];
    bool has_samples;
} pd_family;

typedef struct pd_state {
    pd_metrics *m;
    pd_family *fams;
    size_t nfams;
} pd_state;

static pd_family *pd_family_find(pd_state *st, const char *name, size_t n)
{
    for (size_t i = 0; i < st->nfams; i++)
        if (strlen(st->fams[i].name) == n && memcmp(st->fams[i].name, name, n) == 0)
            return &st->fams[i];
    return NULL;
}

/* The family a sample name belongs to: itself, or for histogram/summary parts the name without
 * _bucket / _sum / _count when that family was declared. */
static pd_family *pd_family_of(pd_state *st, const char *name, size_t n)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    pd_family *f = pd_family_find(st, name, n);
    for (size_t i = 0; !f && i < 3; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n > sl && memcmp(name + n - sl, suffixes[i], sl) == 0)
            f = pd_family_find(st, name, n - sl);
    }
    return f;
}

static int pd_parse_type(pd_state *st, pd_cursor *c)
{
    const char *name = c->p;
    if (!pd_take_name(c, false) || c->p == c->end || *c->p != ' ') return ZD_EINVAL;
    size_t n = (size_t)(c->p - name);
    c->p++;
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    bool known = false;
    for (size_t i = 0; i < 5; i++)
        known |= (size_t)(c->end - c->p) == strlen(types[i]) &&
                 memcmp(c->p, types[i], strlen(types[i])) == 0;
    if (!known || n >= sizeof st->fams[0].name || pd_family_find(st, name, n)) return ZD_EINVAL;
    for (size_t i = 0; i < st->m->n; i++) /* a TYPE after the family's samples */
        if (strlen(st->m->samples[i].name) == n && memcmp(st->m->samples[i].name, name, n) == 0)
            return ZD_EINVAL;
    pd_family *grown = realloc(st->fams, (st->nfams + 1) * sizeof *grown);
    if (!grown) return ZD_ENOMEM;
    st->fams = grown;
    memcpy(st->fams[st->nfams].name, name, n);
    st->fams[st->nfams].name[n] = '\0';
    st->fams[st->nfams++].has_samples = false;
    return 0;
}

static int pd_parse_comment(pd_state *st, pd_cursor *c)
{
    c->p++; /* '#' */
    if (c->end - c->p >= 6 && memcmp(c->p, " TYPE ", 6) == 0) {
        c->p += 6;
        return pd_parse_type(st, c);
    }
    if (c->end - c->p >= 6 && memcmp(c->p, " HELP ", 6) == 0) {
        c->p += 6;
        return pd_take_name(c, false) && (c->p == c->end || *c->p == ' ') ? 0 : ZD_EINVAL;
    }
    return 0; /* any other comment */
}

static int pd_parse_sample(pd_state *st, pd_cursor *c)
{
    const char *start = c->p;
    if (!pd_take_name(c, false)) return ZD_EINVAL;
    size_t name_len = (size_t)(c->p - start);
    if (!pd_take_labels(c) || c->p == c->end || *c->p != ' ') return ZD_EINVAL;
    size_t series_len = (size_t)(c->p - start);
    const char *val = ++c->p;
    const char *sp = memchr(val, ' ', (size_t)(c->end - val));
    const char *val_end = sp ? sp : c->end;
    double v, ts;
    if (!pd_parse_value(val, (size_t)(val_end - val), &v)) return ZD_EINVAL;
    if (sp && !pd_parse_value(sp + 1, (size_t)(c->end - sp - 1), &ts)) return ZD_EINVAL;
    pd_family *f = pd_family_of(st, start, name_len);
    if (f) f->has_samples = true;
    for (size_t i = 0; i < st->m->n; i++)
        if (strlen(st->m->samples[i].series) == series_len &&
            memcmp(st->m->samples[i].series, start, series_len) == 0)
            return ZD_EINVAL; /* duplicate series */
    pd_sample *grown = realloc(st->m->samples, (st->m->n + 1) * sizeof *grown);
    if (!grown) return ZD_ENOMEM;
    st->m->samples = grown;
    pd_sample *s = &st->m->samples[st->m->n];
    s->series = strndup(start, series_len);
    s->name = strndup(start, name_len);
    s->value = v;
    st->m->n++;
    return s->series && s->name ? 0 : ZD_ENOMEM;
}

int pd_metrics_parse(const char *text, size_t len, pd_metrics *m, zd_error *err)
{
    memset(m, 0, sizeof *m);
    pd_state st = {.m = m};
    const char *p = text, *end = text + len;
    int rc = 0;
    for (size_t line = 1; p < end && !rc; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            rc = zd_error_set(err, ZD_EINVAL, "line %zu: no final newline", line);
            break;
        }
        pd_cursor c = {p, nl};
        if (c.p < c.end) rc = *c.p == '#' ? pd_parse_comment(&st, &c) : pd_parse_sample(&st, &c);
        if (rc) zd_error_set(err, rc, "line %zu: %.*s", line, (int)(nl - p), p);
        p = nl + 1;
    }
    free(st.fams);
    if (rc) pd_metrics_free(m);
    return rc;
}

int pd_metrics_read(zt_conn *c, pd_metrics *m, zd_error *err)
{
    zt_response r;
    memset(m, 0, sizeof *m);
    if (zt_send_request(c, "GET", "/_zarrd/metrics", NULL, NULL, 0) ||
        zt_read_response(c, &r, false))
        return zd_error_set(err, ZD_EIO, "GET /_zarrd/metrics: no response");
    const char *ct = zt_header(&r, "Content-Type");
    int rc;
    if (r.status != 200)
        rc = zd_error_set(err, ZD_EINVAL, "GET /_zarrd/metrics: status %d", r.status);
    else if (!ct || strncasecmp(ct, "text/plain", 10) != 0)
        rc = zd_error_set(err, ZD_EINVAL, "metrics Content-Type %s", ct ? ct : "(none)");
    else
        rc = pd_metrics_parse((const char *)r.body.data, r.body.len, m, err);
    zt_response_free(&r);
    return rc;
}

int pd_metrics_scrape(const zt_server *s, pd_metrics *m, zd_error *err)
{
    zt_conn c;
    memset(m, 0, sizeof *m);
    if (zt_conn_open_server(&c, s)) return zd_error_set(err, ZD_EIO, "cannot connect");
    int rc = pd_metrics_read(&c, m, err);
    zt_conn_close(&c);
    return rc;
}

void pd_metrics_free(pd_metrics *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->samples[i].series);
        free(m->samples[i].name);
    }
    free(m->samples);
    memset(m, 0, sizeof *m);
}

bool pd_metric_find(const pd_metrics *m, const char *series, double *value)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->samples[i].series, series) == 0) {
            *value = m->samples[i].value;
            return true;
        }
    return false;
}

double pd_metric(const pd_metrics *m, const char *series)
{
    double v = 0;
    return pd_metric_find(m, series, &v) ? v : 0;
}

double pd_metric_scrape(const zt_server *s, const char *series)
{
    pd_metrics m;
    zd_error err = {0};
    cr_assert_eq(pd_metrics_scrape(s, &m, &err), 0, "metrics: %s", err.msg);
    double v = pd_metric(&m, series);
    pd_metrics_free(&m);
    return v;
}

double pd_metric_settled(const zt_server *s, const char *series, double want)
{
    double v = NAN;
    for (int i = 0; i < 250; i++) {
        pd_metrics m;
        if (pd_metrics_scrape(s, &m, NULL) == 0) {
            v = pd_metric(&m, series);
            pd_metrics_free(&m);
            if (v == want) break;
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return v;
}
