"""Supervision as users meet it (SPEC section 2): deadlines count from the
event after any idle time, and the shutdown of the tree spares the app's own
cleanup (systemd's control-group stop, bounded).

The rule under test: at the start of a shutdown ward forwards the signal to
the main child and sends SIGTERM once to every other process; while the main
child lives nothing more is swept (processes its TERM handler starts are its
own business); once it is reaped, ward's own children that never had a
SIGTERM get one; at the end of the grace period everything left is killed.
No process ever gets a second SIGTERM from a sweep.
"""

import collections
import os
import signal
import socket
import sys
import threading
import time

import pytest

from conftest import HANG, comm, descendants, helper, wait_until

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "helpers"))
import httpd  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Poller:
    """Requests to ward's status server, /livez and /metrics in turn, every
    few milliseconds from a thread, as probes and scrapes arrive in real
    life. Each request wakes ward up."""

    def __init__(self, port):
        self.port = port
        self.codes = collections.Counter()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        paths = ["/livez", "/metrics", "/readyz", "/status"]
        i = 0
        while not self.stopping.is_set():
            try:
                r = httpd.exchange(self.port, (
                    f"GET {paths[i % 4]} HTTP/1.1\r\nHost: x\r\n\r\n")
                    .encode())
                self.codes[r.status] += 1
            except OSError:
                self.codes["error"] += 1
            i += 1
            time.sleep(0.02)

    def stop(self):
        self.stopping.set()
        self.thread.join(HANG)
        return self.codes


def sh(spawn, mode, script, *flags, listen=None):
    args = list(flags)
    if listen:
        args += ["--listen", f"127.0.0.1:{listen}"]
    return spawn(mode, args + ["--", "/bin/sh", "-c", script])


def wait_ready(w, r, word="ready", timeout=HANG):
    r.ward = w
    r.wait(word, timeout=timeout)


def wait_sleep(w):
    """Wait until the script's `sleep 1000 &` has exec'd. Until then the
    forked shell holds the script's TERM trap, which swallows the one
    SIGTERM of the first sweep, and the sleep would live until the grace
    period ends (as SPEC 2 wants: no second SIGTERM)."""
    wait_until(lambda: any(comm(p) == "sleep" for p in descendants(w.pid)),
               what="the background sleep")


# ---- the clock: deadlines count from the event, after any idle time --------

def test_idle_longer_than_grace_then_term_gets_the_full_grace(mode, spawn,
                                                              report):
    # A container idle longer than --grace gets the whole grace period on
    # `docker stop`: the grandchild needs 1 s after SIGTERM to flush.
    r = report()
    w = spawn(mode, ["--grace", "2s", helper("tree"), str(r)])
    wait_ready(w, r)
    time.sleep(3)  # idle: longer than the grace period
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    assert r.has("gc-term") and r.has("flushed"), (r.lines(), w.stderr())


def test_child_exit_after_idle_gives_the_grandchild_the_full_grace(
        mode, spawn, report):
    r = report()
    w = spawn(mode, ["--grace", "2s", "--", "/bin/sh", "-c",
                     f'sleep 3; exec {helper("tree")} -x 7 {r}'])
    r.ward = w
    assert w.wait() == 7, w.stderr()
    assert r.has("gc-term") and r.has("flushed"), (r.lines(), w.stderr())


def test_grace_0_after_idle_waits_for_the_kill(mode, spawn, report):
    # After the SIGKILL ward waits (at most 5 s) for the reap: after 6 s
    # idle that wait must not be over before it began.
    r = report()
    w = spawn(mode, ["--grace", "0", helper("tree"), "-i", str(r)])
    wait_ready(w, r)
    time.sleep(6)
    w.kill(signal.SIGTERM)
    assert w.wait() in (137, 143), w.stderr()
    assert "survive" not in w.stderr()


# ---- the app's own cleanup is spared ---------------------------------------

TRAP = ('trap \'sleep 2; echo "sleep=$?" >> {r}; echo cleaned >> {r}; '
        'exit 0\' TERM; echo ready >> {r}; sleep 1000 & wait')


def test_trap_helper_survives_while_probes_and_scrapes_arrive(mode, spawn,
                                                              report):
    r = report()
    port = free_port()
    w = sh(spawn, mode, TRAP.format(r=r), "--grace", "10s", listen=port)
    wait_ready(w, r)
    wait_sleep(w)
    p = Poller(port)
    w.kill(signal.SIGTERM)
    rc = w.wait()
    codes = p.stop()
    assert rc == 0, w.stderr()
    assert r.has("sleep=0"), (r.lines(), w.stderr())
    assert r.has("cleaned")
    assert codes[200] + codes[503] > 10, codes  # requests really came


