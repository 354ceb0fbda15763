"""Incremental runs, side by side in one process: a full run, the same run again with nothing
changed, and a run after one notebook's parameter changed.

    .venv/bin/python benchmarks/bench_reuse.py [--jobs 2] [--params params/sample.yaml]

Prints the runner time of each (``RunResult.seconds``: from the call to the published run, the
Python start-up and ``pip`` not counted) and what was executed or reused. Targets (issue 14):
nothing changed under 2 s; one parameter changed re-executes that notebook and the executive
summary alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", default=str(ROOT / "params" / "sample.yaml"))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    from workbench import runner

    out = Path(tempfile.mkdtemp(prefix="bench-reuse-"))
    cfg = yaml.safe_load(Path(args.params).read_text(encoding="utf-8"))
    cfg["data_dir"] = str((ROOT / cfg.get("data_dir", "data/sample")).resolve())
    params = out / "params.yaml"
    params.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")

    def timed(label: str, **kw):
        t0 = time.perf_counter()
        res = runner.run(params, out_dir=out / "reports", jobs=args.jobs, progress=False, **kw)
        wall = time.perf_counter() - t0
        executed = sorted(r.stem for r in res.notebooks if r.status == "ok" and not r.reused_from)
        reused = sorted(r.stem for r in res.notebooks if r.reused_from)
        print(f"{label:<34} {res.status:<6} runner {res.seconds:7.2f} s  (wall {wall:6.2f} s)  "
              f"executed {len(executed)}: {', '.join(executed) or '-'}; reused {len(reused)}")
        return res

    timed("full run (--force)", force=True)
    timed("again, nothing changed")
    cfg.setdefault("notebooks", {}).setdefault("00_data_quality", {})["top_fixes"] = 7
    params.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    timed("00_data_quality top_fixes changed")
    print(f"reports in {out / 'reports'}")


if __name__ == "__main__":
    main()
