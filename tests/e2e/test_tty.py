"""Job control and the terminal (SPEC section 2), on a real pty.

An interactive bash (`bash -i`, job control on) or a plain `sh -c` runs as
the session leader of a fresh pseudo-terminal (`setsid --ctty`), and the
test types into the master side as a user would: Ctrl-C, Ctrl-Z, `fg`.
The terminal's foreground process group is read from the master with
tcgetpgrp(3). To know that the shell prompts again, the test types
`echo mark-$((40+2))`: only the shell's answer contains `mark-42`, never
the terminal's echo of what was typed.
"""

import os
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import (HANG, PID1_PREFIX, TAG, TAG_VALUE, WARD, base_env,
                      comm, proc_stat, read_file, state, sweep, wait_until)

SHORT = 10  # seconds: a hang-catcher for one step of a dialogue


class Pty:
    """A program on the slave side of a new pty, driven from the master."""

    def __init__(self, argv, env=None):
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(
            ["setsid", "--ctty"] + list(argv), stdin=slave, stdout=slave,
            stderr=slave, close_fds=True,
            env=env or base_env(TERM="dumb", PS1="$ ", HOME="/"))
        os.close(slave)
        self.out = b""

    def send(self, data):
        os.write(self.master, data.encode() if isinstance(data, str)
                 else data)

    def _read(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: every slave side is closed
            chunk = b""
        if not chunk:
            return None
        self.out += chunk
        return True

    def expect(self, pattern, timeout=SHORT, start=0):
        """Wait until the output after byte `start` matches; the match."""
        rx = re.compile(pattern.encode())
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.out, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self._read(min(left, 0.5)) is None:
                m = rx.search(self.out, start)
                if m:
                    return m
                raise AssertionError(
                    f"no /{pattern}/ on the terminal within {timeout}s; "
                    f"it shows:\n{self.out[-2000:].decode(errors='replace')}")

    def prompt_again(self):
        """Check that the shell reads and runs a command line again."""
        start = len(self.out)
        self.send("echo mark-$((40+2))\n")
        self.expect(r"mark-42", start=start)

    def last_status(self):
        start = len(self.out)
        self.send("echo status-$?-end\n")
        return int(self.expect(r"status-(\d+)-end", start=start).group(1))

    def foreground(self):
        """The terminal's foreground process group (a host pid)."""
        return os.tcgetpgrp(self.master)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(HANG)
        os.close(self.master)


@pytest.fixture
def tty():
    started = []

    def start(argv, **kw):
        p = Pty(argv, **kw)
        started.append(p)
        return p
    yield start
    for p in started:
        p.close()
    sweep()


def bash(tty):
    """An interactive bash with job control on a new terminal."""
    sh = tty(["bash", "--norc", "--noprofile", "--noediting", "-i"])
    sh.prompt_again()
    return sh


def find(pred, what):
    """Wait for one process of this session's tests that satisfies pred."""
    mark = f"{TAG}={TAG_VALUE}"

    def look():
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            env = read_file(f"/proc/{d}/environ")
            if mark in env.split("\0") and pred(int(d)):
                return int(d)
        return None
    return wait_until(look, HANG, what)


def is_comm(name):
    return lambda pid: comm(pid) == name


def is_ward(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe") == os.path.realpath(WARD)
    except OSError:
        return False


def pgrp(pid):
    st = proc_stat(pid)
    return st[2] if st else None


def ppid(pid):
    st = proc_stat(pid)
    return st[1] if st else None


def test_ctrl_c_ends_the_child_and_the_shell_prompts_again(tty, mode):
    sh = bash(tty)
    prefix = " ".join(PID1_PREFIX) + " " if mode == "pid1" else ""
    sh.send(f"{prefix}{WARD} -- sleep 30\n")
    child = find(is_comm("sleep"), "ward's sleep")
    ward = ppid(child)
    assert is_ward(ward)
    # The child has a group of its own, and it is the terminal's
    # foreground group: Ctrl-C reaches it from the line discipline.
    assert pgrp(child) == child
    wait_until(lambda: sh.foreground() == child, SHORT,
               "the child's group in the foreground")
    sh.send("\x03")
    wait_until(lambda: state(ward) is None, SHORT, "ward to exit")
    assert sh.last_status() == 130
    sh.prompt_again()
    # ...and the shell got its terminal back.
    assert sh.foreground() == pgrp(sh.proc.pid)


def test_ctrl_z_stops_child_and_ward_then_fg_continues_both(tty):
    sh = bash(tty)
    sh.send(f"{WARD} -- sleep 30\n")
    child = find(is_comm("sleep"), "ward's sleep")
    ward = ppid(child)
    wait_until(lambda: sh.foreground() == child, SHORT,
               "the child's group in the foreground")
    start = len(sh.out)
    sh.send("\x1a")
    # bash sees ward stop (dumb-init's behaviour) and prompts again.
    sh.expect(r"Stopped", start=start)
    sh.prompt_again()
    assert state(child) == "T" and state(ward) == "T"
    assert sh.foreground() == pgrp(sh.proc.pid)
    sh.send("fg\n")
    # SIGCONT continues ward, ward continues the child and gives the
    # terminal back to the child's group.
    wait_until(lambda: state(ward) not in ("T", None) and
               state(child) not in ("T", None), SHORT,
               "ward and the child to run again")
    wait_until(lambda: sh.foreground() == child, SHORT,
               "the child's group in the foreground again")
    sh.send("\x03")
    wait_until(lambda: state(ward) is None, SHORT, "ward to exit")
    assert sh.last_status() == 130
    sh.prompt_again()


def test_child_stopped_by_sigstop_does_not_stop_ward(tty):
    # Only TSTP, TTIN and TTOU are job control; SIGSTOP is someone's
    # debugger or freezer: ward goes on and the shell keeps waiting.
    sh = bash(tty)
    sh.send(f"{WARD} -v -- sleep 30\n")
    child = find(is_comm("sleep"), "ward's sleep")
    ward = ppid(child)
    wait_until(lambda: sh.foreground() == child, SHORT, "child in front")
    os.kill(child, signal.SIGSTOP)
    sh.expect(rf"child {child} stopped by SIGSTOP")
    assert state(ward) not in ("T", None)
    assert sh.foreground() == child
    os.kill(child, signal.SIGCONT)
    wait_until(lambda: state(child) not in ("T", None), SHORT, "child runs")
    sh.send("\x03")
    wait_until(lambda: state(ward) is None, SHORT, "ward to exit")
    assert sh.last_status() == 130


def test_stopped_twice_and_bg_then_fg(tty):
    # After `bg` the child runs in the background: ward does not take the
    # terminal from the shell; after `fg` the child has it again.
    sh = bash(tty)
    sh.send(f"{WARD} -- sleep 30\n")
    child = find(is_comm("sleep"), "ward's sleep")
    ward = ppid(child)
    wait_until(lambda: sh.foreground() == child, SHORT, "child in front")
    for _ in range(2):
        start = len(sh.out)
        sh.send("\x1a")
        sh.expect(r"Stopped", start=start)
        sh.send("fg\n")
        wait_until(lambda: sh.foreground() == child and
                   state(child) not in ("T", None) and
                   state(ward) not in ("T", None), SHORT,
                   "the child running in front")
    start = len(sh.out)
    sh.send("\x1a")
    sh.expect(r"Stopped", start=start)
    sh.send("bg\n")
    wait_until(lambda: state(child) not in ("T", None), SHORT,
               "the child running in the background")
    sh.prompt_again()
    assert state(ward) not in ("T", None)
    assert sh.foreground() == pgrp(sh.proc.pid)
    sh.send("kill %1\n")
    wait_until(lambda: state(ward) is None, SHORT, "ward to exit")
    sh.prompt_again()


def test_ward_in_the_background_does_not_take_the_terminal(tty):
    sh = bash(tty)
    sh.send(f"{WARD} -- sleep 30 &\n")
    child = find(is_comm("sleep"), "ward's sleep")
    ward = ppid(child)
    assert is_ward(ward) and pgrp(child) == child
    # ward has started its child (and the child has exec'd): whatever
    # ward did with the terminal, it has done it.
    sh.prompt_again()
    sh.prompt_again()
    assert sh.foreground() == pgrp(sh.proc.pid)
    sh.send("kill %1\n")
    wait_until(lambda: state(ward) is None, SHORT, "ward to exit")
    sh.prompt_again()


def test_background_child_reading_stops_ward_and_fg_gives_it_the_terminal(
        tty):
    sh = bash(tty)
    sh.send(f"{WARD} -- sh -c 'read x; echo got-$x; exit 3' &\n")
    child = find(lambda p: is_comm("sh")(p) and is_ward(ppid(p) or 0),
                 "ward's sh")
    ward = ppid(child)
    # The child reads from the terminal in the background: SIGTTIN stops
    # it, and ward with it, so bash reports the job as stopped.
    wait_until(lambda: state(child) == "T", SHORT, "the child stopped")
    wait_until(lambda: state(ward) == "T", SHORT, "ward stopped")
    start = len(sh.out)
    sh.send("\n")  # an empty line: bash prompts, and tells of the stop
    sh.expect(r"Stopped", start=start)
    sh.prompt_again()
    start = len(sh.out)
    sh.send("fg\n")
    wait_until(lambda: sh.foreground() == child, SHORT, "child in front")
    sh.send("hello\n")
    sh.expect(r"got-hello", start=start)
    assert sh.last_status() == 3
    sh.prompt_again()


def test_shell_without_job_control_reads_after_ward_exits(tty):
    # A parent without job control keeps one process group for itself and
    # ward; ward gives the terminal to its child, and must hand it back
    # when it exits, or the parent's read gets EIO.
    sh = tty(["sh", "-c", f'"{WARD}" -- true; echo ward-$?; read x; '
              'echo "got-$x-$?"; sleep 30'])
    sh.expect(r"ward-0")
    sh.send("hello\n")
    sh.expect(r"got-hello-0")


def test_shell_without_job_control_reads_after_child_killed(tty):
    sh = tty(["sh", "-c", f'"{WARD}" -- sh -c "kill -INT \\$\\$"; '
              'echo ward-$?; read x; echo "got-$x-$?"; sleep 30'])
    sh.expect(r"ward-130")
    sh.send("hello\n")
    sh.expect(r"got-hello-0")


def test_pid1_forwards_tstp_and_does_not_stop_itself(tmp_path):
    # As PID 1 (docker run -it), ward is never stopped by TSTP: it forwards
    # it, the child stops, and ward goes on (here: forwards CONT).
    err = tmp_path / "err"
    with open(err, "wb") as f:
        p = subprocess.Popen(PID1_PREFIX + [WARD, "-v", "--", "sleep", "30"],
                             env=base_env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=f)
    try:
        child = find(is_comm("sleep"), "ward's sleep")
        ward = ppid(child)
        assert is_ward(ward)
        os.kill(ward, signal.SIGTSTP)
        wait_until(lambda: state(child) == "T", SHORT, "the child stopped")
        wait_until(lambda: re.search(r"child \d+ stopped by SIGTSTP",
                                     err.read_text()), SHORT,
                   "ward's line about the stop")
        assert state(ward) not in ("T", None), err.read_text()
        os.kill(ward, signal.SIGCONT)
        wait_until(lambda: state(child) not in ("T", None), SHORT,
                   "the child continued")
        os.kill(ward, signal.SIGTERM)
        assert p.wait(HANG) == 143, err.read_text()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(HANG)
        sweep()


@pytest.mark.parametrize("signo", [signal.SIGTSTP, signal.SIGTTIN,
                                   signal.SIGTTOU])
def test_without_job_control_shell_ward_does_not_stop(tmp_path, signo):
    # Not PID 1, but nobody above ward does job control (its parent shares
    # its process group): nobody would ever continue a stopped ward.
    err = tmp_path / "err"
    with open(err, "wb") as f:
        p = subprocess.Popen([WARD, "-v", "--", "sleep", "30"],
                             env=base_env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=f)
    try:
        child = find(is_comm("sleep"), "ward's sleep")
        os.kill(p.pid, signo)
        wait_until(lambda: state(child) == "T", SHORT, "the child stopped")
        wait_until(lambda: re.search(r"child \d+ stopped by SIG",
                                     err.read_text()), SHORT,
                   "ward's line about the stop")
        assert state(p.pid) not in ("T", None), err.read_text()
        os.kill(p.pid, signal.SIGCONT)
        wait_until(lambda: state(child) not in ("T", None), SHORT,
                   "the child continued")
        os.kill(p.pid, signal.SIGTERM)
        assert p.wait(HANG) == 143, err.read_text()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(HANG)
        sweep()
