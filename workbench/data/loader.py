"""Load a dataset folder into canonical, validated DataFrames.

A dataset is a folder with one file per table (``<table>.csv``, ``.csv.gz``,
``.xlsx``, ``.xls`` or ``.parquet``) and an optional ``dataset.yaml`` (see
``docs/data_model.md``). :func:`load_dataset` reads every table it finds through
:func:`workbench.data.read.read_file` (encoding, delimiter, a header row below a
title row), coerces each column to its kind, maps value aliases, keeps blank
classifying values as ``"(blank)"``, checks dates and numbers that cannot be
true, and records an audit of every row (``Dataset.audit``).

Problems become :class:`Issue` objects. An *error* (missing required column,
unparseable value in a required column, conflicting duplicate keys, an empty
file ...) makes :func:`load_dataset` raise :class:`~workbench.exceptions.DataError`
listing every error; a *warning* (an unparseable value in an optional column,
exact duplicate rows, an out-of-range score) is kept on the dataset, the bad
cells set to missing, so the data quality report can show it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench.data import coerce, dedupe
from workbench.data.aliases import BLANK, aliases_for, check_value_aliases, map_values, suggest
from workbench.data.read import NA_VALUES, detect_encoding, read_file  # noqa: F401 (re-exported)
from workbench.data.schema import (
    CATEGORY,
    DATE,
    ID,
    MAX_MAGNITUDE,
    MONEY,
    NUMBER,
    PERIOD,
    PLAUSIBLE_FROM,
    TABLES,
    TEXT,
)
from workbench.exceptions import DataError

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".csv.gz", ".xlsx", ".xls", ".parquet")
IGNORED_FILES = {"dataset.yaml", "dataset.yml", "truth.json", "import_report.json", "readme.md", "readme.txt"}
MAX_ROWS_SHOWN = 5


AUDIT_COLUMNS = ["table", "file", "rows_read", "rows_used", "rows_dropped", "rows_changed", "money_column",
                 "money_read", "money_used", "money_dropped", "reconciled"]
REASON_COLUMNS = ["table", "reason", "action", "column", "rows", "money"]


class DatasetMeta(BaseModel):
    """``dataset.yaml``: what the numbers are about."""

    model_config = ConfigDict(extra="forbid")

    name: str = "dataset"
    currency: str = "CNY"
    company_name: str | None = None
    fiscal_year_start: int = Field(1, ge=1, le=12)
    value_aliases: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="{table.column: {spelling: canonical value}}")
    duplicate_lines: str = Field("keep", pattern="^(keep|drop)$",
                                 description="lines equal in every column: keep (the source says they "
                                             "happened) or drop (a double import)")
    plausible_from: str = Field(PLAUSIBLE_FROM, description="earliest believable date YYYY-MM-DD")
    source: str | None = Field(None, description="where the tables came from, written by `workbench import`: "
                                                 "zoho, fxiaoke or mapping (empty: not recorded)")
    crm_ids: dict[str, str] = Field(
        default_factory=dict, description="{table.column: CRM field} for columns holding the source CRM's own "
                                          "record ids, e.g. {customers.customer_id: Record Id}")

    @field_validator("plausible_from")
    @classmethod
    def _date(cls, v: str) -> str:
        dt.date.fromisoformat(v)
        return v


@dataclass(frozen=True)
class LoadOptions:
    """How the loader treats aliases, repeated lines and implausible dates.

    Resolved by :func:`load_dataset`: keyword arguments (the params file) first,
    then ``dataset.yaml``, then these defaults.
    """

    value_aliases: dict = field(default_factory=dict)
    keep_duplicate_lines: bool = True
    plausible_from: str = PLAUSIBLE_FROM
    today: dt.date | None = None  # the run date: later dates cannot be true (tests set it)


@dataclass
class Issue:
    """One problem found in the data, located as precisely as possible."""

    level: str  # "error" | "warning" | "note"
    kind: str
    message: str
    table: str | None = None
    file: str | None = None
    column: str | None = None
    rows: list[int] = field(default_factory=list)  # line numbers as a spreadsheet shows them
    count: int = 0
    expected: str | None = None
    money: float | None = None  # money on the rows concerned (duplicates), in the dataset's currency

    def __str__(self) -> str:
        where = self.file or self.table or "dataset"
        if self.column:
            where += f", column '{self.column}'"
        text = f"{where}: {self.message}"
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:MAX_ROWS_SHOWN])
            more = f" and {self.count - len(self.rows[:MAX_ROWS_SHOWN])} more" if self.count > MAX_ROWS_SHOWN else ""
            text += f" ({'row' if self.count == 1 else 'rows'} {shown}{more})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FileInfo:
    """Where a table came from and how it was read."""

    table: str
    path: Path
    format: str
    encoding: str | None
    header_row: int  # 0-based index of the header line in the file
    rows_read: int
    sha256: str
    size_bytes: int
    line_numbers: np.ndarray | None = None  # per data row: the line (or sheet row) a spreadsheet shows
    sep: str | None = None

    def compact(self) -> FileInfo:
        """This FileInfo without ``line_numbers`` when they are what :meth:`line_of` computes without
        them (no blank line skipped above a row); a ten-million-row file's line numbers are 80 MB that
        each notebook would otherwise unpickle."""
        ln = self.line_numbers
        if ln is None or len(ln) == 0:
            return self
        first = 1 if self.format == "parquet" else self.header_row + 2
        ln = np.asarray(ln)
        if int(ln[0]) == first and (len(ln) == 1 or bool((np.diff(ln) == 1).all())):
            return replace(self, line_numbers=None)
        return self

    def line_of(self, positions) -> list[int]:
        """1-based file line (or sheet row) numbers of 0-based data-row positions."""
        if self.line_numbers is not None:
            return [int(self.line_numbers[int(p)]) for p in positions]
        if self.format == "parquet":
            return [int(p) + 1 for p in positions]
        return [int(p) + self.header_row + 2 for p in positions]


@dataclass
class Dataset:
    """A loaded dataset: canonical tables, where they came from, and what was wrong."""

    root: Path
    meta: DatasetMeta
    tables: dict[str, pd.DataFrame]
    files: dict[str, FileInfo]
    issues: list[Issue]
    audit: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=AUDIT_COLUMNS))
    """Per table: rows read, used, dropped and changed; money read and used (see :func:`build_audit`)."""
    audit_reasons: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REASON_COLUMNS))
    """Per table and reason: rows (and money) dropped, changed or kept with a warning."""

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise KeyError(
                f"table '{name}' is not in dataset {self.root}; present: {sorted(self.tables)}"
            )
        return self.tables[name]

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def has(self, *names: str) -> bool:
        """True when every named table is present."""
        return all(n in self.tables for n in names)

    def has_column(self, table: str, column: str) -> bool:
        """True when the table is present and the column holds at least one value."""
        return table in self.tables and column in self.tables[table] and self.tables[table][column].notna().any()

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    def audit_record(self) -> dict:
        """The audit as JSON-able data for ``run.json``: ``{"tables": [...], "reasons": [...]}``."""
        def rows(df):
            return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                    for r in df.astype(object).where(df.notna(), None).to_dict("records")]

        return {"tables": rows(self.audit), "reasons": rows(self.audit_reasons)}

    def fingerprint(self) -> dict:
        """Per table: file name, rows read and SHA-256 of the file, for run.json."""
        return {
            t: {"file": f.path.name, "rows": f.rows_read, "sha256": f.sha256}
            for t, f in sorted(self.files.items())
        }


# ----------------------------------------------------------------------------- files


def find_table_files(root: Path) -> tuple[dict[str, Path], list[Issue]]:
    """Map table names to their files in ``root``; note files that are not tables."""
    found: dict[str, list[Path]] = {}
    issues: list[Issue] = []
    for p in sorted(root.iterdir()):
        if p.name.startswith(".") or p.is_dir() or p.name.startswith("~$"):
            continue
        if p.name.lower() in IGNORED_FILES:
            continue
        name = p.name.lower()
        suffix = ".csv.gz" if name.endswith(".csv.gz") else p.suffix.lower()
        stem = name[: -len(suffix)] if suffix else name
        if suffix in SUFFIXES and stem in TABLES:
            found.setdefault(stem, []).append(p)
            continue
        hint = difflib.get_close_matches(stem, TABLES, n=1, cutoff=0.75)
        msg = "is not a table of the data model and was ignored"
        if hint:
            msg += f"; did you mean '{hint[0]}{suffix if suffix in SUFFIXES else '.csv'}'?"
        issues.append(Issue("warning" if hint else "note", "unknown_file", msg, file=p.name))
    paths: dict[str, Path] = {}
    for table, ps in found.items():
        if len(ps) > 1:
            issues.append(
                Issue(
                    "error",
                    "ambiguous_table",
                    f"table '{table}' is given by {len(ps)} files ({', '.join(x.name for x in ps)})",
                    table=table,
                    file=ps[0].name,
                    expected="exactly one file per table",
                )
            )
        paths[table] = ps[0]
    return paths, issues


def _normalise_header(name) -> str:
    text = str(name).strip().lstrip("\ufeff").strip()
    return text.lower().replace(" ", "_").replace("-", "_")


def read_table_file(table: str, path: Path) -> tuple[pd.DataFrame, FileInfo]:
    """Read one table file as raw cells (text for CSV) with normalised column names."""
    spec = TABLES[table]
    raw = read_file(path, hints=spec.column_names)
    df = raw.frame
    df.columns = [_normalise_header(c) for c in df.columns]
    # Columns without a name (trailing commas, merged title cells) carry nothing.
    keep = [not (c.startswith("unnamed:") or c == "" or c == "nan") for c in df.columns]
    df = df.loc[:, keep]
    info = FileInfo(table, raw.path, raw.format, raw.encoding, raw.header_row, len(df), raw.sha256,
                    raw.size_bytes, raw.line_numbers, raw.sep)
    return df, info


# ----------------------------------------------------------------------------- coercion


def _coerce_column(raw: pd.Series, col) -> tuple[pd.Series, pd.Series]:
    if col.kind == ID:
        return coerce.coerce_id(raw)
    if col.kind in (TEXT, CATEGORY):
        return coerce.coerce_text(raw)
    if col.kind in (MONEY, NUMBER):
        return coerce.coerce_number(raw)
    if col.kind == DATE:
        return coerce.coerce_date(raw)
    if col.kind == PERIOD:
        return coerce.coerce_period(raw)
    raise ValueError(f"unknown column kind {col.kind!r}")  # pragma: no cover


_EXPECTED = {
    ID: "an id",
    TEXT: "text",
    MONEY: "a number in the dataset's currency (e.g. 1234.50, 1,234.50 or ¥1,234)",
    NUMBER: "a number (e.g. 12, 1,234.5 or 12.5%)",
    DATE: "a date such as 2026-03-31, 2026/3/31, 2026年3月31日 or 2026-03-31 14:05:00",
    PERIOD: "a period such as 2026-03, 2026-Q1 or 2026",
}


def _positions(mask: pd.Series) -> list[int]:
    return list(pd.RangeIndex(len(mask))[np.asarray(mask, dtype=bool)])


def _money(values: pd.Series | None, mask=None) -> float:
    if values is None:
        return 0.0
    v = values if mask is None else values[np.asarray(mask, dtype=bool)]
    v = v[np.isfinite(v.to_numpy(dtype="float64", na_value=np.nan))]
    return round(float(v.sum()), 2)


def _map_aliases(table: str, col, values: pd.Series, raw: pd.Series, info: FileInfo, options: LoadOptions,
                 issues: list[Issue], events: list[dict]) -> tuple[pd.Series, pd.Series]:
    """Category values (and any column the params give aliases for) mapped to canonical spellings."""
    aliases = aliases_for(table, col.name, options.value_aliases)
    if col.kind != CATEGORY and not aliases:
        return values, pd.Series(False, index=values.index)
    allowed = col.allowed if col.kind == CATEGORY else None
    mapped, unmapped = map_values(values, allowed, aliases)
    changed = mapped.notna() & values.notna() & (values.str.casefold() != mapped.str.casefold())
    if changed.any():
        pairs = pd.DataFrame({"from": values[changed], "to": mapped[changed]}).value_counts()
        shown = ", ".join(f"'{a}' → {b} ({n})" for (a, b), n in pairs.head(5).items())
        issues.append(Issue("note", "value_mapped", f"{int(changed.sum())} value(s) mapped by alias: {shown}",
                            table, info.path.name, col.name, [], int(changed.sum())))
        events.append(dict(reason="value_mapped", action="changed", column=col.name, rows=int(changed.sum()),
                           money=0.0))
    if unmapped.any() and allowed is not None:
        bad_values = values[unmapped].value_counts()
        parts = []
        for v, n in bad_values.head(5).items():
            hint = suggest(v, allowed, aliases)
            parts.append(f"'{v}' ({n} row{'s' if n > 1 else ''}"
                         + (f"; did you mean {' or '.join(hint)}?" if hint else "") + ")")
        pos = _positions(unmapped)
        level = "error" if col.required else "warning"
        issues.append(Issue(
            level, "invalid",
            f"{int(unmapped.sum())} value(s) are not one of {', '.join(allowed)} and no alias maps them: "
            + ", ".join(parts)
            + ("" if col.required else "; set to missing")
            + f". Map them under value_aliases: {{{table}.{col.name}: {{'<value>': <one of {'|'.join(allowed)}>}}}} "
              "in the params file or dataset.yaml",
            table, info.path.name, col.name, info.line_of(pos[:MAX_ROWS_SHOWN]), int(unmapped.sum()),
            expected=f"one of {', '.join(allowed)}",
        ))
    return mapped, unmapped


def coerce_table(table: str, df: pd.DataFrame, info: FileInfo, options: LoadOptions | None = None,
                 events: list[dict] | None = None) -> tuple[pd.DataFrame, list[Issue]]:
    """Check columns, coerce each to its kind, bucket blanks, map aliases, check dates, keys and lines.

    ``events`` (optional) receives the audit entries: one dict per reason with ``reason``,
    ``action`` (``dropped``, ``changed`` or ``kept``), ``column``, ``rows`` and ``money``.
    """
    spec = TABLES[table]
    options = options or LoadOptions()
    events = events if events is not None else []
    issues: list[Issue] = []
    fname = info.path.name
    if len(df) == 0:
        off = _notebooks_needing(table)
        msg = "has a header but no data rows; the table is left out"
        if off:
            msg += f" (this turns off {', '.join(off)}; the other reports run without it)"
        issues.append(Issue("warning", "no_rows", msg, table, fname, expected=f"one row per {spec.description}"))
        return df, issues
    missing = [c for c in spec.required if c not in df.columns]
    for c in missing:
        hint = difflib.get_close_matches(c, list(df.columns), n=1, cutoff=0.6)
        msg = f"required column '{c}' is missing"
        if hint:
            msg += f" (did you mean '{hint[0]}'?)"
        issues.append(Issue("error", "missing_column", msg, table, fname, c,
                            expected=f"columns {', '.join(spec.required)}; found {', '.join(map(str, df.columns))}"))
    if missing:
        return df, issues

    df = df.reset_index(drop=True)
    today = pd.Timestamp(options.today or dt.date.today())
    latest = today + pd.Timedelta(days=1)  # anything during the run date itself is fine
    earliest = pd.Timestamp(options.plausible_from)
    out = {}
    drop_date = pd.Series(False, index=df.index)
    money_col = spec.money if spec.money in df.columns else None
    for col in spec.columns:
        if col.name not in df.columns:
            continue
        values, bad = _coerce_column(df[col.name], col)
        reported = pd.Series(False, index=df.index)  # set missing after an issue of its own: not "blank"
        if col.kind in (TEXT, ID, CATEGORY):
            values, unmapped = _map_aliases(table, col, values, df[col.name], info, options, issues, events)
            if col.kind == CATEGORY:
                bad = bad | unmapped
                if unmapped.any() and not col.required:
                    events.append(dict(reason="invalid_set_missing", action="changed", column=col.name,
                                       rows=int(unmapped.sum()), money=0.0))
                bad_reported = True
            else:
                bad_reported = False
        else:
            bad_reported = False
        if col.kind in (MONEY, NUMBER):
            arr = values.to_numpy(dtype="float64", na_value=np.nan)
            impossible = pd.Series(np.isinf(arr) | (np.abs(np.nan_to_num(arr, posinf=0, neginf=0)) > MAX_MAGNITUDE),
                                   index=values.index)
            if impossible.any():
                pos = _positions(impossible)
                samples = ", ".join(repr(str(v)) for v in df[col.name][impossible].head(3))
                issues.append(Issue(
                    "error", "impossible_value",
                    f"{int(impossible.sum())} value(s) cannot be true (infinite or beyond ±{MAX_MAGNITUDE:,.0f}), "
                    f"e.g. {samples}",
                    table, fname, col.name, info.line_of(pos[:MAX_ROWS_SHOWN]), int(impossible.sum()),
                    expected=_EXPECTED[col.kind],
                ))
                values = values.where(~impossible)
                reported |= impossible
        if col.kind == DATE and col.date_bounds:
            late = values.notna() & (values >= latest)
            early = values.notna() & (values < earliest)
            for mask, reason, what in (
                (late, "date_in_future", f"after the run date {today.date()}"),
                (early, "date_too_early", f"before {earliest.date()} (plausible_from)"),
            ):
                if not mask.any():
                    continue
                pos = _positions(mask)
                samples = ", ".join(sorted({str(v.date()) for v in values[mask].head(3)}))
                if col.required:
                    tail = "; the rows are left out of the analysis and of the analysis date"
                else:
                    tail = "; set to missing"
                issues.append(Issue(
                    "warning", reason, f"{int(mask.sum())} date(s) {what} cannot be true, e.g. {samples}{tail}",
                    table, fname, col.name, info.line_of(pos[:MAX_ROWS_SHOWN]), int(mask.sum()),
                    expected=f"a date from {earliest.date()} to {today.date()}",
                ))
                if col.required:
                    drop_date |= mask & ~drop_date
                else:
                    events.append(dict(reason=reason, action="changed", column=col.name, rows=int(mask.sum()),
                                       money=0.0))
                    values = values.where(~mask)
                    reported |= mask
        if col.min is not None or col.max is not None:
            out_of_range = values.notna() & (
                (values < col.min if col.min is not None else False)
                | (values > col.max if col.max is not None else False)
            )
            if out_of_range.any():
                pos = _positions(out_of_range)
                lo = col.min if col.min is not None else "-inf"
                hi = col.max if col.max is not None else "inf"
                issues.append(Issue(
                    "error" if col.required else "warning", "out_of_range",
                    f"{int(out_of_range.sum())} value(s) outside {lo}..{hi}"
                    + ("" if col.required else "; set to missing"),
                    table, fname, col.name, info.line_of(pos[:MAX_ROWS_SHOWN]), int(out_of_range.sum()),
                    expected=f"a value from {lo} to {hi}",
                ))
                if not col.required:
                    events.append(dict(reason="out_of_range_set_missing", action="changed", column=col.name,
                                       rows=int(out_of_range.sum()), money=0.0))
                values = values.where(~out_of_range)
                reported |= out_of_range
        if bad.any() and not bad_reported:
            pos = _positions(bad)
            samples = ", ".join(repr(str(v)) for v in df[col.name][bad].head(3))
            issues.append(Issue(
                "error" if col.required else "warning", "invalid",
                f"{int(bad.sum())} value(s) cannot be read, e.g. {samples}"
                + ("" if col.required else "; set to missing"),
                table, fname, col.name, info.line_of(pos[:MAX_ROWS_SHOWN]), int(bad.sum()),
                expected=_EXPECTED[col.kind],
            ))
            if not col.required:
                events.append(dict(reason="invalid_set_missing", action="changed", column=col.name,
                                   rows=int(bad.sum()), money=0.0))
        blank = values.isna() & ~bad & ~reported
        if col.bucket_blank and blank.any() and values.notna().any():
            values = values.astype("str").where(~blank, BLANK)
            n = int(blank.sum())
            issues.append(Issue(
                "warning", "blank_bucketed",
                f"{n} row(s) have no {col.name}; kept as '{BLANK}' so every row still counts",
                table, fname, col.name, info.line_of(_positions(blank)[:MAX_ROWS_SHOWN]), n,
                expected="a value, or a literal such as 'unknown' if that is what the source means",
            ))
            events.append(dict(reason="blank_bucketed", action="changed", column=col.name, rows=n, money=0.0))
        elif col.required and blank.any():
            pos = _positions(blank)
            issues.append(Issue(
                "error", "blank_required", f"{int(blank.sum())} row(s) have no value in a required column",
                table, fname, col.name, info.line_of(pos[:MAX_ROWS_SHOWN]), int(blank.sum()),
                expected=_EXPECTED.get(col.kind, "a value"),
            ))
        out[col.name] = values
    if spec.one_of:  # e.g. a touch names its lead or its customer: a row with neither cannot be placed
        issues.extend(_check_one_of(spec, out, df.index, table, fname, info))
    extras = [c for c in df.columns if c not in out]
    result = pd.DataFrame(out, index=df.index)
    for c in extras:  # kept and ignored, as the contract says
        result[c] = df[c]
    money = result[money_col] if money_col else None
    events.insert(0, dict(reason="read", action="read", column=money_col, rows=len(df), money=_money(money)))
    if not spec.key and "line_id" not in result.columns:
        # line identity: an order line is the line of the file it came from
        result["line_id"] = np.asarray(info.line_numbers, dtype="int64")[: len(result)]

    if drop_date.any():
        events.append(dict(reason="implausible_date", action="dropped", column=spec.date_column,
                           rows=int(drop_date.sum()), money=_money(money, drop_date)))
    keep = ~drop_date
    if spec.key:
        # A record listed twice (same values in every model column) is one record.
        canonical = [c for c in spec.column_names if c in result.columns]
        dup = dedupe.duplicated(result, subset=canonical, keep="first") & keep
        kind_msg = "repeat an earlier row in every column of the model (one record listed twice); dropped"
        reason = "repeated_record"
        drop_dups = True
    else:
        # Line identity: two lines are the same only if every column of the source agrees.
        dup = dedupe.duplicated(df, keep="first") & keep
        reason = "duplicate_line"
        drop_dups = not options.keep_duplicate_lines
        kind_msg = ("repeat an earlier line in every column of the file"
                    + ("; dropped (keep_duplicate_lines is off)" if drop_dups else
                       "; kept, since the source lists them (set keep_duplicate_lines: false, or "
                       "duplicate_lines: drop in dataset.yaml, if they are a double import)"))
    if dup.any():
        pos = _positions(dup)
        m = _money(money, dup) if money is not None else None
        issues.append(Issue(
            "warning", "exact_duplicate",
            f"{int(dup.sum())} row(s) {kind_msg}" + (f"; their {money_col} totals {m:,.2f}" if m is not None else ""),
            table, fname, None, info.line_of(pos[:MAX_ROWS_SHOWN]), int(dup.sum()), money=m,
        ))
        events.append(dict(reason=reason, action="dropped" if drop_dups else "kept", column=None,
                           rows=int(dup.sum()), money=_money(money, dup)))
        if drop_dups:
            keep &= ~dup
    result = result.loc[keep]
    if spec.key and all(k in result.columns for k in spec.key):
        kdup = dedupe.duplicated(result, subset=list(spec.key), keep=False)
        if kdup.any():
            keys = result.loc[kdup, list(spec.key)].drop_duplicates().head(3)
            shown = "; ".join(", ".join(str(v) for v in r) for r in keys.itertuples(index=False))
            orig_pos = list(result.index[kdup])
            issues.append(Issue(
                "error", "duplicate_key",
                f"{int(kdup.sum())} rows share a key of ({', '.join(spec.key)}) with different values, e.g. {shown}",
                table, fname, ", ".join(spec.key), info.line_of(orig_pos[:MAX_ROWS_SHOWN]), int(kdup.sum()),
                expected="one row per key",
            ))
    return result.reset_index(drop=True), issues


def _check_one_of(spec, out: dict, index, table: str, fname: str, info: FileInfo) -> list[Issue]:
    """An error for rows where every column of ``spec.one_of`` is blank (or for a file with none of them)."""
    names = ", ".join(spec.one_of)
    present = [c for c in spec.one_of if c in out]
    if not present:
        return [Issue("error", "missing_column", f"needs at least one of the columns {names}; found none",
                      table, fname, names, expected=f"a column {' or '.join(spec.one_of)} naming whom the row is about")]
    blank = pd.Series(True, index=index)
    for c in present:
        blank &= pd.Series(out[c], index=index).isna()
    if not blank.any():
        return []
    pos = _positions(blank)
    return [Issue("error", "blank_required", f"{int(blank.sum())} row(s) have none of {names}",
                  table, fname, names, info.line_of(pos[:MAX_ROWS_SHOWN]), int(blank.sum()),
                  expected=f"a value in at least one of {names}")]


def _notebooks_needing(table: str) -> list[str]:
    """Stems of the notebooks that cannot run without ``table``."""
    try:
        from workbench.notebooks import NOTEBOOKS
    except ImportError:  # pragma: no cover - the data layer also works alone
        return []
    return [s for s, spec in NOTEBOOKS.items() if table in spec.requires]


# ----------------------------------------------------------------------------- references


def _arrow_text(s: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array behind a text column, or None when the column is not Arrow-backed text."""
    arr = s.array
    data = getattr(arr, "_pa_array", None)
    if not isinstance(s.dtype, pd.StringDtype) or data is None:
        return None
    data = data if isinstance(data, pa.ChunkedArray) else pa.chunked_array([data])
    return data.cast(pa.large_string()) if data.type != pa.large_string() else data


