"""The summary's inputs besides the result tables it cites: what to compare this run with."""

from __future__ import annotations

import pandas as pd

from workbench.reporting import Notes
from workbench.summary import compare


def period_changes(params, ds, ref_date: pd.Timestamp) -> tuple[pd.DataFrame, Notes]:
    """This run against the previous complete run of the same params; without one (said in a
    note), the last complete month against the one before, from the data.

    Returns
    -------
    (changes, notes) : the comparisons (:data:`workbench.summary.compare.COLUMNS`) and the notes
    a reader must see.
    """
    notes = Notes()
    if params.previous_run_dir:
        changes = compare.compare_runs(compare.run_folder(params.run_tables_dir), params.previous_run_dir)
        if len(changes):
            return changes, notes
    else:
        notes.note("No previous complete run of these params: comparing the last complete month with the one "
                   "before, from the data.", "没有相同参数的上次完整运行：改为用数据比较最近一个完整月与前一个月。")
    return compare.month_over_month(ds.tables.get("orders"), ds.tables.get("leads"), ref_date), notes


def channels(ds) -> pd.DataFrame | None:
    """The dataset's channels table (``channel_id``, ``type``): which channels are e-commerce."""
    return ds.tables.get("channels")
