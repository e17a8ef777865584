"""Health of the real binary, end to end (SPEC section 3): `ward --check`,
the supervision probe with --on-unhealthy, and the --listen status server,
including abuse and idle wake-ups.

Self-contained: needs only $WARD (the binary under test; default
build/musl/ward), python3's standard library and tests/helpers/httpd.py
(the controllable HTTP server, run in this process or as ward's child).
Every ward, app and server a test starts is stopped when it ends; an app
run under ward also dies with ward (PR_SET_PDEATHSIG).
"""

import json
import os
import random
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
HELPERS_SRC = os.path.join(HERE, "..", "helpers")
sys.path.insert(0, HELPERS_SRC)
import httpd  # noqa: E402

WARD = os.path.abspath(os.environ.get("WARD") or os.path.join(
    HERE, "..", "..", "build", "musl", "ward"))
HTTPD = os.path.join(HELPERS_SRC, "httpd.py")
PY = sys.executable
HANG = 20  # seconds: a hang-catcher, never a speed requirement
# Fast probing: a probe every 300 ms, each given 300 ms. Any timeout goes
# with any interval (a probe still running delays the next one).
FAST = ["--probe-interval", "300ms", "--probe-timeout", "300ms"]
SANITIZER = re.compile(r"AddressSanitizer|UndefinedBehaviorSanitizer|"
                       r"LeakSanitizer|runtime error:")


def clean_env(extra=None):
    """The test's environment without WARD_* and TINI_* settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WARD_", "TINI_"))}
    env.update(extra or {})
    return env


def free_port():
    """A TCP port free on 127.0.0.1 and ::1 alike."""
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", 0))
        return s.getsockname()[1]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(what, pred, timeout=HANG):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"no {what} after {timeout}s"
        time.sleep(0.02)


def ward_version():
    out = subprocess.run([WARD, "--version"], capture_output=True, text=True,
                         timeout=HANG, env=clean_env()).stdout
    m = re.fullmatch(r"ward version (\S+)\n", out)
    assert m, out
    return m.group(1)


def parse_metrics(text):
    """Prometheus text: {'name' or 'name{labels}': float}."""
    out = {}
    for ln in text.splitlines():
        if ln and not ln.startswith("#"):
            name, _, value = ln.rpartition(" ")
            out[name] = float(value)
    return out


# ---- ward under test ---------------------------------------------------

class Ward:
    """ward supervising argv, with --listen on a free port (unless off)."""

    def __init__(self, tmp, args, env=None, listen="{port}", prefix=()):
        self.port = free_port() if listen else None
        argv = list(prefix) + [WARD]
        if listen:
            argv += ["--listen", listen.format(port=self.port)]
        self.log_path = os.path.join(tmp, f"ward-{time.monotonic_ns()}.log")
        self.logf = open(self.log_path, "wb")
        self.pids = set()  # child pids seen in /status
        self.proc = subprocess.Popen(argv + args, stdin=subprocess.DEVNULL,
                                     stdout=self.logf,
                                     stderr=subprocess.STDOUT,
                                     env=clean_env(env))
        self.pid = self.proc.pid

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def why(self):
        """ward's exit status and log, for failure messages."""
        return f"ward: exit status {self.proc.poll()}; log:\n{self.log()}"

    def send(self, data):
        """One exchange with the status server. Connection refused is
        retried while ward starts; it fails the test once ward is gone."""
        deadline = time.monotonic() + HANG
        while True:
            try:
                return httpd.exchange(self.port, data)
            except ConnectionRefusedError:
                if self.proc.poll() is not None or \
                        time.monotonic() > deadline:
                    pytest.fail(f"status server refused: {self.why()}")
            time.sleep(0.05)

    def get(self, path, method="GET"):
        return self.send(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:"
                         f"{self.port}\r\nUser-Agent: ward-e2e\r\n\r\n"
                         .encode())

    def code(self, path):
        return self.get(path).status

    def status(self):
        r = self.get("/status")
        assert r.status == 200, (r, self.why())
        st = json.loads(r.body)
        if st.get("pid"):
            self.pids.add(st["pid"])
        return st

    def metrics(self):
        r = self.get("/metrics")
        assert r.status == 200, (r, self.why())
        return parse_metrics(r.body.decode())

    def wait_for(self, what, pred, timeout=HANG):
        """Poll pred() until it is true; fail if ward exits or on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            rc = self.proc.poll()
            if rc is not None:
                pytest.fail(f"ward exited with {rc} while waiting for "
                            f"{what}; its log:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {timeout}s; ward's log:\n"
                            f"{self.log()}")
            time.sleep(0.05)

    def wait_exit(self, timeout=HANG):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"ward still runs after {timeout}s; its log:\n"
                        f"{self.log()}")

    def stop(self):
        """TERM (the graceful way), KILL if that hangs; no sanitizer report."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(HANG)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                for pid in self.pids:  # children ward could not stop
                    if alive(pid):
                        os.kill(pid, signal.SIGKILL)
        self.logf.close()
        log = self.log()
        assert not SANITIZER.search(log), log


