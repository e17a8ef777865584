"""hostile.py: the figures of ward under hostile peers, for bench/run.py.

Two sections (SPEC sections 2 and 3, issue "ward health under hostile
peers"); the peers are tests/helpers/hostile.py, each in its own process:

  * the status server with ATTACK hostile connections held against it
    (idle, 1 byte/s drip, partial head, half-closed, each reopened as soon
    as closed): fresh `GET /livez` requests, one new connection each, and
    between them SIGUSR1 round trips through ward to its child (benchhelper
    ackchild), in rounds with a fresh ward and attacker each;
  * hostile servers behind the probe (an endless `100 Continue` stream, a
    header that never ends, a body that never ends): how far `ward --check
    --check-timeout 1s` overshoots its timeout, and the signal round trip
    while an in-loop probe with a 30 s timeout talks to that server.

It reports; it never asserts a time. Python 3 standard library only.
"""

import os
import re
import select
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "tests", "helpers", "hostile.py")
PY = "/usr/bin/python3"
HANG = 60
LIVEZ = b"GET /livez HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
MODES = ["flood1xx", "header", "body"]
NGINX = "/usr/sbin/nginx"


def quick():
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def sizes():
    q = quick()
    return {"rounds": 2 if q else 3,
            "attack": 200 if q else 1000,  # hostile connections held
            "requests": 150 if q else 700,  # fresh requests per round
            "checks": 2 if q else 5,  # --check runs per mode per round
            "sigs": 50 if q else 200}  # signal round trips per probe mode


