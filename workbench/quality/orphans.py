"""Referential integrity: foreign key values that the referenced table does not hold.

``orphans(ds).orphan_rows`` equals the count of the loader's ``orphan_key`` issue.
"""

from __future__ import annotations

import pandas as pd

from workbench.data.loader import Dataset
from workbench.data.schema import TABLES
from workbench.quality.prepare import _orphan_masks


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