def test_helper_through_a_subshell_is_spared_while_the_child_lives(
        mode, spawn, report):
    # The helper's parent (a subshell) exits at once, so the helper is
    # re-parented to ward while the main child still runs.
    r = report()
    port = free_port()
    script = (f'trap \'( sh -c "sleep 2; echo helper=\\$? >> {r}" & ); '
              f'sleep 3; echo main-done >> {r}; exit 0\' TERM; '
              f'echo ready >> {r}; sleep 1000 & wait')
    w = sh(spawn, mode, script, "--grace", "10s", listen=port)
    wait_ready(w, r)
    wait_sleep(w)
    p = Poller(port)
    w.kill(signal.SIGTERM)
    rc = w.wait()
    p.stop()
    assert rc == 0, w.stderr()
    assert r.has("helper=0"), (r.lines(), w.stderr())
    assert r.has("main-done")


def test_orphan_left_by_the_reaped_child_gets_term(mode, spawn, report,
                                                   tmp_path):
    # Started in the TERM handler after the first sweep, re-parented to
    # ward: once the main child is reaped it gets its SIGTERM (and ward
    # returns long before the grace period ends).
    r = report()
    h = tmp_path / "helper.sh"
    # helper-up only once its sleep has exec'd (see wait_sleep).
    h.write_text(f'trap "echo helper-term >> {r}; exit 0" TERM\n'
                 f'sleep 1000 & p=$!\n'
                 f'while [ "$(cat /proc/$p/comm)" != sleep ]; do :; done\n'
                 f'echo helper-up >> {r}\nwait\n')
    script = (f'trap \'( sh {h} & ); '
              f'while ! grep -q helper-up {r}; do sleep 0.05; done; '
              f'exit 0\' TERM; echo ready >> {r}; sleep 1000 & wait')
    w = sh(spawn, mode, script, "--grace", "30s")
    wait_ready(w, r)
    wait_sleep(w)
    t0 = time.monotonic()
    w.kill(signal.SIGTERM)
    assert w.wait() == 0, w.stderr()
    assert time.monotonic() - t0 < 20
    assert r.has("helper-term"), r.lines()


@pytest.mark.parametrize("shape", ["flat", "chain"])
def test_no_process_gets_a_second_sigterm(mode, spawn, report, shape):
    # Processes that survive SIGTERM, more than any fixed list (1100 in a
    # flat tree; a chain forks one generation after another, slowly on a
    # busy machine, so it has 300); the status server keeps waking ward up
    # during the grace period.
    r = report()
    port = free_port()
    n = 1100 if shape == "flat" else 300
    args = [helper("herd")] + (["-c"] if shape == "chain" else []) + \
        [str(n), str(r)]
    w = spawn(mode, ["--grace", "3s", "--listen", f"127.0.0.1:{port}",
                     "--"] + args)
    wait_ready(w, r, timeout=90)
    p = Poller(port)
    w.kill(signal.SIGTERM)
    rc = w.wait(60)
    p.stop()
    assert rc == 143, w.stderr()
    terms = collections.Counter(
        ln.split()[1] for ln in r.lines() if ln.startswith("term "))
    assert len(terms) == n, (len(terms), w.stderr())
    twice = {pid: k for pid, k in terms.items() if k > 1}
    assert not twice, f"{len(twice)} processes got SIGTERM more than once"


def restarting(spawn, srv, *flags, interval="200ms", timeout="200ms"):
    """ward restarting its child when srv fails one probe."""
    return spawn("subreaper", [
        "--probe", f"http://127.0.0.1:{srv.port}/", "--probe-interval",
        interval, "--probe-timeout", timeout, "--probe-retries", "1",
        "--on-unhealthy", "restart", *flags])


CLEANUP = ('echo "ready $$" >> {r}; '
           'trap \'sleep 1; echo "sleep=$?" >> {r}; exit 0\' TERM; '
           'sleep 1000 & wait')


def test_restart_spares_the_childs_cleanup(tmp_path, spawn, report):
    # --on-unhealthy restart stops the tree by the same rule: the TERM
    # handler's helper runs to its end, then the child starts again.
    r = report()
    srv = httpd.Server(mode=200)
    try:
        w = restarting(spawn, srv, "--grace", "10s", "--", "/bin/sh", "-c",
                       CLEANUP.format(r=r))
        r.ward = w
        r.wait(r"ready \d+")
        srv.mode = 500
        r.wait(r"sleep=\d+")
        srv.mode = 200
        r.wait(r"ready \d+", count=2)
        assert r.has("sleep=0"), (r.lines(), w.stderr())
    finally:
        srv.close()


