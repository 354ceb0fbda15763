"""Run the notebooks through papermill and publish their HTML reports atomically.

One run:

1. validate the params file (every notebook's section) and the dataset — fail fast,
   before any kernel starts; a data error publishes nothing;
2. load the dataset once and hand it to every notebook as a pickle (no notebook
   re-reads and re-coerces a million lines);
3. execute each notebook with the papermill Python API into a staging folder,
   in parallel up to ``jobs``; one failing notebook does not stop the others;
4. export HTML without code (offline: no script is fetched from the network),
   collect headlines and result tables, write ``run.json`` and ``index.html``;
5. move the staging folder to ``reports/<run-id>/`` in one rename; point
   ``reports/latest`` at it only when every notebook succeeded. A failed run is
   kept under its own id and shown as failed; ``latest`` keeps the last good one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import os
import pickle
import platform
import re
import shutil
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import yaml

from workbench import paths, reuse
from workbench.data.loader import Dataset, load_dataset
from workbench.exceptions import RunError
from workbench.notebooks import NOTEBOOKS, NotebookSpec
from workbench.params import RunConfig, load_run_config, validate

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
STAGING = ".staging"
LOCK = ".run.lock"
DEFAULT_TIMEOUT_MINUTES = 30.0
PACKAGES = ("workbench", "pandas", "numpy", "statsmodels", "scipy", "matplotlib", "seaborn",
            "papermill", "nbconvert", "ipykernel", "pyarrow", "openpyxl", "pydantic")

UI = {
    "en": dict(title="Sales channel workbench: reports", history="All runs", latest="Latest complete run",
               dataset="Dataset", generated="Generated", status="Status", duration="Time", report="Report",
               headline="Headline", ok="ok", failed="failed", skipped="skipped", running="running",
               cell="Cell", tables="Result tables", parameters="Parameters", fingerprint="Data fingerprint",
               packages="Package versions", table="Table", file="File", rows="Rows", run="Run",
               reports="Reports ok", data_notes="Notes on the data", data_notes_count="{n} notes on the data.",
               failed_note="At least one report failed; 'latest' still points at the last complete run.",
               back="All patches of this run", patch="Patch", region="Region", channel="Channel", team="Team",
               fanout_title="Reports per {dim}", reused="reused from run {run} (nothing it depends on changed)",
               incomplete_note="An --only run: reports it did not run and whose last results are out of date are "
                               "missing, so 'latest' was not moved to this run."),
    "zh": dict(title="销售渠道分析工作台：报告", history="全部运行记录", latest="最新完整运行",
               dataset="数据集", generated="生成时间", status="状态", duration="耗时", report="报告",
               headline="要点", ok="成功", failed="失败", skipped="已跳过", running="运行中",
               cell="单元格", tables="结果表", parameters="参数", fingerprint="数据指纹",
               packages="软件包版本", table="数据表", file="文件", rows="行数", run="运行",
               reports="成功报告数", data_notes="数据说明", data_notes_count="共 {n} 条数据说明，逐条解释见",
               failed_note="至少一份报告失败；latest 仍指向上一次完整运行。",
               back="本次运行的全部分片", patch="分片", region="区域", channel="渠道", team="团队",
               fanout_title="按{dim}分发的报告", reused="沿用运行 {run} 的结果（其依赖均未变化）",
               incomplete_note="这是一次 --only 运行：未运行且上次结果已过期的报告缺失，因此 latest 未指向本次运行。"),
}


@dataclass
class NotebookResult:
    """The outcome of one notebook in a run."""

    stem: str
    title: str
    status: str  # ok | failed | skipped
    seconds: float = 0.0
    headline: str | None = None
    html: str | None = None
    tables: list[str] = field(default_factory=list)
    reason: str | None = None  # why skipped
    error: dict | None = None  # cell, ename, evalue, traceback
    timings: dict = field(default_factory=dict)  # execute / export seconds
    translations: dict = field(default_factory=dict)  # lang -> html page of the same report
    headlines: dict = field(default_factory=dict)  # lang -> headline of that language's page
    pages: dict = field(default_factory=dict)  # lang -> page (the primary one and the translations)
    keys: dict = field(default_factory=dict)  # lang -> reuse key (workbench.reuse)
    reused_from: str | None = None  # the run whose identical result this one links


@dataclass
class RunResult:
    """The outcome of a run: where it was published and what happened to each notebook."""

    run_id: str
    status: str
    path: Path
    notebooks: list[NotebookResult]
    seconds: float
    phases: dict = field(default_factory=dict)  # seconds: validate_load, cache, notebooks, publish

    @property
    def index(self) -> Path:
        return self.path / "index.html"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# ----------------------------------------------------------------------------- selection


def select_notebooks(only: list[str] | None, notebooks_dir: Path) -> list[NotebookSpec]:
    """The registered notebooks present in ``notebooks_dir``, restricted to ``only`` (stems or names)."""
    present = [s for s in NOTEBOOKS.values() if (notebooks_dir / f"{s.stem}.ipynb").exists()]
    if not only:
        return present
    chosen = []
    for name in only:
        match = [s for s in present if s.stem == name or s.stem.split("_", 1)[-1] == name]
        if not match:
            names = [s.stem for s in present]
            hint = difflib.get_close_matches(name, names + [n.split("_", 1)[-1] for n in names], n=1)
            raise RunError(f"--only {name}: no such notebook" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                           + f". Notebooks: {', '.join(names)}")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


# ----------------------------------------------------------------------------- one notebook (worker)


def _ipc_kernel_manager():
    """A kernel manager on local IPC sockets: nothing listens on TCP, and the kernel
    has no reason to warn about unencrypted traffic on every report."""
    import tempfile
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, Unicode, default

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)
        # one socket-file prefix per kernel: parallel kernels must never share sockets
        ip = Unicode(config=True)

        @default("ip")
        def _unique_ip(self):
            return os.path.join(tempfile.gettempdir(), f"wb-kernel-{uuid.uuid4().hex[:16]}")

    return IPCKernelManager


class KernelPool:
    """Kernels started ahead of need: one spare per process, started in a background thread.

    A kernel takes about half a second to become ready and every notebook's first
    cell imports the workbench package (pandas, statsmodels, matplotlib, seaborn:
    another second or two). Both happen while the data is validated or while the
    previous notebook runs, on a core that is otherwise idle with ``--jobs 1``.
    The warm-up runs silently (no history, no execution count, no variable left
    in the namespace), so the notebook's own cells and outputs are unchanged.
    Used kernels are killed in the background: a finished notebook has nothing
    left to save.
    """

    WARM = ("import importlib as _il\n"
            "for _m in ('workbench', 'pandas', 'numpy', 'scipy.stats', 'statsmodels.api'):\n"
            "    _il.import_module(_m)\n"
            "del _il, _m\n")

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wb-kernel-start")
        self._killer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wb-kernel-stop")
        self._spare = None
        self._lock = threading.Lock()

    @staticmethod
    def _start():
        import asyncio

        km = _ipc_kernel_manager()(kernel_name="python3")
        asyncio.run(km.start_kernel(extra_arguments=["--HistoryManager.hist_file=:memory:"],
                                    cwd=str(paths.PROJ_ROOT)))
        kc = km.blocking_client()
        try:
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            kc.execute_interactive(KernelPool.WARM, silent=True, store_history=False, timeout=300)
        finally:
            kc.stop_channels()
        return km

    def prefetch(self) -> None:
        """Start the spare kernel now if there is none."""
        with self._lock:
            if self._spare is None:
                self._spare = self._starter.submit(self._start)

    def take(self, prefetch: bool = True):
        """A ready kernel manager (the spare, or a new one); the next spare is started unless
        ``prefetch`` is false (the last notebook)."""
        with self._lock:
            fut, self._spare = self._spare, None
        km = None
        if fut is not None:
            try:
                km = fut.result()
                if not _alive(km):
                    self.release(km)
                    km = None
            except Exception:  # noqa: BLE001 - a spare that failed to start: start one now
                log.warning("a pre-started kernel failed; starting another", exc_info=True)
                km = None
        if km is None:
            km = self._start()
        if prefetch:
            self.prefetch()
        return km

    def release(self, km) -> None:
        """Kill a kernel in the background."""
        self._killer.submit(_kill, km)

    def close(self) -> None:
        """Kill the spare kernel (and wait for the kills)."""
        with self._lock:
            fut, self._spare = self._spare, None
        if fut is not None:
            try:
                self.release(fut.result())
            except Exception:  # noqa: BLE001 - nothing to kill
                pass
        self._killer.shutdown(wait=True)
        self._starter.shutdown(wait=False)


def _alive(km) -> bool:
    """Whether a kernel's process is still running (no event loop involved)."""
    proc = getattr(getattr(km, "provisioner", None), "process", None)
    return proc is not None and proc.poll() is None