def in_reference(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    """``values.isin(allowed)``, True where missing or ``"(blank)"``; factorised first because ``isin`` on
    Arrow strings walks a large ``allowed`` in Python (0.3 s per million rows and key).

    Arrow-backed text on both sides is looked up by Arrow's own hash set (``is_in``), several
    times faster on ten million order lines than factorising and re-indexing the strings.
    """
    arrow = _arrow_text(values), _arrow_text(allowed)
    if arrow[0] is not None and arrow[1] is not None:
        vals = arrow[0]
        known = pc.is_in(vals, value_set=pc.unique(arrow[1].drop_null()))
        known = pc.or_(pc.or_(known, pc.is_null(vals)), pc.fill_null(pc.equal(vals, BLANK), False))
        return known.to_numpy(zero_copy_only=False).astype(bool)
    codes, uniques = pd.factorize(values)
    pos = pd.Index(uniques).get_indexer(pd.Index(allowed.dropna().unique()))
    known = np.zeros(len(uniques) + 1, dtype=bool)
    known[pos[pos >= 0]] = True
    known[-1] = True  # code -1: missing
    known[:-1] |= pd.Index(uniques).astype(object) == BLANK  # a blank bucket refers to nothing
    return known[codes]


def check_references(tables: dict[str, pd.DataFrame]) -> list[Issue]:
    """Orphan keys: values of a foreign key that the referenced table does not hold."""
    issues = []
    for name, df in tables.items():
        for fk in TABLES[name].foreign_keys:
            if fk.column not in df.columns or fk.ref_table not in tables:
                continue
            ref = tables[fk.ref_table]
            if fk.ref_column not in ref.columns:
                continue
            vals = df[fk.column]
            orphan = pd.Series(~in_reference(vals, ref[fk.ref_column]), index=vals.index)
            if orphan.any():
                examples = ", ".join(sorted(map(str, vals[orphan].unique()[:3])))
                issues.append(Issue(
                    "warning", "orphan_key",
                    f"{int(orphan.sum())} row(s) refer to a {fk.ref_table}.{fk.ref_column} that does not exist, e.g. {examples}",
                    name, None, fk.column, [], int(orphan.sum()),
                    expected=f"a value present in {fk.ref_table}.{fk.ref_column}",
                ))
    return issues


def check_semantics(tables: dict[str, pd.DataFrame]) -> list[Issue]:
    """Rules across columns: a lead closed before it was created, a won lead never closed."""
    issues = []
    leads = tables.get("leads")
    if leads is not None and "closed_date" in leads.columns:
        early = leads["closed_date"].notna() & (leads["closed_date"] < leads["created_date"])
        if early.any():
            issues.append(Issue(
                "warning", "closed_before_created",
                f"{int(early.sum())} lead(s) closed before they were created, e.g. {', '.join(leads.loc[early, 'lead_id'].head(3))}",
                "leads", None, "closed_date", [], int(early.sum()), expected="closed_date on or after created_date",
            ))
    stages = tables.get("stages")
    if stages is not None and stages["order"].duplicated().any():
        issues.append(Issue("error", "duplicate_stage_order", "two stages share one 'order' value",
                            "stages", None, "order", expected="a distinct order (1, 2, 3 ...) per stage"))
    return issues


# ----------------------------------------------------------------------------- entry points


def read_meta(root: Path) -> tuple[DatasetMeta, list[Issue]]:
    """Read ``dataset.yaml`` (optional); an unknown key is a warning with a suggestion."""
    path = next((root / n for n in ("dataset.yaml", "dataset.yml") if (root / n).exists()), None)
    if path is None:
        return DatasetMeta(name=root.name), []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise DataError(f"{path.name}: expected a mapping of name, currency, company_name, fiscal_year_start")
    issues = []
    known = set(DatasetMeta.model_fields)
    for k in list(raw):
        if k not in known:
            hint = difflib.get_close_matches(str(k), known, n=1)
            issues.append(Issue("warning", "unknown_key",
                                f"unknown key '{k}' ignored" + (f" (did you mean '{hint[0]}'?)" if hint else ""),
                                file=path.name, expected=f"one of {', '.join(sorted(known))}"))
            raw.pop(k)
    raw.setdefault("name", root.name)
    try:
        return DatasetMeta(**raw), issues
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise DataError(f"{path.name}: {msgs}") from exc


def load_dataset(
    path: str | Path,
    tables: Iterable[str] | None = None,
    *,
    mask_pii: bool = False,
    strict: bool = True,
    value_aliases: dict | None = None,
    keep_duplicate_lines: bool | None = None,
    plausible_from: str | None = None,
    today: dt.date | None = None,
) -> Dataset:
    """Load, coerce and validate a dataset folder.

    Parameters
    ----------
    path : str or Path
        The dataset folder.
    tables : iterable of str, optional
        Only these tables (default: every table found).
    mask_pii : bool
        Replace customer names, phone numbers and e-mail addresses (see :mod:`workbench.privacy`).
    strict : bool
        Raise :class:`DataError` when any error is found (default). With ``False`` the
        dataset is returned with its issues, errors included, for reporting.
    value_aliases : dict, optional
        ``{"table.column" or "column": {spelling: canonical}}``, added to the built-in
        aliases and those of ``dataset.yaml`` (these win).
    keep_duplicate_lines : bool, optional
        Lines equal in every column of a table without a key (order lines): keep them
        with a warning (default) or drop them. Default: ``dataset.yaml``'s ``duplicate_lines``.
    plausible_from : str, optional
        Earliest believable date (default ``dataset.yaml``'s, else 1990-01-01).
    today : date, optional
        The run date; a date after it cannot be true (default: today).

    Returns
    -------
    Dataset
    """
    root = Path(path)
    if not root.exists():
        raise DataError(f"{root}: the dataset folder does not exist")
    if not root.is_dir():
        raise DataError(f"{root}: expected a folder with one file per table, got a file")
    meta, issues = read_meta(root)
    try:
        aliases = dict(check_value_aliases(meta.value_aliases))
        for k, v in check_value_aliases(value_aliases).items():
            aliases[k] = {**aliases.get(k, {}), **v}
    except ValueError as exc:
        raise DataError(str(exc)) from None
    options = LoadOptions(
        value_aliases=aliases,
        keep_duplicate_lines=(meta.duplicate_lines == "keep") if keep_duplicate_lines is None else keep_duplicate_lines,
        plausible_from=plausible_from or meta.plausible_from,
        today=today,
    )
    paths, file_issues = find_table_files(root)
    issues += file_issues
    wanted = set(tables) if tables is not None else None
    if wanted is not None:
        unknown = wanted - set(TABLES)
        if unknown:
            raise DataError(f"unknown table(s) {sorted(unknown)}; valid tables are {list(TABLES)}")
        paths = {t: p for t, p in paths.items() if t in wanted}
    if not paths and wanted is None:
        issues.append(Issue("error", "no_tables",
                            f"no table files found in {root}",
                            expected=f"files named <table>.csv/.xlsx/.parquet for tables {', '.join(TABLES)}"))
    loaded: dict[str, pd.DataFrame] = {}
    files: dict[str, FileInfo] = {}
    audit_rows, reason_rows = [], []
    for table, p in paths.items():
        try:
            raw, info = read_table_file(table, p)
        except DataError as exc:
            issues.append(Issue("error", "unreadable", str(exc).split(": ", 1)[-1], table, p.name))
            audit_rows.append(_audit_row(table, p.name, 0, 0.0, None, None, []))
            continue
        events: list[dict] = []
        df, t_issues = coerce_table(table, raw, info, options, events)
        issues += t_issues
        files[table] = info
        used = None
        if not any(i.level == "error" for i in t_issues) and len(df):
            loaded[table] = used = df
        money_col = TABLES[table].money
        read = next((e for e in events if e["reason"] == "read"), None)
        money_read = read["money"] if read else (
            _money(coerce.coerce_number(raw[money_col])[0]) if money_col in raw.columns else 0.0)
        audit_rows.append(_audit_row(table, p.name, len(raw), money_read, money_col, used, events))
        reason_rows += [dict(table=table, **{k: e[k] for k in ("reason", "action", "column", "rows", "money")})
                        for e in events if e["reason"] != "read"]
        if used is None and len(raw):
            reason_rows.append(dict(table=table, reason="table_rejected" if len(df) else "no_rows", action="dropped",
                                    column=None, rows=len(raw) - _dropped(events)[0],
                                    money=round(money_read - _dropped(events)[1], 2)))
        log.info("loaded %s: %d rows from %s", table, len(df), p.name)
    issues += check_references(loaded)
    issues += check_semantics(loaded)
    ds = Dataset(root, meta, loaded, files, issues,
                 pd.DataFrame(audit_rows, columns=AUDIT_COLUMNS), pd.DataFrame(reason_rows, columns=REASON_COLUMNS))
    if mask_pii:
        from workbench.privacy import mask_dataset

        mask_dataset(ds)  # the tables and the values the issues quote
    if strict and ds.errors:
        raise DataError(format_issues(ds.errors, header=f"dataset {root} has {len(ds.errors)} error(s):"), ds.errors)
    return ds


def _dropped(events: list[dict]) -> tuple[int, float]:
    rows = sum(e["rows"] for e in events if e["action"] == "dropped")
    return rows, round(sum(e["money"] for e in events if e["action"] == "dropped"), 2)


def _audit_row(table: str, file: str, rows_read: int, money_read: float, money_col: str | None,
               used: pd.DataFrame | None, events: list[dict]) -> dict:
    """One table's audit: what came in, what the analyses use, and whether the difference is explained."""
    rows_used = 0 if used is None else len(used)
    money_used = _money(used[money_col]) if used is not None and money_col in used.columns else 0.0
    d_rows, d_money = _dropped(events)
    if used is None:  # the whole table is out: everything not dropped earlier is dropped now
        d_rows, d_money = rows_read, money_read
    changed = sum(e["rows"] for e in events if e["action"] == "changed")
    return dict(
        table=table, file=file, rows_read=rows_read, rows_used=rows_used, rows_dropped=d_rows,
        rows_changed=changed, money_column=money_col, money_read=money_read, money_used=money_used,
        money_dropped=d_money,
        reconciled=bool(rows_read - d_rows == rows_used and abs(money_read - d_money - money_used) < 0.01),
    )


def format_issues(issues: list[Issue], header: str | None = None) -> str:
    """Issues as a readable multi-line text."""
    lines = [header] if header else []
    lines += [f"  [{i.level}] {i}" for i in issues]
    return "\n".join(lines)
