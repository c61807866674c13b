#!/usr/bin/python3
"""boto3_test.py: the S3 endpoint through boto3 (Debian python3-boto3), as users call it:
every supported operation with its error codes, presigned GET/PUT, SigV4 failures (wrong
secret, unknown key, skewed clock, expired URL), credential rights, pagination over 2,500 keys
with delimiters, byte-order listing of tricky names, multipart uploads and their failures,
and the key space shared with the native API.

Usage: boto3_test.py ZARRD STORE     (STORE: fs or memory)
"""
import base64
import datetime
import hashlib
import os
import sys
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from s3_harness import ACCESS, SECRET, Server  # noqa: E402

import botocore  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ZARRD, STORE = sys.argv[1], sys.argv[2]
MiB = 1 << 20


def code(e):
    return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]


class S3Case(unittest.TestCase):
    def setUp(self):
        self.srv = Server(ZARRD, STORE)
        self.s3 = self.srv.client()
        self.s3.create_bucket(Bucket="bkt")

    def tearDown(self):
        self.srv.stop()

    def assertError(self, want, status, fn, *a, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(*a, **kw)
        self.assertEqual(code(cm.exception), (want, status), cm.exception)
        return cm.exception

    def with_headers(self, op, headers):
        """Add raw headers to the next calls of op (for what this botocore predates)."""
        def add(request, **kw):
            for k, v in headers.items():
                request.headers[k] = v
        self.s3.meta.events.register(f"before-sign.s3.{op}", add, unique_id=f"h-{op}")
        return lambda: self.s3.meta.events.unregister(f"before-sign.s3.{op}", unique_id=f"h-{op}")

    def native(self, method, key, data=None, headers=None):
        req = urllib.request.Request(f"{self.srv.native}/{key}", data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def native_put_many(self, bucket, keys):
        """PUT empty values natively over one keep-alive connection."""
        import http.client
        host, port = self.srv.native[len("http://"):].rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        for k in keys:
            conn.request("PUT", "/%s/%s" % (bucket, urllib.parse.quote(k)), body=b"")
            r = conn.getresponse()
            r.read()
            self.assertIn(r.status, (201, 204), k)
        conn.close()

    def exists(self, key, bucket="bkt"):
        try:
            self.s3.head_object(Bucket=bucket, Key=key)
            return True
        except ClientError as e:
            self.assertEqual(code(e)[1], 404)
            return False


class Buckets(S3Case):
    def test_create_head_list_delete(self):
        self.assertError("BucketAlreadyOwnedByYou", 409, self.s3.create_bucket, Bucket="bkt")
        for bad in ["ab", "Upper", "a..b", "192.168.1.1", "-abc", "abc-", "a_b", "x" * 64]:
            self.assertError("InvalidBucketName", 400, self.s3.create_bucket, Bucket=bad)
        self.s3.create_bucket(Bucket="other.bucket-2",
                              CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        names = [b["Name"] for b in self.s3.list_buckets()["Buckets"]]
        self.assertEqual(names, ["bkt", "other.bucket-2"])
        self.assertEqual(self.s3.head_bucket(Bucket="bkt")["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertError("404", 404, self.s3.head_bucket, Bucket="nope")
        self.assertIn(self.s3.get_bucket_location(Bucket="bkt").get("LocationConstraint"), (None, ""))
        self.assertNotIn("Status", self.s3.get_bucket_versioning(Bucket="bkt"))
        self.s3.put_object(Bucket="bkt", Key="d/x", Body=b"1")
        self.assertError("BucketNotEmpty", 409, self.s3.delete_bucket, Bucket="bkt")
        self.s3.delete_object(Bucket="bkt", Key="d/x")
        # a bucket made by CreateBucket stays when its last object goes
        self.assertEqual(self.s3.head_bucket(Bucket="bkt")["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.s3.delete_bucket(Bucket="bkt")
        self.assertError("404", 404, self.s3.head_bucket, Bucket="bkt")
        self.assertError("NoSuchBucket", 404, self.s3.delete_bucket, Bucket="bkt")
        self.assertError("NoSuchBucket", 404, self.s3.put_object, Bucket="bkt", Key="k", Body=b"")
        self.assertError("NoSuchBucket", 404, self.s3.list_objects_v2, Bucket="bkt")
        self.assertError("NoSuchBucket", 404, self.s3.get_object, Bucket="bkt", Key="k")
        self.assertEqual(self.native("GET", "bkt/k")[0], 404, "a PUT to a missing bucket made it")


class Objects(S3Case):
    def test_put_get_head_with_metadata(self):
        body = b"hello, zarrd" * 100
        r = self.s3.put_object(Bucket="bkt", Key="dir/obj.bin", Body=body, ContentType="image/tiff",
                               CacheControl="max-age=60", ContentDisposition="attachment",
                               ContentEncoding="identity", ContentLanguage="en",
                               Expires=datetime.datetime(2030, 1, 2, 3, 4, 5),
                               Metadata={"Color": "blue", "shape": "round"})
        etag = '"%s"' % hashlib.md5(body).hexdigest()
        self.assertEqual(r["ETag"], etag)
        o = self.s3.get_object(Bucket="bkt", Key="dir/obj.bin")
        self.assertEqual(o["Body"].read(), body)
        self.assertEqual(o["ETag"], etag)
        self.assertEqual(o["ContentType"], "image/tiff")
        self.assertEqual(o["CacheControl"], "max-age=60")
        self.assertEqual(o["ContentDisposition"], "attachment")
        self.assertEqual(o["ContentEncoding"], "identity")
        self.assertEqual(o["ContentLanguage"], "en")
        self.assertEqual(o["Metadata"], {"color": "blue", "shape": "round"})
        self.assertEqual(o["ResponseMetadata"]["HTTPHeaders"]["expires"], "Wed, 02 Jan 2030 03:04:05 GMT")
        self.assertEqual(o["ContentLength"], len(body))
        self.assertTrue(o["LastModified"].year >= 2024)
        h = self.s3.head_object(Bucket="bkt", Key="dir/obj.bin")
        self.assertEqual((h["ContentLength"], h["ETag"], h["ContentType"]), (len(body), etag, "image/tiff"))
        # x-amz-request-id on every answer, a different one each time
        ids = [x["ResponseMetadata"]["HTTPHeaders"].get("x-amz-request-id") for x in
               (r, o, h, self.s3.list_objects_v2(Bucket="bkt"), self.s3.list_buckets(),
                self.s3.head_bucket(Bucket="bkt"), self.s3.delete_object(Bucket="bkt", Key="none"))]
        self.assertTrue(all(ids), ids)
        self.assertEqual(len(set(ids)), len(ids), ids)
        # the native API sees the same bytes and the stored Content-Type
        status, data, headers = self.native("GET", "bkt/dir/obj.bin")
        self.assertEqual((status, data, headers["Content-Type"]), (200, body, "image/tiff"))
        # response-* overrides
        o = self.s3.get_object(Bucket="bkt", Key="dir/obj.bin", ResponseContentType="text/x-over",
                               ResponseContentDisposition="inline", ResponseCacheControl="no-store",
                               ResponseContentEncoding="gzip", ResponseContentLanguage="fr",
                               ResponseExpires=datetime.datetime(2031, 5, 6, 7, 8, 9))
        self.assertEqual((o["ContentType"], o["ContentDisposition"], o["CacheControl"], o["ContentEncoding"],
                          o["ContentLanguage"], o["ResponseMetadata"]["HTTPHeaders"]["expires"]),
                         ("text/x-over", "inline", "no-store", "gzip", "fr", "Tue, 06 May 2031 07:08:09 GMT"))
        self.assertEqual(o["Body"].read(), body)
        # a plain PUT replaces the metadata too
        self.s3.put_object(Bucket="bkt", Key="dir/obj.bin", Body=b"x")
        o = self.s3.get_object(Bucket="bkt", Key="dir/obj.bin")
        self.assertEqual(o["Metadata"], {})
        self.assertNotEqual(o["ContentType"], "image/tiff")

    def test_content_md5(self):
        body = b"checked bytes"
        good = base64.b64encode(hashlib.md5(body).digest()).decode()
        self.s3.put_object(Bucket="bkt", Key="m", Body=body, ContentMD5=good)
        bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        self.assertError("BadDigest", 400, self.s3.put_object, Bucket="bkt", Key="m2", Body=body,
                         ContentMD5=bad)
        self.assertFalse(self.exists("m2"), "a body with a bad Content-MD5 was stored")
        self.assertError("InvalidDigest", 400, self.s3.put_object, Bucket="bkt", Key="m3",
                         Body=body, ContentMD5="not-base64!")
        self.assertFalse(self.exists("m3"))
        self.assertEqual(self.s3.get_object(Bucket="bkt", Key="m")["Body"].read(), body)

    def test_ranges(self):
        self.s3.put_object(Bucket="bkt", Key="r", Body=b"0123456789")
        self.assertEqual(self.s3.get_object(Bucket="bkt", Key="r", Range="bytes=2-4")["Body"].read(), b"234")
        o = self.s3.get_object(Bucket="bkt", Key="r", Range="bytes=-3")
        self.assertEqual((o["Body"].read(), o["ContentRange"]), (b"789", "bytes 7-9/10"))
        self.assertEqual(self.s3.get_object(Bucket="bkt", Key="r", Range="bytes=8-")["Body"].read(), b"89")
        e = self.assertError("InvalidRange", 416, self.s3.get_object, Bucket="bkt", Key="r",
                             Range="bytes=10-20")
        self.assertEqual(e.response["ResponseMetadata"]["HTTPHeaders"]["content-range"], "bytes */10")
        # several ranges: S3 answers the whole object
        self.assertEqual(self.s3.get_object(Bucket="bkt", Key="r", Range="bytes=0-1,4-5")["Body"].read(),
                         b"0123456789")

    def test_conditional_reads_in_s3_precedence(self):
        etag = self.s3.put_object(Bucket="bkt", Key="c", Body=b"v")["ETag"]
        past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        get = lambda **kw: self.s3.get_object(Bucket="bkt", Key="c", **kw)  # noqa: E731
        self.assertEqual(get(IfMatch=etag)["Body"].read(), b"v")
        self.assertError("PreconditionFailed", 412, get, IfMatch='"nope"')
        self.assertError("304", 304, get, IfNoneMatch=etag)
        self.assertError("304", 304, get, IfModifiedSince=future)
        self.assertError("PreconditionFailed", 412, get, IfUnmodifiedSince=past)
        # If-Match holds: If-Unmodified-Since is not looked at
        self.assertEqual(get(IfMatch=etag, IfUnmodifiedSince=past)["Body"].read(), b"v")
        # If-None-Match does not match: If-Modified-Since is not looked at
        self.assertEqual(get(IfNoneMatch='"other"', IfModifiedSince=future)["Body"].read(), b"v")
        self.assertEqual(get(IfModifiedSince=past)["Body"].read(), b"v")
        self.assertError("304", 304, self.s3.head_object, Bucket="bkt", Key="c", IfNoneMatch=etag)

    def test_conditional_writes(self):
        etag = self.s3.put_object(Bucket="bkt", Key="w", Body=b"first")["ETag"]
        done = self.with_headers("PutObject", {"If-None-Match": "*"})
        self.assertError("PreconditionFailed", 412, self.s3.put_object, Bucket="bkt", Key="w", Body=b"second")
        self.s3.put_object(Bucket="bkt", Key="w-new", Body=b"created")
        done()
        self.assertEqual(self.s3.get_object(Bucket="bkt", Key="w")["Body"].read(), b"first")
        done = self.with_headers("PutObject", {"If-Match": '"0000"'})
        self.assertError("PreconditionFailed", 412, self.s3.put_object, Bucket="bkt", Key="w", Body=b"third")
        self.assertError("NoSuchKey", 404, self.s3.put_object, Bucket="bkt", Key="w-missing", Body=b"x")
        done()
        self.assertFalse(self.exists("w-missing"))
        done = self.with_headers("PutObject", {"If-Match": etag})
        self.s3.put_object(Bucket="bkt", Key="w", Body=b"fourth")
        done()
        self.assertEqual(self.s3.get_object(Bucket="bkt", Key="w")["Body"].read(), b"fourth")
        done = self.with_headers("DeleteObject", {"If-Match": etag})  # now stale
        self.assertError("PreconditionFailed", 412, self.s3.delete_object, Bucket="bkt", Key="w")
        done()
        self.assertTrue(self.exists("w"))

    def test_delete_and_delete_objects(self):
        for k in ["a", "b", "c/d"]:
            self.s3.put_object(Bucket="bkt", Key=k, Body=b"x")
        self.assertEqual(self.s3.delete_object(Bucket="bkt", Key="a")["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.s3.delete_object(Bucket="bkt", Key="a")["ResponseMetadata"]["HTTPStatusCode"], 204)
        r = self.s3.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": "b"}, {"Key": "c/d"},
                                                                     {"Key": "missing"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["b", "c/d", "missing"])
        self.assertNotIn("Errors", r)
        self.s3.put_object(Bucket="bkt", Key="q", Body=b"x")
        r = self.s3.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": "q"}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertFalse(self.exists("q"))
        self.assertEqual(self.s3.list_objects_v2(Bucket="bkt")["KeyCount"], 0)

    def test_keys_the_tree_cannot_hold(self):
        for key in ["a//b", "a/../b", "./x", "dir/", "a/./b", ".zarrd-uploads/x", "a/.zarrd-tmp-1"]:
            self.assertError("InvalidArgument", 400, self.s3.put_object, Bucket="bkt", Key=key, Body=b"x")
        self.assertError("KeyTooLongError", 400, self.s3.put_object, Bucket="bkt", Key="k" * 1030, Body=b"x")
        self.assertEqual(self.s3.list_objects_v2(Bucket="bkt")["KeyCount"], 0, "a refused key was stored")
        self.s3.put_object(Bucket="bkt", Key="d/x", Body=b"1")
        self.assertError("KeyConflict", 409, self.s3.put_object, Bucket="bkt", Key="d", Body=b"2")
        self.s3.put_object(Bucket="bkt", Key="f", Body=b"1")
        self.assertError("KeyConflict", 409, self.s3.put_object, Bucket="bkt", Key="f/g", Body=b"2")
        self.assertEqual(self.s3.get_object(Bucket="bkt", Key="f")["Body"].read(), b"1")

    def test_copy(self):
        self.s3.put_object(Bucket="bkt", Key="src", Body=b"copy me", ContentType="text/csv",
                           Metadata={"k": "v"})
        etag = '"%s"' % hashlib.md5(b"copy me").hexdigest()
        r = self.s3.copy_object(Bucket="bkt", Key="dst/1", CopySource={"Bucket": "bkt", "Key": "src"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], etag)
        o = self.s3.get_object(Bucket="bkt", Key="dst/1")
        self.assertEqual((o["Body"].read(), o["ContentType"], o["Metadata"]), (b"copy me", "text/csv", {"k": "v"}))
        self.s3.copy_object(Bucket="bkt", Key="dst/2", CopySource="bkt/src", MetadataDirective="REPLACE",
                            ContentType="text/plain", Metadata={"new": "1"})
        o = self.s3.get_object(Bucket="bkt", Key="dst/2")
        self.assertEqual((o["ContentType"], o["Metadata"]), ("text/plain", {"new": "1"}))
        self.assertError("InvalidRequest", 400, self.s3.copy_object, Bucket="bkt", Key="src", CopySource="bkt/src")
        self.s3.copy_object(Bucket="bkt", Key="src", CopySource="bkt/src", MetadataDirective="REPLACE",
                            Metadata={"changed": "yes"})
        o = self.s3.get_object(Bucket="bkt", Key="src")
        self.assertEqual((o["Body"].read(), o["Metadata"]), (b"copy me", {"changed": "yes"}))
        self.assertError("PreconditionFailed", 412, self.s3.copy_object, Bucket="bkt", Key="dst/3",
                         CopySource="bkt/src", CopySourceIfMatch='"nope"')
        self.assertError("PreconditionFailed", 412, self.s3.copy_object, Bucket="bkt", Key="dst/3",
                         CopySource="bkt/src", CopySourceIfNoneMatch=etag)
        past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        self.assertError("PreconditionFailed", 412, self.s3.copy_object, Bucket="bkt", Key="dst/3",
                         CopySource="bkt/src", CopySourceIfModifiedSince=future)
        self.assertError("PreconditionFailed", 412, self.s3.copy_object, Bucket="bkt", Key="dst/3",
                         CopySource="bkt/src", CopySourceIfUnmodifiedSince=past)
        self.assertFalse(self.exists("dst/3"))
        # S3's precedence: a matching if-match overrides if-unmodified-since, a non-matching
        # if-none-match overrides if-modified-since
        self.s3.copy_object(Bucket="bkt", Key="dst/5", CopySource="bkt/src", CopySourceIfMatch=etag,
                            CopySourceIfUnmodifiedSince=past)
        self.s3.copy_object(Bucket="bkt", Key="dst/6", CopySource="bkt/src", CopySourceIfNoneMatch='"other"',
                            CopySourceIfModifiedSince=future)
        self.s3.copy_object(Bucket="bkt", Key="dst/7", CopySource="bkt/src", CopySourceIfModifiedSince=past,
                            CopySourceIfUnmodifiedSince=future)
        for k in ("dst/5", "dst/6", "dst/7"):
            self.assertEqual(self.s3.get_object(Bucket="bkt", Key=k)["Body"].read(), b"copy me")
        self.s3.copy_object(Bucket="bkt", Key="dst/3", CopySource="bkt/src", CopySourceIfMatch=etag)
        self.assertError("NoSuchKey", 404, self.s3.copy_object, Bucket="bkt", Key="dst/4", CopySource="bkt/none")
        self.s3.create_bucket(Bucket="second")
        self.s3.copy_object(Bucket="second", Key="x", CopySource="bkt/src")
        self.assertEqual(self.s3.get_object(Bucket="second", Key="x")["Body"].read(), b"copy me")

    def test_shared_key_space(self):
        # written natively, read through S3 (no MD5 recorded: the native ETag)
        self.assertIn(self.native("PUT", "bkt/arr/zarr.json", b'{"zarr_format":3}')[0], (201, 204))
        o = self.s3.get_object(Bucket="bkt", Key="arr/zarr.json")
        self.assertEqual(o["Body"].read(), b'{"zarr_format":3}')
        self.assertEqual(o["ContentType"], "application/json")
        # an S3 object patched natively: its MD5 ETag must not be served stale
        body = b"0123456789"
        etag = self.s3.put_object(Bucket="bkt", Key="p", Body=body)["ETag"]
        self.assertEqual(self.native("PATCH", "bkt/p", b"AB", {"Content-Range": "bytes 0-1/*"})[0], 204)
        o = self.s3.get_object(Bucket="bkt", Key="p")
        self.assertEqual(o["Body"].read(), b"AB23456789")
        self.assertNotEqual(o["ETag"], etag, "a stale MD5 ETag was served after a PATCH")
        listed = self.s3.list_objects_v2(Bucket="bkt", Prefix="p")["Contents"][0]["ETag"]
        self.assertEqual(listed, o["ETag"])
        # a native PUT replaces an S3 object's metadata with none, also when it overwrites the
        # value in place (the first overwrite of a key since start-up is a copy: "w2" makes it)
        self.assertIn(self.native("PUT", "bkt/m", b"w")[0], (201, 204))
        self.assertEqual(self.native("PUT", "bkt/m", b"w2")[0], 204)
        self.s3.put_object(Bucket="bkt", Key="m", Body=b"s3", ContentType="image/tiff",
                           Metadata={"color": "blue"})
        self.assertEqual(self.native("PUT", "bkt/m", b"native")[0], 204)
        o = self.s3.get_object(Bucket="bkt", Key="m")
        self.assertEqual(o["Body"].read(), b"native")
        self.assertNotEqual(o["ContentType"], "image/tiff", "the old object's Content-Type stayed")
        self.assertEqual(o["Metadata"], {}, "the old object's metadata stayed")
        # staging of multipart uploads shows nowhere
        self.s3.create_multipart_upload(Bucket="bkt", Key="up")
        self.assertEqual([b["Name"] for b in self.s3.list_buckets()["Buckets"]], ["bkt"])
        status, data, _ = self.native("GET", "?format=json")
        self.assertNotIn(b".zarrd", data)


class Auth(S3Case):
    def test_signatures(self):
        self.s3.put_object(Bucket="bkt", Key="k", Body=b"secret")
        bad = self.srv.client(secret="not-the-real-secret-1234")
        self.assertError("SignatureDoesNotMatch", 403, bad.get_object, Bucket="bkt", Key="k")
        self.assertError("SignatureDoesNotMatch", 403, bad.put_object, Bucket="bkt", Key="k", Body=b"evil")
        unknown = self.srv.client(access="AKIANOBODY")
        self.assertError("InvalidAccessKeyId", 403, unknown.list_buckets)
        from botocore import UNSIGNED
        anon = self.srv.client(signature_version=UNSIGNED)
        self.assertError("AccessDenied", 403, anon.get_object, Bucket="bkt", Key="k")
        self.assertEqual(self.s3.get_object(Bucket="bkt", Key="k")["Body"].read(), b"secret")
        # the server logs at debug level: refused requests are in its log, secrets never
        log = self.srv.stderr()
        self.assertIn("SignatureDoesNotMatch", log)
        for secret in (SECRET, "not-the-real-secret-1234", "ro-secret", "scoped-secret"):
            self.assertNotIn(secret, log)

    def shifted(self, delta):
        """A client whose clock is off by delta."""
        import botocore.auth
        real = botocore.auth.datetime.datetime

        class Fake(real):
            @classmethod
            def utcnow(cls):
                return real.utcnow() + delta
        botocore.auth.datetime.datetime = Fake
        return lambda: setattr(botocore.auth.datetime, "datetime", real)

    def test_clock_skew_and_expiry(self):
        self.s3.put_object(Bucket="bkt", Key="k", Body=b"v")
        restore = self.shifted(datetime.timedelta(minutes=20))
        try:
            skewed = self.srv.client()
            self.assertError("RequestTimeTooSkewed", 403, skewed.list_buckets)
        finally:
            restore()
        restore = self.shifted(datetime.timedelta(minutes=-10))
        try:
            url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "k"},
                                                 ExpiresIn=60)
        finally:
            restore()
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(url)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"expired", cm.exception.read())

    def test_presigned_get_and_put(self):
        url = self.s3.generate_presigned_url("put_object", Params={"Bucket": "bkt", "Key": "pre/put"},
                                             ExpiresIn=300)
        req = urllib.request.Request(url, data=b"via presigned PUT", method="PUT")
        with urllib.request.urlopen(req) as r:
            self.assertEqual(r.status, 200)
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": "pre/put"})
        with urllib.request.urlopen(url) as r:
            self.assertEqual(r.read(), b"via presigned PUT")
        tampered = url.replace("pre/put", "pre/pu%74")  # same key, differently encoded: still fine
        with urllib.request.urlopen(tampered) as r:
            self.assertEqual(r.read(), b"via presigned PUT")
        sig = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
        forged = url[:sig] + ("0" if url[sig] != "0" else "1") + url[sig + 1:]
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(forged)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"SignatureDoesNotMatch", cm.exception.read())
        other = url.replace("pre/put", "pre/other")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(other)
        self.assertEqual(cm.exception.code, 403)

    def test_rights(self):
        self.s3.put_object(Bucket="bkt", Key="k", Body=b"v")
        ro = self.srv.client("AKIAREADONLY", "ro-secret")
        self.assertEqual(ro.get_object(Bucket="bkt", Key="k")["Body"].read(), b"v")
        self.assertEqual(ro.list_objects_v2(Bucket="bkt")["KeyCount"], 1)
        self.assertError("AccessDenied", 403, ro.put_object, Bucket="bkt", Key="k", Body=b"w")
        self.assertError("AccessDenied", 403, ro.delete_object, Bucket="bkt", Key="k")
        self.assertError("AccessDenied", 403, ro.create_bucket, Bucket="robkt")
        self.assertEqual(ro.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": "k"}]})["Errors"][0]["Code"],
                         "AccessDenied")
        self.assertTrue(self.exists("k"))
        self.s3.create_bucket(Bucket="scoped")
        sc = self.srv.client("AKIASCOPED", "scoped-secret")
        sc.put_object(Bucket="scoped", Key="only/a", Body=b"in")
        self.assertError("AccessDenied", 403, sc.put_object, Bucket="scoped", Key="onlyx", Body=b"out")
        self.assertError("AccessDenied", 403, sc.get_object, Bucket="bkt", Key="k")
        self.assertError("AccessDenied", 403, sc.list_objects_v2, Bucket="scoped")
        self.assertEqual([o["Key"] for o in sc.list_objects_v2(Bucket="scoped", Prefix="only/")["Contents"]],
                         ["only/a"])
        self.assertEqual([b["Name"] for b in sc.list_buckets()["Buckets"]], ["scoped"])
        self.assertError("AccessDenied", 403, sc.copy_object, Bucket="scoped", Key="only/c", CopySource="bkt/k")


class Open(unittest.TestCase):
    """Without --s3-keys the endpoint accepts any request, signed or not, and says so."""

    def test_no_keys(self):
        srv = Server(ZARRD, STORE, keys=False)
        try:
            self.assertIn("no --s3-keys: the S3 endpoint accepts any request", srv.stderr())
            from botocore import UNSIGNED
            anon = srv.client(signature_version=UNSIGNED)
            anon.create_bucket(Bucket="open")
            anon.put_object(Bucket="open", Key="k", Body=b"anonymous")
            anyone = srv.client("AKIAWHOEVER", "any-secret-at-all")
            self.assertEqual(anyone.get_object(Bucket="open", Key="k")["Body"].read(), b"anonymous")
            url = anyone.generate_presigned_url("get_object", Params={"Bucket": "open", "Key": "k"})
            with urllib.request.urlopen(url) as r:
                self.assertEqual(r.read(), b"anonymous")
        finally:
            srv.stop()


TRICKY = ["a-b", "a/b", "a0", "a", "a+", "a b", "a~", "A", "\u00e9t\u00e9", "z", "a%2F", "\u65e5\u672c",
          "b/c/d/e", "b-", "b0"]


class Listing(S3Case):
    def test_byte_order_of_tricky_names(self):
        keys = [k for k in TRICKY if k != "a"]  # "a" and "a/b" cannot both be in a tree
        for k in keys:
            self.s3.put_object(Bucket="bkt", Key=k, Body=k.encode())
        want = sorted(keys, key=lambda k: k.encode())
        got = [o["Key"] for o in self.s3.list_objects_v2(Bucket="bkt")["Contents"]]
        self.assertEqual(got, want)
        # asked for explicitly, the keys come back %-encoded (botocore leaves them so)
        got = [o["Key"] for o in self.s3.list_objects_v2(Bucket="bkt", EncodingType="url")["Contents"]]
        self.assertEqual([urllib.parse.unquote(k) for k in got], want)
        self.assertIn("a%20b", got)
        got = [o["Key"] for o in self.s3.list_objects(Bucket="bkt")["Contents"]]
        self.assertEqual(got, want)
        r = self.s3.list_objects_v2(Bucket="bkt", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/", "b/"])
        self.assertEqual([o["Key"] for o in r["Contents"]], [k for k in want if "/" not in k])
        r = self.s3.list_objects_v2(Bucket="bkt", Delimiter="-")  # any delimiter
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a-", "b-"])
        r = self.s3.list_objects_v2(Bucket="bkt", Prefix="a", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/"])
        self.assertEqual([o["Key"] for o in r["Contents"]], [k for k in want if k.startswith("a") and "/" not in k])
        self.assertEqual([o["Key"] for o in self.s3.list_objects_v2(Bucket="bkt", StartAfter="a/b")["Contents"]],
                         [k for k in want if k.encode() > b"a/b"])
        r = self.s3.list_objects_v2(Bucket="bkt", MaxKeys=0)
        self.assertEqual(r["KeyCount"], 0)
        # Owner: always in v1, in v2 only with fetch-owner
        self.assertTrue(self.s3.list_objects(Bucket="bkt")["Contents"][0]["Owner"]["ID"])
        self.assertNotIn("Owner", self.s3.list_objects_v2(Bucket="bkt")["Contents"][0])
        owner = self.s3.list_objects_v2(Bucket="bkt", FetchOwner=True)["Contents"][0]["Owner"]
        self.assertEqual(owner, self.s3.list_buckets()["Owner"])
        o = self.s3.list_objects_v2(Bucket="bkt", Prefix="a0")["Contents"][0]
        self.assertEqual((o["Size"], o["ETag"], o["StorageClass"]), (2, '"%s"' % hashlib.md5(b"a0").hexdigest(), "STANDARD"))

    def test_pagination_over_2500_keys_with_delimiters(self):
        keys = [f"flat/{i:05d}" for i in range(1500)] + \
               [f"tree/{i % 10}/{i // 10:03d}" for i in range(900)] + \
               [f"top{i:03d}" for i in range(100)]
        self.native_put_many("bkt", keys)  # the same key space; far quicker than 2,500 boto3 calls
        want = sorted(keys)
        got, pages = [], 0
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="bkt"):
            got += [o["Key"] for o in page["Contents"]]
            pages += 1
        self.assertEqual((got, pages), (want, 3))
        r = self.s3.list_objects_v2(Bucket="bkt", MaxKeys=5000)  # S3 answers 1,000 at most
        self.assertEqual((r["KeyCount"], r["IsTruncated"]), (1000, True))
        self.assertEqual([o["Key"] for o in r["Contents"]], want[:1000])
        got = []
        for page in self.s3.get_paginator("list_objects").paginate(Bucket="bkt", PaginationConfig={"PageSize": 700}):
            got += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(got, want)
        # a delimiter, pages of 7 entries: every common prefix and key once, in order
        seen = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
                Bucket="bkt", Delimiter="/", PaginationConfig={"PageSize": 7}):
            seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            seen += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(sorted(seen), ["flat/"] + [f"top{i:03d}" for i in range(100)] + ["tree/"])
        self.assertEqual(len(seen), len(set(seen)))
        seen = []
        for page in self.s3.get_paginator("list_objects").paginate(
                Bucket="bkt", Prefix="tree/", Delimiter="/", PaginationConfig={"PageSize": 3}):
            seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        self.assertEqual(seen, [f"tree/{d}/" for d in range(10)])
        r = self.s3.list_objects_v2(Bucket="bkt", Prefix="tree/3/", MaxKeys=1000)
        self.assertEqual(r["KeyCount"], 90)
        self.assertFalse(r["IsTruncated"])


class Multipart(S3Case):
    def upload(self, key, sizes):
        mp = self.s3.create_multipart_upload(Bucket="bkt", Key=key, ContentType="application/x-big",
                                             Metadata={"parts": str(len(sizes))})
        uid, parts, data = mp["UploadId"], [], b""
        for i, n in enumerate(sizes, 1):
            chunk = bytes([i]) * n
            r = self.s3.upload_part(Bucket="bkt", Key=key, UploadId=uid, PartNumber=i, Body=chunk)
            self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(chunk).hexdigest())
            parts.append({"PartNumber": i, "ETag": r["ETag"]})
            data += chunk
        return uid, parts, data

    def test_complete(self):
        uid, parts, data = self.upload("big/obj", [5 * MiB, 5 * MiB, 1000])
        lp = self.s3.list_parts(Bucket="bkt", Key="big/obj", UploadId=uid)
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in lp["Parts"]], [(1, 5 * MiB), (2, 5 * MiB), (3, 1000)])
        lp = self.s3.list_parts(Bucket="bkt", Key="big/obj", UploadId=uid, MaxParts=2)
        self.assertTrue(lp["IsTruncated"])
        self.assertEqual(lp["NextPartNumberMarker"], 2)
        ups = self.s3.list_multipart_uploads(Bucket="bkt")["Uploads"]
        self.assertEqual([(u["Key"], u["UploadId"]) for u in ups], [("big/obj", uid)])
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket="bkt", Prefix="other"))
        self.assertFalse(self.exists("big/obj"), "an object appeared before Complete")
        r = self.s3.complete_multipart_upload(Bucket="bkt", Key="big/obj", UploadId=uid,
                                              MultipartUpload={"Parts": parts})
        digests = b"".join(hashlib.md5(bytes([i]) * n).digest() for i, n in enumerate([5 * MiB, 5 * MiB, 1000], 1))
        self.assertEqual(r["ETag"], '"%s-3"' % hashlib.md5(digests).hexdigest())
        o = self.s3.get_object(Bucket="bkt", Key="big/obj")
        self.assertEqual(o["Body"].read(), data)
        self.assertEqual((o["ETag"], o["ContentType"], o["Metadata"]), (r["ETag"], "application/x-big", {"parts": "3"}))
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket="bkt"))
        self.assertError("NoSuchUpload", 404, self.s3.list_parts, Bucket="bkt", Key="big/obj", UploadId=uid)

    def test_failures(self):
        uid, parts, _ = self.upload("f", [5 * MiB, 100])
        complete = lambda p, key="f", u=uid: self.s3.complete_multipart_upload(  # noqa: E731
            Bucket="bkt", Key=key, UploadId=u, MultipartUpload={"Parts": p})
        self.assertError("InvalidPartOrder", 400, complete, [parts[1], parts[0]])
        self.assertError("InvalidPart", 400, complete, [parts[0], {"PartNumber": 2, "ETag": '"00"'}])
        self.assertError("InvalidPart", 400, complete, [parts[0], {"PartNumber": 7, "ETag": parts[1]["ETag"]}])
        self.assertError("NoSuchUpload", 404, complete, parts, key="other")
        self.assertError("NoSuchUpload", 404, complete, parts, u="0" * 32)
        self.assertError("NoSuchUpload", 404, complete, parts, u="not-an-id")
        self.assertFalse(self.exists("f"))
        small, sparts, _ = self.upload("s", [1000, 1000])
        self.assertError("EntityTooSmall", 400, self.s3.complete_multipart_upload, Bucket="bkt", Key="s",
                         UploadId=small, MultipartUpload={"Parts": sparts})
        self.assertFalse(self.exists("s"))
        self.assertError("InvalidArgument", 400, self.s3.upload_part, Bucket="bkt", Key="f", UploadId=uid,
                         PartNumber=10001, Body=b"x")
        self.s3.abort_multipart_upload(Bucket="bkt", Key="f", UploadId=uid)
        self.assertError("NoSuchUpload", 404, self.s3.upload_part, Bucket="bkt", Key="f", UploadId=uid,
                         PartNumber=1, Body=b"x")
        self.assertError("NoSuchUpload", 404, self.s3.abort_multipart_upload, Bucket="bkt", Key="f", UploadId=uid)
        self.assertError("NoSuchUpload", 404, complete, parts)
        # the failed uploads left the key space alone
        self.assertEqual(self.s3.list_objects_v2(Bucket="bkt")["KeyCount"], 0)

    def test_upload_part_copy(self):
        src = bytes(range(256)) * (24 * 1024)  # 6 MiB
        self.s3.put_object(Bucket="bkt", Key="src", Body=src)
        mp = self.s3.create_multipart_upload(Bucket="bkt", Key="pc")
        uid = mp["UploadId"]
        r1 = self.s3.upload_part_copy(Bucket="bkt", Key="pc", UploadId=uid, PartNumber=1,
                                      CopySource="bkt/src", CopySourceRange=f"bytes=0-{5 * MiB - 1}")
        r2 = self.s3.upload_part_copy(Bucket="bkt", Key="pc", UploadId=uid, PartNumber=2,
                                      CopySource="bkt/src", CopySourceRange="bytes=100-199")
        self.assertEqual(r2["CopyPartResult"]["ETag"], '"%s"' % hashlib.md5(src[100:200]).hexdigest())
        self.assertError("InvalidArgument", 400, self.s3.upload_part_copy, Bucket="bkt", Key="pc", UploadId=uid,
                         PartNumber=3, CopySource="bkt/src", CopySourceRange=f"bytes=0-{len(src)}")
        self.s3.complete_multipart_upload(Bucket="bkt", Key="pc", UploadId=uid, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]},
            {"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]}]})
        self.assertEqual(self.s3.get_object(Bucket="bkt", Key="pc")["Body"].read(), src[:5 * MiB] + src[100:200])

    def test_transfer_manager(self):
        """boto3's own multipart path (upload_fileobj / download_fileobj, 8 MiB parts, threads)."""
        import io
        from boto3.s3.transfer import TransferConfig
        data = os.urandom(21 * MiB)
        cfg = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB, max_concurrency=4)
        self.s3.upload_fileobj(io.BytesIO(data), "bkt", "tm/file", Config=cfg)
        self.assertTrue(self.s3.head_object(Bucket="bkt", Key="tm/file")["ETag"].endswith('-3"'))
        out = io.BytesIO()
        self.s3.download_fileobj("bkt", "tm/file", out, Config=cfg)
        self.assertEqual(out.getvalue(), data)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
