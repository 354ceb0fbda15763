"""Cost growth of every notebook from 1M order lines (``--scale 25``) to 10M (``--scale 250``).

Not a test: figures for ``benchmarks/README.md`` (issue 14, "Ten million order lines").

For each scale the script
- reuses ``benchmarks/out/sample_x<scale>`` (or generates it with ``workbench sample --scale``
  in a child process, timing it and taking its peak memory);
- runs every notebook once through ``workbench.runner.run`` with ``--jobs 1`` (one notebook at a
  time, so each kernel's memory is its own), sampling the resident memory of the runner and of
  every kernel every 0.2 s;
- prints seconds and peak memory per notebook, the runner's shared phases (validate and load,
  cache) and its own peak memory.

Then, for the notebooks measured at both scales, the growth ratio 10M / 1M of seconds and of
peak memory (linear = the ratio of order lines, about 10x), flagging a notebook over 150 s or
8 GiB. Figures are kept in ``benchmarks/out/bench_scale.json`` per scale, so the two scales can be
measured in separate invocations (``--scales 25`` now, ``--scales 250`` later) and compared by a
third (``--report``).

Usage::

    python benchmarks/bench_scale.py                      # scale 25 and 250
    python benchmarks/bench_scale.py --scales 250 --only 10_customer_segmentation
    python benchmarks/bench_scale.py --report             # print the stored figures only
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
STORE = OUT / "bench_scale.json"
LIMIT_S = 150.0
LIMIT_GIB = 8.0
GIB = 2 ** 30


class Sampler(threading.Thread):
    """Peak resident memory of this process and of each descendant process, sampled every ``every`` s."""

    def __init__(self, every: float = 0.2):
        super().__init__(daemon=True)
        self.every = every
        self.me = psutil.Process()
        self.self_peak = 0
        self.kids: dict[int, dict] = {}  # pid -> {"start": create_time, "peak": bytes, "kernel": bool}
        self._halt = threading.Event()  # not _stop: Thread has its own

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.every)

    def sample(self) -> None:
        try:
            self.self_peak = max(self.self_peak, self.me.memory_info().rss)
            kids = self.me.children(recursive=True)
        except psutil.Error:
            return
        for k in kids:
            try:
                rss = k.memory_info().rss
                rec = self.kids.get(k.pid)
                if rec is None:
                    cmd = " ".join(k.cmdline())
                    rec = self.kids[k.pid] = {"start": k.create_time(), "peak": 0,
                                              "kernel": "ipykernel" in cmd}
                rec["peak"] = max(rec["peak"], rss)
            except psutil.Error:
                continue

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.sample()

    def kernels(self) -> list[int]:
        """Peak bytes of each kernel process, in the order the kernels were started."""
        return [r["peak"] for r in sorted(self.kids.values(), key=lambda r: r["start"]) if r["kernel"]]


def slowest_cells(path: Path, k: int = 3) -> list[list]:
    """The ``k`` slowest code cells of an executed notebook: [seconds, first line of the source]."""
    import nbformat

    if not path.exists():
        return []
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    timed = [(float(c.metadata.get("papermill", {}).get("duration") or 0), c.source.strip().splitlines()[0][:70])
             for c in cells if c.source.strip()]
    return [[round(d, 1), src] for d, src in sorted(timed, reverse=True)[:k]]


def count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 24), b"")) - 1


def ensure_sample(scale: float) -> tuple[Path, dict | None]:
    """The sample folder of ``scale`` (generated in a child process when missing)."""
    data = OUT / f"sample_x{scale:g}"
    if (data / "truth.json").exists():
        return data, None
    print(f"generating sample x{scale:g} into {data} ...", flush=True)
    t = time.perf_counter()
    proc = psutil.Popen([sys.executable, "-m", "workbench.cli", "sample", "--out", str(data),
                         "--scale", f"{scale:g}"], cwd=ROOT)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.2)
    if proc.returncode:
        raise SystemExit(f"workbench sample --scale {scale:g} failed with exit code {proc.returncode}")
    gen = {"seconds": round(time.perf_counter() - t, 1), "peak_gib": round(peak / GIB, 2)}
    print(f"  generated in {gen['seconds']:.1f} s, peak {gen['peak_gib']:.2f} GiB", flush=True)
    return data, gen


def measure(scale: float, only: list[str] | None, timeout: float = 30.0) -> dict:
    """Run the notebooks on the sample of ``scale``; seconds and peak memory per notebook."""
    from workbench.runner import run

    data, gen = ensure_sample(scale)
    if (data / "orders.parquet").exists():  # large samples (workbench.sample.PARQUET_ROWS)
        import pyarrow.parquet as pq

        lines = pq.ParquetFile(data / "orders.parquet").metadata.num_rows
    else:
        lines = count_lines(data / "orders.csv")
    print(f"scale {scale:g}: {lines:,} order lines; running the notebooks one at a time ...", flush=True)
    sampler = Sampler()
    sampler.start()
    t = time.perf_counter()
    try:
        res = run(None, data_dir=data, out_dir=OUT / "reports_scale", jobs=1, only=only,
                  run_label=f"scale{scale:g}", force=True, timeout_minutes=timeout)
    finally:
        sampler.stop()
    wall = time.perf_counter() - t
    executed = [nb for nb in res.notebooks if nb.status != "skipped" and not nb.reused_from]
    kernels = sampler.kernels()
    if len(kernels) < len(executed):  # cannot tell which kernel ran which notebook
        kernels = [None] * len(executed)
    notebooks = {nb.stem: {"status": nb.status, "seconds": round(nb.seconds, 1),
                           "peak_gib": None if k is None else round(k / GIB, 2),
                           "slowest_cells": slowest_cells(res.path / "notebooks" / f"{nb.stem}.ipynb")}
                 for nb, k in zip(executed, kernels, strict=False)}
    return {
        "scale": scale, "order_lines": lines, "measured": dt.datetime.now().isoformat(timespec="minutes"),
        "run_id": res.run_id, "status": res.status, "wall_s": round(wall, 1),
        "phases_s": {k: v for k, v in res.phases.items()},
        "runner_peak_gib": round(sampler.self_peak / GIB, 2),
        "largest_kernel_gib": round(max([k for k in kernels if k] or [0]) / GIB, 2),
        "load_avg_1min_at_end": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        "generate": gen, "notebooks": notebooks,
    }


def show(m: dict) -> None:
    print(f"\nscale {m['scale']:g} ({m['order_lines']:,} order lines), measured {m['measured']}, "
          f"run {m['run_id']}: {m['status']}, wall {m['wall_s']:.1f} s")
    ph = m.get("phases_s") or {}
    print("  shared phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in ph.items()))
    print(f"  runner peak {m['runner_peak_gib']:.2f} GiB; load average at the end {m['load_avg_1min_at_end']}"
          f" on {m['cpus']} cpus")
    if m.get("generate"):
        print(f"  sample generated in {m['generate']['seconds']:.1f} s, peak {m['generate']['peak_gib']:.2f} GiB")
    print(f"  {'notebook':<28}{'status':<8}{'seconds':>9}{'peak GiB':>10}")
    for stem, r in m["notebooks"].items():
        peak = "?" if r["peak_gib"] is None else f"{r['peak_gib']:.2f}"
        flag = "  OVER" if r["seconds"] > LIMIT_S or (r["peak_gib"] or 0) > LIMIT_GIB else ""
        print(f"  {stem:<28}{r['status']:<8}{r['seconds']:>9.1f}{peak:>10}{flag}")
        for d, src in r.get("slowest_cells", []):
            print(f"      {d:>7.1f} s  {src}")


def compare(small: dict, big: dict) -> int:
    """Print the growth table; return the number of notebooks over a limit at the big scale."""
    ratio_lines = big["order_lines"] / small["order_lines"]
    print(f"\ngrowth from scale {small['scale']:g} to {big['scale']:g}: order lines x{ratio_lines:.2f} "
          f"(linear cost = x{ratio_lines:.2f}); limits {LIMIT_S:.0f} s and {LIMIT_GIB:.0f} GiB per notebook")
    print(f"  {'notebook':<28}{'s small':>9}{'s big':>9}{'x time':>8}{'GiB small':>11}{'GiB big':>9}{'x mem':>7}"
          "  verdict")
    over = 0
    for stem, b in big["notebooks"].items():
        s = small["notebooks"].get(stem)
        if s is None:
            continue
        xt = b["seconds"] / s["seconds"] if s["seconds"] else float("nan")
        xm = (b["peak_gib"] / s["peak_gib"]) if b["peak_gib"] and s["peak_gib"] else float("nan")
        problems = []
        if b["status"] != "ok":
            problems.append(b["status"])
        if b["seconds"] > LIMIT_S:
            problems.append(f"over {LIMIT_S:.0f} s")
        if (b["peak_gib"] or 0) > LIMIT_GIB:
            problems.append(f"over {LIMIT_GIB:.0f} GiB")
        if xt > ratio_lines * 1.1:
            problems.append("worse than linear")
        over += bool(problems)
        print(f"  {stem:<28}{s['seconds']:>9.1f}{b['seconds']:>9.1f}{xt:>8.1f}"
              f"{s['peak_gib'] or float('nan'):>11.2f}{b['peak_gib'] or float('nan'):>9.2f}{xm:>7.1f}"
              f"  {'; '.join(problems) or 'ok'}")
    ps, pb = small.get("phases_s", {}), big.get("phases_s", {})
    for k in ("validate_load", "cache"):
        if ps.get(k) and pb.get(k):
            print(f"  runner {k:<19}{ps[k]:>9.1f}{pb[k]:>9.1f}{pb[k] / ps[k]:>8.1f}")
    print(f"  runner peak memory {small['runner_peak_gib']:.2f} -> {big['runner_peak_gib']:.2f} GiB")
    return over


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[25.0, 250.0])
    ap.add_argument("--only", nargs="*", default=None, help="notebook stems or names (default: all)")
    ap.add_argument("--report", action="store_true", help="print the stored figures, measure nothing")
    ap.add_argument("--timeout-minutes", type=float, default=30.0,
                    help="a notebook running longer is stopped and reported as timed out")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    store = json.loads(STORE.read_text(encoding="utf-8")) if STORE.exists() else {}
    if not args.report:
        for scale in args.scales:
            m = measure(scale, args.only, args.timeout_minutes)
            old = store.get(f"{scale:g}", {}).get("notebooks", {})
            if args.only:  # keep the other notebooks' earlier figures
                m["notebooks"] = {**old, **m["notebooks"]}
            store[f"{scale:g}"] = m
            STORE.write_text(json.dumps(store, indent=2, ensure_ascii=False), encoding="utf-8")
    for key in sorted(store, key=float):
        show(store[key])
    over = 0
    if "25" in store and "250" in store:
        over = compare(store["25"], store["250"])
    print(f"\nfigures kept in {STORE}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
