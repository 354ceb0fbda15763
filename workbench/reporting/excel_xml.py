"""A sheet's data rows as SpreadsheetML, written in bulk into the workbook XlsxWriter made.

XlsxWriter writes the workbook: the About sheet, every result sheet's header row, its
column widths and number formats (each column's format is its default style), frozen
pane and autofilter. Its typed cell writers cost several microseconds a cell, most of a
report's time for a customer list of millions of cells, so the data rows below the
header are written here, a block of rows at a time, as the XML XlsxWriter writes in its
``constant_memory`` mode:

- a number ``<c r="B2" s="3"><v>1234.5</v></c>`` (the shortest text that reads back to the
  same double); a date the same, its Excel serial number;
- a text ``<c r="A2" s="3" t="inlineStr"><is><t>…</t></is></c>``, never a formula or a
  number: ``&``, ``<``, ``>`` escaped, a literal ``_x0041_`` written ``_x005F_x0041_``
  (else Excel reads it as the character it names), leading or trailing white space kept;
- a missing value or an empty text: no cell (as openpyxl wrote it before).

:func:`splice_rows` copies XlsxWriter's file into the final one, inserting each sheet's
rows after its header row and setting the sheet's dimension to all its rows.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from workbench.reporting.excel_cells import flagged

COMPRESS_LEVEL = 1
"""zlib level of the workbook: level 1 compresses the sheets' XML 2-3x faster than the default 6,
the file ~30% larger."""
ZIP64_BYTES = 1_500_000_000
"""A sheet whose XML may pass this many bytes is stored with ZIP64 sizes (zip's own end at 2 GiB)."""

_ESCAPE_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_EPOCH = np.datetime64("1899-12-31T00:00:00", "us")
_US_PER_DAY = 86_400_000_000
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


# -- cells ------------------------------------------------------------------------------------

def text_xml(t: str) -> str:
    """The end of an inline-string cell holding ``t`` (what follows ``<c r="A2" s="3"``)."""
    if "&" in t or "<" in t or ">" in t:
        t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in t:
        t = _ESCAPE_ESCAPE.sub(r"_x005F\1", t)
    space = ' xml:space="preserve"' if t and (t[0].isspace() or t[-1].isspace()) else ""
    return f' t="inlineStr"><is><t{space}>{t}</t></is></c>'


_MAY_ESCAPE = re.compile(r"(?m)[&<>]|_x[0-9a-fA-F]{4}_|^\s|\s$")
"""What :func:`text_xml` escapes or keeps with ``xml:space``."""


def text_ends(texts: list[str]) -> list[str]:
    """:func:`text_xml` of every string, only those that need escaping escaped one by one."""
    out = [f' t="inlineStr"><is><t>{t}</t></is></c>' for t in texts]
    for i in flagged(texts, _MAY_ESCAPE):
        out[i] = text_xml(texts[i])
    return out


def excel_serial(d: dt.datetime) -> float:
    """Excel's serial number of a naive datetime: days since 1899-12-31, 1900 counted as a leap year."""
    delta = d - dt.datetime(1899, 12, 31)
    x = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / 86_400
    return x + 1 if x > 59 else x


def serials(s: pd.Series) -> list:
    """:func:`excel_serial` of every value of a datetime column (a zoned one's wall time), ``None`` where missing."""
    if getattr(s.dtype, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    us = s.to_numpy(dtype="datetime64[us]")  # as to_pydatetime: nanoseconds dropped
    nat = np.isnat(us)
    days, rest = np.divmod((np.where(nat, _EPOCH, us) - _EPOCH).astype(np.int64), _US_PER_DAY)
    seconds, micro = np.divmod(rest, 1_000_000)
    x = days + (seconds.astype(float) + micro.astype(float) / 1e6) / 86_400
    out = np.where(x > 59, x + 1, x).tolist()
    for i in np.flatnonzero(nat).tolist():
        out[i] = None
    return out


def value_xml(v) -> str:
    """The end of the cell holding the cell value ``v``: a number, a text or a datetime."""
    if v.__class__ is str:
        return text_xml(v)
    if isinstance(v, dt.datetime):
        v = excel_serial(v)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float)):
        raise TypeError(f"a cell holds a number, a text or a datetime, not {v!r}")
    return f"><v>{v!r}</v></c>" if isinstance(v, float) else f"><v>{int(v)}</v></c>"


def cells_xml(cells: list, start: str, style: str, rows: Sequence[str]) -> list[str]:
    """Each cell of a column as XML (``""`` where there is none: a missing value or an empty text).

    ``start`` opens its cells (``<c r="B``), ``style`` is its style attribute (`` s="3"`` or
    ``""``), ``rows`` the row numbers as text. Texts are escaped once each.
    """
    mid = '"' + style
    types = set(map(type, cells))
    if types <= {float, int, type(None)}:
        return ["" if v is None else f"{start}{r}{mid}><v>{v!r}</v></c>" for r, v in zip(rows, cells, strict=True)]
    strs = [v for v in set(cells) if v.__class__ is str]
    ends = {t: mid + end for t, end in zip(strs, text_ends(strs), strict=True)}
    if types <= {str, type(None)}:
        return ["" if v is None or v == "" else start + r + ends[v] for r, v in zip(rows, cells, strict=True)]
    # numbers among texts: a float key would take an int's place (1 == 1.0), so numbers one by one
    return ["" if v is None or v == "" else start + r + (ends[v] if v.__class__ is str else mid + value_xml(v))
            for r, v in zip(rows, cells, strict=True)]


