"""--drain-delay (SPEC section 3): on a shutdown signal /readyz turns 503 at
once and the signal reaches the app only after the delay, so that load
balancers stop sending traffic first; other signals pass at once, /livez
stays as it was, /status says "draining"; a second shutdown signal or the
child's exit ends the delay; the grace period starts when the signal is
forwarded."""

import json
import os
import signal
import socket
import sys
import time

from conftest import HANG, wait_until

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "helpers"))
import httpd  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    return httpd.exchange(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"
                          .encode())


def state(port):
    return json.loads(get(port, "/status").body)["state"]


# The app: records each signal with the time it came, exits 0 on TERM
# after STOP_S seconds.
APP = ('trap \'echo "usr1 $(date +%s.%N)" >> {r}\' USR1; '
       'trap \'echo "term $(date +%s.%N)" >> {r}; sleep {stop}; exit 0\' '
       'TERM; echo ready >> {r}; '
       'while :; do sleep 1000 & wait; done')


def start(spawn, mode, report, *flags, stop=0):
    r = report()
    port = free_port()
    w = spawn(mode, list(flags) + ["--listen", f"127.0.0.1:{port}", "--",
                                   "/bin/sh", "-c",
                                   APP.format(r=r, stop=stop)])
    r.ward = w
    r.wait("ready")
    wait_until(lambda: _ok(port, "/readyz") == 200, what="/readyz 200")
    return w, r, port


def _ok(port, path):
    try:
        return get(port, path).status
    except OSError:
        return None


def terms(r):
    return [float(ln.split()[1]) for ln in r.lines() if ln.startswith("term")]


def test_drain_turns_readyz_503_and_holds_the_signal(mode, spawn, report):
    w, r, port = start(spawn, mode, report, "--drain-delay", "3s")
    t0 = time.time()
    w.kill(signal.SIGTERM)
    wait_until(lambda: get(port, "/readyz").status == 503, what="503")
    assert state(port) == "draining"
    assert get(port, "/livez").status == 200
    # Other signals pass at once while the shutdown signal is held.
    w.kill(signal.SIGUSR1)
    r.wait(r"usr1 .*")
    assert terms(r) == [], r.lines()
    r.wait(r"term .*", timeout=HANG)
    assert terms(r)[0] - t0 >= 2.5, (terms(r)[0] - t0, w.stderr())
    assert w.wait() == 0, w.stderr()


def test_second_shutdown_signal_ends_the_delay(mode, spawn, report):
    w, r, port = start(spawn, mode, report, "--drain-delay", "60s")
    w.kill(signal.SIGTERM)
    wait_until(lambda: state(port) == "draining", what="draining")
    w.kill(signal.SIGINT)
    assert w.wait() == 0, w.stderr()
    assert len(terms(r)) == 1, r.lines()  # only the first is forwarded
    assert not any(ln.startswith("int") for ln in r.lines())


def test_child_exit_ends_the_delay(mode, spawn, report):
    r = report()
    port = free_port()
    script = (f'trap "" TERM; echo ready >> {r}; '
              f'while [ ! -e {r}.go ]; do sleep 0.05; done; exit 5')
    w = spawn(mode, ["--drain-delay", "60s", "--listen",
                     f"127.0.0.1:{port}", "--", "/bin/sh", "-c", script])
    r.ward = w
    r.wait("ready")
    w.kill(signal.SIGTERM)
    wait_until(lambda: _ok(port, "/status") and state(port) == "draining",
               what="draining")
    open(f"{r}.go", "w").close()
    assert w.wait() == 5, w.stderr()


def test_grace_starts_when_the_signal_is_forwarded(mode, spawn, report):
    # drain 2 s + the app's 1.5 s stop fit in drain + grace (2 s each), not
    # in a grace period counted from the signal's arrival.
    w, r, port = start(spawn, mode, report, "--drain-delay", "2s",
                       "--grace", "2s", stop=1.5)
    w.kill(signal.SIGTERM)
    assert w.wait() == 0, w.stderr()


def test_on_unhealthy_exit_drains_too(spawn, report):
    srv = httpd.Server(mode=200)
    try:
        w, r, port = start(
            spawn, "subreaper", report, "--drain-delay", "2s", "--probe",
            f"http://127.0.0.1:{srv.port}/", "--probe-interval", "200ms",
            "--probe-timeout", "200ms", "--probe-retries", "1",
            "--on-unhealthy", "exit")
        srv.mode = 500
        wait_until(lambda: _ok(port, "/status") and
                   state(port) == "draining", what="draining")
        assert get(port, "/readyz").status == 503
        assert terms(r) == []
        assert w.wait() == 69, w.stderr()
        assert len(terms(r)) == 1
    finally:
        srv.close()
