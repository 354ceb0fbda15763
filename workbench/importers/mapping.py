"""Any CSV/XLSX into canonical tables through a mapping file (YAML), no code.

A mapping file names, for each canonical table, the source file and where each
canonical column comes from::

    name: Superstore
    currency: USD
    date_formats: ['%m/%d/%Y']          # for every date column (tried in order)
    tables:
      orders:
        file: superstore.csv            # relative to --input (a folder), or --input itself
        columns:
          order_id: Order ID            # a source column
          order_date: Order Date
          customer_id: Customer ID
          amount: Sales
          cost: {expr: 'Sales - Profit'}                    # arithmetic on numeric columns
          channel_id: {value: web}                          # a constant
          status: {column: Stage, values: {Won: won, Lost: lost, Open: open}}
          line_id: Row ID               # the source's line id (else the line number is written)
        keep: [Ship Mode, Segment]      # extra source columns kept (as ship_mode, segment)
        drop_blank: [created_date]      # rows blank there are dropped and counted
      customers:
        file: superstore.csv
        one_row_per: customer_id        # one row per key from a file of order lines
        columns:
          customer_id: Customer ID
          name: Customer Name
          created_date: {column: Order Date, agg: min}
      stages:
        rows: [{stage: Open, order: 1}, {stage: Won, order: 2}]   # a table written in the file

``value_aliases`` (as in params: ``{leads.status: {Gewonnen: won}}``) adds spellings
to the loader's alias table for every table of the mapping.

A column rule (the long form) takes exactly one of ``column`` (a header, or a list
of headers tried in order), ``value`` or ``expr``, and optionally ``values`` (a
value map; ``__drop__`` drops the row), ``unknown`` (what a value the map does not
know becomes: ``error`` (default), ``keep`` or ``blank``), ``fill`` (for blank
cells), ``date_formats``, ``round`` and, with ``one_row_per``, ``agg`` (``first``
non-blank value (default), ``last``, ``min``, ``max``, ``sum``, ``mode``, ``median``).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic import Field as PField

from workbench.data.schema import MONEY, NUMBER, TABLES
from workbench.importers.fields import closest, load_yaml, norm, snake, validation_message
from workbench.importers.read import SourceFile, read_source
from workbench.importers.report import ImportReport, MappingError
from workbench.importers.tables import drop_rows, frame, line_ids
from workbench.importers.values import (
    DROP,
    _text,
    coerce_kind,
    eval_expression,
    is_drop,
    map_values,
    parse_money,
    raise_bad,
)
from workbench.importers.write import check_output, write_dataset

log = logging.getLogger(__name__)

Scalar = str | int | float | bool | None
LINE_ID = "line_id"
"""The loader's name for a source line id: mapped (``line_id: Row ID``) or the line number."""


