"""Start-up checks of the real binary (SPEC section 4), in private mount
namespaces: read-only root, tmpfs PATH[:MINSIZE], writable PATH, as root and
as uid 1000, from flags and from WARD_REQUIRE_* variables.

Self-contained: needs only $WARD (the binary under test), root, and
util-linux (unshare, mount, setpriv). Every mount lives in a namespace that
dies with its test; the only host state is one directory under /tmp.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

WARD = os.environ.get("WARD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "musl", "ward")
WARD = os.path.abspath(WARD)
TIMEOUT = 30  # a hang-catcher only
CHECKS_FAILED = 78


@pytest.fixture
def d():
    """A scratch directory on the root filesystem, reachable by uid 1000."""
    path = tempfile.mkdtemp(prefix="ward-e2e-fs-", dir="/tmp")
    os.chmod(path, 0o777)
    yield path
    # Mounts died with their namespaces; the directories remain.
    shutil.rmtree(path, ignore_errors=True)


def clean_env():
    """The caller's environment (ASAN_OPTIONS, ...) without ward's own
    variables, so that only what a test sets configures ward."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WARD_", "TINI_"))}
    env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin:" + env.get("PATH", "")
    env["WARD"] = WARD
    return env


def run_ns(script, env=None, pidns=False):
    """Run a sh script in a private mount namespace (and PID namespace).

    The script sees $WARD and $D-style variables the caller formats in.
    It should end with `exec "$WARD" ...`.
    """
    cmd = ["unshare", "-m", "--propagation", "private"]
    if pidns:
        cmd += ["-p", "-f"]
    full_env = clean_env()
    full_env.update(env or {})
    return subprocess.run(cmd + ["sh", "-euc", script], env=full_env,
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=TIMEOUT)


def lines(stderr):
    return [ln for ln in stderr.splitlines() if ln.strip()]


def assert_refused(r, marker, *expected):
    """Exit 78, exactly the expected `ward: ...` lines, child never ran."""
    got = lines(r.stderr)
    assert r.returncode == CHECKS_FAILED, (r.returncode, r.stderr)
    assert sorted(got) == sorted("ward: " + e for e in expected), got
    assert not os.path.exists(marker), "the child was started"


def pin(d):
    """Shell that makes $d its own mount, so a read-only / leaves it rw."""
    return f'mount --bind "{d}" "{d}"; '


def tmpfs(path, opts):
    return f'mkdir -p "{path}"; mount -t tmpfs -o "{opts}" tmpfs "{path}"; '


# ---- tmpfs ----------------------------------------------------------------

def test_tmpfs_smaller_than_minsize_refuses_to_start(d):
    m = f"{d}/marker"
    r = run_ns(tmpfs(f"{d}/t", "size=1m")
               + f'exec "$WARD" --require-tmpfs {d}/t:64M -- touch {m}')
    assert_refused(r, m, f"{d}/t is 1.0 MiB, expected at least 64.0 MiB")


def test_tmpfs_big_enough_starts_child_and_leaves_no_file(d):
    m = f"{d}/marker"
    r = run_ns(tmpfs(f"{d}/t", "size=64m")
               + f'exec "$WARD" --require-tmpfs {d}/t:64M -- '
               f'sh -c \'ls -A {d}/t > {m}; exit 7\'')
    assert r.returncode == 7, r.stderr
    assert open(m).read() == "", "the write test left a file in the tmpfs"


def test_tmpfs_without_minsize_accepts_small_tmpfs(d):
    m = f"{d}/marker"
    r = run_ns(tmpfs(f"{d}/t", "size=4k")
               + f'exec "$WARD" --require-tmpfs {d}/t -- touch {m}')
    assert r.returncode == 0, r.stderr
    assert os.path.exists(m)


def test_disk_directory_is_not_tmpfs(d):
    m = f"{d}/marker"
    os.mkdir(f"{d}/disk")
    r = run_ns(f'exec "$WARD" --require-tmpfs {d}/disk -- touch {m}')
    assert r.returncode == CHECKS_FAILED, r.stderr
    got = lines(r.stderr)
    assert len(got) == 1, got
    prefix = f"ward: {d}/disk is "
    assert got[0].startswith(prefix) and got[0].endswith(", expected tmpfs")
    fstype = got[0][len(prefix):-len(", expected tmpfs")]
    assert fstype != "tmpfs" and not fstype.startswith("unknown"), got[0]
    assert not os.path.exists(m)


def test_missing_tmpfs_path(d):
    m = f"{d}/marker"
    r = run_ns(f'exec "$WARD" --require-tmpfs {d}/nope:64M -- touch {m}')
    assert_refused(r, m, f"{d}/nope does not exist")


