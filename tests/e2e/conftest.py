"""Harness of the end-to-end tests of the real ward binary.

$WARD is the binary under test (the static musl build, or the ASan build
under `make check`), $HELPERS the directory of the small C programs built
from tests/helpers/*.c. Both default to the build tree.

dumb-init's mode matrix: the `mode` fixture runs each supervision test
twice, with ward as PID 1 of a fresh PID namespace (`unshare --pid --fork
--mount-proc`) and with ward started directly, as a child subreaper. In
pid1 mode unshare waits for ward and passes its exit status through;
signals go to ward itself, found as unshare's child.

Nothing here sleeps to wait for an event: tests wait for what a helper
writes to a report file, or poll /proc, always with a generous deadline
that only catches a hang.
"""

import os
import re
import signal
import subprocess
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WARD = os.path.abspath(os.environ.get("WARD")
                       or os.path.join(ROOT, "build", "musl", "ward"))
HELPERS = os.path.abspath(os.environ.get("HELPERS")
                          or os.path.join(ROOT, "build", "helpers"))
SANITIZED = os.environ.get("WARD_SANITIZED") == "1"
with open(os.path.join(ROOT, "VERSION")) as f:
    VERSION = f.read().strip()

HANG = 20  # seconds: a hang-catcher, never a speed limit
# Every process a test starts carries this in its environment, so that
# sweep() finds what escaped (an orphan of a ward that died, say).
TAG = "E2E_CORE_SESSION"  # not WARD_*: ward reads those
TAG_VALUE = f"{os.getpid()}-{time.time_ns()}"
MODES = ["pid1", "subreaper"]
PID1_PREFIX = ["unshare", "--pid", "--fork", "--mount-proc"]
SHELL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def helper(name):
    """Absolute path of a helper program; missing ones fail the test."""
    path = os.path.join(HELPERS, name)
    assert os.access(path, os.X_OK), \
        f"{path} missing: run `make {os.path.relpath(path, ROOT)}`"
    return path


def base_env(**extra):
    """A small, known environment for ward, plus `extra`.

    No WARD_* or TINI_* from the caller leaks into a test. When the suite is
    pointed at tini itself (to check that the tests work), subreaper mode
    needs tini's variable; ward registers as subreaper on its own.
    """
    env = {"PATH": SHELL_PATH, "LC_ALL": "C", TAG: TAG_VALUE}
    if SANITIZED:
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
    if os.path.basename(WARD) == "tini":
        env["TINI_SUBREAPER"] = "1"
        env["POSIXLY_CORRECT"] = "1"  # glibc getopt: stop at PROGRAM
    env.update(extra)
    return env


def sweep():
    """SIGKILL every process left over from this session's tests."""
    mark = f"{TAG}={TAG_VALUE}".encode()
    me = os.getpid()
    for _ in range(3):
        found = False
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) == me:
                continue
            try:
                with open(f"/proc/{d}/environ", "rb") as f:
                    if mark not in f.read().split(b"\0"):
                        continue
                os.kill(int(d), signal.SIGKILL)
                found = True
            except (OSError, ProcessLookupError):
                pass
        if not found:
            return


def wait_until(pred, timeout=HANG, what="condition"):
    """Poll pred() until it returns a true value; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for "
                                 f"{what}")
        time.sleep(0.01)


# --- /proc -----------------------------------------------------------------

def read_file(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return default


def children(pid):
    """Host pids of pid's children (zombies included)."""
    out = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return out
    for tid in tids:
        out += [int(x) for x in
                read_file(f"/proc/{pid}/task/{tid}/children").split()]
    return out


def descendants(pid):
    out = []
    todo = [pid]
    while todo:
        for c in children(todo.pop()):
            out.append(c)
            todo.append(c)
    return out


def proc_stat(pid):
    """(state, ppid, pgrp) of pid, or None when it is gone."""
    s = read_file(f"/proc/{pid}/stat")
    if not s:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[2])


def state(pid):
    st = proc_stat(pid)
    return st[0] if st else None


def status_field(pid, name):
    for line in read_file(f"/proc/{pid}/status").splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


def comm(pid):
    return read_file(f"/proc/{pid}/comm").strip()


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def gone(pid):
    """True when pid is dead (or only a zombie left for someone to reap)."""
    return state(pid) in (None, "Z", "X")


# --- report files written by the helpers -----------------------------------

class Report:
    """A file the helpers append lines to; tests wait for lines in it."""

    def __init__(self, path):
        self.path = str(path)
        self.ward = None  # a Ward whose death ends any wait at once


    def __str__(self):
        return self.path

    def lines(self):
        return read_file(self.path).splitlines()

    def wait(self, pattern, timeout=HANG, count=1):
        """Wait until `count` lines match the regex; return the matches."""
        rx = re.compile(pattern)

        def found():
            m = [rx.fullmatch(ln) for ln in self.lines()]
            m = [x for x in m if x]
            if len(m) >= count:
                return m
            if self.ward is not None and self.ward.gone():
                m = [x for x in map(rx.fullmatch, self.lines()) if x]
                if len(m) >= count:  # written just before ward exited
                    return m
                raise AssertionError(
                    f"ward is gone while waiting for /{pattern}/ in "
                    f"{self.path} {self.lines()[-20:]}; ward's status "
                    f"{self.ward.proc.poll()}, stderr:\n"
                    f"{self.ward.stderr()}")
            return None
        return wait_until(found, timeout,
                          f"{count} line(s) /{pattern}/ in {self.path}: "
                          f"{self.lines()[-20:]}")

    def has(self, pattern):
        rx = re.compile(pattern)
        return any(rx.fullmatch(ln) for ln in self.lines())

    def signals(self):
        return [int(ln.split()[1]) for ln in self.lines()
                if ln.startswith("sig ")]

    def wait_signal(self, signo, timeout=HANG):
        """Wait for the acknowledgement of signal signo."""
        self.wait(rf"sig {signo}", timeout)