class App:
    """tests/helpers/httpd.py as ward's child, controlled through files."""

    def __init__(self, tmp, *extra):
        self.port = free_port()
        self.control = os.path.join(tmp, "control")
        self.ack = os.path.join(tmp, "ack")
        self.release = os.path.join(tmp, "release")
        self.argv = [PY, HTTPD, "--port", str(self.port), "--control",
                     self.control, "--ack", self.ack, *extra]
        self.url = f"http://127.0.0.1:{self.port}/healthz"

    def set(self, mode):
        """Switch what the app's endpoints answer (atomically)."""
        tmp = self.control + ".new"
        with open(tmp, "w") as f:
            f.write(f"{mode}\n")
        os.rename(tmp, self.control)

    def acks(self, word):
        """[pid, ...] of the `word` lines in the ack file."""
        try:
            with open(self.ack) as f:
                return [int(ln.split()[1]) for ln in f
                        if ln.split()[0] == word]
        except FileNotFoundError:
            return []

    def pid(self):
        """The pid of the app answering on its port, or None."""
        try:
            r = httpd.get(self.port, "/pid")
        except OSError:
            return None
        return int(r.body) if r.status == 200 else None


@pytest.fixture
def start(tmp_path):
    """start(args, env=None, listen="{port}") -> Ward; all stopped at the
    end. listen is the --listen argument ({port}: a free port), or None."""
    started = []

    def make(args, env=None, listen="{port}", prefix=()):
        w = Ward(str(tmp_path), args, env, listen, prefix)
        started.append(w)
        return w

    yield make
    open(tmp_path / "release", "w").close()  # apps waiting in TERM: go
    for w in started:
        w.stop()


