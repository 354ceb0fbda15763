"""The validated dataset the runner hands to its notebooks: one file per table, read when used.

The runner validates and loads the data once; each notebook's kernel then reads this cache
instead of the source files. A notebook reads only the tables it uses (segmentation never
touches leads or stage history), so the cache is a folder::

    dataset-0/
        dataset.pkl     the Dataset without its tables, and which file holds which table
        t00.pkl ...     one pickled DataFrame per table

and :func:`read_cache` returns a :class:`~workbench.data.loader.Dataset` whose ``tables`` is a
:class:`LazyTables` mapping: a table is unpickled the first time it is asked for. At ten
million order lines this saves a notebook that does not read every table gigabytes of memory
and the time to unpickle them (``benchmarks/README.md``).
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import pandas as pd

SHELL = "dataset.pkl"


class LazyTables(MutableMapping):
    """Table name -> DataFrame, each read from its pickle on first access (then kept).

    Behaves as the ``dict`` it replaces: ``get``, ``items``, ``in``, ``len``, assignment and
    deletion work; iterating ``items()`` or ``values()`` reads every table.
    """

    def __init__(self, folder: Path, files: dict[str, str]):
        self._folder = Path(folder)
        self._files = dict(files)
        self._loaded: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._loaded:
            if name not in self._files:
                raise KeyError(name)
            with open(self._folder / self._files[name], "rb") as fh:
                self._loaded[name] = pickle.load(fh)
        return self._loaded[name]

    def __setitem__(self, name: str, df: pd.DataFrame) -> None:
        self._loaded[name] = df
        self._files.setdefault(name, "")

    def __delitem__(self, name: str) -> None:
        if name not in self._files:
            raise KeyError(name)
        del self._files[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._files))

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, name: object) -> bool:
        return name in self._files

    def loaded(self) -> list[str]:
        """Names of the tables read so far."""
        return list(self._loaded)

    def copy(self) -> dict[str, pd.DataFrame]:
        """A plain dict of every table (reads them all)."""
        return dict(self.items())

    def __reduce__(self):  # pickled (a fan-out in a kernel): as the plain dict it stands for
        return dict, (dict(self.items()),)

    def __repr__(self) -> str:
        return f"LazyTables({sorted(self._files)}, loaded={sorted(self._loaded)})"


def write_cache(ds, folder: Path) -> Path:
    """Write ``ds`` (a Dataset) as a cache folder: its shell, then one pickle per table."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for i, (name, df) in enumerate(ds.tables.items()):
        files[name] = f"t{i:02d}.pkl"
        with open(folder / files[name], "wb") as fh:
            pickle.dump(df, fh, protocol=pickle.HIGHEST_PROTOCOL)
    infos = {k: (f.compact() if hasattr(f, "compact") else f) for k, f in (ds.files or {}).items()}
    shell = dataclasses.replace(ds, tables={}, files=infos)  # line numbers only where line_of cannot compute them
    with open(folder / SHELL, "wb") as fh:
        pickle.dump((shell, files), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return folder


def read_cache(path: Path):
    """The Dataset of a cache folder (tables read when used), or of a single pickle file."""
    path = Path(path)
    if path.is_file():  # a cache written as one pickle (before the cache was a folder)
        with open(path, "rb") as fh:
            return pickle.load(fh)
    with open(path / SHELL, "rb") as fh:
        shell, files = pickle.load(fh)
    shell.tables = LazyTables(path, files)
    return shell


__all__ = ["LazyTables", "SHELL", "read_cache", "write_cache"]
