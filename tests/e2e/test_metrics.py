"""/metrics of the real binary, end to end (SPEC section 3): Prometheus'
own `promtool check metrics` on every state ward can be scraped in
(starting, running, unhealthy, restarting, draining, stopping),
ward_processes against the processes really there, the once-a-second walk
of /proc under a flood of scrapes (counted with strace), and the memory
cgroup's figures through a mount namespace made the way Docker 20.10 makes
it on cgroup v1 (the container's own cgroup mounted at
/sys/fs/cgroup/memory), with a real limit and a real OOM kill.

Needs promtool (Debian's prometheus) and strace (tests/deps.sh); as root.
"""

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import HANG, descendants, proc_stat, read_file, wait_until

PROMTOOL = "/usr/bin/promtool"
STRACE = "/usr/bin/strace"
SAMPLE = re.compile(r"([a-z_]+(?:\{[^}]*\})?) (\S+)")
MiB = 1024 * 1024


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    """(status, body) of one GET on ward's status server."""
    with socket.create_connection(("127.0.0.1", port), timeout=HANG) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def wait_listening(w, port):
    def up():
        assert w.running(), f"ward exited:\n{w.stderr()}"
        try:
            return get(port, "/livez")
        except OSError:
            return None
    wait_until(up, what=f"ward listening on {port}")


def metrics(port):
    code, body = get(port, "/metrics")
    assert code == 200, body
    return body


def samples(body):
    """{name{labels}: value} of the sample lines."""
    out = {}
    for ln in body.splitlines():
        if ln.startswith("#"):
            continue
        m = SAMPLE.fullmatch(ln)
        assert m, f"not a sample line: {ln!r}"
        out[m.group(1)] = float(m.group(2))
    return out


def promtool(body):
    """promtool check metrics: a parse error or a lint problem fails."""
    assert os.access(PROMTOOL, os.X_OK), \
        "promtool missing: apt-get install prometheus (tests/deps.sh)"
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=body,
                       capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        f"promtool: rc {r.returncode}\n{r.stdout}{r.stderr}\n---\n{body}"


def state(port):
    code, body = get(port, "/status")
    assert code == 200, body
    return json.loads(body)["state"]


def wait_state(w, port, want):
    def reached():
        assert w.running(), f"ward exited:\n{w.stderr()}"
        return state(port) == want
    wait_until(reached, what=f"/status state {want}")


def check_all(port, expect_state):
    """promtool accepts /metrics, and ward is where the test put it."""
    body = metrics(port)
    promtool(body)
    s = samples(body)
    for name in ("ward_up", "ward_processes", "ward_child_running"):
        assert name in s, f"{name} missing:\n{body}"
    assert state(port) == expect_state
    return s


# --- promtool in each state ----------------------------------------------