@pytest.fixture
def server():
    """server(**kw) -> httpd.Server in this process; all closed at the end."""
    made = []

    def make(**kw):
        s = httpd.Server(**kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def start_app(start, tmp_path, ward_args, *app_args, mode=200):
    """ward ARGS -- app; returns (ward, app) once the app answers."""
    app = App(str(tmp_path), *app_args)
    app.set(mode)
    w = start(ward_args + ["--"] + app.argv)
    w.wait_for("the app listening", app.pid)
    return w, app


def usr1_reaches_child(w, app):
    """Send SIGUSR1 to ward; the app acknowledges it in its ack file."""
    before = len(app.acks("USR1"))
    os.kill(w.pid, signal.SIGUSR1)
    w.wait_for("the app's USR1 acknowledgement",
               lambda: len(app.acks("USR1")) > before)
    assert app.acks("USR1")[-1] == app.pid()


# ---- ward --check ------------------------------------------------------

def check(*args, env=None):
    t = time.monotonic()
    r = subprocess.run([WARD, *args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=HANG,
                       env=clean_env(env))
    r.elapsed = time.monotonic() - t
    return r


def test_check_200_is_ok(server):
    s = server(mode=200)
    r = check("--check", f"http://127.0.0.1:{s.port}/healthz")
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: HTTP 200 in \d+ ms\n", r.stdout), r.stdout
    assert r.stderr == ""
    assert len(s.requests) == 1


@pytest.mark.parametrize("code", [404, 500, 503])
def test_check_error_status_fails(server, code):
    s = server(mode=code)
    r = check("--check", f"http://127.0.0.1:{s.port}/")
    assert (r.returncode, r.stdout, r.stderr) == (1, f"fail: HTTP {code}\n",
                                                  "")


@pytest.mark.parametrize("code", [204, 301])
def test_check_2xx_3xx_are_ok(server, code):
    """Success is 200-399, the kubelet's rule (a redirect is not followed)."""
    s = server(mode=code)
    r = check("--check", f"http://127.0.0.1:{s.port}/")
    assert r.returncode == 0, r
    assert re.fullmatch(rf"ok: HTTP {code} in \d+ ms\n", r.stdout), r.stdout
    assert len(s.requests) == 1


def test_check_connection_refused():
    port = free_port()
    r = check("--check", f"http://127.0.0.1:{port}/")
    assert (r.returncode, r.stdout, r.stderr) == (
        1, f"fail: connection refused (127.0.0.1:{port})\n", "")


def test_check_timeout_on_a_server_that_never_answers(server):
    s = server(mode="hang")
    r = check("--check", f"http://127.0.0.1:{s.port}/", "--check-timeout",
              "1s")
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "fail: timeout after 1s\n", "")
    assert r.elapsed < 10, r.elapsed  # hang-catcher: 1s asked
    wait_until("the request", lambda: len(s.requests) == 1)  # no answer


def test_check_default_timeout_is_2s(server):
    s = server(mode="hang")
    r = check("--check", f"http://127.0.0.1:{s.port}/")
    assert (r.returncode, r.stdout) == (1, "fail: timeout after 2s\n"), r


def test_check_skips_103_early_hints(server):
    s = server(mode="hints")
    r = check("--check", f"http://127.0.0.1:{s.port}/")
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: HTTP 200 in \d+ ms\n", r.stdout), r.stdout


def test_check_response_byte_by_byte_with_interim_responses(server):
    s = server(mode="slow")
    r = check("--check", f"http://127.0.0.1:{s.port}/", "--check-timeout",
              "15s")
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: HTTP 200 in \d+ ms\n", r.stdout), r.stdout


def test_check_closed_without_answer(server):
    s = server(mode="close")
    r = check("--check", f"http://127.0.0.1:{s.port}/")
    assert r.returncode == 1, r
    assert r.stdout.startswith("fail: ") and "timeout" not in r.stdout, r


def test_check_drains_a_bounded_amount_of_an_endless_body(server):
    s = server(mode="bigbody")
    r = check("--check", f"http://127.0.0.1:{s.port}/", "--check-timeout",
              "10s")
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: HTTP 200 in \d+ ms\n", r.stdout), r.stdout


def test_check_localhost_falls_back_to_ipv4(server):
    """::1 is refused (nothing there), then 127.0.0.1 answers."""
    s = server(mode=200, host="127.0.0.1", port=free_port())
    r = check("--check", f"http://localhost:{s.port}/")
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: HTTP 200 in \d+ ms\n", r.stdout), r.stdout
    assert len(s.requests) == 1


def test_check_localhost_tries_ipv6(server):
    s = server(mode=200, host="::1", port=free_port())
    r = check("--check", f"http://localhost:{s.port}/")
    assert r.returncode == 0, r
    assert len(s.requests) == 1


def test_check_localhost_refused_on_both():
    port = free_port()
    r = check("--check", f"http://localhost:{port}/")
    assert r.returncode == 1, r
    assert re.fullmatch(rf"fail: connection refused \((127\.0\.0\.1|"
                        rf"\[?::1\]?):{port}\)\n", r.stdout), r.stdout


def test_check_ipv6_literal(server):
    s = server(mode=200, host="::1")
    r = check("--check", f"http://[::1]:{s.port}/")
    assert r.returncode == 0, r
    assert r.stdout.startswith("ok: HTTP 200 in "), r.stdout


def test_check_tcp(server):
    s = server(mode=200)
    r = check("--check", f"tcp://127.0.0.1:{s.port}")
    assert r.returncode == 0, r
    assert r.stdout.startswith("ok: ") and r.stdout.count("\n") == 1, r
    wait_until("the server to see ward's connection",
               lambda: s.connections == 1)
    assert s.requests == []  # a TCP probe connects and sends nothing


def test_check_tcp_refused():
    port = free_port()
    r = check("--check", f"tcp://127.0.0.1:{port}")
    assert (r.returncode, r.stdout) == (
        1, f"fail: connection refused (127.0.0.1:{port})\n"), r


@pytest.mark.parametrize("url", [
    "https://127.0.0.1:8443/healthz",
    "https://localhost/",
    "http://example.com/healthz",
    "http://app:8080/healthz",
    "tcp://db.internal:5432",
])
def test_check_refuses_https_and_host_names(url):
    r = check("--check", url)
    assert r.returncode == 2, r
    assert r.stdout == ""
    assert r.stderr.startswith("ward: "), r.stderr
    low = r.stderr.lower()
    assert "plain" in low and "http" in low and "loopback" in low, r.stderr


def test_check_ignores_supervision_env(server):
    """An image's ENV meant for the init must not change a HEALTHCHECK."""
    s = server(mode=200)
    env = {"WARD_LISTEN": "garbage", "WARD_PROBE": "https://nowhere/",
           "WARD_GRACE": "bad", "WARD_PROBE_INTERVAL": "soon",
           "WARD_ON_UNHEALTHY": "explode", "WARD_SHUTDOWN_SIGNALS": "NOPE",
           "WARD_REQUIRE_READONLY_ROOT": "1",
           "WARD_REQUIRE_TMPFS": "/nonexistent:1G"}
    r = check("--check", f"http://127.0.0.1:{s.port}/", env=env)
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: HTTP 200 in \d+ ms\n", r.stdout), r.stdout
    assert r.stderr == ""


def test_check_ignores_supervision_options(server):
    s = server(mode=200)
    r = check("--grace", "3s", "--on-unhealthy", "exit", "--listen",
              str(free_port()), "--probe", "http://127.0.0.1:1/",
              "--probe-interval", "1s", "--check",
              f"http://127.0.0.1:{s.port}/")
    assert r.returncode == 0, r
    assert re.fullmatch(r"ok: HTTP 200 in \d+ ms\n", r.stdout), r.stdout
    assert r.stderr == ""


def test_check_honours_ward_check_timeout(server):
    s = server(mode="hang")
    r = check("--check", f"http://127.0.0.1:{s.port}/",
              env={"WARD_CHECK_TIMEOUT": "1s", "WARD_GRACE": "bad"})
    assert (r.returncode, r.stdout) == (1, "fail: timeout after 1s\n"), r


def test_check_timeout_flag_beats_the_variable(server):
    s = server(mode="hang")
    r = check("--check", f"http://127.0.0.1:{s.port}/", "--check-timeout",
              "1s", env={"WARD_CHECK_TIMEOUT": "5s"})
    assert (r.returncode, r.stdout) == (1, "fail: timeout after 1s\n"), r


@pytest.mark.parametrize("path", ["/health/deep?verbose=1&x=%20y", ""])
def test_check_request_as_the_server_sees_it(server, path):
    s = server(mode=200)
    r = check("--check", f"http://127.0.0.1:{s.port}{path}")
    assert r.returncode == 0, r
    assert len(s.requests) == 1
    head = s.requests[0].decode("latin-1")
    assert head.endswith("\r\n\r\n"), head
    lines = head[:-4].split("\r\n")
    assert lines[0] == f"GET {path or '/'} HTTP/1.1", lines
    headers = {}
    for ln in lines[1:]:
        k, sep, v = ln.partition(":")
        assert sep and k.strip() == k, ln
        assert k.lower() not in headers, f"duplicate {k}"
        headers[k.lower()] = v.strip()
    assert headers["host"] == f"127.0.0.1:{s.port}"
    assert headers["user-agent"] == f"ward/{ward_version()}"
    assert headers["connection"].lower() == "close"


# ---- supervision: --probe, --on-unhealthy, /livez /readyz --------------

def test_readyz_follows_the_probe(start, tmp_path):
    """503 before the first success, 200 once the app answers, 503 after
    --probe-retries failures in a row (not before), 200 after recovery;
    with --on-unhealthy none /livez turns 503 too."""
    retries = 3
    app = App(str(tmp_path))
    app.set(503)
    w = start(["--probe", app.url, *FAST, "--probe-retries", str(retries),
               "--probe-start-period", "60s", "--"] + app.argv)
    w.wait_for("failed probes", lambda: w.metrics().get(
        'ward_probe_total{result="failure"}', 0) >= 2)
    assert w.code("/readyz") == 503
    st = w.status()
    assert (st["ready"], st["state"]) == (False, "starting"), st
    assert st["probe"]["last_status"] == 503, st
    assert w.code("/livez") == 200  # failures in the start period: live

    app.set(200)
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    st = w.status()
    assert st["state"] == "running" and st["ready"] is True, st
    assert st["pid"] == app.pid(), st
    p = st["probe"]
    assert p["url"] == app.url, p
    assert (p["healthy"], p["consecutive_failures"], p["last_status"],
            p["last_error"]) == (True, 0, 200, None), p
    assert w.code("/livez") == 200 and w.code("/healthz") == 200

    app.set(500)
    seen = set()

    def unhealthy():
        st = w.status()
        n = st["probe"]["consecutive_failures"]
        seen.add(n)
        # ready stays true until --probe-retries failures in a row.
        assert st["ready"] is (n < retries), st
        return n >= retries and st

    st = w.wait_for("unhealthy", unhealthy)
    assert st["state"] == "unhealthy" and st["probe"]["healthy"] is False, st
    assert (st["probe"]["last_status"], st["probe"]["last_error"]) == (
        500, "HTTP 500"), st
    assert w.code("/readyz") == 503
    assert w.code("/livez") == 503  # --on-unhealthy none: kubelet restarts
    assert w.code("/healthz") == 503
    m = w.metrics()
    assert m["ward_ready"] == 0 and m["ward_up"] == 1, m
    assert m['ward_probe_total{result="failure"}'] >= retries, m

    app.set(200)
    w.wait_for("/readyz 200 again", lambda: w.code("/readyz") == 200)
    assert w.code("/livez") == 200
    st = w.status()
    assert st["state"] == "running" and st["probe"]["consecutive_failures"] \
        == 0, st
    assert st["pid"] == app.pid()  # none: nobody restarted it
    assert w.proc.poll() is None


def test_readyz_503_as_soon_as_shutdown_starts(start, tmp_path):
    """SIGTERM to ward: /readyz is 503 at once while the child (which traps
    TERM) is still stopping; /livez stays 200; ward then exits with the
    child's code."""
    app = App(str(tmp_path))
    app.argv += ["--term-wait", app.release, "--term-exit", "0"]
    app.set(200)
    w = start(["--probe", app.url, *FAST, "--probe-start-period", "60s",
               "--grace", "60s", "--"] + app.argv)
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    child = w.status()["pid"]

    os.kill(w.pid, signal.SIGTERM)
    assert w.code("/readyz") == 503  # the first answer after the signal
    w.wait_for("TERM forwarded to the app", lambda: app.acks("TERM"))
    assert app.acks("TERM") == [child]
    assert alive(child) and app.pid() == child  # still stopping
    assert w.code("/readyz") == 503
    assert w.code("/livez") == 200  # still supervising: live
    st = w.status()
    assert (st["state"], st["ready"]) == ("stopping", False), st
    m = w.metrics()
    assert m["ward_ready"] == 0 and m["ward_child_running"] == 1, m
    assert m["ward_signals_forwarded_total"] >= 1, m

    open(app.release, "w").close()
    assert w.wait_exit() == 0, w.log()


def test_on_unhealthy_restart_starts_the_child_again(start, tmp_path):
    app = App(str(tmp_path))
    app.set(200)
    w = start(["--probe", app.url, *FAST, "--probe-retries", "2",
               "--probe-start-period", "60s", "--on-unhealthy", "restart",
               "--grace", "10s", "--"] + app.argv)
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    first = w.status()
    assert first["restarts"] == 0 and first["pid"] == app.pid(), first

    app.set(500)
    states = set()

    def restarted():
        assert w.code("/livez") == 200  # restart: always live
        st = w.status()
        states.add(st["state"])
        if st["state"] == "restarting":
            assert st["ready"] is False, st
        return st["restarts"] >= 1 and st["pid"] not in (0, first["pid"]) \
            and st

    st = w.wait_for("a restarted child", restarted)
    assert "restarting" in states, states  # back-off is at least 1s
    assert app.acks("TERM") == [first["pid"]]  # stopped with TERM
    assert not alive(first["pid"])
    assert w.metrics()["ward_child_restarts_total"] >= 1
    w.wait_for("the new app listening", lambda: app.pid() == st["pid"])

    app.set(200)
    w.wait_for("/readyz 200 after the restart",
               lambda: w.code("/readyz") == 200)
    st = w.status()
    assert st["state"] == "running" and st["restarts"] >= 1, st
    assert st["pid"] == app.pid() != first["pid"]
    assert st["probe"]["healthy"] is True
    m = w.metrics()
    assert m["ward_child_restarts_total"] == st["restarts"] >= 1, m
    assert m["ward_child_running"] == 1 and m["ward_ready"] == 1, m
    assert m["ward_zombies_reaped_total"] >= 1, m  # the first app


def test_restart_kills_a_child_that_ignores_term(start, tmp_path):
    """restart stops the child with TERM, then KILL after --grace."""
    app = App(str(tmp_path))
    app.argv += ["--term-wait", app.release]  # released only at teardown
    app.set(200)
    w = start(["--probe", app.url, *FAST, "--probe-retries", "1",
               "--probe-start-period", "60s", "--on-unhealthy", "restart",
               "--grace", "1s", "--"] + app.argv)
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    first = w.status()["pid"]
    app.set(500)
    st = w.wait_for("a restarted child", lambda: (
        lambda s: s["restarts"] >= 1 and s["pid"] not in (0, first) and s)(
        w.status()))
    assert app.acks("TERM") == [first]  # asked first
    assert not alive(first)  # then killed: it never stops on its own
    w.wait_for("the new app listening", lambda: app.pid() == st["pid"])


def test_a_child_that_exits_is_not_restarted(start, server, tmp_path):
    """restart is for unhealthy children; an exit is the orchestrator's."""
    s = server(mode=200)
    rel = tmp_path / "go"
    w = start(["--probe", f"tcp://127.0.0.1:{s.port}", *FAST,
               "--on-unhealthy", "restart", "--", "sh", "-c",
               f'while [ ! -e "{rel}" ]; do sleep 0.05; done; exit 3'])
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    rel.touch()
    assert w.wait_exit() == 3, w.why()
    assert "restart" not in w.log(), w.log()


@pytest.mark.parametrize("term_exit", [0, 42])
def test_on_unhealthy_exit_exits_69_whatever_the_childs_status(
        start, tmp_path, term_exit):
    """69 after --on-unhealthy exit, even when the app exits 0 on TERM,
    so that `--restart on-failure` restarts it; the last line gives the
    child's own status. -e never turns ward's own 69 into 0."""
    app = App(str(tmp_path))
    app.argv += ["--term-exit", str(term_exit)]
    app.set(200)
    w = start(["--probe", app.url, *FAST, "--probe-retries", "2",
               "--probe-start-period", "60s", "--on-unhealthy", "exit",
               "-e", "69", "--grace", "10s", "--"] + app.argv)
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    child = w.status()["pid"]
    app.set(500)
    assert w.wait_exit() == 69, w.log()
    assert app.acks("TERM") == [child]
    assert "unhealthy" in w.log(), w.log()
    assert re.search(rf"exiting with 69: child {child} exited with status "
                     rf"{term_exit}, after SIGTERM from ward", w.log()), \
        w.log()


def test_on_unhealthy_exit_child_killed_by_term(start, server):
    """69 also when TERM kills the child (128+15 on the last line)."""
    s = server(mode=200)
    w = start(["--probe", f"tcp://127.0.0.1:{s.port}", *FAST,
               "--probe-retries", "1", "--on-unhealthy", "exit", "--",
               "sleep", "1000"])
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    s.close()
    assert w.wait_exit() == 69, w.why()
    assert "killed by SIGTERM" in w.log(), w.log()


def test_probe_timeout_is_a_failure(start, tmp_path):
    app = App(str(tmp_path))
    app.set(200)
    w = start(["--probe", app.url, *FAST, "--probe-retries", "2",
               "--probe-start-period", "60s", "--"] + app.argv)
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    app.set("hang")
    st = w.wait_for("unhealthy", lambda: (lambda s: s["state"] ==
                                          "unhealthy" and s)(w.status()))
    p = st["probe"]
    assert p["last_error"].startswith("timeout after "), p
    assert p["last_status"] == 0 and p["consecutive_failures"] >= 2, p
    assert w.code("/readyz") == 503 and w.code("/livez") == 503
    app.set(200)
    w.wait_for("/readyz 200 again", lambda: w.code("/readyz") == 200)


def test_start_period_failures_do_not_count(start, tmp_path):
    """Docker's rule: failures in the start period do not count, and a
    success ends it (after which one failure is enough here)."""
    app = App(str(tmp_path))
    app.argv += ["--term-exit", "42"]
    app.set(500)
    w = start(["--probe", app.url, *FAST, "--probe-retries", "1",
               "--probe-start-period", "1h", "--on-unhealthy", "exit",
               "--"] + app.argv)
    w.wait_for("3 failed probes", lambda: w.metrics().get(
        'ward_probe_total{result="failure"}', 0) >= 3)
    st = w.status()
    assert st["probe"]["consecutive_failures"] == 0, st
    assert st["state"] == "starting" and st["ready"] is False, st
    assert st["probe"]["last_status"] == 500, st
    assert w.code("/readyz") == 503 and w.code("/livez") == 200

    app.set(200)
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    app.set(500)  # the start period is over: one failure is unhealthy
    assert w.wait_exit() == 69, w.log()  # 69: SPEC 3


def test_start_period_ends_with_time(start, tmp_path):
    app = App(str(tmp_path))
    app.set(500)
    w = start(["--probe", app.url, *FAST, "--probe-retries", "1",
               "--probe-start-period", "1s", "--"] + app.argv)
    st = w.wait_for("unhealthy", lambda: (lambda s: s["state"] ==
                                          "unhealthy" and s)(w.status()))
    m = w.metrics()
    # The first probe runs at once, inside the period, and did not count.
    assert m['ward_probe_total{result="failure"}'] >= \
        st["probe"]["consecutive_failures"] + 1 >= 2, (m, st)
    assert w.code("/livez") == 503 and w.code("/readyz") == 503


def test_tcp_probe(start, server):
    s = server(mode=200)
    port = s.port
    url = f"tcp://127.0.0.1:{port}"
    w = start(["--probe", url, *FAST, "--probe-retries", "2", "--",
               "sleep", "1000"])
    w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
    p = w.status()["probe"]
    assert (p["url"], p["healthy"], p["last_status"], p["last_error"]) == (
        url, True, 0, None), p
    wait_until("the server to see ward's connections",
               lambda: s.connections >= 1)
    assert s.requests == []  # a TCP probe connects and sends nothing

    s.close()
    st = w.wait_for("unhealthy", lambda: (lambda s: s["state"] ==
                                          "unhealthy" and s)(w.status()))
    assert st["probe"]["last_error"] == \
        f"connection refused (127.0.0.1:{port})", st
    assert w.code("/readyz") == 503 and w.code("/livez") == 503

    s2 = server(mode=200, port=port)
    w.wait_for("/readyz 200 again", lambda: w.code("/readyz") == 200)
    wait_until("the new server to see ward", lambda: s2.connections >= 1)


# ---- the status server -------------------------------------------------

@pytest.fixture(scope="module")
def sw(tmp_path_factory):
    """One ward with a healthy probed app, shared by the endpoint tests."""
    tmp = str(tmp_path_factory.mktemp("status"))
    app = App(tmp)
    app.set(200)
    w = Ward(tmp, ["--probe", app.url, *FAST, "--probe-start-period", "60s",
                   "--"] + app.argv)
    try:
        w.wait_for("/readyz 200", lambda: w.code("/readyz") == 200)
        yield w
    finally:
        w.stop()


@pytest.mark.parametrize("path", ["/livez", "/healthz", "/readyz"])
def test_status_get_and_head(sw, path):
    r = sw.get(path)
    assert (r.status, r.body) == (200, b"ok\n"), r
    assert r.version == "HTTP/1.1"
    assert r.headers["content-type"] == "text/plain", r
    assert int(r.headers["content-length"]) == 3
    h = sw.get(path, "HEAD")
    assert (h.status, h.body) == (200, b""), h
    assert h.headers["content-type"] == "text/plain", h


@pytest.mark.parametrize("path", ["/status", "/metrics"])
def test_status_head_of_documents(sw, path):
    h = sw.get(path, "HEAD")
    assert (h.status, h.body) == (200, b""), h


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS",
                                    "PATCH", "TRACE"])
