#!/usr/bin/python3
"""run.py: make bench, ward side by side with tini, dumb-init and catatonit.

Measures every init in the same run, interleaved round by round, and prints
one Markdown report (also written to --out). It reports; it never asserts a
time. Python 3 standard library only; the timing-critical loops are in
bench/benchhelper.c.

    python3 bench/run.py --ward build/musl/ward \
        --helper build/bench/benchhelper [--empty build/bench/empty-static]
    BENCH_QUICK=1 ...   a smoke run of a few seconds per section
"""

import argparse
import datetime
import os
import platform
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request

import hostile  # bench/hostile.py: the figures under hostile peers
import shutdown  # bench/shutdown.py: the cost of stopping a tree

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")

# Sizes of each section; QUICK keeps the shapes but shrinks the counts.
P = {
    "rounds": 2 if QUICK else 5,
    "race_rounds": 2 if QUICK else 9,  # rounds of the rtt and storm races
    "start_runs": 50 if QUICK else 200,  # per init per round
    "rtt_n": 500 if QUICK else 2000,  # round trips per init per round
    "storm_n": 500 if QUICK else 3000,  # orphans per storm
    "trickle": (200, 500, 1000) if QUICK else (1000, 3000, 1000),
    # exiting orphans, live ones beside them, microseconds between exits
    "idle_s": 2 if QUICK else 10,  # idle window
    "checks": 100 if QUICK else 1000,  # ward --check and curl executions
    "probes": 100 if QUICK else 1000,  # in-process probes of a running ward
    "probe_interval_ms": 10,
    "status_requests": 20,  # served by ward --listen before its idle window
}
NOISE = 1.05  # "no slower than the best": a 5 % band for run-to-run noise
HANG = 60  # seconds: a hang catcher, never a time limit on a figure


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def kv(line):
    """'a=1 b=2' -> {'a': 1, 'b': 2} (ints)."""
    out = {}
    for tok in line.split():
        k, _, v = tok.partition("=")
        out[k] = int(v)
    return out


def helper_run(args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=HANG * 5,
                       check=False)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])}...: exit {r.returncode}: "
                           f"{r.stderr.strip()[:300]}")
    return kv(r.stdout.strip().splitlines()[-1])


