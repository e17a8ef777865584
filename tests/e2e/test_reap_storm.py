"""Reaping a storm of orphans (SPEC sections 1 and 2): every zombie is
collected, and a burst of exits does not cost ward a wake-up per exit.

Each waitpid(-1) walks the kernel's list of all live children, so an init
that scans once per SIGCHLD pays O(live children) per exit. ward collects
its main child at once and leaves SIGCHLD out of its signalfd for a few
milliseconds after a scan: during a burst it wakes at most a couple of
hundred times a second, however many processes exit.
"""

import time

import pytest

from conftest import HANG, helper, read_file, wait_until

N = 1000       # orphans
STEP_US = 1000  # one exit per millisecond: a one-second trickle


def wakeups(pid):
    """Voluntary context switches of pid: the times it went to sleep."""
    for line in read_file(f"/proc/{pid}/status").splitlines():
        if line.startswith("voluntary_ctxt_switches:"):
            return int(line.split()[1])
    raise AssertionError(f"no /proc/{pid}/status")


@pytest.mark.parametrize("mode", ["pid1", "subreaper"])
def test_orphan_trickle_all_reaped_without_a_wakeup_each(mode, spawn, report):
    r = report()
    w = spawn(mode, ["--", helper("trickle"), str(N), str(STEP_US), str(r)])
    r.ward = w
    r.wait("ready")
    before = wakeups(w.pid)
    t0 = time.monotonic()
    # Every orphan exits within about a second; then only trickle is left.
    wait_until(lambda: len(w.children()) == 1, timeout=HANG,
               what="every orphan reaped")
    woke = wakeups(w.pid) - before
    took = time.monotonic() - t0
    # One wake-up per exit (the old rule) would be about N. The bound
    # leaves room for other events and a slow machine.
    assert woke < N // 2, (woke, took)
    assert w.running()