@pytest.mark.parametrize("path", ["/livez", "/status"])
def test_status_other_methods_405(sw, method, path):
    r = sw.get(path, method)
    assert r.status == 405, r
    assert "GET" in r.headers.get("allow", ""), r  # RFC 9110: 405 has Allow


@pytest.mark.parametrize("path", ["/", "/nope", "/livez/", "/livez/x",
                                  "/LIVEZ", "/status.json", "/metricsx",
                                  "/nope?/livez"])
def test_status_unknown_path_404(sw, path):
    assert sw.code(path) == 404


def test_status_query_strings_ignored(sw):
    for path in ["/livez?x=1", "/healthz?", "/readyz?verbose&x=%20y"]:
        r = sw.get(path)
        assert (r.status, r.body) == (200, b"ok\n"), (path, r)
    r = sw.get("/status?pretty=1")
    assert r.status == 200 and "state" in json.loads(r.body), r
    r = sw.get("/metrics?name[]=ward_up")
    assert r.status == 200 and "ward_up" in parse_metrics(r.body.decode())


@pytest.mark.parametrize("raw", [
    b"\x01\x02\x03\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nNo colon here\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nHost: a\x00b\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nHo st: a\r\n\r\n",
    b"GET /livez FTP/1.1\r\n\r\n",
], ids=["binary", "one-word", "no-colon", "nul", "space-in-name",
        "not-http"])