@pytest.fixture
def listener():
    """A listening TCP socket nobody accepts on: a tcp:// probe passes."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    yield s.getsockname()[1]
    s.close()


FAST = ["--probe-interval", "200ms", "--probe-timeout", "200ms"]


def test_promtool_starting(mode, spawn):
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--probe",
                     f"tcp://127.0.0.1:{free_port()}", "--probe-retries",
                     "100000", *FAST, "--", "sleep", "1000"])
    wait_listening(w, port)
    s = check_all(port, "starting")
    assert s["ward_ready"] == 0


def test_promtool_running_with_probe(mode, spawn, listener):
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--probe",
                     f"tcp://127.0.0.1:{listener}", *FAST, "--",
                     "sleep", "1000"])
    wait_listening(w, port)
    wait_state(w, port, "running")
    s = check_all(port, "running")
    assert s["ward_ready"] == 1
    assert s['ward_probe_total{result="success"}'] >= 1


def test_promtool_unhealthy(mode, spawn):
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--probe",
                     f"tcp://127.0.0.1:{free_port()}", "--probe-retries",
                     "1", *FAST, "--", "sleep", "1000"])
    wait_listening(w, port)
    wait_state(w, port, "unhealthy")
    s = check_all(port, "unhealthy")
    assert s['ward_probe_total{result="failure"}'] >= 1


def test_promtool_restarting(mode, spawn):
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--probe",
                     f"tcp://127.0.0.1:{free_port()}", "--probe-retries",
                     "1", "--on-unhealthy", "restart", "--grace", "10s",
                     *FAST, "--", "sh", "-c", 'trap "" TERM; sleep 1000'])
    wait_listening(w, port)
    wait_state(w, port, "restarting")  # the child ignores TERM: 10 s
    s = check_all(port, "restarting")
    assert s["ward_ready"] == 0


def test_promtool_during_shutdown(mode, spawn):
    """The child ignores TERM, so ward stays in its grace period."""
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--grace", "30s",
                     "--", "sh", "-c", 'trap "" TERM; sleep 1000 & wait'])
    wait_listening(w, port)
    wait_until(lambda: len(descendants(w.pid)) == 2, what="sh and sleep")
    assert samples(metrics(port))["ward_processes"] == 2
    w.kill(signal.SIGTERM)
    wait_state(w, port, "stopping")
    s = check_all(port, "stopping")
    assert s["ward_ready"] == 0 and s["ward_child_running"] == 1
    assert s["ward_processes"] == 2, "nobody left during the grace period"


def test_promtool_draining(mode, spawn):
    """During --drain-delay the signal is held: ward is draining."""
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--drain-delay", "30s",
                     "--", "sleep", "1000"])
    wait_listening(w, port)
    w.kill(signal.SIGTERM)
    wait_state(w, port, "draining")
    s = check_all(port, "draining")
    assert s["ward_ready"] == 0 and s["ward_child_running"] == 1
    assert s["ward_processes"] == 1


# --- ward_processes ------------------------------------------------------

def wait_processes(w, port, n):
    """Scrape until ward_processes is n (the count is a second old at most)."""
    seen = []

    def there():
        assert w.running(), f"ward exited:\n{w.stderr()}"
        seen.append(samples(metrics(port))["ward_processes"])
        return seen[-1] == n
    try:
        wait_until(there, what=f"ward_processes {n}")
    finally:
        del seen[:-5]
    return seen


def test_processes_rise_and_fall(mode, spawn):
    """sh, 3 children of sh, and 2 orphans re-parented to ward: 6; the
    orphans killed: 4. The host's own view agrees."""
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--", "sh", "-c",
                     "(sleep 1001 & sleep 1001 &); "
                     "sleep 1002 & sleep 1002 & sleep 1002 & wait"])
    wait_listening(w, port)

    def orphans():
        return [p for p in descendants(w.pid)
                if (proc_stat(p) or ("", 0))[1] == w.pid
                and read_file(f"/proc/{p}/cmdline").startswith("sleep\0"
                                                               "1001")]
    # Both orphans re-parented to ward (their subshell is gone), not just
    # any 6 processes on the way there.
    wait_until(lambda: len(orphans()) == 2 and
               len(descendants(w.pid)) == 6, what="6 processes, 2 orphans")
    wait_processes(w, port, 6)
    for p in orphans():
        os.kill(p, signal.SIGKILL)
    wait_processes(w, port, 4)
    assert len(descendants(w.pid)) == 4


# The child of test_processes_hundreds: WIDE sleeps of its own, THREADS
# threads with PER sleeps each (in those threads' children lists), and a
# chain of DEEP shells, each the parent of the next; then it says ready.
TREE = """
import os, sys, threading
WIDE, THREADS, PER, DEEP = (int(a) for a in sys.argv[1:5])
CHAIN = ('if [ "$1" -gt 1 ]; then sh -c "$0" "$0" "$(($1 - 1))" & fi; '
         'exec sleep 1000')
def sleeps(n):
    for _ in range(n):
        os.posix_spawn("/bin/sleep", ["sleep", "1000"], os.environ)
hold = threading.Event()
def thread():
    sleeps(PER)
    started.release()
    hold.wait()
started = threading.Semaphore(0)
sleeps(WIDE)
os.posix_spawn("/bin/sh", ["sh", "-c", CHAIN, CHAIN, str(DEEP)], os.environ)
for _ in range(THREADS):
    threading.Thread(target=thread, daemon=True).start()
    started.acquire()
open(sys.argv[5], "w").close()
hold.wait()
"""


