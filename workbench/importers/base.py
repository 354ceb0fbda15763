"""Shared machinery of the importers: read an export, find its columns, map its values,
parse its dates and amounts, and write a dataset folder atomically with a report.

Every importer (Zoho CRM, Fxiaoke, a mapping file) does the same four things:

1. read each source file as raw cells (:func:`read_source`) through the loader's own
   reader (:mod:`workbench.data.read`): CSV in UTF-8, UTF-8 with BOM or GBK/GB18030,
   any of ``,`` ``;`` tab ``|`` as delimiter, ``.csv.gz``, XLSX or old XLS (the sheet
   whose header fits best); a title row above the header is skipped;
2. find the columns it needs by their aliases (:func:`resolve_fields`): a required one
   that is missing stops the import with the columns found and the closest candidates;
3. turn cells into canonical values: :func:`map_values` (picklists such as stage to
   status; an unknown value stops the import with a list and the YAML that maps it),
   :func:`parse_dates` (explicit formats, epoch milliseconds in a time zone),
   :func:`parse_money` (currency symbols, thousands separators, 万);
4. :func:`write_dataset`: write the tables into a staging folder next to the output,
   check it with :func:`~workbench.data.loader.load_dataset` (strict), save
   ``import_report.json`` and move the folder into place in one rename. An error at
   any step leaves nothing behind.

Everything an import did is recorded on an :class:`ImportReport`: rows read per file,
rows written per table, rows dropped and why, values mapped, blanks filled, columns
left unmapped, warnings.
"""

from __future__ import annotations

import ast
import difflib
import json
import logging
import operator
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PField

from workbench.data import coerce
from workbench.data.aliases import aliases_for, suggest, value_key
from workbench.data.aliases import map_values as alias_map
from workbench.data.loader import format_issues, load_dataset
from workbench.data.read import RawFile, read_file
from workbench.data.schema import (
    CATEGORY,
    DATE,
    ID,
    MONEY,
    NUMBER,
    PERIOD,
    TABLES,
    TEXT,
)
from workbench.exceptions import DataError

log = logging.getLogger(__name__)

DROP = "__drop__"
"""A value-map target that drops the row (with its reason in the report)."""

REPORT_FILE = "import_report.json"
MAX_SHOWN = 5

# Unambiguous textual spellings tried after ISO / 2026年3月5日 / epoch (Zoho shows "Mar 15, 2024").
TEXT_DATE_FORMATS = (
    "%b %d, %Y", "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M", "%b %d, %Y %H:%M:%S",
    "%d %b %Y", "%d %b %Y %H:%M", "%d-%b-%Y", "%d-%b-%Y %H:%M", "%B %d, %Y", "%d %B %Y",
)
_EPOCH_RE = r"^\s*\d{12,13}(?:\.0+)?\s*$"
_CURRENCY_MARKS = {
    "CNY": r"[¥￥元]|RMB|CNY", "USD": r"\$|USD", "EUR": r"€|EUR", "GBP": r"£|GBP",
    "JPY": r"JPY", "HKD": r"HK\$|HKD", "INR": r"₹|INR|Rs\.?",
}


def is_drop(s: pd.Series) -> pd.Series:
    """True where a value map sent the row to :data:`DROP`."""
    if s.dtype == object:
        return s.map(lambda v: isinstance(v, str) and v == DROP).astype(bool)
    if pd.api.types.is_string_dtype(s):
        return s.eq(DROP).fillna(False).astype(bool)
    return pd.Series(False, index=s.index)


class MappingError(DataError):
    """A source that cannot be mapped onto the data model (names file, column and values)."""


# ----------------------------------------------------------------------------- names


def norm(name: Any) -> str:
    """Header or value key for matching: case, spaces, ``_`` / ``-`` and full-width brackets ignored.

    ``"Deal_Name"``, ``"deal name"`` and ``" Deal  Name "`` are one name;
    ``"Account Name.id"`` keeps its ``.id``; ``"赢率（%）"`` equals ``"赢率(%)"``.
    """
    text = str(name).replace("\ufeff", "").strip().casefold()
    text = text.translate(str.maketrans({"（": "(", "）": ")", "：": ":", "　": " "}))
    return re.sub(r"[\s_\-]+", " ", text).strip()


def norm_series(s: pd.Series) -> pd.Series:
    """:func:`norm` of every cell, computed once per distinct value."""
    codes, uniques = pd.factorize(s)
    normed = np.array([norm(u) for u in uniques] + [None], dtype=object)
    return pd.Series(normed[codes], index=s.index, dtype=object)


def snake(name: Any) -> str:
    """A source header as a canonical-looking extra column name (``Ship Mode`` → ``ship_mode``)."""
    return re.sub(r"[\s\-.]+", "_", str(name).strip().lower()).strip("_")


def closest(wanted: Iterable[str], found: Iterable[str], n: int = 3) -> list[str]:
    """Columns of ``found`` whose names are closest to any of ``wanted`` (best first)."""
    found = list(found)
    keys = {norm(c): c for c in found}
    scored: dict[str, float] = {}
    for w in wanted:
        for k in difflib.get_close_matches(norm(w), list(keys), n=n, cutoff=0.45):
            ratio = difflib.SequenceMatcher(None, norm(w), k).ratio()
            scored[keys[k]] = max(scored.get(keys[k], 0.0), ratio)
        w_n = norm(w)
        # A renamed label usually keeps the old words: "Stage" → "Sales Stage".
        for k, c in keys.items():
            if len(w_n) >= 3 and len(k) >= 3 and (f" {w_n} " in f" {k} " or f" {k} " in f" {w_n} "):
                scored[c] = max(scored.get(c, 0.0), 0.9)
        # Chinese labels: a shared two-character word (客户, 金额, 日期) is a strong hint.
        if any("\u4e00" <= ch <= "\u9fff" for ch in w_n):
            for k, c in keys.items():
                bigrams = {w_n[i:i + 2] for i in range(len(w_n) - 1)}
                if any(b in k for b in bigrams):
                    scored[c] = max(scored.get(c, 0.0), 0.5)
    return [c for c, _ in sorted(scored.items(), key=lambda kv: -kv[1])][:n]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# ----------------------------------------------------------------------------- the report


