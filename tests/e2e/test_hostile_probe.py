"""Hostile servers behind the probe (SPEC sections 2 and 3): no server can
hold `ward --check` past its timeout, nor hold ward's event loop while an
in-loop probe runs; and the client's other rules (Content-Length ends the
read, Happy Eyeballs for `localhost`, interim responses capped at 5).

The hostile servers are tests/helpers/hostile.py, each in its own process.
Bounds are hang-catchers that the old code misses by far (a 1 s --check
took 9-12 s against a `100 Continue` flood; a 30 s in-loop probe delayed a
signal by seconds), never speed limits: `make bench` reports the figures.
"""

import os
import re
import socket
import subprocess
import sys
import time

import pytest

from test_health import (HANG, HELPERS_SRC, PY, App, check, clean_env,
                         free_port, server, start,
                         usr1_within)  # noqa: F401 (fixtures)
import httpd

HOSTILE = os.path.join(HELPERS_SRC, "hostile.py")
BOUND = 5  # seconds: what "at once" may take on a noisy machine


class Hostile:
    """tests/helpers/hostile.py serve MODE, in its own process."""

    def __init__(self, mode, host="127.0.0.1", port=0):
        self.proc = subprocess.Popen(
            [PY, HOSTILE, "serve", mode, "--host", host, "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            env=clean_env())
        line = self.proc.stdout.readline().decode()
        m = re.fullmatch(r"port (\d+)\n", line)
        assert m, f"hostile server did not start: {line!r}"
        self.port = int(m.group(1))

    def close(self):
        self.proc.kill()
        self.proc.wait(HANG)


@pytest.fixture
def hostile():
    made = []

    def make(mode, **kw):
        h = Hostile(mode, **kw)
        made.append(h)
        return h
    yield make
    for h in made:
        h.close()


ENDLESS = ["flood1xx", "header", "body", "silent"]


@pytest.mark.parametrize("mode", ENDLESS)
def test_check_returns_at_its_timeout(hostile, mode):
    h = hostile(mode)
    r = check("--check", f"http://127.0.0.1:{h.port}/", "--check-timeout",
              "1s")
    assert r.elapsed < 1 + BOUND - 1, (r.elapsed, r)  # old code: 5-12 s
    assert r.returncode in (0, 1), r
    assert re.fullmatch(r"(ok|fail): .*\n", r.stdout), r


def test_check_fails_on_more_than_5_interim_responses(hostile):
    h = hostile("flood1xx")
    r = check("--check", f"http://127.0.0.1:{h.port}/", "--check-timeout",
              "30s")
    assert r.elapsed < BOUND, (r.elapsed, r)
    assert (r.returncode, r.stdout) == \
        (1, "fail: too many interim responses\n"), r


@pytest.mark.parametrize("n,ok", [(5, True), (6, False)])
def test_check_interim_responses_up_to_5(n, ok):
    body = b"HTTP/1.1 100 Continue\r\n\r\n" * n + httpd.response(200, b"ok\n")
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    p = subprocess.Popen([sys.executable, "-c", f"""
import socket, sys
l = socket.socket(fileno={lsock.fileno()})
c, _ = l.accept()
buf = b""
while b"\\r\\n\\r\\n" not in buf:
    buf += c.recv(4096)
c.sendall({body!r})
c.close()
"""], pass_fds=[lsock.fileno()])
    lsock.close()
    try:
        r = check("--check", f"http://127.0.0.1:{port}/")
    finally:
        p.kill()
        p.wait()
    if ok:
        assert r.returncode == 0, r
        assert r.stdout.startswith("ok: HTTP 200 in "), r
    else:
        assert (r.returncode, r.stdout) == \
            (1, "fail: too many interim responses\n"), r


def test_check_keepalive_server_ok_at_once(hostile):
    """A keep-alive server answers 200 with Content-Length and keeps the
    connection: the body is complete, so --check says ok at once."""
    h = hostile("keepalive")
    r = check("--check", f"http://127.0.0.1:{h.port}/", "--check-timeout",
              "30s")
    assert r.elapsed < BOUND, (r.elapsed, r)
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: HTTP 200 in \d+ ms\n", r.stdout), r


def test_check_localhost_happy_eyeballs(hostile, server):
    """::1 hangs (a listener whose queue is full), 127.0.0.1 answers: ward
    tries 127.0.0.1 too after 250 ms, within the one timeout."""
    port = free_port()
    hostile("backlog", host="::1", port=port)
    s = server(mode=200, host="127.0.0.1", port=port)
    # The ::1 listener really hangs a connect.
    c = socket.socket(socket.AF_INET6)
    c.settimeout(1)
    with pytest.raises(socket.timeout):
        c.connect(("::1", port))
    c.close()
    r = check("--check", f"http://localhost:{port}/", "--check-timeout",
              "20s")
    assert r.elapsed < BOUND, (r.elapsed, r)
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: HTTP 200 in \d+ ms\n", r.stdout), r
    assert len(s.requests) == 1


def test_check_localhost_happy_eyeballs_both_hang(hostile):
    port = free_port()
    hostile("backlog", host="::1", port=port)
    hostile("backlog", host="127.0.0.1", port=port)
    r = check("--check", f"http://localhost:{port}/", "--check-timeout",
              "1s")
    assert r.elapsed < BOUND, (r.elapsed, r)
    assert (r.returncode, r.stdout) == (1, "fail: timeout after 1s\n"), r


# ---- the in-loop probe ---------------------------------------------------



@pytest.mark.parametrize("mode", ENDLESS)
def test_in_loop_probe_never_holds_the_loop(start, hostile, tmp_path, mode):
    """A 30 s probe of a hostile server: signals reach the child and /livez
    is answered meanwhile, each within 5 s, again and again."""
    h = hostile(mode)
    app = App(str(tmp_path))
    app.set(200)
    w = start(["--probe", f"http://127.0.0.1:{h.port}/", "--probe-timeout",
               "30s", "--probe-interval", "30s", "--probe-retries", "1000",
               "--"] + app.argv)
    w.wait_for("the app listening", app.pid)
    end = time.monotonic() + 4
    n = 0
    while time.monotonic() < end or n < 3:
        usr1_within(w, app, BOUND)
        t = time.monotonic()
        r = httpd.exchange(w.port, b"GET /livez HTTP/1.1\r\n\r\n",
                           timeout=BOUND)
        assert r.status == 200, (r, w.why())
        assert time.monotonic() - t < BOUND
        n += 1
        time.sleep(0.2)


def test_recovery_logged_and_status_hides_the_query(start, tmp_path):
    """Turning unhealthy and healthy again are both logged at default
    verbosity; /status shows the probe URL without its query (a token)."""
    app = App(str(tmp_path))
    app.set(500)
    w = start(["--probe", app.url + "?token=s3cret", "--probe-interval",
               "300ms", "--probe-timeout", "300ms", "--probe-retries", "1",
               "--"] + app.argv)
    w.wait_for("unhealthy", lambda: w.status()["state"] == "unhealthy")
    st = w.status()
    assert st["probe"]["url"] == app.url, st
    assert "s3cret" not in w.get("/status").body.decode()
    app.set(200)
    w.wait_for("healthy again", lambda: w.status()["state"] == "running")
    w.wait_for("the log line", lambda: "is healthy again" in w.log())
    lines = w.log().splitlines()
    assert any(re.fullmatch(r"ward: child \d+ is unhealthy: .+", ln)
               for ln in lines), lines
    assert any(re.fullmatch(r"ward: child \d+ is healthy again", ln)
               for ln in lines), lines