def test_status_malformed_400(sw, raw):
    r = sw.send(raw)
    assert r.status == 400, r


def test_status_oversized_head_431(sw):
    """More than 4096 bytes and no end of the head: 431."""
    head = b"GET /livez HTTP/1.1\r\nX-Big: "
    r = sw.send(head + b"a" * (4096 - len(head)))
    assert r.status == 431, r
    r = sw.send(head + b"a" * 6000)
    assert r.status == 431, r
    big = b"GET /livez HTTP/1.1\r\n" + b"X-H: v\r\n" * 600
    r = sw.send(big)
    assert r.status == 431, r
    assert sw.code("/livez") == 200


def test_status_request_at_the_size_limit(sw):
    """A complete head of exactly 4096 bytes is still answered."""
    start = b"GET /livez HTTP/1.1\r\nX-Pad: "
    end = b"\r\n\r\n"
    req = start + b"p" * (4096 - len(start) - len(end)) + end
    assert len(req) == 4096
    r = sw.send(req)
    assert (r.status, r.body) == (200, b"ok\n"), r


@pytest.mark.parametrize("raw", [
    b"GET /livez HTTP/1.0\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nHost: 10.0.0.7:9000\r\nUser-Agent: "
    b"kube-probe/1.29\r\nAccept: */*\r\nConnection: close\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nhost: x\r\nx-lower-case: yes\r\n\r\n",
], ids=["http-1.0", "kubelet", "lower-case-headers"])
def test_status_real_client_requests(sw, raw):
    r = sw.send(raw)
    assert (r.status, r.body) == (200, b"ok\n"), r