def _engine():
    """papermill's nbclient engine for a kernel it is handed (``km``), registered as ``workbench``.

    nbclient leaves the client's channels open when it does not own the kernel; they are
    closed here after the run (left open, their sockets stay registered in the event loop,
    which a forked pool worker would inherit). The kernel itself is the pool's to kill.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args

    class PooledKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    if "workbench" not in papermill_engines._engines:
        papermill_engines.register("workbench", PooledKernelEngine)
    return "workbench"


def _kill(km) -> None:
    import asyncio

    try:
        asyncio.run(km.shutdown_kernel(now=True))
    except Exception:  # noqa: BLE001 - already gone
        log.debug("kernel shutdown", exc_info=True)


_KERNELS: KernelPool | None = None
_EXIT_HOOKS: int | None = None  # the pid whose exit already closes the pool


def _kernels() -> KernelPool:
    """This process's kernel pool (created on first use; its spare is killed at process exit)."""
    global _KERNELS, _EXIT_HOOKS
    if _KERNELS is None:
        _KERNELS = KernelPool()
    if _EXIT_HOOKS != os.getpid():
        import atexit
        from multiprocessing import util

        # pool workers exit through multiprocessing, which skips atexit: a Finalize runs there too
        util.Finalize(None, _close_kernels, exitpriority=10)
        atexit.register(_close_kernels)
        _EXIT_HOOKS = os.getpid()
    return _KERNELS


def _close_kernels() -> None:
    global _KERNELS
    if _KERNELS is not None:
        pool, _KERNELS = _KERNELS, None
        pool.close()


def _worker_init() -> None:
    """Pool worker start: build the HTML exporter and start a spare kernel."""
    global _KERNELS
    _KERNELS = None  # a forked worker must not use its parent's pool (its threads did not survive the fork)
    _kernels().prefetch()
    _exporter()


_EXPORTER = None


