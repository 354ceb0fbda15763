"""Load a dataset folder into canonical, validated DataFrames.

A dataset is a folder with one file per table (``<table>.csv``, ``.xlsx`` or
``.parquet``) and an optional ``dataset.yaml`` (see ``docs/data_model.md``).
:func:`load_dataset` reads every table it finds, detects the CSV encoding
(UTF-8, UTF-8 with BOM, GB18030/GBK), finds a header row below a title row,
coerces each column to its kind and validates it.

Problems become :class:`Issue` objects. An *error* (missing required column,
unparseable value in a required column, conflicting duplicate keys, an empty
file ...) makes :func:`load_dataset` raise :class:`~workbench.exceptions.DataError`
listing every error; a *warning* (an unparseable value in an optional column,
exact duplicate rows, an out-of-range score) is kept on the dataset, the bad
cells set to missing, so the data quality report can show it.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.data import coerce
from workbench.data.schema import (
    CATEGORY,
    DATE,
    ID,
    MONEY,
    NUMBER,
    PERIOD,
    TABLES,
    TEXT,
    TableSpec,
)
from workbench.exceptions import DataError

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".xlsx", ".parquet")
NA_VALUES = ["", "NULL", "null", "None", "NaN", "nan", "N/A", "n/a", "#N/A", "NA", "?", "-", "--"]
IGNORED_FILES = {"dataset.yaml", "dataset.yml", "truth.json", "import_report.json", "readme.md", "readme.txt"}
MAX_ROWS_SHOWN = 5
HEADER_SCAN_ROWS = 10


class DatasetMeta(BaseModel):
    """``dataset.yaml``: what the numbers are about."""

    model_config = ConfigDict(extra="forbid")

    name: str = "dataset"
    currency: str = "CNY"
    company_name: str | None = None
    fiscal_year_start: int = Field(1, ge=1, le=12)


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

    def line_of(self, positions) -> list[int]:
        """1-based file line (or sheet row) numbers of 0-based data-row positions."""
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
        stem, suffix = p.stem.lower(), p.suffix.lower()
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


def detect_encoding(path: Path) -> str:
    """Encoding of a CSV file: ``utf-8-sig`` (BOM), ``utf-8``, ``gb18030`` or a detected one."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312: it decodes what Excel on a Chinese Windows writes.
        raw.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:1_000_000]).best()
    if best is None:
        raise DataError(
            f"{path.name}: cannot tell the text encoding; expected UTF-8, UTF-8 with BOM or GB18030/GBK"
        )
    return best.encoding


def _normalise_header(name) -> str:
    text = str(name).strip().lstrip("\ufeff").strip()
    return text.lower().replace(" ", "_").replace("-", "_")


def _find_header_row(preview: pd.DataFrame, spec: TableSpec) -> int:
    """Index of the row holding the column names (a title row may sit above it)."""
    known = set(spec.column_names)
    best, best_hits = 0, 0
    for i in range(min(len(preview), HEADER_SCAN_ROWS)):
        cells = {_normalise_header(v) for v in preview.iloc[i].tolist() if pd.notna(v)}
        hits = len(cells & known)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _read_csv_text(path: Path, encoding: str, header_row: int) -> pd.DataFrame:
    """Every cell as text. The multi-threaded pyarrow parser first (4x faster on a million
    lines); pandas' C parser when pyarrow refuses, since its errors name the bad line."""
    opts = dict(encoding=encoding, skiprows=header_row, dtype=str, keep_default_na=False, na_values=NA_VALUES)
    try:
        return pd.read_csv(path, engine="pyarrow", **opts)
    except Exception as exc:  # pyarrow.ArrowInvalid and friends: retry for a precise message
        log.debug("pyarrow could not parse %s (%s); using the C parser", path.name, exc)
        return pd.read_csv(path, skip_blank_lines=True, **opts)


def read_table_file(table: str, path: Path) -> tuple[pd.DataFrame, FileInfo]:
    """Read one table file as raw cells (text for CSV) with normalised column names."""
    spec = TABLES[table]
    if not path.exists():
        raise DataError(f"{path}: file does not exist")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{path.name}: the file is empty; expected a header row and data rows")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    suffix = path.suffix.lower()
    encoding = None
    try:
        if suffix == ".csv":
            encoding = detect_encoding(path)
            preview = pd.read_csv(
                path, encoding=encoding, header=None, nrows=HEADER_SCAN_ROWS, dtype=str,
                keep_default_na=False, skip_blank_lines=True, on_bad_lines="skip",
            )
            header_row = _find_header_row(preview, spec)
            df = _read_csv_text(path, encoding, header_row)
        elif suffix == ".xlsx":
            preview = pd.read_excel(path, sheet_name=0, header=None, nrows=HEADER_SCAN_ROWS, dtype=object, engine="openpyxl")
            header_row = _find_header_row(preview, spec)
            df = pd.read_excel(path, sheet_name=0, header=header_row, dtype=object, na_values=NA_VALUES, engine="openpyxl")
        elif suffix == ".parquet":
            header_row = 0
            df = pd.read_parquet(path)
        else:  # pragma: no cover - find_table_files filters suffixes
            raise DataError(f"{path.name}: unsupported file type; expected .csv, .xlsx or .parquet")
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: the file has no columns; expected a header row and data rows") from None
    except (pd.errors.ParserError, ValueError, OSError, KeyError) as exc:
        raise DataError(f"{path.name}: cannot be read as {suffix[1:].upper()}: {exc}") from exc
    df.columns = [_normalise_header(c) for c in df.columns]
    # Columns without a name (trailing commas, merged title cells) carry nothing.
    df = df.loc[:, [not (c.startswith("unnamed:") or c == "" or c == "nan") for c in df.columns]]
    info = FileInfo(table, path, suffix[1:], encoding, header_row, len(df), digest, size)
    return df, info


