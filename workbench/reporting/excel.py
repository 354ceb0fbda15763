"""A report's result tables as one Excel workbook, in the report's language (XlsxWriter).

The CSV files stay the canonical, language-independent form. The workbook is the
reader's copy of the same tables:

- a first sheet *About* / *说明*: the report's title, parameters and data, what each
  sheet is, how many rows it has, and where the sample sizes are;
- a sheet per result table, named after the table (as its CSV file; at most 31
  characters, unique, none of ``[]:*?/\\``), its header row in the report's language
  with units (the headers the HTML table shows), frozen, with an autofilter;
- numbers stay numbers with an Excel number format per kind (``0.0%`` for a share,
  ``"¥"#,##0`` for money, ``#,##0`` for a count, ``yyyy-mm-dd`` for a date ...), rounded
  as in the CSV (:func:`~workbench.reporting.export.round_noise`);
- ids, codes and periods (``customer_id``, ``2026-03``, ``2026-Q1``) are text cells, never
  turned into numbers or dates;
- text that a spreadsheet would run as a formula (a cell starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return) gets a leading ``'`` as in the CSV (OWASP
  "CSV injection") and is stored as a text cell; characters XML cannot hold become
  ``\\ufffd``, a carriage return inside a text becomes the cell line break (LF); a text
  longer than Excel's 32,767 characters is cut with ``…``;
- column widths from the header and the first rows' text (CJK characters count double),
  in characters as Excel shows them;
- a table longer than an Excel sheet (:data:`MAX_ROWS` rows) is cut, and the About sheet says so.

XlsxWriter (``constant_memory`` mode) writes the workbook: the About sheet and each result
sheet's header row with its typed writers, the column widths, each column's number format
(its default style), the frozen pane and the autofilter. The data rows below the headers,
millions of cells in a customer list, are written in blocks of :data:`ROW_BLOCK` rows into
that workbook as the XML XlsxWriter's typed writers write (:mod:`workbench.reporting.excel_xml`:
a text is an inline string, never a number, date or formula), from cells computed a column
at a time (:mod:`workbench.reporting.excel_cells`: the values :func:`cell_value` gives one by
one). Memory holds one block; the time is linear in cells.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.reporting.excel_cells import MAX_CELL_TEXT, column_cells, date_or_text, text_cell
from workbench.reporting.excel_xml import SheetRows, cells_xml, rows_xml, serials, splice_rows
from workbench.reporting.export import round_noise
from workbench.reporting.formats import NUMERIC_KINDS, Formatter, is_missing

MAX_SHEET_NAME = 31
MAX_WIDTH = 60
WIDTH_SAMPLE = 200
"""Rows whose text sets a column's width (the header always counts)."""

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_TOKEN = re.compile(r"[a-z0-9]+")

ID_TOKENS = {"id", "ids", "code", "key"}
"""Last name token of a column holding identifiers: written as text, never as a number."""
PERIOD_NAMES = {"period", "cohort", "month", "quarter", "year", "first_period", "last_period", "period_from",
                "period_to", "week"}
"""Column names of periods (``2026-03``, ``2026-Q1``, ``2026``): text unless they hold dates."""
MONEY_TOKENS = {"revenue", "spend", "cost", "cac", "clv", "monetary", "aov", "budget", "commission", "clawback",
                "pay", "bonus", "money", "price", "shortfall"}
NOT_MONEY_TOKENS = {"share", "rate", "ratio", "growth", "pct", "rank", "multiple", "n", "index", "score", "roas",
                    "roi", "days", "column", "p"}
P_NAMES = {"p", "p_value", "p_adj", "p_adjusted", "q_value"}
NUMBER = "number"
"""The workbook's kind of a number nobody declared: every significant digit the CSV keeps shows."""
NUMBERS = NUMERIC_KINDS | {NUMBER}