class ColumnRule(BaseModel):
    """Where one canonical column comes from, and how its values are turned canonical."""

    model_config = ConfigDict(extra="forbid")

    column: str | list[str] | None = PField(None, description="source header, or headers tried in order")
    value: Scalar = PField(None, description="a constant for every row")
    expr: str | None = PField(None, description="arithmetic on numeric source columns: Quantity * UnitPrice")
    values: dict[str, Scalar] | None = PField(None, description="value map; __drop__ drops the row")
    unknown: Literal["error", "keep", "blank"] = "error"
    fill: Scalar = PField(None, description="value for blank cells")
    date_formats: list[str] | None = None
    round: int | None = None
    agg: Literal["first", "last", "min", "max", "sum", "mode", "median"] = "first"

    @model_validator(mode="after")
    def _one_source(self):
        given = [k for k in ("column", "value", "expr") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of column, value, expr (got {', '.join(given) or 'none'})")
        return self


class TableRule(BaseModel):
    """One canonical table: its source file and its columns, or literal rows."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = None
    sheet: str | None = None
    columns: dict[str, str | list[str] | ColumnRule] = PField(default_factory=dict)
    keep: list[str] = PField(default_factory=list, description="extra source columns kept as they are")
    drop_blank: list[str] = PField(default_factory=list, description="canonical columns whose blank rows are dropped")
    one_row_per: str | None = None
    rows: list[dict[str, Scalar]] | None = None

    @model_validator(mode="after")
    def _file_or_rows(self):
        if self.rows is None and not self.columns:
            raise ValueError("give 'columns' (with 'file') or literal 'rows'")
        if self.rows is not None and (self.columns or self.file):
            raise ValueError("give either literal 'rows' or 'file' with 'columns', not both")
        return self


class MappingFile(BaseModel):
    """A mapping file: ``dataset.yaml`` values, defaults, and one rule per canonical table."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    currency: str | None = None
    company_name: str | None = None
    fiscal_year_start: int | None = PField(None, ge=1, le=12)
    date_formats: list[str] | None = None
    timezone: str | None = None
    description: str | None = None
    value_aliases: dict[str, dict[str, str]] = PField(
        default_factory=dict, description="{'table.column' or column: {spelling: canonical}}, as in params")
    tables: dict[str, TableRule]


def load_mapping(source: str | Path | Mapping) -> MappingFile:
    """Read and check a mapping file: unknown tables, columns and keys are errors with a suggestion."""
    where = Path(source).name if isinstance(source, str | Path) else "mapping"
    raw = load_yaml(source) if isinstance(source, str | Path) else dict(source)
    try:
        mf = MappingFile(**raw)
    except ValidationError as exc:
        raise MappingError(validation_message(exc, MappingFile, where)) from None
    columns = {c for spec in TABLES.values() for c in spec.column_names}
    for key in mf.value_aliases:
        t, _, c = key.rpartition(".")
        if (t and (t not in TABLES or c not in TABLES[t].column_names)) or (not t and c not in columns):
            raise MappingError(f"{where}: value_aliases: '{key}' is no column of the data model; write "
                               f"'table.column' (leads.status) or a column name (status)")
    for t, rule in mf.tables.items():
        if t not in TABLES:
            hint = difflib.get_close_matches(t, list(TABLES), n=1)
            raise MappingError(f"{where}: tables: '{t}' is not a table of the data model"
                               + (f" (did you mean '{hint[0]}'?)" if hint else "")
                               + f"; tables: {', '.join(TABLES)}")
        spec = TABLES[t]
        names = list(rule.columns) + [k for r in (rule.rows or []) for k in r]
        for c in names:
            if c == LINE_ID and not spec.key:
                continue  # a source line id (Row ID), which the loader keeps as line identity
            if c not in spec.column_names:
                hint = difflib.get_close_matches(c, spec.column_names, n=1)
                raise MappingError(
                    f"{where}: tables.{t}: '{c}' is not a column of {t}"
                    + (f" (did you mean '{hint[0]}'?)" if hint else "")
                    + f"; columns: {', '.join(spec.column_names)}. To keep another source column, list it "
                    f"under 'keep'")
        given = set(rule.columns) | {k for r in (rule.rows or []) for k in r}
        missing = [c for c in spec.required if c not in given]
        if missing:
            raise MappingError(f"{where}: tables.{t}: the required column(s) {', '.join(missing)} are not mapped; "
                               f"{t} needs {', '.join(spec.required)}")
        for c in rule.drop_blank:
            if c not in rule.columns:
                raise MappingError(f"{where}: tables.{t}.drop_blank: '{c}' is not one of the mapped columns "
                                   f"({', '.join(rule.columns)})")
        if rule.one_row_per is not None and rule.one_row_per not in rule.columns:
            raise MappingError(f"{where}: tables.{t}.one_row_per: '{rule.one_row_per}' is not one of the mapped "
                               f"columns ({', '.join(rule.columns)})")
    return mf


def _rule(r: str | list[str] | ColumnRule) -> ColumnRule:
    return r if isinstance(r, ColumnRule) else ColumnRule(column=r)


def _source_hints(rule: TableRule) -> list[str]:
    hints = list(rule.keep)
    for r in rule.columns.values():
        r = _rule(r)
        if r.column is not None:
            hints += [r.column] if isinstance(r.column, str) else list(r.column)
    return hints


class _Sources:
    """Source files read once each, whatever number of tables use them."""

    def __init__(self, input_path: Path, mf: MappingFile):
        self.input = input_path
        self.cache: dict[tuple[Path, str | None], SourceFile] = {}
        self.used: dict[str, set[str]] = {}  # source columns any table used, per file
        self.hints: dict[tuple[Path, str | None], list[str]] = {}
        files = {r.file for r in mf.tables.values() if r.file}
        if input_path.is_file() and len(files) > 1:
            raise MappingError(f"--input {input_path} is a file, but the mapping reads {len(files)} files "
                               f"({', '.join(sorted(files))}); give the folder that holds them")
        for r in mf.tables.values():
            if r.rows is None:
                key = (self.path(r), r.sheet)
                self.hints.setdefault(key, []).extend(_source_hints(r))

    def path(self, rule: TableRule) -> Path:
        if self.input.is_file():
            return self.input
        if rule.file is None:
            raise MappingError("a table rule has columns but no 'file'")
        return self.input / rule.file

    def get(self, rule: TableRule) -> SourceFile:
        key = (self.path(rule), rule.sheet)
        if key not in self.cache:
            self.cache[key] = read_source(key[0], self.hints.get(key, []), rule.sheet)
        return self.cache[key]


def _find_column(src: SourceFile, wanted: str | list[str], table: str, column: str) -> str:
    by_norm: dict[str, str] = {}
    for c in src.frame.columns:
        by_norm.setdefault(norm(c), c)
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    for n in names:
        if norm(n) in by_norm:
            return by_norm[norm(n)]
    cand = closest(names, src.frame.columns)
    raise MappingError(
        f"{src.label}: column {' or '.join(repr(n) for n in names)} (mapped to {table}.{column}) is not in the file"
        + (f"; closest: {', '.join(repr(c) for c in cand)}" if cand else "")
        + f". Columns found: {', '.join(map(str, src.frame.columns))}")


def _numeric(src: SourceFile, name: str, table: str, column: str) -> pd.Series:
    col = _find_column(src, name, table, column)
    values, bad = parse_money(src.frame[col], src=src, column=col)
    raise_bad(bad, src.frame[col], src=src, column=col, expected="numbers (used in an expression)")
    return values


def _column(src: SourceFile, table: str, column: str, rule: ColumnRule, mf: MappingFile, report: ImportReport,
            used: set[str]) -> pd.Series:
    """One canonical column from the source: raw cells, value map, fill, canonical kind, rounding."""
    idx = src.frame.index
    label = column
    if rule.column is not None:
        col = _find_column(src, rule.column, table, column)
        used.add(col)
        label = col
        raw = src.frame[col]
    elif rule.expr is not None:
        raw = eval_expression(rule.expr, lambda n: _numeric(src, n, table, column))
        if not isinstance(raw, pd.Series):
            raw = pd.Series(raw, index=idx, dtype="float64")
        for n in set(_expr_names(rule.expr)):
            try:
                used.add(_find_column(src, n, table, column))
            except MappingError:
                pass
        label = rule.expr
    else:
        raw = pd.Series([rule.value] * len(idx), index=idx, dtype=object)
    if rule.values is not None:
        raw = map_values(raw, rule.values, src=src, column=label, target=f"{table}.{column}", unknown=rule.unknown,
                         report=report,
                         how_to_map=f"tables: {{{table}: {{columns: {{{column}: {{values: {{'<value>': <{column}>}}}}}}}}}}"
                                    f" (or unknown: keep)")
    dropped = None
    if rule.values is not None:
        dropped = is_drop(raw)
        raw = raw.where(~dropped)
    if rule.fill is not None:
        blank = _text(raw).isna() if not pd.api.types.is_numeric_dtype(raw) else raw.isna()
        if blank.any():
            raw = raw.astype(object).where(~blank, rule.fill)
            report.fill(table, column, rule.fill, int(blank.sum()), f"blank {label}")
    spec = TABLES[table].column(column)
    if spec is not None and spec.kind in (MONEY, NUMBER) and pd.api.types.is_numeric_dtype(raw):
        values = raw.astype("float64")
    else:
        values = coerce_kind(raw, table, column, src=src, source_column=label, value_aliases=mf.value_aliases,
                             date_formats=rule.date_formats or mf.date_formats, tz=mf.timezone)
    if rule.round is not None and spec is not None and spec.kind in (MONEY, NUMBER):
        values = values.round(rule.round)
    if dropped is not None and dropped.any():
        values = values.astype(object).where(~dropped, DROP)
    return values


def _expr_names(expr: str) -> list[str]:
    names = re.findall(r"`([^`]+)`", expr)
    rest = re.sub(r"`[^`]+`", " ", expr)
    return names + [n for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rest)]