# ----------------------------------------------------------------------------- coercion


def _coerce_column(raw: pd.Series, col) -> tuple[pd.Series, pd.Series]:
    if col.kind == ID:
        return coerce.coerce_id(raw)
    if col.kind == TEXT:
        return coerce.coerce_text(raw)
    if col.kind == CATEGORY:
        return coerce.coerce_category(raw, col.allowed or ())
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
    return list(pd.RangeIndex(len(mask))[mask.to_numpy()])


def coerce_table(table: str, df: pd.DataFrame, info: FileInfo) -> tuple[pd.DataFrame, list[Issue]]:
    """Check columns, coerce each to its kind, drop exact duplicate rows, check keys."""
    spec = TABLES[table]
    issues: list[Issue] = []
    fname = info.path.name
    if len(df) == 0:
        issues.append(Issue("error", "no_rows", "has a header but no data rows", table, fname,
                            expected=f"one row per {spec.description}"))
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
    out = {}
    for col in spec.columns:
        if col.name not in df.columns:
            continue
        values, bad = _coerce_column(df[col.name], col)
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
                values = values.where(~out_of_range)
        if bad.any():
            pos = _positions(bad)
            samples = ", ".join(repr(str(v)) for v in df[col.name][bad].head(3))
            expected = (
                f"one of {', '.join(col.allowed)}" if col.kind == CATEGORY else _EXPECTED[col.kind]
            )
            issues.append(Issue(
                "error" if col.required else "warning", "invalid",
                f"{int(bad.sum())} value(s) cannot be read, e.g. {samples}"
                + ("" if col.required else "; set to missing"),
                table, fname, col.name, info.line_of(pos[:MAX_ROWS_SHOWN]), int(bad.sum()),
                expected=expected,
            ))
        if col.required:
            blank = values.isna() & ~bad
            if blank.any():
                pos = _positions(blank)
                issues.append(Issue(
                    "error", "blank_required", f"{int(blank.sum())} row(s) have no value in a required column",
                    table, fname, col.name, info.line_of(pos[:MAX_ROWS_SHOWN]), int(blank.sum()),
                    expected=_EXPECTED.get(col.kind, "a value"),
                ))
        out[col.name] = values
    extras = [c for c in df.columns if c not in out]
    result = pd.DataFrame(out, index=df.index)
    for c in extras:  # kept and ignored, as the contract says
        result[c] = df[c]

    canonical = [c for c in spec.column_names if c in result.columns]
    dup = result.duplicated(subset=canonical, keep="first")
    if dup.any():
        pos = _positions(dup)
        issues.append(Issue(
            "warning", "exact_duplicate",
            f"{int(dup.sum())} row(s) repeat an earlier row exactly (a double import?); dropped",
            table, fname, None, info.line_of(pos[:MAX_ROWS_SHOWN]), int(dup.sum()),
        ))
        result = result.loc[~dup]
    if spec.key and all(k in result.columns for k in spec.key):
        kdup = result.duplicated(subset=list(spec.key), keep=False)
        if kdup.any():
            pos = _positions(kdup.reset_index(drop=True))
            keys = result.loc[kdup, list(spec.key)].drop_duplicates().head(3)
            shown = "; ".join(", ".join(str(v) for v in r) for r in keys.itertuples(index=False))
            orig_pos = list(result.index[kdup])
            issues.append(Issue(
                "error", "duplicate_key",
                f"{int(kdup.sum())} rows share a key of ({', '.join(spec.key)}) with different values, e.g. {shown}",
                table, fname, ", ".join(spec.key), info.line_of(orig_pos[:MAX_ROWS_SHOWN]), len(pos),
                expected="one row per key",
            ))
    return result.reset_index(drop=True), issues


# ----------------------------------------------------------------------------- references


def in_reference(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    """``values.isin(allowed)``, True where missing; factorised first because ``isin`` on
    Arrow strings walks a large ``allowed`` in Python (0.3 s per million rows and key)."""
    codes, uniques = pd.factorize(values)
    pos = pd.Index(uniques).get_indexer(pd.Index(allowed.dropna().unique()))
    known = np.zeros(len(uniques) + 1, dtype=bool)
    known[pos[pos >= 0]] = True
    known[-1] = True  # code -1: missing
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
    for table, p in paths.items():
        try:
            raw, info = read_table_file(table, p)
        except DataError as exc:
            issues.append(Issue("error", "unreadable", str(exc).split(": ", 1)[-1], table, p.name))
            continue
        df, t_issues = coerce_table(table, raw, info)
        issues += t_issues
        files[table] = info
        if not any(i.level == "error" for i in t_issues):
            loaded[table] = df
        log.info("loaded %s: %d rows from %s", table, len(df), p.name)
    issues += check_references(loaded)
    issues += check_semantics(loaded)
    if mask_pii:
        from workbench.privacy import mask_tables

        loaded = mask_tables(loaded)
    ds = Dataset(root, meta, loaded, files, issues)
    if strict and ds.errors:
        raise DataError(format_issues(ds.errors, header=f"dataset {root} has {len(ds.errors)} error(s):"), ds.errors)
    return ds


def format_issues(issues: list[Issue], header: str | None = None) -> str:
    """Issues as a readable multi-line text."""
    lines = [header] if header else []
    lines += [f"  [{i.level}] {i}" for i in issues]
    return "\n".join(lines)
