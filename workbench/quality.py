"""Data quality: the computations behind the data quality report (``00_data_quality``).

Every function takes a loaded :class:`~workbench.data.loader.Dataset` (load it with
``strict=False`` so that tables with errors are reported instead of raised) and
returns a tidy DataFrame (or, for :func:`quality_summary`, a dict) with English
snake_case column names. Nothing here reads files, prints or plots.

Every number traces back to the data or to the loader's issues:

- ``rows_read - rows == duplicate_rows`` (exact duplicate rows the loader dropped);
- ``column_completeness``: ``filled + missing == rows``;
- ``table_overview.invalid_cells`` is the sum of ``invalid_values.count`` of the table;
- ``orphans.orphan_rows`` equals the count of the loader's ``orphan_key`` issue.

Vocabulary
----------
present
    A file for the table was found (it may still have failed to load).
loaded
    The table loaded: it had no error. A *rejected* table (present, not loaded)
    scores 0, because no analysis can use it until the errors are fixed.
reference date
    The day freshness is measured against: ``as_of`` if given, else the latest
    plausible date in the data (see :func:`reference_date`).
implausible date
    A date more than ``IMPLAUSIBLE_GAP_DAYS`` after the 95th percentile of its
    column, checked once a column holds ``IMPLAUSIBLE_MIN_ROWS`` dates: a typo such
    as 2062 for 2026. It is ignored for the reference date and for freshness, and
    reported by :func:`invalid_values`.

Scores
------
Each present table gets five components in 0..1 (see :func:`table_scores`) and
``score = 100 * sum(w_i * c_i) / sum(w_i)`` over the components that apply, with the
weights :data:`SCORE_WEIGHTS`. The fix list ranks problems by
``impact = KIND_WEIGHTS[kind] * ROLE_WEIGHTS[role] * (1 if blocking else share)``
(see :func:`fix_list`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from workbench.data.coerce import period_bounds
from workbench.data.loader import Dataset, Issue, in_reference
from workbench.data.schema import DATE, PERIOD, TABLES, TableSpec

log = logging.getLogger(__name__)

DEFAULT_STALE_AFTER_DAYS = 45

SCORE_WEIGHTS: dict[str, float] = {
    "completeness": 0.30,  # mean share of filled cells over the canonical columns present
    "validity": 0.25,  # 1 - invalid cells / rows read
    "uniqueness": 0.20,  # 1 - (exact duplicate rows + rows sharing a key) / rows read
    "integrity": 0.15,  # 1 - rows with at least one orphan foreign key / rows
    "freshness": 0.10,  # 1 up to stale_after_days, then linearly down to 0 at twice that
}
"""Weights of the score components. A component that does not apply to a table
(no foreign key whose referenced table is loaded, no date column) is left out and
the other weights are rescaled, so every table is scored on 0..100."""

KIND_WEIGHTS: dict[str, float] = {
    "error": 3.0,  # an error: the table is rejected, and a strict load stops every report
    "misnamed_file": 2.0,  # a file that looks like an absent table under a wrong name
    "exact_duplicate": 2.0,  # repeated rows double revenue and counts
    "orphan_key": 1.5,  # rows that cannot be joined to their customer, channel, product ...
    "implausible_date": 1.5,  # a year typo moves the reference date and the time axis
    "possible_duplicate_customer": 1.5,  # one customer split in two splits its history
    "invalid": 1.0,  # unreadable value in an optional column (set to missing)
    "out_of_range": 1.0,
    "closed_before_created": 1.0,
    "stale": 1.0,  # share is 1: every row of a stale table is out of date
    "missing_values": 0.5,  # blanks in an optional column
}
"""Weight of each kind of problem in the fix list."""

ROLE_WEIGHTS: dict[str, float] = {
    "key": 2.0,  # part of the table's key
    "required": 1.5,  # a required column of the data model
    "foreign_key": 1.25,  # an optional column that links to another table
    "optional": 1.0,
    "table": 1.0,  # a problem of whole rows or of the whole table
}
"""Multiplier by the role of the column a problem sits in."""

PLAN_TABLES: tuple[str, ...] = ("targets",)
"""Tables that hold plans: their periods may lie in the future, so they never set
the reference date."""

IMPLAUSIBLE_QUANTILE = 0.95
IMPLAUSIBLE_GAP_DAYS = 366
IMPLAUSIBLE_MIN_ROWS = 10  # fewer dates say too little about what is normal

COMPANY_SUFFIXES_CN: tuple[str, ...] = ("股份有限公司", "有限责任公司", "有限公司", "公司")
COMPANY_SUFFIXES_LATIN: tuple[str, ...] = (
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "srl",
    "bv",
    "pty",
)
"""Legal-form suffixes ignored when looking for duplicate customer names."""

VALIDITY_KINDS: tuple[str, ...] = (
    "invalid",
    "out_of_range",
    "blank_required",
    "closed_before_created",
)
"""Loader issue kinds reported by :func:`invalid_values` (plus implausible dates)."""

_WHOLE_TABLE_ERRORS = ("missing_column", "no_rows", "unreadable", "ambiguous_table")

_PUNCT_RE = r"[\s.,，。、;；:：'\"“”‘’()（）\[\]【】<>《》&+\-_/\\|·]+"
_SUFFIX_RE = (
    r"(?:\s+(?:" + "|".join(COMPANY_SUFFIXES_LATIN) + r")"
    r"|\s*(?:" + "|".join(COMPANY_SUFFIXES_CN) + r"))+$"
)
_HINT_RE = re.compile(r"did you mean '([^'.]+)\.")

HOW_TO_FIX: dict[str, str] = {
    "missing_column": "Add the column under its canonical name, or map it in the column-mapping YAML.",
    "blank_required": "Fill the value in the listed rows, or remove rows that are not real records.",
    "invalid": "Correct the listed cells to the expected format: {expected}.",
    "out_of_range": "Correct the values to {expected}; check the unit (0..1 against percent).",
    "duplicate_key": "Keep one row per key: remove the outdated row or merge the two.",
    "no_rows": "Export the table again: the file has a header but no rows.",
    "unreadable": "Save the file again as UTF-8 CSV or XLSX and check that it opens.",
    "ambiguous_table": "Keep exactly one file for the table and move the others out of the folder.",
    "duplicate_stage_order": "Give every stage its own order number (1, 2, 3 ...).",
    "misnamed_file": "Rename the file to '{table}.csv' (or .xlsx/.parquet).",
    "exact_duplicate": "Remove the repeated rows at the source (a double import or overlapping exports?).",
    "orphan_key": "Add the missing {ref_table} rows, or correct the ids (typos, spaces, leading zeros).",
    "implausible_date": "Correct the dates far after the rest of the data (a typo in the year?).",
    "possible_duplicate_customer": "Merge the duplicate customer records in the CRM and keep one customer_id.",
    "closed_before_created": "Correct closed_date or created_date of these leads.",
    "stale": "Export fresh data, or set as_of to the date the data really ends.",
    "stale_plan": "Add the {table} of the current period.",
    "no_tables": "Put one file per table in the folder, named <table>.csv, .xlsx or .parquet.",
    "missing_values": "Fill the column at the source (make it mandatory in the CRM) or accept the gap.",
}
"""Short practical suggestions of the fix list, by problem kind."""


# ----------------------------------------------------------------------------- shared facts


@dataclass
class _Facts:
    """What several public functions need, computed once per call."""

    ref: pd.Timestamp
    dates: pd.DataFrame  # one row per loaded table with its date column present
    masks: dict[str, dict[str, pd.Series]]  # table -> fk column -> orphan mask
    issues: pd.DataFrame  # ds.issues as rows


def _issue_frame(issues: list[Issue]) -> pd.DataFrame:
    cols = ["level", "kind", "message", "table", "file", "column", "rows", "count", "expected"]
    if not issues:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    df = pd.DataFrame([i.to_dict() for i in issues], columns=cols)
    df["count"] = df["count"].astype("int64")
    return df


def _date_profile(ds: Dataset) -> pd.DataFrame:
    """First and last date of each loaded table's date column, implausible dates set aside."""
    rows = []
    for name, df in ds.tables.items():
        spec = TABLES[name]
        col = spec.date_column
        if col is None or col not in df.columns:
            continue
        kind = spec.column(col).kind
        s = df[col].dropna()
        first = last = pd.NaT
        implausible = 0
        if len(s) and kind == PERIOD:
            bounds = [period_bounds(p) for p in pd.unique(s)]
            first = min(b[0] for b in bounds)
            last = max(b[1] for b in bounds)
        elif len(s):
            bad = _implausible_mask(s)
            implausible = int(bad.sum())
            first = s.min()
            last = s[~bad].max()
        rows.append(
            {
                "table": name,
                "date_column": col,
                "kind": kind,
                "dated_rows": len(s),
                "date_from": first,
                "date_to": last,
                "implausible_dates": implausible,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "table",
            "date_column",
            "kind",
            "dated_rows",
            "date_from",
            "date_to",
            "implausible_dates",
        ],
    )
    for c in ("date_from", "date_to"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    return out


def _implausible_mask(s: pd.Series) -> pd.Series:
    """Dates more than IMPLAUSIBLE_GAP_DAYS after the column's 95th percentile."""
    if len(s) < IMPLAUSIBLE_MIN_ROWS:
        return pd.Series(False, index=s.index)
    q = s.quantile(IMPLAUSIBLE_QUANTILE, interpolation="lower")
    return s > q + pd.Timedelta(days=IMPLAUSIBLE_GAP_DAYS)


def _reference_from_profile(dates: pd.DataFrame) -> pd.Timestamp:
    facts = dates.loc[~dates["table"].isin(PLAN_TABLES) & dates["date_to"].notna()]
    # Day-precise dates decide; a period ends on its last day, which for the current
    # month, quarter or year lies in the future, so periods count only when no table has dates.
    daily = facts.loc[facts["kind"] == DATE]
    pool = daily if len(daily) else facts
    if not len(pool):
        return pd.NaT
    return pd.Timestamp(pool["date_to"].max()).normalize()


def _orphan_masks(ds: Dataset) -> dict[str, dict[str, pd.Series]]:
    """Per table and foreign key column: rows whose value the referenced table lacks."""
    out: dict[str, dict[str, pd.Series]] = {}
    for name, df in ds.tables.items():
        for fk in TABLES[name].foreign_keys:
            ref = ds.tables.get(fk.ref_table)
            if fk.column not in df.columns or ref is None or fk.ref_column not in ref.columns:
                continue
            mask = ~_isin(df[fk.column], ref[fk.ref_column])  # missing values are not orphans
            out.setdefault(name, {})[fk.column] = pd.Series(mask, index=df.index)
    return out


_isin = in_reference


def _memo(ds: Dataset, key: tuple, compute):
    """Compute once per dataset: a report asks for the same facts in several sections.

    Results are kept on the dataset object (a notebook's dataset does not change);
    DataFrames are handed out as copies so callers may modify them.
    """
    cache = ds.__dict__.setdefault("_quality_cache", {})
    if key not in cache:
        cache[key] = compute()
    value = cache[key]
    return value.copy() if isinstance(value, pd.DataFrame) else value


def _facts(ds: Dataset, as_of: str | date | None = None, *, with_orphans: bool = True) -> _Facts:
    key = ("facts", None if as_of is None else pd.Timestamp(as_of).normalize(), with_orphans)
    return _memo(ds, key, lambda: _compute_facts(ds, as_of, with_orphans))


def _compute_facts(ds: Dataset, as_of, with_orphans: bool) -> _Facts:
    dates = _date_profile(ds)
    ref = pd.Timestamp(as_of).normalize() if as_of is not None else _reference_from_profile(dates)
    log.debug("quality: reference date %s (as_of=%r)", ref, as_of)
    return _Facts(ref, dates, _orphan_masks(ds) if with_orphans else {}, _issue_frame(ds.issues))


def _present_files(ds: Dataset) -> dict[str, str]:
    """Tables a file was found for (loaded, rejected or unreadable) -> file name."""
    found = {t: info.path.name for t, info in ds.files.items()}
    for i in ds.issues:
        if i.table in TABLES and i.file and i.table not in found:
            found[i.table] = i.file
    for t in ds.tables:
        found.setdefault(t, "")
    return found


def _issue_counts(issues: pd.DataFrame, kinds, by=("table",)) -> pd.Series:
    sel = issues.loc[issues["kind"].isin(kinds)]
    return sel.groupby(list(by), dropna=False)["count"].sum()


def _role(spec: TableSpec, column: str | None) -> str:
    if not column:
        return "table"
    parts = [c.strip() for c in column.split(",")]
    if any(p in spec.key for p in parts):
        return "key"
    if any(p in spec.required for p in parts):
        return "required"
    if any(p == fk.column for p in parts for fk in spec.foreign_keys):
        return "foreign_key"
    return "optional"


def _rows_text(rows) -> str:
    return ", ".join(str(r) for r in (rows or []))


def _freshness_score(days: pd.Series, stale_after_days: int) -> pd.Series:
    d = pd.to_numeric(days, errors="coerce").astype("float64")
    over = (d - stale_after_days).clip(lower=0)
    return (1 - over / max(stale_after_days, 1)).clip(lower=0, upper=1)


# ----------------------------------------------------------------------------- public API


def reference_date(ds: Dataset, as_of: str | date | None = None) -> pd.Timestamp:
    """The day freshness is measured against.

    Parameters
    ----------
    ds : Dataset
    as_of : str, date or Timestamp, optional
        Used as given (time of day dropped) when set.

    Returns
    -------
    pandas.Timestamp
        Without ``as_of``: the latest date of the tables' date columns
        (``TableSpec.date_column``), at midnight. Plan tables (:data:`PLAN_TABLES`)
        are left out, and so are implausible dates (more than ``IMPLAUSIBLE_GAP_DAYS``
        after the 95th percentile of their column). Period columns count by the
        end of their last period, but only when no table has day-precise dates:
        the end of the current year's budget is no evidence of how recent the data
        is. ``NaT`` when no table carries a date.
    """
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    return _reference_from_profile(_date_profile(ds))


def column_completeness(ds: Dataset) -> pd.DataFrame:
    """Share of filled cells per canonical column (see :func:`_column_completeness`)."""
    return _memo(ds, ("completeness",), lambda: _column_completeness(ds))


def _column_completeness(ds: Dataset) -> pd.DataFrame:
    """Filled and missing cells of every canonical column of every loaded table.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    pandas.DataFrame
        One row per (table, canonical column), loaded tables only, in data-model
        order: ``table, column, kind, required, present, rows, filled, missing,
        unreadable, completeness``. ``filled + missing == rows``; ``unreadable``
        counts cells the loader set to missing because it could not read them (so
        ``missing - unreadable`` were blank in the file). An absent column has
        ``present=False``, ``filled=0`` and ``completeness=0.0``.
    """
    unreadable = _issue_counts(
        _issue_frame(ds.issues), ("invalid", "out_of_range"), ("table", "column")
    )
    frames = []
    for name, df in ds.tables.items():
        spec = TABLES[name]
        names = spec.column_names
        present = [c for c in names if c in df.columns]
        filled = df[present].notna().sum() if present else pd.Series(dtype="int64")
        part = pd.DataFrame(
            {
                "table": name,
                "column": names,
                "kind": [c.kind for c in spec.columns],
                "required": [c.required for c in spec.columns],
                "present": [c in df.columns for c in names],
                "rows": len(df),
                "filled": [int(filled.get(c, 0)) for c in names],
            }
        )
        frames.append(part)
    cols = [
        "table",
        "column",
        "kind",
        "required",
        "present",
        "rows",
        "filled",
        "missing",
        "unreadable",
        "completeness",
    ]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    out = pd.concat(frames, ignore_index=True)
    out["missing"] = out["rows"] - out["filled"]
    keys = pd.MultiIndex.from_frame(out[["table", "column"]])
    out["unreadable"] = unreadable.reindex(keys, fill_value=0).to_numpy().astype("int64")
    out["completeness"] = (out["filled"] / out["rows"].where(out["rows"] > 0)).fillna(0.0)
    return out[cols]


def invalid_values(ds: Dataset) -> pd.DataFrame:
    """Values that cannot be read, lie out of range, are blank though required, or are implausible.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    pandas.DataFrame
        One row per problem: ``table, column, kind, level, count, share,
        example_rows, expected, message``. ``kind`` is a loader issue kind from
        :data:`VALIDITY_KINDS` or ``implausible_date`` (computed here for every
        date column). ``share`` is ``count`` over the rows read from the file;
        ``example_rows`` are line numbers as a spreadsheet shows them (empty when
        not known). Sorted by table, then count (largest first).
    """
    return _invalid_values(ds, _issue_frame(ds.issues))


def _invalid_values(ds: Dataset, issues: pd.DataFrame) -> pd.DataFrame:
    cols = [
        "table",
        "column",
        "kind",
        "level",
        "count",
        "share",
        "example_rows",
        "expected",
        "message",
    ]
    sel = issues.loc[issues["kind"].isin(VALIDITY_KINDS)]
    rows = [
        {
            "table": r.table,
            "column": r.column,
            "kind": r.kind,
            "level": r.level,
            "count": int(r.count),
            "example_rows": _rows_text(r.rows),
            "expected": r.expected,
            "message": r.message,
        }
        for r in sel.itertuples(index=False)
    ]
    for name, df in ds.tables.items():
        for c in TABLES[name].columns:
            if c.kind != DATE or c.name not in df.columns:
                continue
            s = df[c.name].dropna()
            if not len(s):
                continue
            bad = _implausible_mask(s)
            n = int(bad.sum())
            if n:
                limit = s.quantile(IMPLAUSIBLE_QUANTILE, interpolation="lower") + pd.Timedelta(
                    days=IMPLAUSIBLE_GAP_DAYS
                )
                shown = ", ".join(sorted({d.strftime("%Y-%m-%d") for d in s[bad].head(3)}))
                rows.append(
                    {
                        "table": name,
                        "column": c.name,
                        "kind": "implausible_date",
                        "level": "warning",
                        "count": n,
                        "example_rows": "",
                        "expected": f"a date no later than {limit:%Y-%m-%d}",
                        "message": f"{n} date(s) lie far after the rest of the column, e.g. {shown}",
                    }
                )
    out = pd.DataFrame(rows, columns=cols)
    out["count"] = out["count"].astype("int64")
    read = pd.Series({t: f.rows_read for t, f in ds.files.items()}, dtype="float64")
    out["share"] = (out["count"] / out["table"].map(read)).astype("float64")
    return out.sort_values(["table", "count"], ascending=[True, False], kind="stable").reset_index(
        drop=True
    )[cols]


def normalise_company_name(names: pd.Series) -> pd.Series:
    """A matching key for company names: same key, probably the same company.

    NFKC (full-width to half-width), case-folded, punctuation and white space
    removed, and trailing legal forms dropped (:data:`COMPANY_SUFFIXES_CN`,
    :data:`COMPANY_SUFFIXES_LATIN`): ``"星辰科技有限公司"``, ``" 星辰科技 "`` and
    ``"星辰科技公司"`` all give ``"星辰科技"``; ``"Acme Co., Ltd."`` gives ``"acme"``.

    Parameters
    ----------
    names : pandas.Series of str

    Returns
    -------
    pandas.Series of str
        Missing where the name is missing or nothing is left.
    """
    s = names.astype("str").str.normalize("NFKC").str.casefold()
    s = s.str.replace(_PUNCT_RE, " ", regex=True).str.strip()
    s = s.str.replace(_SUFFIX_RE, "", regex=True).str.replace(" ", "", regex=False)
    return s.where(s.str.len() > 0)


def possible_duplicate_customers(ds: Dataset) -> pd.DataFrame:
    """Groups of customer ids that share one normalised name (see :func:`_possible_duplicate_customers`)."""
    return _memo(ds, ("dup_customers",), lambda: _possible_duplicate_customers(ds))


def _possible_duplicate_customers(ds: Dataset) -> pd.DataFrame:
    """Groups of different customer ids whose names match after normalisation.

    Parameters
    ----------
    ds : Dataset
        Names must not be masked (``mask_pii`` pseudonymises each spelling apart).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``match_key, count`` (distinct ids), ``ids`` (sorted,
        comma separated), ``names`` (the spellings, `` | `` separated). Largest
        groups first. Empty when customers or their names are absent.
    """
    cols = ["match_key", "count", "ids", "names"]
    cust = ds.tables.get("customers")
    if cust is None or "name" not in cust.columns:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    df = pd.DataFrame(
        {
            "customer_id": cust["customer_id"],
            "name": cust["name"],
            "match_key": normalise_company_name(cust["name"]),
        }
    ).dropna(subset=["match_key"])
    n_ids = df.groupby("match_key")["customer_id"].nunique()
    dup = n_ids.index[n_ids >= 2]
    df = df.loc[df["match_key"].isin(dup)].sort_values(["match_key", "customer_id"])
    if not len(df):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}).astype({"count": "int64"})
    ids = df.drop_duplicates(["match_key", "customer_id"]).groupby("match_key")["customer_id"]
    spellings = df.drop_duplicates(["match_key", "name"]).groupby("match_key")["name"]
    out = (
        pd.DataFrame(
            {
                "count": ids.size().astype("int64"),
                "ids": ids.agg(", ".join),
                "names": spellings.agg(" | ".join),
            }
        )
        .rename_axis("match_key")
        .reset_index()
    )
    return out.sort_values(
        ["count", "match_key"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)[cols]


def duplicates(ds: Dataset) -> pd.DataFrame:
    """Exact duplicate rows, rows sharing a key, and possible duplicate customers.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    pandas.DataFrame
        ``table, kind, column, count, match_key, ids, names, example_rows, message``
        where ``kind`` is

        - ``exact_duplicate``: rows repeating an earlier row exactly, dropped by the
          loader (``count == rows_read - rows``);
        - ``duplicate_key``: rows sharing a key with different values (an error);
        - ``possible_duplicate_customer``: one row per group of different
          ``customer_id`` whose names match after :func:`normalise_company_name`;
          ``count`` is the number of ids, ``ids`` and ``names`` list them.
    """
    cols = [
        "table",
        "kind",
        "column",
        "count",
        "match_key",
        "ids",
        "names",
        "example_rows",
        "message",
    ]
    issues = _issue_frame(ds.issues)
    sel = issues.loc[issues["kind"].isin(("exact_duplicate", "duplicate_key"))]
    rows = [
        {
            "table": r.table,
            "kind": r.kind,
            "column": r.column,
            "count": int(r.count),
            "match_key": None,
            "ids": None,
            "names": None,
            "example_rows": _rows_text(r.rows),
            "message": r.message,
        }
        for r in sel.itertuples(index=False)
    ]
    for r in possible_duplicate_customers(ds).itertuples(index=False):
        rows.append(
            {
                "table": "customers",
                "kind": "possible_duplicate_customer",
                "column": "name",
                "count": int(r.count),
                "match_key": r.match_key,
                "ids": r.ids,
                "names": r.names,
                "example_rows": "",
                "message": f"{r.count} customer ids share the name '{r.match_key}' once spaces and legal forms are ignored",
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    out["count"] = out["count"].astype("int64")
    return out


def orphans(ds: Dataset) -> pd.DataFrame:
    """Foreign key values that the referenced table does not hold.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    pandas.DataFrame
        One row per foreign key that can be checked (both tables loaded, both
        columns present), clean ones included: ``table, column, ref_table,
        ref_column, rows, rows_with_value, orphan_rows, share`` (``orphan_rows /
        rows``), ``distinct_values`` (distinct orphan values) and ``examples``
        (up to three, most frequent first). Same counts as the loader's
        ``orphan_key`` issues.
    """
    return _orphans(ds, _orphan_masks(ds))


def _orphans(ds: Dataset, masks: dict[str, dict[str, pd.Series]]) -> pd.DataFrame:
    cols = [
        "table",
        "column",
        "ref_table",
        "ref_column",
        "rows",
        "rows_with_value",
        "orphan_rows",
        "share",
        "distinct_values",
        "examples",
    ]
    rows = []
    for name, by_col in masks.items():
        df = ds.tables[name]
        fks = {fk.column: fk for fk in TABLES[name].foreign_keys}
        for col, mask in by_col.items():
            n = int(mask.sum())
            counts = df.loc[mask, col].value_counts() if n else pd.Series(dtype="int64")
            shown = (
                counts.sort_index(kind="stable")
                .sort_values(ascending=False, kind="stable")
                .index[:3]
            )
            rows.append(
                {
                    "table": name,
                    "column": col,
                    "ref_table": fks[col].ref_table,
                    "ref_column": fks[col].ref_column,
                    "rows": len(df),
                    "rows_with_value": int(df[col].notna().sum()),
                    "orphan_rows": n,
                    "share": n / len(df) if len(df) else 0.0,
                    "distinct_values": len(counts),
                    "examples": ", ".join(map(str, shown)),
                }
            )
    return pd.DataFrame(rows, columns=cols)


def freshness(
    ds: Dataset, as_of: str | date | None = None, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
) -> pd.DataFrame:
    """How recent each table with a date column is.

    Parameters
    ----------
    ds : Dataset
    as_of : str, date or Timestamp, optional
        Reference date; default :func:`reference_date`.
    stale_after_days : int
        A table whose last date is more than this many days before the reference
        date is stale.

    Returns
    -------
    pandas.DataFrame
        One row per loaded table whose date column is present: ``table,
        date_column, date_from, date_to`` (last plausible date; a period column
        counts from the first day of its first period to the last day of its last),
        ``implausible_dates, reference_date, days_since_last`` (negative when the
        table reaches past the reference date) and ``stale``.
    """
    return _freshness(_facts(ds, as_of, with_orphans=False), stale_after_days)


def _freshness(f: _Facts, stale_after_days: int) -> pd.DataFrame:
    out = f.dates[["table", "date_column", "date_from", "date_to", "implausible_dates"]].copy()
    out["reference_date"] = pd.Series(f.ref, index=out.index, dtype="datetime64[ns]")
    days = (out["reference_date"] - out["date_to"].dt.normalize()).dt.days
    out["days_since_last"] = days.astype("Int64")
    out["stale"] = (out["days_since_last"] > stale_after_days).astype("boolean")
    # master data and plans do not go stale (TableSpec.tracks_freshness)
    untracked = ~out["table"].map(lambda t: TABLES[t].tracks_freshness).astype(bool)
    out.loc[untracked, "stale"] = pd.NA
    return out.reset_index(drop=True)


def table_overview(
    ds: Dataset, as_of: str | date | None = None, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
) -> pd.DataFrame:
    """One row per canonical table of the data model: where it came from, how big and how good.

    Parameters
    ----------
    ds : Dataset
    as_of : str, date or Timestamp, optional
        Reference date for freshness; default :func:`reference_date`.
    stale_after_days : int

    Returns
    -------
    pandas.DataFrame
        Every table of ``TABLES`` in data-model order:

        - ``table, status`` (``loaded``, ``rejected`` or ``absent``), ``present``
          (a file was found), ``loaded``, ``file, format, encoding``;
        - ``rows_read`` (data rows in the file), ``rows`` (after the loader dropped
          exact duplicates), ``duplicate_rows`` (``rows_read - rows``),
          ``duplicate_keys`` (rows sharing a key, an error);
        - ``columns_present`` (canonical columns in the file), ``columns_total``;
        - ``date_from, date_to, days_since_last, stale`` (see :func:`freshness`);
        - ``completeness`` (mean share of filled cells over the canonical columns
          present), ``invalid_cells`` (sum of :func:`invalid_values` counts),
          ``orphan_rows`` (rows with at least one orphan foreign key; missing when
          no foreign key can be checked);
        - ``errors, warnings`` (loader issues of the table), ``score`` (0..100,
          :func:`table_scores`; missing for absent tables).
    """
    return _overview(ds, _facts(ds, as_of), stale_after_days)


def _overview(ds: Dataset, f: _Facts, stale_after_days: int) -> pd.DataFrame:
    names = list(TABLES)
    files = _present_files(ds)
    ov = pd.DataFrame({"table": names})
    ov["present"] = ov["table"].isin(list(files))
    ov["loaded"] = ov["table"].isin(list(ds.tables))
    ov["status"] = np.where(ov["loaded"], "loaded", np.where(ov["present"], "rejected", "absent"))
    ov["file"] = ov["table"].map(files).replace("", None)
    ov["format"] = ov["table"].map({t: i.format for t, i in ds.files.items()})
    ov["encoding"] = ov["table"].map({t: i.encoding for t, i in ds.files.items()})
    ov["rows_read"] = ov["table"].map({t: i.rows_read for t, i in ds.files.items()}).astype("Int64")
    ov["rows"] = ov["table"].map({t: len(df) for t, df in ds.tables.items()}).astype("Int64")

    def counts(kinds):
        c = _issue_counts(f.issues, kinds)
        return ov["table"].map(c).fillna(0).astype("Int64").where(ov["present"])

    ov["duplicate_rows"] = counts(("exact_duplicate",))
    ov["duplicate_keys"] = counts(("duplicate_key",))
    ov["columns_present"] = (
        ov["table"]
        .map(
            {t: sum(c in df.columns for c in TABLES[t].column_names) for t, df in ds.tables.items()}
        )
        .astype("Int64")
    )
    ov["columns_total"] = [len(TABLES[t].columns) for t in names]

    fr = _freshness(f, stale_after_days).set_index("table")
    for c in ("date_from", "date_to", "days_since_last", "stale"):
        ov[c] = fr[c].reindex(ov["table"]).set_axis(ov.index)

    comp = {}
    for t, df in ds.tables.items():
        present = [c for c in TABLES[t].column_names if c in df.columns]
        comp[t] = float(df[present].notna().to_numpy().mean()) if present and len(df) else np.nan
    ov["completeness"] = ov["table"].map(comp).astype("float64")

    inv = _invalid_values(ds, f.issues).groupby("table")["count"].sum()
    ov["invalid_cells"] = ov["table"].map(inv).fillna(0).astype("Int64").where(ov["present"])
    orphan_rows = {}
    for t, by_col in f.masks.items():
        any_orphan = np.zeros(len(ds.tables[t]), dtype=bool)
        for m in by_col.values():
            any_orphan |= m.to_numpy()
        orphan_rows[t] = int(any_orphan.sum())
    ov["orphan_rows"] = ov["table"].map(orphan_rows).astype("Int64")
    by_level = (
        f.issues.groupby(["table", "level"])["count"].size()
        if len(f.issues)
        else pd.Series(dtype="int64")
    )
    for level, col in (("error", "errors"), ("warning", "warnings")):
        lv = (
            by_level.xs(level, level="level")
            if level in by_level.index.get_level_values(-1)
            else pd.Series(dtype="int64")
        )
        ov[col] = ov["table"].map(lv).fillna(0).astype("Int64")
    ov["score"] = ov["table"].map(_scores(ov, stale_after_days)["score"]).astype("float64")
    cols = [
        "table",
        "status",
        "present",
        "loaded",
        "file",
        "format",
        "encoding",
        "rows_read",
        "rows",
        "duplicate_rows",
        "duplicate_keys",
        "columns_present",
        "columns_total",
        "date_from",
        "date_to",
        "days_since_last",
        "stale",
        "completeness",
        "invalid_cells",
        "orphan_rows",
        "errors",
        "warnings",
        "score",
    ]
    return ov[cols]


def _scores(ov: pd.DataFrame, stale_after_days: int) -> pd.DataFrame:
    """Score components of the present tables from the overview columns."""
    p = ov.loc[ov["present"]].set_index("table")
    read = p["rows_read"].astype("float64")
    rows = p["rows"].astype("float64")
    comp = pd.DataFrame(index=p.index)
    comp["rows"] = rows.fillna(read)
    comp["completeness"] = p["completeness"].astype("float64")
    comp["validity"] = 1 - (p["invalid_cells"].astype("float64") / read).clip(upper=1)
    dup = p["duplicate_rows"].astype("float64") + p["duplicate_keys"].astype("float64")
    comp["uniqueness"] = 1 - (dup / read).clip(upper=1)
    comp["integrity"] = 1 - (p["orphan_rows"].astype("float64") / rows).clip(upper=1)
    tracked = pd.Series([TABLES[t].tracks_freshness for t in p.index], index=p.index)
    comp["freshness"] = _freshness_score(p["days_since_last"], stale_after_days).where(tracked)
    parts = list(SCORE_WEIGHTS)
    w = pd.Series(SCORE_WEIGHTS)
    has = comp[parts].notna()
    weighted = (comp[parts].fillna(0) * w).sum(axis=1)
    total_w = (has * w).sum(axis=1)
    comp["score"] = (100 * weighted / total_w.where(total_w > 0)).round(1)
    # A rejected table cannot be used by any analysis until its errors are fixed.
    rejected = ~p["loaded"]
    comp.loc[rejected, parts] = np.nan
    comp.loc[rejected, "score"] = 0.0
    return comp


def table_scores(
    ds: Dataset, as_of: str | date | None = None, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
) -> pd.DataFrame:
    """A 0..100 quality score per present table, with its components.

    Components, each in 0..1 (missing when it does not apply):

    - ``completeness``: mean share of filled cells over the canonical columns present;
    - ``validity``: ``1 - min(1, invalid_cells / rows_read)``;
    - ``uniqueness``: ``1 - min(1, (duplicate_rows + duplicate_keys) / rows_read)``;
    - ``integrity``: ``1 - orphan_rows / rows`` (missing when no foreign key can be checked);
    - ``freshness``: 1 while ``days_since_last <= stale_after_days``, then linearly
      down to 0 at twice ``stale_after_days`` (missing without a date column).

    ``score = round(100 * sum(w * c) / sum(w), 1)`` over the components present,
    with ``w`` from :data:`SCORE_WEIGHTS`. A rejected table (present but not loaded
    because of errors) scores 0. Absent tables get no row.

    Parameters
    ----------
    ds : Dataset
    as_of : str, date or Timestamp, optional
    stale_after_days : int

    Returns
    -------
    pandas.DataFrame
        ``table, rows`` (rows loaded, or rows read for a rejected table: the
        weight in the overall score), ``completeness, validity, uniqueness,
        integrity, freshness, score``.
    """
    ov = table_overview(ds, as_of, stale_after_days)
    return _scores(ov, stale_after_days).reset_index()


def missing_tables(ds: Dataset) -> pd.DataFrame:
    """Tables of the data model for which no file was found.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    pandas.DataFrame
        ``table, description, required_columns`` (comma separated) and
        ``possible_file``: a file in the folder whose name looks like the table
        (the loader's ``did you mean`` hint), else missing.
    """
    files = _present_files(ds)
    hints = {}
    for i in ds.issues:
        if i.kind == "unknown_file":
            m = _HINT_RE.search(i.message)
            if m:
                hints.setdefault(m.group(1), i.file)
    rows = [
        {
            "table": t,
            "description": s.description,
            "required_columns": ", ".join(s.required),
            "possible_file": hints.get(t),
        }
        for t, s in TABLES.items()
        if t not in files
    ]
    return pd.DataFrame(rows, columns=["table", "description", "required_columns", "possible_file"])


def fix_list(
    ds: Dataset,
    as_of: str | date | None = None,
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
    top: int | None = 10,
) -> pd.DataFrame:
    """What to fix first: every problem found, ranked by impact.

    ``impact = KIND_WEIGHTS[kind] * ROLE_WEIGHTS[role] * (1 if blocking else share)``
    where ``share = rows_affected / rows`` of the table (rows read for problems the
    loader found before dropping duplicates), ``role`` is the column's role in its
    table (key, required, foreign_key, optional; ``table`` for whole rows) and a
    *blocking* problem is an error: a strict load stops, so every report stops.
    A stale table and a misnamed file have share 1. Ties go to more rows affected.

    Parameters
    ----------
    ds : Dataset
    as_of : str, date or Timestamp, optional
    stale_after_days : int
    top : int or None
        Number of problems to return (``None``: all).

    Returns
    -------
    pandas.DataFrame
        ``rank, table, column, kind, problem, rows_affected, share, blocking,
        weight, impact, how_to_fix``.
    """
    f = _facts(ds, as_of)
    out = _fix_frame(ds, f, stale_after_days)
    return out.head(top) if top is not None else out


def _fix_frame(ds: Dataset, f: _Facts, stale_after_days: int) -> pd.DataFrame:
    return _memo(ds, ("fix", f.ref, stale_after_days), lambda: _compute_fix_frame(ds, f, stale_after_days))


def _compute_fix_frame(ds: Dataset, f: _Facts, stale_after_days: int) -> pd.DataFrame:
    read = {t: i.rows_read for t, i in ds.files.items()}
    rows_loaded = {t: len(df) for t, df in ds.tables.items()}
    items: list[dict] = []

    def add(
        table,
        column,
        kind,
        problem,
        affected,
        denom,
        blocking=False,
        share=None,
        hint_kind=None,
        **fmt,
    ):
        spec = TABLES.get(table)
        role = _role(spec, column) if spec is not None else "table"
        if share is None:
            share = affected / denom if affected is not None and denom else np.nan
        weight = KIND_WEIGHTS["error" if blocking else kind] * ROLE_WEIGHTS[role]
        impact = weight * (1.0 if blocking else (0.0 if pd.isna(share) else share))
        hint = HOW_TO_FIX.get(hint_kind or kind, "Correct the data at the source; see the message.")
        items.append(
            {
                "table": table,
                "column": column,
                "kind": kind,
                "problem": problem,
                "rows_affected": affected,
                "share": share,
                "blocking": blocking,
                "weight": weight,
                "impact": impact,
                "how_to_fix": hint.format(
                    table=table,
                    **{"expected": "the expected format", "ref_table": "referenced", **fmt},
                ),
            }
        )

    # Loader issues: errors block; a few warnings carry their own kind.
    for r in f.issues.itertuples(index=False):
        if r.level == "error":
            whole = r.kind in _WHOLE_TABLE_ERRORS
            affected = read.get(r.table) if whole else int(r.count)
            add(
                r.table,
                r.column,
                r.kind,
                f"{r.message} (error: reports stop)",
                affected,
                read.get(r.table),
                blocking=True,
                expected=r.expected or "the expected format",
            )
        elif r.kind in ("invalid", "out_of_range"):
            add(
                r.table,
                r.column,
                r.kind,
                f"{r.message}",
                int(r.count),
                read.get(r.table),
                expected=r.expected or "the expected format",
            )
        elif r.kind == "exact_duplicate":
            add(
                r.table,
                None,
                r.kind,
                f"{r.count} exact duplicate row(s) (dropped on load)",
                int(r.count),
                read.get(r.table),
            )
        elif r.kind == "closed_before_created":
            add(r.table, r.column, r.kind, r.message, int(r.count), rows_loaded.get(r.table))
        elif r.kind == "unknown_file":
            m = _HINT_RE.search(r.message)
            if (
                m
                and m.group(1) in TABLES
                and m.group(1) not in ds.tables
                and m.group(1) not in ds.files
            ):
                add(
                    m.group(1),
                    None,
                    "misnamed_file",
                    f"table absent, but file '{r.file}' looks like it",
                    None,
                    None,
                    share=1.0,
                )

    for r in _invalid_values(ds, f.issues).itertuples(index=False):
        if r.kind == "implausible_date":
            add(r.table, r.column, r.kind, r.message, int(r.count), rows_loaded.get(r.table))

    for r in _orphans(ds, f.masks).itertuples(index=False):
        if r.orphan_rows:
            add(
                r.table,
                r.column,
                "orphan_key",
                f"{r.orphan_rows} row(s) point to a {r.ref_table}.{r.ref_column} that does not exist, e.g. {r.examples}",
                int(r.orphan_rows),
                r.rows,
                ref_table=r.ref_table,
            )

    cc = column_completeness(ds)
    cc = cc.loc[cc["present"]]
    blank = (cc["missing"] - cc["unreadable"]).clip(lower=0)
    for r, b in zip(cc.itertuples(index=False), blank, strict=True):
        if b > 0:
            add(
                r.table,
                r.column,
                "missing_values",
                f"{b:,} blank value(s) ({b / r.rows:.0%} of rows)",
                int(b),
                r.rows,
            )

    dup = possible_duplicate_customers(ds)
    if len(dup):
        n = int(dup["count"].sum())
        add(
            "customers",
            "name",
            "possible_duplicate_customer",
            f"{len(dup)} group(s) of customers with the same name under different ids ({n} ids), "
            f"e.g. {dup['ids'].iloc[0]}",
            n,
            rows_loaded.get("customers"),
        )

    fr = _freshness(f, stale_after_days)
    for r in fr.loc[fr["stale"].fillna(False)].itertuples(index=False):
        add(
            r.table,
            None,
            "stale",
            f"last {r.date_column} is {r.date_to:%Y-%m-%d}, {r.days_since_last} days before {r.reference_date:%Y-%m-%d}",
            rows_loaded.get(r.table),
            None,
            share=1.0,
            hint_kind="stale_plan" if r.table in PLAN_TABLES else None,
        )

    cols = [
        "rank",
        "table",
        "column",
        "kind",
        "problem",
        "rows_affected",
        "share",
        "blocking",
        "weight",
        "impact",
        "tier",
        "how_to_fix",
    ]
    out = pd.DataFrame(items, columns=[c for c in cols[1:] if c != "tier"])
    out["rows_affected"] = out["rows_affected"].astype("Int64")
    out["share"] = out["share"].astype("float64")
    out["impact"] = out["impact"].astype("float64").round(4)
    out["blocking"] = out["blocking"].astype(bool)
    # Tiers first: what stops the reports, then what distorts the numbers, then gaps.
    out.insert(out.columns.get_loc("impact") + 1, "tier", np.where(
        out["blocking"], 1, np.where(out["kind"] == "missing_values", 3, 2)).astype("int64"))
    out = out.sort_values(
        ["tier", "impact", "rows_affected", "table", "column"],
        ascending=[True, False, False, True, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[cols]


def quality_summary(
    ds: Dataset, as_of: str | date | None = None, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
) -> dict:
    """Headline numbers for one sentence of text.

    Parameters
    ----------
    ds : Dataset
    as_of : str, date or Timestamp, optional
    stale_after_days : int

    Returns
    -------
    dict
        ``reference_date`` (Timestamp or NaT), ``tables_loaded``,
        ``tables_rejected``, ``tables_absent``, ``total_rows`` (rows of loaded
        tables), ``overall_score`` (mean of the table scores weighted by their
        rows, rows read for rejected tables; NaN without tables), ``errors`` and
        ``warnings`` (loader issues), ``problems`` (entries of the full fix list),
        ``worst_table`` and ``worst_score`` (lowest score; ties go to the larger
        table; None/NaN without tables), ``stale_tables`` (list).
    """
    f = _facts(ds, as_of)
    ov = _overview(ds, f, stale_after_days)
    sc = _scores(ov, stale_after_days)
    scored = sc.loc[sc["score"].notna()]
    weights = scored["rows"].fillna(0)
    overall = (
        float((scored["score"] * weights).sum() / weights.sum()) if weights.sum() > 0 else np.nan
    )
    worst = scored.assign(_neg=-weights).sort_values(["score", "_neg"], kind="stable").head(1)
    levels = pd.Series([i.level for i in ds.issues], dtype=object)
    return {
        "reference_date": f.ref,
        "tables_loaded": int(ov["loaded"].sum()),
        "tables_rejected": int((ov["status"] == "rejected").sum()),
        "tables_absent": int((~ov["present"]).sum()),
        "total_rows": int(ov["rows"].fillna(0).sum()),
        "overall_score": round(overall, 1) if not np.isnan(overall) else np.nan,
        "errors": int((levels == "error").sum()),
        "warnings": int((levels == "warning").sum()),
        "problems": len(_fix_frame(ds, f, stale_after_days)),
        "worst_table": worst.index[0] if len(worst) else None,
        "worst_score": float(worst["score"].iloc[0]) if len(worst) else np.nan,
        "stale_tables": ov.loc[ov["stale"].fillna(False), "table"].tolist(),
    }


# ----------------------------------------------------------------------------- report layer
# What the data quality notebook shows on top of the computations above: the
# headline sentence, the Chinese wording of the fix list, and the two figures.

KIND_ZH: dict[str, str] = {
    "missing_column": "缺少必填字段",
    "blank_required": "必填字段为空",
    "invalid": "无法识别的值",
    "out_of_range": "超出取值范围",
    "duplicate_key": "主键重复",
    "no_rows": "文件没有数据行",
    "unreadable": "文件无法读取",
    "ambiguous_table": "同一数据表有多个文件",
    "duplicate_stage_order": "阶段顺序重复",
    "misnamed_file": "文件名疑似写错",
    "exact_duplicate": "完全重复的行",
    "orphan_key": "引用了不存在的记录",
    "implausible_date": "日期明显不合理",
    "possible_duplicate_customer": "疑似重复客户",
    "closed_before_created": "关闭日期早于创建日期",
    "stale": "数据过期",
    "missing_values": "选填字段为空",
}

HOW_TO_FIX_ZH: dict[str, str] = {
    "missing_column": "按标准字段名补充该列，或在字段映射 YAML 中配置映射。",
    "blank_required": "补全所列行的值，或删除并非真实记录的行。",
    "invalid": "将所列单元格改为期望的格式。",
    "out_of_range": "将数值改到允许范围内；检查单位（0–1 与百分数）。",
    "duplicate_key": "每个主键只保留一行：删除过时的行或合并两行。",
    "no_rows": "重新导出该表：文件只有表头没有数据。",
    "unreadable": "将文件另存为 UTF-8 CSV 或 XLSX，并确认能正常打开。",
    "ambiguous_table": "每张数据表只保留一个文件，把其余文件移出文件夹。",
    "duplicate_stage_order": "为每个阶段设置不同的顺序号（1、2、3……）。",
    "misnamed_file": "将文件重命名为 {table}.csv（或 .xlsx / .parquet）。",
    "exact_duplicate": "在源头删除重复行（是否重复导入或导出范围重叠？）。",
    "orphan_key": "补充缺失的被引用记录，或更正编号（错字、空格、前导零）。",
    "implausible_date": "更正远晚于其他数据的日期（年份是否写错？）。",
    "possible_duplicate_customer": "在 CRM 中合并重复的客户记录，只保留一个 customer_id。",
    "closed_before_created": "更正这些线索的关闭日期或创建日期。",
    "stale": "导出最新数据，或把 as_of 设为数据真实的截止日期。",
    "missing_values": "在源头补全该字段（在 CRM 中设为必填），或接受此缺口。",
}


def localise_fix_list(fixes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The fix list in the report's language (Chinese: problem and advice from the kind)."""
    if lang != "zh" or fixes.empty:
        return fixes
    out = fixes.copy()
    label = out["kind"].map(KIND_ZH).fillna(out["kind"])
    n = out["rows_affected"].map(lambda v: "" if pd.isna(v) else f"（{int(v):,} 行）")
    out["problem"] = label + n
    out["how_to_fix"] = [
        HOW_TO_FIX_ZH.get(k, "请在源头更正数据。").format(table=t) for k, t in zip(out["kind"], out["table"], strict=True)
    ]
    return out


def headline(ds: Dataset, as_of=None, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> dict:
    """The report's headline sentence (``en``, ``zh``) and its values, for :meth:`Report.headline`."""
    s = quality_summary(ds, as_of, stale_after_days)
    fixes = fix_list(ds, as_of, stale_after_days, top=1)
    top_en = top_zh = ""
    if len(fixes):
        f = fixes.iloc[0]
        where = f["table"] + (f".{f['column']}" if isinstance(f["column"], str) and f["column"] else "")
        top_en = f" Fix first: {where} ({f['kind'].replace('_', ' ')})."
        top_zh = f" 优先修复：{where}（{KIND_ZH.get(f['kind'], f['kind'])}）。"
    score = s.get("overall_score")
    return {
        "en": "{tables} tables, {rows} rows; overall quality score {score} / 100; "
        "{problems} problems found, {stale} stale table(s)." + top_en.replace("{", "{{").replace("}", "}}"),
        "zh": "共 {tables} 张数据表、{rows} 行；总体质量得分 {score} / 100；发现 {problems} 个问题，"
        "{stale} 张数据表过期。" + top_zh.replace("{", "{{").replace("}", "}}"),
        "tables": int(s.get("tables_loaded", 0)),
        "rows": int(s.get("total_rows", 0)),
        "score": float(score) if score is not None and not pd.isna(score) else float("nan"),
        "problems": int(s.get("problems", 0)),
        "stale": len(s.get("stale_tables") or []),
    }


def show_errors(ds: Dataset, report):
    """A visible note listing the data errors (only in interactive use: a run stops on them)."""
    if not ds.errors:
        return None
    items = "; ".join(str(i) for i in ds.errors[:10])
    return report.note(
        "{n} error(s) stop the other reports until fixed: {items}",
        "{n} 个错误会使其他报告停止运行，请先修复：{items}",
        n=len(ds.errors),
        items=items,
    )


def missing_tables_report(ds: Dataset) -> pd.DataFrame:
    """:func:`missing_tables` plus the notebooks that need each absent table."""
    from workbench.notebooks import NOTEBOOKS

    out = missing_tables(ds)
    out["needed_by"] = [
        ", ".join(s.stem for s in NOTEBOOKS.values() if t in s.requires) for t in out["table"]
    ]
    return out


def _score_colour(score: float) -> str:
    from workbench.theme import BAD, GOOD, WARN

    return GOOD if score >= 90 else WARN if score >= 75 else BAD


def plot_scores(overview: pd.DataFrame, report):
    """Horizontal bars: score per loaded table, with its row count (green ≥ 90, amber ≥ 75, red below)."""
    import matplotlib.pyplot as plt

    ov = overview.loc[overview["score"].notna()].sort_values("score")
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(ov), 3) + 1))
    ax.barh(ov["table"], ov["score"], color=[_score_colour(s) for s in ov["score"]])
    for y, (score, rows) in enumerate(zip(ov["score"], ov["rows"], strict=True)):
        n = "–" if pd.isna(rows) else f"{int(rows):,}"
        ax.text(min(score, 100) + 1, y, f"{score:.0f}  (n={n})", va="center", fontsize=9)
    ax.set_xlim(0, 118)
    ax.set_xlabel(report.t("score"))
    ax.set_title(report.t("dq_scores"))
    ax.grid(axis="y", visible=False)
    return fig


def plot_completeness(cc: pd.DataFrame, report, top: int = 25):
    """Columns below 100 % complete, worst first, labelled with the number of blank cells."""
    import matplotlib.pyplot as plt

    gaps = cc.loc[cc["present"] & (cc["completeness"] < 1)].sort_values("completeness").head(top)
    fig, ax = plt.subplots(figsize=(8, 0.34 * max(len(gaps), 3) + 1))
    if gaps.empty:
        ax.text(0.5, 0.5, report.text("Every column is complete.", "所有字段都已填写完整。"),
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    labels = gaps["table"] + "." + gaps["column"]
    ax.barh(labels[::-1], gaps["completeness"][::-1] * 100, color=[_score_colour(c * 100) for c in gaps["completeness"][::-1]])
    for y, (c, miss, rows) in enumerate(zip(gaps["completeness"][::-1], gaps["missing"][::-1], gaps["rows"][::-1], strict=True)):
        ax.text(c * 100 + 1, y, f"{c:.0%}  ({int(miss):,} / {int(rows):,})", va="center", fontsize=9)
    ax.set_xlim(0, 125)
    ax.set_xlabel(report.t("completeness") + " (%)")
    ax.set_title(report.t("dq_completeness"))
    ax.grid(axis="y", visible=False)
    return fig


FIX_COLUMNS = ["rank", "tier", "table", "column", "problem", "rows_affected", "share", "impact", "how_to_fix"]
"""Fix-list columns shown in the report (the result table keeps them all)."""

OVERVIEW_COLUMNS = ["table", "status", "file", "encoding", "rows_read", "rows", "duplicate_rows", "date_from",
                    "date_to", "days_since_last", "completeness", "invalid_cells", "orphan_rows", "score"]
"""Overview columns shown in the report (the result table keeps them all)."""