@dataclass
class Sheet:
    """One result table as the workbook shows it.

    Attributes
    ----------
    table : str
        Result-table name (its CSV is ``<table>.csv``).
    data : DataFrame
        Every row and column of the saved table, raw values.
    kinds : dict
        Column -> format kind (see :mod:`workbench.reporting.formats`).
    headers : dict
        Column -> header text in the report's language (units included).
    description : str
        What the table is, in the report's language (the About sheet lists it).
    cell_text : dict
        Column -> function giving a cell's text (code columns shown by their label).
    size_hint : int, optional
        :func:`size_hint` of ``data`` (computed from ``data`` when not given).
    """

    table: str
    data: pd.DataFrame
    kinds: dict[str, str]
    headers: dict[str, str]
    description: str = ""
    cell_text: dict[str, Callable] = field(default_factory=dict)
    size_hint: int | None = None  # :func:`size_hint` of ``data``, when taken before it went to disk


def workbook_name(stem: str, lang: str) -> str:
    """File name of a report's workbook: ``20_channel_evaluation.zh.xlsx`` (one per language)."""
    return f"{stem}.{lang}.xlsx"


def sheet_names(names: Sequence[str], reserved: Iterable[str] = ()) -> list[str]:
    """Excel-safe, unique sheet names for ``names`` (in order).

    Excel refuses ``[]:*?/\\``, a name longer than 31 characters, a name starting or ending
    with ``'``, ``History``, and two names that differ only in case.
    """
    taken = {r.casefold() for r in reserved} | {"history"}
    out = []
    for raw in names:
        base = _SHEET_BAD.sub("_", str(raw)).strip("'").strip() or "sheet"
        base = base[:MAX_SHEET_NAME]
        name, i = base, 1
        while name.casefold() in taken:
            i += 1
            suffix = f"~{i}"
            name = base[:MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _tokens(name: str) -> list[str]:
    return _TOKEN.findall(str(name).lower())


def is_id_column(name: str) -> bool:
    """A column of identifiers or codes by its name: ``customer_id``, ``rfm_code``, ``id``."""
    toks = _tokens(name)
    return bool(toks) and toks[-1] in ID_TOKENS


def guess_kind(name: str, s: pd.Series) -> str:
    """The kind of a column nobody declared, for the workbook, from its name and values.

    Ids, codes and periods are ``text``; then, for numbers only: p-values (``p_value``,
    ``q_value``) ``p``; a ``share``/``rate`` column whose values lie in 0..1 ``share``;
    a money word (``revenue``, ``spend``, ``cac`` ...) without a ratio word ``money``;
    whole numbers ``count``; other numbers ``number`` (``#,##0.0#####``: 0.0000783 does not
    read 0.0). Dates are ``date``, booleans ``bool``.
    """
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if is_id_column(name) or str(name).lower() in PERIOD_NAMES:
        return "text"
    if not (pd.api.types.is_numeric_dtype(s)):
        return "text"
    toks = _tokens(name)
    vals = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    finite = vals[np.isfinite(vals)]
    if str(name).lower() in P_NAMES or (toks and toks[-1] == "p" and "adj" in toks) \
            or str(name).lower().endswith("_p_value"):
        return "p"
    if ({"share", "rate"} & set(toks)) and not ({"pct", "pp", "change", "diff"} & set(toks)) \
            and len(finite) and finite.min() >= 0 and finite.max() <= 1:
        return "share"
    money = MONEY_TOKENS & set(toks)
    if len(money) == 1 and not (NOT_MONEY_TOKENS & set(toks)):
        return "money"
    if pd.api.types.is_integer_dtype(s) or (len(finite) and (finite == np.round(finite)).all()):
        return "count"
    return NUMBER


def number_format(kind: str, fmt: Formatter) -> str:
    """The Excel number format of ``kind`` (the report's currency symbol, its language's pp unit)."""
    sym = fmt.symbol.strip().replace('"', "")
    pp = " 个百分点" if fmt.lang == "zh" else " pp"
    money = f'"{sym}"#,##0;-"{sym}"#,##0'
    return {
        "share": "0.0%",
        "change": "+0.0%;-0.0%;0.0%",
        "pp": f'+0.0"{pp}";-0.0"{pp}";0.0"{pp}"',
        "money": money, "money_month": money, "money_year": money, "money_quarter": money,
        "money_window": money,
        "money_signed": f'+"{sym}"#,##0;-"{sym}"#,##0;"{sym}"0',
        "count": "#,##0",
        "num": "#,##0.0",
        "num2": "#,##0.00",
        "days": "#,##0.0",
        "p": '[<0.001]"< 0.001";0.000',
        "param": "#,##0.000###",
        "date": "yyyy-mm-dd",
        NUMBER: "#,##0.0#####",
    }.get(kind, "General")


_text = text_cell
"""A text cell: neutralised like the CSV, no character XML cannot hold, within Excel's length."""


def cell_value(v, kind: str, fmt: Formatter, text: Callable | None = None):
    """The value a cell of ``kind`` holds: a number (rounded as in the CSV), a datetime or text.

    ``None`` for a missing value (an empty cell). Infinity, which Excel cannot store,
    becomes the text ``∞`` / ``-∞``; a whole number of 15 digits or more (beyond Excel's
    precision) is written as text so that no digit is lost.
    """
    if is_missing(v):
        return None
    if text is not None:
        return _text(text(v))
    if kind == "light":
        return fmt.light_word(v)
    if kind == "bool":
        return fmt(v, "bool") if isinstance(v, (bool, np.bool_)) else _text(v)
    if kind == "date":
        return date_or_text(v)
    if kind in NUMBERS:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            return _text(v)  # a number column holding text: shown as it is
        if isinstance(v, (int, np.integer)):
            return int(v) if abs(int(v)) < 10**15 else str(int(v))
        x = float(v)
        if math.isinf(x):
            return "∞" if x > 0 else "-∞"
        x = round_noise(x, kind)  # as in the CSV
        if kind == "pp":
            x = round(x * 100, 12)  # the cell holds percentage points; its format says "pp"
            if math.isinf(x):  # beyond the largest float in points
                return "∞" if x > 0 else "-∞"
        if x.is_integer() and abs(x) >= 10**15:
            return str(int(x))
        return x
    return _text(v)


def column_width(header: str, texts: Iterable[str]) -> float:
    """A column's width: its widest header line or sample text, plus padding, at most 60."""
    widest = max([display_width(line) for line in header.split("\n")] + [display_width(t) for t in texts] + [4])
    return float(min(widest + 2, MAX_WIDTH))


def _sample_text(v, kind: str, fmt: Formatter) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return "2026-03-05"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if kind == NUMBER:
            return f"{v:,.6f}".rstrip("0").rstrip(".") + ".0"
        try:
            return fmt(v / 100 if kind == "pp" else v, kind if kind in NUMERIC_KINDS else "num2")
        except (ValueError, TypeError, OverflowError):
            return str(v)
    return str(v)


MAX_ROWS = 1_048_575
"""Data rows an Excel sheet holds below its header row."""
ROW_BLOCK = 20_000
"""Rows converted and serialised at once (the memory of one block's cells and XML)."""


def write_workbook(path: str | Path, sheets: Sequence[Sheet], fmt: Formatter, about: Sequence[tuple[str, str]] = (),
                   about_title: str = "About", sheet_list_headers: Sequence[str] = ("Sheet", "Table", "Rows",
                                                                                     "Description"),
                   about_notes: Sequence[str] = (),
                   truncated_note: str = "Only the first {shown} of {rows} rows fit in an Excel sheet; "
                                         "the CSV file of this table has them all.") -> Path:
    """Write ``sheets`` as one workbook at ``path`` (atomically: a temporary file, then renamed).

    Parameters
    ----------
    path : str or Path
        Where the ``.xlsx`` goes.
    sheets : sequence of Sheet
        The result tables, in the order the report saved them.
    fmt : Formatter
        The report's formatter (language, currency symbol).
    about : sequence of (label, value)
        Lines of the About sheet (title, parameters, data), already in the report's language.
    about_title : str
        Name of the About sheet (``About`` / ``说明``).
    sheet_list_headers : sequence of 4 str
        Headers of the About sheet's list of sheets: sheet, table, rows, description.
    about_notes : sequence of str
        Paragraphs under the list (how to read the sample sizes ...).
    truncated_note : str
        Added to the description of a table longer than an Excel sheet (``{shown}``, ``{rows}``):
        such a sheet holds the first :data:`MAX_ROWS` rows, the CSV all of them.
    """
    import xlsxwriter

    path = Path(path)
    names = sheet_names([s.table for s in sheets], reserved=[about_title])
    path.parent.mkdir(parents=True, exist_ok=True)
    heads = path.with_name(f".{path.name}.head.tmp")  # XlsxWriter's workbook: headers, formats, About
    tmp = path.with_name(f".{path.name}.tmp")  # the same with every row: renamed when complete
    try:
        wb = xlsxwriter.Workbook(str(heads), {"constant_memory": True, "strings_to_numbers": False,
                                              "strings_to_formulas": False, "strings_to_urls": False})
        styles = _Styles(wb, fmt)
        _write_about(wb.add_worksheet(about_title), names, sheets, fmt, styles, about, sheet_list_headers,
                     about_notes, truncated_note)
        rows = {name: _write_head(wb.add_worksheet(name), s, fmt, styles) for name, s in zip(names, sheets,
                                                                                          strict=True)}
        wb.close()
        splice_rows(heads, tmp, rows)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        heads.unlink(missing_ok=True)
    return path


class _Styles:
    """The workbook's cell formats, made once each: bold, wrapped, and one per number format."""

    def __init__(self, wb, fmt: Formatter):
        self.wb, self.fmt = wb, fmt
        self.bold = wb.add_format({"bold": True})
        self.header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self._numbers: dict = {}

    def number(self, kind: str):
        """The format of a cell of ``kind``; ``None`` for a General one."""
        code = number_format(kind, self.fmt)
        if code == "General":
            return None
        if code not in self._numbers:
            self._numbers[code] = self.wb.add_format({"num_format": code})
        return self._numbers[code]


def _write(ws, row: int, col: int, value, style=None) -> None:
    """One cell of the About sheet: text as text (never a formula), numbers as numbers."""
    if value is None:
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, style)
    elif value == "":
        ws.write_blank(row, col, None, style)  # an empty text is no cell (a formatted blank one)
    else:
        _write_text(ws, row, col, _text(value), style)


