"""ipywidgets explorers for analysts in JupyterLab; silent in batch runs.

Widgets need a live kernel (and, in exported HTML, a renderer fetched from a
CDN), so reports never depend on them: with ``interactive=False`` — what the
runner passes — an explorer shows nothing and the static tables carry the story.
"""

from __future__ import annotations

import pandas as pd

from workbench.data.loader import Dataset


def column_profile(df: pd.DataFrame, column: str, top: int = 10) -> pd.DataFrame:
    """Fill rate, distinct values and the most frequent values of one column."""
    s = df[column]
    counts = s.value_counts(dropna=True).head(top)
    prof = pd.DataFrame({"value": counts.index.astype(str), "count": counts.to_numpy()})
    prof["share"] = prof["count"] / max(len(s), 1)
    return prof


def table_explorer(ds: Dataset, report, interactive: bool):
    """A table / column picker showing a column profile and the first rows (JupyterLab only).

    Returns the widget, or ``None`` in batch runs (nothing is displayed).
    """
    if not interactive or not ds.tables:
        return None
    import ipywidgets as w
    from IPython.display import display

    tables = sorted(ds.tables)
    pick_table = w.Dropdown(options=tables, description=report.t("table"))
    pick_col = w.Dropdown(options=list(ds.tables[tables[0]].columns), description=report.t("column"))
    out = w.Output()

    def refresh(*_):
        df = ds.tables[pick_table.value]
        if pick_col.value not in df.columns:
            return
        with out:
            out.clear_output()
            display(report.table(column_profile(df, pick_col.value)))
            display(report.table(df.head(20)))

    def on_table(change):
        pick_col.options = list(ds.tables[change["new"]].columns)
        refresh()

    pick_table.observe(on_table, names="value")
    pick_col.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([pick_table, pick_col]), out])