def elf_is_static(path):
    """True when the ELF file has no PT_INTERP (no dynamic loader)."""
    with open(path, "rb") as f:
        hdr = f.read(64)
        if hdr[:4] != b"\x7fELF" or hdr[4] != 2:
            return False
        phoff, = struct.unpack_from("<Q", hdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    for i in range(phnum):
        ptype, = struct.unpack_from("<I", ph, i * phentsize)
        if ptype == 3:  # PT_INTERP
            return False
    return True


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def proc_cpu_ns(pid):
    """CPU time of pid in ns (sum_exec_runtime from /proc/PID/schedstat)."""
    with open(f"/proc/{pid}/schedstat", encoding="ascii") as f:
        return int(f.read().split()[0])


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


class NsInit:
    """An init as PID 1 of a fresh PID namespace, via benchhelper nsexec."""

    def __init__(self, helper, argv):
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [helper, "nsexec"] + argv, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline()
        self.pid = int(line) if line.strip() else None

    def alive(self):
        return self.proc.poll() is None

    def stderr_text(self):
        try:
            _, err = self.proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            return ""
        return err.decode("utf-8", "replace").strip()

    def stop(self):
        if self.proc.poll() is None and self.pid:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        try:
            self.proc.communicate(timeout=5)
        except (subprocess.TimeoutExpired, ValueError):
            pass


def wait_http(url, deadline):
    """GET url until it answers (any status); returns (status, body)."""
    while True:
        try:
            return http_get(url, timeout=1.0)
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def probe_total(metrics):
    total = 0
    fails = 0
    for line in metrics.splitlines():
        if line.startswith("ward_probe_total"):
            n = int(float(line.split()[-1]))
            total += n
            if 'result="failure"' in line:
                fails += n
    return total, fails


# ---------------------------------------------------------------- sections

def bench_sizes(inits):
    return {name: (os.path.getsize(path), elf_is_static(path))
            for name, path, _ in inits}


def rotate(seq, r):
    r %= len(seq)
    return seq[r:] + seq[:r]


def bench_startup(inits, helper):
    """Per-run overhead of INIT -- /bin/true over /bin/true run directly and
    over env /bin/true, in ns: runs alternated by the helper, medians of the
    paired differences, then the median over the rounds."""
    n = str(P["start_runs"])
    direct = {name: [] for name, _, _ in inits}
    env = {name: [] for name, _, _ in inits}
    for r in range(P["rounds"]):
        for name, _, argv in rotate(inits, r):
            res = helper_run([helper, "startup", n] + argv)
            if res["fails"]:
                raise RuntimeError(f"{name} -- /bin/true failed "
                                   f"{res['fails']} times")
            direct[name].append(res["over_direct_ns"])
            env[name].append(res["over_env_ns"])
    return ({k: statistics.median(v) for k, v in direct.items()},
            {k: statistics.median(v) for k, v in env.items()})


def bench_rtt(inits, helper):
    keys = ("median_ns", "p99_ns", "init_cpu_ns")
    got = {k: {name: [] for name, _, _ in inits} for k in keys}
    for r in range(P["race_rounds"]):
        for name, _, argv in rotate(inits, r):
            res = helper_run([helper, "rtt", str(P["rtt_n"])] + argv)
            for k in keys:
                got[k][name].append(res[k])
    out = {k: {n: statistics.median(v) for n, v in d.items()}
           for k, d in got.items()}
    out["range"] = {n: (min(v), max(v))
                    for n, v in got["median_ns"].items()}
    return out


def bench_storm(inits, helper):
    keys = ("storm_ns", "init_cpu_ns")
    got = {k: {name: [] for name, _, _ in inits} for k in keys}
    for r in range(P["race_rounds"]):
        for name, _, argv in rotate(inits, r):
            res = helper_run([helper, "storm", str(P["storm_n"])] + argv)
            for k in keys:
                got[k][name].append(res[k])
    out = {k: {n: statistics.median(v) for n, v in d.items()}
           for k, d in got.items()}
    out["range"] = {n: (min(v), max(v)) for n, v in got["storm_ns"].items()}
    out["cpu_range"] = {n: (min(v), max(v))
                        for n, v in got["init_cpu_ns"].items()}
    return out


def bench_trickle(inits, helper):
    """Init CPU while orphans exit one by one among many live ones."""
    n, live, step = P["trickle"]
    got = {name: [] for name, _, _ in inits}
    for r in range(P["rounds"]):
        for name, _, argv in rotate(inits, r):
            res = helper_run([helper, "trickle", str(n), str(live),
                              str(step)] + argv)
            got[name].append(res["init_cpu_ns"])
    return {"cpu": {k: statistics.median(v) for k, v in got.items()},
            "range": {k: (min(v), max(v)) for k, v in got.items()}}


def bench_idle(inits, helper, ward):
    """Wake-ups (voluntary context switches) and VmRSS over an idle window,
    all inits side by side; ward also with --listen after serving some
    requests."""
    pause = [helper, "pause"]
    runs = [(name, argv + pause) for name, _, argv in inits]
    lport = free_port()
    runs.append(("ward --listen",
                 [ward, "--listen", f"127.0.0.1:{lport}", "--"] + pause))
    procs = [(name, NsInit(helper, argv)) for name, argv in runs]
    res = {}
    notes = []
    try:
        time.sleep(1.0)
        served = 0
        for name, p in procs:
            if name == "ward --listen" and p.alive():
                paths = ["/livez", "/readyz", "/metrics", "/status",
                         "/healthz"]
                for i in range(P["status_requests"]):
                    url = f"http://127.0.0.1:{lport}{paths[i % len(paths)]}"
                    try:
                        wait_http(url, time.monotonic() + 5)
                        served += 1
                    except (OSError, urllib.error.URLError):
                        pass
        time.sleep(0.5)
        before = {}
        for name, p in procs:
            if p.alive():
                before[name] = proc_status(p.pid)
        time.sleep(P["idle_s"])
        for name, p in procs:
            if not p.alive() or name not in before:
                res[name] = None
                notes.append(f"{name}: exited before the idle window "
                             f"({p.stderr_text()[:200]!r})")
                continue
            after = proc_status(p.pid)
            vol = (int(after["voluntary_ctxt_switches"]) -
                   int(before[name]["voluntary_ctxt_switches"]))
            inv = (int(after["nonvoluntary_ctxt_switches"]) -
                   int(before[name]["nonvoluntary_ctxt_switches"]))
            rss = int(after["VmRSS"].split()[0])
            res[name] = {"vol": vol, "inv": inv, "rss": rss,
                         "anon": after.get("RssAnon", "?"),
                         "file": after.get("RssFile", "?")}
        if res.get("ward --listen"):
            res["ward --listen"]["served"] = served
    finally:
        for _, p in procs:
            p.stop()
    return res, notes


def bench_health(ward, helper, empty, floor_http=None):
    """CPU per health check: ward --check vs curl -fsS and vs the floor (a
    static program that makes one loopback HTTP request), and the CPU a
    running ward spends per in-process probe."""
    out = {"notes": []}
    httpd = subprocess.Popen(  # pylint: disable=consider-using-with
        [helper, "httpd", "0"], stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL)
    try:
        port = int(httpd.stdout.readline())
        url = f"http://127.0.0.1:{port}/"
        per_round = max(1, P["checks"] // P["rounds"])
        check = []
        curl = []
        floor = []
        fhttp = []
        fhttp_fails = 0
        check_fails = 0
        curl_fails = 0
        curl_bin = shutil.which("curl") or "curl"
        for r in range(P["rounds"]):
            cmds = [("ward", [ward, "--check", url]),
                    ("curl", [curl_bin, "-fsS", "-o", "/dev/null", url])]
            if empty:
                cmds.append(("empty", [empty]))
            if floor_http:
                cmds.append(("floorhttp", [floor_http, str(port), "/"]))
            for name, cmd in rotate(cmds, r):
                res = helper_run([helper, "spawn", str(per_round)] + cmd)
                if name == "ward":
                    check.append(res["cpu_mean_ns"])
                    check_fails += res["fails"]
                elif name == "empty":
                    floor.append(res["cpu_mean_ns"])
                elif name == "floorhttp":
                    fhttp.append(res["cpu_mean_ns"])
                    fhttp_fails += res["fails"]
                else:
                    curl.append(res["cpu_mean_ns"])
                    curl_fails += res["fails"]
        out["check_ns"] = statistics.median(check)
        out["curl_ns"] = statistics.median(curl)
        if floor:
            out["floor_ns"] = statistics.median(floor)
        if fhttp:
            out["fhttp_ns"] = statistics.median(fhttp)
            out["fhttp_range"] = (min(fhttp), max(fhttp))
            out["fhttp_fails"] = fhttp_fails
        out["check_range"] = (min(check), max(check))
        out["check_fails"] = check_fails
        out["curl_fails"] = curl_fails
        out["check_n"] = per_round * P["rounds"]
        if check_fails:
            out["notes"].append(f"ward --check failed {check_fails} of "
                                f"{out['check_n']} times (its CPU is still "
                                "what is shown)")
        out.update(bench_probe(ward, helper, url))
    finally:
        httpd.terminate()
        httpd.wait(timeout=10)
    return out


def bench_probe(ward, helper, url):
    lport = free_port()
    argv = [ward, "--listen", f"127.0.0.1:{lport}", "--probe", url,
            "--probe-interval", f"{P['probe_interval_ms']}ms",
            "--probe-timeout", f"{P['probe_interval_ms']}ms", "--",
            helper, "pause"]
    w = NsInit(helper, argv)
    murl = f"http://127.0.0.1:{lport}/metrics"
    try:
        try:
            deadline = time.monotonic() + 10
            while True:
                _, body = wait_http(murl, deadline)
                n0, _ = probe_total(body)
                if n0 > 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        except (OSError, urllib.error.URLError, ValueError) as e:
            return {"probe_error": f"{type(e).__name__}: {e}; ward said: "
                                   f"{w.stderr_text()[:200]!r}"}
        if n0 == 0:
            return {"probe_error": "no ward_probe_total in /metrics"}
        _, body = http_get(murl)
        c0 = proc_cpu_ns(w.pid)
        n0, f0 = probe_total(body)
        t0 = time.monotonic()
        time.sleep(P["probes"] * P["probe_interval_ms"] / 1000.0)
        while True:
            c1 = proc_cpu_ns(w.pid)
            _, body = http_get(murl)
            n1, f1 = probe_total(body)
            if n1 - n0 >= P["probes"] or time.monotonic() - t0 > HANG:
                break
            time.sleep(0.2)
        t1 = time.monotonic()
        return {"probe_ns": (c1 - c0) / max(1, n1 - n0),
                "probe_n": n1 - n0, "probe_fail": f1 - f0,
                "probe_wall": t1 - t0}
    finally:
        w.stop()


# ---------------------------------------------------------------- report

def fmt_us(ns):
    return "n/a" if ns is None else f"{ns / 1000:.1f} µs"


def fmt_ms(ns):
    return "n/a" if ns is None else f"{ns / 1e6:.1f} ms"


def ratio(ward, others):
    vals = [v for v in others if v is not None and v > 0]
    if ward is None or ward < 0 or not vals:
        return None, "n/a"
    best = min(vals)
    return ward / best, f"{ward / best:.2f}"


def best_rounds(ranges, others):
    """ward's fastest round over the fastest round of the other three."""
    best = min(ranges[n][0] for n in others)
    return f"{ranges['ward'][0] / best:.2f}×" if best > 0 else "n/a"


def met_noise(r):
    return status(r is not None and r <= NOISE)


def status(ok):
    return "**MET**" if ok else "**MISSED**"


def report(ctx):
    names = ["ward", "tini", "dumb-init", "catatonit"]
    others = names[1:]
    lines = []
    add = lines.append
    kind = "BENCH_QUICK smoke run" if QUICK else "full run"
    add(f"## ward benchmark ({kind})")
    add("")
    add(f"- date: {ctx['date']}")
    add(f"- machine: Linux {platform.release()}, {cpu_model()}, "
        f"nproc {os.cpu_count()}")
    add(f"- {ctx['versions']}")
    add(f"- rounds: {P['rounds']}, inits interleaved round by round; "
        "figures are medians over the rounds")
    add("")
    add("| Figure | ward | tini (tini-static) | dumb-init | catatonit "
        "| ward / best of three | Required (SPEC 7) | Status |")
    add("|---|---|---|---|---|---|---|---|")

    sz = ctx["sizes"]

    def szc(n):
        b, st = sz[n]
        return f"{b:,} B ({'static' if st else 'dynamic'})"
    wsz = sz["ward"][0]
    _, rs = ratio(wsz, [sz[n][0] for n in others])
    goal = "goal 48 KiB " + ("met" if wsz <= 48 * 1024 else "not met")
    add(f"| Binary size | {szc('ward')} | {szc('tini')} | {szc('dumb-init')} "
        f"| {szc('catatonit')} | {rs} | static, ≤ 64 KiB ({goal}) "
        f"| {status(wsz <= 64 * 1024 and sz['ward'][1])} |")

    st, ste = ctx["startup"]
    _, rs = ratio(st["ward"], [st[n] for n in others])
    add(f"| Start-up cost per run: `INIT -- /bin/true` − `/bin/true` "
        f"({P['start_runs']} alternated runs × {P['rounds']}) | "
        + " | ".join(fmt_us(st[n]) for n in names) + f" | {rs} | — | — |")
    add("| Start-up cost per run: `INIT -- /bin/true` − `env /bin/true` | "
        + " | ".join(fmt_us(ste[n]) for n in names) + " | — | — | — |")

    rt = ctx["rtt"]
    med = rt["median_ns"]
    r, rs = ratio(med["ward"], [med[n] for n in others])
    add(f"| Signal round trip, median ({P['rtt_n']} acked SIGUSR1 × "
        f"{P['race_rounds']}, init as PID 1) | "
        + " | ".join(fmt_us(med[n]) for n in names)
        + f" | {rs} | ≤ best of three | {met_noise(r)} |")
    p99 = rt["p99_ns"]
    r, rs = ratio(p99["ward"], [p99[n] for n in others])
    add("| Signal round trip, p99 | "
        + " | ".join(fmt_us(p99[n]) for n in names) + f" | {rs} | — | — |")
    cpu = rt["init_cpu_ns"]
    r, rs = ratio(cpu["ward"], [cpu[n] for n in others])
    add("| Init CPU per forwarded signal (/proc/PID/schedstat) | "
        + " | ".join(fmt_us(cpu[n]) for n in names) + f" | {rs} | — | — |")

    st = ctx["storm"]
    sm = st["storm_ns"]
    r, rs = ratio(sm["ward"], [sm[n] for n in others])
    add(f"| Orphan storm: {P['storm_n']} orphans exit at once, until all "
        f"reaped ({P['race_rounds']} rounds) | "
        + " | ".join(fmt_ms(sm[n]) for n in names)
        + f" | {rs} | ≤ best of three | {met_noise(r)} |")
    cpu = st["init_cpu_ns"]
    r, rs = ratio(cpu["ward"], [cpu[n] for n in others])
    add("| Init CPU spent during the storm (reaping) | "
        + " | ".join(fmt_ms(cpu[n]) for n in names)
        + f" | {rs} | ≤ best of three (issue 13) | {met_noise(r)} |")

    tr = ctx["trickle"]["cpu"]
    n_, live_, step_ = P["trickle"]
    r, rs = ratio(tr["ward"], [tr[n] for n in others])
    add(f"| Init CPU while {n_:,} orphans exit one per {step_ // 1000} ms "
        f"beside {live_:,} live ones ({P['rounds']} rounds) | "
        + " | ".join(fmt_ms(tr[n]) for n in names)
        + f" | {rs} | — | — |")

    idle = ctx["idle"]

    def wake(n):
        v = idle.get(n)
        if v is None:
            return "n/a"
        s = str(v["vol"])
        return s + (f" (+{v['inv']} invol.)" if v["inv"] else "")

    def rss(n):
        v = idle.get(n)
        return "n/a" if v is None else f"{v['rss']} kB"

    iw = idle.get("ward")
    il = idle.get("ward --listen")
    _, rs = ratio(iw and iw["vol"], [idle[n]["vol"] for n in others
                                     if idle.get(n)])
    if iw and min(idle[n]["vol"] for n in others if idle.get(n)) == 0:
        rs = "—"
    add(f"| Idle wake-ups in {P['idle_s']} s (voluntary context switches) | "
        + " | ".join(wake(n) for n in names)
        + f" | {rs} | 0 "
        f"| {status(iw is not None and iw['vol'] + iw['inv'] == 0)} |")
    lsrv = f", after serving {il['served']} requests" if il else ""
    add(f"| Idle wake-ups in {P['idle_s']} s, ward `--listen`{lsrv} | "
        f"{wake('ward --listen')} | — | — | — | — | 0 "
        f"| {status(il is not None and il['vol'] + il['inv'] == 0)} |")
    r, rs = ratio(iw and iw["rss"], [idle[n]["rss"] for n in others
                                     if idle.get(n)])

    def rss_goal(v):
        return "≤ 100 kB (goal 64 kB " + (
            "met)" if v is not None and v["rss"] <= 64 else "not met)")
    add("| Idle RSS (VmRSS) | " + " | ".join(rss(n) for n in names)
        + f" | {rs} | {rss_goal(iw)} "
        f"| {status(iw is not None and iw['rss'] <= 100)} |")
    add(f"| Idle RSS (VmRSS), ward `--listen`{lsrv} | {rss('ward --listen')} "
        f"| — | — | — | — | {rss_goal(il)} "
        f"| {status(il is not None and il['rss'] <= 100)} |")
    add("")

    h = ctx["health"]
    add("| Health-check CPU (user+sys) | ward | curl -fsS | curl / ward "
        "| Required | Status |")
    add("|---|---|---|---|---|---|")
    if "check_ns" in h:
        q = h["curl_ns"] / h["check_ns"] if h["check_ns"] else 0
        add(f"| One `ward --check` vs one `curl -fsS` execution "
            f"({h['check_n']} each, getrusage of the child) | "
            f"{fmt_us(h['check_ns'])} | {fmt_us(h['curl_ns'])} | {q:.1f}× "
            "| — (1/50 of curl is the in-process probe's target) | — |")
    if "fhttp_ns" in h and "check_ns" in h:
        f = h["check_ns"] / h["fhttp_ns"] if h["fhttp_ns"] else 0
        lo, hi = h["check_range"]
        flo, fhi = h["fhttp_range"]
        ok = h["check_fails"] == 0 and h["fhttp_fails"] == 0 and f <= 1.3
        add(f"| One `ward --check` vs the floor: a static musl program that "
            f"makes one loopback HTTP request (bench/floorhttp.c); rounds "
            f"{fmt_us(lo)}–{fmt_us(hi)} vs {fmt_us(flo)}–{fmt_us(fhi)} | "
            f"{fmt_us(h['check_ns'])} | floor {fmt_us(h['fhttp_ns'])} "
            f"| ward / floor {f:.2f}× | ≤ 1.3× the floor (issue 13) "
            f"| {status(ok)} |")
    if "floor_ns" in h:
        q = h["curl_ns"] / h["floor_ns"] if h["floor_ns"] else 0
        add(f"| Floor, for reference: one execution of an empty static musl "
            f"program (`int main(void) {{ return 0; }}`) | "
            f"{fmt_us(h['floor_ns'])} | {fmt_us(h['curl_ns'])} | {q:.1f}× "
            "| — | — |")
    if "probe_ns" in h:
        q = h["curl_ns"] / h["probe_ns"] if h["probe_ns"] else 0
        add(f"| One in-process probe of a running ward (`--probe-interval "
            f"{P['probe_interval_ms']}ms`, {h['probe_n']} probes counted by "
            f"`ward_probe_total`, /proc/PID/schedstat) | "
            f"{fmt_us(h['probe_ns'])} | {fmt_us(h['curl_ns'])} | {q:.1f}× "
            f"| ≤ 1/50 of curl | {status(q >= 50 and h['probe_fail'] == 0)} |")
    else:
        add(f"| One in-process probe of a running ward | n/a | "
            f"{fmt_us(h.get('curl_ns'))} | — | ≤ 1/50 of curl | **MISSED** |")
    if ctx.get("shutdown"):
        add("")
        for ln in shutdown.rows(ctx["shutdown"]):
            add(ln)
    add("")
    add("Notes:")
    add("- Lower is better everywhere. \"ward / best of three\" divides "
        "ward's figure by the lowest of tini, dumb-init and catatonit; "
        f"\"≤ best\" counts as met up to {NOISE:.2f}× (run-to-run noise of "
        "a shared 2-core machine).")
    add("- Start-up: `/bin/true` and `env` are dynamically linked glibc "
        "programs, so `env /bin/true` pays the dynamic loader twice; a "
        "static init launches faster than env does, and the difference to "
        "env can be negative. The first start-up row (over running "
        "`/bin/true` directly) is the init's own cost: its exec, its fork, "
        "its exit.")
    add("- Debian's dumb-init is dynamically linked: its file size leaves out "
        "libc. tini-static and catatonit are static glibc builds.")
    add("- Signal round trip: benchhelper sends SIGUSR1 to the init (PID 1 "
        "of a fresh PID+mount namespace, as `unshare --pid --fork "
        "--mount-proc` makes) and waits for the child's one-byte ack on a "
        "pipe before the next; 200 warm-up trips are dropped. Per-round "
        "median ranges: " + ", ".join(
            f"{n} {fmt_us(ctx['rtt']['range'][n][0])}–"
            f"{fmt_us(ctx['rtt']['range'][n][1])}"
            for n in names) + "; best round against best round: "
        + best_rounds(ctx["rtt"]["range"], others) + ".")
    add("- Orphan storm: the child forks the orphans through a parent that "
        "exits, then closes the pipe they all wait on; the time runs until "
        "kill(pid, 0) gives ESRCH for every one (reaped; polled every "
        "~50 µs). It includes the orphans' own exit. Per-round ranges: "
        + ", ".join(f"{n} {fmt_ms(ctx['storm']['range'][n][0])}–"
                    f"{fmt_ms(ctx['storm']['range'][n][1])}" for n in names)
        + "; best round against best round: "
        + best_rounds(ctx["storm"]["range"], others)
        + ". The init's CPU is read from /proc/1/schedstat inside the "
        "namespace; on a VM it includes time the host took the vCPU away. "
        "Its per-round ranges: "
        + ", ".join(f"{n} {fmt_ms(ctx['storm']['cpu_range'][n][0])}–"
                    f"{fmt_ms(ctx['storm']['cpu_range'][n][1])}" for n in names)
        + ": almost all of it is the kernel's, and how much depends on how "
        "many of the orphans are still alive when the init reaps (each "
        "waitpid(-1) walks them), so on when the scheduler lets it run.")
    add("- Trickle: the same child, with live orphans forked first (they "
        "wait until the end) and each exiting one sleeping its turn after "
        "the release, so every waitpid(-1) of an init walks the live ones. "
        "Per-round ranges of the init's CPU: "
        + ", ".join(f"{n} {fmt_ms(ctx['trickle']['range'][n][0])}–"
                    f"{fmt_ms(ctx['trickle']['range'][n][1])}" for n in names)
        + ".")
    if iw:
        split = f"RssAnon {iw['anon']} + RssFile {iw['file']}"
        if il:
            split += (f", with `--listen` RssAnon {il['anon']} + RssFile "
                      f"{il['file']}")
        add(f"- VmRSS as the kernel reports it, read from /proc/PID/status "
            f"after the idle window; ward's is {split}. RssFile is the part "
            "of ward's own file mapped: after start-up ward unmaps its text "
            "and constants page by page apart (src/trim.c), so only the "
            "pages its loop has run since stay mapped; RssAnon is its data "
            "and bss pages written and its stack.")
    add("- Health: a tiny HTTP/1.1 server (benchhelper httpd) on 127.0.0.1 "
        "answers 200 `ok`. Per-execution CPU comes from wait4(2)'s rusage "
        "of each `ward --check URL` / `curl -fsS -o /dev/null URL` child "
        "(fork+exec+run+exit). The in-process figure is ward's own "
        "sum_exec_runtime growth while it made the counted probes (two "
        "/metrics scrapes included).")
    if "probe_error" in h:
        add(f"- In-process probe not measured: {h['probe_error']}")
    elif "probe_ns" in h and h["probe_fail"]:
        add(f"- {h['probe_fail']} of the in-process probes failed.")
    if ctx.get("shutdown"):
        add("- Shutdown of a tree: N processes that end on SIGTERM under the "
            "app (flat: all its children; chain: N generations), then "
            "SIGTERM to ward; ward's CPU is its sum_exec_runtime, read from "
            "/proc/PID/schedstat of the exited ward before it is reaped "
            "(benchhelper shutdown). Much of it is the kernel's: waitpid(2) "
            "scans every child still alive on each call.")
    for n in ctx["notes"] + h.get("notes", []):
        add(f"- {n}")
    return "\n".join(lines) + "\n"


def versions(inits):
    out = []
    for name, path, _ in inits:
        if name == "ward":
            try:
                r = subprocess.run([path, "--version"], capture_output=True,
                                   text=True, timeout=5, check=False)
                out.append((r.stdout or r.stderr).strip().splitlines()[0])
            except (OSError, IndexError, subprocess.TimeoutExpired):
                out.append("ward (version unknown)")
            continue
        pkg = {"tini": "tini"}.get(name, name)
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                           capture_output=True, text=True, check=False)
        out.append(f"{name} {r.stdout.strip() or '?'} (Debian)")
    return "versions: " + "; ".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ward", required=True)
    ap.add_argument("--helper", required=True)
    ap.add_argument("--out", default=None)
    ap.add_argument("--empty", default=None,
                    help="a static no-op program: the floor of --check")
    ap.add_argument("--floor", default=None,
                    help="bench/floorhttp.c built: the floor of --check")
    ap.add_argument("--tini", default=shutil.which("tini-static") or
                    "/usr/bin/tini-static")
    ap.add_argument("--dumb-init", default=shutil.which("dumb-init") or
                    "/usr/bin/dumb-init")
    ap.add_argument("--catatonit", default=shutil.which("catatonit") or
                    "/usr/bin/catatonit")
    a = ap.parse_args()
    ward = os.path.abspath(a.ward)
    helper = os.path.abspath(a.helper)
    if os.geteuid() != 0:
        sys.exit("bench: run as root (PID namespaces)")
    inits = [("ward", ward, [ward, "--"]),
             ("tini", a.tini, [a.tini, "--"]),
             ("dumb-init", a.dumb_init, [a.dumb_init, "--"]),
             ("catatonit", a.catatonit, [a.catatonit, "--"])]
    for _, path, _ in inits:
        if not os.access(path, os.X_OK):
            sys.exit(f"bench: {path} is missing")
    t0 = time.monotonic()
    ctx = {"date": datetime.datetime.now(datetime.timezone.utc)
           .strftime("%Y-%m-%d %H:%M UTC"), "versions": versions(inits),
           "notes": []}
    log("sizes")
    ctx["sizes"] = bench_sizes(inits)
    log("start-up")
    ctx["startup"] = bench_startup(inits, helper)
    log("signal round trip")
    ctx["rtt"] = bench_rtt(inits, helper)
    log("orphan storm")
    ctx["storm"] = bench_storm(inits, helper)
    log("orphan trickle")
    ctx["trickle"] = bench_trickle(inits, helper)
    log(f"idle ({P['idle_s']} s)")
    ctx["idle"], notes = bench_idle(inits, helper, ward)
    ctx["notes"] += notes
    log("health checks")
    try:
        ctx["health"] = bench_health(ward, helper, a.empty,
                                     a.floor and os.path.abspath(a.floor))
    except (RuntimeError, OSError, ValueError) as e:
        ctx["health"] = {"notes": [f"health section failed: {e}"],
                         "probe_error": str(e)}
    ctx["hostile"] = hostile.run(ward, helper)
    log("tree shutdown (1,000 and 8,000 processes)")
    ctx["shutdown"] = shutdown.bench(helper, ward, 1 if QUICK else 3)
    ctx["notes"].append(f"this run took {time.monotonic() - t0:.0f} s")
    text = report(ctx) + "\n".join(hostile.report(ctx["hostile"])) + "\n"
    print(text)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)
        log(f"report written to {a.out}")


if __name__ == "__main__":
    main()