def _describe(r: ColumnRule) -> str:
    if r.column is not None:
        return r.column if isinstance(r.column, str) else " / ".join(r.column)
    if r.expr is not None:
        return f"= {r.expr}"
    return f"constant {r.value!r}"


def _aggregate(df: pd.DataFrame, key: str, rules: Mapping[str, ColumnRule], table: str, file: str,
               report: ImportReport) -> pd.DataFrame:
    """One row per ``key``: each column by its ``agg``; differing values under ``first`` are counted."""
    d = df.loc[df[key].notna()]
    g = d.groupby(key, sort=False)
    out = {key: pd.Series(g.size().index)}
    for c in df.columns:
        if c == key:
            continue
        how = rules[c].agg if c in rules else "first"
        if how == "mode":
            sub = d[[key, c]].dropna()
            counts = sub.groupby([key, c], sort=False).size().reset_index(name="n")
            counts = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates(key)
            out[c] = out[key].map(counts.set_index(key)[c])
        else:
            agg = getattr(g[c], how)()
            out[c] = out[key].map(agg)
        if how in ("first", "last"):
            many = g[c].nunique()
            n = int((many > 1).sum())
            if n:
                report.warn(f"{file} → {table}: {n:,} {key}(s) have more than one {c} across rows; the {how} "
                            f"non-blank one is kept (set agg: mode, min or max to choose otherwise)")
    return pd.DataFrame(out)


