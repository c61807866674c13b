/* s3_bucket.c: the service and bucket operations. A bucket is a directory directly under the
 * root: ListBuckets lists them (every top-level directory, also one a native PUT made; a
 * scoped credential sees its own bucket only), CreateBucket makes one with the store's
 * mkcol (a made collection: it stays when emptied; S3 naming rules, InvalidBucketName),
 * DeleteBucket removes
 * an empty one (BucketNotEmpty otherwise), HeadBucket says whether it exists. There is one
 * region, unnamed (GetBucketLocation: empty, i.e. us-east-1), no versioning (an empty
 * VersioningConfiguration) and no ACLs (GetBucketAcl/GetObjectAcl: the owner has
 * FULL_CONTROL; access is what --s3-keys says). */
#include "s3_internal.h"

#include "api_xml.h"
#include "zd_ctype.h"
#include "zd_error.h"

#include <stdlib.h>
#include <string.h>

static void s3_list_buckets_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    st_list l = {0};
    int rc = s->list(s, "", false, &l);
    if (rc) {
        st_list_free(&l);
        s3_store_error(c, rc, "listing the buckets");
        return;
    }
    st_list_sort(&l);
    zd_buf b = {0};
    s3_xml_start(&b, "ListAllMyBucketsResult");
    s3_xml_owner(&b, "Owner");
    zd_buf_append_str(&b, "<Buckets>");
    const s3_cred *cred = q->auth.cred;
    for (size_t i = 0; i < l.n; i++) {
        const st_entry *e = &l.v[i];
        size_t n = strlen(e->name);
        if (!e->dir) continue;
        n--; /* without its '/' */
        if (cred && cred->scope_len &&
            (cred->scope_len < n || memcmp(cred->scope, e->name, n) != 0 ||
             (cred->scope_len > n && cred->scope[n] != '/')))
            continue;
        uint64_t mtime = e->mtime_ns;
        st_stat st;
        bool dir;
        char name[S3_BUCKET_MAX + 1];
        if (!mtime && n < sizeof name) { /* the memory store's directories: ask for the time */
            memcpy(name, e->name, n);
            name[n] = '\0';
            if (s->lookup(s, name, &st, &dir) == 0) mtime = st.mtime_ns;
        }
        zd_buf_append_str(&b, "<Bucket>");
        ax_elem(&b, "Name", e->name, n);
        s3_xml_time(&b, "CreationDate", mtime);
        zd_buf_append_str(&b, "</Bucket>");
    }
    zd_buf_append_str(&b, "</Buckets>");
    st_list_free(&l);
    s3_xml_send(c, 200, &b, "ListAllMyBucketsResult");
    zd_buf_free(&b);
}

const hd_handler s3_hd_list_buckets = {.finish = s3_list_buckets_finish};

/* S3's bucket naming rules (general purpose buckets). */
static bool s3_bucket_name_ok(const char *n, size_t len)
{
    if (len < 3 || len > 63) return false;
    bool digits_dots = true;
    for (size_t i = 0; i < len; i++) {
        char ch = n[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && ch != '.' && ch != '-') return false;
        if ((i == 0 || i == len - 1) && !alnum) return false;
        if (ch == '.' && (n[i + 1] == '.' || n[i + 1] == '-' || (i && n[i - 1] == '-')))
            return false;
        if (!(ch == '.' || (ch >= '0' && ch <= '9'))) digits_dots = false;
    }
    if (digits_dots) return false; /* looks like an IP address */
    if (len >= 4 && memcmp(n, "xn--", 4) == 0) return false;
    if (len >= 8 && memcmp(n + len - 8, "-s3alias", 8) == 0) return false;
    if (len >= 10 && memcmp(n, "sthree-", 7) == 0) return false;
    return true;
}

static void s3_create_bucket_begin(cn_conn *c)
{
    s3_req *q = s3_q(c);
    if (!s3_bucket_name_ok(q->bucket, q->blen)) {
        s3_error(c, S3E_INVALID_BUCKET_NAME,
                 "The specified bucket is not valid: 3 to 63 lower-case letters, digits, dots "
                 "and hyphens, starting and ending with a letter or digit.");
        return;
    }
    /* an optional CreateBucketConfiguration */
    if (s3_body_begin(c, NULL, 64 * 1024)) hd_offload(c, false);
}

