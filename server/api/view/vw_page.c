/* vw_page.c: the HTML page of a listing (see view.h): "Index of /prefix/" as its title and
 * heading (the Apache form that generic readers such as GDAL's /vsicurl/ look for), the Zarr
 * node's section when the prefix holds one (vw_node.c), and a table of the entries with
 * relative links (directories end in '/'; "../" to the parent, the only link that leaves the
 * prefix, which directory readers such as fsspec and rclone skip), sizes and modification
 * times. Text and attribute
 * values go through ax_escape (XML escaping is also HTML-safe: & < > " ' and invalid UTF-8). */
#include "view.h"

#include "api_xml.h"
#include "vw_internal.h"
#include "zd_httpdate.h"
#include "zd_key.h"

#include <inttypes.h>
#include <string.h>

/* Built-in style only: nothing is fetched from anywhere else. */
static const char vw_style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse}td,th{padding:2px 12px 2px 0;text-align:left;"
    "vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "th{border-bottom:1px solid #ccc}pre{background:#f6f6f6;padding:.5em;overflow:auto;"
    "max-width:60em}.meta td:first-child{color:#666}img.preview{image-rendering:pixelated;"
    "border:1px solid #ccc;max-width:100%}.swatch{display:inline-block;width:1em;height:1em;"
    "vertical-align:middle;border:1px solid #999}";

void vw_html_begin(zd_buf *out, const char *prefix, size_t plen)
{
    zd_buf_append_str(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                           "<meta name=\"viewport\" content=\"width=device-width\">"
                           "<title>Index of /");
    ax_escape(out, prefix, plen);
    zd_buf_append_str(out, "</title><style>");
    zd_buf_append_str(out, vw_style);
    zd_buf_append_str(out, "</style></head>\n<body>\n<h1 id=\"path\">Index of /");
    /* Plain text: the only link up is the table's "../" (generic directory readers skip it;
     * links to ancestors or to the page itself would read as members). */
    ax_escape(out, prefix, plen);
    zd_buf_append_str(out, "</h1>\n");
}

void vw_html_end(zd_buf *out)
{
    zd_buf_append_str(out, "</body></html>\n");
}

/* A relative link to an entry: its name percent-encoded ("c/" stays "c/", "a b" is "a%20b";
 * ':' is encoded too, so a name never reads as a URL scheme). */
static void vw_entry_href(zd_buf *out, const st_entry *e)
{
    size_t len = strlen(e->name) - e->dir; /* without a directory's '/' */
    zd_buf enc = {0};
    zd_key_to_path(e->name, len, &enc); /* "/" + encoded name */
    if (enc.len > 1) ax_escape(out, (const char *)enc.data + 1, enc.len - 1);
    if (e->dir) zd_buf_append_str(out, "/");
    zd_buf_free(&enc);
}

static void vw_listing(zd_buf *out, size_t plen, const st_list *l)
{
    zd_buf_append_str(out, "<table id=\"entries\"><thead><tr><th>Name</th><th>Size</th>"
                           "<th>Last modified</th></tr></thead><tbody>\n");
    if (plen)
        zd_buf_append_str(out, "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
    for (size_t i = 0; i < l->n; i++) {
        const st_entry *e = &l->v[i];
        zd_buf_append_str(out, "<tr><td><a href=\"");
        vw_entry_href(out, e);
        zd_buf_append_str(out, "\">");
        ax_escape(out, e->name, strlen(e->name));
        zd_buf_append_str(out, "</a></td><td class=\"n\">");
        if (!e->dir) zd_buf_appendf(out, "%" PRIu64, e->size);
        zd_buf_append_str(out, "</td><td>");
        if (e->mtime_ns) {
            char date[ZD_HTTPDATE_LEN + 1];
            zd_httpdate_format((int64_t)(e->mtime_ns / 1000000000u), date);
            zd_buf_append_str(out, date);
        }
        zd_buf_append_str(out, "</td></tr>\n");
    }
    zd_buf_append_str(out, "</tbody></table>\n");
}

void vw_page(cn_conn *c, const char *prefix, size_t plen, const st_list *l)
{
    zd_buf out = {0};
    vw_html_begin(&out, prefix, plen);
    vw_node_section(c, &out, prefix, plen);
    vw_listing(&out, plen, l);
    vw_html_end(&out);
    rs_begin(c, 200);
    rs_header(c, "Vary", "Accept");
    rs_header(c, "Cache-Control", "no-cache");
    rs_send(c, "text/html; charset=utf-8", out.data, out.len);
    zd_buf_free(&out);
}
