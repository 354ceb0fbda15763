"""What to fix first: every problem found, ranked by impact.

``impact = KIND_WEIGHTS[kind] * ROLE_WEIGHTS[role] * (1 if blocking else share)``,
the share of the table's rows affected weighted by how much the problem matters.
The list is ranked by impact, then by rows affected; ``tier`` groups it into what
stops the reports (1), what affects at least ``MATERIAL_IMPACT`` (2) and the rest (3).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from workbench.data.loader import Dataset
from workbench.data.schema import TABLES
from workbench.quality.completeness import column_completeness
from workbench.quality.duplicates import possible_duplicate_customers
from workbench.quality.freshness import DEFAULT_STALE_AFTER_DAYS, _freshness
from workbench.quality.labels import HOW_TO_FIX
from workbench.quality.orphans import _orphans
from workbench.quality.prepare import (
    _HINT_RE,
    _WHOLE_TABLE_ERRORS,
    PLAN_TABLES,
    _Facts,
    _facts,
    _memo,
    _role,
)
from workbench.quality.validity import _invalid_values

KIND_WEIGHTS: dict[str, float] = {
    "error": 3.0,  # an error: the table is rejected, and a strict load stops every report
    "misnamed_file": 2.0,  # a file that looks like an absent table under a wrong name
    "exact_duplicate": 2.0,  # repeated rows double revenue and counts
    "orphan_key": 1.5,  # rows that cannot be joined to their customer, channel, product ...
    "implausible_date": 1.5,  # a year typo moves the reference date and the time axis
    "date_in_future": 1.5,  # the loader leaves rows with an impossible required date out
    "date_too_early": 1.5,
    "no_rows": 2.0,  # a header-only file: the table is left out and the reports that need it go off
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

MATERIAL_IMPACT = 0.1
"""Impact from which a problem that does not stop the reports is tier 2 (fix soon), below it
tier 3: a tenth of a table's rows with an optional-column problem of weight 1."""


def _plural(n: int, one: str, many: str) -> str:
    """``1 row``, ``2 rows`` (with thousands separators)."""
    return f"{n:,} {one if n == 1 else many}"


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
    A stale table and a misnamed file have share 1. The list is ranked by impact
    (an error goes first when it ties with a warning), then by rows affected. Every
    error has an impact of at least 3 and no warning more than 3, so errors lead.

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
        weight, impact, tier, how_to_fix``. ``kind`` is a code (labelled in
        :mod:`workbench.quality.labels`); ``problem`` and ``how_to_fix`` are English
        text for the CSV (a report shows them from the labels). ``tier`` is 1 for an
        error, 2 for an impact of at least :data:`MATERIAL_IMPACT`, else 3.
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
        hint = HOW_TO_FIX.get(hint_kind or kind, HOW_TO_FIX["other"])[0]
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
                "how_to_fix": hint.format(table=table, ref_table=fmt.get("ref_table", "referenced")),
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
            )
        elif r.kind in ("invalid", "out_of_range", "date_in_future", "date_too_early"):
            add(
                r.table,
                r.column,
                r.kind,
                f"{r.message}",
                int(r.count),
                read.get(r.table),
            )
        elif r.kind == "exact_duplicate":
            add(
                r.table,
                None,
                r.kind,
                _plural(int(r.count), "exact duplicate row", "exact duplicate rows"),
                int(r.count),
                read.get(r.table),
            )
        elif r.kind == "no_rows":
            add(r.table, None, r.kind, r.message, None, None, share=1.0)
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
                f"{_plural(int(r.orphan_rows), 'row points', 'rows point')} to a {r.ref_table}.{r.ref_column} "
                f"that does not exist, e.g. {r.examples}",
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
                f"{_plural(int(b), 'blank value', 'blank values')} ({b / r.rows:.0%} of rows)",
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
            f"{_plural(len(dup), 'group', 'groups')} of customers with the same name under different ids ({n} ids), "
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
    # Not rounded: a problem of 1 row in 40,000 has a small impact, not none.
    out["impact"] = out["impact"].astype("float64")
    out["blocking"] = out["blocking"].astype(bool)
    # Ranked by impact, then rows affected; an error stops every report, so it goes first even
    # when an equally weighted warning ties with it.
    out = out.sort_values(
        ["impact", "blocking", "rows_affected", "table", "column"],
        ascending=[False, False, False, True, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    tier = np.where(out["blocking"], 1, np.where(out["impact"] >= MATERIAL_IMPACT, 2, 3))
    out.insert(out.columns.get_loc("impact") + 1, "tier", tier.astype("int64"))
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[cols]


