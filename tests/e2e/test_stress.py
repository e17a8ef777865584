"""test_stress.py: ward under load and under starvation, real binary.

100,000 signals each acknowledged by the child before the next is sent; a
fork that fails on RLIMIT_NPROC; file descriptors running out, at start-up
and while ward runs (with and without --listen). Self-contained: no conftest
fixtures. Run as root:

    WARD=/abs/ward HELPERS=/abs/build/helpers python3 -m pytest tests/e2e

Timeouts here are hang catchers (10 s or more); nothing asserts speed.
"""

import http.client
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

WARD = os.environ.get("WARD", "")
HELPERS = os.environ.get("HELPERS", "")
SIGACK = os.path.join(HELPERS, "stress_sigack")
HANG = 10.0  # seconds: only ever a hang catcher
# ward as PID 1 of a fresh PID namespace. If the test runner itself is
# killed (a CI timeout), setpriv's parent-death signal takes unshare down
# and --kill-child takes ward and its namespace with it: nothing is left
# spinning on the machine.
UNSHARE = ["setpriv", "--pdeathsig", "KILL", "unshare", "--kill-child",
           "--pid", "--fork", "--mount-proc"]
UNPRIVILEGED = 1000  # uid and gid for the RLIMIT_NPROC test (root ignores it)

# Signals cycled through by the 100,000-signal test: the everyday ones,
# job control that does not stop (CONT, WINCH, URG), real-time signals of
# the C library's range, and synchronous-fault signals sent with kill(2),
# which ward must forward too (SPEC section 2).
CYCLE = [signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGWINCH,
         signal.SIGURG, signal.SIGCONT, signal.SIGALRM, signal.SIGQUIT,
         signal.SIGRTMIN, signal.SIGRTMIN + 1, signal.SIGRTMAX - 1,
         signal.SIGRTMAX, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS,
         signal.SIGUSR1]


def ward_env():
    """A small known environment: no WARD_* or TINI_* of the caller reaches
    ward; the sanitizers' options do (make check)."""
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                   "/sbin:/bin", "LC_ALL": "C"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def setup_module():
    assert os.path.isabs(WARD) and os.access(WARD, os.X_OK), \
        f"WARD={WARD!r}: set it to the absolute path of the binary"
    assert os.access(SIGACK, os.X_OK), \
        f"{SIGACK} missing: build it with make (tests/helpers/stress_*.c)"
    assert os.geteuid() == 0, "the stress tests need root (namespaces, uids)"
    for tool in ("unshare", "prlimit", "setpriv"):
        assert shutil.which(tool), f"{tool} missing (util-linux)"


# ------------------------------------------------------------------ tools

def children_of(pid):
    """Pids whose parent is pid (no /proc/PID/task/TID/children here)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(d))
    return out


def proc_state(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    return stat[stat.rindex(b")") + 2:].split()[0].decode()


def cpu_seconds(pid):
    """utime + stime of pid, in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    fields = stat[stat.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid):
    return sorted(int(n) for n in os.listdir(f"/proc/{pid}/fd"))