def build_table(table: str, rule: TableRule, sources: _Sources, mf: MappingFile, report: ImportReport) -> pd.DataFrame:
    """One canonical table from its rule (pure apart from reading the source through ``sources``)."""
    spec = TABLES[table]
    if rule.rows is not None:
        df = pd.DataFrame(rule.rows)
        out = {}
        for c in df.columns:
            out[c] = coerce_kind(df[c], table, c, src=None, source_column=f"{table}.rows.{c}",
                                 value_aliases=mf.value_aliases,
                                 date_formats=mf.date_formats)
        return frame(table, out)
    src = sources.get(rule)
    if not any(f["file"] == src.label for f in report.files):
        report.add_file(src, "source")
    used = sources.used.setdefault(src.label, set())
    rules = {c: _rule(r) for c, r in rule.columns.items()}
    data = {c: _column(src, table, c, r, mf, report, used) for c, r in rules.items()}
    for k in rule.keep:
        col = _find_column(src, k, table, snake(k))
        used.add(col)
        data.setdefault(snake(col), _text(src.frame[col]))
    if not spec.key and not rule.one_row_per and LINE_ID not in data:
        # Line identity: no real line may be taken for a repeat of another (see line_ids).
        data[LINE_ID] = line_ids(src)
        rules_desc = {f"{table}.{LINE_ID}": "(line number in the file)"}
    else:
        rules_desc = {}
    df = pd.DataFrame(data, index=src.frame.index)
    report.columns.setdefault(src.label, {}).update({f"{table}.{c}": _describe(r) for c, r in rules.items()})
    report.columns[src.label].update(rules_desc)
    report.unmapped[src.label] = [c for c in src.frame.columns if c not in used]
    id_col = spec.key[0] if spec.key else (spec.required[0] if spec.required else None)
    for c in rules:
        drop = is_drop(df[c])
        if drop.any():
            df = drop_rows(df, drop, report=report, table=table, file=src.label,
                           reason=f"{c} mapped to __drop__", id_column=id_col)
    for c in rule.drop_blank:
        df = drop_rows(df, df[c].isna(), report=report, table=table, file=src.label,
                       reason=f"no {c} (drop_blank)", id_column=id_col)
    if rule.one_row_per:
        key = rule.one_row_per
        df = drop_rows(df, df[key].isna(), report=report, table=table, file=src.label, reason=f"no {key}")
        before = len(df)
        df = _aggregate(df, key, rules, table, src.label, report)
        log.info("%s: %d rows → %d %s", src.label, before, len(df), table)
    for c in spec.required:
        blank = df[c].isna()
        if blank.any():
            pos = [src.frame.index.get_loc(i) for i in df.index[blank][:5]] if not rule.one_row_per else []
            lines = f" (line {', '.join(map(str, src.lines(pos)))})" if pos else ""
            raise MappingError(
                f"{src.label}: {int(blank.sum()):,} row(s) have no value for the required {table}.{c}"
                f" (from {report.columns[src.label][f'{table}.{c}']}){lines}. Give a fill value "
                f"({c}: {{column: ..., fill: ...}}) or drop those rows (drop_blank: [{c}])")
    if spec.key and not rule.one_row_per:
        df = _check_key(df, list(spec.key), src, table, report)
    return frame(table, df)


