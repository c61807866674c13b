/* zd_accept.h: the Accept request header (RFC 9110 12.5.1), so a server can pick between the
 * few media types it can send (listings: JSON or HTML).
 *
 * A value is a comma-separated list of media ranges ("type/subtype", "type/ *" or "* / *", each
 * with optional parameters) with an optional weight "q=" (RFC 9110 12.4.2: 0 to 1, at most
 * three decimals). For one media type, the most specific range that matches decides its
 * quality: an exact range over "type/ *" over "* / *"; media type parameters on a range (e.g.
 * "text/html;level=1") make it more specific still, but only match a type sent with the same
 * parameters, so they are treated as not matching here. Elements that do not parse (a bad q
 * included) are skipped, as the header is advisory. Quoted parameter values may hold ',' and
 * ';'. */
#ifndef ZD_ACCEPT_H
#define ZD_ACCEPT_H

#include <stdbool.h>
#include <stddef.h>

/* Quality 0..1000 that the Accept value h[0..len) gives `type` (lowercase "major/minor"), or
 * -1 when no media range matches it. exact_only: only a range naming `type` itself counts
 * (wildcards are ignored), to tell "asked for JSON" from "takes anything". */
int zd_accept_quality(const char *h, size_t len, const char *type, bool exact_only);

#endif
