"""Completeness: filled and missing cells of every canonical column.

``filled + missing == rows`` for every row of :func:`column_completeness`, and
``completeness == filled / rows``.
"""

from __future__ import annotations

import pandas as pd

from workbench.data.loader import Dataset
from workbench.data.schema import TABLES
from workbench.quality.prepare import _filled, _issue_counts, _issue_frame, _memo


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
        ``present=False``, ``filled=0`` and ``completeness=0.0``. A blank the loader kept
        as ``(blank)`` in a classifying column counts as missing.
    """
    unreadable = _issue_counts(
        _issue_frame(ds.issues), ("invalid", "out_of_range"), ("table", "column")
    )
    frames = []
    for name, df in ds.tables.items():
        spec = TABLES[name]
        names = spec.column_names
        present = [c for c in names if c in df.columns]
        filled = pd.Series({c: int(_filled(df, spec, c).sum()) for c in present}, dtype="int64")
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