def _write_text(ws, row: int, col: int, text: str, style=None) -> None:
    """A text cell by XlsxWriter, also one that looks like its rich-string markup.

    XlsxWriter writes a string starting ``<r>`` and ending ``</r>`` unescaped, as the runs of
    a rich string (the cell reads back empty, or breaks the file): such a text is written as
    a rich string of three runs in the cell's format instead, which reads back as the text.
    """
    if text.startswith("<r>") and text.endswith("</r>"):
        runs = [text[:1], text[1:3], text[3:]]
        if style is None:
            ws.write_rich_string(row, col, *runs)
        else:
            ws.write_rich_string(row, col, *[x for run in runs for x in (style, run)], style)
    else:
        ws.write_string(row, col, text, style)


def _write_about(ws, names, sheets, fmt, styles, about, sheet_list_headers, about_notes, truncated_note) -> None:
    """The About sheet: the report's lines, the list of sheets with their rows, the notes."""
    for col, width in enumerate((28, 34, 10, 70)):
        ws.set_column(col, col, width)
    row = 0
    for i, (label, value) in enumerate(about):
        _write(ws, row, 0, label, styles.bold)
        _write(ws, row, 1, value, styles.bold if i == 0 else None)
        row += 1
    row += 1
    for col, h in enumerate(sheet_list_headers):
        _write(ws, row, col, h, styles.bold)
    for name, s in zip(names, sheets, strict=True):
        row += 1
        desc = s.description or ""
        if len(s.data) > MAX_ROWS:
            desc = f"{desc} {truncated_note.format(shown=fmt.count(MAX_ROWS), rows=fmt.count(len(s.data)))}".strip()
        _write(ws, row, 0, name)
        _write(ws, row, 1, s.table)
        _write(ws, row, 2, len(s.data))
        _write(ws, row, 3, desc, styles.wrap)
    if about_notes:
        row += 1
        for note in about_notes:
            row += 1
            _write(ws, row, 0, note)