def test_status_request_in_pieces(sw):
    """A head that arrives in several segments is answered once complete."""
    s = socket.create_connection(("127.0.0.1", sw.port), timeout=HANG)
    with s:
        for piece in [b"GET /re", b"adyz HTTP/1.1\r\n", b"Host: x\r\n",
                      b"\r", b"\n"]:
            s.sendall(piece)
            time.sleep(0.1)
        raw = b""
        while chunk := s.recv(4096):
            raw += chunk
    r = httpd.Reply(raw)
    assert (r.status, r.body) == (200, b"ok\n"), r


def test_status_metrics(sw):
    r = sw.get("/metrics")
    assert r.status == 200, r
    assert r.headers["content-type"] == \
        "text/plain; version=0.0.4; charset=utf-8", r
    text = r.body.decode()
    assert text.endswith("\n")
    m = parse_metrics(text)
    for name in ["ward_up", "ward_child_running", "ward_ready",
                 "ward_child_restarts_total", "ward_zombies_reaped_total",
                 "ward_signals_forwarded_total",
                 'ward_probe_total{result="success"}',
                 'ward_probe_total{result="failure"}',
                 "ward_probe_duration_seconds"]:
        assert name in m, (name, text)
    for fam in ["ward_up", "ward_child_running", "ward_ready",
                "ward_child_restarts_total", "ward_zombies_reaped_total",
                "ward_signals_forwarded_total", "ward_probe_total",
                "ward_probe_duration_seconds"]:
        assert re.search(rf"^# TYPE {fam} (gauge|counter)$", text, re.M), fam
    assert (m["ward_up"], m["ward_child_running"], m["ward_ready"]) == (
        1, 1, 1), m
    assert m['ward_probe_total{result="success"}'] >= 1, m
    assert m["ward_probe_duration_seconds"] >= 0, m
    assert int(r.headers["content-length"]) == len(r.body)


