"""Benchmark of fan-out: one report per region with ``--jobs 2`` against one by one (``--jobs 1``).

Usage: ``python benchmarks/bench_fanout.py [--dimension region] [--only kpi_review channel_evaluation]
[--regions 30]``

``--regions N`` runs on the default-size sample with its seven regions split into
``N`` (``workbench sample --regions N``), the set-up of issue 8's benchmark.
Figures go in the issue note; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dimension", default="region")
    ap.add_argument("--only", nargs="+", default=["kpi_review", "channel_evaluation"])
    ap.add_argument("--data", default=str(ROOT / "data" / "sample"))
    ap.add_argument("--regions", type=int, default=None, help="split the default sample's regions into N")
    args = ap.parse_args()

    from workbench.runner import run
    from workbench.sample import generate_sample

    if args.regions:
        data = OUT / f"sample_x1_regions{args.regions}"
        if not (data / "orders.csv").exists():
            generate_sample(data, scale=1.0, regions=args.regions)
        args.data = str(data)

    results = {}
    for jobs in (2, 1):
        t = time.perf_counter()
        res = run(None, data_dir=args.data, out_dir=OUT / "fanout", jobs=jobs, only=args.only,
                  fan_out=f"{args.dimension}=all", run_label=f"bench-j{jobs}", progress=False)
        wall = time.perf_counter() - t
        info = json.loads((res.path / "run.json").read_text(encoding="utf-8"))
        patches = info["fan_out"]["patches"]
        results[jobs] = {"wall_s": round(wall, 1), "status": res.status, "patches": len(patches),
                         "reports": sum(n["status"] == "ok" for p in patches for n in p["notebooks"])}
        print(f"--jobs {jobs}: {wall:.1f} s, {results[jobs]['patches']} patches, "
              f"{results[jobs]['reports']} reports ok, status {res.status}")
    ratio = results[1]["wall_s"] / results[2]["wall_s"]
    print(f"speed-up of --jobs 2 over one by one: {ratio:.2f}x")
    (OUT / "last_fanout_benchmark.json").write_text(json.dumps({"runs": results, "speedup": round(ratio, 2)},
                                                               indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
