"""Run the notebooks through papermill and publish their HTML reports atomically.

A run is plan → execute → publish, one run at a time per reports folder (:mod:`.lock`):

1. **plan** (:mod:`.plan`): validate the params file (every notebook's section) before
   anything is touched; select the notebooks; fingerprint what their results depend on and
   find the ones an earlier run already made (:mod:`workbench.reuse`). When nothing changed
   the run is published from those at once. Otherwise the dataset is validated and loaded
   once (a data error publishes nothing) and handed to every notebook as a cache folder,
   one pickle per table, which a notebook reads as it uses the tables (:mod:`.cache`);
2. **execute** (:mod:`.execute`): each notebook runs through the papermill Python API into
   a staging folder, on kernels started ahead of need, in this process, in a process pool
   (``jobs``) or on a Dask cluster (``scheduler``); one failing notebook does not stop the
   others; "cell n of m" progress while they run;
3. **publish** (:mod:`.publish`, :mod:`.pages`): pages without code (offline), headlines
   and result tables, ``run.json`` and the index pages are written in staging, which is
   renamed to ``reports/<run-id>/`` in one step; ``reports/latest`` moves only when every
   notebook succeeded. A failed run is kept under its own id; ``latest`` keeps the last
   good one. Ctrl-C, a full disk or a bug leave nothing behind.

Names that tests and callers replace (``NOTEBOOKS``, ``load_dataset``, ``_run_one``, ``_say``,
``_package_versions``, ``PROGRESS_EVERY``) are looked up on this package when they are used.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from pathlib import Path

from workbench import paths
from workbench.data.loader import Dataset, load_dataset
from workbench.exceptions import RunError
from workbench.notebooks import NOTEBOOKS, NotebookSpec
from workbench.params import RunConfig, load_run_config, validate
from workbench.runner.results import NotebookResult, Patch, RunResult  # isort: split

from workbench.runner.cache import read_cache
from workbench.runner.execute import (
    Executor,
    Progress,
    _dask_client,
    _execute_on_dask,
    _plain,
    _run_one,
    _worker_init,
)
from workbench.runner.kernels import (
    KernelPool,
    _alive,
    _close_kernels,
    _engine,
    _ipc_kernel_manager,
    _kernels,
    _kill,
)
from workbench.runner.lock import (
    LOCK,
    STAGING,
    DiskFull,
    RunLock,
    check_writable,
    clean_leftovers,
    is_disk_full,
    writing,
)
from workbench.runner.pages import (
    TEMPLATES,
    UI,
    _exporter,
    export_html,
    headline_of,
    index_name,
    langs_of,
    write_fanout_index,
    write_index,
)
from workbench.runner.plan import (
    PACKAGES,
    Plan,
    _keys,
    _new_run_id,
    _other_href,
    _package_versions,
    _params,
    _reuse_one,
    select_notebooks,
)
from workbench.runner.publish import (
    _latest_target,
    _publish_reused,
    _tables_differ,
    fold_translations,
    point_latest,
    previous_run,
    publish,
    write_history,
)

DEFAULT_TIMEOUT_MINUTES = 30.0
PROGRESS_EVERY = 10.0
"""Seconds between two "cell n of m" lines of one running notebook."""

_Patch = Patch


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _quiet(msg: str) -> None:
    pass


def run(
    params_file: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    only: list[str] | None = None,
    jobs: int = 1,
    out_dir: str | Path | None = None,
    notebooks_dir: str | Path | None = None,
    run_label: str | None = None,
    progress: bool = True,
    quiet: bool = False,
    fan_out: str | None = None,
    timeout_minutes: float | None = None,
    wait: bool = True,
    force: bool = False,
    scheduler: str | None = None,
) -> RunResult:
    """Run the notebooks on a dataset and publish their reports.

    Parameters
    ----------
    params_file : path, optional
        A ``params/*.yaml`` file; defaults apply without one.
    data_dir : path, optional
        Overrides ``data_dir`` of the params file.
    only : list of str, optional
        Notebook stems (``00_data_quality``) or names (``data_quality``) to run.
    jobs : int
        Notebooks executed in parallel.
    out_dir : path, optional
        Where runs are published (default ``reports/``).
    notebooks_dir : path, optional
        Where the notebooks are (default ``notebooks/``).
    progress : bool
        Print what the run does on stderr (False: nothing at all).
    quiet : bool
        Print only failures and the final line (for cron): no progress lines.
    fan_out : str, optional
        ``region=all``, ``channel=CH01,CH02``, ``team=all``: run the notebooks once per
        value on the data filtered to it (see :mod:`workbench.fanout`), under one index.
    timeout_minutes : float, optional
        A notebook still running after this long is stopped and shown as failed ("timed out
        after N min"); the others go on. Default :data:`DEFAULT_TIMEOUT_MINUTES`.
    wait : bool
        When another run is publishing into ``out_dir``, wait for it (default) or fail at once.
    force : bool
        Execute every notebook, even those whose earlier result could be reused
        (:mod:`workbench.reuse`).
    scheduler : str, optional
        ``tcp://host:8786``: execute the notebooks (and fan-out patches) as tasks on that
        dask.distributed cluster instead of local worker processes (default: params'
        ``scheduler``). Workers need the project installed and the reports and data
        folders on a path they all see (docs/scheduling.md).

    Returns
    -------
    RunResult
        ``status`` is ``ok`` only when no notebook failed.

    Raises
    ------
    ParamsError, DataError, RunError
        Before anything is executed or published.
    DiskFull
        A :class:`RunError`: the device filled up; nothing was published, ``latest`` is unchanged.
    """
    t_start = time.perf_counter()
    started = dt.datetime.now().isoformat(timespec="seconds")
    warn = sys.modules[__name__]._say if progress else _quiet  # failures and the final line
    say = _quiet if quiet else warn
    out_dir = paths.resolve(out_dir or paths.REPORTS_DIR, Path.cwd())
    notebooks_dir = paths.resolve(notebooks_dir or paths.NOTEBOOKS_DIR, Path.cwd())
    if jobs < 1:
        raise RunError(f"--jobs must be 1 or more, got {jobs}")
    if timeout_minutes is not None and timeout_minutes <= 0:
        raise RunError(f"--timeout-minutes must be positive, got {timeout_minutes}")
    cfg = load_run_config(params_file, sys.modules[__name__].NOTEBOOKS)  # ParamsError: nothing is made
    if data_dir is not None:
        cfg = validate(RunConfig, {**cfg.model_dump(), "data_dir": str(paths.resolve(data_dir, Path.cwd()))},
                       where="--data")
    limit = float(timeout_minutes) if timeout_minutes is not None else cfg.timeout_minutes
    check_writable(out_dir)  # before the validation, not after it
    try:
        with RunLock(out_dir, wait=wait, say=say):
            plan = Plan.make(params_file, cfg, only=only, notebooks_dir=notebooks_dir, out_dir=out_dir,
                             fan_out=fan_out, run_label=run_label, force=force, say=say, limit=limit,
                             progress=not quiet and progress, t_start=t_start, started=started)
            reused = plan.all_reused()
            if reused is not None:  # nothing changed: publish without validating or starting a kernel
                return _publish_reused(plan, *reused)
            return _execute_and_publish(plan, jobs=jobs, scheduler=scheduler or cfg.scheduler or None, warn=warn)
    except OSError as exc:
        if is_disk_full(exc):  # one the steps did not name: the reports folder is the place
            raise DiskFull(exc.filename or out_dir) from None
        raise


def _execute_and_publish(plan: Plan, *, jobs: int, scheduler: str | None, warn) -> RunResult:
    """Validate and load the data, execute what cannot be reused, publish (holding the lock)."""
    executor = Executor(jobs=jobs, scheduler=scheduler, several=plan.several, say=plan.say,
                        progress=plan.progress)  # kernels and exporters warm up while the data loads
    try:
        ds, values = plan.load()  # DataError: nothing is executed or published
    except BaseException:
        executor.close()
        raise
    run_id = _new_run_id(plan.out_dir, plan.label)
    staging = plan.out_dir / STAGING / run_id
    try:
        with writing(staging):
            (staging / "_cache").mkdir(parents=True)
        patches, tasks = plan.tasks(ds, values, run_id, staging)
        tasks, found, stale = plan.split_reused(tasks)
        record = _Recorder(patches, plan.dimension, len(tasks), plan.say, warn)
        for t in tasks:
            if id(t) in found:
                record(t, _reuse_one(t, found[id(t)]))
        to_run = [t for t in tasks if id(t) not in found]
        plan.say(f"Running {len(to_run)} notebook(s) with {min(jobs, max(len(to_run), 1))} job(s) into {staging}"
                 + (f"; {record.done} reused" if record.done else "") + " ...")
        t_phase = time.perf_counter()
        phases = [[t for t in to_run if t["phase"] == ph] for ph in sorted({t["phase"] for t in to_run})]
        executor.run(phases, record, run_id)
        plan.timing["notebooks"] = round(time.perf_counter() - t_phase, 3)
        t_phase = time.perf_counter()
        fold_translations(tasks, patches, plan.cfg.lang)
        shutil.rmtree(staging / "_cache", ignore_errors=True)
        dataset = {"path": str(plan.data_path), "name": ds.meta.name, "currency": ds.meta.currency,
                   "fingerprint": ds.fingerprint(), "folder_sha256": plan.fps["data"],
                   "audit": ds.audit_record()}  # rows and money read, used, dropped or changed, by reason
        notes = [str(i) for i in ds.issues if i.level in ("warning", "error")][:20]
        return publish(plan, patches, dataset, notes, run_id, staging, t_phase, incomplete=stale, warn=warn)
    except BaseException as exc:
        # Ctrl-C, a full disk, a bug: nothing half-made stays behind; latest and the index are untouched
        executor.close(wait=False)
        shutil.rmtree(staging, ignore_errors=True)
        if is_disk_full(exc):
            raise DiskFull(exc.filename or staging) from None
        raise


class _Recorder:
    """Files each notebook's result under its patch and says "[k/n] name: ok in 12.3 s"."""

    def __init__(self, patches, dimension, total, say, warn):
        self.patches, self.dimension, self.total, self.say, self.warn = patches, dimension, total, say, warn
        self.done = 0

    def __call__(self, t: dict, res: NotebookResult) -> None:
        self.done += 1
        patch = self.patches[t["patch"]]
        patch.results[t["name"]] = res
        where = f"{patch.value}/" if self.dimension else ""
        how = f"reused from run {res.reused_from}" if res.reused_from else f"{res.status} in {res.seconds:.1f} s"
        line = f"  [{self.done}/{self.total}] {where}{t['name']}: {how}"
        if res.error:
            self.warn(line + f" — cell {res.error['cell']}: {res.error['ename']}: {res.error['evalue'][:120]}")
        else:
            self.say(line)


def load_for_notebook(params) -> Dataset:
    """The dataset a notebook works on: the runner's validated copy when given, else loaded now.

    Interactive use (JupyterLab) has no ``dataset_cache`` and loads the folder; a
    data quality notebook wants to see the errors too, so it loads non-strictly.
    """
    cache = getattr(params, "dataset_cache", "") or ""
    if cache and Path(cache).exists():
        ds = read_cache(Path(cache))  # tables are read when first used
    else:
        ds = load_dataset(paths.resolve(params.data_dir), strict=False)
    if params.mask_pii:
        from workbench.privacy import mask_dataset

        mask_dataset(ds)  # its tables and the values its issues quote
    return ds


__all__ = [
    "DEFAULT_TIMEOUT_MINUTES", "LOCK", "NOTEBOOKS", "PACKAGES", "PROGRESS_EVERY", "STAGING", "TEMPLATES", "UI",
    "Dataset", "DiskFull", "Executor", "KernelPool", "NotebookResult", "NotebookSpec", "Patch", "Plan", "Progress",
    "RunLock", "RunResult", "check_writable", "clean_leftovers", "export_html", "fold_translations", "headline_of",
    "index_name", "langs_of", "load_dataset", "load_for_notebook", "point_latest", "previous_run", "publish", "run",
    "select_notebooks", "write_fanout_index", "write_history", "write_index",
    # internal, importable as before the package split
    "_alive", "_close_kernels", "_dask_client", "_engine", "_execute_on_dask", "_exporter", "_keys", "_kernels", "_kill", "_ipc_kernel_manager",
    "_latest_target", "_new_run_id", "_other_href", "_package_versions", "_params", "_plain", "_reuse_one",
    "_run_one", "_say", "_tables_differ", "_worker_init", "_Patch",
]