def test_readonly_bind_mount_of_tmpfs_is_not_writable(d):
    m = f"{d}/marker"
    r = run_ns(tmpfs(f"{d}/t", "size=64m")
               + f'mkdir {d}/ro; mount --bind {d}/t {d}/ro; '
               f'mount -o remount,bind,ro {d}/ro; '
               f'exec "$WARD" --require-tmpfs {d}/ro -- touch {m}')
    assert_refused(r, m, f"{d}/ro is not writable by uid 0: "
                   "Read-only file system")


def test_readonly_remount_of_tmpfs_is_not_writable(d):
    m = f"{d}/marker"
    r = run_ns(tmpfs(f"{d}/t", "size=64m")
               + f'mount -o remount,ro {d}/t; '
               f'exec "$WARD" --require-tmpfs {d}/t:64M -- touch {m}')
    assert_refused(r, m, f"{d}/t is not writable by uid 0: "
                   "Read-only file system")


# ---- read-only root ---------------------------------------------------------

def test_readonly_root_passes(d):
    m = f"{d}/marker"
    r = run_ns(pin(d) + 'mount -o remount,bind,ro /; '
               f'exec "$WARD" --require-readonly-root -- '
               f'sh -c \'! touch /ward-e2e-probe 2>/dev/null && touch {m}\'')
    assert r.returncode == 0, r.stderr
    assert os.path.exists(m)


def test_writable_root_refuses_to_start(d):
    m = f"{d}/marker"
    r = run_ns(f'exec "$WARD" --require-readonly-root -- touch {m}')
    assert_refused(r, m, "/ is writable, expected read-only")


def test_every_failure_gets_its_own_line(d):
    m = f"{d}/marker"
    r = run_ns(tmpfs(f"{d}/t", "size=1m")
               + f'exec "$WARD" --require-readonly-root '
               f'--require-tmpfs {d}/t:64M --require-tmpfs {d}/gone '
               f'--require-writable {d}/also-gone -- touch {m}')
    assert_refused(r, m,
                   "/ is writable, expected read-only",
                   f"{d}/t is 1.0 MiB, expected at least 64.0 MiB",
                   f"{d}/gone does not exist",
                   f"{d}/also-gone does not exist")


def test_readonly_root_and_tmpfs_as_pid1_with_stale_check_file(d):
    """The container case: PID 1, read-only /, tmpfs /tmp-like dir. As PID 1
    the write test's file name repeats on every start; a file left by a
    crash must neither fail the check nor be removed."""
    m = f"{d}/marker"
    r = run_ns(pin(d) + tmpfs(f"{d}/t", "size=64m")
               + f'touch {d}/t/.ward-check-1-0 {d}/t/.ward-check-1; '
               'mount -o remount,bind,ro /; '
               f'exec "$WARD" --require-readonly-root '
               f'--require-tmpfs {d}/t:64M -- '
               f'sh -c \'echo $PPID > {m}; ls -A {d}/t >> {m}\'', pidns=True)
    assert r.returncode == 0, r.stderr
    out = open(m).read().split()
    assert out[0] == "1", "ward was not PID 1"
    assert sorted(out[1:]) == [".ward-check-1", ".ward-check-1-0"]


# ---- writable -----------------------------------------------------------------

def test_require_writable(d):
    m = f"{d}/marker"
    os.mkdir(f"{d}/w")
    r = run_ns(f'exec "$WARD" --require-writable {d}/w -- touch {m}')
    assert r.returncode == 0, r.stderr
    assert os.listdir(f"{d}/w") == []
    r = run_ns(pin(d) + f'mount --bind {d}/w {d}/w; '
               f'mount -o remount,bind,ro {d}/w; '
               f'exec "$WARD" --require-writable {d}/w -- touch {m}.2')
    assert_refused(r, f"{m}.2",
                   f"{d}/w is not writable by uid 0: Read-only file system")


# ---- as an unprivileged user --------------------------------------------------

def as_user(cmd):
    return f'exec setpriv --reuid 1000 --regid 1000 --clear-groups {cmd}'


def test_unprivileged_cannot_write_root_owned_tmpfs(d):
    m = f"{d}/marker"
    r = run_ns(tmpfs(f"{d}/t", "size=64m,mode=0755")
               + as_user(f'"$WARD" --require-tmpfs {d}/t:64M -- touch {m}'))
    assert_refused(r, m, f"{d}/t is not writable by uid 1000: "
                   "Permission denied")


def test_unprivileged_passes_on_sticky_tmpfs(d):
    m = f"{d}/marker"
    r = run_ns(pin(d) + tmpfs(f"{d}/t", "size=64m,mode=1777")
               + 'mount -o remount,bind,ro /; '
               + as_user(f'"$WARD" --require-readonly-root '
                         f'--require-tmpfs {d}/t:64M --require-writable '
                         f'{d}/t -- sh -c \'id -u > {m}\''))
    assert r.returncode == 0, r.stderr
    assert open(m).read().strip() == "1000"