def column_cells_of(data: pd.DataFrame, s: Sheet, fmt: Formatter, c) -> list:
    """The cells of column ``c`` of ``data`` (rows of ``s.data``): :func:`cell_value` of each value."""
    kind, text = s.kinds.get(c, "text"), s.cell_text.get(c)
    return column_cells(data[c], kind, lambda v: cell_value(v, kind, fmt, text), numeric=kind in NUMBERS, text=text)


def _write_head(ws, s: Sheet, fmt: Formatter, styles: _Styles) -> SheetRows:
    """A result table's sheet but its data rows: header row (frozen, filtered), column widths and
    formats; returns its rows for :func:`~workbench.reporting.excel_xml.splice_rows`."""
    cols = list(s.data.columns)
    kinds = [s.kinds.get(c, "text") for c in cols]
    headers = [str(s.headers.get(c, c)) for c in cols]
    n = min(len(s.data), MAX_ROWS)  # an Excel sheet holds 1,048,576 rows, the header among them
    sample = s.data.iloc[:WIDTH_SAMPLE]
    for j, (c, h, k) in enumerate(zip(cols, headers, kinds, strict=True)):
        texts = [_sample_text(v, k, fmt) for v in column_cells_of(sample, s, fmt, c)]
        ws.set_column(j, j, column_width(h, texts), styles.number(k))  # the column's format: its cells'
    ws.freeze_panes(1, 0)
    if cols:
        ws.autofilter(0, 0, n, len(cols) - 1)
    for j, h in enumerate(headers):
        _write_text(ws, 0, j, _text(h), styles.header)
    return SheetRows(n, len(cols), lambda starts, col_styles: _row_blocks(s, fmt, n, starts, col_styles),
                     size_hint=s.size_hint if s.size_hint is not None else size_hint(s.data))


