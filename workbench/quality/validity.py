"""Validity: values that cannot be read, lie out of range, are blank though required, or are implausible."""

from __future__ import annotations

import pandas as pd

from workbench.data.loader import Dataset
from workbench.data.schema import DATE, TABLES
from workbench.quality.prepare import (
    IMPLAUSIBLE_GAP_DAYS,
    IMPLAUSIBLE_QUANTILE,
    _implausible_mask,
    _issue_frame,
    _rows_text,
)

VALIDITY_KINDS: tuple[str, ...] = (
    "invalid",
    "out_of_range",
    "blank_required",
    "closed_before_created",
    "impossible_value",
    "date_in_future",
    "date_too_early",
)
"""Loader issue kinds reported by :func:`invalid_values` (plus implausible dates)."""
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
                        "message": f"{n:,} {'date lies' if n == 1 else 'dates lie'} far after the rest of the column, "
                        f"e.g. {shown}",
                    }
                )
    out = pd.DataFrame(rows, columns=cols)
    out["count"] = out["count"].astype("int64")
    read = pd.Series({t: f.rows_read for t, f in ds.files.items()}, dtype="float64")
    out["share"] = (out["count"] / out["table"].map(read)).astype("float64")
    return out.sort_values(["table", "count"], ascending=[True, False], kind="stable").reset_index(
        drop=True
    )[cols]

