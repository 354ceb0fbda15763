"""Long result tables kept on disk until the report's workbook is written.

A report saves its result tables as it goes (CSV at once) and writes the Excel workbook of
all of them in its last cell (:meth:`workbench.reporting.report.Report.finish`). Holding every
saved table in memory until then made a notebook's peak memory the sum of its long tables
(the customer list, the RFM table: millions of rows each on ten million order lines). A table
of at least :data:`SPILL_ROWS` rows is therefore written to an Arrow IPC file (LZ4) in a temporary
folder when it is saved and read back a block of rows at a time by the workbook writer.

Nothing changes in the workbook: a table is spilled only when it reads back exactly as it was
(values and dtypes of its first block, its dtypes and length); otherwise (objects Arrow cannot
store, a dtype that would come back as another) it stays in memory as before.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

SPILL_ROWS = 200_000
"""Rows from which a saved table waits for the workbook on disk rather than in memory."""
BLOCK_ROWS = 20_000
"""Rows of one record batch of the file: a block of the workbook writer
(:data:`workbench.reporting.excel.ROW_BLOCK`) reads one row group."""


def release_memory() -> None:
    """Hand the memory Arrow's pool keeps for reuse back to the system.

    Arrow's allocator (mimalloc or jemalloc) keeps freed blocks for its next allocations; numpy and
    pandas allocate elsewhere and cannot use them, so after a long table is written (its CSV
    fields, its spilled copy) the process would otherwise hold that memory to its end.
    """
    import sys

    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()


_HOOKED: set[int] = set()


def release_after_each_cell() -> bool:
    """In a notebook kernel, :func:`release_memory` after every cell (once per kernel); False elsewhere.

    Tables a cell made and dropped (a view's customer list once saved) are freed when the cell ends;
    their Arrow memory then goes back at once rather than staying with the process.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    if ip is None or not hasattr(ip, "events"):
        return False
    if id(ip) not in _HOOKED:
        ip.events.register("post_run_cell", lambda *_: release_memory())
        _HOOKED.add(id(ip))
    return True


class SpilledTable:
    """A DataFrame stored as an Arrow IPC file, read as the workbook writer reads a sheet's data.

    ``len``, ``columns``, ``dtypes``, ``iloc[a:b]`` (a slice of rows, read from the record batches
    that hold them) and ``table[column]`` (one whole column) behave as on the DataFrame it stands for.
    ``batch_rows`` are the rows of each record batch of the file, in order.
    """

    def __init__(self, path: Path, columns: pd.Index, dtypes: pd.Series, rows: int, batch_rows: list[int],
                 owner=None):
        self.path, self.columns, self.dtypes, self._rows = Path(path), columns, dtypes, rows
        self._starts = np.cumsum([0, *batch_rows])  # first row of each record batch, then the end
        self._owner = owner  # the Spill whose folder holds the file: kept while the table is
        self.iloc = _Rows(self)

    def __len__(self) -> int:
        return self._rows

    def __getitem__(self, column) -> pd.Series:
        import pyarrow as pa

        reader = pa.ipc.open_file(self.path)
        parts = [reader.get_batch(i).select([str(column)]) for i in range(reader.num_record_batches)]
        s = pa.Table.from_batches(parts).to_pandas()[str(column)]
        return _as_dtype(s, self.dtypes[column]).rename(column)

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        """Rows ``start:stop`` (positions) as a DataFrame with a fresh RangeIndex from ``start``."""
        import pyarrow as pa

        start, stop = max(0, start), min(stop, self._rows)
        reader = pa.ipc.open_file(self.path)
        if stop <= start:  # no rows: the table's columns
            df = reader.schema.empty_table().to_pandas()
            df.index = pd.RangeIndex(start, start)
            return self._typed(df)
        first_batch = int(np.searchsorted(self._starts, start, side="right")) - 1
        last_batch = int(np.searchsorted(self._starts, stop, side="left")) - 1
        batches = [reader.get_batch(i) for i in range(first_batch, last_batch + 1)]
        first = int(self._starts[first_batch])
        df = pa.Table.from_batches(batches, schema=reader.schema).to_pandas()
        df = df.iloc[start - first:stop - first]
        df.index = pd.RangeIndex(start, stop)
        return self._typed(df)

    def _typed(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with the table's dtypes (a categorical's categories are those of the whole
        table, not only of the values in the batches read)."""
        for c in df.columns:
            if df[c].dtype != self.dtypes[c]:
                df[c] = df[c].astype(self.dtypes[c])
        return df

    def to_frame(self) -> pd.DataFrame:
        """The whole table in memory."""
        return self.rows(0, self._rows)

    def __repr__(self) -> str:
        return f"SpilledTable({self.path.name}, {self._rows} rows x {len(self.columns)} columns)"


class _Rows:
    def __init__(self, table: SpilledTable):
        self._t = table

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("a spilled table is read by slices of rows (iloc[a:b])")
        start, stop, _ = key.indices(len(self._t))
        return self._t.rows(start, stop)


def _as_dtype(s: pd.Series, dtype) -> pd.Series:
    return s if s.dtype == dtype else s.astype(dtype)


class Spill:
    """A temporary folder of spilled tables, removed by :meth:`close` (or when the report goes)."""

    def __init__(self):
        self._dir: Path | None = None
        self._finalizer = None

    def _folder(self) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="wb-sheets-"))
            self._finalizer = weakref.finalize(self, shutil.rmtree, str(self._dir), True)
        return self._dir

    def keep(self, df: pd.DataFrame, name: str):
        """``df`` itself when short or when it would not read back as it is; else a :class:`SpilledTable`."""
        if len(df) < SPILL_ROWS or not df.columns.is_unique or not all(isinstance(c, str) for c in df.columns):
            return df
        import pyarrow as pa

        path = self._folder() / f"{len(list(self._folder().iterdir())):03d}.arrow"
        try:
            table = pa.Table.from_pandas(df, preserve_index=False)
            options = pa.ipc.IpcWriteOptions(compression="lz4")
            sizes = []
            with pa.ipc.new_file(path, table.schema, options=options) as writer:
                for batch in table.to_batches(max_chunksize=BLOCK_ROWS):
                    writer.write_batch(batch)
                    sizes.append(batch.num_rows)
            del table
            if sum(sizes) != len(df):
                raise AssertionError("rows lost")
            spilled = SpilledTable(path, df.columns, df.dtypes, len(df), sizes, owner=self)
            back = spilled.rows(0, BLOCK_ROWS)
            pd.testing.assert_frame_equal(back.reset_index(drop=True), df.iloc[:BLOCK_ROWS].reset_index(drop=True),
                                          check_exact=True)
        except (pa.ArrowException, AssertionError, TypeError, ValueError, OSError) as e:
            path.unlink(missing_ok=True)
            log.info("result table %s stays in memory until the workbook (%s)", name, str(e).splitlines()[0][:200])
            return df
        log.info("result table %s (%d rows) waits for the workbook on disk", name, len(df))
        return spilled

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._dir = None


__all__ = ["SPILL_ROWS", "BLOCK_ROWS", "Spill", "SpilledTable", "release_after_each_cell", "release_memory"]
