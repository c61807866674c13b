#!/usr/bin/env python3
"""http_fuzz.py ZARRD [SECONDS] [SEED] [--auth]: fuzz zarrd's HTTP request path over a socket.

libFuzzer cannot drive a server's event loop, so this mutates well-formed requests (every verb,
ranges, Content-Range PATCH, multipart and message/byterange bodies, chunked bodies,
Expect: 100-continue, pipelining, conditional headers, shard endpoints with Zarr-Shard and
?batch bodies, listings) and sends them to a real zarrd on loopback: byte flips, inserted,
deleted and duplicated bytes, spliced requests, huge numbers, truncation. Best run against the
ASan/UBSan build (build-asan/server/zarrd). Checks, while fuzzing and at the end:
  * the server stays up and keeps answering /_zarrd/health between mutated requests;
  * every answer that arrives starts with a well-formed HTTP/1.1 status line;
  * nothing is written outside the data directory (a canary file next to it stays intact and
    no file appears beside it);
  * SIGTERM still drains and exits 0, and the server printed no sanitizer report.
With --auth, zarrd runs with --token-file (an rw token and an ro token limited to a prefix)
and the requests carry Authorization headers, so the token checks are fuzzed too.
Exit status 0 when all checks held. Deterministic for a given SEED (default 1).
"""
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

STATUS_LINE = re.compile(rb"^HTTP/1\.1 [1-5][0-9][0-9] [^\r\n]*\r\n")


AUTH = b"Authorization: Bearer fuzz-token-rw\r\n"


