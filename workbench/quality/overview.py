"""One row per table of the data model, its 0..100 score, and the tables not supplied.

Each present table gets five components in 0..1 (see :func:`table_scores`) and
``score = 100 * sum(w_i * c_i) / sum(w_i)`` over the components that apply, with the
weights :data:`SCORE_WEIGHTS`. Every number traces back to the data or the loader:
``rows_read - rows == duplicate_rows`` (exact duplicate rows the loader dropped) and
``invalid_cells`` is the sum of :func:`~workbench.quality.validity.invalid_values`
counts of the table.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from workbench.data.loader import Dataset
from workbench.data.schema import TABLES
from workbench.quality.freshness import DEFAULT_STALE_AFTER_DAYS, _freshness, _freshness_score
from workbench.quality.prepare import (
    _HINT_RE,
    _Facts,
    _facts,
    _filled,
    _issue_counts,
    _present_files,
)
from workbench.quality.validity import _invalid_values

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
        cells = [_filled(df, TABLES[t], c).to_numpy() for c in present]
        comp[t] = float(np.mean(cells)) if present and len(df) else np.nan
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

def missing_tables_report(ds: Dataset) -> pd.DataFrame:
    """:func:`missing_tables` plus the notebooks that need each absent table."""
    from workbench.notebooks import NOTEBOOKS

    out = missing_tables(ds)
    out["needed_by"] = [
        ", ".join(s.stem for s in NOTEBOOKS.values() if t in s.requires) for t in out["table"]
    ]
    return out

