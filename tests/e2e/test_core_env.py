"""Configuration from the environment (SPEC section 1): WARD_* variables,
booleans, a flag replacing its variable, tini's TINI_* variables, and the
child's environment passed on unchanged."""

import re
import signal
import socket
import threading
import time

import pytest

from conftest import base_env, helper, run, wait_until, ward_lines


def start_tree(spawn, mode, report, *flags, env=None):
    r = report()
    w = spawn(mode, list(flags) + [helper("tree"), str(r)], env=env)
    r.ward = w
    r.wait("ready")
    r.wait(r"gc \d+")
    return w, r


def test_ward_grace_from_environment(mode, spawn, report):
    w, r = start_tree(spawn, mode, report, env=base_env(WARD_GRACE="0"))
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    time.sleep(1.5)  # the grandchild would have flushed by now
    assert not r.has("flushed"), r.lines()


def test_grace_flag_replaces_variable(mode, spawn, report):
    w, r = start_tree(spawn, mode, report, "--grace", "20s",
                      env=base_env(WARD_GRACE="0"))
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    assert r.has("flushed"), r.lines()


def test_remap_flag_replaces_variable():
    env = base_env(WARD_REMAP_EXIT="3")
    assert run(["-e", "4", "sh", "-c", "exit 4"], env=env).returncode == 0
    assert run(["-e", "4", "sh", "-c", "exit 3"], env=env).returncode == 3


def forwarded_usr1_logged(spawn, report, env, *flags):
    """Run ward, forward USR1, stop; True if a line names SIGUSR1."""
    r = report()
    w = spawn("subreaper", list(flags) + [helper("sigcatch"), "-x", "TERM",
                                          str(r)], env=env)
    r.ward = w
    r.wait("ready")
    w.kill(signal.SIGUSR1)
    r.wait_signal(10)
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    return any("SIGUSR1" in ln for ln in w.lines())


@pytest.mark.parametrize("value,on", [("1", True), ("0", False), ("", False)])
def test_ward_verbose(spawn, report, value, on):
    env = base_env(WARD_VERBOSE=value)
    assert forwarded_usr1_logged(spawn, report, env) is on


def test_quiet_flag_replaces_verbose_variable(spawn, report):
    env = base_env(WARD_VERBOSE="1")
    assert forwarded_usr1_logged(spawn, report, env, "-q") is False


def test_tini_verbosity_is_honoured(spawn, report):
    env = base_env(TINI_VERBOSITY="3")
    assert forwarded_usr1_logged(spawn, report, env) is True


def reaped_lines(report, env, *flags):
    """Run ward over 2 orphans; return (orphan pids, -w lines)."""
    r = report()
    res = run(list(flags) + [helper("orphans"), "-n", "2", "-p", "-o", str(r),
                             "--", "sh", "-c", "exit 0"], env=env)
    assert res.returncode == 0, res.stderr
    pids = [int(ln.split()[1]) for ln in r.lines() if ln.startswith("orphan ")]
    assert len(pids) == 2, r.lines()
    lines = [ln for ln in res.stderr.splitlines()
             if "Reaped zombie process with pid=" in ln]
    return pids, lines


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_boolean_true_values(report, value):
    pids, lines = reaped_lines(report, base_env(WARD_WARN_REAPED=value))
    for p in pids:
        assert any(re.search(rf"pid={p}\b", ln) for ln in lines), (p, lines)


@pytest.mark.parametrize("value", ["0", "false", "no", ""])
def test_boolean_false_values(report, value):
    pids, lines = reaped_lines(report, base_env(WARD_WARN_REAPED=value))
    assert lines == []


def test_warn_reaped_flag(report):
    pids, lines = reaped_lines(report, base_env(), "--warn-reaped")
    for p in pids:
        assert any(re.search(rf"pid={p}\b", ln) for ln in lines), (p, lines)


def test_tini_subreaper_is_accepted(report, tmp_path):
    r = report()
    res = run([helper("orphans"), "-n", "2", "-p", "-o", str(r), "--",
               "sh", "-c", "exit 6"], env=base_env(TINI_SUBREAPER="1"))
    assert res.returncode == 6, res.stderr
    # no complaint: at most SPEC's last line, about the exit code
    ls = ward_lines(res.stderr)
    assert len(ls) <= 1 and all(re.search(r"\b6\b", ln) for ln in ls), ls


