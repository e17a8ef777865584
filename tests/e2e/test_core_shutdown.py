"""Graceful shutdown of the whole tree (SPEC section 2): the grace period,
--grace 0, returning as soon as the last process is gone, a descendant
that ignores SIGTERM, and the last line saying why ward exited.

The child is tests/helpers/tree: its grandchild leaves the session and
needs 1 s after SIGTERM to "flush" (it then appends "flushed").
"""

import os
import re
import signal
import time

import pytest

from conftest import comm, descendants, gone, helper, wait_until

ANY_SENDER = r"from (pid \d+|outside the container)"


def start_tree(spawn, mode, report, *flags, tree=(), env=None):
    """ward [flags] tree [tree] REPORT, once the grandchild is ready.

    Returns (ward, report, gc): gc is the grandchild's pid as the test sees
    it in subreaper mode, None in pid1 mode (there the kernel kills what is
    left of the namespace when ward exits, so "gone" would prove nothing).
    """
    r = report()
    w = spawn(mode, list(flags) + [helper("tree")] + list(tree) + [str(r)],
              env=env)
    r.ward = w
    r.wait("ready")
    gc = int(r.wait(r"gc (\d+)")[0].group(1))
    return w, r, gc if mode == "subreaper" else None


def gc_gone(gc):
    return gc is None or gone(gc)


def sender(mode):
    """How the last line must name the test process as the sender."""
    if mode == "pid1":
        return r"from outside the container"
    return rf"from pid {os.getpid()}\b"


def test_child_exits_first_grandchild_gets_term_and_time(mode, spawn,
                                                         report):
    w, r, gc = start_tree(spawn, mode, report, tree=["-x", "7"])
    assert w.wait() == 7, w.stderr()
    assert r.has("gc-term") and r.has("flushed"), r.lines()
    assert gc_gone(gc)


def test_term_to_ward_shuts_down_tree_and_grandchild_flushes(mode, spawn,
                                                             report):
    w, r, gc = start_tree(spawn, mode, report)
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    assert r.has("gc-term") and r.has("flushed"), r.lines()
    assert gc_gone(gc)
    last = w.lines()[-1]
    assert re.search(sender(mode), last, re.I), last
    assert re.search(r"143|SIGTERM|signal 15", last), last


def test_last_line_names_the_signal_and_sender_for_int(mode, spawn, report):
    w, r, gc = start_tree(spawn, mode, report)
    w.kill(signal.SIGINT)
    assert w.wait() == 130, w.stderr()
    last = w.lines()[-1]
    assert re.search(sender(mode), last, re.I), last
    assert re.search(r"130|SIGINT|signal 2\b", last), last


def test_last_line_names_a_sender_inside_the_tree(mode, spawn, tmp_path):
    # The child signals ward itself ($PPID): the sender is a pid ward sees.
    f = tmp_path / "pid"
    w = spawn(mode, ["sh", "-c", f'echo $$ > {f}; kill -TERM $PPID; '
                     'exec sleep 30'])
    assert w.wait() == 143, w.stderr()
    pid = int(f.read_text())
    last = w.lines()[-1]
    assert re.search(rf"from pid {pid}\b", last), (pid, last)


def test_last_line_gives_exit_code_when_child_exits(mode, spawn):
    w = spawn(mode, ["-v", "sh", "-c", "exit 7"])
    assert w.wait() == 7
    last = w.lines()[-1]
    assert re.search(r"\b7\b", last), last
    assert not re.search(ANY_SENDER, last), last


def test_last_line_gives_signal_when_child_is_killed(mode, spawn):
    w = spawn(mode, ["-v", helper("die"), "10"])
    assert w.wait() == 138
    last = w.lines()[-1]
    assert re.search(r"SIGUSR1|signal 10\b|\b138\b", last), last


def test_grace_0_kills_at_once(mode, spawn, report):
    w, r, gc = start_tree(spawn, mode, report, "--grace", "0")
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    assert gc_gone(gc)
    time.sleep(1.5)  # the grandchild would have flushed by now
    assert not r.has("flushed"), r.lines()


def test_grace_0_after_child_exit(mode, spawn, report):
    w, r, gc = start_tree(spawn, mode, report, "--grace", "0",
                          tree=["-x", "3"])
    assert w.wait() == 3, w.stderr()
    assert gc_gone(gc)
    time.sleep(1.5)
    assert not r.has("flushed"), r.lines()


def test_long_grace_returns_as_soon_as_tree_is_gone(mode, spawn, report):
    w, r, gc = start_tree(spawn, mode, report, "--grace", "20s")
    t0 = time.monotonic()
    w.kill(signal.SIGTERM)
    assert w.wait(timeout=30) == 143, w.stderr()
    took = time.monotonic() - t0
    assert r.has("flushed"), r.lines()
    # 1 s of flushing; 15 s would mean ward sat out the grace period.
    assert took < 15, f"ward took {took:.1f}s with nothing left to wait for"


def test_grace_expiry_kills_what_ignores_term(mode, spawn, report):
    w, r, gc = start_tree(spawn, mode, report, "--grace", "1s",
                          tree=["-i"])
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    assert gc_gone(gc)


def test_grace_expiry_main_child_ignoring_term_gives_137(mode, spawn,
                                                         report):
    w = spawn(mode, ["--grace", "500ms", "sh", "-c",
                     "trap '' TERM; while :; do sleep 1; done"])
    # sh has set its trap once its first sleep runs
    wait_until(lambda: any(comm(d) == "sleep" for d in descendants(w.pid)),
               what="the child's sleep")
    w.kill(signal.SIGTERM)
    assert w.wait() == 137, w.stderr()


def test_signals_during_grace_are_forwarded(mode, spawn, report):
    r = report()
    w = spawn(mode, ["--grace", "20s", helper("sigcatch"), "-x", "USR2",
                     str(r)])
    r.ward = w
    r.wait("ready")
    t0 = time.monotonic()
    w.kill(signal.SIGTERM)
    r.wait_signal(15)  # caught: the child lives on, the grace period runs
    w.kill(signal.SIGUSR1)
    r.wait_signal(10)
    w.kill(signal.SIGUSR2)
    assert w.wait() == 128 + 12, w.stderr()
    assert time.monotonic() - t0 < 15


def test_term_in_grace_is_forwarded_again(mode, spawn, report):
    r = report()
    w = spawn(mode, ["--grace", "20s", helper("sigcatch"), "-x", "INT",
                     str(r)])
    r.ward = w
    r.wait("ready")
    w.kill(signal.SIGTERM)
    r.wait_signal(15)
    w.kill(signal.SIGTERM)
    r.wait(r"sig 15", count=2)
    w.kill(signal.SIGINT)
    assert w.wait() == 130, w.stderr()
    assert r.signals() == [15, 15, 2]


def test_late_process_gets_term_once_it_is_wards_child(mode, spawn, report):
    # The grandchild forks a late process in its TERM handler, after the
    # first sweep. While the grandchild lives, the late process is its
    # business; once the grandchild exits and the late process is ward's
    # own child (the main child is already reaped), it gets its SIGTERM.
    w, r, gc = start_tree(spawn, mode, report, tree=["-f"])
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    assert r.has(r"late \d+"), r.lines()
    assert r.has("late-flushed"), r.lines()
    assert r.has("flushed"), r.lines()


def test_subreaper_leaves_no_descendant_behind(spawn, report):
    w, r, gc = start_tree(spawn, "subreaper", report, "--grace", "1s",
                          tree=["-i", "-x", "0"])
    assert w.wait() == 0, w.stderr()
    assert gc_gone(gc)