def _exporter():
    """One HTML exporter per worker process (building it costs more than using it)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(
            template_name="report",
            extra_template_basedirs=[str(TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
    return _EXPORTER


def export_html(nb, lang: str, run_label: str, title: str | None = None, other_href: str | None = None,
                index_href: str = "index.html") -> str:
    """The report page of an executed notebook: no code, the reader's language only, offline.

    The page has ``title`` as its title, a table of contents of its sections, a link back to
    ``index_href`` (the index in the same language) and, when ``other_href`` is given, a link
    to the same report in the other language.
    """
    from nbconvert.preprocessors import TagRemovePreprocessor

    from workbench.reporting import page as wb_page

    other = "zh" if lang == "en" else "en"
    pre = TagRemovePreprocessor(remove_cell_tags={f"lang-{other}", "remove-cell"}, enabled=True)
    nb, _ = pre.preprocess(nb, {})
    nb.metadata.pop("widgets", None)  # widget state needs a CDN renderer: drop it
    exporter = _exporter()
    resources = {
        "workbench_css": (TEMPLATES / "report.css").read_text(encoding="utf-8"),
        "workbench_index_href": index_href,
        "workbench_index_label": UI[lang]["title"],
        "workbench_run_label": run_label,
        "workbench_lang_switch": wb_page.language_switch(lang, other_href),
        "metadata": {"name": title or UI[lang]["title"]},  # the page's <title>
    }
    exporter.language_code = lang  # ISO 639-1 <html lang=...>: fonts (CSS :lang(zh)), screen readers
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return wb_page.insert_toc(body, lang)


def headline_of(nb) -> str | None:
    """The headline a notebook displayed through :meth:`workbench.report.Report.headline`."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("workbench")
            if meta and meta.get("headline"):
                return meta["headline"]
    return None


def _run_one(task: dict) -> NotebookResult:
    """Execute one notebook into the staging folder and export its HTML (runs in a worker)."""
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    stem, staging, name = task["stem"], Path(task["staging"]), task["name"]
    res = NotebookResult(stem, task["title"], "ok")
    out_nb = staging / "notebooks" / f"{name}.ipynb"
    t0 = time.perf_counter()
    pool = _kernels()
    km = None
    timer = None
    timed_out = threading.Event()
    try:
        km = pool.take(prefetch=task.get("prefetch", True))
        if task.get("timeout"):  # the whole notebook, not one cell: stop its kernel when time is up
            def stop(km=km):
                timed_out.set()
                _kill(km)
            timer = threading.Timer(task["timeout"], stop)
            timer.daemon = True
            timer.start()
        pm.execute_notebook(
            task["input"], str(out_nb), parameters=task["parameters"], kernel_name="python3",
            cwd=str(paths.PROJ_ROOT), progress_bar=False, log_output=False,
            km=km, engine_name=_engine(),  # started ahead (KernelPool), killed by the pool after
            # the staging copy is read once, at the end: no rewrite of the notebook after every cell
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError as exc:
        res.status = "failed"
        res.error = {"cell": exc.exec_count or exc.cell_index, "ename": exc.ename,
                     "evalue": _plain(str(exc.evalue))[:500],
                     "traceback": _plain("\n".join(exc.traceback))[-4000:]}
    except Exception as exc:  # kernel died, bad notebook JSON ...: recorded, the run goes on
        res.status = "failed"
        res.error = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:500],
                     "traceback": traceback.format_exc()[-4000:]}
    finally:
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
        try:
            page = export_html(nb, task["lang"], task["run_label"], title=task["title"],
                               other_href=task.get("other_href"), index_href=task.get("index_href", "index.html"))
            (staging / f"{name}.html").write_text(page, encoding="utf-8")
            res.html = f"{name}.html"
        except Exception as exc:  # a report that cannot be exported is a failed report
            res.status = "failed"
            res.error = res.error or {"cell": None, "ename": type(exc).__name__, "evalue": f"HTML export: {exc}"}
    tables_dir = Path(task["parameters"]["output_dir"])
    res.tables = sorted(p.stem for p in tables_dir.glob("*.csv")) if tables_dir.exists() else []
    res.timings["export"] = round(time.perf_counter() - t1, 3)
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


# ----------------------------------------------------------------------------- the run


