"""hostile.py: hostile peers for ward's health tests and `make bench`.

Two roles, each run as its own process (so that its busy loops never share
a GIL with the process that measures):

  * a hostile HTTP server behind ward's probe:
        hostile.py serve MODE [--host H] [--port P]
    prints "port N" once listening, then serves every connection by MODE:
      flood1xx   an endless stream of `HTTP/1.1 100 Continue`, as fast as
                 the socket takes it
      header     `HTTP/1.1 200 OK`, then a header line that never ends
                 (64 bytes every 10 ms)
      body       a 200 head without Content-Length, then a body that never
                 ends (64 bytes every 50 ms)
      silent     accept, never read, never write
      keepalive  read the request, answer 200 with Content-Length, keep the
                 connection open (a keep-alive server)
      backlog    listen with a backlog of 0 and never accept: once its
                 queue is full, connects to it hang (a SYN nobody answers)

  * an attacker of ward's status server:
        hostile.py attack PORT N SECONDS [--host H]
    holds N connections to PORT for SECONDS, a quarter of each kind: idle
    (connect, send nothing), drip (one byte of a request head a second),
    partial (half a head, then nothing), half-closed (half a head, then
    shutdown(SHUT_WR)); each is opened again as soon as the server closes
    it. Prints "up N" once all are open, "done opened=N" at the end.

Python 3 standard library only.
"""

import argparse
import resource
import selectors
import socket
import sys
import threading
import time

PARTIAL = b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow: "


# ---- hostile servers ---------------------------------------------------

def read_some(conn, timeout=5):
    """Read what the client sent first (a request head, or part of one)."""
    conn.settimeout(timeout)
    try:
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(4096)
            if not chunk:
                return buf
            buf += chunk
        return buf
    except OSError:
        return b""


def serve_one(conn, mode):
    try:
        if mode == "silent":
            while conn.recv(1 << 16, socket.MSG_PEEK) != b"":
                time.sleep(1)  # never read what is there
            return
        read_some(conn)
        conn.settimeout(30)
        if mode == "flood1xx":
            chunk = b"HTTP/1.1 100 Continue\r\n\r\n" * 4096
            while True:
                conn.sendall(chunk)
        elif mode == "header":
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Endless: ")
            while True:
                conn.sendall(b"a" * 64)
                time.sleep(0.01)
        elif mode == "body":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"\r\n")
            while True:
                conn.sendall(b"b" * 64)
                time.sleep(0.05)
        elif mode == "keepalive":
            while True:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                             b"Content-Type: text/plain\r\n\r\nok\n")
                if not read_some(conn, 60):
                    return
    except OSError:
        pass
    finally:
        conn.close()


def serve(mode, host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, port))
    if mode == "backlog":
        s.listen(0)
        port = s.getsockname()[1]
        # Fill the queue: these connections are never accepted.
        fill = []
        for _ in range(8):
            c = socket.socket(family, socket.SOCK_STREAM)
            c.setblocking(False)
            c.connect_ex((host, port))
            fill.append(c)
        time.sleep(0.3)
        print(f"port {port}", flush=True)
        while True:
            time.sleep(3600)
    s.listen(128)
    print(f"port {s.getsockname()[1]}", flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve_one, args=(conn, mode),
                         daemon=True).start()


# ---- the attacker ------------------------------------------------------

KINDS = ["idle", "drip", "partial", "halfclosed"]


class Attack:
    def __init__(self, host, port, n):
        self.addr = (host, port)
        self.sel = selectors.DefaultSelector()
        self.opened = 0
        self.errors = 0
        self.conns = {}  # socket -> [kind, bytes of PARTIAL sent]
        for i in range(n):
            self.open(KINDS[i % len(KINDS)])

    def open(self, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        if s.connect_ex(self.addr) not in (0, 115):  # EINPROGRESS
            self.errors += 1
            s.close()
            return
        self.opened += 1
        self.conns[s] = [kind, 0]
        self.sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)

    def first(self, s):
        """Connected: send what this kind sends at once."""
        kind = self.conns[s][0]
        self.sel.modify(s, selectors.EVENT_READ)
        try:
            if kind == "drip":
                s.send(PARTIAL[:1])
                self.conns[s][1] = 1
            elif kind in ("partial", "halfclosed"):
                s.send(PARTIAL)
                if kind == "halfclosed":
                    s.shutdown(socket.SHUT_WR)
        except OSError:
            self.reopen(s)

    def reopen(self, s):
        kind = self.conns.pop(s)[0]
        self.sel.unregister(s)
        s.close()
        self.open(kind)

    def drip(self):
        for s, st in list(self.conns.items()):
            if st[0] != "drip" or st[1] == 0:
                continue
            try:
                s.send(b"a")
                st[1] += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self.reopen(s)

    def run(self, seconds):
        end = time.monotonic() + seconds
        next_drip = time.monotonic() + 1
        print(f"up {len(self.conns)}", flush=True)
        while time.monotonic() < end:
            for key, ev in self.sel.select(0.05):
                s = key.fileobj
                if s not in self.conns:
                    continue
                if ev & selectors.EVENT_WRITE and self.conns[s][1] == 0 \
                        and not ev & selectors.EVENT_READ:
                    self.first(s)
                    continue
                try:
                    if s.recv(4096) == b"":
                        self.reopen(s)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self.reopen(s)
            if time.monotonic() >= next_drip:
                next_drip += 1
                self.drip()
        print(f"done opened={self.opened} errors={self.errors}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="role", required=True)
    s = sub.add_parser("serve")
    s.add_argument("mode")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0)
    a = sub.add_parser("attack")
    a.add_argument("port", type=int)
    a.add_argument("n", type=int)
    a.add_argument("seconds", type=float)
    a.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()
    if args.role == "serve":
        serve(args.mode, args.host, args.port)
    else:
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        Attack(args.host, args.port, args.n).run(args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
