// sdk_test.mjs: the S3 endpoint through @aws-sdk/client-s3 (latest from npm) with its
// defaults: flexible checksums on every upload (x-amz-checksum-* headers, and aws-chunked
// bodies with a checksum trailer for streams), response checksum validation, SigV4.
// Checks bytes, ETags, listings, multipart, DeleteObjects, and that a wrong checksum is
// refused (BadDigest) with nothing stored.
// Usage: node sdk_test.mjs S3_URL ACCESS SECRET
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, DeleteObjectsCommand, CreateMultipartUploadCommand,
  UploadPartCommand, CompleteMultipartUploadCommand, CopyObjectCommand, DeleteObjectCommand,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { createHash, randomBytes } from "node:crypto";
import assert from "node:assert/strict";

const [url, accessKeyId, secretAccessKey] = process.argv.slice(2);
const s3 = new S3Client({
  endpoint: url, region: "us-east-1", forcePathStyle: true,
  credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1,
});
// what the SDK puts on the wire for each request, to be sure which framing was exercised
const sent = [];
s3.middlewareStack.add((next) => async (args) => {
  sent.push({ ...args.request.headers });
  return next(args);
}, { step: "finalizeRequest", priority: "low", name: "recordHeaders" });
const lastPayload = () => sent[sent.length - 1]["x-amz-content-sha256"];
const md5 = (b) => `"${createHash("md5").update(b).digest("hex")}"`;
const bytes = async (r) => Buffer.from(await r.Body.transformToByteArray());
const step = (s) => console.log(`--- ${s}`);
async function fails(code, p) {
  try { await p; } catch (e) { assert.equal(e.name, code, `${e.name}: ${e.message}`); return e; }
  assert.fail(`expected ${code}`);
}

step("bucket, PutObject with the default checksum header, GetObject");
await s3.send(new CreateBucketCommand({ Bucket: "sdk" }));
const small = randomBytes(70000);
let r = await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "a/small.bin", Body: small,
  ContentType: "application/x-test", Metadata: { origin: "sdk" } }));
assert.equal(r.ETag, md5(small));
r = await s3.send(new GetObjectCommand({ Bucket: "sdk", Key: "a/small.bin" }));
assert.deepEqual(await bytes(r), small);
assert.equal(r.ContentType, "application/x-test");
assert.deepEqual(r.Metadata, { origin: "sdk" });

step("a stream body: aws-chunked with a checksum trailer");
const streamed = randomBytes(3 * 1024 * 1024 + 17);
const pieces = [];
for (let i = 0; i < streamed.length; i += 65536) pieces.push(streamed.subarray(i, i + 65536));
r = await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "a/streamed.bin",
  Body: Readable.from(pieces), ContentLength: streamed.length }));
assert.equal(r.ETag, md5(streamed));
assert.match(lastPayload(), /^STREAMING-/, "the stream was not sent aws-chunked");
assert.match(sent[sent.length - 1]["x-amz-trailer"] || "", /^x-amz-checksum-/);
assert.deepEqual(await bytes(await s3.send(new GetObjectCommand({ Bucket: "sdk", Key: "a/streamed.bin" }))),
  streamed);

for (const alg of ["CRC32", "CRC32C", "SHA1", "SHA256"]) {
  step(`ChecksumAlgorithm ${alg}, header and trailer`);
  await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: `ck/${alg}`, Body: small, ChecksumAlgorithm: alg }));
  assert.ok(sent[sent.length - 1][`x-amz-checksum-${alg.toLowerCase()}`], `no ${alg} header sent`);
  await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: `ck/${alg}-stream`, ChecksumAlgorithm: alg,
    Body: Readable.from([small.subarray(0, 1000), small.subarray(1000)]), ContentLength: small.length }));
  assert.equal(sent[sent.length - 1]["x-amz-trailer"], `x-amz-checksum-${alg.toLowerCase()}`);
  for (const k of [`ck/${alg}`, `ck/${alg}-stream`])
    assert.deepEqual(await bytes(await s3.send(new GetObjectCommand({ Bucket: "sdk", Key: k }))), small);
}

step("a wrong checksum is refused and nothing is stored");
await fails("BadDigest", s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "bad", Body: small,
  ChecksumCRC32: "AAAAAA==" })));
await fails("NotFound", s3.send(new HeadObjectCommand({ Bucket: "sdk", Key: "bad" })));

step("listing");
r = await s3.send(new ListObjectsV2Command({ Bucket: "sdk", Delimiter: "/" }));
assert.deepEqual(r.CommonPrefixes.map((p) => p.Prefix), ["a/", "ck/"]);
r = await s3.send(new ListObjectsV2Command({ Bucket: "sdk", Prefix: "a/" }));
assert.deepEqual(r.Contents.map((o) => [o.Key, o.Size]), [["a/small.bin", small.length],
  ["a/streamed.bin", streamed.length]]);

step("multipart with checksums");
const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: "sdk", Key: "mp.bin", ChecksumAlgorithm: "CRC32" }));
const p1 = randomBytes(5 * 1024 * 1024), p2 = randomBytes(1234);
const e1 = await s3.send(new UploadPartCommand({ Bucket: "sdk", Key: "mp.bin", UploadId: mp.UploadId,
  PartNumber: 1, Body: p1, ChecksumAlgorithm: "CRC32" }));
const e2 = await s3.send(new UploadPartCommand({ Bucket: "sdk", Key: "mp.bin", UploadId: mp.UploadId,
  PartNumber: 2, Body: p2, ChecksumAlgorithm: "CRC32" }));
r = await s3.send(new CompleteMultipartUploadCommand({ Bucket: "sdk", Key: "mp.bin", UploadId: mp.UploadId,
  MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1.ETag }, { PartNumber: 2, ETag: e2.ETag }] } }));
assert.match(r.ETag, /^"[0-9a-f]{32}-2"$/);
assert.deepEqual(await bytes(await s3.send(new GetObjectCommand({ Bucket: "sdk", Key: "mp.bin" }))),
  Buffer.concat([p1, p2]));

step("copy, delete, DeleteObjects (a checksum on the XML body)");
await s3.send(new CopyObjectCommand({ Bucket: "sdk", Key: "copy.bin", CopySource: "sdk/a/small.bin" }));
assert.deepEqual(await bytes(await s3.send(new GetObjectCommand({ Bucket: "sdk", Key: "copy.bin" }))), small);
await s3.send(new DeleteObjectCommand({ Bucket: "sdk", Key: "copy.bin" }));
r = await s3.send(new DeleteObjectsCommand({ Bucket: "sdk", Delete: { Objects:
  ["a/small.bin", "a/streamed.bin", "mp.bin", "nope"].map((Key) => ({ Key })) } }));
assert.equal(r.Deleted.length, 4);
r = await s3.send(new ListObjectsV2Command({ Bucket: "sdk" }));
assert.deepEqual(r.Contents.map((o) => o.Key).filter((k) => !k.startsWith("ck/")), []);

step("a wrong secret");
const bad = new S3Client({ endpoint: url, region: "us-east-1", forcePathStyle: true, maxAttempts: 1,
  credentials: { accessKeyId, secretAccessKey: "wrong" } });
await fails("SignatureDoesNotMatch", bad.send(new PutObjectCommand({ Bucket: "sdk", Key: "evil",
  Body: Readable.from([small]), ContentLength: small.length })));
await fails("NotFound", s3.send(new HeadObjectCommand({ Bucket: "sdk", Key: "evil" })));
console.log("sdk: ok");
