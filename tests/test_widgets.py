"""The JupyterLab explorer: a live widget for analysts, nothing at all in batch runs."""

import pandas as pd

from workbench.data import load_dataset
from workbench.params import NotebookParams
from workbench.report import Report
from workbench.widgets import column_profile, table_explorer


def test_column_profile_counts():
    df = pd.DataFrame({"region": ["华东", "华东", "华南", None]})
    prof = column_profile(df, "region")
    assert prof["value"].tolist() == ["华东", "华南"] and prof["count"].tolist() == [2, 1]
    assert prof["share"].tolist() == [0.5, 0.25]


def test_explorer_silent_in_batch_and_live_in_lab(tiny):
    ds = load_dataset(tiny)
    rpt = Report(NotebookParams())
    assert table_explorer(ds, rpt, interactive=False) is None
    box = table_explorer(ds, rpt, interactive=True)
    pick_table, pick_col = box.children[0].children
    assert list(pick_table.options) == ["channels", "customers", "orders"]
    pick_table.value = "orders"
    assert "amount" in pick_col.options
