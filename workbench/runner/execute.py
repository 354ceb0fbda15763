"""Execute notebooks: in this process, a local process pool, or on a Dask cluster.

:func:`_run_one` executes one notebook into its staging folder and exports its page; it runs
in the runner's process (``--jobs 1``), in a pool worker, or as a task on a Dask worker. While
it runs it reports "cell n of m, elapsed" (:class:`Progress`) through the sink of the process
it runs in: the runner's ``say``, a queue back to the runner, or a Dask event topic.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from workbench import paths

# _run_one and PROGRESS_EVERY: looked up on the package at call time
from workbench import runner as _pkg
from workbench.exceptions import RunError
from workbench.runner import kernels
from workbench.runner.kernels import _close_kernels, _engine, _kernels, _kill
from workbench.runner.lock import DiskFull, disk_full_in_kernel, writing
from workbench.runner.pages import _exporter, export_html, headline_of
from workbench.runner.results import NotebookResult

log = logging.getLogger(__name__)

PROGRESS_TOPIC = "workbench-progress"
_EMIT = None  # this process's progress sink: the runner's say, or a pool worker's queue


def _worker_init(progress_queue=None) -> None:
    """Pool worker start: build the HTML exporter, start a spare kernel, send progress to the runner."""
    global _EMIT
    kernels._KERNELS = None  # a forked worker must not use its parent's pool (its threads did not survive the fork)
    _EMIT = progress_queue.put if progress_queue is not None else None
    _kernels().prefetch()
    _exporter()


# ----------------------------------------------------------------------------- progress


def _elapsed(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


class Progress:
    """"cell n of m, elapsed" of one running notebook: a line when it starts, then at most one
    every ``every`` seconds while it runs (a long cell included); the runner says when it ends.

    The papermill engine calls :meth:`watch` with its execution manager; the per-cell hook only
    stores a number, so a notebook of many quick cells costs nothing extra.
    """

    def __init__(self, name: str, emit, every: float):
        self.name, self.emit, self.every = name, emit, every
        self.cell = 0
        self.cells = 0
        self._code: dict[int, int] = {}
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, nb_man) -> None:
        """Follow the cells of papermill's notebook execution manager ``nb_man``."""
        self._code = {i: n for n, i in enumerate(
            (i for i, c in enumerate(nb_man.nb.cells) if c.cell_type == "code"), start=1)}
        self.cells = len(self._code)
        start = nb_man.cell_start

        def cell_start(cell, cell_index=None, **kwargs):
            self.cell = self._code.get(cell_index, self.cell)
            return start(cell, cell_index, **kwargs)

        nb_man.cell_start = cell_start
        self._say(f"started, {self.cells} code cells")
        self._thread = threading.Thread(target=self._tick, daemon=True, name=f"wb-progress-{self.name}")
        self._thread.start()

    def _say(self, what: str) -> None:
        try:
            self.emit(f"  {self.name}: {what}")
        except Exception:  # noqa: BLE001 - progress is never worth failing a report for
            log.debug("progress line lost", exc_info=True)

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self._say(f"cell {self.cell} of {self.cells}, {_elapsed(time.monotonic() - self._t0)} elapsed")

    def stop(self) -> None:
        self._stop.set()


def _progress_for(task: dict) -> Progress | None:
    """The progress reporter of a task, sent where this process sends progress (or none)."""
    if not task.get("progress"):
        return None
    emit = _EMIT
    if task.get("dask"):
        from distributed import get_worker

        worker = get_worker()  # its log_event is safe from any thread
        emit = lambda msg: worker.log_event(PROGRESS_TOPIC, msg)  # noqa: E731
    if emit is None:
        return None
    return Progress(task["name"] if not task.get("where") else f"{task['where']}/{task['name']}", emit,
                    float(getattr(_pkg, "PROGRESS_EVERY", 10.0)))


# ----------------------------------------------------------------------------- one notebook


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _plain(text: str) -> str:
    """Text without terminal colour codes (IPython colours its tracebacks)."""
    return _ANSI.sub("", text)


