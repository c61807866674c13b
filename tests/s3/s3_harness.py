"""s3_harness.py: run a real zarrd with --s3-listen for the Python S3 tests.

Server(zarrd, store, keys=..., extra=[...]) starts zarrd on ephemeral ports with a fresh
--root (and a --s3-keys file when keys are given), parses both "listening on" lines, and
stop() sends SIGTERM and asserts a clean exit (status 0), so a crash or a sanitizer report
fails the test. client() returns a boto3 client for it (path-style, region us-east-1).
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

ACCESS, SECRET = "AKIAZARRDTEST", "zarrd-test-secret-key"


class Server:
    def __init__(self, zarrd, store="fs", keys=True, extra=(), root=None):
        self.dir = tempfile.mkdtemp(prefix="zarrd-s3-")
        self.root = root or os.path.join(self.dir, "root")
        args = [zarrd, "--listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0",
                "--store", store, "--root", self.root, "--threads", "2", "--log-level", "debug"]
        if keys:
            self.keyfile = os.path.join(self.dir, "keys")
            with open(self.keyfile, "w") as f:
                f.write(f"{ACCESS} {SECRET} rw\n")
                f.write("AKIAREADONLY ro-secret ro\n")
                f.write("AKIASCOPED scoped-secret rw scoped/only\n")
            args += ["--s3-keys", self.keyfile]
        args += list(extra)
        self.out = open(os.path.join(self.dir, "out"), "w+")
        self.err = open(os.path.join(self.dir, "err"), "w+")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=self.err)
        deadline = time.time() + 20
        self.native = self.s3 = None
        while time.time() < deadline and self.s3 is None:
            if self.proc.poll() is not None:
                break
            with open(self.out.name) as f:
                text = f.read()
            m = re.search(r"^s3 listening on (http://\S+)$", text, re.M)
            n = re.search(r"^listening on (http://\S+)$", text, re.M)
            if m and n:
                self.native, self.s3 = n.group(1), m.group(1)
            else:
                time.sleep(0.02)
        if self.s3 is None:
            raise RuntimeError("zarrd did not start: " + open(self.err.name).read())

    def client(self, access=ACCESS, secret=SECRET, **cfg):
        import boto3
        from botocore.config import Config
        cfg.setdefault("signature_version", "s3v4")  # presigned URLs too (boto3's default is v2)
        c = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **cfg)
        return boto3.client("s3", endpoint_url=self.s3, aws_access_key_id=access,
                            aws_secret_access_key=secret, region_name="us-east-1", config=c)

    def stderr(self):
        with open(self.err.name) as f:
            return f.read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        log = self.stderr()
        self.out.close()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if status != 0:
            raise AssertionError(f"zarrd exited with {status}:\n{log}")