def check_writable(out_dir: Path) -> None:
    """Fail at once, in one line, when the reports folder cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RunError(f"--out {out_dir}: the reports folder cannot be written ({exc.strerror or exc})") from None


class RunLock:
    """One run at a time publishes into a reports folder.

    An exclusive ``flock`` on ``<out_dir>/.run.lock``, released by the kernel when the
    process ends however it ends (SIGKILL included), so a lock is never left stale. The
    holder cleans what killed runs left: staging folders and half-made links.
    """

    def __init__(self, out_dir: Path, wait: bool = True, say=None):
        self.path = out_dir / LOCK
        self.out_dir = out_dir
        self.wait = wait
        self.say = say or _say
        self._fh = None

    def __enter__(self) -> RunLock:
        import fcntl

        self._fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the run
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.seek(0)
            holder = self._fh.read().strip() or "another process"
            if not self.wait:
                self._fh.close()
                raise RunError(f"another run ({holder}) is publishing into {self.out_dir}; "
                               "try again when it ends (or leave out --no-wait to wait for it)") from None
            self.say(f"Another run ({holder}) is publishing into {self.out_dir}; waiting for it to end ...")
            fcntl.flock(self._fh, fcntl.LOCK_EX)
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}")
        self._fh.flush()
        clean_leftovers(self.out_dir, self.say)
        return self

    def __exit__(self, *exc) -> None:
        import fcntl

        try:
            self._fh.seek(0)
            self._fh.truncate()
            fcntl.flock(self._fh, fcntl.LOCK_UN)
        finally:
            self._fh.close()


def clean_leftovers(out_dir: Path, say=None) -> list[str]:
    """Remove what an interrupted run left (staging folders, temporary links and pages).

    Only called under :class:`RunLock`: no other run can be using them.
    """
    removed = []
    for p in sorted((out_dir / STAGING).glob("*")) if (out_dir / STAGING).is_dir() else []:
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        removed.append(p.name)
    for p in list(out_dir.glob(".latest-*")) + list(out_dir.glob(".index*.tmp")):
        p.unlink(missing_ok=True)
        removed.append(p.name)
    if removed:
        (say or _say)(f"Removed what an interrupted run left in {out_dir}: {', '.join(removed)}")
    return removed


def _tables_differ(a: Path, b: Path) -> list[str]:
    """Names of the result tables that differ between two folders (or exist in one only)."""
    names = {p.name for p in a.glob("*.csv")} | {p.name for p in b.glob("*.csv")}
    return sorted(n[:-4] for n in names
                  if not ((a / n).exists() and (b / n).exists() and (a / n).read_bytes() == (b / n).read_bytes()))


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _plain(text: str) -> str:
    """Text without terminal colour codes (IPython colours its tracebacks)."""
    return _ANSI.sub("", text)


def _package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _new_run_id(out_dir: Path, label: str) -> str:
    base = dt.datetime.now().strftime("%Y%m%d-%H%M%S") + (f"-{label}" if label else "")
    run_id, i = base, 1
    while (out_dir / run_id).exists() or (out_dir / STAGING / run_id).exists():
        i += 1
        run_id = f"{base}-{i}"
    return run_id


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class _Patch:
    """One slice of a run: the whole dataset, or one fan-out value."""

    value: str | None
    folder: Path
    ds: Dataset
    results: dict = field(default_factory=dict)

    @property
    def rel(self) -> str:
        return "" if self.value is None else f"{self.folder.parent.name}/{self.folder.name}/"


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
    """

    t_start = time.perf_counter()
    started = dt.datetime.now().isoformat(timespec="seconds")
    say = _say if progress else (lambda m: None)
    out_dir = paths.resolve(out_dir or paths.REPORTS_DIR, Path.cwd())
    notebooks_dir = paths.resolve(notebooks_dir or paths.NOTEBOOKS_DIR, Path.cwd())
    if jobs < 1:
        raise RunError(f"--jobs must be 1 or more, got {jobs}")
    if timeout_minutes is not None and timeout_minutes <= 0:
        raise RunError(f"--timeout-minutes must be positive, got {timeout_minutes}")
    cfg = load_run_config(params_file, NOTEBOOKS)  # ParamsError: nothing is made, not even the folder
    if data_dir is not None:
        cfg = validate(RunConfig, {**cfg.model_dump(), "data_dir": str(paths.resolve(data_dir, Path.cwd()))},
                       where="--data")
    limit = float(timeout_minutes) if timeout_minutes is not None else cfg.timeout_minutes
    scheduler = scheduler or cfg.scheduler or None
    check_writable(out_dir)  # before the validation, not after it
    with RunLock(out_dir, wait=wait, say=say):
        return _run_locked(params_file, cfg=cfg, data_dir=data_dir, only=only, jobs=jobs, out_dir=out_dir,
                           notebooks_dir=notebooks_dir, run_label=run_label, say=say, fan_out=fan_out,
                           limit=limit, t_start=t_start, started=started, force=force, scheduler=scheduler)