def _run_one(task: dict) -> NotebookResult:
    """Execute one notebook into the staging folder and export its HTML (runs in a worker).

    A full disk raises :class:`~workbench.runner.lock.DiskFull` (the whole run stops); any other
    failure is the notebook's and is recorded in its result.
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    stem, staging, name = task["stem"], Path(task["staging"]), task["name"]
    res = NotebookResult(stem, task["title"], "ok")
    out_nb = staging / "notebooks" / f"{name}.ipynb"
    tables_dir = Path(task["parameters"]["output_dir"])
    t0 = time.perf_counter()
    pool = _kernels()
    km = None
    timer = None
    timed_out = threading.Event()
    progress = _progress_for(task)
    try:
        km = pool.take(prefetch=task.get("prefetch", True))
        if task.get("timeout"):  # the whole notebook, not one cell: stop its kernel when time is up
            def stop(km=km):
                timed_out.set()
                _kill(km)
            timer = threading.Timer(task["timeout"], stop)
            timer.daemon = True
            timer.start()
        with writing(out_nb):
            pm.execute_notebook(
                task["input"], str(out_nb), parameters=task["parameters"], kernel_name="python3",
                cwd=str(paths.PROJ_ROOT), progress_bar=False, log_output=False,
                km=km, engine_name=_engine(),  # started ahead (KernelPool), killed by the pool after
                # the staging copy is read once, at the end: no rewrite of the notebook after every cell
                request_save_on_cell_execute=False, wb_progress=progress,
            )
    except PapermillExecutionError as exc:
        full = disk_full_in_kernel(exc.ename, _plain(str(exc.evalue)), tables_dir)
        if full is not None:
            raise full from None
        res.status = "failed"
        res.error = {"cell": exc.exec_count or exc.cell_index, "ename": exc.ename,
                     "evalue": _plain(str(exc.evalue))[:500],
                     "traceback": _plain("\n".join(exc.traceback))[-4000:]}
    except DiskFull:
        raise
    except Exception as exc:  # kernel died, bad notebook JSON ...: recorded, the run goes on
        res.status = "failed"
        res.error = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:500],
                     "traceback": traceback.format_exc()[-4000:]}
    finally:
        if progress is not None:
            progress.stop()
        if timer is not None:
            timer.cancel()
        if km is not None:
            pool.release(km)
    if timed_out.is_set():
        minutes = task["timeout"] / 60
        res.status = "failed"
        res.error = {"cell": (res.error or {}).get("cell"), "ename": "TimeoutError",
                     "evalue": f"timed out after {minutes:g} min (timeout_minutes); its kernel was stopped"}
    res.timings["execute"] = round(time.perf_counter() - t0, 3)
    t1 = time.perf_counter()
    if out_nb.exists():
        nb = nbformat.read(out_nb, as_version=4)
        res.headline = headline_of(nb)
        page_path = staging / f"{name}.html"
        try:
            page = export_html(nb, task["lang"], task["run_label"], title=task["title"],
                               other_href=task.get("other_href"), index_href=task.get("index_href", "index.html"))
            with writing(page_path):
                page_path.write_text(page, encoding="utf-8")
            res.html = f"{name}.html"
        except DiskFull:
            raise
        except Exception as exc:  # a report that cannot be exported is a failed report
            res.status = "failed"
            res.error = res.error or {"cell": None, "ename": type(exc).__name__, "evalue": f"HTML export: {exc}"}
    res.tables = sorted(p.stem for p in tables_dir.glob("*.csv")) if tables_dir.exists() else []
    res.timings["export"] = round(time.perf_counter() - t1, 3)
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


# ----------------------------------------------------------------------------- many notebooks


def _died(t: dict, exc: BaseException) -> NotebookResult:
    """The result of a task whose worker died (or that failed on every try)."""
    return NotebookResult(t["stem"], t["title"], "failed",
                          error={"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:500]})


class Executor:
    """Where a run's notebooks execute: this process, a local process pool, or a Dask cluster.

    Made before the data is validated, so that kernels and HTML exporters warm up meanwhile.
    """

    def __init__(self, *, jobs: int, scheduler: str | None, several: bool, say, progress: bool):
        self.say, self.progress = say, progress
        self.pool = self.warm = self.client = self.queue = self._relay = None
        if scheduler:
            self.client = _dask_client(scheduler, say)
            if progress:
                self.client.subscribe_topic(PROGRESS_TOPIC, lambda event: say(event[1]))
        elif jobs > 1 and several:
            if progress:
                import multiprocessing

                self.queue = multiprocessing.get_context().SimpleQueue()
                self._relay = threading.Thread(target=self._relay_progress, daemon=True, name="wb-progress")
                self._relay.start()
            self.pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(self.queue,))
            for _ in range(jobs):
                self.pool.submit(_exporter)
        else:
            _kernels().prefetch()  # the first kernel starts while the data is validated
            self.warm = threading.Thread(target=_exporter, daemon=True)  # imports, templates: ~0.7 s
            self.warm.start()

    def _relay_progress(self) -> None:
        while (msg := self.queue.get()) is not None:
            self.say(msg)

    def run(self, phases: list[list[dict]], record, run_id: str) -> None:
        """Execute ``phases`` in order (phase 2, the executive summary, reads phase 1's tables)."""
        global _EMIT
        if self.warm is not None:
            self.warm.join()
        if self.client is not None:
            _execute_on_dask(self.client, phases, record, run_id)
            self.client = None  # closed there
        elif self.pool is None:
            order = [t for batch in phases for t in batch]
            _EMIT = self.say if self.progress else None
            try:
                for k, t in enumerate(order):
                    record(t, _pkg._run_one({**t, "prefetch": k + 1 < len(order)}))
            finally:
                _EMIT = None
                _close_kernels()
        else:
            with self.pool:
                for batch in phases:
                    futures = {self.pool.submit(_pkg._run_one, t): t for t in batch}
                    for fut in as_completed(futures):
                        t = futures[fut]
                        try:
                            res = fut.result()
                        except DiskFull:
                            raise
                        except Exception as exc:  # the worker itself died
                            res = _died(t, exc)
                        record(t, res)
            self._stop_relay()

    def close(self, wait: bool = True) -> None:
        """Stop what is still running (an error, Ctrl-C): pool workers, kernels, the Dask client."""
        if self.pool is not None:
            self.pool.shutdown(wait=wait, cancel_futures=True)
        if self.client is not None:
            self.client.close()
            self.client = None
        _close_kernels()
        self._stop_relay()

    def _stop_relay(self) -> None:
        if self._relay is not None and self._relay.is_alive():
            self.queue.put(None)
            self._relay.join(timeout=5)


def _dask_client(address: str, say):
    """A client of the dask.distributed scheduler at ``address`` (a clear error when none answers)."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise RunError("--scheduler needs the 'distributed' package (pip install distributed)") from exc
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except OSError as exc:
        raise RunError(f"--scheduler {address}: no Dask scheduler answered ({exc})") from None
    n = len(client.scheduler_info().get("workers", {}))
    say(f"Dask scheduler {address}: {n} worker(s)")
    if n == 0:
        client.close()
        raise RunError(f"--scheduler {address}: the scheduler has no workers; start some with "
                       f"'dask worker {address}'")
    return client


def _execute_on_dask(client, phases, record, run_id) -> None:
    """Each notebook a task on the cluster; a task whose worker dies is run again on another.

    Tasks are not pure (a notebook run writes files), so each has its own key; the
    scheduler re-runs the tasks of a lost worker elsewhere, and a task that fails for
    another reason is tried once more (``retries=1``).
    """
    from distributed import as_completed as dask_completed

    try:
        for batch in phases:  # phase 2 reads the tables phase 1 wrote
            futures = {}
            for t in batch:
                key = f"workbench-{run_id}-{t['patch']}-{t['name']}"
                futures[client.submit(_pkg._run_one, {**t, "prefetch": False, "dask": True},
                                      key=key, pure=False, retries=1)] = t
            for fut in dask_completed(list(futures), loop=client.loop):
                t = futures[fut]
                try:
                    res = fut.result()
                except DiskFull:
                    raise
                except Exception as exc:  # noqa: BLE001 - the task failed on every try
                    res = _died(t, exc)
                record(t, res)
    finally:
        client.close()