def rows_xml(columns: Sequence[list[str]], rows: Sequence[str]) -> str:
    """The ``<row>`` elements of a block of rows from its columns' cells (:func:`cells_xml`)."""
    return "".join([f'<row r="{r}">{"".join(cells)}</row>' for r, cells in zip(rows, zip(*columns, strict=True),
                                                                            strict=True)])


# -- the package -------------------------------------------------------------------------------

@dataclass
class SheetRows:
    """The data rows of one sheet, for :func:`splice_rows`.

    Attributes
    ----------
    n, m : int
        Rows (below the header) and columns.
    blocks : callable
        Given each column's cell start (``<c r="B``) and style attribute, the rows' XML in
        blocks (:func:`rows_xml`), the first row being row 2.
    size_hint : int
        An upper bound of the XML's bytes (ZIP64 sizes above :data:`ZIP64_BYTES`).
    """

    n: int
    m: int
    blocks: Callable[[Sequence[str], Sequence[str]], Iterator[str]]
    size_hint: int = 0


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part in the package (by the workbook part and its relationships)."""
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship")}
    out = {}
    for sheet in book.iter(f"{_NS}sheet"):
        t = target[sheet.get(f"{_REL}id")]
        out[sheet.get("name")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return out


def column_styles(sheet_xml: str, m: int) -> list[str]:
    """Each column's style attribute (`` s="3"`` or ``""``) from the sheet's ``<col>`` elements."""
    styles = [""] * m
    for col in re.finditer(r"<col\s[^>]*/>", sheet_xml):
        attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', col.group(0)))
        if attrs.get("style"):
            for j in range(int(attrs["min"]) - 1, min(int(attrs["max"]), m)):
                styles[j] = f' s="{attrs["style"]}"'
    return styles


def _write_sheet(zout: zipfile.ZipFile, info: zipfile.ZipInfo, sheet_xml: str, rows: SheetRows) -> None:
    """The sheet's XML with its data rows after the header row, its dimension all its rows."""
    if "</sheetData>" not in sheet_xml:  # no header row either
        sheet_xml = sheet_xml.replace("<sheetData/>", "<sheetData></sheetData>", 1)
    end = sheet_xml.index("</sheetData>")
    dim = f'<dimension ref="A1:{xl_col_to_name(rows.m - 1)}{rows.n + 1}"/>'
    head, n_dims = re.subn(r"<dimension ref=\"[^\"]*\"/>", dim, sheet_xml[:end], count=1)
    if n_dims != 1:
        raise ValueError(f"{info.filename}: no <dimension> element where the sheet's XML should have one")
    starts = [f'<c r="{xl_col_to_name(j)}' for j in range(rows.m)]
    # opened by name, the part gets the archive's compression and level
    with zout.open(info.filename, "w", force_zip64=rows.size_hint > ZIP64_BYTES) as f, _Background(f) as out:
        out.write(head.encode("utf-8"))
        for block in rows.blocks(starts, column_styles(sheet_xml, rows.m)):
            out.write(block.encode("utf-8"))
        out.write(sheet_xml[end:].encode("utf-8"))


class _Background:
    """Writes to ``f`` in a second thread: a block of rows is compressed (zlib lets go of the GIL)
    while the next one is made. At most :data:`QUEUED` blocks wait; an error in either thread ends
    both and is raised here."""

    QUEUED = 2

    def __init__(self, f):
        import queue
        import threading

        self.f, self.error = f, None
        self.q: queue.Queue = queue.Queue(maxsize=self.QUEUED)
        self.thread = threading.Thread(target=self._run, name="workbook-writer", daemon=True)

    def _run(self) -> None:
        while (data := self.q.get()) is not None:
            if self.error is None:
                try:
                    self.f.write(data)
                except BaseException as e:  # kept for the main thread, which raises it
                    self.error = e

    def write(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.q.put(data)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.q.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error


def splice_rows(src: Path, dst: Path, rows: dict[str, SheetRows], level: int = COMPRESS_LEVEL) -> None:
    """Copy the workbook ``src`` to ``dst``, the data rows of each sheet named in ``rows`` after its header."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                                                      compresslevel=level) as zout:
        parts = {path: name for name, path in sheet_parts(zin).items() if name in rows}
        missing = set(rows) - set(parts.values())
        if missing:
            raise ValueError(f"{src}: no sheet named {sorted(missing)} in the workbook")
        for info in zin.infolist():
            data = zin.read(info.filename)
            name = parts.get(info.filename)
            if name is None or rows[name].n == 0 or rows[name].m == 0:
                zout.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), data,
                              compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)
            else:
                _write_sheet(zout, info, data.decode("utf-8"), rows[name])


__all__ = ["COMPRESS_LEVEL", "text_xml", "text_ends", "excel_serial", "serials", "value_xml", "cells_xml", "rows_xml",
           "SheetRows", "sheet_parts", "column_styles", "splice_rows"]
