"""Benchmark of the Dask fan-out: one report per region on a local cluster of two workers against one.

Usage: ``python benchmarks/bench_dask.py [--regions 30] [--notebooks kpi_review channel_evaluation]
[--keep] [--verbose]``

In one process: the default-size sample with its seven regions split into ``--regions``
(``workbench sample --regions N``, kept in ``benchmarks/out/`` for the next run) is run with
``--for region=all --only <notebooks> --force`` into a fresh reports folder, first on a local
dask.distributed cluster of ONE worker process (``dask scheduler`` and
``dask worker --nworkers 1 --nthreads 1`` started as a user would, on 127.0.0.1 only), then on a
fresh cluster of TWO worker processes (``--nworkers 2``). Every process it starts is stopped at
the end, whatever happens. The workers run with one BLAS/OpenMP thread each
(``OMP_NUM_THREADS=1`` ...); their kernels inherit it.

It prints, for each run: the wall time, whether the run published whole (status ok, complete,
every patch ok, every page on disk, nothing left in staging), the runner's phases (validation and
loading, the dataset slices pickled, the notebooks, publishing), the tasks' own times from
``run.json`` split by the executed notebooks' cell times (kernel start and papermill, imports,
data loading, the analysis), the workers' busy time and the gaps between their tasks from the
scheduler's task stream, and how busy the machine's cores were (all users) during the run.
Then the speed-up of two workers over one (issue 14 target: at least 1.8x on two cores) and the
bound the run's serial part allows. Figures go to ``benchmarks/out/last_dask_benchmark.json``;
nothing here is asserted. On a shared machine the figures are under contention: read the
``machine busy`` line next to them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
DASK = str(Path(sys.executable).parent / "dask")
# one BLAS/OpenMP thread per worker process (the nanny sets the first three too); kernels inherit them
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the process group (the nanny stops its workers, they stop their kernels), then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


@contextmanager
def local_cluster(nworkers: int, logs: Path):
    """A real ``dask scheduler`` and ``dask worker --nworkers N --nthreads 1`` on 127.0.0.1; yields
    ``(address, client)`` once all N workers are registered, and stops both processes at the end."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **THREAD_ENV}
    procs = []
    client = None
    try:
        for name, args in (
            ("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]),
            ("workers", ["worker", address, "--nworkers", str(nworkers), "--nthreads", "1",
                         "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{nworkers}"]),
        ):
            with open(logs / f"{name}-{nworkers}.log", "wb") as log:
                procs.append(subprocess.Popen([DASK, *args], stdout=log, stderr=subprocess.STDOUT, env=env,
                                              cwd=ROOT, start_new_session=True))
        deadline = time.monotonic() + 120
        while True:
            if any(p.poll() is not None for p in procs):
                raise RuntimeError(f"a dask process ended early; see the logs in {logs}")
            try:
                client = client or Client(address, timeout="5s", set_as_default=False)
                if len(client.scheduler_info()["workers"]) == nworkers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the scheduler and {nworkers} worker(s) did not come up within 120 s")
            time.sleep(0.5)
        yield address, client
    finally:
        if client is not None:
            client.close()
        for p in reversed(procs):  # workers first
            _stop(p)


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat (every user's processes)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _cell_split(nb_path: Path) -> dict[str, float]:
    """Seconds an executed notebook spent in its imports, its data loading and the rest of its cells
    (papermill's per-cell durations)."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    out = {"imports": 0.0, "load": 0.0, "analysis": 0.0}
    for cell in nb.cells:
        d = (cell.get("metadata", {}).get("papermill") or {}).get("duration")
        if cell.cell_type != "code" or d is None:
            continue
        src = cell.source
        kind = "load" if "wb.load(" in src else "imports" if src.lstrip().startswith(("import ", "from ")) else "analysis"
        out[kind] += float(d)
    return out


def _stats(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    if not xs:
        return {"n": 0}
    return {"n": len(xs), "sum": round(sum(xs), 1), "mean": round(sum(xs) / len(xs), 2),
            "median": round(xs[len(xs) // 2], 2), "max": round(xs[-1], 2)}


def check_whole(res, info: dict, out_dir: Path, notebooks: int) -> tuple[bool, str]:
    """Whether a fan-out run published whole, and a one-line account.

    Whole: the run folder is in place (out of staging, nothing left there), its status is ok, no
    patch failed, every patch with data has every selected notebook ok and its page on disk. An
    ``--only`` run into a fresh reports folder is not ``complete`` (no earlier run to fill in the
    other notebooks from), so ``latest`` rightly stays where it was: shown, not required.
    """
    patches = (info.get("fan_out") or {}).get("patches", [])
    by = {s: sum(p["status"] == s for p in patches) for s in ("ok", "skipped", "failed")}
    pages = missing = 0
    for p in patches:
        for n in p["notebooks"]:
            if n["status"] == "ok":
                page = res.path / p["folder"] / (n.get("html") or "-")
                pages += page.is_file()
                missing += not page.is_file()
    ran = [n for p in patches for n in p["notebooks"] if n["status"] == "ok"]
    staging = out_dir / ".staging"
    left = list(staging.iterdir()) if staging.is_dir() else []
    latest = out_dir / "latest"
    latest_moved = latest.is_symlink() and os.readlink(latest) == res.run_id
    whole = (res.status == "ok" and res.path.parent == out_dir and (res.path / "run.json").is_file()
             and by["failed"] == 0 and missing == 0 and len(ran) == notebooks * by["ok"] and not left)
    return whole, (f"status {res.status}, {len(patches)} patches ({by['ok']} ok, {by['skipped']} skipped, "
                   f"{by['failed']} failed), {len(ran)} reports ok, {pages} pages on disk"
                   f"{f', {missing} missing' if missing else ''}, staging {'left behind' if left else 'clean'}; "
                   f"complete {info.get('complete')}, latest {'moved' if latest_moved else 'not moved'}")


def measure(nworkers: int, data: Path, notebooks: list[str], out_root: Path, verbose: bool) -> dict:
    """One fan-out run on a fresh local cluster of ``nworkers`` workers."""
    from workbench.runner import run

    out_dir = out_root / f"workers{nworkers}"
    shutil.rmtree(out_dir, ignore_errors=True)  # a fresh reports folder: nothing to reuse
    cpu_children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with local_cluster(nworkers, out_root / "logs") as (address, client):
        client.get_task_stream()  # starts the scheduler's task-stream recording
        cpu_self0 = resource.getrusage(resource.RUSAGE_SELF)
        busy0, total0 = _cpu_jiffies()
        t_stream = time.time()
        t0 = time.perf_counter()
        res = run(None, data_dir=data, out_dir=out_dir, only=notebooks, fan_out="region=all", force=True,
                  scheduler=address, run_label=f"dask-w{nworkers}", progress=verbose)
        wall = time.perf_counter() - t0
        busy1, total1 = _cpu_jiffies()
        cpu_self1 = resource.getrusage(resource.RUSAGE_SELF)
        load = os.getloadavg()
        stream = client.get_task_stream(start=t_stream)
    cpu_children1 = resource.getrusage(resource.RUSAGE_CHILDREN)

    info = json.loads((res.path / "run.json").read_text(encoding="utf-8"))
    whole, account = check_whole(res, info, out_dir, len(notebooks))
    phases = getattr(res, "phases", None) or {}
    serial = wall - phases.get("notebooks", 0.0)

    tasks, split = [], {"kernel_and_papermill": [], "imports": [], "load": [], "analysis": [], "export": []}
    for p in info["fan_out"]["patches"]:
        for n in p["notebooks"]:
            if n["status"] != "ok" or n.get("reused_from") or "execute" not in n.get("timings", {}):
                continue  # failed tasks have no timings
            tasks.append(n["seconds"])
            nb = res.path / p["folder"] / "notebooks" / f"{n['stem']}.ipynb"
            cells = _cell_split(nb) if nb.is_file() else {}
            if cells:
                execute = n["timings"]["execute"]
                split["kernel_and_papermill"].append(execute - sum(cells.values()))
                for k, v in cells.items():
                    split[k].append(v)
            split["export"].append(n.get("timings", {}).get("export", 0.0))

    # the scheduler's view: each worker's busy time, and the gap between one task's end and its next start
    per_worker: dict[str, list[tuple[float, float]]] = {}
    for rec in stream:
        if not str(rec.get("key", "")).startswith("workbench-"):
            continue
        for ss in rec.get("startstops", []):
            if ss.get("action") == "compute":
                per_worker.setdefault(rec["worker"], []).append((ss["start"], ss["stop"]))
    gaps, busy_by_worker = [], {}
    for w, spans in per_worker.items():
        spans.sort()
        busy_by_worker[w] = round(sum(b - a for a, b in spans), 1)
        gaps += [b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False)]

    cores = os.cpu_count() or 1
    machine_busy = (busy1 - busy0) / max(total1 - total0, 1)  # fraction of all cores, every user
    ours = ((cpu_children1.ru_utime + cpu_children1.ru_stime) - (cpu_children0.ru_utime + cpu_children0.ru_stime)
            + (cpu_self1.ru_utime + cpu_self1.ru_stime) - (cpu_self0.ru_utime + cpu_self0.ru_stime))
    return {
        "workers": nworkers, "wall_s": round(wall, 1), "runner_s": res.seconds, "whole": whole, "status": account,
        "run_id": res.run_id, "phases_s": phases, "serial_s": round(serial, 1),
        "tasks_s": _stats(tasks), "task_split_s": {k: _stats(v) for k, v in split.items()},
        "worker_busy_s": busy_by_worker, "dispatch_gap_s": _stats(gaps),
        "machine_busy": round(machine_busy, 2), "cores": cores, "loadavg_1_5_15": [round(x, 2) for x in load],
        "our_cpu_s": round(ours, 1),
    }


def report(r: dict) -> None:
    ph = r["phases_s"]
    print(f"\n{r['workers']} worker(s): wall {r['wall_s']:.1f} s; {'published whole' if r['whole'] else 'NOT WHOLE'}: "
          f"{r['status']}")
    print(f"  runner phases: validate+load {ph.get('validate_load', '?')} s, slices pickled {ph.get('cache', '?')} s, "
          f"notebooks {ph.get('notebooks', '?')} s, publish {ph.get('publish', '?')} s; "
          f"serial (all but the notebooks) {r['serial_s']} s")
    t = r["tasks_s"]
    if t["n"]:
        print(f"  {t['n']} tasks: {t['sum']} s in all, mean {t['mean']} s, median {t['median']} s, max {t['max']} s")
        parts = ", ".join(f"{k} {v['mean']}" for k, v in r["task_split_s"].items() if v["n"])
        print(f"  mean per task (s): {parts}")
    g = r["dispatch_gap_s"]
    print(f"  scheduler: busy per worker {r['worker_busy_s']} s; gap between a worker's tasks "
          f"mean {g.get('mean', '-')} s, max {g.get('max', '-')} s")
    print(f"  machine busy {r['machine_busy'] * 100:.0f}% of {r['cores']} cores (every user); this benchmark's "
          f"processes used about {r['our_cpu_s']} CPU s, cluster start-up included "
          f"({r['our_cpu_s'] / r['wall_s']:.2f} cores); "
          f"load average {r['loadavg_1_5_15']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=30, help="split the default sample's seven regions into N (at least 7)")
    ap.add_argument("--notebooks", nargs="+", default=["kpi_review", "channel_evaluation"],
                    help="notebooks run for every region (names or stems)")
    ap.add_argument("--keep", action="store_true", help=f"keep the reports of both runs (in {OUT / 'dask'})")
    ap.add_argument("--verbose", action="store_true", help="the runner's progress lines")
    args = ap.parse_args()
    if args.regions < 7:
        ap.error(f"--regions {args.regions}: the sample has seven regions; ask for at least 7")

    from workbench.sample import generate_sample

    data = OUT / f"sample_x1_regions{args.regions}"
    if not (data / "orders.csv").exists():
        print(f"generating the sample with {args.regions} regions in {data} ...")
        generate_sample(data, scale=1.0, regions=args.regions)
    out_root = OUT / "dask"
    results = {}
    try:
        for n in (1, 2):
            print(f"running {args.regions} regions x {len(args.notebooks)} notebooks on {n} Dask worker(s) ...",
                  flush=True)
            results[n] = measure(n, data, args.notebooks, out_root, args.verbose)
            report(results[n])
            (OUT / "last_dask_benchmark.json").write_text(  # kept even if the next run is interrupted
                json.dumps({"regions": args.regions, "notebooks": args.notebooks, "runs": results},
                           indent=2, default=str), encoding="utf-8")
    finally:
        if not args.keep:
            for n in (1, 2):
                shutil.rmtree(out_root / f"workers{n}", ignore_errors=True)
    one, two = results[1], results[2]
    speedup = one["wall_s"] / two["wall_s"]
    # Amdahl: the one-worker run's serial part stays, its notebooks phase halves at best
    nb1 = one["phases_s"].get("notebooks", one["wall_s"] - one["serial_s"])
    bound = one["wall_s"] / (one["serial_s"] + nb1 / 2)
    print(f"\nspeed-up of two workers over one: {speedup:.2f}x (target 1.8x; "
          f"{'met' if speedup >= 1.8 else 'NOT met'}); bound from the serial part: {bound:.2f}x; "
          f"both runs whole: {one['whole'] and two['whole']}")
    print("the machine is shared: read the 'machine busy' lines; figures are under contention when it is "
          "above what this benchmark's processes use")
    summary = {"regions": args.regions, "notebooks": args.notebooks, "runs": results,
               "speedup": round(speedup, 2), "serial_bound": round(bound, 2),
               "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    (OUT / "last_dask_benchmark.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    return 0 if one["whole"] and two["whole"] else 1


if __name__ == "__main__":
    sys.exit(main())
