"""Long saved tables wait for the workbook on disk: the workbook is the one written from memory."""
import zipfile

import numpy as np
import pandas as pd
import pytest

from workbench.reporting import excel, spill
from workbench.reporting.formats import Formatter


def _long(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    plays = ["win_back", "=SUM(A1)", "培育 / nurture", None]
    return pd.DataFrame({
        "customer_id": pd.array([f"C{i:07d}" for i in range(n)], dtype="str"),
        "play": pd.Categorical(rng.choice(plays, n)),
        "action_zh": pd.array(rng.choice(["电话回访，赠送优惠券", "邮件", None], n), dtype="str"),
        "cluster": pd.array(np.where(rng.random(n) < .2, None, rng.integers(1, 6, n)), dtype="Int64"),
        "clv": rng.lognormal(5, 2, n).round(2),
        "frequency": rng.integers(1, 40, n),
        "last_order": pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
        "vip": rng.random(n) < .1,
    })


def test_spilled_table_reads_as_the_frame(tmp_path, monkeypatch):
    monkeypatch.setattr(spill, "SPILL_ROWS", 10)
    monkeypatch.setattr(spill, "BLOCK_ROWS", 7)
    df = _long(53)
    box = spill.Spill()
    t = box.keep(df, "crm_export")
    assert isinstance(t, spill.SpilledTable) and len(t) == 53 and list(t.columns) == list(df.columns)
    for a, b in [(0, 200), (0, 7), (5, 9), (7, 14), (50, 60), (20, 20), (0, 53)]:
        pd.testing.assert_frame_equal(t.iloc[a:b], df.iloc[a:b], check_exact=True)
    for c in df.columns:
        pd.testing.assert_series_equal(t[c].iloc[:53], df[c], check_exact=True)
    folder = t.path.parent
    box.close()
    assert not folder.exists()


def test_what_would_not_read_back_stays_in_memory(monkeypatch):
    monkeypatch.setattr(spill, "SPILL_ROWS", 10)
    box = spill.Spill()
    mixed = pd.DataFrame({"a": pd.Series([1, "x", 2.5, None] * 5, dtype=object), "b": range(20)})
    numbered = pd.DataFrame({0: range(20), "b": range(20)})  # a column name the file would make text
    short = _long(5)
    for df in (mixed, numbered, short):
        assert box.keep(df, "t") is df
    objects = pd.DataFrame({"a": pd.Series(["x", None] * 10, dtype=object), "b": range(20)})
    t = box.keep(objects, "t")  # text in an object column: read back as objects
    assert isinstance(t, spill.SpilledTable)
    pd.testing.assert_frame_equal(t.to_frame(), objects, check_exact=True)
    box.close()


@pytest.mark.parametrize("rows", [45, 3])
def test_workbook_from_spilled_tables_is_the_same(tmp_path, monkeypatch, rows):
    """The workbook written from a spilled table has the bytes of its sheets written from memory."""
    df = _long(rows, seed=2)
    fmt = Formatter("zh", "CNY")
    kinds = {c: excel.guess_kind(c, df[c]) for c in df.columns}
    head = {c: c for c in df.columns}
    text = {"play": lambda v: f"<{v}>"}
    monkeypatch.setattr(spill, "SPILL_ROWS", 10)
    monkeypatch.setattr(spill, "BLOCK_ROWS", 4)
    monkeypatch.setattr(excel, "ROW_BLOCK", 6)
    data = spill.Spill().keep(df, "crm_export")
    assert isinstance(data, spill.SpilledTable) == (rows >= 10)
    disk = excel.write_workbook(tmp_path / "disk.xlsx", [excel.Sheet("crm_export", data, kinds, head, "list", text)],
                                fmt)
    ref = excel.write_workbook(tmp_path / "ref.xlsx", [excel.Sheet("crm_export", df, kinds, head, "list", text)], fmt)
    with zipfile.ZipFile(disk) as a, zipfile.ZipFile(ref) as b:
        sheets = [n for n in b.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for n in sheets:
            assert a.read(n) == b.read(n), n
        assert a.read("xl/worksheets/sheet2.xml").count(b"<row ") == rows + 1  # header and every row


def test_report_keeps_long_tables_on_disk_until_the_workbook(tmp_path, monkeypatch):
    """A long saved table is not held in memory by the report; the workbook still has all of it."""
    import openpyxl

    from workbench.params import NotebookParams
    from workbench.reporting import report as report_mod

    monkeypatch.setattr(spill, "SPILL_ROWS", 30)
    rpt = report_mod.Report(NotebookParams(output_dir=str(tmp_path / "tables" / "00_x")))
    long, short = _long(41, seed=5), _long(4, seed=6)
    rpt.save(long, "long_list")
    rpt.save(short, "short_list")
    assert isinstance(rpt.sheets["long_list"].data, spill.SpilledTable)
    assert isinstance(rpt.sheets["short_list"].data, pd.DataFrame)
    rpt.finish()
    wb = openpyxl.load_workbook(rpt.workbook_path, read_only=True)
    got = [r for r in wb[wb.sheetnames[1]].iter_rows(values_only=True)]
    assert len(got) == 42 and got[0][0] == "Customer"
    assert [r[0] for r in got[1:]] == list(long["customer_id"])
    clv = [r[list(long.columns).index("clv")] for r in got[1:]]
    assert clv == pytest.approx(list(long["clv"]))


def test_batch_report_releases_arrow_memory_after_each_cell(tmp_path, monkeypatch):
    """In a kernel, a batch run's report hooks the release of Arrow's pool after each cell, once."""
    from IPython.core.interactiveshell import InteractiveShell

    from workbench.params import NotebookParams
    from workbench.reporting import report as report_mod

    InteractiveShell.clear_instance()
    monkeypatch.setattr(spill, "_HOOKED", set())
    ip = InteractiveShell.instance()
    try:
        released = []
        monkeypatch.setattr(spill, "release_memory", lambda: released.append(1))
        before = len(ip.events.callbacks["post_run_cell"])
        for i in range(2):
            report_mod.Report(NotebookParams(output_dir=str(tmp_path / "tables" / f"0{i}_x")))
        report_mod.Report(NotebookParams())  # interactive: no hook needed
        assert len(ip.events.callbacks["post_run_cell"]) == before + 1
        ip.run_cell("x = 1")
        assert released == [1]
    finally:
        InteractiveShell.clear_instance()