@pytest.mark.parametrize("extra", [
    {},
    {"FOO": "bar", "EMPTY": "", "SPACES": "a b  c", "EQ": "x=y=z",
     "WARD_GRACE": "3s", "WARD_VERBOSE": "0", "WARD_REMAP_EXIT": "9",
     "WARD_SHUTDOWN_SIGNALS": "TERM,INT", "TINI_SUBREAPER": "",
     "TINI_VERBOSITY": "1", "TINI_KILL_PROCESS_GROUP": "1",
     "NOTIFY_SOCKET": "/nonexistent", "LISTEN_FDS": "0"},
], ids=["plain", "ward-and-tini-vars"])
def test_child_environment_is_passed_unchanged(mode, extra):
    env = base_env(**extra)
    res = run(["env", "-0"], mode, env=env)
    assert res.returncode == 0, res.stderr
    got = dict(kv.split("=", 1) for kv in res.stdout.split("\0") if kv)
    assert got == env


# --- values that used to be refused, and values that must be -------------

def usage_error(args, tmp_path, env=None):
    """ward ARGS touch MARKER: exit 2, one line + the hint, nothing run."""
    marker = tmp_path / "started"
    r = run(list(args) + ["touch", str(marker)],
            env=base_env(**(env or {})))
    assert r.returncode == 2, (r.returncode, r.stderr)
    ls = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(ls) == 2, ls
    assert ls[0].startswith("ward: ") and "Try" not in ls[0], ls
    assert ls[1] == "ward: Try 'ward --help'", ls
    assert not marker.exists()
    assert r.stdout == ""
    return ls[0]


def test_ward_verbose_takes_a_count(spawn, report):
    # WARD_VERBOSE=10 is ten -v, not a "bad boolean".
    assert forwarded_usr1_logged(spawn, report,
                                 base_env(WARD_VERBOSE="10")) is True


def test_ward_verbose_garbage_is_a_usage_error(tmp_path):
    line = usage_error([], tmp_path, {"WARD_VERBOSE": "lots"})
    assert "WARD_VERBOSE" in line and "count" in line, line
    assert "bad boolean" not in line, line


def test_tini_verbosity_not_understood_is_ignored_with_one_warning(mode):
    # tini starts whatever TINI_VERBOSITY holds; ward does too, and says
    # once that it ignored it.
    r = run(["sh", "-c", "exit 3"], mode, env=base_env(TINI_VERBOSITY="abc"))
    assert r.returncode == 3, r.stderr
    ls = ward_lines(r.stderr)
    warn = [ln for ln in ls if "TINI_VERBOSITY" in ln]
    assert len(warn) == 1, ls
    assert "'abc'" in warn[0] and "ignored" in warn[0], warn
    assert "Try 'ward --help'" not in r.stderr, ls


def test_tini_verbosity_warning_respects_quiet():
    r = run(["-q", "sh", "-c", "exit 0"], env=base_env(TINI_VERBOSITY="x"))
    assert r.returncode == 0, r.stderr
    assert "TINI_VERBOSITY" not in r.stderr, r.stderr


@pytest.mark.parametrize("args,env", [
    (["--shutdown-signals", "TERM,KILL"], {}),
    (["--shutdown-signals=STOP"], {}),
    (["-r", "KILL:TERM"], {}),
    (["--rewrite", "SIGSTOP:0"], {}),
    ([], {"WARD_SHUTDOWN_SIGNALS": "INT,9"}),
    ([], {"WARD_REWRITE": "HUP:0,19:TERM"}),
], ids=["shutdown-kill", "shutdown-stop", "rewrite-kill", "rewrite-stop",
        "env-shutdown", "env-rewrite"])
def test_uncatchable_signals_are_usage_errors(args, env, tmp_path):
    line = usage_error(args, tmp_path, env)
    assert "SIGKILL" in line or "SIGSTOP" in line, line


def test_kill_as_rewrite_target_is_fine():
    r = run(["-r", "USR1:KILL", "sh", "-c", "exit 4"])
    assert r.returncode == 4, r.stderr


