#!/usr/bin/python3
"""early_answer_peer.py: the scripted HTTP/1.1 peer of early_answer.sh (meson test
bench_early_answer). It answers a PUT as soon as its head is in, before any of its body, the
way a server refuses a value too large, so zarrd-bench load --loops gets its answer while
most of the body is still unsent.

Usage: early_answer_peer.py PORT_FILE LOG_FILE POPULATE [close]

Listens on 127.0.0.1, port 0, and writes the port to PORT_FILE. Keep-alive, one request at a
time per connection. The first POPULATE PUTs (the keys load fills before its run) are read
whole and answered 201, and so are later PUTs of any key but k0. A later PUT of k0 is answered
413 at once; its body is then read and dropped up to its Content-Length, as a keep-alive
server must before the next request: if the client closes the connection first, the PUT was
cut short (what a client that got its answer early must do). With `close`, the 413 says
`Connection: close` and the peer closes at once without reading the body, as a server that
refuses a request may: the client's send then fails, and the answer that came before the
failure is still the request's outcome. PATCH and DELETE are read whole
and answered 204, anything else 404. A request line that is not METHOD /path HTTP/1.1 (the
bytes of a body taken for the next request, say) is a protocol violation: it is logged,
answered 400, and the connection closed.

LOG_FILE gets one line per event, flushed as it happens:
  REQ <request line>     a request line parsed
  EARLY <path>           a PUT answered before its body was read
  CLOSED <path>          ... and its connection closed at once (close)
  CUT <path> <got>/<len> ... whose client closed after sending <got> of its <len> body bytes
  WHOLE <path>           ... whose Content-Length bytes all came (its whole body, or more)
  GARBAGE <bytes>        a request line that is not one (the first 60 bytes, repr)
"""
import os
import re
import socketserver
import sys
import threading

REQUEST_LINE = re.compile(rb"^(GET|HEAD|PUT|PATCH|DELETE|POST) (/[!-~]*) HTTP/1\.1$")
LINE_MAX = 8192  # longer than any head line zarrd-bench writes
TOO_LARGE = b"value too large\n"

lock = threading.Lock()
log = None
populate_left = 0
close_early = False


def event(text):
    with lock:
        log.write(text + "\n")
        log.flush()


class Conn:
    """Reads of one connection: lines and counted bytes over a buffer."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def fill(self):
        try:
            data = self.sock.recv(1 << 16)
        except ConnectionResetError:  # a close with unread answers: an end like any other
            data = b""
        self.buf += data
        return bool(data)

    def line(self):
        """The next line without its CRLF; None at a clean end; b"\\0..." past LINE_MAX or
        at an end inside a line, which the caller takes for garbage."""
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                out = bytes(self.buf[:i])
                del self.buf[: i + 2]
                return out
            if len(self.buf) > LINE_MAX:
                return b"\0" + bytes(self.buf[:60])
            if not self.fill():
                return b"\0" + bytes(self.buf[:60]) if self.buf else None

    def skip(self, n):
        """Read and drop n bytes; how many came before the peer closed."""
        got = 0
        while got < n:
            if not self.buf and not self.fill():
                return got
            take = min(n - got, len(self.buf))
            del self.buf[:take]
            got += take
        return got


def answer(sock, status, body=b"", close=False):
    sock.sendall(b"HTTP/1.1 %s\r\n%sContent-Length: %d\r\n\r\n%s" %
                 (status, b"Connection: close\r\n" if close else b"", len(body), body))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            self.serve()
        except (BrokenPipeError, ConnectionResetError):  # the client went away: its end
            pass

    def serve(self):
        global populate_left
        c = Conn(self.request)
        while True:
            line = c.line()
            if line is None:
                return
            m = REQUEST_LINE.match(line)
            if not m:
                event("GARBAGE %r" % line.lstrip(b"\0")[:60])
                answer(self.request, b"400 Bad Request", b"not a request line\n")
                return
            event("REQ " + line.decode())
            method, path = m.group(1), m.group(2).decode()
            length = 0
            while True:
                h = c.line()
                if h is None or h.startswith(b"\0"):
                    return
                if not h:
                    break
                name, _, value = h.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if method == b"PUT":
                with lock:
                    early = populate_left == 0 and path.endswith("/k0")
                    populate_left -= 1 if populate_left else 0
                if early:
                    event("EARLY " + path)
                    answer(self.request, b"413 Content Too Large", TOO_LARGE, close_early)
                    if close_early:
                        event("CLOSED " + path)
                        return
                    got = c.skip(length)
                    if got < length:
                        event("CUT %s %d/%d" % (path, got, length))
                        return
                    event("WHOLE " + path)
                    continue
                if c.skip(length) < length:
                    return
                answer(self.request, b"201 Created")
            elif method in (b"PATCH", b"DELETE"):
                if c.skip(length) < length:
                    return
                answer(self.request, b"204 No Content")
            else:
                if c.skip(length) < length:
                    return
                answer(self.request, b"404 Not Found", b"no such key\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global log, populate_left, close_early
    port_file, log_file, populate = sys.argv[1], sys.argv[2], int(sys.argv[3])
    populate_left = populate
    close_early = sys.argv[4:] == ["close"]
    log = open(log_file, "w")
    with Server(("127.0.0.1", 0), Handler) as srv:
        with open(port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(port_file + ".tmp", port_file)
        srv.serve_forever()


if __name__ == "__main__":
    main()
