/* test_api_xml.c: the front-ends' XML reader (namespaces, text, bounds, refused DTDs) and
 * the escaping writer. */
#include "api_xml.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static int parse(const char *s, ax_doc *d)
{
    zd_error err = {0};
    return ax_parse(s, strlen(s), d, &err);
}

Test(api_xml, namespaces_and_text)
{
    ax_doc d;
    cr_assert_eq(parse("<?xml version=\"1.0\"?>\n<D:propfind xmlns:D=\"DAV:\"><D:prop>"
                       "<D:getetag/><x:color xmlns:x=\"urn:x\">r&amp;d</x:color></D:prop>"
                       "</D:propfind>",
                       &d),
                 0);
    cr_assert(ax_is(d.root, "DAV:", "propfind"));
    const ax_node *prop = ax_child(d.root, "DAV:", "prop");
    cr_assert_not_null(prop);
    cr_assert_not_null(ax_child(prop, "DAV:", "getetag"));
    cr_assert_null(ax_child(prop, "DAV:", "color"));
    const ax_node *c = ax_child(prop, NULL, "color");
    cr_assert_not_null(c);
    cr_assert_str_eq(c->ns, "urn:x");
    cr_assert_str_eq(c->text, "r&d");
    ax_free(&d);
}

Test(api_xml, siblings_and_trim)
{
    ax_doc d;
    cr_assert_eq(parse("<Delete><Object><Key> a </Key></Object><Quiet>true</Quiet>"
                       "<Object><Key>b</Key></Object></Delete>",
                       &d),
                 0);
    cr_assert_str_eq(d.root->ns, "");
    const ax_node *o = ax_child(d.root, NULL, "Object");
    size_t len;
    const char *k = ax_text_trim(ax_child(o, NULL, "Key"), &len);
    cr_assert_eq(len, 1);
    cr_assert_eq(k[0], 'a');
    o = ax_next(o, NULL, "Object");
    cr_assert_str_eq(ax_child(o, NULL, "Key")->text, "b");
    cr_assert_null(ax_next(o, NULL, "Object"));
    ax_free(&d);
}

Test(api_xml, hostile_and_malformed_refused)
{
    ax_doc d;
    zd_error err = {0};
    const char *bomb = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">"
                       "<!ENTITY b \"&a;&a;&a;&a;\">]><l>&b;</l>";
    cr_assert_eq(ax_parse(bomb, strlen(bomb), &d, &err), ZD_EINVAL);
    cr_assert(strstr(err.msg, "document type"), "%s", err.msg);
    cr_assert_eq(parse("<a><b></a>", &d), ZD_EINVAL);
    cr_assert_eq(parse("", &d), ZD_EINVAL);
    cr_assert_eq(parse("<a>&unknown;</a>", &d), ZD_EINVAL);
    char deep[4096] = "";
    for (int i = 0; i < AX_MAX_DEPTH + 1; i++)
        strcat(deep, "<a>");
    for (int i = 0; i < AX_MAX_DEPTH + 1; i++)
        strcat(deep, "</a>");
    cr_assert_eq(parse(deep, &d), ZD_EOVERFLOW);
    deep[0] = '\0';
    for (int i = 0; i < AX_MAX_DEPTH; i++)
        strcat(deep, "<a>");
    for (int i = 0; i < AX_MAX_DEPTH; i++)
        strcat(deep, "</a>");
    cr_assert_eq(parse(deep, &d), 0);
    ax_free(&d);
}

Test(api_xml, escape_writer)
{
    zd_buf b = {0};
    const char *k = "a<b>&\"c'\x01\xff\xc3\xa9";
    cr_assert_eq(ax_elem(&b, "Key", k, strlen(k)), 0);
    cr_assert_eq(zd_buf_append(&b, "", 1), 0);
    cr_assert_str_eq((char *)b.data,
                     "<Key>a&lt;b&gt;&amp;&quot;c&apos;\xEF\xBF\xBD\xEF\xBF\xBD\xc3\xa9</Key>");
    zd_buf_reset(&b);
    cr_assert_eq(ax_elemf(&b, "Size", "%d", 42), 0);
    cr_assert_eq(zd_buf_append(&b, "", 1), 0);
    cr_assert_str_eq((char *)b.data, "<Size>42</Size>");
    zd_buf_free(&b);
}
