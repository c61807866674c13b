/* web_xml.h: reading WebDAV answers in tests: an XML body parsed (server/api/xml's expat
 * reader, a real parser) and the pieces of a multistatus looked up by href and property. */
#ifndef WEB_XML_H
#define WEB_XML_H

#include "api_xml.h"
#include "zt_http.h"

#include <stdbool.h>

/* Parse r's body as XML (asserts it parses and has an XML Content-Type); free with ax_free. */
void wx_parse(const zt_response *r, ax_doc *doc);

/* The <D:response> of a multistatus whose href is `href`, or NULL. */
const ax_node *wx_response(const ax_doc *doc, const char *href);

/* How many <D:response> elements the multistatus has. */
int wx_count(const ax_doc *doc);

/* The status code of the propstat of response `resp` holding DAV property `name`, its element
 * in *prop (may be NULL); 0 when no propstat holds it. */
int wx_prop(const ax_node *resp, const char *name, const ax_node **prop);

/* The trimmed text of DAV property `name` of response `resp` with status 200 (asserted), as a
 * NUL-terminated copy in a static buffer. */
const char *wx_text(const ax_node *resp, const char *name);

/* The status code in a <D:response>'s own <D:status> (0 when it has none). */
int wx_status(const ax_node *resp);

/* Assert r is an XML <D:error> with the given status and, when precond is not NULL, that
 * DAV precondition element. */
void wx_expect_error(const zt_response *r, int status, const char *precond);

/* Run `method target` (headers may be NULL) and wx_expect_error on the answer. */
void wx_expect_error_for(const char *method, const char *target, const char *headers,
                         const void *body, size_t len, int status, const char *precond);

#endif