def test_processes_hundreds(mode, spawn, tmp_path):
    """A tree of about a thousand processes, counted right: a children
    list longer than one read of it, children of threads other than the
    main one, and a chain deeper than 128 levels."""
    wide, threads, per, deep = 800, 2, 40, 150
    want = 1 + wide + threads * per + deep
    ready = tmp_path / "ready"
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--",
                     "/usr/bin/python3", "-c", TREE, str(wide),
                     str(threads), str(per), str(deep), str(ready)])
    wait_listening(w, port)
    wait_until(lambda: ready.exists() and len(descendants(w.pid)) == want,
               what=f"{want} processes")
    wait_processes(w, port, want)
    w.kill(signal.SIGTERM)
    w.wait()


def walks(trace):
    """Counts of ward's tree in a strace log: each starts with one
    readlink of /proc/self (ward's pid as its /proc knows it), whether it
    then reads /proc (PID 1) or the children lists (subreaper)."""
    return sum(1 for ln in read_file(trace).splitlines()
               if ln.startswith('readlink("/proc/self"'))


def test_scrape_flood_counts_at_most_once_a_second(mode, spawn,
                                                       tmp_path):
    assert os.access(STRACE, os.X_OK), "strace missing (tests/deps.sh)"
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--", "sh", "-c",
                     "sleep 1000 & sleep 1000 & wait"])
    wait_listening(w, port)
    trace = tmp_path / "trace"
    err = tmp_path / "strace.err"
    with open(err, "wb") as e:
        st = subprocess.Popen([STRACE, "-e", "trace=readlink", "-o",
                               str(trace), "-p", str(w.pid)], stderr=e)
    try:
        wait_until(lambda: "attached" in read_file(str(err)),
                   what="strace attached")
        t0 = time.monotonic()
        values = [samples(metrics(port))["ward_processes"]
                  for _ in range(200)]
        elapsed = time.monotonic() - t0
    finally:
        st.send_signal(signal.SIGINT)
        st.wait(HANG)
    n = walks(trace)
    assert values == [3] * 200, values
    # One walk per second started, plus the first: never one per scrape.
    assert 1 <= n <= int(elapsed) + 2, \
        f"{n} counts for 200 scrapes in {elapsed:.1f} s"


def test_processes_cost_nothing_without_scrapes(mode, spawn, tmp_path):
    """No scrape, no walk: the count is lazy (no periodic wake-up)."""
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--", "sleep", "1000"])
    wait_listening(w, port)
    assert samples(metrics(port))["ward_processes"] == 1
    trace = tmp_path / "trace"
    err = tmp_path / "strace.err"
    with open(err, "wb") as e:
        st = subprocess.Popen([STRACE, "-e", "trace=readlink", "-o",
                               str(trace), "-p", str(w.pid)], stderr=e)
    try:
        wait_until(lambda: "attached" in read_file(str(err)),
                   what="strace attached")
        for _ in range(20):  # other endpoints count nothing
            get(port, "/livez")
            get(port, "/status")
        time.sleep(2.5)
        assert walks(trace) == 0
        samples(metrics(port))
    finally:
        st.send_signal(signal.SIGINT)
        st.wait(HANG)
    assert walks(trace) == 1, "a scrape after 2 s walks once"


# --- the memory cgroup ---------------------------------------------------

def v1_memory_mount():
    """(root, mount point) of this host's v1 memory hierarchy, or None."""
    for ln in read_file("/proc/self/mountinfo").splitlines():
        f = ln.split()
        h = f.index("-")
        if f[h + 1] == "cgroup" and "memory" in f[h + 3].split(","):
            return f[3], f[4]
    return None


def own_v1_memory_cgroup():
    for ln in read_file("/proc/self/cgroup").splitlines():
        _, ctl, path = ln.split(":", 2)
        if "memory" in ctl.split(","):
            return path
    return None


def set_limit(d, v):
    """memory.limit_in_bytes, and the same with swap where it is counted
    (the limit with swap may never be below the one without)."""
    sw = os.path.join(d, "memory.memsw.limit_in_bytes")
    names = ["memory.limit_in_bytes"]
    if os.path.exists(sw):
        names = names + [sw] if v > 0 else [sw] + names
    for name in names:
        with open(os.path.join(d, name), "w") as f:
            f.write(str(v))