def test_status_json(sw):
    r = sw.get("/status")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("application/json"), r
    assert int(r.headers["content-length"]) == len(r.body)
    st = json.loads(r.body)
    assert set(st) >= {"state", "pid", "uptime_seconds", "restarts",
                       "ready", "probe", "checks"}, st
    assert st["state"] == "running", st
    assert isinstance(st["pid"], int) and st["pid"] > 0 and alive(st["pid"])
    assert isinstance(st["uptime_seconds"], int) and \
        st["uptime_seconds"] >= 0
    assert st["restarts"] == 0 and st["ready"] is True
    assert isinstance(st["checks"], list)
    p = st["probe"]
    assert set(p) >= {"url", "healthy", "consecutive_failures",
                      "last_status", "last_duration_ms", "last_error"}, p
    assert isinstance(p["url"], str) and p["url"].startswith("http://127.")
    assert p["healthy"] is True and p["consecutive_failures"] == 0
    assert p["last_status"] == 200 and p["last_error"] is None
    assert isinstance(p["last_duration_ms"], int) and \
        p["last_duration_ms"] >= 0


def reachable(host, port):
    try:
        r = httpd.get(port, "/livez", host=host)
    except ConnectionRefusedError:
        return False
    assert (r.status, r.body) == (200, b"ok\n"), r
    return True


@pytest.mark.parametrize("listen,v4,v6", [
    ("{port}", True, True),             # all interfaces, dual-stack
    (":{port}", True, True),
    ("127.0.0.1:{port}", True, False),
    ("[::1]:{port}", False, True),
    ("[::]:{port}", None, True),        # IPv4 too, unless bindv6only
])
def test_listen_address_forms(start, listen, v4, v6):
    w = start(["--", "sleep", "1000"], listen=listen)
    w.wait_for("the status server", lambda: w.proc.poll() is None and (
        reachable("127.0.0.1", w.port) or reachable("::1", w.port)))
    if v4 is not None:
        assert reachable("127.0.0.1", w.port) is v4
    assert reachable("::1", w.port) is v6


