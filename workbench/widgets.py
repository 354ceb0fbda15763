"""ipywidgets explorers for analysts in JupyterLab; silent in batch runs.

Widgets need a live kernel (and, in exported HTML, a renderer fetched from a
CDN), so reports never depend on them: with ``interactive=False`` — what the
runner passes, and what a notebook's params become in any kernel no notebook
front end started (plain papermill, nbconvert; see :func:`front_end_attached`) —
an explorer shows nothing and the static tables carry the story.

In JupyterLab, widget state is saved with the notebook: :func:`configure_lab`
(run by ``make install`` and ``make lab``) sets the widget manager's ``saveState``
in the environment's ``overrides.json``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pandas as pd

from workbench.data.loader import Dataset

LAB_SETTINGS = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}
"""JupyterLab setting defaults of the project: widget state is saved with the notebook."""


def lab_overrides_path(prefix: str | Path = sys.prefix) -> Path:
    """JupyterLab's application settings file of the environment at ``prefix`` (its ``overrides.json``)."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def configure_lab(prefix: str | Path = sys.prefix) -> Path:
    """Write :data:`LAB_SETTINGS` into the environment's ``overrides.json``, keeping its other settings.

    ``overrides.json`` in the application settings directory sets the defaults every user of
    that JupyterLab starts from (a user's own choice in the settings editor still wins).
    Returns the file written.
    """
    path = lab_overrides_path(prefix)
    current = {}
    if path.exists():
        try:
            current = json.loads(path.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc}); fix or remove it, then run `make install` again") \
                from None
    for plugin, values in LAB_SETTINGS.items():
        current[plugin] = {**current.get(plugin, {}), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def front_end_attached(namespace: dict | None = None) -> bool:
    """Whether a notebook front end that can show widgets started this kernel.

    Jupyter Server (JupyterLab, Notebook 7) gives the kernels it starts the notebook's path in
    ``JPY_SESSION_NAME``; VS Code defines ``__vsc_ipynb_file__``. papermill, nbconvert and the
    runner do neither: nobody will ever look at a widget there.
    """
    if os.environ.get("JPY_SESSION_NAME"):
        return True
    if namespace is None:
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:
            shell = None
        namespace = getattr(shell, "user_ns", None) or {}
    return "__vsc_ipynb_file__" in namespace


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
