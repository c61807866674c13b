/* api_xml.h: XML for the front-ends that speak it (S3, WebDAV): request bodies parsed by
 * expat into a small read-only tree, and an escaping writer for response bodies.
 *
 * Parsing is deliberately strict and bounded, because every body comes from the network:
 * a document type declaration (and so any entity) is refused, as are more than
 * AX_MAX_DEPTH levels, AX_MAX_NODES elements or malformed XML. Namespaces are resolved:
 * each element has its namespace URI ("" when none) and its local name, so a front-end
 * can match `DAV: propfind` exactly, or a local name in any namespace (S3 clients send
 * bodies with and without xmlns). Text is the element's own character data, concatenated
 * (not its children's). Attributes are not kept: neither protocol's request bodies need them.
 *
 * Errors: ZD_EINVAL (malformed, with expat's reason and line in err), ZD_EOVERFLOW (a bound),
 * ZD_ENOMEM. */
#ifndef API_XML_H
#define API_XML_H

#include "zd_buf.h"
#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>

#define AX_MAX_DEPTH 32
#define AX_MAX_NODES 100000

typedef struct ax_node {
    const char *ns;   /* namespace URI, "" when none */
    const char *name; /* local name */
    const char *text; /* own character data, NUL-terminated ("" when none) */
    size_t text_len;
    struct ax_node *parent, *child, *next;
} ax_node;

typedef struct ax_doc {
    ax_node *root;
    void *arena; /* every node and string, freed at once */
} ax_doc;

/* Parse data[0..len) into doc (freed with ax_free, also after a failure). */
int ax_parse(const char *data, size_t len, ax_doc *doc, zd_error *err);
void ax_free(ax_doc *doc);

/* Whether n is the element {ns}name; ns NULL matches any namespace. */
bool ax_is(const ax_node *n, const char *ns, const char *name);

/* The first child of n / the next sibling after n that is {ns}name (ns NULL: any), or NULL. */
const ax_node *ax_child(const ax_node *n, const char *ns, const char *name);
const ax_node *ax_next(const ax_node *n, const char *ns, const char *name);

/* Text with surrounding XML whitespace removed (pointer into the node; *len set). */
const char *ax_text_trim(const ax_node *n, size_t *len);

/* Writer: append s[0..len) escaped for text and attribute values (& < > " '); invalid UTF-8
 * and control characters XML 1.0 cannot carry are written as U+FFFD. */
int ax_escape(zd_buf *out, const char *s, size_t len);

/* Append <tag>escaped text</tag>. */
int ax_elem(zd_buf *out, const char *tag, const char *text, size_t len);

/* Append <tag>formatted text</tag> (the formatted text is escaped). */
int ax_elemf(zd_buf *out, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
