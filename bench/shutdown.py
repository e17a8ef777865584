"""shutdown.py: make bench's rows for the cost of shutting down a tree.

ward's CPU time and the wall time from SIGTERM until ward has exited, for a
tree of N processes that end on SIGTERM, flat (all children of the app) and
a chain (N generations), with ward as PID 1 of a fresh namespace and as a
subreaper. Linear cost means the 8,000 figure is about 8 times the 1,000
one. Driven by bench/run.py; the measuring is `benchhelper shutdown`
(bench/benchhelper.c).
"""

import os
import statistics
import subprocess

# BENCH_QUICK keeps the shapes, not the counts.
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
SIZES = (100, 800) if QUICK else (1000, 8000)


def measure(helper, ward, mode, n, shape):
    # The timeout is a hang catcher: a chain forks one generation per
    # scheduler slice on a busy machine.
    out = subprocess.run([helper, "shutdown", mode, str(n), shape, ward,
                          "-q", "--grace", "60s", "--"], capture_output=True,
                         text=True, timeout=3600, check=True).stdout
    return {k: int(v) for k, v in (t.split("=") for t in out.split())}


def bench(helper, ward, rounds):
    """{(mode, shape): {n: (median cpu ns, median wall ns)}}, interleaved."""
    got = {}
    for _ in range(rounds):
        for mode in ("pid1", "subreaper"):
            for shape in ("flat", "chain"):
                for n in SIZES:
                    r = measure(helper, ward, mode, n, shape)
                    got.setdefault((mode, shape, n), []).append(r)
    out = {}
    for (mode, shape, n), rs in got.items():
        out.setdefault((mode, shape), {})[n] = (
            statistics.median(r["init_cpu_ns"] for r in rs),
            statistics.median(r["shutdown_ns"] for r in rs),
            (min(r["init_cpu_ns"] for r in rs),
             max(r["init_cpu_ns"] for r in rs)))
    return out


def rows(res):
    """Markdown table lines."""
    lo, hi = SIZES
    lines = [f"| Shutdown of a tree (ward) | ward CPU, {lo:,} | ward CPU, "
             f"{hi:,} | CPU ratio (linear: {hi // lo}) | wall, {lo:,} | "
             f"wall, {hi:,} | Required | Status |",
             "|---|---|---|---|---|---|---|---|"]
    for (mode, shape), d in sorted(res.items()):
        ratio = d[hi][0] / d[lo][0] if d[lo][0] else float("inf")
        ok = ratio <= (hi / lo) * 1.5
        lines.append(
            f"| {mode}, {shape} | {d[lo][0] / 1e6:.1f} ms | "
            f"{d[hi][0] / 1e6:.1f} ms | {ratio:.1f}× | "
            f"{d[lo][1] / 1e6:.0f} ms | {d[hi][1] / 1e6:.0f} ms | "
            f"linear in N (ratio ≤ {hi / lo * 1.5:g}) | **{'MET' if ok else 'MISSED'}** |")
    return lines