def _row_blocks(s: Sheet, fmt: Formatter, n: int, starts, col_styles) -> Iterator[str]:
    """The XML of a sheet's first ``n`` data rows, :data:`ROW_BLOCK` rows at a time."""
    for a in range(0, n, ROW_BLOCK):
        part = s.data.iloc[a:min(a + ROW_BLOCK, n)]
        rows = list(map(str, range(a + 2, a + 2 + len(part))))
        columns = []
        for j, c in enumerate(part.columns):
            if s.kinds.get(c) == "date" and c not in s.cell_text and pd.api.types.is_datetime64_any_dtype(part[c]):
                cells = serials(part[c])  # the serial numbers write_datetime would write, at once
            else:
                cells = column_cells_of(part, s, fmt, c)
            columns.append(cells_xml(cells, starts[j], col_styles[j], rows))
        yield rows_xml(columns, rows)


def size_hint(data: pd.DataFrame) -> int:
    """About an upper bound of the bytes of a sheet's rows as XML (the rows an Excel sheet holds):
    64 a cell, 6 a character of a column's longest text (a label or another object's text: 200 more)."""
    n = min(len(data), MAX_ROWS)
    chars = 0
    for c in data.columns:
        s = data[c].iloc[:n]
        if isinstance(s.dtype, pd.CategoricalDtype):  # its categories' texts (or their labels)
            s = pd.Series(s.cat.categories, dtype=object)
        if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
            longest = s.str.len().max(skipna=True)
            chars += 0 if pd.isna(longest) else int(longest)
        elif not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype)):
            chars += max((len(v) for v in s.tolist() if v.__class__ is str), default=0) + 200  # or its label
    return n * (64 * len(data.columns) + 6 * chars)


__all__ = ["MAX_CELL_TEXT", "MAX_ROWS", "ROW_BLOCK", "Sheet", "workbook_name", "sheet_names", "display_width",
           "is_id_column", "guess_kind", "number_format", "cell_value", "column_cells_of", "column_width",
           "size_hint", "write_workbook"]
