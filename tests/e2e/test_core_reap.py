"""Reaping, logging and idleness of the real binary (SPEC sections 2 and 5):
orphan storms, -w and -v lines, -q, a full or closed stderr, zero wake-ups.
"""

import fcntl
import os
import re
import signal
import time

from conftest import HANG, comm, gone, helper, read_file, state, wait_until

STORM = 10000


def main_child(w, name):
    """The one child of ward whose comm is name (the app)."""
    def find():
        cs = [c for c in w.children() if comm(c) == name]
        return cs[0] if len(cs) == 1 else None
    return wait_until(find, what=f"ward's child {name}")


def wait_only_child(w, child, timeout=HANG):
    """Wait until ward's one remaining child is `child`: no zombie left."""
    def settled():
        cs = w.children()
        return cs == [child]
    try:
        wait_until(settled, timeout, "ward to reap every orphan")
    except AssertionError:
        cs = w.children()
        zombies = [c for c in cs if state(c) == "Z"]
        raise AssertionError(f"ward still has {len(cs)} children, "
                             f"{len(zombies)} zombies") from None


def start_with_orphans(spawn, mode, report, n, *flags, tell=False,
                       stderr=None):
    r = report()
    args = list(flags) + [helper("orphans"), "-n", str(n), "-o", str(r)]
    if tell:
        args.append("-p")
    args += ["--", helper("sigcatch"), "-x", "TERM", str(r)]
    w = spawn(mode, args, stderr=stderr)
    r.ward = w
    r.wait(rf"orphans-done {n}", timeout=120)
    r.wait("ready")
    child = main_child(w, "sigcatch")
    return w, r, child


def orphan_pids(r, n):
    return [int(m.group(1)) for m in r.wait(r"orphan (\d+)", count=n)]


def test_orphan_storm_leaves_no_zombie(mode, spawn, report):
    w, r, child = start_with_orphans(spawn, mode, report, STORM)
    wait_only_child(w, child, timeout=60)
    assert state(child) not in (None, "Z")  # the app lives on
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()


def test_orphans_reaped_while_child_runs_are_reported_with_w(mode, spawn,
                                                             report):
    w, r, child = start_with_orphans(spawn, mode, report, 5, "-w", tell=True)
    pids = orphan_pids(r, 5)
    wait_only_child(w, child)
    lines = w.lines()
    for p in pids:
        assert any(re.search(rf"Reaped zombie process with pid={p}\b", ln)
                   for ln in lines), (p, lines)
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()


def test_verbose_shows_forwarded_signals_and_reaped_zombies(mode, spawn,
                                                            report):
    w, r, child = start_with_orphans(spawn, mode, report, 3, "-v", tell=True)
    pids = orphan_pids(r, 3)
    wait_only_child(w, child)
    w.kill(signal.SIGUSR1)
    r.wait_signal(10)
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    lines = w.lines()
    assert any("SIGUSR1" in ln for ln in lines), lines
    assert any("SIGTERM" in ln for ln in lines), lines
    for p in pids:
        assert any(re.search(rf"\b{p}\b", ln) and "reap" in ln.lower()
                   for ln in lines), (p, lines)


def test_default_verbosity_does_not_log_each_signal_or_zombie(mode, spawn,
                                                              report):
    w, r, child = start_with_orphans(spawn, mode, report, 3, tell=True)
    pids = orphan_pids(r, 3)
    wait_only_child(w, child)
    w.kill(signal.SIGUSR1)
    r.wait_signal(10)
    w.kill(signal.SIGUSR2)
    r.wait_signal(12)
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    lines = w.lines()
    assert not any("SIGUSR1" in ln or "SIGUSR2" in ln for ln in lines), lines
    for p in pids:
        assert not any(re.search(rf"\b{p}\b", ln) for ln in lines), lines


def test_quiet_prints_nothing_for_a_normal_run(mode, spawn, report):
    r = report()
    w = spawn(mode, ["-q", helper("orphans"), "-n", "3", "-o", str(r), "--",
                     "sh", "-c", "exit 0"])
    assert w.wait() == 0
    assert w.stderr() == ""


def test_quiet_prints_nothing_for_forwarding_and_term(mode, spawn, report):
    w, r, child = start_with_orphans(spawn, mode, report, 3, "-q")
    wait_only_child(w, child)
    w.kill(signal.SIGUSR1)
    r.wait_signal(10)
    w.kill(signal.SIGTERM)
    assert w.wait() == 143
    assert w.stderr() == ""


def fill_pipe(wfd):
    """Write to the pipe until it is full; leave the fd blocking again."""
    fl = fcntl.fcntl(wfd, fcntl.F_GETFL)
    fcntl.fcntl(wfd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    try:
        while True:
            os.write(wfd, b"x" * 4096)
    except BlockingIOError:
        pass
    try:
        while True:
            os.write(wfd, b"x")
    except BlockingIOError:
        pass
    fcntl.fcntl(wfd, fcntl.F_SETFL, fl)


def test_full_stderr_pipe_blocks_neither_reaping_nor_forwarding(mode, spawn,
                                                                report):
    rfd, wfd = os.pipe()
    try:
        fill_pipe(wfd)  # nobody ever reads rfd
        w, r, child = start_with_orphans(spawn, mode, report, 200, "-vv",
                                         stderr=wfd)
        os.close(wfd)
        wfd = -1
        for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP,
                  signal.SIGWINCH):
            w.kill(s)
            r.wait_signal(int(s))
        wait_only_child(w, child)
        # and still forwarding after all those reaped-zombie log lines
        for s in (signal.SIGUSR1, signal.SIGUSR2):
            w.kill(s)
        r.wait(r"sig 12", count=2)
        w.kill(signal.SIGTERM)
        assert w.wait() == 143
    finally:
        os.close(rfd)
        if wfd >= 0:
            os.close(wfd)


def test_closed_stderr_sigpipe_is_not_forwarded(mode, spawn, report):
    rfd, wfd = os.pipe()
    os.close(rfd)  # every write ward makes raises SIGPIPE at ward
    try:
        w, r, child = start_with_orphans(spawn, mode, report, 20, "-vv",
                                         stderr=wfd)
    finally:
        os.close(wfd)
    wait_only_child(w, child)
    for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
        w.kill(s)
        r.wait_signal(int(s))
    w.kill(signal.SIGTERM)
    assert w.wait() == 143
    assert 13 not in r.signals(), r.signals()
    assert r.signals() == [10, 12, 1, 15]


def ctxt(pid):
    """(voluntary, nonvoluntary) context switches of all of pid's threads."""
    v = n = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        for line in read_file(f"/proc/{pid}/task/{tid}/status").splitlines():
            key, _, val = line.partition(":")
            if key == "voluntary_ctxt_switches":
                v += int(val)
            elif key == "nonvoluntary_ctxt_switches":
                n += int(val)
    return v, n


def test_idle_ward_makes_no_wakeups(mode, spawn):
    w = spawn(mode, ["sleep", "30"])
    child = main_child(w, "sleep")
    # Let start-up finish: two equal samples in a row, then the real window.
    last = [None]

    def settled():
        now = ctxt(w.pid)
        same = now[0] == last[0] and state(w.pid) == "S"
        last[0] = now[0]
        return same
    wait_until(lambda: (time.sleep(0.2), settled())[1], 10,
               "ward to go idle")
    before = ctxt(w.pid)
    time.sleep(3)
    after = ctxt(w.pid)
    assert after[0] == before[0], \
        f"ward woke up {after[0] - before[0]} times in 3 s while idle"
    assert not gone(child)
    w.kill(signal.SIGTERM)
    assert w.wait() == 143
