/* api_xml.c: the bounded expat reader and the escaping writer (see api_xml.h).
 *
 * Nodes and strings live in one arena of 16 KiB blocks (bump allocation, freed at once).
 * While an element is open its character data accumulates in a per-depth buffer and is
 * copied into the arena when the element ends. */
#include "api_xml.h"

#include <expat.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AX_BLOCK  (16 * 1024)
#define AX_NS_SEP '\x01' /* expat joins "URI" SEP "local" with it */

typedef struct ax_block {
    struct ax_block *next;
    size_t used, cap;
    _Alignas(max_align_t) char data[];
} ax_block;

typedef struct ax_reader {
    XML_Parser p;
    ax_block *arena;
    ax_node *root, *cur;
    size_t depth, nodes;
    zd_buf text[AX_MAX_DEPTH + 1];
    int fail; /* 0, or the ZD_E* code that stopped the parser */
    const char *why;
} ax_reader;

static void *ax_alloc(ax_block **arena, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    ax_block *b = *arena;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > AX_BLOCK ? n : AX_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = *arena;
        b->used = 0;
        b->cap = cap;
        *arena = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static char *ax_strdup(ax_block **arena, const char *s, size_t len)
{
    char *d = ax_alloc(arena, len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

static void ax_stop(ax_reader *r, int code, const char *why)
{
    if (!r->fail) {
        r->fail = code;
        r->why = why;
    }
    XML_StopParser(r->p, XML_FALSE);
}

static void XMLCALL ax_on_start(void *ud, const XML_Char *qname, const XML_Char **attrs)
{
    (void)attrs;
    ax_reader *r = ud;
    if (r->fail) return;
    if (r->depth >= AX_MAX_DEPTH) {
        ax_stop(r, ZD_EOVERFLOW, "elements nested too deeply");
        return;
    }
    if (++r->nodes > AX_MAX_NODES) {
        ax_stop(r, ZD_EOVERFLOW, "too many elements");
        return;
    }
    ax_node *n = ax_alloc(&r->arena, sizeof *n);
    const char *sep = strchr(qname, AX_NS_SEP);
    if (!n) {
        ax_stop(r, ZD_ENOMEM, "out of memory");
        return;
    }
    *n = (ax_node){.parent = r->cur, .text = ""};
    n->ns = sep ? ax_strdup(&r->arena, qname, (size_t)(sep - qname)) : "";
    n->name = ax_strdup(&r->arena, sep ? sep + 1 : qname, strlen(sep ? sep + 1 : qname));
    if (!n->ns || !n->name) {
        ax_stop(r, ZD_ENOMEM, "out of memory");
        return;
    }
    if (r->cur) { /* append as the last child */
        ax_node **slot = &r->cur->child;
        while (*slot)
            slot = &(*slot)->next;
        *slot = n;
    } else {
        r->root = n;
    }
    r->cur = n;
    zd_buf_reset(&r->text[++r->depth]);
}

static void XMLCALL ax_on_end(void *ud, const XML_Char *qname)
{
    (void)qname;
    ax_reader *r = ud;
    if (r->fail) return;
    zd_buf *t = &r->text[r->depth];
    if (t->len) {
        char *s = ax_strdup(&r->arena, (const char *)t->data, t->len);
        if (!s) {
            ax_stop(r, ZD_ENOMEM, "out of memory");
            return;
        }
        r->cur->text = s;
        r->cur->text_len = t->len;
    }
    r->cur = r->cur->parent;
    r->depth--;
}

static void XMLCALL ax_on_text(void *ud, const XML_Char *s, int len)
{
    ax_reader *r = ud;
    if (r->fail || r->depth == 0) return;
    if (zd_buf_append(&r->text[r->depth], s, (size_t)len)) ax_stop(r, ZD_ENOMEM, "out of memory");
}

static void XMLCALL ax_on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                                  const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    ax_stop(ud, ZD_EINVAL, "document type declarations are not accepted");
}

static void XMLCALL ax_on_entity(void *ud, const XML_Char *name, int is_param,
                                 const XML_Char *value, int value_len, const XML_Char *base,
                                 const XML_Char *sysid, const XML_Char *pubid,
                                 const XML_Char *notation)
{
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid;
    (void)pubid, (void)notation;
    ax_stop(ud, ZD_EINVAL, "entity declarations are not accepted");
}

static void ax_arena_free(ax_block *b)
{
    while (b) {
        ax_block *next = b->next;
        free(b);
        b = next;
    }
}

int ax_parse(const char *data, size_t len, ax_doc *doc, zd_error *err)
{
    *doc = (ax_doc){0};
    if (len > INT32_MAX) return zd_error_set(err, ZD_EOVERFLOW, "XML body too large");
    ax_reader r = {0};
    r.p = XML_ParserCreateNS("UTF-8", AX_NS_SEP);
    if (!r.p) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    XML_SetUserData(r.p, &r);
    XML_SetElementHandler(r.p, ax_on_start, ax_on_end);
    XML_SetCharacterDataHandler(r.p, ax_on_text);
    XML_SetStartDoctypeDeclHandler(r.p, ax_on_doctype);
    XML_SetEntityDeclHandler(r.p, ax_on_entity);
    int rc = 0;
    if (XML_Parse(r.p, data, (int)len, XML_TRUE) != XML_STATUS_OK || r.fail) {
        rc = r.fail ? r.fail : ZD_EINVAL;
        if (r.fail)
            zd_error_set(err, rc, "%s", r.why);
        else
            zd_error_set(err, rc, "malformed XML: %s at line %lu",
                         XML_ErrorString(XML_GetErrorCode(r.p)),
                         (unsigned long)XML_GetCurrentLineNumber(r.p));
    } else if (!r.root) {
        rc = zd_error_set(err, ZD_EINVAL, "malformed XML: no root element");
    }
    XML_ParserFree(r.p);
    for (size_t i = 0; i <= AX_MAX_DEPTH; i++)
        zd_buf_free(&r.text[i]);
    if (rc) {
        ax_arena_free(r.arena);
        return rc;
    }
    doc->root = r.root;
    doc->arena = r.arena;
    return 0;
}

void ax_free(ax_doc *doc)
{
    ax_arena_free(doc->arena);
    *doc = (ax_doc){0};
}

bool ax_is(const ax_node *n, const char *ns, const char *name)
{
    return n && strcmp(n->name, name) == 0 && (!ns || strcmp(n->ns, ns) == 0);
}

const ax_node *ax_next(const ax_node *n, const char *ns, const char *name)
{
    for (n = n ? n->next : NULL; n; n = n->next)
        if (ax_is(n, ns, name)) return n;
    return NULL;
}

const ax_node *ax_child(const ax_node *n, const char *ns, const char *name)
{
    if (!n || !n->child) return NULL;
    return ax_is(n->child, ns, name) ? n->child : ax_next(n->child, ns, name);
}

static bool ax_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *ax_text_trim(const ax_node *n, size_t *len)
{
    const char *s = n->text;
    size_t l = n->text_len;
    while (l && ax_is_space(*s))
        s++, l--;
    while (l && ax_is_space(s[l - 1]))
        l--;
    *len = l;
    return s;
}

/* Length of the valid UTF-8 sequence at s[0..len) that XML 1.0 may carry, or 0. */
static size_t ax_utf8_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80) return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || n > len || c > 0xF4) return 0;
    uint32_t cp = c & (0x3F >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return n;
}

