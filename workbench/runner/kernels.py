"""Kernels started ahead of need (:class:`KernelPool`), on private IPC sockets, and the papermill
engine that executes a notebook on such a kernel."""

from __future__ import annotations

import logging
import os
import threading

from workbench import paths

log = logging.getLogger(__name__)


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
    A :class:`Progress` handed as ``wb_progress`` hears of every cell that starts.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args

    class PooledKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            progress = kwargs.pop("wb_progress", None)
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            if progress is not None:
                progress.watch(nb_man)
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
