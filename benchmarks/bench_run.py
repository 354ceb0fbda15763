"""Benchmark of ``workbench run`` on a 1,000,000-line sample (not a test: figures go in the issue note).

Measures
- wall time of the whole run and per notebook;
- peak memory (max resident set) of the runner process and of the largest kernel;
- the runner's own cost per notebook: everything but the cells' own execution
  (kernel start, parameter injection, HTML export, tables, validation, publishing),
  against the floor of an empty notebook run through the papermill Python API.

Usage: ``python benchmarks/bench_run.py [--scale 25] [--jobs 1] [--only NAME ...]
[--lead-scale X] [--reps N] [--regions N]``

The KPI benchmark of issue 6 (1M order lines, 500k leads, 2,000 reps):
``python benchmarks/bench_run.py --scale 25 --lead-scale 50 --reps 2000 --only kpi_review``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def empty_notebook_floor(repeats: int = 3, cells: int = 1) -> float:
    """Median seconds to run a notebook of ``cells`` trivial cells through the papermill Python API."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "empty.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
        nb.cells += [nbformat.v4.new_code_cell("x") for _ in range(cells - 1)]
        nbformat.write(nb, src)
        for _ in range(repeats):
            t = time.perf_counter()
            pm.execute_notebook(str(src), str(Path(tmp) / "out.ipynb"), parameters={"x": 2},
                                kernel_name="python3", progress_bar=False)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=25.0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--lead-scale", type=float, default=None, help="leads size factor (default --scale)")
    ap.add_argument("--reps", type=int, default=None, help="split the sample's 60 reps into this many")
    ap.add_argument("--regions", type=int, default=None, help="split the sample's 7 regions into this many")
    args = ap.parse_args()

    from workbench.runner import run
    from workbench.sample import generate_sample

    name = f"sample_x{args.scale:g}" + (f"_leads{args.lead_scale:g}" if args.lead_scale else "") + (
        f"_reps{args.reps}" if args.reps else "") + (f"_regions{args.regions}" if args.regions else "")
    data = OUT / name
    if not (data / "orders.csv").exists():
        t = time.perf_counter()
        generate_sample(data, scale=args.scale, lead_scale=args.lead_scale, reps=args.reps, regions=args.regions)
        print(f"generated sample x{args.scale:g} in {time.perf_counter() - t:.1f} s")
    lines = sum(1 for _ in open(data / "orders.csv", encoding="utf-8")) - 1
    leads = sum(1 for _ in open(data / "leads.csv", encoding="utf-8")) - 1
    reps = sum(1 for _ in open(data / "reps.csv", encoding="utf-8")) - 1
    print(f"orders: {lines:,} lines; leads: {leads:,}; reps: {reps:,}")

    floor = empty_notebook_floor()
    print(f"floor (empty notebook via papermill API): {floor:.2f} s")

    t = time.perf_counter()
    res = run(None, data_dir=data, out_dir=OUT / "reports", jobs=args.jobs, only=args.only, run_label="bench")
    wall = time.perf_counter() - t
    info = json.loads((res.path / "run.json").read_text(encoding="utf-8"))

    rows = []
    for nbres in res.notebooks:
        if nbres.status == "skipped":
            continue
        executed = nbformat.read(res.path / "notebooks" / f"{nbres.stem}.ipynb", as_version=4)
        cells = sum(float(c.metadata.get("papermill", {}).get("duration") or 0) for c in executed.cells)
        n_cells = sum(c.cell_type == "code" for c in executed.cells)
        rows.append({"notebook": nbres.stem, "status": nbres.status, "total_s": nbres.seconds, "code_cells": n_cells,
                     "floor_same_cells_s": round(empty_notebook_floor(cells=n_cells), 2),
                     "cells_s": round(cells, 2), "runner_own_s": round(nbres.seconds - cells, 2)})
    n = max(len(rows), 1)
    shared = wall - sum(r["total_s"] for r in rows) if args.jobs == 1 else None
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nrun {res.run_id}: {res.status}; wall {wall:.1f} s with --jobs {args.jobs}")
    print(f"{'notebook':<28}{'status':<8}{'total s':>9}{'cells s':>9}{'runner s':>10}")
    for r in rows:
        print(f"{r['notebook']:<28}{r['status']:<8}{r['total_s']:>9.2f}{r['cells_s']:>9.2f}{r['runner_own_s']:>10.2f}")
    if res.phases:
        print("shared phases (s): " + ", ".join(f"{k} {v:.2f}" for k, v in res.phases.items() if k != "notebooks"))
    if shared is not None:
        print(f"shared run cost (validate + load once, cache, index, publish): {shared:.2f} s "
              f"= {shared / n:.2f} s per notebook")
        per_nb = statistics.mean(r["runner_own_s"] for r in rows) + shared / n
        print(f"runner's own cost per notebook: {per_nb:.2f} s = {per_nb / floor:.2f}x the floor ({floor:.2f} s)")
    for r in rows:
        print(f"{r['notebook']}: runner's own cost {r['runner_own_s']:.2f} s against papermill's floor for "
              f"{r['code_cells']} trivial cells {r['floor_same_cells_s']:.2f} s = "
              f"{r['runner_own_s'] / r['floor_same_cells_s']:.2f}x (shared validation not included)")
    for r in rows:
        print(f"{r['notebook']}: runner's own cost {r['runner_own_s']:.2f} s = "
              f"{r['runner_own_s'] / floor:.2f}x the empty-notebook floor ({floor:.2f} s)")
    print(f"peak memory: runner {self_rss:,.0f} MiB, largest kernel {child_rss:,.0f} MiB")
    (OUT / "last_benchmark.json").write_text(json.dumps({
        "scale": args.scale, "order_lines": lines, "jobs": args.jobs, "wall_s": round(wall, 2),
        "floor_s": round(floor, 3), "notebooks": rows, "shared_s": shared,
        "peak_rss_mib": {"runner": round(self_rss), "largest_kernel": round(child_rss)},
        "run_seconds_in_run_json": info["seconds"], "phases_s": res.phases}, indent=2), encoding="utf-8")
    return 0 if res.ok else 1


if __name__ == "__main__":
    sys.exit(main())