int ax_escape(zd_buf *out, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0; /* u[run..i) is copied verbatim */
    int rc = 0;
    while (i < len && !rc) {
        const char *rep = NULL;
        size_t n = ax_utf8_len(u + i, len - i);
        switch (n == 1 ? u[i] : 0) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        default:
            break;
        }
        if (n == 0) rep = "\xEF\xBF\xBD", n = 1; /* U+FFFD for a byte XML cannot carry */
        if (!rep) {
            i += n;
            continue;
        }
        rc = zd_buf_append(out, u + run, i - run);
        if (!rc) rc = zd_buf_append_str(out, rep);
        i += n;
        run = i;
    }
    return rc ? rc : zd_buf_append(out, u + run, i - run);
}

int ax_elem(zd_buf *out, const char *tag, const char *text, size_t len)
{
    int rc = zd_buf_appendf(out, "<%s>", tag);
    if (!rc) rc = ax_escape(out, text, len);
    if (!rc) rc = zd_buf_appendf(out, "</%s>", tag);
    return rc;
}

int ax_elemf(zd_buf *out, const char *tag, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return ZD_EINVAL;
    if ((size_t)n < sizeof small) return ax_elem(out, tag, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) return ZD_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = ax_elem(out, tag, big, (size_t)n);
    free(big);
    return rc;
}