def test_listen_port_in_use_exits_71(start, tmp_path):
    """A failed bind of --listen is an operating-system failure; the child
    is never started."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        marker = tmp_path / "started"
        w = start(["--", "touch", str(marker)], listen=f"127.0.0.1:{port}")
        assert w.wait_exit() == 71, w.why()
    assert not marker.exists()
    assert w.log().startswith("ward: "), w.log()


# ---- abuse -------------------------------------------------------------

@pytest.fixture
def abused(start, tmp_path):
    """ward --listen with an app that acknowledges SIGUSR1."""
    return start_app(start, tmp_path, [])


def test_abuse_garbage(abused):
    w, app = abused
    rng = random.Random(20240601)
    for i in range(200):
        junk = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 600)))
        junk = junk.replace(b"\r\n\r\n", b"") + b"\r\n\r\n"
        r = w.send(junk)
        assert r.status == 400, (i, junk, r)
    assert w.code("/livez") == 200
    usr1_reaches_child(w, app)
    assert w.proc.poll() is None


def big_send(port, data):
    """Send data from a thread (ward stops reading); read the answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=HANG)
    errors = []

    def push():
        try:
            s.sendall(data)
        except OSError as e:
            errors.append(e)

    t = threading.Thread(target=push, daemon=True)
    t.start()
    raw = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            raw += chunk
    except ConnectionResetError:
        pass
    t.join(HANG)
    assert not t.is_alive(), "ward neither read nor closed"
    s.close()
    return httpd.Reply(raw)


def test_abuse_one_megabyte_requests(abused):
    w, app = abused
    mb = 1 << 20
    r = big_send(w.port, b"GET /livez HTTP/1.1\r\nX-Big: " + b"a" * mb)
    assert r.status == 431, r
    r = big_send(w.port, b"POST /livez HTTP/1.1\r\nContent-Length: %d"
                 b"\r\n\r\n" % mb + b"b" * mb)
    assert r.status == 405, r
    r = big_send(w.port, b"\x00" * mb)
    assert r.status == 400, r
    assert w.code("/livez") == 200
    usr1_reaches_child(w, app)


def closed(sock):
    """True if the peer closed (EOF or reset); sock keeps its blocking mode."""
    blocking = sock.getblocking()
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    finally:
        sock.setblocking(blocking)


def usr1_within(w, app, bound):
    """SIGUSR1 to ward reaches the app within bound seconds."""
    before = len(app.acks("USR1"))
    t = time.monotonic()
    os.kill(w.pid, signal.SIGUSR1)
    while len(app.acks("USR1")) <= before:
        assert w.proc.poll() is None, w.why()
        assert time.monotonic() - t < bound, \
            f"SIGUSR1 not forwarded within {bound}s: {w.why()}"
        time.sleep(0.01)


def test_abuse_idle_connections(abused):
    """50 idle connections hold no slot (TCP_DEFER_ACCEPT: none before the
    first byte): /livez keeps answering and signals still reach the child;
    ward drops each of them at last (the kernel hands an empty connection
    over after the deferral; it is then the first evicted, and has 1 s)."""
    w, app = abused
    conns = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", w.port), timeout=HANG)
        s.setblocking(False)
        conns.append(s)
    for _ in range(5):
        assert w.code("/livez") == 200
    usr1_reaches_child(w, app)  # a full status server blocks nothing
    closed_at = set()
    deadline = time.monotonic() + HANG
    while len(closed_at) < len(conns):
        select.select([s for s in conns if s not in closed_at], [], [], 0.2)
        closed_at.update(s for s in conns if s not in closed_at and closed(s))
        assert time.monotonic() < deadline, \
            f"{len(conns) - len(closed_at)} idle connections never dropped"
        assert w.code("/livez") == 200
    for s in conns:
        s.close()
    assert w.code("/livez") == 200
    usr1_reaches_child(w, app)


def test_abuse_slowloris(abused):
    """One byte per 100 ms: /livez keeps answering, signals still reach the
    child, and the slow client is dropped at the 1 s head deadline."""
    w, app = abused
    s = socket.create_connection(("127.0.0.1", w.port), timeout=HANG)
    t0 = time.monotonic()
    payload = b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 1000
    s.setblocking(False)
    checked = 0
    gone = None
    for i, b in enumerate(payload):
        if closed(s):
            gone = time.monotonic()
            break
        try:
            s.send(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            gone = time.monotonic()
            break
        if i % 3 == 1:
            assert w.code("/livez") == 200
            checked += 1
        if i == 2:
            usr1_reaches_child(w, app)
        assert time.monotonic() - t0 < HANG, "slow client never dropped"
        time.sleep(0.1)
    s.close()
    assert gone is not None, "slow client never dropped"
    assert 0.9 <= gone - t0 < 4.5, gone - t0  # the old deadline was 5 s
    assert checked >= 2
    assert w.code("/livez") == 200


# ---- idle --------------------------------------------------------------

def proc_state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rpartition(")")[2].split()[0]


def ctxt_switches(pid):
    with open(f"/proc/{pid}/status") as f:
        for ln in f:
            if ln.startswith("voluntary_ctxt_switches:"):
                return int(ln.split()[1])
    raise AssertionError("no voluntary_ctxt_switches")


def test_listen_without_probe_sleeps_without_timeout(start):
    w = start(["--", "sleep", "1000"])
    for path in ["/livez", "/readyz", "/status", "/metrics"]:
        assert w.code(path) == 200, path  # no probe: ready while it runs
    assert w.code("/nope") == 404
    assert w.send(b"junk\r\n\r\n").status == 400
    # ward has closed the last client; wait until it is back asleep.
    wait_until("ward asleep", lambda: proc_state(w.pid) == "S")
    before = ctxt_switches(w.pid)
    time.sleep(3)
    after = ctxt_switches(w.pid)
    assert after == before, f"ward woke up {after - before} times when idle"
    assert w.code("/livez") == 200