# --- ward under test -------------------------------------------------------

class Ward:
    """One ward process under test, in one of the two modes."""

    def __init__(self, mode, args, tmp, env=None, prefix=(), stdin=None,
                 stderr=None, stdout=None, argv0=None, **popen):
        assert mode in MODES
        self.mode = mode
        self.errpath = os.path.join(str(tmp), f"ward-{id(self)}.err")
        self.outpath = os.path.join(str(tmp), f"ward-{id(self)}.out")
        prog = argv0 or WARD
        cmd = list(prefix) + [prog] + list(args)
        if mode == "pid1":
            cmd = PID1_PREFIX + cmd
        self.cmd = cmd
        self._own_err = stderr is None
        self._own_out = stdout is None
        err = open(self.errpath, "wb") if stderr is None else stderr
        out = open(self.outpath, "wb") if stdout is None else stdout
        self.proc = subprocess.Popen(
            cmd, env=base_env() if env is None else env,
            stdin=subprocess.DEVNULL if stdin is None else stdin,
            stdout=out, stderr=err, **popen)
        if self._own_err:
            err.close()
        if self._own_out:
            out.close()
        self._pid = None
        self.returncode = None

    def _find(self):
        """ward's host pid if it can be seen now, else None."""
        if self.mode == "subreaper":
            return self.proc.pid
        want = os.path.realpath(WARD)
        for c in children(self.proc.pid):
            if exe(c) == want:
                return c
        return None

    @property
    def pid(self):
        """Host pid of ward itself (unshare's child in pid1 mode)."""
        if self._pid is None:
            def find():
                p = self._find()
                assert p or self.proc.poll() is None, \
                    f"ward exited early: {self.proc.returncode}\n" \
                    f"{self.stderr()}"
                return p
            self._pid = wait_until(find, what="ward under unshare")
        return self._pid

    def gone(self):
        """True once ward itself has exited (or is a zombie)."""
        if self._pid is None:
            exited = self.proc.poll() is not None
            self._pid = self._find()
            if self._pid is None:
                return exited
        return gone(self._pid)

    def kill(self, sig):
        os.kill(self.pid, sig)

    def children(self):
        return children(self.pid)

    def running(self):
        return self.proc.poll() is None

    def wait(self, timeout=HANG):
        """ward's exit status (as unshare passes it through in pid1 mode)."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"ward did not exit within {timeout}s (hang); stderr:\n"
                f"{self.stderr()}") from None
        return self.returncode

    def stderr(self):
        return read_file(self.errpath) if self._own_err else ""

    def stdout(self):
        return read_file(self.outpath) if self._own_out else ""

    def lines(self):
        """stderr as lines, each checked to carry ward's prefix."""
        return ward_lines(self.stderr())

    def cleanup(self):
        """Kill whatever is left of this ward and its whole tree."""
        pids = []
        if self._pid is not None and not gone(self._pid):
            pids += [self._pid] + descendants(self._pid)
        if self.proc.poll() is None:
            pids += [self.proc.pid] + descendants(self.proc.pid)
        for p in reversed(pids):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(HANG)


@pytest.fixture(params=MODES)
def mode(request):
    """ward as PID 1 of a new PID namespace, or as a child subreaper."""
    return request.param


@pytest.fixture
def spawn(tmp_path):
    """spawn(mode, args, ...) starts a Ward; all are killed after the test."""
    started = []

    def start(mode, args, **kw):
        w = Ward(mode, args, tmp_path, **kw)
        started.append(w)
        return w
    yield start
    for w in started:
        w.cleanup()
    sweep()


@pytest.fixture
def report(tmp_path):
    """A fresh report file for the helpers to write to."""
    n = [0]

    def make(name=None):
        n[0] += 1
        return Report(tmp_path / (name or f"report{n[0]}"))
    return make


def run(args, mode="subreaper", env=None, timeout=HANG, prefix=(), argv0=None,
        **kw):
    """Run ward to completion; return CompletedProcess (text)."""
    cmd = list(prefix) + [argv0 or WARD] + list(args)
    if mode == "pid1":
        cmd = PID1_PREFIX + cmd
    try:
        return subprocess.run(cmd, env=base_env() if env is None else env,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout, **kw)
    finally:
        sweep()


def ward_lines(stderr):
    """Non-empty stderr lines, each checked to carry ward's prefix."""
    ls = [ln for ln in stderr.splitlines() if ln.strip()]
    bad = [ln for ln in ls if not ln.startswith("ward: ")]
    assert not bad, f"stderr lines without 'ward: ' prefix: {bad}"
    return ls