def seeds(auth):
    """Well-formed requests that reach every parser behind the request line."""
    mp = (b"--B\r\nContent-Range: bytes 0-3/*\r\n\r\nabcd\r\n"
          b"--B\r\nContent-Range: bytes 8-9/*\r\n\r\nxy\r\n--B--\r\n")
    mb = b"Content-Range: bytes 2-4/*\r\n\r\nxyz"
    batch = b"ZSB1\x02P\x00\x01\x05helloD\x01\x01"
    reqs = [
        b"GET /a/b HTTP/1.1\r\nHost: x\r\n\r\n",
        b"HEAD /a/b HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"x\", W/\"y\"\r\n\r\n",
        b"PUT /a/b HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nhello world!",
        b"PUT /a/c HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\nContent-Length: 3\r\n\r\nabc",
        b"PUT /a/d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: t\r\n\r\n",
        b"PUT /a/e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nwxyz",
        b"GET /a/b HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3,5-,-2\r\n\r\n",
        b"GET /a/b HTTP/1.1\r\nHost: x\r\nRange: bytes=99999999999999999999-\r\n\r\n",
        b"PATCH /a/b HTTP/1.1\r\nHost: x\r\nContent-Range: bytes 2-4/*\r\n"
        b"Content-Length: 3\r\n\r\nXYZ",
        b"PATCH /a/b HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/byteranges; boundary=B\r\n"
        b"Content-Length: %d\r\n\r\n" % len(mp) + mp,
        b"PATCH /a/b HTTP/1.1\r\nHost: x\r\nContent-Type: message/byterange\r\n"
        b"Content-Length: %d\r\n\r\n" % len(mb) + mb,
        b"DELETE /a/c HTTP/1.1\r\nHost: x\r\nIf-Match: \"nope\"\r\n\r\n",
        b"GET /a/ HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n",
        b"GET /?recursive=1 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /caf%C3%A9/%20x HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /a/%2e%2e/b HTTP/1.1\r\nHost: x\r\n\r\n",
        b"PUT /s/c/0?chunk=1,0 HTTP/1.1\r\nHost: x\r\nZarr-Shard: chunks=2,2; index=end; crc32c=1\r\n"
        b"Content-Length: 5\r\n\r\nhello",
        b"GET /s/c/0?chunk=1,0 HTTP/1.1\r\nHost: x\r\nZarr-Shard: chunks=2,2\r\n\r\n",
        b"DELETE /s/c/0?chunk=0,1 HTTP/1.1\r\nHost: x\r\nZarr-Shard: chunks=2,2\r\n\r\n",
        b"POST /s/c/1?batch HTTP/1.1\r\nHost: x\r\nZarr-Shard: chunks=2,2\r\n"
        b"Content-Length: %d\r\n\r\n" % len(batch) + batch,
        b"GET /_zarrd/metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    # A pipelined pair.
    reqs.append(reqs[0] + reqs[6])
    if auth:
        reqs = [r.replace(b"Host: x\r\n", b"Host: x\r\n" + AUTH) for r in reqs]
        reqs += [
            b"PUT /ro/k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer fuzz-token-ro\r\n"
            b"Content-Length: 1\r\n\r\nx",
            b"GET /ro/k HTTP/1.1\r\nHost: x\r\nAuthorization: bearer  fuzz-token-ro \r\n\r\n",
            b"GET /a/b HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Zm9vOmJhcg==\r\n\r\n",
            b"GET /a/b HTTP/1.1\r\nHost: x\r\n\r\n",
        ]
    return reqs


NASTY = [b"\r\n", b"\n", b"\x00", b"%", b"%2F", b"..", b"/", b"\\", b",", b";", b"=", b"*",
         b"\"", b"W/", b"-", b" ", b"\t", b":", b"18446744073709551616",
         b"99999999999999999999999999", b"0", b"--B", b"Content-Length: 5\r\n",
         b"Transfer-Encoding: chunked\r\n", b"Range: bytes=0-0,1-1,2-2\r\n", b"ffffffffffffffff"]


def mutate(rng, data, pool):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randint(0, len(data))
        if op == 0 and data:  # flip a byte
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # insert a nasty token
            data[pos:pos] = rng.choice(NASTY)
        elif op == 2 and data:  # delete a span
            data[pos:pos + rng.randint(1, 16)] = b""
        elif op == 3 and data:  # duplicate a span
            start = rng.randrange(len(data))
            data[pos:pos] = data[start:start + rng.randint(1, 64)]
        elif op == 4:  # splice with another request
            other = rng.choice(pool)
            data = data[:pos] + other[rng.randint(0, len(other)):]
        elif op == 5:  # truncate
            data = data[:pos]
        else:  # random bytes
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


def exchange(port, payload, timeout=0.5):
    """Send payload on a new connection, half-close, read what comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            return b""  # the server closed first, e.g. after a 400
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def healthy(port, auth):
    try:
        reply = exchange(port, b"GET /_zarrd/health HTTP/1.1\r\nHost: x\r\n" +
                         (AUTH if auth else b"") + b"Connection: close\r\n\r\n", timeout=5)
    except OSError:
        return False
    return reply.startswith(b"HTTP/1.1 200")


def main():
    args = [a for a in sys.argv[1:] if a != "--auth"]
    auth = len(args) < len(sys.argv) - 1
    if not args:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    zarrd = args[0]
    seconds = float(args[1]) if len(args) > 1 else 60
    rng = random.Random(int(args[2]) if len(args) > 2 else 1)
    work = tempfile.mkdtemp(prefix="zarrd-httpfuzz.")
    root = os.path.join(work, "data")
    os.mkdir(root)
    canary = os.path.join(work, "canary")
    with open(canary, "w") as f:
        f.write("untouched\n")
    log = open(os.path.join(work, "zarrd.log"), "w+")
    cmd = [zarrd, "--listen", "127.0.0.1:0", "--root", root, "--max-body", "1M",
           "--request-timeout", "2", "--idle-timeout", "2", "--log-level", "error"]
    if auth:
        tokens = os.path.join(work, "tokens")
        with open(tokens, "w") as f:
            f.write("fuzz-token-rw rw\nfuzz-token-ro ro ro/\n")
        cmd += ["--token-file", tokens]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
    failures = []
    sent = answered = 0
    try:
        line = proc.stdout.readline().decode()
        m = re.search(r"listening on http://[^:]+:(\d+)", line)
        if not m:
            print("http_fuzz: zarrd did not start: %r" % line, file=sys.stderr)
            return 1
        port = int(m.group(1))
        pool = seeds(auth)
        for req in pool:  # the seeds themselves must all get an answer
            if not STATUS_LINE.match(exchange(port, req, timeout=5)):
                failures.append("no well-formed answer to seed %r" % req[:60])
        end = time.monotonic() + seconds
        while time.monotonic() < end and not failures:
            payload = mutate(rng, rng.choice(pool), pool)
            try:
                reply = exchange(port, payload)
            except OSError as e:
                failures.append("connect failed after %d requests: %s" % (sent, e))
                break
            sent += 1
            if reply:
                answered += 1
                if not STATUS_LINE.match(reply):
                    failures.append("malformed answer %r to %r" % (reply[:80], payload[:200]))
            if sent % 200 == 0 and (proc.poll() is not None or not healthy(port, auth)):
                failures.append("server down or unhealthy after %d requests; last %r"
                                % (sent, payload[:200]))
        if proc.poll() is not None:
            failures.append("zarrd exited with %s" % proc.returncode)
        elif not healthy(port, auth):
            failures.append("zarrd not healthy at the end")
        stray = sorted(set(os.listdir(work)) - {"data", "canary", "zarrd.log", "tokens"})
        if stray:
            failures.append("files appeared beside the data directory: %s" % stray)
        with open(canary) as f:
            if f.read() != "untouched\n":
                failures.append("the canary beside the data directory changed")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=30)
                if code != 0:
                    failures.append("zarrd exited %d after SIGTERM" % code)
            except subprocess.TimeoutExpired:
                proc.kill()
                failures.append("zarrd did not stop within 30 s of SIGTERM")
        log.seek(0)
        text = log.read()
        if "Sanitizer" in text or "runtime error:" in text:
            failures.append("sanitizer report:\n" + text[-4000:])
        keep = bool(failures) or os.environ.get("KEEP")
        if not keep:
            shutil.rmtree(work)
    print("http_fuzz: %d mutated requests in %.0f s, %d answered" % (sent, seconds, answered))
    for f in failures:
        print("http_fuzz: FAIL: " + f, file=sys.stderr)
    if failures:
        print("http_fuzz: work directory kept: " + work, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
