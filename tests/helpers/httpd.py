"""httpd.py: a small controllable HTTP server for ward's health tests, and a
raw HTTP client to talk to ward's status server.

Two ways to use the server:

  * in the test process: ``Server(mode=200)`` serves on 127.0.0.1 (or
    ``host=``) from a thread; ``server.mode`` can be changed at any time and
    ``server.requests`` holds every request head it received;
  * as the supervised app, a child of ward:
        httpd.py --port P [--host H] [--control FILE] [--ack FILE]
                 [--term-wait FILE] [--term-exit N]
    The first word of FILE (re-read on every request) is the mode; a missing
    file means 200. SIGUSR1 appends "USR1 <pid>" to the --ack file. SIGTERM
    appends "TERM <pid>"; with --term-wait the app then keeps running until
    that file exists (a child that takes its time to stop); it exits with
    --term-exit (default 0). The app dies with ward (PR_SET_PDEATHSIG).

Modes: an HTTP status code (200, 404, 500, ...); ``hints`` (103 Early Hints,
then 200); ``hang`` (read the request, never answer, keep the connection);
``close`` (read the request, close without answering); ``bigbody`` (200 with
an endless body); ``slow`` (100 Continue, 103, then 200, one byte at a time). The path ``/pid`` always answers 200 with the server's pid.

Python 3 standard library only.
"""

import argparse
import ctypes
import os
import select
import signal
import socket
import sys
import threading
import time

REASONS = {101: "Switching Protocols", 103: "Early Hints", 200: "OK",
           204: "No Content", 301: "Moved Permanently", 404: "Not Found",
           500: "Internal Server Error", 503: "Service Unavailable"}
HEAD_MAX = 65536
IO_TIMEOUT = 20  # a hang-catcher for one connection


def response(code, body=b"", extra=""):
    reason = REASONS.get(code, "Status")
    return (f"HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n"
            f"\r\n").encode() + body


class Server:
    """A threaded HTTP server on (host, port); port 0 picks a free one."""

    def __init__(self, mode=200, host="127.0.0.1", port=0, control=None,
                 v6only=True):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                                 1 if v6only else 0)
        self.sock.bind((host, port))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.mode = mode
        self.control = control
        self.requests = []    # request heads (bytes), in order
        self.connections = 0  # connections accepted
        self.lock = threading.Lock()
        self.held = []        # connections kept open by "hang"
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def current_mode(self):
        if self.control is None:
            return self.mode
        try:
            with open(self.control) as f:
                word = (f.read().split() or ["200"])[0]
        except FileNotFoundError:
            return 200
        return int(word) if word.isdigit() else word

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        keep = False
        try:
            conn.settimeout(IO_TIMEOUT)
            head = read_head(conn)
            if not head:
                return  # a TCP probe: connect and close
            with self.lock:
                self.requests.append(head)
            keep = self._answer(conn, head)
        except OSError:
            pass
        finally:
            if not keep:
                conn.close()

    def _answer(self, conn, head):
        """Answer one request; True if the connection must stay open."""
        path = head.split(b" ", 2)[1] if head.count(b" ") >= 2 else b""
        if path == b"/pid":
            conn.sendall(response(200, b"%d\n" % os.getpid()))
            return False
        mode = self.current_mode()
        if mode == "hang":
            with self.lock:
                self.held.append(conn)
            return True
        if mode == "close":
            return False
        if mode == "hints":
            conn.sendall(b"HTTP/1.1 103 Early Hints\r\n"
                         b"Link: </style.css>; rel=preload; as=style\r\n\r\n")
            time.sleep(0.05)
            conn.sendall(response(200, b"ok\n"))
        elif mode == "slow":
            data = (b"HTTP/1.1 100 Continue\r\n\r\n"
                    b"HTTP/1.1 103 Early Hints\r\nLink: </a.js>\r\n\r\n"
                    + response(200, b"ok\n"))
            for i in range(len(data)):
                conn.sendall(data[i:i + 1])
                time.sleep(0.002)
        elif mode == "bigbody":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Connection: close\r\n\r\n")
            chunk = b"x" * 65536
            for _ in range(1024):  # 64 MB at most; the client stops first
                conn.sendall(chunk)
        else:
            code = int(mode)
            conn.sendall(response(code, b"ok\n" if code < 400 else b"fail\n"))
        return False

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            for c in self.held:
                c.close()
            self.held.clear()


def read_head(conn):
    """Bytes up to and including the blank line; b"" on EOF before any."""
    buf = b""
    while b"\r\n\r\n" not in buf and len(buf) < HEAD_MAX:
        chunk = conn.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


# ---- client ------------------------------------------------------------

class Reply:
    """A parsed HTTP response; status is None when the server sent nothing."""

    def __init__(self, raw):
        self.raw = raw
        self.status = None
        self.headers = {}
        self.body = b""
        if not raw:
            return
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        self.version = parts[0]
        self.status = int(parts[1])
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            self.headers[k.strip().lower()] = v.strip()

    def __repr__(self):
        return f"Reply({self.raw[:300]!r})"


def exchange(port, data, host="127.0.0.1", timeout=IO_TIMEOUT):
    """Send data, read until the server closes; a Reply.

    A reset after some bytes arrived keeps those bytes.
    """
    s = socket.create_connection((host, port), timeout=timeout)
    raw = b""
    with s:
        try:
            s.sendall(data)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                raw += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
    return Reply(raw)


def get(port, path, method="GET", host="127.0.0.1"):
    req = (f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
           f"User-Agent: ward-e2e\r\n\r\n").encode()
    return exchange(port, req, host=host)


# ---- the app -----------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--control")
    ap.add_argument("--ack")
    ap.add_argument("--term-wait")
    ap.add_argument("--term-exit", type=int, default=0)
    a = ap.parse_args()

    # Die with ward, so that a killed test never leaves an app behind.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PDEATHSIG

    term = []

    def ack(word):
        if a.ack:
            with open(a.ack, "a") as f:
                f.write(f"{word} {os.getpid()}\n")

    def on_usr1(signo, frame):
        ack("USR1")

    def on_term(signo, frame):
        ack("TERM")
        term.append(signo)

    # The wakeup pipe closes the race between testing `term` and waiting.
    rfd, wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wfd)
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_term)
    srv = Server(host=a.host, port=a.port, control=a.control)
    while not term:
        select.select([rfd], [], [])
        os.read(rfd, 512)
    deadline = time.monotonic() + 60  # a hang-catcher
    while a.term_wait and not os.path.exists(a.term_wait):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    srv.close()
    sys.stdout.flush()
    os._exit(a.term_exit)


if __name__ == "__main__":
    main()