def _check_key(df: pd.DataFrame, key: list[str], src: SourceFile, table: str, report: ImportReport) -> pd.DataFrame:
    if not all(k in df for k in key):
        return df
    exact = df.duplicated(keep="first")
    df = drop_rows(df, exact, report=report, table=table, file=src.label, reason="exact repeat of an earlier row",
                   id_column=key[0])
    dup = df.duplicated(subset=key, keep=False)
    if dup.any():
        pos = [src.frame.index.get_loc(i) for i in df.index[dup][:5]]
        shown = ", ".join(map(str, df.loc[dup, key[0]].drop_duplicates().head(5)))
        raise MappingError(
            f"{src.label}: {int(dup.sum()):,} rows share a {table} key ({', '.join(key)}) with different values, "
            f"e.g. {shown} (lines {', '.join(map(str, src.lines(pos)))}). If the file holds several rows per "
            f"{key[0]} (order lines, say), add one_row_per: {key[0]} to the {table} rule")
    return df


def build_tables(mapping: str | Path | Mapping | MappingFile, input_path: str | Path,
                 report: ImportReport | None = None) -> tuple[dict[str, pd.DataFrame], MappingFile, ImportReport]:
    """Canonical tables from the sources a mapping file names.

    Parameters
    ----------
    mapping : path, dict or MappingFile
    input_path : path
        The folder the mapping's ``file:`` names are relative to, or the one source
        file when the mapping reads a single file.

    Returns
    -------
    (tables, mapping, report)
    """
    mf = mapping if isinstance(mapping, MappingFile) else load_mapping(mapping)
    input_path = Path(input_path)
    if not input_path.exists():
        raise MappingError(f"{input_path}: the input folder or file does not exist")
    name = mapping.name if isinstance(mapping, Path) else (Path(mapping).name if isinstance(mapping, str) else "mapping")
    report = report or ImportReport(f"mapping {name}")
    sources = _Sources(input_path, mf)
    tables = {t: build_table(t, rule, sources, mf, report) for t, rule in mf.tables.items()}
    n_rows = {t: len(df) for t, df in tables.items()}
    log.info("built %s", n_rows)
    return tables, mf, report


def import_mapping(
    mapping: str | Path | Mapping,
    *,
    input: str | Path,  # noqa: A002 - the CLI's --input
    out: str | Path,
    currency: str | None = None,
    name: str | None = None,
    force: bool = False,
) -> ImportReport:
    """Import any CSV/XLSX files through a mapping file into a dataset folder (atomically).

    Parameters
    ----------
    mapping : path or dict
        The mapping file (see the module docstring and ``docs/importers.md``).
    input : path
        Folder holding the files the mapping names (or the single file it reads).
    out : path
        Dataset folder to write; must not exist (or be empty) unless ``force``.
    currency, name : str, optional
        Override the mapping's ``dataset.yaml`` values.
    force : bool
        Replace an existing output folder.

    Returns
    -------
    ImportReport
    """
    check_output(out, force)
    tables, mf, report = build_tables(mapping, input)
    meta = {"name": name or mf.name, "currency": currency or mf.currency, "company_name": mf.company_name,
            "fiscal_year_start": mf.fiscal_year_start}
    write_dataset(out, tables, report=report, meta=meta, force=force)
    return report


__all__ = ["ColumnRule", "MappingFile", "TableRule", "build_tables", "import_mapping", "load_mapping"]
