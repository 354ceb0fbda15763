"""A report's result tables as one Excel workbook, in the report's language (openpyxl).

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
- column widths from the header and the first rows' text (CJK characters count double).

openpyxl (already a dependency) writes in its streaming ``write_only`` mode: a row is
serialised as it is added, so a 14,000-row customer list costs memory for one row.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.reporting.export import neutralise, round_noise
from workbench.reporting.formats import NUMERIC_KINDS, Formatter, is_missing

MAX_SHEET_NAME = 31
MAX_CELL_TEXT = 32_767
MAX_WIDTH = 60
WIDTH_SAMPLE = 200
"""Rows whose text sets a column's width (the header always counts)."""

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE
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
    """

    table: str
    data: pd.DataFrame
    kinds: dict[str, str]
    headers: dict[str, str]
    description: str = ""
    cell_text: dict[str, Callable] = field(default_factory=dict)


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


def _text(v) -> str:
    """A text cell: neutralised like the CSV, no character XML cannot hold, within Excel's length."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        v = int(v)  # an id read as float (1234.0) is the text 1234
    t = neutralise(str(v))
    # a cell's line break is LF (XML reads a bare CR back as LF anyway)
    t = _ILLEGAL.sub("\ufffd", t.replace("\r\n", "\n").replace("\r", "\n"))
    if len(t) > MAX_CELL_TEXT:
        t = t[:MAX_CELL_TEXT - 1] + "…"
    return t


def _date(v):
    ts = pd.Timestamp(v)
    if ts.tzinfo is not None:  # Excel has no time zones: the local wall time
        ts = ts.tz_localize(None)
    return ts.to_pydatetime()


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
        try:
            return _date(v)
        except (ValueError, TypeError):
            return _text(v)
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
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.filters import AutoFilter

    path = Path(path)
    names = sheet_names([s.table for s in sheets], reserved=[about_title])
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    # the About sheet
    ws = wb.create_sheet(about_title)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 70

    def text_cell(value, font=None, wrap=False):
        c = WriteOnlyCell(ws, value=None)
        c.value = _text(value) if value is not None and not isinstance(value, (int, float)) else value
        if isinstance(c.value, str):
            c.data_type = "s"  # never a formula, whatever it starts with
        if font is not None:
            c.font = font
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        return c

    for i, (label, value) in enumerate(about):
        ws.append([text_cell(label, bold), text_cell(value, bold if i == 0 else None)])
    ws.append([])
    ws.append([text_cell(h, bold) for h in sheet_list_headers])
    for name, s in zip(names, sheets, strict=True):
        desc = s.description or ""
        if len(s.data) > MAX_ROWS:
            desc = f"{desc} {truncated_note.format(shown=fmt.count(MAX_ROWS), rows=fmt.count(len(s.data)))}".strip()
        ws.append([text_cell(name), text_cell(s.table), len(s.data), text_cell(desc, wrap=True)])
    if about_notes:
        ws.append([])
        for note in about_notes:
            ws.append([text_cell(note)])

    # one sheet per table
    for name, s in zip(names, sheets, strict=True):
        ws = wb.create_sheet(name)
        cols = list(s.data.columns)
        kinds = [s.kinds.get(c, "text") for c in cols]
        texts = [s.cell_text.get(c) for c in cols]
        headers = [str(s.headers.get(c, c)) for c in cols]
        series = [s.data[c].tolist() for c in cols]
        n = min(len(s.data), MAX_ROWS)  # an Excel sheet holds 1,048,576 rows, the header among them
        for j, (h, k, col, tx) in enumerate(zip(headers, kinds, series, texts, strict=True), start=1):
            sample = [_sample_text(cell_value(v, k, fmt, tx), k, fmt) for v in col[:WIDTH_SAMPLE]]
            ws.column_dimensions[get_column_letter(j)].width = column_width(h, sample)
        ws.freeze_panes = "A2"
        if cols:
            ws.auto_filter = AutoFilter(ref=f"A1:{get_column_letter(len(cols))}{n + 1}")
        head = []
        for h in headers:
            c = WriteOnlyCell(ws, value=_text(h))
            c.data_type = "s"
            c.font = bold
            c.alignment = Alignment(wrap_text=True, vertical="top")
            head.append(c)
        ws.append(head)
        # one styled cell per column, reused row after row (write_only serialises a row as it is added)
        proto = []
        for k in kinds:
            c = WriteOnlyCell(ws, value=None)
            c.number_format = number_format(k, fmt)
            proto.append(c)
        for i in range(n):
            row = []
            for j in range(len(cols)):
                v = cell_value(series[j][i], kinds[j], fmt, texts[j])
                if v is None:
                    row.append(None)
                    continue
                c = proto[j]
                c.value = v
                if isinstance(v, str):
                    c.data_type = "s"  # text is text: "=1+1" or "2026-03" is never a formula or a date
                row.append(c)
            ws.append(row)

    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(tmp)
    tmp.replace(path)
    return path


__all__ = ["Sheet", "workbook_name", "sheet_names", "display_width", "is_id_column", "guess_kind", "number_format",
           "cell_value", "column_width", "write_workbook"]
