"""Shared facts of the data quality checks: issues as rows, date profiles, orphan masks, memo.

Every check takes a loaded :class:`~workbench.data.loader.Dataset` (load it with
``strict=False`` so that tables with errors are reported instead of raised). What
several checks need (the reference date, each table's date range, the orphan masks,
the loader's issues as a frame) is computed once per dataset by :func:`facts`.

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
    reported by :func:`~workbench.quality.validity.invalid_values`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from workbench.data.aliases import BLANK
from workbench.data.coerce import period_bounds
from workbench.data.loader import Dataset, Issue, in_reference
from workbench.data.schema import DATE, PERIOD, TABLES, TableSpec

log = logging.getLogger(__name__)

PLAN_TABLES: tuple[str, ...] = ("targets",)
"""Tables that hold plans: their periods may lie in the future, so they never set
the reference date."""

IMPLAUSIBLE_QUANTILE = 0.95
IMPLAUSIBLE_GAP_DAYS = 366
IMPLAUSIBLE_MIN_ROWS = 10  # fewer dates say too little about what is normal

_WHOLE_TABLE_ERRORS = ("missing_column", "no_rows", "unreadable", "ambiguous_table")
_HINT_RE = re.compile(r"did you mean '([^'.]+)\.")


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


def _filled(df: pd.DataFrame, spec: TableSpec, column: str) -> pd.Series:
    """Cells of ``column`` holding a value: not missing, and not the loader's ``(blank)`` bucket.

    A classifying column (``Column.bucket_blank``) keeps a blank as ``(blank)`` so that every
    row still counts in a breakdown; for completeness it is still a blank.
    """
    s = df[column]
    filled = s.notna()
    if spec.column(column).bucket_blank:
        if isinstance(s.dtype, pd.StringDtype):  # compared in Arrow, not as ten million Python objects
            filled &= s.ne(BLANK).fillna(True).astype(bool)
        else:
            filled &= s.astype(object).ne(BLANK)
    return filled


def _orphan_masks(ds: Dataset) -> dict[str, dict[str, pd.Series]]:
    """Per table and foreign key column: rows whose value the referenced table lacks.

    Computed once per dataset: the masks do not depend on the reference date, and the fix list,
    the overview and the orphans section all ask for them.
    """
    return _memo(ds, ("orphan_masks",), lambda: _compute_orphan_masks(ds))


def _compute_orphan_masks(ds: Dataset) -> dict[str, dict[str, pd.Series]]:
    out: dict[str, dict[str, pd.Series]] = {}
    for name, df in ds.tables.items():
        for fk in TABLES[name].foreign_keys:
            ref = ds.tables.get(fk.ref_table)
            if fk.column not in df.columns or ref is None or fk.ref_column not in ref.columns:
                continue
            # missing values and the (blank) bucket are blanks, not orphans
            mask = ~_isin(df[fk.column].where(_filled(df, TABLES[name], fk.column)), ref[fk.ref_column])
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
    dates = _memo(ds, ("date_profile",), lambda: _date_profile(ds))
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
    return _reference_from_profile(_memo(ds, ("date_profile",), lambda: _date_profile(ds)))