# ---- forwarded signals are not limited -------------------------------------

def test_group_gets_signals_after_the_main_child_exited(mode, spawn, report):
    # -g: a member of the child's process group outlives the main child;
    # a signal sent to ward during the grace period still reaches it.
    r = report()
    member = (f'trap "echo usr1 >> {r}" USR1; trap "" TERM; '
              f'echo member-up >> {r}; '
              f'while :; do sleep 0.1; done')
    script = (f'sh -c \'{member}\' & '
              f'while ! grep -q member-up {r}; do sleep 0.05; done; '
              f'echo ready >> {r}; exit 0')
    w = sh(spawn, mode, script, "-g", "--grace", "5s")
    wait_ready(w, r)
    time.sleep(0.5)  # the main child has exited: ward is in its grace
    w.kill(signal.SIGUSR1)
    r.wait("usr1", timeout=4)
    assert w.wait() == 0, w.stderr()


def test_restart_stops_the_whole_tree(tmp_path, spawn, report):
    # The grandchild left the child's process group (setsid): the restart's
    # stop still gives it its SIGTERM and its time to flush.
    r = report()
    srv = httpd.Server(mode=200)
    try:
        w = restarting(spawn, srv, "--grace", "10s", "--", helper("tree"),
                       str(r))
        r.ward = w
        r.wait("ready")
        srv.mode = 500
        r.wait("flushed")
        srv.mode = 200
        r.wait("ready", count=2)
        assert r.has("gc-term"), r.lines()
    finally:
        srv.close()


def test_shutdown_signal_in_restart_backoff_exits_at_once(spawn, report):
    # During the back-off nothing runs: TERM makes ward exit 143 at once,
    # whatever the stopped child's own status was (0 here).
    r = report()
    port = free_port()
    srv = httpd.Server(mode=200)
    try:
        script = (f'trap "exit 0" TERM; echo ready >> {r}; '
                  f'sleep 1000 & wait')
        w = restarting(spawn, srv, "--listen", f"127.0.0.1:{port}", "--",
                       "/bin/sh", "-c", script)
        r.ward = w
        r.wait("ready")
        srv.mode = 500

        def in_backoff():
            # pid 0 comes when the main child is reaped; the back-off only
            # once its orphaned sleep is reaped too (ward has no child).
            rsp = httpd.exchange(port, b"GET /status HTTP/1.1\r\n\r\n")
            if not (b'"pid": 0' in rsp.body or b'"pid":0' in rsp.body):
                return False
            with open(f"/proc/{w.pid}/task/{w.pid}/children") as f:
                return f.read().strip() == ""
        wait_until(in_backoff, what="the restart back-off")
        w.kill(signal.SIGTERM)
        code = w.wait()
        assert code == 143, (code, w.stderr())
    finally:
        srv.close()


# ---- the last line ---------------------------------------------------------

def test_clean_exit_0_prints_nothing(mode, spawn):
    w = spawn(mode, ["--", "true"])
    assert w.wait() == 0
    assert w.stderr() == ""


def test_clean_exit_0_last_line_with_v(mode, spawn):
    w = spawn(mode, ["-v", "--", "true"])
    assert w.wait() == 0
    assert "exiting with 0" in w.stderr()


def test_nonzero_exit_keeps_the_last_line(mode, spawn):
    w = spawn(mode, ["--", "/bin/sh", "-c", "exit 3"])
    assert w.wait() == 3
    assert "exiting with 3: child" in w.stderr()


def test_restart_after_idle_gives_the_full_grace(spawn, report):
    # The probe comes every 4 s, so ward sleeps longer than --grace (2 s)
    # between two turns; the restart's stop still gives the child its 1 s.
    r = report()
    srv = httpd.Server(mode=200)
    try:
        w = restarting(spawn, srv, "--grace", "2s", "--", "/bin/sh", "-c",
                       CLEANUP.format(r=r), interval="4s", timeout="1s")
        r.ward = w
        r.wait(r"ready \d+")
        srv.mode = 500
        r.wait(r"sleep=\d+")
        assert r.has("sleep=0"), (r.lines(), w.stderr())
        srv.mode = 200
        r.wait(r"ready \d+", count=2)
    finally:
        srv.close()