def set_nofile(pid, n):
    """Set the soft RLIMIT_NOFILE of pid; the hard one stays, so the soft
    one can go up again without CAP_SYS_RESOURCE (which containers and
    this CI's root may lack)."""
    with open(f"/proc/{pid}/limits", encoding="ascii") as f:
        hard = next(ln.split()[4] for ln in f
                    if ln.startswith("Max open files"))
    hard = int(hard) if hard.isdigit() else 1 << 20
    n = min(n, hard)
    subprocess.run(["prlimit", f"--pid={pid}", f"--nofile={n}:{hard}"],
                   check=True, timeout=HANG)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port, path, timeout=2.0):
    """Status of GET path, or None when ward does not answer."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        c.close()
        return r.status
    except (OSError, http.client.HTTPException):
        return None


def wait_for(pred, what, timeout=HANG):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        assert time.monotonic() < deadline, f"hang: {what} after {timeout} s"
        time.sleep(0.05)


def capped(f, limit=1500):
    """What a temporary file holds, repeated lines folded and cut short: a
    spinning ward may log gigabytes before the hang catcher fires."""
    size = f.seek(0, os.SEEK_END)
    f.seek(0)
    lines = f.read(65536).decode(errors="replace").splitlines()
    folded = []
    for ln in lines:
        if folded and folded[-1][0] == ln:
            folded[-1][1] += 1
        else:
            folded.append([ln, 1])
    text = "\n".join(ln if n == 1 else f"{ln}  [x{n}]" for ln, n in folded)
    if len(text) > limit:
        text = text[:limit] + "..."
    if size > 65536:
        text += f" [{size} bytes of stderr in all]"
    return text


class Ward:
    """ward running stress_sigack, as PID 1 of a fresh PID namespace
    (unshare --pid --fork --mount-proc) or as a subreaper."""

    def __init__(self, args=(), pid1=True, prefix=()):
        self.err = tempfile.TemporaryFile()
        cmd = list(prefix) + [WARD] + list(args) + ["--", SIGACK]
        if pid1:
            cmd = UNSHARE + cmd
        # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err,
                                     env=ward_env(), start_new_session=True)
        self.out = self.proc.stdout.fileno()
        self.pid = None
        try:
            assert self.read_byte() == ord("R"), "child did not start"
            if pid1:
                kids = wait_for(lambda: children_of(self.proc.pid),
                                "ward under unshare")
                self.pid = kids[0]
            else:
                self.pid = self.proc.pid
            self.child = wait_for(lambda: children_of(self.pid),
                                  "ward's child")[0]
        except BaseException:
            self.kill()
            raise

    def read_byte(self, timeout=HANG):
        r, _, _ = select.select([self.out], [], [], timeout)
        assert r, f"hang: no byte from the child in {timeout} s; " \
                  f"ward said: {self.stderr()!r}"
        b = os.read(self.out, 1)
        assert b, f"EOF from the child; ward said: {self.stderr()!r}"
        return b[0]

    def read_line(self, timeout=HANG):
        buf = b""
        while not buf.endswith(b"\n"):
            buf += bytes([self.read_byte(timeout)])
        return buf.decode().strip()

    def command(self, line, timeout=HANG):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        return self.read_line(timeout)

    def signal_acked(self, sig):
        os.kill(self.pid, sig)
        got = self.read_byte()
        assert got == int(sig), f"sent {sig!r}, child acked signal {got}"

    def stderr(self):
        return capped(self.err)

    def wait(self, timeout=HANG):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            said = self.stderr()
            self.kill()
            raise AssertionError(f"hang: ward did not exit in {timeout} s; "
                                 f"it said: {said!r}") from None

    def kill(self):
        """SIGKILL ward (PID 1: the kernel kills the whole namespace)."""
        for pid in (self.pid, self.proc.pid):
            if pid and self.proc.poll() is None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            self.proc.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.err.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


def check_alive_and_working(w, nsig=300, norphans=100):
    """Signals are forwarded one by one, orphans are reaped."""
    for i in range(nsig):
        w.signal_acked(CYCLE[i % len(CYCLE)])
    assert w.command(f"orphans {norphans}") == f"reaped {norphans}/{norphans}"


def assert_not_spinning(pid, seconds=2.0):
    """A spinning loop would burn ~100 % CPU; blocked, ward burns ~0."""
    c0 = cpu_seconds(pid)
    time.sleep(seconds)
    used = cpu_seconds(pid) - c0
    assert used < seconds / 2, \
        f"ward used {used:.2f} s of CPU in {seconds} s idle: spinning"


def one_ward_line(stderr):
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got: {lines!r}"
    assert lines[0].startswith("ward: "), lines[0]
    return lines[0]


# ------------------------------------------------------------------ tests

def test_100k_signals_each_acked_none_lost():
    n = 100_000
    with Ward() as w:
        for i in range(n):
            sig = CYCLE[i % len(CYCLE)]
            os.kill(w.pid, sig)
            got = w.read_byte()
            assert got == int(sig), \
                f"signal #{i}: sent {sig!r}, child acked signal {got}"
        os.kill(w.pid, signal.SIGTERM)
        assert w.read_line() == f"count {n}"
        assert w.wait() == 0, w.stderr()


def uid_tasks(uid):
    """Tasks (threads) whose real uid is uid: what RLIMIT_NPROC counts."""
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            for t in os.listdir(f"/proc/{d}/task"):
                with open(f"/proc/{d}/task/{t}/status", "rb") as f:
                    for line in f:
                        if line.startswith(b"Uid:"):
                            n += int(line.split()[1]) == uid
                            break
        except OSError:
            continue
    return n


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "subreaper"])
def test_fork_failure_exits_71_with_one_line(pid1, tmp_path):
    # An unprivileged uid must be able to run the binary: copy it out of
    # a work tree that may not be world-readable.
    os.chmod(tmp_path, 0o755)
    ward = tmp_path / "ward"
    shutil.copy2(WARD, ward)
    os.chmod(ward, 0o755)
    # setpriv's exec is allowed while the uid is at the limit; ward's fork
    # is the first process over it.
    limit = uid_tasks(UNPRIVILEGED) + 1
    cmd = ["prlimit", f"--nproc={limit}:{limit}", "setpriv",
           f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}",
           "--clear-groups", str(ward), "--", "/bin/true"]
    if pid1:
        cmd = UNSHARE + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=HANG,
                       env=ward_env(), check=False)
    assert r.returncode == 71, (r.returncode, r.stderr)
    line = one_ward_line(r.stderr)
    assert re.search(r"fork|resource temporarily unavailable|process",
                     line, re.I), line


def kill_tree(p):
    """SIGKILL what p (unshare, leader of its own session) started: ward,
    PID 1 of its namespace, takes the namespace with it."""
    if p.poll() is None:
        for pid in children_of(p.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait(timeout=HANG)


@pytest.mark.parametrize("nofile", range(3, 13))
def test_tiny_nofile_at_start_fails_cleanly_or_works(nofile):
    """With a tiny RLIMIT_NOFILE ward either says so in one line and exits
    71, or it runs and supervises normally. It never hangs or spins."""
    cmd = UNSHARE + ["prlimit", f"--nofile={nofile}:{nofile}", WARD, "--",
                     SIGACK]
    err = tempfile.TemporaryFile()
    # pylint: disable=consider-using-with
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=err, env=ward_env(), start_new_session=True)
    try:
        r, _, _ = select.select([p.stdout], [], [], HANG)
        assert r, f"hang at nofile={nofile}"
        first = os.read(p.stdout.fileno(), 1)
        if first == b"R":
            # ward started the child: it must supervise as usual.
            ward = wait_for(lambda: children_of(p.pid), "ward")[0]
            os.kill(ward, signal.SIGUSR1)
            r, _, _ = select.select([p.stdout], [], [], HANG)
            assert r, f"hang: SIGUSR1 not forwarded at nofile={nofile}"
            assert os.read(p.stdout.fileno(), 1) == bytes([signal.SIGUSR1])
            os.kill(ward, signal.SIGTERM)
            out, _ = p.communicate(timeout=HANG)
            assert out.startswith(b"count 1"), (out, capped(err))
            assert p.returncode == 0, capped(err)
            return
        assert first == b"", first
        p.communicate(timeout=HANG)
        text = capped(err)
        assert not re.search(r"Segmentation|core dumped|Aborted", text)
        if p.returncode == 71:
            one_ward_line(text)  # ward could not set itself up
        else:
            # ward started the child, which could not load its own
            # libraries (ld.so needs descriptors too): ward passed its
            # exit status on and said why.
            assert p.returncode == 127, (p.returncode, text)
            assert "ward: " in text, text
    finally:
        kill_tree(p)
        for f in (p.stdin, p.stdout, err):
            f.close()


def test_fd_exhaustion_keeps_reaping_and_forwarding():
    with Ward(["--grace", "3s"]) as w:
        # The child holds (nearly) every descriptor it may have...
        set_nofile(w.child, 64)
        assert w.command("exhaust").startswith("fds ")
        # ...and ward gets none spare: its limit drops to what it holds.
        set_nofile(w.pid, max(open_fds(w.pid)) + 1)
        check_alive_and_working(w)
        assert_not_spinning(w.pid)
        # Descriptors free again.
        assert w.command("release") == "released"
        set_nofile(w.pid, 1024)
        check_alive_and_working(w)
        # Out of descriptors once more, with a process left behind at
        # shutdown: ward still stops it and exits with the child's status.
        set_nofile(w.pid, max(open_fds(w.pid)) + 1)
        assert w.command("sleeper") == "sleeper"
        check_alive_and_working(w, nsig=50, norphans=20)
        os.kill(w.pid, signal.SIGTERM)
        assert w.read_line() == "count " + str(300 + 300 + 50)
        assert w.wait(timeout=HANG + 5) == 0, w.stderr()


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args):  # quiet
        pass


def test_fd_exhaustion_with_listen_and_held_connections():
    """ward --listen with a probe; its descriptors run out (limit lowered
    to what it holds, then client connections held open): it keeps
    reaping and forwarding and does not spin; once descriptors are free
    again it answers and probes again."""
    app = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    port = free_port()
    held = []
    try:
        args = ["--listen", f"127.0.0.1:{port}", "--probe",
                f"http://127.0.0.1:{app.server_address[1]}/",
                "--probe-interval", "100ms", "--probe-timeout", "100ms",
                "--grace", "3s"]
        with Ward(args) as w:
            wait_for(lambda: http_status(port, "/readyz") == 200,
                     "/readyz 200 (probe passed)")
            set_nofile(w.pid, max(open_fds(w.pid)) + 1)
            for _ in range(64):
                s = socket.create_connection(("127.0.0.1", port),
                                             timeout=HANG)
                held.append(s)
            check_alive_and_working(w)
            assert_not_spinning(w.pid)
            assert w.pid and proc_state(w.pid) in "SR", proc_state(w.pid)
            # Free them again.
            for s in held:
                s.close()
            held.clear()
            set_nofile(w.pid, 1024)
            wait_for(lambda: http_status(port, "/livez") == 200,
                     "/livez 200 after descriptors are free")
            wait_for(lambda: http_status(port, "/readyz") == 200,
                     "/readyz 200 (probing again)")
            check_alive_and_working(w)
            os.kill(w.pid, signal.SIGTERM)
            assert w.read_line() == "count 600"
            assert w.wait(timeout=HANG + 5) == 0, w.stderr()
    finally:
        for s in held:
            s.close()
        app.shutdown()
        app.server_close()