def _run_locked(params_file, *, cfg, data_dir, only, jobs, out_dir, notebooks_dir, run_label, say, fan_out, limit,
                t_start, started, force=False, scheduler=None) -> RunResult:
    """:func:`run` once it holds the reports folder's lock: plan, execute (or reuse), publish."""
    from workbench import fanout

    dimension, wanted = fanout.parse_for(fan_out) if fan_out else (None, None)
    specs = select_notebooks(only, notebooks_dir)
    if not specs:
        raise RunError(f"no notebooks to run in {notebooks_dir}")
    # an --only run is completed from unchanged results of earlier runs, so latest stays whole
    every = select_notebooks(None, notebooks_dir) if only else specs
    selected = {s.stem for s in specs}
    data_path = paths.resolve(cfg.data_dir)
    timing: dict[str, float] = {}
    t_phase = time.perf_counter()
    # the data: its files' bytes and how they are read (aliases, duplicate lines, plausible dates)
    fps = {"data": (reuse.data_fingerprint(data_path) if data_path.is_dir() else "")
           + json.dumps(cfg.load_options(), sort_keys=True, default=str),
           "code": reuse.code_fingerprint(), "packages": _package_versions()}
    index = None if force else reuse.ReuseIndex(out_dir)
    label = run_label if run_label is not None else (Path(params_file).stem if params_file else "")
    if dimension:
        label = f"{label}-{dimension}" if label else dimension

    if index is not None and len(index) and not dimension:  # nothing changed: publish without validating
        keys = _keys(cfg, every, data_path, notebooks_dir, fps)
        found = {k: index.get(v) for k, v in keys.items()}
        if all(e is not None and e["result"].get("status") == "ok" for e in found.values()):
            timing["plan"] = round(time.perf_counter() - t_phase, 3)
            return _publish_reused(cfg, params_file, every, keys, found, out_dir, label, say, timing, t_start,
                                   started)
    timing["plan"] = round(time.perf_counter() - t_phase, 3)

    # Warm up the HTML exporter (imports, templates: ~0.7 s) while the data loads.
    pool = warm = client = None
    if scheduler:
        client = _dask_client(scheduler, say)
    elif jobs > 1 and (len(specs) * (1 + len(cfg.extra_langs)) > 1 or fan_out):
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init)
        for _ in range(jobs):
            pool.submit(_exporter)
    else:
        _kernels().prefetch()  # the first kernel starts while the data is validated
        warm = threading.Thread(target=_exporter, daemon=True)
        warm.start()
    t_phase = time.perf_counter()
    try:
        say(f"Validating data in {data_path} ...")
        # DataError: nothing is executed or published
        ds = load_dataset(data_path, strict=True, **cfg.load_options())
        values = None
        if dimension:
            values = wanted if wanted is not None else fanout.patch_values(ds, dimension)
            if not values:
                raise RunError(f"--for {fan_out}: the data has no {dimension} values to fan out over")
    except BaseException:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        _close_kernels()
        raise
    timing["validate_load"] = round(time.perf_counter() - t_phase, 3)
    say(f"  {len(ds.tables)} tables, {sum(len(t) for t in ds.tables.values()):,} rows; "
        f"{len(ds.warnings)} warning(s) (see the data quality report)")

    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = _new_run_id(out_dir, label)
    staging = out_dir / STAGING / run_id
    (staging / "_cache").mkdir(parents=True)
    try:
        if dimension:
            folders = fanout.unique_slugs(values)  # "CH:01" and "CH 01" never share a folder
            patches = [_Patch(v, staging / "patches" / folders[v], fanout.filter_dataset(ds, dimension, v))
                       for v in values]
        else:
            patches = [_Patch(None, staging, ds)]

        tasks = []
        for i, patch in enumerate(patches):
            (patch.folder / "notebooks").mkdir(parents=True, exist_ok=True)
            if dimension and not fanout.patch_has_data(patch.ds):
                reason = (f"no orders or leads for {dimension} '{patch.value}'" if cfg.lang == "en"
                          else f"{dimension} '{patch.value}' 没有订单或线索数据")
                for spec in specs:
                    patch.results[spec.stem] = NotebookResult(spec.stem, spec.title(cfg.lang), "skipped", reason=reason)
                say(f"  skip {dimension} {patch.value}: {reason}")
                continue
            cache = staging / "_cache" / f"dataset-{i}.pkl"
            t_phase = time.perf_counter()
            with open(cache, "wb") as fh:
                pickle.dump(patch.ds, fh, protocol=pickle.HIGHEST_PROTOCOL)
            timing["cache"] = round(timing.get("cache", 0.0) + time.perf_counter() - t_phase, 3)
            keys = _keys(cfg, every, data_path, notebooks_dir, fps, patch.value)
            # looked up once per patch (it reads every run.json), not once per notebook and language
            prev = (previous_run(out_dir, cfg.series_key(params_file), dimension, patch.value)
                    if any("previous_run_dir" in spec.params.model_fields for spec in every) else None)
            for spec in every:
                missing = [t for t in spec.requires if not len(patch.ds.tables.get(t, ()))]
                if missing:
                    reason = (f"needs table(s) {', '.join(missing)}, absent from the dataset"
                              if cfg.lang == "en" else f"缺少数据表 {', '.join(missing)}，已跳过")
                    patch.results[spec.stem] = NotebookResult(spec.stem, spec.title(cfg.lang), "skipped", reason=reason)
                    say(f"  skip {patch.rel}{spec.stem}: {reason}")
                    continue
                langs = langs_of(cfg)
                for lang in langs:
                    primary = lang == cfg.lang
                    tables = (patch.folder / "tables" / spec.stem if primary
                              else staging / "_cache" / f"{i}-{lang}" / spec.stem)
                    p = _params(cfg, spec, lang, data_path, output_dir=tables, cache=cache,
                                run_tables_dir=patch.folder / "tables", previous_run_dir=prev)
                    tasks.append({"patch": i, "stem": spec.stem, "phase": spec.phase,
                                  "name": spec.stem if primary else f"{spec.stem}.{lang}",
                                  "title": spec.title(lang), "input": str(notebooks_dir / f"{spec.stem}.ipynb"),
                                  "other_href": _other_href(spec.stem, lang, cfg),
                                  "index_href": index_name(lang, cfg.lang),
                                  "staging": str(patch.folder), "parameters": p.model_dump(), "lang": lang,
                                  "primary": primary, "timeout": limit * 60, "key": keys[(spec.stem, lang)],
                                  "fill": spec.stem not in selected,
                                  "run_label": run_id if patch.value is None else f"{run_id} · {patch.value}"})

        done = 0
        n_total = len(tasks)

        def record(t, res):
            nonlocal done
            done += 1
            patches[t["patch"]].results[t["name"]] = res
            where = f"{patches[t['patch']].value}/" if dimension else ""
            how = (f"reused from run {res.reused_from}" if res.reused_from
                   else f"{res.status} in {res.seconds:.1f} s")
            say(f"  [{done}/{n_total}] {where}{t['name']}: {how}"
                + (f" — cell {res.error['cell']}: {res.error['ename']}: {res.error['evalue'][:120]}" if res.error else ""))

        # reuse what has not changed; an --only run does not execute the notebooks it did not select
        found = {id(t): index.get(t["key"]) if index is not None else None for t in tasks}
        found = {k: e for k, e in found.items() if e is not None and e["result"].get("status") == "ok"}
        stale = {t["stem"] for t in tasks if t["fill"] and id(t) not in found}
        tasks = [t for t in tasks if not (t["fill"] and t["stem"] in stale)]  # all its languages or none
        n_total = len(tasks)
        to_run = [t for t in tasks if id(t) not in found]
        for t in tasks:
            if id(t) in found:
                record(t, _reuse_one(t, found[id(t)]))

        say(f"Running {len(to_run)} notebook(s) with {min(jobs, max(len(to_run), 1))} job(s) into {staging}"
            + (f"; {done} reused" if done else "") + " ...")
        if warm is not None:
            warm.join()
        t_phase = time.perf_counter()
        # phase 2 (the executive summary) reads the result tables of phase 1
        phases = [[t for t in to_run if t["phase"] == ph] for ph in sorted({t["phase"] for t in to_run})]
        if client is not None:
            _execute_on_dask(client, phases, record, run_id)
        elif pool is None:
            order = [t for batch in phases for t in batch]
            try:
                for k, t in enumerate(order):
                    record(t, _run_one({**t, "prefetch": k + 1 < len(order)}))
            finally:
                _close_kernels()
        else:
            with pool:
                for batch in phases:
                    futures = {pool.submit(_run_one, t): t for t in batch}
                    for fut in as_completed(futures):
                        t = futures[fut]
                        try:
                            res = fut.result()
                        except Exception as exc:  # the worker itself died
                            res = NotebookResult(t["stem"], t["title"], "failed",
                                                 error={"cell": None, "ename": type(exc).__name__, "evalue": str(exc)})
                        record(t, res)

        timing["notebooks"] = round(time.perf_counter() - t_phase, 3)
        t_phase = time.perf_counter()
        for t in tasks:  # fold translations into their primary result
            results = patches[t["patch"]].results
            if t["name"] not in results:
                continue
            if t["primary"]:
                res = results[t["name"]]
                res.keys[t["lang"]] = t["key"]
                if res.html:
                    res.pages[t["lang"]] = res.html
                res.headlines[t["lang"]] = res.headline
                continue
            alt, main = results.pop(t["name"]), results.get(t["stem"])
            if main is None:
                continue
            main.keys[t["lang"]] = t["key"]
            if alt.html:
                main.translations[t["lang"]] = alt.html
                main.pages[t["lang"]] = alt.html
            main.headlines[t["lang"]] = alt.headline
            if alt.status == "failed" and main.status != "failed":
                main.status, main.error = "failed", alt.error
            if alt.status == "ok" and main.status == "ok" and not alt.reused_from and not main.reused_from:
                differ = _tables_differ(Path(t["parameters"]["output_dir"]),
                                        patches[t["patch"]].folder / "tables" / t["stem"])
                if differ:  # result tables are a contract: the same in every language
                    main.status = "failed"
                    main.error = {"cell": None, "ename": "TablesDifferByLanguage",
                                  "evalue": f"result tables differ between {cfg.lang} and {t['lang']}: "
                                            + ", ".join(differ)}
        shutil.rmtree(staging / "_cache", ignore_errors=True)
        dataset = {"path": str(data_path), "name": ds.meta.name, "currency": ds.meta.currency,
                   "fingerprint": ds.fingerprint(), "folder_sha256": fps["data"]}
        notes = [str(i) for i in ds.issues if i.level in ("warning", "error")][:20]
        dataset["audit"] = ds.audit_record()  # rows and money read, used, dropped or changed, by reason
        return _publish(cfg, params_file, every, patches, dimension, dataset, notes, fps, run_id, staging, out_dir,
                        say, timing, t_start, started, t_phase, incomplete=sorted(stale))
    except BaseException:
        # Ctrl-C, a full disk, a bug: nothing half-made stays behind; latest and the index are untouched
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if client is not None:
            client.close()
        _close_kernels()
        shutil.rmtree(staging, ignore_errors=True)
        raise


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
                futures[client.submit(_run_one, {**t, "prefetch": False}, key=key, pure=False, retries=1)] = t
            for fut in dask_completed(list(futures), loop=client.loop):
                t = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - the task failed on every try
                    res = NotebookResult(t["stem"], t["title"], "failed",
                                         error={"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:500]})
                record(t, res)
    finally:
        client.close()


def _other_href(stem: str, lang: str, cfg) -> str | None:
    """The same report in the run's other language (``None`` when the run has one language)."""
    other = next((x for x in langs_of(cfg) if x != lang), None)
    return None if other is None else (f"{stem}.html" if other == cfg.lang else f"{stem}.{other}.html")


def _params(cfg, spec, lang, data_path, output_dir="", cache="", run_tables_dir=None, previous_run_dir=None):
    """One notebook's validated parameters in a run (the runner's paths included)."""
    extra = {}
    fields = spec.params.model_fields
    if "run_tables_dir" in fields and run_tables_dir is not None:
        extra["run_tables_dir"] = str(run_tables_dir)
    if "previous_run_dir" in fields:
        extra["previous_run_dir"] = str(previous_run_dir) if previous_run_dir else ""
    return cfg.notebook_params(spec.stem, spec.params, output_dir=str(output_dir), lang=lang, interactive=False,
                               data_dir=str(data_path), dataset_cache=str(cache), **extra)


def _keys(cfg, specs, data_path, notebooks_dir, fps, patch_value=None) -> dict[tuple[str, str], str]:
    """The reuse key of every (notebook, language) of a run (see :mod:`workbench.reuse`)."""
    keys: dict[tuple[str, str], str] = {}
    for spec in sorted(specs, key=lambda s: s.phase):
        nb_sha = reuse.file_sha(notebooks_dir / f"{spec.stem}.ipynb")
        upstream = [k for (stem, _), k in keys.items() if NOTEBOOKS.get(stem, spec).phase < spec.phase]
        for lang in langs_of(cfg):
            p = _params(cfg, spec, lang, data_path)
            keys[(spec.stem, lang)] = reuse.task_key(
                notebook_sha=nb_sha, parameters=p.model_dump(), data=fps["data"], code=fps["code"],
                packages=fps["packages"], patch=patch_value, upstream=upstream)
    return keys


def _reuse_one(task: dict, entry: dict) -> NotebookResult:
    """An earlier identical execution, linked into this run instead of executing."""
    old = entry["result"]
    page = reuse.bring(entry, task["name"], task["stem"], Path(task["staging"]), tables=task["primary"])
    headline = (old.get("headlines") or {}).get(entry["lang"]) or old.get("headline")
    return NotebookResult(task["stem"], task["title"], "ok", seconds=0.0, headline=headline, html=page,
                          tables=list(old.get("tables") or []),
                          reused_from=old.get("reused_from") or entry["run_id"])  # the run that executed it


def _publish_reused(cfg, params_file, specs, keys, found, out_dir, label, say, timing, t_start, started):
    """Publish a run whose every report is reused: no validation, no kernel (the data's files are
    byte for byte those the reused reports were made from)."""
    run_id = _new_run_id(out_dir, label)
    staging = out_dir / STAGING / run_id
    (staging / "notebooks").mkdir(parents=True)
    try:
        patch = _Patch(None, staging, None)
        for spec in specs:
            for lang in langs_of(cfg):
                primary = lang == cfg.lang
                task = {"stem": spec.stem, "name": spec.stem if primary else f"{spec.stem}.{lang}",
                        "title": spec.title(cfg.lang), "staging": str(staging), "primary": primary}
                res = _reuse_one(task, found[(spec.stem, lang)])
                main = patch.results.setdefault(spec.stem, res) if primary else patch.results[spec.stem]
                main.keys[lang] = keys[(spec.stem, lang)]
                main.pages[lang] = res.html
                main.headlines[lang] = res.headline
                if not primary:
                    main.translations[lang] = res.html
        say(f"Nothing changed since run {found[(specs[0].stem, cfg.lang)]['run_id']}: "
            f"{len(specs)} report(s) reused, none executed (--force executes them).")
        src = json.loads((found[(specs[0].stem, cfg.lang)]["run_dir"] / "run.json").read_text(encoding="utf-8"))
        fps = {"packages": _package_versions()}
        return _publish(cfg, params_file, specs, [patch], None, src["dataset"], src.get("data_notes", []), fps,
                        run_id, staging, out_dir, say, timing, t_start, started, time.perf_counter())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _publish(cfg, params_file, specs, patches, dimension, dataset, data_notes, fps, run_id, staging, out_dir, say,
             timing, t_start, started, t_phase, incomplete=()) -> RunResult:
    """run.json, the index pages, one rename into place, then ``latest`` and the history page."""

    def ordered(patch):
        return [patch.results[s.stem] for s in specs if s.stem in patch.results]

    everything = [r for patch in patches for r in ordered(patch)]
    status = "failed" if any(r.status == "failed" for r in everything) else "ok"
    finished = dt.datetime.now().isoformat(timespec="seconds")
    run_json = {
        "run_id": run_id,
        "status": status,
        "complete": not incomplete,
        "started": started,
        "finished": finished,
        "seconds": round(time.perf_counter() - t_start, 3),
        "params_file": str(params_file) if params_file else None,
        "series": cfg.series_key(params_file),
        "parameters": cfg.model_dump(),
        "dataset": dataset,
        "data_notes": data_notes,
        "packages": fps["packages"],
        "reused": sum(1 for r in everything if r.reused_from),
        "notebooks": [asdict(r) for r in ordered(patches[0])] if not dimension else [],
    }
    if dimension:
        run_json["fan_out"] = {"dimension": dimension, "patches": []}
        for patch in patches:
            res = ordered(patch)
            p_status = "failed" if any(r.status == "failed" for r in res) else (
                "skipped" if all(r.status == "skipped" for r in res) else "ok")
            entry = {"value": patch.value, "folder": patch.rel, "status": p_status,
                     "notebooks": [asdict(r) for r in res]}
            run_json["fan_out"]["patches"].append(entry)
            patch_json = {**run_json, "run_id": f"{run_id} · {patch.value}", "status": p_status,
                          "dataset": {**run_json["dataset"], "name": patch.ds.meta.name},
                          "notebooks": entry["notebooks"], "fan_out": None}
            for lang in langs_of(cfg):
                write_index(patch.folder, patch_json, lang, back_href="../../index.html", primary=cfg.lang)
        write_fanout_index(staging, run_json, cfg.lang)
    else:
        for lang in langs_of(cfg):
            write_index(staging, run_json, lang, primary=cfg.lang)
    (staging / "run.json").write_text(json.dumps(run_json, ensure_ascii=False, indent=2, default=str),
                                      encoding="utf-8")

    final = out_dir / run_id
    os.replace(staging, final)  # one rename: the run appears whole or not at all
    if status == "ok" and not incomplete:
        point_latest(out_dir, run_id)
    write_history(out_dir, cfg.lang)
    timing["publish"] = round(time.perf_counter() - t_phase, 3)  # index pages, run.json, rename, history
    seconds = round(time.perf_counter() - t_start, 3)
    say(f"Run {run_id}: {status}. Index: {final / 'index.html'}")
    if incomplete:
        say(f"  'latest' was not moved: this --only run lacks {', '.join(incomplete)}, whose last results are out "
            f"of date; run them too (or without --only). latest: {_latest_target(out_dir) or 'none yet'}.")
    elif status != "ok":
        say(f"  'latest' was not moved; it still points at the last complete run ({_latest_target(out_dir) or 'none yet'}).")
    return RunResult(run_id, status, final, everything, seconds, timing)


def previous_run(out_dir: Path, series: str | None, dimension: str | None = None, value: str | None = None) -> Path | None:
    """The newest published, complete run of the same series (and the same patch).

    ``series`` is the params file's ``series`` or, without one, the params file path
    (:meth:`workbench.params.RunConfig.series_key`); runs written before ``series``
    existed match on their params file. Returns the folder holding that run's (or
    patch's) ``tables/``, or ``None``.
    """
    from workbench import fanout

    want = series
    for rj in sorted(out_dir.glob("*/run.json"), reverse=True):
        if rj.parent.is_symlink() or rj.parent.name.startswith("."):
            continue
        try:
            info = json.loads(rj.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if info.get("series", info.get("params_file")) != want or info.get("status") != "ok":
            continue
        fo = info.get("fan_out") or {}
        if (fo.get("dimension") if fo else None) != dimension:
            continue
        folder = rj.parent if value is None else rj.parent / "patches" / fanout.slug(value)
        if (folder / "tables").is_dir():
            return folder
    return None


def point_latest(out_dir: Path, run_id: str) -> None:
    """Point ``reports/latest`` at ``run_id`` atomically (a new symlink renamed over the old)."""
    tmp = out_dir / f".latest-{run_id}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run_id, tmp)
    os.replace(tmp, out_dir / "latest")


def _latest_target(out_dir: Path) -> str | None:
    link = out_dir / "latest"
    return os.readlink(link) if link.is_symlink() else None


def _css() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def _env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)


def langs_of(cfg) -> list[str]:
    """The languages a run publishes: its own first, then ``extra_langs``."""
    return [cfg.lang, *[x for x in cfg.extra_langs if x != cfg.lang]]


def index_name(lang: str, primary: str) -> str:
    """``index.html`` in the run's own language, ``index.<lang>.html`` in another."""
    return "index.html" if lang == primary else f"index.{lang}.html"


def _index_rows(run_json: dict, lang: str, primary: str) -> list[dict]:
    """Per notebook: the title, page and headline in ``lang``, and links to the other languages."""
    rows = []
    for nb in run_json["notebooks"]:
        spec = NOTEBOOKS.get(nb["stem"])
        pages = {primary: nb.get("html"), **(nb.get("translations") or {})}
        headline = nb.get("headline") if lang == primary else (nb.get("headlines") or {}).get(lang)
        rows.append({**nb, "title": spec.title(lang) if spec else nb["title"], "href": pages.get(lang),
                     "others": {k: v for k, v in pages.items() if k != lang and v}, "headline": headline})
    return rows


def write_index(run_dir: Path, run_json: dict, lang: str, back_href: str = "../index.html",
                primary: str | None = None) -> Path:
    """The run's index page in ``lang``: per notebook status, headline, duration and link; run facts.

    The run's own language is ``index.html``; another is ``index.<lang>.html``, linking to the
    reports in that language.
    """
    primary = primary or lang
    tpl = _env().get_template("index.html.j2")
    langs = [primary, *[x for x in {**{primary: 1}, **_langs_in(run_json)} if x != primary]]
    switch = {x: index_name(x, primary) for x in langs if x != lang}
    page = tpl.render(run=_Obj(run_json), rows=_index_rows(run_json, lang, primary), L=UI[lang], lang=lang,
                      css=_css(), back_href=back_href, switch=switch,
                      params_text=yaml.safe_dump(run_json["parameters"], allow_unicode=True, sort_keys=False))
    path = run_dir / index_name(lang, primary)
    path.write_text(page, encoding="utf-8")
    return path


def _langs_in(run_json: dict) -> dict:
    return {k: 1 for nb in run_json["notebooks"] for k in (nb.get("translations") or {})}


def write_fanout_index(run_dir: Path, run_json: dict, lang: str) -> Path:
    """The index of a fan-out run: one row per patch, its status and a link per report."""
    tpl = _env().get_template("fanout.html.j2")
    page = tpl.render(run=_Obj(run_json), L=UI[lang], lang=lang, css=_css(),
                      params_text=yaml.safe_dump(run_json["parameters"], allow_unicode=True, sort_keys=False))
    path = run_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def write_history(out_dir: Path, lang: str) -> Path:
    """``reports/index.html``: every published run, newest first, with its status."""
    runs = []
    for rj in sorted(out_dir.glob("*/run.json"), reverse=True):
        if rj.parent.name.startswith(".") or rj.parent.is_symlink():
            continue
        try:
            info = json.loads(rj.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        nbs = info.get("notebooks", []) or [
            n for p in (info.get("fan_out") or {}).get("patches", []) for n in p.get("notebooks", [])]
        runs.append({"run_id": info.get("run_id", rj.parent.name), "status": info.get("status", "failed"),
                     "dataset": info.get("dataset", {}).get("name", ""), "finished": info.get("finished", ""),
                     "ok": sum(n.get("status") == "ok" for n in nbs), "total": len(nbs)})
    page = _env().get_template("history.html.j2").render(runs=runs, L=UI[lang], lang=lang, css=_css(),
                                                          latest=_latest_target(out_dir))
    path = out_dir / "index.html"
    tmp = out_dir / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path


class _Obj(dict):
    """A dict whose keys also read as attributes in templates (``run.status``)."""

    def __getattr__(self, k):
        v = self[k] if k in self else None
        if isinstance(v, dict):
            return _Obj(v)
        if isinstance(v, list):
            return [_Obj(x) if isinstance(x, dict) else x for x in v]
        return v


def load_for_notebook(params) -> Dataset:
    """The dataset a notebook works on: the runner's validated copy when given, else loaded now.

    Interactive use (JupyterLab) has no ``dataset_cache`` and loads the folder; a
    data quality notebook wants to see the errors too, so it loads non-strictly.
    """
    cache = getattr(params, "dataset_cache", "") or ""
    if cache and Path(cache).exists():
        with open(cache, "rb") as fh:
            ds = pickle.load(fh)
    else:
        ds = load_dataset(paths.resolve(params.data_dir), strict=False)
    if params.mask_pii:
        from workbench.privacy import mask_tables

        ds.tables = mask_tables(ds.tables)
    return ds


__all__ = ["NotebookResult", "RunResult", "load_for_notebook", "run", "select_notebooks"]