def test_unprivileged_missing_and_unwritable_writable_paths(d):
    m = f"{d}/marker"
    os.mkdir(f"{d}/rootonly", 0o755)
    r = run_ns(as_user(f'"$WARD" --require-writable {d}/rootonly '
                       f'--require-writable {d}/gone -- touch {m}'))
    assert_refused(r, m,
                   f"{d}/rootonly is not writable by uid 1000: "
                   "Permission denied",
                   f"{d}/gone does not exist")


# ---- environment --------------------------------------------------------------

def test_env_readonly_root(d):
    m = f"{d}/marker"
    r = run_ns(f'exec "$WARD" -- touch {m}',
               env={"WARD_REQUIRE_READONLY_ROOT": "1"})
    assert_refused(r, m, "/ is writable, expected read-only")
    r = run_ns(f'exec "$WARD" -- touch {m}',
               env={"WARD_REQUIRE_READONLY_ROOT": "0"})
    assert r.returncode == 0, r.stderr
    assert os.path.exists(m)


def test_env_tmpfs_list(d):
    m = f"{d}/marker"
    setup = tmpfs(f"{d}/a", "size=64m") + tmpfs(f"{d}/b", "size=1m")
    r = run_ns(setup + f'exec "$WARD" -- touch {m}',
               env={"WARD_REQUIRE_TMPFS": f"{d}/a:64M,{d}/b"})
    assert r.returncode == 0, r.stderr
    assert os.path.exists(m)
    r = run_ns(setup + f'exec "$WARD" -- touch {m}.2',
               env={"WARD_REQUIRE_TMPFS": f"{d}/a:64M,{d}/b:2M"})
    assert_refused(r, f"{m}.2",
                   f"{d}/b is 1.0 MiB, expected at least 2.0 MiB")


def test_env_writable_list(d):
    m = f"{d}/marker"
    os.mkdir(f"{d}/w")
    r = run_ns(f'exec "$WARD" -- touch {m}',
               env={"WARD_REQUIRE_WRITABLE": f"{d}/w,{d}/gone"})
    assert_refused(r, m, f"{d}/gone does not exist")


def test_flag_replaces_env(d):
    m = f"{d}/marker"
    r = run_ns(tmpfs(f"{d}/t", "size=1m")
               + f'exec "$WARD" --require-tmpfs {d}/t -- touch {m}',
               env={"WARD_REQUIRE_TMPFS": f"{d}/gone:64M"})
    assert r.returncode == 0, r.stderr
    assert os.path.exists(m)


def test_bad_minsize_is_usage_error(d):
    m = f"{d}/marker"
    r = run_ns(tmpfs(f"{d}/t", "size=1m")
               + f'exec "$WARD" --require-tmpfs {d}/t:lots -- touch {m}')
    assert r.returncode == 2, r.stderr
    assert not os.path.exists(m)
    assert "Try 'ward --help'" in r.stderr


# ---- the facts in /status -------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_status_reports_check_facts(d):
    port = free_port()
    cmd = ["unshare", "-m", "--propagation", "private", "sh", "-euc",
           pin(d) + tmpfs(f"{d}/t", "size=64m")
           + 'mount -o remount,bind,ro /; '
           f'exec "$WARD" --listen 127.0.0.1:{port} --require-readonly-root '
           f'--require-tmpfs {d}/t:32M --require-writable {d}/t -- '
           'sleep 60']
    p = subprocess.Popen(cmd, env=clean_env(),
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    try:
        doc = None
        deadline = time.monotonic() + TIMEOUT
        while doc is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/status", timeout=5) as f:
                    doc = json.load(f)
            except OSError:
                assert p.poll() is None, p.stderr.read()
                time.sleep(0.1)
        assert doc is not None, "no /status within the hang timeout"
        checks = doc["checks"]
        assert checks[0] == {"check": "readonly_root", "ok": True,
                             "readonly": True}
        assert checks[1]["check"] == "tmpfs"
        assert checks[1]["path"] == f"{d}/t"
        assert checks[1]["ok"] is True
        assert checks[1]["fstype"] == "tmpfs"
        assert checks[1]["size_bytes"] == 64 << 20
        assert checks[1]["min_size_bytes"] == 32 << 20
        assert checks[1]["writable"] is True
        assert checks[2]["check"] == "writable"
        assert checks[2]["ok"] is True and checks[2]["path"] == f"{d}/t"
        assert len(checks) == 3
    finally:
        p.terminate()
        try:
            p.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        p.stderr.close()
