"""gRPC health of the real binary, end to end (SPEC section 3): `ward --check
grpc://...` and `--probe grpc://...` against real gRPC servers nobody here
wrote, and against hostile HTTP/2 servers written here.

The real servers: Debian's python3-grpcio (tests/e2e/grpc/py_server.py, a
servicer over grpcio's generic handlers, as Debian ships no health module)
and @grpc/grpc-js with the ready-made grpc-health-check service from npm
(tests/e2e/grpc/node_server.js; installed from tests/e2e/grpc/package.json
and its lock file into build/grpc-node the first time). Neither is ever
skipped: a missing runtime fails the suite.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import (HANG, ROOT, WARD, Report, base_env, helper, run,
                      wait_until)

GRPC_DIR = os.path.join(ROOT, "tests", "e2e", "grpc")
NODE_DIR = os.path.join(ROOT, "build", "grpc-node")
PY = "/usr/bin/python3"  # Debian's, the one that sees python3-grpcio


@pytest.fixture(scope="session")
def node_modules():
    """@grpc/grpc-js and grpc-health-check, as the lock file pins them."""
    lock = os.path.join(GRPC_DIR, "package-lock.json")
    have = os.path.join(NODE_DIR, "package-lock.json")
    mods = os.path.join(NODE_DIR, "node_modules", "grpc-health-check")
    same = os.path.exists(have) and open(have).read() == open(lock).read()
    if not (same and os.path.isdir(mods)):
        os.makedirs(NODE_DIR, exist_ok=True)
        for f in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(GRPC_DIR, f), NODE_DIR)
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund",
                            "--ignore-scripts"], cwd=NODE_DIR,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, f"npm ci failed:\n{r.stdout}\n{r.stderr}"
    return os.path.join(NODE_DIR, "node_modules")


class Server:
    """A real gRPC health server; set() changes a service's status."""

    def __init__(self, argv, env=None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env=env)
        line = self.proc.stdout.readline()
        assert line.strip().isdigit(), \
            f"server did not start: {line!r} {self.proc.stderr.read()}"
        self.port = int(line)

    def url(self, service=""):
        return f"grpc://127.0.0.1:{self.port}" + (f"/{service}"
                                                  if service else "")

    def set(self, service, status):
        self.proc.stdin.write(f"{service}={status}\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "ok"

    def stop(self):
        self.proc.kill()
        self.proc.wait(HANG)


STATUSES = ["=SERVING", "down=NOT_SERVING", "unk=UNKNOWN"]


@pytest.fixture(params=["grpcio", "grpc-js"])
def grpc_server(request):
    """start(*args): a real health server, grpcio's or grpc-js's."""
    started = []

    def start(*args):
        if request.param == "grpcio":
            s = Server([PY, os.path.join(GRPC_DIR, "py_server.py"),
                        *args])
        else:
            env = dict(os.environ, NODE_PATH=request.getfixturevalue(
                "node_modules"))
            s = Server(["node", os.path.join(GRPC_DIR, "node_server.js"),
                        *args], env=env)
        started.append(s)
        return s
    start.kind = request.param
    yield start
    for s in started:
        s.stop()


def check(url, *extra, timeout=HANG):
    return run(["--check", url, *extra], timeout=timeout)


def test_check_serving(grpc_server):
    s = grpc_server(*STATUSES)
    r = check(s.url())
    assert r.returncode == 0, r
    assert r.stdout.startswith("ok: gRPC SERVING in "), r
    assert r.stdout.endswith(" ms\n"), r
    r = check(f"grpc://localhost:{s.port}")  # ::1 refused, then 127.0.0.1
    assert r.returncode == 0 and r.stdout.startswith("ok: gRPC SERVING"), r


@pytest.mark.parametrize("service,line", [
    ("down", "fail: gRPC NOT_SERVING\n"),
    ("unk", "fail: gRPC UNKNOWN\n"),
    ("nosuch", "fail: grpc-status 5 (NOT_FOUND)\n"),
])
def test_check_failures_named(grpc_server, service, line):
    s = grpc_server(*STATUSES)
    r = check(s.url(service))
    assert (r.returncode, r.stdout) == (1, line), r


def test_check_service_unknown():
    """grpc-js's service has no SERVICE_UNKNOWN; grpcio's servicer here
    can say it."""
    s = Server([PY, os.path.join(GRPC_DIR, "py_server.py"),
                "gone=SERVICE_UNKNOWN"])
    try:
        r = check(s.url("gone"))
        assert (r.returncode, r.stdout) == (1, "fail: gRPC SERVICE_UNKNOWN\n")
    finally:
        s.stop()


def test_check_server_without_health_service(grpc_server):
    s = grpc_server("--no-health")
    r = check(s.url())
    assert (r.returncode, r.stdout) == (
        1, "fail: grpc-status 12 (UNIMPLEMENTED)\n"), r


def test_check_follows_status_changes(grpc_server):
    s = grpc_server(*STATUSES)
    s.set("down", "SERVING")
    assert check(s.url("down")).returncode == 0
    s.set("", "NOT_SERVING")
    r = check(s.url())
    assert (r.returncode, r.stdout) == (1, "fail: gRPC NOT_SERVING\n"), r


def test_check_refuses_tls_grpc():
    r = check("grpcs://127.0.0.1:443/")
    assert r.returncode == 2 and r.stdout == "", r
    low = r.stderr.lower()
    assert "plain" in low and "loopback" in low, r.stderr
    r = check("grpc://grpc.internal:50051")
    assert r.returncode == 2 and "no DNS" in r.stderr, r


# ---- hostile HTTP/2 servers -------------------------------------------

def frame(ftype, flags, stream, payload):
    n = len(payload)
    return bytes([n >> 16 & 255, n >> 8 & 255, n & 255, ftype, flags,
                  0, 0, 0, stream]) + payload


SETTINGS = frame(4, 0, 0, b"")


class Hostile:
    """An HTTP/2 'server' that reads the request and then runs act(conn)."""

    def __init__(self, act):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.act = act
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def url(self):
        return f"grpc://127.0.0.1:{self.port}"

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.one, args=(conn,),
                             daemon=True).start()

    def one(self, conn):
        try:
            conn.settimeout(5)
            conn.recv(4096)
            self.act(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(HANG)
        self.sock.close()


@pytest.fixture
def hostile():
    made = []

    def make(act):
        h = Hostile(act)
        made.append(h)
        return h
    yield make
    for h in made:
        h.close()


def never(conn, stop):
    stop.wait(HANG)


def closes(conn, stop):
    """Reads the request and closes, answering nothing."""
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(2)
    while conn.recv(4096):
        pass


def huge_frame(conn, stop):
    conn.sendall(SETTINGS + bytes([0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1]))
    while not stop.is_set():
        conn.sendall(b"\0" * 65536)


def dynamic_index(conn, stop):
    conn.sendall(SETTINGS + frame(1, 4, 1, b"\x88\xbe"))
    stop.wait(HANG)


def endless_continuation(conn, stop):
    conn.sendall(SETTINGS + frame(1, 0, 1, b"\x88"))
    while not stop.is_set():
        conn.sendall(frame(9, 0, 1, b"\x88" * 1000))


def slow_continuation(conn, stop):
    conn.sendall(SETTINGS + frame(1, 0, 1, b"\x88"))
    while not stop.is_set():
        conn.sendall(frame(9, 0, 1, b"\x88"))
        time.sleep(0.05)


def goaway(conn, stop):
    conn.sendall(SETTINGS + frame(7, 0, 0, b"\0\0\0\0\0\0\0\2"))
    stop.wait(HANG)


@pytest.mark.parametrize("act,line", [
    (never, "fail: timeout after 1s\n"),
    (closes, "fail: connection closed before the response\n"),
    (huge_frame, "fail: HTTP/2 protocol error: frame too large\n"),
    (dynamic_index, "fail: HTTP/2 protocol error: dynamic table index\n"),
    (endless_continuation,
     "fail: HTTP/2 protocol error: header block too large\n"),
    (goaway, "fail: GOAWAY before the trailers (code 2)\n"),
])
def test_check_hostile_servers_fail_within_the_timeout(hostile, act, line):
    h = hostile(act)
    t0 = time.monotonic()
    r = check(h.url(), "--check-timeout", "1s")
    took = time.monotonic() - t0
    assert (r.returncode, r.stdout) == (1, line), r
    assert took < 10, took  # a hang-catcher: the timeout is 1 s


def test_check_slow_continuation_ends_at_the_timeout(hostile):
    """Frames that come slowly but never end: ward returns at its timeout,
    not when the server stops."""
    h = hostile(slow_continuation)
    t0 = time.monotonic()
    r = check(h.url(), "--check-timeout", "2s")
    took = time.monotonic() - t0
    assert (r.returncode, r.stdout) == (1, "fail: timeout after 2s\n"), r
    assert 1.5 < took < 12, took


# ---- the in-loop probe -------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", 0))
        return s.getsockname()[1]


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


class Supervised:
    """ward --listen --probe URL -- CHILD..., its stdin a pipe to CHILD."""

    def __init__(self, url, child, tmp):
        self.log = os.path.join(str(tmp), "ward.log")
        # A port free a moment ago may be taken by the time ward binds it
        # on a busy machine: then ward exits at once, and another is tried.
        for _ in range(5):
            self.port = free_port()
            with open(self.log, "wb") as logf:
                self.proc = subprocess.Popen(
                    [WARD, "--listen", f"127.0.0.1:{self.port}", "--probe",
                     url, "--probe-interval", "1s", "--probe-timeout", "1s",
                     "--probe-retries", "1", "--", *child],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=logf, env=base_env(), text=True)
            if self.listening():
                return
        raise AssertionError(f"ward did not listen: {open(self.log).read()}")

    def listening(self):
        deadline = time.monotonic() + HANG
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return True
            except OSError:
                if self.proc.poll() is not None:
                    if "Address in use" in open(self.log).read():
                        return False
                    raise AssertionError(open(self.log).read())
                time.sleep(0.05)
        raise AssertionError(f"no --listen after {HANG}s")

    def code(self, path="/readyz"):
        deadline = time.monotonic() + HANG
        while True:
            try:
                return get(self.port, path)[0]
            except ConnectionRefusedError:
                assert self.proc.poll() is None, open(self.log).read()
                assert time.monotonic() < deadline
                time.sleep(0.05)

    def status(self):
        return json.loads(get(self.port, "/status")[1])

    def stop(self):
        """SIGKILL ward and its child: how ward shuts down is tested
        elsewhere, and its sweep of a busy machine's /proc takes time."""
        try:
            child = self.status()["pid"]
        except OSError:
            child = None
        self.proc.kill()
        self.proc.wait(HANG)
        if child:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_probe_drives_readyz(tmp_path, grpc_server):
    """/readyz is 200 while the server says SERVING, 503 once it says
    NOT_SERVING (--probe-retries 1), 200 again after."""
    srv = grpc_server("app=SERVING")
    w = Supervised(srv.url("app"), [helper("sigcatch"), "-x", "TERM",
                                    str(tmp_path / "sig")], tmp_path)
    try:
        wait_until(lambda: w.code() == 200, what="/readyz 200")
        st = w.status()
        assert st["probe"]["url"] == srv.url("app"), st
        assert st["probe"]["last_status"] == 200, st
        srv.set("app", "NOT_SERVING")
        wait_until(lambda: w.code() == 503, what="/readyz 503")
        st = w.status()
        assert st["probe"]["last_error"] == "gRPC NOT_SERVING", st
        srv.set("app", "SERVING")
        wait_until(lambda: w.code() == 200, what="/readyz 200 again")
    finally:
        w.stop()


@pytest.mark.parametrize("act,error", [
    (slow_continuation, "timeout after 1s"),
    (huge_frame, "HTTP/2 protocol error: frame too large"),
    (endless_continuation, "HTTP/2 protocol error: header block too large"),
    (never, "timeout after 1s"),
])
def test_probe_of_a_hostile_server_keeps_signals_flowing(tmp_path, hostile,
                                                         act, error):
    """While the probe talks to a hostile server, every signal still
    reaches the child at once, and the probe fails with the named error."""
    h = hostile(act)
    rep = Report(tmp_path / "sig")
    w = Supervised(h.url(), [helper("sigcatch"), "-x", "TERM", str(rep)], tmp_path)
    try:
        rep.wait("ready")
        for i in range(1, 21):
            w.proc.send_signal(signal.SIGUSR1)
            rep.wait(f"sig {signal.SIGUSR1.value}", count=i, timeout=5)
            time.sleep(0.05)
        wait_until(lambda: w.status()["probe"]["last_error"] == error,
                   what=f"probe error {error!r}")
        assert w.code() == 503
        assert w.proc.poll() is None
    finally:
        w.stop()
