"""The reports folder: one run at a time, writable before anything starts, nothing left half-made.

Also what a full disk means for a run: :class:`DiskFull`, one line naming the file that
could not be written.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

# _say is looked up on the package at call time (tests and callers replace it)
from workbench import runner as _pkg
from workbench.exceptions import RunError

STAGING = ".staging"
LOCK = ".run.lock"
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class DiskFull(RunError):
    """The device under the reports folder filled up during a run; nothing was published."""

    def __init__(self, path):
        self.path = str(path)
        super().__init__(f"no space left on device while writing {self.path}; nothing was published, "
                         "latest unchanged")

    def __reduce__(self):  # rebuilt from its path in a parent process or a Dask client
        return (DiskFull, (self.path,))


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` is the operating system saying the device (or the user's quota) is full."""
    return isinstance(exc, OSError) and exc.errno in _NO_SPACE


def disk_full_in_kernel(ename: str | None, evalue: str | None, fallback: Path) -> DiskFull | None:
    """A :class:`DiskFull` for a notebook cell that failed writing to a full disk, else ``None``.

    The kernel reports ``OSError: [Errno 28] No space left on device: '<path>'`` (the path
    only when ``open`` failed; a write that fails halfway names none, so ``fallback``).
    """
    text = evalue or ""
    if ename not in ("OSError", "IOError") or not any(f"Errno {n}]" in text for n in _NO_SPACE):
        return None
    named = re.search(r"\]\s[^:]*:\s'(.+)'", text)
    return DiskFull(named.group(1) if named else fallback)


@contextmanager
def writing(path: Path):
    """Turn a full disk while writing ``path`` into :class:`DiskFull` (other errors pass unchanged)."""
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFull(exc.filename or path) from None
        raise


def check_writable(out_dir: Path) -> None:
    """Fail at once, in one line, when the reports folder cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFull(exc.filename or out_dir) from None
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
        self.say = say or _pkg._say
        self._fh = None

    def __enter__(self) -> RunLock:
        import fcntl

        self._fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the run
        try:
            try:
                fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._fh.seek(0)
                holder = self._fh.read().strip() or "another process"
                if not self.wait:
                    raise RunError(f"another run ({holder}) is publishing into {self.out_dir}; "
                                   "try again when it ends (or leave out --no-wait to wait for it)") from None
                self.say(f"Another run ({holder}) is publishing into {self.out_dir}; waiting for it to end ...")
                fcntl.flock(self._fh, fcntl.LOCK_EX)
            # what killed runs left goes first: on a full disk that may be what makes room
            clean_leftovers(self.out_dir, self.say)
            self._fh.seek(0)
            self._fh.truncate()
            with writing(self.path):
                self._fh.write(f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}")
                self._fh.flush()
        except BaseException:
            self._fh.close()  # closing the file drops the lock
            raise
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
        (say or _pkg._say)(f"Removed what an interrupted run left in {out_dir}: {', '.join(removed)}")
    return removed