def quantile(v, q):
    s = sorted(v)
    return s[min(len(s) - 1, int(q * len(s)))] if s else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ward:
    """ward ARGS -- benchhelper ackchild; the child acks each SIGUSR1."""

    def __init__(self, ward, helper, args):
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [ward, *args, "--", helper, "ackchild"], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self.fd = self.proc.stdout.fileno()
        self.read_byte(b"R")

    def read_byte(self, want):
        r, _, _ = select.select([self.fd], [], [], HANG)
        if not r or os.read(self.fd, 1) != want:
            raise RuntimeError("ward's child did not answer")

    def signal_ns(self):
        """One SIGUSR1 round trip: ward forwards it, the child acks."""
        t = time.perf_counter_ns()
        os.kill(self.proc.pid, signal.SIGUSR1)
        self.read_byte(b"a")
        return time.perf_counter_ns() - t

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def peer(args):
    """tests/helpers/hostile.py ARGS; its first line, and the process."""
    p = subprocess.Popen(  # pylint: disable=consider-using-with
        [PY, PEERS, *args], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    return p, p.stdout.readline().decode()


def fresh_ns(port):
    """One fresh request; its time in ns, or None unless 200."""
    t = time.perf_counter_ns()
    raw = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(LIVEZ)
            while True:
                b = s.recv(4096)
                if not b:
                    break
                raw += b
    except OSError:
        return None
    return time.perf_counter_ns() - t if raw.startswith(
        b"HTTP/1.1 200 ") else None


NGINX_CONF = """daemon off; master_process off; worker_processes 1;
worker_rlimit_nofile 8192; pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 4096; }}
http {{ access_log off; client_body_temp_path {d}; proxy_temp_path {d};
  fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};
  server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok\\n"; }} }} }}
"""


class Nginx:
    """Debian's nginx answering 200 on every path: the comparison the
    issue quotes. It forwards no signals (it is no init)."""

    def __init__(self, port, tmp):
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w", encoding="ascii") as f:
            f.write(NGINX_CONF.format(d=tmp, port=port))
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [NGINX, "-c", conf, "-p", tmp], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while fresh_ns(port) is None:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("nginx did not start")
            time.sleep(0.05)

    @staticmethod
    def signal_ns():
        return None

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def status_round(ward, helper, n_attack, n_req, nginx=False):
    port = free_port()
    if nginx:
        tmp = os.path.join(ROOT, "build", "bench", "nginx")
        os.makedirs(tmp, exist_ok=True)
        w = Nginx(port, tmp)
    else:
        w = Ward(ward, helper, ["--listen", f"127.0.0.1:{port}"])
    att = None
    try:
        att, line = peer(["attack", str(port), str(n_attack), str(HANG)])
        if not line.startswith("up "):
            raise RuntimeError(f"attacker did not start: {line!r}")
        time.sleep(1)  # the attack at its steady state
        req, sig = [], []
        for _ in range(n_req):
            req.append(fresh_ns(port))
            sig.append(w.signal_ns())
            time.sleep(0.004)
        return req, sig
    finally:
        if att is not None:
            att.kill()
            att.wait()
        w.stop()


def bench_status(ward, helper, p):
    rounds = []
    ngx = []
    for r in range(p["rounds"]):
        # ward and nginx interleaved, the order rotating by round
        for who in ([False, True] if r % 2 == 0 else [True, False]):
            if who and os.access(NGINX, os.X_OK):
                ngx.append(status_round(ward, helper, p["attack"],
                                        p["requests"], nginx=True)[0])
            elif not who:
                rounds.append(status_round(ward, helper, p["attack"],
                                           p["requests"]))
    out = status_figures(rounds)
    if ngx:
        out["nginx"] = status_figures([(r, [0]) for r in ngx])
    return out


def status_figures(rounds):
    req = [t for r, _ in rounds for t in r]
    sig = [t for _, s in rounds for t in s]
    ok = [t for t in req if t is not None and t <= 100e6]
    return {"n": len(req), "within": 100.0 * len(ok) / len(req),
            "failed": sum(t is None for t in req),
            "p99": quantile([t if t is not None else 5e9 for t in req], .99),
            "p99_range": [quantile([t if t is not None else 5e9 for t in r],
                                   .99) for r, _ in rounds],
            "sig_p99": quantile(sig, .99), "sig_max": max(sig),
            "sig_range": [quantile(s, .99) for _, s in rounds]}


def check_overshoot(ward, port):
    t = time.perf_counter_ns()
    subprocess.run([ward, "--check", f"http://127.0.0.1:{port}/",
                    "--check-timeout", "1s"], capture_output=True,
                   timeout=HANG, check=False)
    return time.perf_counter_ns() - t - 1000 * 1000000


def probe_signals(ward, helper, port, mode, n):
    # A flood fails the probe at once: probe it again and again.
    every = "50ms" if mode == "flood1xx" else "30s"
    w = Ward(ward, helper, ["--probe", f"http://127.0.0.1:{port}/",
                            "--probe-interval", every, "--probe-timeout",
                            every])
    try:
        time.sleep(0.2)
        out = []
        for _ in range(n):
            out.append(w.signal_ns())
            time.sleep(0.01)
        return out
    finally:
        w.stop()


def bench_probe(ward, helper, p):
    servers = {}
    try:
        for m in MODES:
            proc, line = peer(["serve", m])
            got = re.fullmatch(r"port (\d+)\n", line)
            if not got:
                raise RuntimeError(f"hostile server {m} did not start")
            servers[m] = (proc, int(got.group(1)))
        over = {m: [] for m in MODES}
        sig = {m: [] for m in MODES}
        for r in range(p["rounds"]):
            for m in MODES[r % len(MODES):] + MODES[:r % len(MODES)]:
                port = servers[m][1]
                over[m] += [check_overshoot(ward, port)
                            for _ in range(p["checks"])]
                sig[m] += probe_signals(ward, helper, port, m,
                                        p["sigs"] // p["rounds"])
        return {m: {"over_max": max(over[m]),
                    "over_med": statistics.median(over[m]),
                    "sig_p99": quantile(sig[m], .99),
                    "sig_max": max(sig[m])} for m in MODES}
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait()


def run(ward, helper):
    """All figures, or {"error": ...}."""
    p = sizes()
    try:
        print("bench: hostile peers", file=sys.stderr, flush=True)
        return {"p": p, "status": bench_status(ward, helper, p),
                "probe": bench_probe(ward, helper, p)}
    except (RuntimeError, OSError, ValueError,
            subprocess.TimeoutExpired) as e:
        return {"error": f"{type(e).__name__}: {e}"}


def ms(ns):
    return "n/a" if ns is None else f"{ns / 1e6:.1f} ms"


def met(ok):
    return "**MET**" if ok else "**MISSED**"


def within_status(s):
    if s["n"] < 2000:
        return "— (smoke run: under 2,000 requests)"
    return met(s["within"] >= 99.9)


def report(res):
    """Markdown lines of the section."""
    out = ["", "### Hostile peers (SPEC 3)", ""]
    if "error" in res:
        return out + [f"- not measured: {res['error']}"]
    p, s, pr = res["p"], res["status"], res["probe"]
    ng = s.get("nginx")
    out += ["| Figure | ward | nginx | Goal | Status |",
            "|---|---|---|---|---|"]
    out.append(f"| Fresh `/livez` answered 200 within 100 ms, {p['attack']} "
               f"hostile connections held ({s['n']} requests, "
               f"{p['rounds']} rounds) | {s['within']:.2f} % "
               f"({s['failed']} not answered 200) | "
               + (f"{ng['within']:.2f} % ({ng['failed']} not 200)"
                  if ng else "not installed")
               + f" | ≥ 99.9 % | {within_status(s)} |")
    out.append(f"| p99 of those requests (per round: "
               f"{', '.join(ms(x) for x in s['p99_range'])}) "
               f"| {ms(s['p99'])} | {ms(ng['p99']) if ng else '—'} "
               f"| ≤ 100 ms | {met(s['p99'] <= 100e6)} |")
    out.append(f"| Signal round trip meanwhile, p99 (per round: "
               f"{', '.join(ms(x) for x in s['sig_range'])}; max "
               f"{ms(s['sig_max'])}) | {ms(s['sig_p99'])} | — | ≤ 10 ms "
               f"| {met(s['sig_p99'] <= 10e6)} |")
    for m in MODES:
        f = pr[m]
        out.append(f"| `--check --check-timeout 1s` against `{m}`: overshoot"
                   f" past the timeout, worst (median {ms(f['over_med'])}) "
                   f"| {ms(f['over_max'])} | — | < 100 ms "
                   f"| {met(f['over_max'] < 100e6)} |")
        out.append(f"| Signal round trip during an in-loop probe of `{m}`, "
                   f"p99 (max {ms(f['sig_max'])}) | {ms(f['sig_p99'])} "
                   f"| — | ≤ 10 ms | {met(f['sig_p99'] <= 10e6)} |")
    out += ["", "- Hostile connections: a quarter each idle, drip (1 byte/s "
            "of a head), partial head, half-closed, each reopened as soon as "
            "ward closes it (tests/helpers/hostile.py attack). Each fresh "
            "request is a new connection, timed from connect to ward's "
            "close; a request not answered 200 within 5 s counts as 5 s. "
            "Between requests, one SIGUSR1 round trip: sent to ward, "
            "forwarded to its child, acked on a pipe (an upper bound of the "
            "forwarding delay).",
            "- Probe servers: `flood1xx` an endless `100 Continue` stream, "
            "`header` a header line that never ends (64 B / 10 ms), `body` "
            "a body without Content-Length that never ends (64 B / 50 ms). "
            "A negative overshoot means --check was done before its "
            "timeout (the flood fails at its sixth interim response). The "
            "in-loop probe has a 30 s timeout (the flood, failed at once, "
            "is probed every 50 ms).",
            "- nginx: Debian's nginx-light, one worker, `return 200` on "
            "every path, `access_log off`, under the same attack in rounds "
            "interleaved with ward's (the comparison the issue quotes); it "
            "forwards no signals."]
    return out
