"""Configuration from the environment (SPEC section 1): WARD_* variables,
booleans, a flag replacing its variable, tini's TINI_* variables, and the
child's environment passed on unchanged."""

import re
import signal
import time

import pytest

from conftest import base_env, helper, run, ward_lines


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
