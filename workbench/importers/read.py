"""Reading an export: the loader's own reader (:mod:`workbench.data.read`), its errors as :class:`MappingError`.

The loader and the importers share one CSV/XLSX/XLS reader with header detection,
so a file the loader reads the importers read the same way, and the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from workbench.data.read import RawFile, read_file
from workbench.exceptions import DataError
from workbench.importers.report import MappingError

SourceFile = RawFile
"""One export read as raw cells: the loader's :class:`~workbench.data.read.RawFile`."""


def read_source(path: str | Path, hints: Iterable[str] = (), sheet: str | None = None) -> SourceFile:
    """Read one export as raw cells, through the loader's reader (:func:`workbench.data.read.read_file`).

    Parameters
    ----------
    path : str or Path
        ``.csv`` (also ``.tsv``/``.txt``; ``,`` ``;`` tab or ``|`` separated, told from
        the lines), ``.csv.gz``, ``.xlsx``/``.xlsm``, old ``.xls`` or ``.parquet``.
    hints : iterable of str
        Header names the caller expects; they locate the header row below a title row
        and choose the sheet of a workbook with several sheets.
    sheet : str, optional
        The sheet to read; by default the one whose header matches ``hints`` best. Two
        sheets that match equally well are an error naming both.

    Returns
    -------
    SourceFile

    Raises
    ------
    MappingError
        Missing, empty, damaged or renamed (``BadZipFile``, ``CalamineError``) or
        unsupported file; ambiguous or unknown sheet. The message names the file and
        what was expected; no parser traceback reaches the user.
    """
    try:
        return read_file(path, hints, sheet)
    except DataError as exc:
        msg = str(exc)
        if "look equally like" in msg:
            msg += " (--sheet NAME, or 'sheet:' in a mapping file)"
        raise MappingError(msg) from None