static void s3_create_bucket_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    const zd_buf *body;
    if (!s3_body_end(c, NULL, NULL, &body)) return;
    if (body->len) {
        ax_doc doc;
        zd_error err = {0};
        int rc = ax_parse((const char *)body->data, body->len, &doc, &err);
        bool ok = !rc && ax_is(doc.root, NULL, "CreateBucketConfiguration");
        ax_free(&doc);
        if (!ok) {
            s3_error(c, S3E_MALFORMED_XML,
                     "The XML you provided was not well-formed or did not validate against "
                     "our published schema (%s).",
                     rc ? err.msg : "expected CreateBucketConfiguration");
            return;
        }
    }
    st_store *s = s3_store(c);
    int rc = s->mkcol(s, q->bucket);
    st_stat st;
    bool dir = false;
    if (rc == ZD_EEXIST && s->lookup(s, q->bucket, &st, &dir) == 0 && dir) {
        s3_error(c, S3E_BUCKET_EXISTS,
                 "Your previous request to create the named bucket succeeded and you already "
                 "own it.");
        return;
    }
    if (rc == ZD_EEXIST) {
        s3_error(c, S3E_KEY_CONFLICT, "A value (not a directory) is stored under that name.");
        return;
    }
    if (rc) {
        s3_store_error(c, rc, "creating the bucket");
        return;
    }
    char loc[S3_BUCKET_MAX + 2];
    loc[0] = '/';
    memcpy(loc + 1, q->bucket, q->blen + 1);
    s3_answer(c, 200, "Location", loc);
}

S3_WORK(s3_create_bucket_finish)
const hd_handler s3_hd_create_bucket = {
    .begin = s3_create_bucket_begin, .work = s3_create_bucket_finish_work, .finish = s3_emit};

static void s3_head_bucket_finish(cn_conn *c)
{
    if (!s3_bucket_exists(c)) return;
    s3_begin(c, 200);
    rs_header(c, "x-amz-bucket-region", "us-east-1");
    rs_send(c, NULL, NULL, 0);
}

const hd_handler s3_hd_head_bucket = {.finish = s3_head_bucket_finish};

static void s3_delete_bucket_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    int rc = s->rmcol(s, q->bucket);
    if (rc == ZD_ENOTEMPTY) {
        s3_error(c, S3E_BUCKET_NOT_EMPTY, "The bucket you tried to delete is not empty.");
        return;
    }
    if (rc) {
        s3_store_error(c, rc, "deleting the bucket");
        return;
    }
    s3_answer(c, 204, NULL, NULL);
}

S3_WORK(s3_delete_bucket_finish)
const hd_handler s3_hd_delete_bucket = {
    .begin = s3_offload_begin, .work = s3_delete_bucket_finish_work, .finish = s3_emit};

static void s3_location_finish(cn_conn *c)
{
    if (!s3_bucket_exists(c)) return;
    zd_buf b = {0};
    s3_xml_start(&b, "LocationConstraint");
    s3_xml_send(c, 200, &b, "LocationConstraint");
    zd_buf_free(&b);
}

const hd_handler s3_hd_bucket_location = {.finish = s3_location_finish};

static void s3_versioning_finish(cn_conn *c)
{
    if (!s3_bucket_exists(c)) return;
    zd_buf b = {0};
    s3_xml_start(&b, "VersioningConfiguration");
    s3_xml_send(c, 200, &b, "VersioningConfiguration");
    zd_buf_free(&b);
}

const hd_handler s3_hd_bucket_versioning = {.finish = s3_versioning_finish};

static void s3_acl_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    st_stat st;
    if (!s3_bucket_exists(c)) return;
    int rc = q->klen ? s->stat(s, q->path, &st) : 0;
    if (rc) {
        s3_store_error(c, rc, "reading the object");
        return;
    }
    zd_buf b = {0};
    s3_xml_start(&b, "AccessControlPolicy");
    s3_xml_owner(&b, "Owner");
    zd_buf_append_str(&b, "<AccessControlList><Grant><Grantee "
                          "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                          "xsi:type=\"CanonicalUser\"><ID>" S3_OWNER_ID
                          "</ID><DisplayName>" S3_OWNER_ID "</DisplayName></Grantee>"
                          "<Permission>FULL_CONTROL</Permission></Grant></AccessControlList>");
    s3_xml_send(c, 200, &b, "AccessControlPolicy");
    zd_buf_free(&b);
}

const hd_handler s3_hd_acl = {.finish = s3_acl_finish};