@pytest.mark.parametrize("args,env", [
    (["--grace", "1\nward: exiting with 0"], {}),
    ([], {"WARD_GRACE": "2\r\nx"}),
    (["--drain-delay", "soon"], {}),
    ([], {"WARD_DRAIN_DELAY": "5x"}),
    (["--shutdown-signals="], {}),
    (["--shutdown-signals", "TERM,"], {}),
], ids=["newline-in-flag", "newline-in-env", "drain-flag", "drain-env",
        "no-shutdown-signal", "empty-shutdown-signal"])
def test_bad_value_is_one_line(args, env, tmp_path):
    usage_error(args, tmp_path, env)


def test_drain_delay_accepted():
    for args, env in ((["--drain-delay", "2s"], {}),
                      ([], {"WARD_DRAIN_DELAY": "250ms"})):
        r = run(args + ["sh", "-c", "exit 5"], env=base_env(**env))
        assert r.returncode == 5, r.stderr


# --- a probe timeout longer than the interval ------------------------------

class SlowServer:
    """HTTP on 127.0.0.1 that answers 200 after `delay` seconds, and notes
    for each connection when it was accepted and when the answer went out
    (None when the client had given up and closed it first)."""

    def __init__(self, delay):
        self.delay = delay
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = []  # [accepted, answered or None]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            rec = [time.monotonic(), None]
            with self.lock:
                self.conns.append(rec)
            threading.Thread(target=self._serve, args=(c, rec),
                             daemon=True).start()

    def _serve(self, c, rec):
        try:
            c.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head:
                b = c.recv(4096)
                if not b:
                    return
                head += b
            time.sleep(self.delay)
            c.setblocking(False)
            try:
                if c.recv(1, socket.MSG_PEEK) == b"":
                    return  # the client gave up (its timeout)
            except BlockingIOError:
                pass
            with self.lock:
                rec[1] = time.monotonic()
            c.setblocking(True)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                      b"Connection: close\r\n\r\nok\n")
        except OSError:
            pass
        finally:
            c.close()

    def answered(self):
        with self.lock:
            return sum(1 for a, t in self.conns if t is not None)

    def overlaps(self):
        """Connections accepted while an answered one still waited for its
        answer: the client had two probes in flight."""
        with self.lock:
            cs = list(self.conns)
        return [(a, b) for a in cs if a[1] is not None
                for b in cs if a[0] < b[0] < a[1]]

    def close(self):
        self.sock.close()


def test_probe_timeout_longer_than_interval_keeps_one_probe_in_flight(
        mode, spawn, report):
    # Each answer takes 500 ms: longer than the 200 ms interval, shorter
    # than the 1 s timeout. The probes succeed, and the next one waits for
    # the one in flight instead of piling up beside it.
    srv = SlowServer(0.5)
    try:
        r = report()
        w = spawn(mode, ["-v", "--probe", f"http://127.0.0.1:{srv.port}/",
                         "--probe-interval", "200ms", "--probe-timeout", "1s",
                         helper("sigcatch"), "-x", "TERM", str(r)])
        r.ward = w
        r.wait("ready")

        def healthy_and_three_answered():
            assert w.running(), w.stderr()
            return srv.answered() >= 3 and \
                any("is healthy" in ln for ln in w.lines())
        wait_until(healthy_and_three_answered,
                   what="three probes answered, the child healthy")
        assert srv.overlaps() == [], "two probes in flight at once"
        w.kill(signal.SIGTERM)
        assert w.wait() == 143, w.stderr()
    finally:
        srv.close()


# --- a flag replaces its variable; mode options read none ------------------

def test_flag_replaces_a_bad_variable(mode):
    # The image's ENV may hold a mistake the command line corrects.
    env = base_env(WARD_GRACE="bad", WARD_SHUTDOWN_SIGNALS="KILL")
    r = run(["--grace", "1s", "--shutdown-signals", "TERM", "sh", "-c",
             "exit 7"], mode, env=env)
    assert r.returncode == 7, r.stderr


@pytest.mark.parametrize("args,out", [
    (["--version"], "ward version"), (["--help"], "usage: ward"),
    (["--license"], "MIT")])
def test_mode_options_ignore_the_environment(args, out):
    env = base_env(WARD_GRACE="bad", WARD_VERBOSE="lots",
                   TINI_VERBOSITY="abc")
    r = run(args, env=env)
    assert r.returncode == 0, r.stderr
    assert out in r.stdout
    assert r.stderr == ""
