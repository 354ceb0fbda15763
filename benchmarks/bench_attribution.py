"""Multi-touch attribution on one million generated journeys: time per step and peak memory.

    python benchmarks/bench_attribution.py                 # 1,000,000 journeys, 8 channels
    python benchmarks/bench_attribution.py --journeys 200000 --boot 50

Journeys have 1 to 10 touches (uniform) of 8 channels, a day apart; 10 % convert a day after
the last touch. Uniformly random paths are the worst case for the path grouping (about half a
million distinct paths for a million journeys). Timed: building the journeys, the distinct
paths and summaries, each rule-based model, the Markov order fit (orders 1-3), the Markov and
Shapley credit, and ``attribute`` with every model and a bootstrap (default 100 replicates).
The budget of issue 16: under 60 s and 4 GB on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np
import pandas as pd

import workbench.attribution as at


def generate(n: int, channels: int = 8, seed: int = 1, conversion: float = 0.1
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touches and outcomes of ``n`` random journeys (vectorised)."""
    rng = np.random.default_rng(seed)
    length = rng.integers(1, 11, n)
    journey = np.repeat(np.arange(n), length)
    start = np.datetime64("2026-01-01T00:00:00", "s") + rng.integers(0, 300 * 86400, n).astype("timedelta64[s]")
    offset = np.arange(len(journey)) - np.repeat(np.cumsum(length) - length, length)
    ids = pd.Series(np.arange(n)).astype(str).radd("J").astype("str")
    names = np.array([f"CH{i}" for i in range(channels)], dtype=object)
    touches = pd.DataFrame({
        "journey_id": ids.take(journey).reset_index(drop=True),
        "ts": (start[journey] + (offset * 86400).astype("timedelta64[s]")).astype("datetime64[ns]"),
        "channel_id": pd.array(names[rng.integers(0, channels, len(journey))], dtype="str"),
    })
    converted = rng.random(n) < conversion
    end = (start + (length * 86400).astype("timedelta64[s]")).astype("datetime64[ns]")
    outcomes = pd.DataFrame({
        "journey_id": ids,
        "converted": converted,
        "converted_at": np.where(converted, end, np.datetime64("NaT", "ns")),
        "value": np.where(converted, rng.gamma(2.0, 500.0, n), 0.0),
    })
    return touches, outcomes


def cpu_s() -> float:
    """CPU seconds used by this process: on a shared machine, closer to the idle wall time."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_gb() -> float:
    """Peak resident memory of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--journeys", type=int, default=1_000_000)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--boot", type=int, default=100)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    touches, outcomes = generate(args.journeys, args.channels)
    print(f"generated {len(outcomes):,} journeys, {len(touches):,} touches in "
          f"{time.perf_counter() - t0:.1f} s (not counted); peak {peak_gb():.2f} GB")

    steps: list[tuple[str, float, float]] = []

    def step(name, fn):
        t, c = time.perf_counter(), cpu_s()
        out = fn()
        steps.append((name, time.perf_counter() - t, cpu_s() - c))
        print(f"  {name:<38} wall {steps[-1][1]:7.2f} s   cpu {steps[-1][2]:7.2f} s   peak {peak_gb():.2f} GB",
              flush=True)
        return out

    j = step("build_journeys", lambda: at.build_journeys(touches, outcomes))
    step("distinct paths", lambda: (j.paths, j.path_steps))
    step("path_summary (lengths, top 20)", lambda: at.path_summary(j))
    for m in at.HEURISTIC_MODELS:
        step(f"heuristic {m}", lambda m=m: at.heuristic_credit(j, m))
    fit = step("markov_order_fit (orders 1-3)", lambda: at.markov_order_fit(j))
    order = int(fit.attrs["chosen"])
    step(f"markov_credit (order {order})", lambda: at.markov_credit(j, order))
    step("shapley_credit", lambda: at.shapley_credit(j))
    res = step(f"attribute (all models, n_boot={args.boot})",
               lambda: at.attribute(j, markov_order=order, n_boot=args.boot))
    # what a report runs: build, order fit, attribute (which repeats the point estimates)
    in_report = [s for s in steps if s[0].startswith(("build", "distinct", "path_summary", "markov_order",
                                                        "attribute"))]
    report, report_cpu = sum(s[1] for s in in_report), sum(s[2] for s in in_report)
    total = sum(s[1] for s in steps)
    print(f"{j.n_journeys:,} journeys, {len(j.paths):,} distinct paths, {j.conversions:,} conversions; "
          f"Markov order chosen: {order}")
    print(fit.to_string(index=False))
    print(res[res["model"].isin(["last_touch", "markov", "shapley"])].round(3).to_string(index=False))
    print(f"report path (build + paths + summary + order fit + attribute): wall {report:.1f} s, cpu {report_cpu:.1f} s; "
          f"all steps {total:.1f} s; peak memory {peak_gb():.2f} GB; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