@pytest.fixture
def memcg():
    """A fresh v1 memory cgroup below this process's own, limited to 64 MiB
    without swap; removed after the test."""
    mnt = v1_memory_mount()
    assert mnt, "this test needs cgroup v1's memory hierarchy (this " \
        "machine kind has it; tests/containers/cgroup.sh covers podman)"
    root, point = mnt
    own = own_v1_memory_cgroup()
    assert own is not None and (own + "/").startswith(root.rstrip("/") + "/")
    parent = point + own[len(root.rstrip("/")):]
    d = os.path.join(parent, f"ward-e2e-{os.getpid()}-{time.time_ns()}")
    os.mkdir(d)
    set_limit(d, 64 * MiB)
    yield d, point
    for _ in range(100):  # its processes are being killed by spawn's end
        try:
            os.rmdir(d)
            return
        except OSError:
            for p in read_file(os.path.join(d, "cgroup.procs")).split():
                try:
                    os.kill(int(p), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
    os.rmdir(d)


# ward enters the cgroup, then its own mount namespace in which the cgroup
# is bind-mounted over the hierarchy's mount point: what runc does for a
# Docker 20.10 container on cgroup v1 without a cgroup namespace.
ENTER = ('echo $$ > "$1/cgroup.procs" && mount --bind "$1" "$2" && '
         'shift 2 && exec "$@"')


def test_cgroup_v1_found_through_mountinfo_root(mode, spawn, memcg):
    cg, point = memcg
    port = free_port()
    prefix = ["unshare", "--mount", "sh", "-c", ENTER, "sh", cg, point]
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--", "sleep",
                     "1000"], prefix=prefix)
    wait_listening(w, port)
    path = f"{own_v1_memory_cgroup().rstrip('/')}/{os.path.basename(cg)}"
    assert f":memory:{path}\n" in read_file(f"/proc/{w.pid}/cgroup")
    assert f" {path} {point} " in read_file(f"/proc/{w.pid}/mountinfo"), \
        "the bind mount's root is ward's cgroup"
    body = metrics(port)
    promtool(body)
    s = samples(body)
    assert s.get("ward_cgroup_memory_limit_bytes") == 64 * MiB, body
    assert s["ward_cgroup_memory_bytes"] > 0
    used = int(read_file(os.path.join(cg, "memory.usage_in_bytes")))
    assert 0 < s["ward_cgroup_memory_bytes"] <= 64 * MiB
    assert abs(s["ward_cgroup_memory_bytes"] - used) < 16 * MiB
    assert s["ward_cgroup_oom_kills_total"] == 0

    # A process of the cgroup that outgrows the limit is OOM-killed.
    hog = subprocess.Popen(
        ["/usr/bin/python3", "-c",
         "import sys; sys.stdin.read(1); b = b'x' * (256 << 20)"],
        stdin=subprocess.PIPE)
    with open(os.path.join(cg, "cgroup.procs"), "w") as f:
        f.write(str(hog.pid))
    hog.stdin.write(b"x")
    hog.stdin.close()
    assert hog.wait(HANG) == -signal.SIGKILL
    s = samples(metrics(port))
    assert s["ward_cgroup_oom_kills_total"] == 1, s
    assert w.running()


def test_cgroup_v1_unlimited_has_no_limit_metric(mode, spawn, memcg):
    """No limit: ward_cgroup_memory_limit_bytes is left out, the rest is
    there."""
    cg, point = memcg
    set_limit(cg, -1)
    port = free_port()
    prefix = ["unshare", "--mount", "sh", "-c", ENTER, "sh", cg, point]
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", "--", "sleep",
                     "1000"], prefix=prefix)
    wait_listening(w, port)
    body = metrics(port)
    promtool(body)
    s = samples(body)
    assert "ward_cgroup_memory_limit_bytes" not in s, body
    assert s["ward_cgroup_memory_bytes"] > 0
    assert s["ward_cgroup_oom_kills_total"] == 0
