"""Idle memory of the real binary (SPEC section 7, idle RSS): once start-up
is over ward unmaps its own text and constants page by page apart
(src/trim.c), so that only the pages its loop really runs stay mapped,
where the kernel's fault-around used to map the whole file. A bound the
old binary misses by far (it kept every page mapped), and a check that the
trimmed ward still does its work: forward signals, serve its endpoints.
"""

import os
import signal
import socket
import time
import urllib.error
import urllib.request

from conftest import HANG, WARD, helper, wait_until

PATHS = ["/livez", "/readyz", "/metrics", "/status", "/healthz"]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=HANG) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def own_file_rss(pid):
    """(resident kB, mapped kB, mappings) of the read-only mappings of
    ward's own file, from /proc/PID/smaps."""
    want = os.path.realpath(WARD)
    rss = size = n = 0
    cur = None
    with open(f"/proc/{pid}/smaps", encoding="ascii",
              errors="replace") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                cur = (len(fields) > 5 and fields[5] == want
                       and "w" not in fields[1])
                n += cur
            elif cur and fields[0] == "Size:":
                size += int(fields[1])
            elif cur and fields[0] == "Rss:":
                rss += int(fields[1])
    return rss, size, n


def test_idle_text_is_not_all_mapped(spawn, mode, report):
    """After start-up, requests to every endpoint and a forwarded signal,
    at most 3/4 of ward's own read-only pages are resident (the old
    binary: all of them); then ward still forwards and answers."""
    r = report()
    port = free_port()
    w = spawn(mode, ["--listen", f"127.0.0.1:{port}", helper("sigcatch"),
                     str(r)])
    r.ward = w
    r.wait("ready")
    wait_until(lambda: get(port, "/livez") == 200, what="/livez answers")
    for i in range(20):
        assert get(port, PATHS[i % len(PATHS)]) in (200, 503)
    w.kill(signal.SIGUSR1)
    r.wait_signal(signal.SIGUSR1)
    time.sleep(0.3)  # idle: nothing more to fault in
    rss, size, n = own_file_rss(w.pid)
    assert size > 0 and n > 0, "ward's own mappings not found in smaps"
    assert rss * 4 <= size * 3, \
        f"{rss} of {size} kB of ward's text and constants resident " \
        f"in {n} mapping(s)"
    w.kill(signal.SIGUSR2)
    r.wait_signal(signal.SIGUSR2)
    assert get(port, "/livez") == 200
    assert get(port, "/metrics") == 200
    w.kill(signal.SIGTERM)
    r.wait_signal(signal.SIGTERM)