@dataclass
class ImportReport:
    """What an import did, for the person who ran it and for ``import_report.json``."""

    source: str
    output: str | None = None
    files: list[dict] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    dropped: list[dict] = field(default_factory=list)
    mapped: list[dict] = field(default_factory=list)
    filled: list[dict] = field(default_factory=list)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    unmapped: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    validation: list[str] = field(default_factory=list)
    currency: str | None = None
    converted: list[dict] = field(default_factory=list)

    def add_file(self, src: SourceFile, role: str) -> None:
        self.files.append({
            "file": src.label, "role": role, "format": src.format, "encoding": src.encoding,
            "sheet": src.sheet if len(src.sheets) > 1 else None, "header_line": src.header_row + 1,
            "rows_read": len(src.frame),
        })

    def drop(self, table: str, file: str | None, reason: str, rows: int, examples: Iterable = ()) -> None:
        """Record ``rows`` rows not written to ``table``, and why."""
        if rows:
            self.dropped.append({"table": table, "file": file, "reason": reason, "rows": int(rows),
                                 "examples": [str(e) for e in list(examples)[:MAX_SHOWN]]})

    def map(self, file: str | None, column: str, target: str, counts: Mapping[str, tuple[Any, int]]) -> None:
        """Record a value map: ``counts`` is ``{source value: (canonical value, rows)}``."""
        if counts:
            self.mapped.append({
                "file": file, "column": column, "to": target,
                "values": {str(k): {"to": (None if v is None else str(v)), "rows": int(n)}
                           for k, (v, n) in counts.items()},
            })

    def fill(self, table: str, column: str, value: Any, rows: int, reason: str) -> None:
        if rows:
            self.filled.append({"table": table, "column": column, "value": str(value), "rows": int(rows),
                                "reason": reason})

    def warn(self, message: str) -> None:
        log.info("warning: %s", message)  # shown with the report; not twice on the console
        self.warnings.append(message)

    @property
    def rows_read(self) -> int:
        return sum(f["rows_read"] for f in self.files)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"

    def to_text(self) -> str:
        """A short readable account, as ``workbench import`` prints it."""
        lines = [f"Import from {self.source}" + (f" into {self.output}" if self.output else "")]
        for f in self.files:
            where = f" sheet '{f['sheet']}'" if f["sheet"] else ""
            enc = f", {f['encoding']}" if f["encoding"] else ""
            lines.append(f"  read    {f['file']}{where} as {f['role']}: {f['rows_read']:,} rows "
                         f"(header on line {f['header_line']}{enc})")
        for t, n in self.tables.items():
            lines.append(f"  wrote   {t}: {n:,} rows")
        for d in self.dropped:
            ex = f" e.g. {', '.join(d['examples'])}" if d["examples"] else ""
            lines.append(f"  dropped {d['rows']:,} row(s) of {d['file'] or d['table']}: {d['reason']}{ex}")
        for m in self.mapped:
            pairs = list(m["values"].items())
            shown = ", ".join(f"{k} → {v['to'] if v['to'] is not None else '(blank)'} ({v['rows']:,})"
                              for k, v in pairs[:8])
            more = f", and {len(pairs) - 8} more" if len(pairs) > 8 else ""
            lines.append(f"  mapped  {m['file']} '{m['column']}' → {m['to']}: {shown}{more}")
        for f in self.filled:
            lines.append(f"  filled  {f['table']}.{f['column']} = {f['value']!r} in {f['rows']:,} row(s): {f['reason']}")
        for file, cols in self.unmapped.items():
            if cols:
                shown = ", ".join(cols[:12]) + (f" and {len(cols) - 12} more" if len(cols) > 12 else "")
                lines.append(f"  unmapped columns of {file}: {shown}")
        for w in self.warnings:
            lines.append(f"  warning {w}")
        for c in self.converted:
            lines.append(f"  converted {c['rows']:,} {c['table']} row(s) in {c['from']} to {c['to']} at "
                         f"1 {c['to']} = {c['rate']} {c['from']} ({c['column']})")
        for v in self.validation:
            lines.append(f"  check   {v}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- reading

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


# ----------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Field:
    """A column an importer looks for, under any of its aliases (label, API name, Chinese label)."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False


def resolve_fields(
    src: SourceFile,
    fields: Iterable[Field],
    extra_aliases: Mapping[str, str | list[str]] | None = None,
    *,
    what: str = "export",
    mapping_hint: str = "",
) -> dict[str, str]:
    """Find each field's column in ``src``.

    Parameters
    ----------
    src : SourceFile
    fields : iterable of Field
    extra_aliases : mapping, optional
        ``{field: header or [headers]}`` from a user mapping file; tried before the defaults.
    what : str
        What the file is (``"Zoho Deals export"``), for messages.
    mapping_hint : str
        The YAML path where a user adds an alias, e.g. ``columns: {deals: {...}}``.

    Returns
    -------
    dict
        ``{field name: source column}`` for the fields found.

    Raises
    ------
    MappingError
        Required fields not found: each is named with the aliases tried, the columns
        found and the closest candidates.
    """
    extra_aliases = extra_aliases or {}
    by_norm: dict[str, str] = {}
    for c in src.frame.columns:
        by_norm.setdefault(norm(c), c)
    found: dict[str, str] = {}
    missing: list[tuple[Field, list[str]]] = []
    for f in fields:
        extra = extra_aliases.get(f.name, [])
        aliases = ([extra] if isinstance(extra, str) else list(extra)) + list(f.aliases)
        col = next((by_norm[norm(a)] for a in aliases if norm(a) in by_norm), None)
        if col is not None:
            found[f.name] = col
        elif f.required:
            missing.append((f, aliases))
        elif extra:
            missing.append((f, aliases))  # the user named a column that is not there
    if missing:
        cols = list(src.frame.columns)
        # A column another field of this export is known by (预计成交日期 is the expected close
        # date) is never offered for a missing one (创建时间): that would be wrong data.
        others = {norm(a) for f in fields for a in f.aliases}
        free = [c for c in cols if c not in found.values() and norm(c) not in others]
        parts = []
        for f, aliases in missing:
            cand = closest(aliases, free)
            parts.append(
                f"'{f.name}' (looked for {', '.join(repr(a) for a in aliases[:6])}"
                + (" ..." if len(aliases) > 6 else "") + ")"
                + (f"; closest: {', '.join(repr(c) for c in cand)}" if cand else "; not in the file"))
        example_field = missing[0][0].name
        example_col = (closest(missing[0][1], free) or ["<your column>"])[0]
        raise MappingError(
            f"{src.label}: the {what} lacks {len(missing)} required column(s): " + "; ".join(parts)
            + f". Columns found: {', '.join(cols)}."
            + (f" If a column was renamed, name it in a mapping file, e.g. {mapping_hint}"
               f"{{{example_field}: '{example_col}'}}" + "}" * mapping_hint.count("{") if mapping_hint else ""),
        )
    return found


def unmapped_columns(src: SourceFile, used: Iterable[str]) -> list[str]:
    used = set(used)
    return [c for c in src.frame.columns if c not in used]


# ----------------------------------------------------------------------------- values


def _text(raw: pd.Series) -> pd.Series:
    """Cells as stripped text, blank as missing (spreadsheet numbers spelt without '.0')."""
    if raw.dtype == object:
        raw = raw.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v),
                      na_action="ignore")
    t = raw.astype("str").str.strip()
    return t.where(t.notna() & t.ne(""))


def clean_ids(raw: pd.Series, *, src: SourceFile | None = None, column: str = "") -> pd.Series:
    """Ids as text; an id that Excel stored as a number past 15 digits lost its last digits: an error."""
    if raw.dtype == object or pd.api.types.is_float_dtype(raw):
        big = raw.map(lambda v: isinstance(v, float) and abs(v) >= 1e15, na_action="ignore").fillna(False)
        if big.astype(bool).any():
            where = src.label if src else "the file"
            raise MappingError(
                f"{where}, column '{column}': {int(big.sum())} id(s) were stored by Excel as numbers "
                f"(e.g. {raw[big.astype(bool)].iloc[0]!r}) and lost their last digits; export as CSV, "
                f"or format the column as text before saving")
    values, _ = coerce.coerce_id(raw)
    return values


def _key(v: Any) -> str:
    # Values compare as the loader compares them, so one alias table serves both.
    return value_key(v)


def status_values(vendor: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Lead status spellings: the data layer's alias table (``Closed Won``, 赢单, 无效 ...), then ``vendor``'s own."""
    out: dict[str, Any] = dict(aliases_for("leads", "status"))
    out.update({_key(k): v for k, v in (vendor or {}).items()})
    return out


def map_values(
    raw: pd.Series,
    mapping: Mapping[Any, Any],
    *,
    src: SourceFile | None,
    column: str,
    target: str,
    unknown: str = "error",
    report: ImportReport | None = None,
    how_to_map: str = "",
) -> pd.Series:
    """Map picklist values onto canonical ones (case and spacing ignored).

    Parameters
    ----------
    raw : Series
        Source cells.
    mapping : mapping
        ``{source value: canonical value}``; a target :data:`DROP` drops the row later,
        ``None`` makes the cell blank.
    src, column, target : for messages and the report.
    unknown : {"error", "keep", "blank"}
        A value the mapping does not know: an error listing every such value with its
        row count (default), kept as it is, or made blank.
    how_to_map : str
        The YAML path where a user maps the values (``values: {status: ...}``).

    Returns
    -------
    Series
        Mapped values (object dtype; missing where blank).
    """
    text = _text(raw)
    codes, uniques = pd.factorize(text)
    table = {_key(k): v for k, v in mapping.items()}
    mapped_u, unknown_u = [], []
    for u in uniques:
        k = _key(u)
        if k in table:
            mapped_u.append(table[k])
        else:
            unknown_u.append(u)
            mapped_u.append(u if unknown == "keep" else None)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(uniques) else np.array([])
    if unknown_u and unknown == "error":
        pos_of = {u: i for i, u in enumerate(uniques)}
        listed = sorted(unknown_u, key=lambda u: -counts[pos_of[u]])
        shown = ", ".join(f"'{u}' ({counts[pos_of[u]]:,} rows)" for u in listed[:12])
        first = np.flatnonzero(np.isin(codes, [pos_of[u] for u in listed]))[:MAX_SHOWN]
        lines = f" (first at line {', '.join(map(str, src.lines(first)))})" if src is not None else ""
        known = ", ".join(sorted({str(k) for k in mapping})[:15])
        snippet = ", ".join(f"'{u}': <{target}>" for u in listed[:3])
        where = src.label if src is not None else "source"
        raise MappingError(
            f"{where}, column '{column}': {len(listed)} value(s) the mapping to {target} does not know: "
            f"{shown}{'' if len(listed) <= 12 else f' and {len(listed) - 12} more'}{lines}. Known values: {known}. "
            f"Map them in a mapping file: {how_to_map or 'values: {' + target + ': '}{{{snippet}}}"
            + ("}" if not how_to_map else ""))
    out = pd.Series(np.array(mapped_u + [None], dtype=object)[codes], index=raw.index, dtype=object)
    if report is not None:
        changed = {str(u): (m, int(n)) for u, m, n in zip(uniques, mapped_u, counts, strict=False)
                   if m is None or str(m) != str(u)}
        report.map(src.label if src else None, column, target, changed)
    return out


def parse_dates(
    raw: pd.Series,
    formats: Iterable[str] | None = None,
    tz: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Dates from what exports write.

    Parameters
    ----------
    raw : Series
        Text cells, spreadsheet datetimes or numbers.
    formats : iterable of str, optional
        ``strptime`` formats tried in order (``"%m/%d/%Y"``), plus the words ``auto``
        (ISO 8601, ``2026/3/5``, ``2026年3月5日``, Excel serials: see
        :func:`workbench.data.coerce.coerce_date`), ``epoch_ms`` and ``epoch_s``.
        Default: ``epoch_ms``, ``auto``, then unambiguous month-name spellings
        (``Mar 15, 2024``). Day/month-first numeric dates are never guessed.
    tz : str, optional
        Time zone of the exporting tenant: epoch timestamps (UTC by definition) are
        turned into its wall-clock time (``Asia/Shanghai`` for Fxiaoke).

    Returns
    -------
    (values, bad) : (Series of datetime64[ns], Series of bool)
        ``bad`` marks cells that held something that no format could read.
    """
    blank = coerce.is_blank(raw)
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(raw):
        vals = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        return vals.astype("datetime64[ns]"), pd.Series(False, index=raw.index)
    # ISO first: one vectorised strptime reads a million cells in a fraction of a second.
    fmts = list(formats) if formats else ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "epoch_ms", "auto", *TEXT_DATE_FORMATS]
    todo = ~blank
    if raw.dtype == object:  # spreadsheet cells: real datetimes need no format
        is_dt = raw.map(lambda v: hasattr(v, "year") and hasattr(v, "month"), na_action="ignore")
        is_dt = is_dt.astype("boolean").fillna(False).astype(bool)
        if is_dt.any():
            out.loc[is_dt] = pd.to_datetime(raw[is_dt].map(lambda v: pd.Timestamp(v).tz_localize(None)
                                                           if getattr(v, "tzinfo", None) else pd.Timestamp(v)))
            todo &= ~is_dt
    text = _text(raw)
    for fmt in fmts:
        if not todo.any():
            break
        sub = text[todo]
        if fmt in ("epoch_ms", "epoch_s"):
            num = pd.to_numeric(sub.where(sub.str.match(_EPOCH_RE if fmt == "epoch_ms" else r"^\s*\d{9,10}\s*$")),
                                errors="coerce")
            ok = num.notna()
            if ok.any():
                ts = pd.to_datetime(num[ok], unit="ms" if fmt == "epoch_ms" else "s", utc=True)
                if tz:
                    ts = ts.dt.tz_convert(tz)
                got = ts.dt.tz_localize(None).astype("datetime64[ns]")
        elif fmt == "auto":
            got, _ = coerce.coerce_date(sub)
            ok = got.notna()
            got = got[ok]
        else:
            # A built-in format that reads none of a sample is skipped: a failing strptime costs
            # seconds on a million cells. A user's own formats always run on every cell.
            if not formats and len(sub) > 2000 and pd.to_datetime(sub.head(500), format=fmt, errors="coerce").isna().all():
                continue
            got = pd.to_datetime(sub, format=fmt, errors="coerce")
            ok = got.notna()
            got = got[ok]
        if ok.any():
            idx = ok[ok].index
            out.loc[idx] = got.loc[idx].to_numpy()
            todo.loc[idx] = False
    return out, todo & ~blank


def parse_money(raw: pd.Series, *, src: SourceFile | None = None, column: str = "",
                mixed: bool = False) -> tuple[pd.Series, pd.Series]:
    """Amounts from ``12,345.00``, ``¥12,345``, ``$ 1,234``, ``1.234,56``, ``3.5万``, ``(1,234)``.

    Returns
    -------
    (values, bad) : (Series of float, Series of bool)

    Raises
    ------
    MappingError
        Two currencies in one column (``$`` and ``¥``): amounts must be in one currency,
        unless ``mixed`` (a currency column beside says which, and the caller converts).
    """
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype("float64"), pd.Series(False, index=raw.index)
    text = _text(raw)
    nonnum = text.notna() & pd.to_numeric(text, errors="coerce").isna()
    if nonnum.any():
        sub = text[nonnum]
        seen = {code: int(sub.str.contains(pat, regex=True).sum()) for code, pat in _CURRENCY_MARKS.items()}
        seen = {c: n for c, n in seen.items() if n}
        if "HKD" in seen and "USD" in seen and seen["USD"] == seen["HKD"]:
            seen.pop("USD")
        if len(seen) > 1 and not mixed:
            where = src.label if src else "source"
            raise MappingError(
                f"{where}, column '{column}': amounts in {len(seen)} currencies "
                f"({', '.join(f'{c} {n:,} rows' for c, n in seen.items())}); a dataset holds one currency: "
                f"convert them first, or import each currency separately")
        unit = pd.Series(1.0, index=sub.index)
        wan = sub.str.contains("万") & ~sub.str.contains("万元以上")
        unit = unit.mask(wan, 1e4).mask(sub.str.contains("亿"), 1e8)
        cleaned = sub.str.replace(r"万|亿|HK\$|US\$|Rs\.?|₹|EUR|GBP|JPY|HKD|INR|USD|CNY|RMB|€|£", "", regex=True)
        # 1.234,56 and 99,50: a comma before one or two last digits is a decimal comma (a
        # thousands comma is always followed by three digits).
        euro = cleaned.str.match(r"^\s*-?\d{1,3}(\.\d{3})+,\d{1,2}\s*$") | cleaned.str.match(r"^\s*-?\d+,\d{1,2}\s*$")
        cleaned = cleaned.where(~euro, cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        text = text.copy()
        text.loc[nonnum] = cleaned
        values, bad = coerce.coerce_number(text)
        values.loc[nonnum] = values.loc[nonnum] * unit
        return values, bad
    values, bad = coerce.coerce_number(text)
    return values, bad


def raise_bad(bad: pd.Series, raw: pd.Series, *, src: SourceFile | None, column: str, expected: str,
              fix: str = "") -> None:
    """Stop the import on cells that could not be read, naming file, column, values and lines."""
    if not bad.any():
        return
    pos = np.flatnonzero(bad.to_numpy())
    samples = list(dict.fromkeys(str(v) for v in raw[bad].head(50)))[:5]
    where = src.label if src is not None else "source"
    lines = f" (line {', '.join(map(str, src.lines(pos[:MAX_SHOWN])))}" + (" ..." if len(pos) > MAX_SHOWN else "") + ")" \
        if src is not None else ""
    raise MappingError(
        f"{where}, column '{column}': {_plural(int(bad.sum()), 'value')} cannot be read as {expected}, "
        f"e.g. {', '.join(repr(s) for s in samples)}{lines}" + (f". {fix}" if fix else ""))


def to_probability(values: pd.Series) -> pd.Series:
    """Win probabilities as 0..1: ``60``, ``60%`` and ``0.6`` are one value."""
    v = values.astype("float64")
    return v.where(v <= 1, v / 100.0)


# ----------------------------------------------------------------------------- expressions

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def eval_expression(expr: str, resolve_column) -> pd.Series:
    """Evaluate ``Quantity * UnitPrice`` or ```Sales` - `Profit``` over numeric columns.

    Only ``+ - * /``, unary minus, numbers, parentheses and column names (bare, or in
    backticks when they hold spaces) are allowed: a mapping file cannot run code.
    """
    names: dict[str, str] = {}

    def _sub(m: re.Match) -> str:
        key = f"__c{len(names)}"
        names[key] = m.group(1)
        return key

    py = re.sub(r"`([^`]+)`", _sub, expr)
    try:
        tree = ast.parse(py, mode="eval")
    except SyntaxError as exc:
        raise MappingError(f"expression {expr!r} is not valid: {exc.msg}") from None

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.Name):
            return resolve_column(names.get(node.id, node.id))
        raise MappingError(f"expression {expr!r}: only + - * /, numbers and column names are allowed")

    return ev(tree)


# ----------------------------------------------------------------------------- user overrides


class StageRow(BaseModel):
    """One sales stage: its place in the pipeline and win probability."""

    model_config = ConfigDict(extra="forbid")

    stage: str
    order: float = PField(..., ge=1)
    probability: float | None = PField(None, ge=0, le=1)
    status: str | None = PField(None, description="open, won or lost: the status a deal at this stage has")


class VendorOverrides(BaseModel):
    """A user mapping file for the Zoho and Fxiaoke importers: aliases and values they add."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, dict[str, str | list[str]]] = PField(
        default_factory=dict, description="{module: {field: header or [headers]}}, tried before the defaults")
    values: dict[str, dict[str, Any]] = PField(
        default_factory=dict, description="{field: {source value: canonical value}}, added to the defaults")
    stages: list[StageRow] = PField(default_factory=list, description="order and probability of stages")
    channel_types: dict[str, str] = PField(default_factory=dict, description="{channel: type}")
    defaults: dict[str, str] = PField(default_factory=dict, description="fill values, e.g. channel_id: unknown")
    date_formats: list[str] | None = None
    timezone: str | None = None
    name: str | None = None
    currency: str | None = None
    company_name: str | None = None
    fiscal_year_start: int | None = PField(None, ge=1, le=12)


def load_yaml(path: str | Path) -> dict:
    """A YAML mapping file as a dict (UTF-8; errors name the file)."""
    path = Path(path)
    if not path.exists():
        raise MappingError(f"{path}: mapping file does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path.name}: not valid YAML: {exc}") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MappingError(f"{path.name}: expected a mapping (key: value) at the top level")
    return raw


def validation_message(exc: ValidationError, model: type[BaseModel], where: str) -> str:
    """A pydantic error as one line per problem, with a 'did you mean' for misspelt keys."""
    msgs = []
    for e in exc.errors():
        loc = ".".join(map(str, e["loc"]))
        if e["type"] == "extra_forbidden":
            key = str(e["loc"][-1])
            valid = list(model.model_fields) if len(e["loc"]) == 1 else []
            hint = difflib.get_close_matches(key, valid, n=1) if valid else []
            msgs.append(f"unknown key '{loc}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                        + (f"; valid keys: {', '.join(valid)}" if valid else ""))
        else:
            msgs.append(f"{loc}: {e['msg']}")
    return f"{where}: " + "; ".join(msgs)


def load_overrides(source: str | Path | Mapping | None, *, modules: Mapping[str, Iterable[str]],
                   value_fields: Iterable[str]) -> VendorOverrides:
    """Read and check a vendor mapping file: unknown modules, fields and keys are errors with hints."""
    if source is None:
        return VendorOverrides()
    where = Path(source).name if isinstance(source, str | Path) else "mapping"
    raw = load_yaml(source) if isinstance(source, str | Path) else dict(source)
    try:
        ov = VendorOverrides(**raw)
    except ValidationError as exc:
        raise MappingError(validation_message(exc, VendorOverrides, where)) from None
    for module, fields in ov.columns.items():
        if module not in modules:
            hint = difflib.get_close_matches(module, list(modules), n=1)
            raise MappingError(f"{where}: columns: unknown module '{module}'"
                               + (f" (did you mean '{hint[0]}'?)" if hint else "")
                               + f"; modules: {', '.join(modules)}")
        known = list(modules[module])
        for f in fields:
            if f not in known:
                hint = difflib.get_close_matches(f, known, n=1)
                raise MappingError(f"{where}: columns.{module}: unknown field '{f}'"
                                   + (f" (did you mean '{hint[0]}'?)" if hint else "")
                                   + f"; fields: {', '.join(known)}")
    value_fields = list(value_fields)
    for f in ov.values:
        if f not in value_fields:
            hint = difflib.get_close_matches(f, value_fields, n=1)
            raise MappingError(f"{where}: values: unknown field '{f}'"
                               + (f" (did you mean '{hint[0]}'?)" if hint else "")
                               + f"; fields with value maps: {', '.join(value_fields)}")
    from workbench.data.schema import CHANNEL_TYPES

    for ch, typ in ov.channel_types.items():
        if typ not in CHANNEL_TYPES:
            raise MappingError(f"{where}: channel_types: '{ch}' has type '{typ}'; valid types: {', '.join(CHANNEL_TYPES)}")
    for s in ov.stages:
        if s.status is not None and s.status not in ("open", "won", "lost"):
            raise MappingError(f"{where}: stages: '{s.stage}' has status '{s.status}'; expected open, won or lost")
    return ov


# ----------------------------------------------------------------------------- canonical tables


class Export:
    """One vendor export with its columns resolved; cells keep the source row index.

    Parameters
    ----------
    module : str
        The module or object (``deals``, ``opportunities`` ...).
    src : SourceFile
    fields : iterable of Field
    ov : VendorOverrides
    report : ImportReport
    what : str
        How messages name the file (``"Zoho Deals export"``).
    """

    def __init__(self, module: str, src: SourceFile, fields: Iterable[Field], ov: VendorOverrides,
                 report: ImportReport, what: str):
        self.module, self.src, self.ov, self.report, self.what = module, src, ov, report, what
        self.cols = resolve_fields(src, fields, ov.columns.get(module), what=what,
                                   mapping_hint=f"columns: {{{module}: ")
        report.add_file(src, what)
        report.columns[src.label] = dict(self.cols)
        report.unmapped[src.label] = unmapped_columns(src, self.cols.values())

    @property
    def index(self) -> pd.Index:
        return self.src.frame.index

    def has(self, f: str) -> bool:
        return f in self.cols

    def raw(self, f: str) -> pd.Series:
        return self.src.frame[self.cols[f]]

    def blank(self) -> pd.Series:
        return pd.Series(pd.NA, index=self.index, dtype=object)

    def get(self, f: str, table: str, column: str) -> pd.Series:
        """Field ``f`` coerced to the kind of ``table.column`` (all missing when absent)."""
        if f not in self.cols:
            return self.blank()
        return coerce_kind(self.raw(f), table, column, src=self.src, source_column=self.cols[f],
                           date_formats=self.ov.date_formats, tz=self.ov.timezone)

    def text(self, f: str) -> pd.Series:
        return _text(self.raw(f)) if f in self.cols else self.blank()

    def ids(self, f: str) -> pd.Series:
        if f not in self.cols:
            return self.blank()
        raw = self.raw(f)
        if pd.api.types.is_string_dtype(raw) and raw.str.startswith("[").fillna(False).any():
            # API exports write a list of one id: ["1001"]
            raw = _text(raw).str.replace(r'^\[\s*"?\'?|"?\'?\s*\]$', "", regex=True)
        return clean_ids(raw, src=self.src, column=self.cols[f])

    def mapped(self, f: str, target: str, table: str = "customers", column: str = "name") -> pd.Series:
        """Field ``f`` through the user's value map for ``target`` (unknown values kept)."""
        if f not in self.cols:
            return self.blank()
        raw = self.raw(f)
        if target in self.ov.values:
            raw = map_values(raw, self.ov.values[target], src=self.src, column=self.cols[f], target=target,
                             unknown="keep", report=self.report)
        return coerce_kind(raw, table, column, src=self.src, source_column=self.cols[f])

    def number(self, f: str) -> pd.Series:
        if f not in self.cols:
            return self.blank()
        v, bad = parse_money(self.raw(f), src=self.src, column=self.cols[f])
        raise_bad(bad, self.raw(f), src=self.src, column=self.cols[f], expected="numbers")
        return v

    def lines(self, mask: pd.Series) -> str:
        pos = pd.RangeIndex(len(self.index))[mask.reindex(self.index, fill_value=False).to_numpy()]
        return ", ".join(map(str, self.src.lines(pos[:MAX_SHOWN]))) + (" ..." if len(pos) > MAX_SHOWN else "")


def merged_values(ov: VendorOverrides, field: str, defaults: Mapping | None = None) -> dict:
    """Default value map for ``field`` with the user's entries on top."""
    merged = dict(defaults or {})
    merged.update(ov.values.get(field, {}))
    return merged


def stages_table(leads: pd.DataFrame, defaults: Iterable[tuple], ov: VendorOverrides) -> pd.DataFrame:
    """The stages seen in ``leads``, ordered: the user's order, else the vendor's, else by win probability.

    ``defaults`` holds ``(stage, order, probability, status)``. Open stages come first,
    then the won stage; lost stages are left out (a lead's stage is the furthest it
    reached, as in the sample company); ``order`` is renumbered 1..n. A stage nobody gave a status
    is a closing stage only when every lead at it is won (or every one lost): leads
    keep the furthest stage they reached, so an open stage may hold lost leads.
    """
    seen = leads["stage"].dropna().unique().tolist()
    known = {norm(s): (o, p, st) for s, o, p, st in defaults}
    user = {norm(s.stage): (s.order, s.probability, s.status) for s in ov.stages}
    prob = None
    if "probability" in leads:
        prob = leads.dropna(subset=["stage"]).groupby("stage")["probability"].median()
    statuses = leads.dropna(subset=["stage"]).groupby("stage")["status"].agg(lambda x: set(x.dropna()))
    rank = {"open": 0, "won": 1, "lost": 2}
    rows = []
    for s in seen:
        order, p, st = user.get(norm(s)) or known.get(norm(s)) or (None, None, None)
        if st is None and norm(s) in known:
            st = known[norm(s)][2]
        if st is None:
            got = statuses.get(s, set())
            st = next(iter(got)) if len(got) == 1 and got <= {"won", "lost"} else "open"
        if p is None and prob is not None and s in prob.index and pd.notna(prob[s]):
            p = float(prob[s])
        if st != "open" and st != "won":
            continue  # a closing stage (lost, dropped) is not a stage of the pipeline
        # A stage without a known order sits among its kind by its win probability (0..1 → 0..10).
        key = order if order is not None else (p if p is not None else 0.5) * 10
        rows.append({"stage": s, "order": order, "probability": p, "_key": rank.get(st, 0) * 1000 + key})
    df = pd.DataFrame(rows, columns=["stage", "order", "probability", "_key"])
    df = df.sort_values(["_key", "stage"]).reset_index(drop=True)
    df["order"] = range(1, len(df) + 1)
    return frame("stages", df[["stage", "order", "probability"]])


# Words that tell a channel's type from its name when no exact entry knows it (渠道伙伴, 京东旗舰店,
# "Channel Partner"). Tried in this order: 渠道伙伴 is a partner before it is a 渠道 (distributor),
# "Online Store" is e-commerce before it is a store.
TYPE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("partner", ("伙伴", "合作方", "联盟", "partner", "affiliate", "alliance")),
    ("ecommerce", ("电商", "天猫", "淘宝", "京东", "拼多多", "抖音", "快手", "小红书", "网店", "商城", "旗舰店",
                   "e-commerce", "ecommerce", "online store", "webshop", "web shop", "marketplace", "amazon", "tmall")),
    ("telesales", ("电销", "电话", "外呼", "400", "telesales", "telemarketing", "cold call", "call center",
                   "call centre", "inside sales")),
    ("distributor", ("代理", "经销", "分销", "渠道", "批发", "distributor", "reseller", "dealer", "wholesale", "agent",
                     "var")),
    ("retail", ("门店", "零售", "店面", "专卖店", "商超", "retail", "store", "shop", "showroom")),
    ("direct", ("直销", "地推", "展会", "会议", "大客户", "转介绍", "介绍", "陌拜", "拜访", "direct", "field sales",
                "trade show", "referral", "seminar", "event")),
)


def guess_channel_type(name: Any) -> str | None:
    """A channel type from words in its name (``渠道伙伴`` → partner), or None when no word fits."""
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return None
    text = norm(name)
    words = set(re.findall(r"[a-z0-9]+", text))
    for typ, keys in TYPE_WORDS:
        for k in keys:
            if k.isascii() and " " not in k and "-" not in k:
                if k in words:
                    return typ
            elif k in text:
                return typ
    return None


def channels_table(used: Iterable, ov: VendorOverrides, types: Mapping[str, str], unknown: str,
                   unknown_name: str) -> pd.DataFrame | None:
    """One row per channel id used; its name is the source label, its type from ``types``, else from the
    words of its name (:func:`guess_channel_type`), else other."""
    used = pd.Series(list(used), dtype=object).dropna().unique()
    if not len(used):
        return None
    rev = {str(v): k for k, v in ov.values.get("channel_id", {}).items()}
    t = {norm(k): v for k, v in types.items()}
    t.update({norm(k): v for k, v in ov.channel_types.items()})
    rows = []
    for c in used:
        label = rev.get(str(c), c)
        name = unknown_name if c == unknown and c not in rev else label
        typ = (t.get(norm(c)) or t.get(norm(label)) or (None if c == unknown else guess_channel_type(label))
               or guess_channel_type(c) or "other")
        rows.append({"channel_id": c, "name": name, "type": typ})
    return frame("channels", pd.DataFrame(rows).sort_values("channel_id"))


def reps_table(owners: Iterable[pd.DataFrame], report: ImportReport) -> pd.DataFrame | None:
    """Reps from owner columns (``rep_id``, ``name``, optional ``team``): the most frequent name per id."""
    reps = pd.concat(list(owners), ignore_index=True)
    reps = reps.loc[reps["rep_id"].notna()]
    if not len(reps):
        return None
    out = {"rep_id": pd.Series(reps["rep_id"].unique())}
    for col in ("name", "team"):
        if col in reps and reps[col].notna().any():
            sub = reps.dropna(subset=[col])
            counts = sub.groupby(["rep_id", col]).size().sort_values(ascending=False)
            best = counts.reset_index().drop_duplicates("rep_id").set_index("rep_id")[col]
            out[col] = out["rep_id"].map(best)
            if col == "name":
                many = sub.groupby("rep_id")[col].nunique()
                if (many > 1).any():
                    report.warn(f"{int((many > 1).sum())} owner id(s) carry more than one name (renamed users?); "
                                f"the most frequent name is kept")
    return frame("reps", out)



def coerce_kind(raw: pd.Series, table: str, column: str, *, src: SourceFile | None, source_column: str,
                date_formats: Iterable[str] | None = None, tz: str | None = None, fix: str = "") -> pd.Series:
    """Turn mapped cells into the canonical kind of ``table.column``; unreadable cells stop the import."""
    spec = TABLES[table].column(column)
    kind = spec.kind if spec is not None else TEXT
    if kind == ID:
        return clean_ids(raw, src=src, column=source_column)
    if kind == TEXT:
        return _text(raw)
    if kind == DATE:
        values, bad = parse_dates(raw, date_formats, tz)
        raise_bad(bad, raw, src=src, column=source_column, expected="dates",
                  fix=fix or "State the format(s) in the mapping file, e.g. date_formats: ['%d/%m/%Y', '%Y-%m-%d'] "
                  "(tried in order; day-first and month-first dates are never guessed)")
        return values
    if kind == PERIOD:
        values, bad = coerce.coerce_period(raw)
        raise_bad(bad, raw, src=src, column=source_column, expected="periods (2026-03, 2026-Q1, 2026)", fix=fix)
        return values
    if kind in (MONEY, NUMBER):
        values, bad = parse_money(raw, src=src, column=source_column)
        raise_bad(bad, raw, src=src, column=source_column, expected="numbers", fix=fix)
        return values
    if kind == CATEGORY:
        # The loader's alias table first (Closed Won → won, 渠道伙伴 → partner), so an
        # importer accepts every spelling the loader does.
        known = aliases_for(table, column)
        values, bad = alias_map(_text(raw), spec.allowed or (), known)
        if bad.any():
            counts = raw[bad].astype(str).value_counts()
            shown = ", ".join(
                f"'{v}' ({n:,} rows" + (f"; did you mean {', '.join(sug)}?" if (sug := suggest(
                    v, spec.allowed or (), known)) else "") + ")" for v, n in counts.head(8).items())
            where = src.label if src is not None else "source"
            raise MappingError(
                f"{where}, column '{source_column}': values that are not a {table}.{column} "
                f"({', '.join(spec.allowed or ())}): {shown}. Map them in the mapping file: "
                f"{column}: {{column: '{source_column}', values: {{'{counts.index[0]}': <one of "
                f"{', '.join(spec.allowed or ())}>}}}}")
        return values.astype(object).where(values.notna())
    return raw  # pragma: no cover


def line_ids(src: SourceFile) -> pd.Series:
    """The ``line_id`` of each row: its line in the source, or the first line it repeats in every column.

    A table without a key (order lines) tells two rows apart only by every column of
    its file (the loader's rule). Writing the source line keeps two real lines that
    agree on the model's columns but differ elsewhere (a description, a Row ID) apart;
    a line that repeats an earlier one cell for cell gets that line's number, so the
    loader still sees, counts and reports it as the exact duplicate it is.
    """
    n = len(src.frame)
    if not n:
        return pd.Series([], index=src.frame.index, dtype="int64")
    key = pd.util.hash_pandas_object(src.frame.astype(str), index=False).to_numpy()
    first = pd.Series(np.arange(n)).groupby(key).transform("min").to_numpy()
    return pd.Series(np.asarray(src.lines(first), dtype="int64"), index=src.frame.index)


def frame(table: str, data: Mapping[str, Any], index=None) -> pd.DataFrame:
    """A canonical table: its columns in model order, extras after them."""
    df = pd.DataFrame(dict(data), index=index)
    order = [c for c in TABLES[table].column_names if c in df.columns]
    return df[order + [c for c in df.columns if c not in order]].reset_index(drop=True)


def drop_rows(df: pd.DataFrame, mask: pd.Series, *, report: ImportReport, table: str, file: str | None,
              reason: str, id_column: str | None = None) -> pd.DataFrame:
    """Drop rows and record them (count, reason, a few ids) in the report."""
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return df
    examples = df.loc[mask, id_column].head(MAX_SHOWN).tolist() if id_column and id_column in df else []
    report.drop(table, file, reason, int(mask.sum()), examples)
    return df.loc[~mask]


def check_record_ids(df: pd.DataFrame, id_col: str, *, src: SourceFile, source_column: str,
                     report: ImportReport, table: str) -> pd.DataFrame:
    """One row per record id: exact repeats are dropped (reported); different rows sharing an id stop the import."""
    ids = df[id_col]
    dup = ids.notna() & ids.duplicated(keep=False)
    if not dup.any():
        return df
    raw_cols = [c for c in src.frame.columns]
    raw = src.frame.loc[df.index, raw_cols]
    exact = raw.duplicated(keep="first") & dup
    df = drop_rows(df, exact, report=report, table=table, file=src.label,
                   reason=f"exact repeat of an earlier row (same {source_column})", id_column=id_col)
    ids = df[id_col]
    conflict = ids.notna() & ids.duplicated(keep=False)
    if conflict.any():
        pos = [src.frame.index.get_loc(i) for i in df.index[conflict][:MAX_SHOWN]]
        shown = ", ".join(map(str, ids[conflict].drop_duplicates().head(MAX_SHOWN)))
        raise MappingError(
            f"{src.label}, column '{source_column}': {int(ids[conflict].nunique())} record id(s) appear on "
            f"{int(conflict.sum())} rows with different values, e.g. {shown} (lines "
            f"{', '.join(map(str, src.lines(pos)))}); an export holds one row per record: was it "
            f"concatenated from two exports taken at different times?")
    return df


def link_by_name(names: pd.Series, directory: pd.DataFrame, *, report: ImportReport, what: str,
                 target: str) -> pd.Series:
    """Ids for names through ``directory`` (``id``, ``name``); an ambiguous name links to nothing.

    Used only when an export has no id column: the report lists the ambiguous names
    (two records share them) and the names not found.
    """
    d = directory.dropna(subset=["name"])
    per_name = d.groupby(d["name"].map(norm))["id"].agg(["first", "nunique"])
    keys = names.map(norm, na_action="ignore")
    unique = per_name.loc[per_name["nunique"] == 1, "first"]
    ids = keys.map(unique)
    ambiguous = keys.isin(per_name.index[per_name["nunique"] > 1])
    if ambiguous.any():
        listed = names[ambiguous].value_counts()
        report.warn(
            f"{what}: linked to {target} by name (no id column); {len(listed)} name(s) belong to more than one "
            f"{target} and were left unlinked on {int(ambiguous.sum())} row(s): "
            + ", ".join(f"{n} ({c})" for n, c in listed.head(10).items())
            + ("" if len(listed) <= 10 else f" and {len(listed) - 10} more")
            + ". Export the id column to link them")
    return ids


# ----------------------------------------------------------------------------- writing


def check_output(out: str | Path, force: bool = False) -> Path:
    """Fail before any work when the output folder exists (unless ``force``) or is a file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise MappingError(f"{out}: exists and is a file; expected a folder to write the dataset into")
    if out.exists() and any(out.iterdir()) and not force:
        raise MappingError(f"{out}: the folder exists and is not empty; choose another --out or pass --force to replace it")
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """A canonical table as UTF-8 CSV with BOM (Excel opens Chinese text right).

    Written by Arrow's CSV writer (ten times faster than ``DataFrame.to_csv`` on a
    million rows): dates as ``2026-03-31`` when every time is midnight, else
    ``2026-03-31 14:05:00``; whole-number floats without ``.0``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    arrays, names = [], []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.astype("datetime64[s]")
            unit = "D" if (s.isna() | s.eq(s.dt.normalize())).all() else "s"
            # numpy's ISO formatting is C speed (Arrow's strftime goes through the locale).
            text = np.datetime_as_string(s.to_numpy(), unit=unit)
            arr = pa.array(text, mask=s.isna().to_numpy(), type=pa.large_string())
            if unit == "s":
                arr = pc.replace_substring(arr, "T", " ")
        elif pd.api.types.is_float_dtype(s):
            whole = s.dropna()
            if len(whole) and (whole == whole.round()).all() and whole.abs().max() < 1e15:
                arr = pa.array(s.astype("Int64"))
            else:
                arr = pa.array(s)
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
            arr = pa.array(s)
        else:
            try:  # text cells (or missing) convert directly
                arr = pa.array(s, type=pa.large_string(), from_pandas=True)
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                arr = pa.array(s.map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore"),
                               type=pa.large_string(), from_pandas=True)
        arrays.append(arr)
        names.append(str(c))
    table = pa.Table.from_arrays(arrays, names=names)
    with open(path, "wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        pcsv.write_csv(table, fh, pcsv.WriteOptions(quoting_style="needed"))


def write_dataset(
    out: str | Path,
    tables: Mapping[str, pd.DataFrame],
    *,
    report: ImportReport,
    meta: Mapping[str, Any] | None = None,
    force: bool = False,
) -> Path:
    """Write canonical tables as a dataset folder, atomically, after checking them.

    The tables go to a staging folder beside ``out``; :func:`load_dataset` reads it
    back strictly (any error stops the import and removes the staging folder); its
    warnings join the report; ``import_report.json`` and ``dataset.yaml`` are
    written; then the staging folder replaces ``out`` in one rename.

    Returns
    -------
    Path
        The output folder.
    """
    out = check_output(out, force).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.importing-{uuid.uuid4().hex[:8]}"
    stage.mkdir()
    try:
        for name, df in tables.items():
            if name not in TABLES:  # pragma: no cover - importers build canonical tables only
                raise MappingError(f"'{name}' is not a table of the data model")
            write_csv(df, stage / f"{name}.csv")
        meta_out = {k: v for k, v in (meta or {}).items() if v is not None}
        if meta_out:
            (stage / "dataset.yaml").write_text(
                yaml.safe_dump(meta_out, allow_unicode=True, sort_keys=False), encoding="utf-8")
        try:
            ds = load_dataset(stage, strict=True)
        except DataError as exc:
            raise MappingError(
                "the imported tables do not pass the data model's checks, so nothing was written:\n"
                + format_issues(getattr(exc, "issues", []) or [], header=None) if getattr(exc, "issues", None)
                else f"the imported tables do not pass the data model's checks, so nothing was written: {exc}"
            ) from exc
        report.validation = [str(i) for i in ds.issues if i.level == "warning" and i.kind != "unknown_file"]
        report.tables = {t: len(df) for t, df in tables.items()}
        report.output = str(out)
        (stage / REPORT_FILE).write_text(report.to_json(), encoding="utf-8")
        if out.exists():
            old = out.parent / f".{out.name}.replaced-{uuid.uuid4().hex[:8]}"
            os.replace(out, old)
            os.replace(stage, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    log.info("dataset written to %s (%s)", out, ", ".join(f"{t} {n:,}" for t, n in report.tables.items()))
    return out
