"""Shared importer machinery: reading exports, dates, amounts, value maps, atomic writing, the report."""

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.data import load_dataset
from workbench.importers.base import (
    DROP,
    Field,
    ImportReport,
    MappingError,
    closest,
    eval_expression,
    map_values,
    norm,
    parse_dates,
    parse_money,
    read_source,
    resolve_fields,
    write_dataset,
)


def test_norm_matches_labels_and_api_names():
    assert norm("Deal_Name") == norm(" deal  name ") == "deal name"
    assert norm("Account Name.id") == "account name.id"
    assert norm("赢率（%）") == norm("赢率(%)")
    assert norm("\ufeffRecord Id") == "record id"


def test_closest_candidates_latin_and_chinese():
    assert closest(["Closing Date"], ["Close Dt", "Stage", "Closing Dte"])[0] == "Closing Dte"
    assert "商机总金额" in closest(["商机金额"], ["客户名称", "商机总金额", "负责人"])


def test_epoch_ms_are_read_in_the_tenant_time_zone():
    # 2024-04-01 00:00 in Beijing is 2024-03-31 16:00 UTC = 1711900800000 ms
    raw = pd.Series(["1711900800000", "1711900800000.0", None, "2024-05-06"])
    got, bad = parse_dates(raw, tz="Asia/Shanghai")
    assert got.tolist()[:2] == [pd.Timestamp("2024-04-01")] * 2
    assert pd.isna(got[2]) and got[3] == pd.Timestamp("2024-05-06") and not bad.any()
    utc, _ = parse_dates(raw.head(1))
    assert utc[0] == pd.Timestamp("2024-03-31 16:00")


def test_explicit_formats_and_mixed_formats_in_one_column():
    raw = pd.Series(["3/7/2024", "2024-03-08", "31/12/2024", "Mar 15, 2024"])
    got, bad = parse_dates(raw)  # default: day-first/month-first never guessed
    assert bad.tolist() == [True, False, True, False]
    got, bad = parse_dates(raw, ["%m/%d/%Y", "auto", "%d/%m/%Y", "%b %d, %Y"])
    assert not bad.any()
    assert got.tolist() == [pd.Timestamp(d) for d in ("2024-03-07", "2024-03-08", "2024-12-31", "2024-03-15")]


def test_spreadsheet_datetimes_need_no_format():
    raw = pd.Series([pd.Timestamp("2024-01-02 03:04"), "2024/1/3", None], dtype=object)
    got, bad = parse_dates(raw)
    assert got.tolist()[:2] == [pd.Timestamp("2024-01-02 03:04"), pd.Timestamp("2024-01-03")] and not bad.any()


def test_money_spellings():
    raw = pd.Series(["¥12,345.50", "$ 1,000", "3.5万", "1.234,56", "(200)", "", "12"])
    with pytest.raises(MappingError, match=r"2 currencies \(CNY 1 rows, USD 1 rows\)"):
        parse_money(raw, column="Amount")
    got, bad = parse_money(raw.drop(1))
    assert got.tolist()[:4] == [12345.5, 35000.0, 1234.56, -200.0]
    assert pd.isna(got.iloc[4]) and got.iloc[5] == 12 and not bad.any()
    got, bad = parse_money(pd.Series(["abc", "1"]))
    assert bad.tolist() == [True, False]


def test_unknown_picklist_values_are_listed_with_counts_and_the_fix():
    raw = pd.Series(["Won", "won ", "Lost", "Demo", "Demo", "Trial", None])
    with pytest.raises(MappingError) as err:
        map_values(raw, {"won": "won", "lost": "lost"}, src=None, column="Stage", target="status")
    msg = str(err.value)
    assert "'Demo' (2 rows), 'Trial' (1 rows)" in msg and "column 'Stage'" in msg and "values: {status:" in msg
    report = ImportReport("test")
    got = map_values(raw, {"won": "won", "lost": "lost", "demo": DROP}, src=None, column="Stage", target="status",
                     unknown="keep", report=report)
    assert got.tolist()[:6] == ["won", "won", "lost", DROP, DROP, "Trial"] and pd.isna(got.iloc[6])
    assert report.mapped[0]["values"]["Won"] == {"to": "won", "rows": 1}
    assert report.mapped[0]["values"]["Demo"] == {"to": DROP, "rows": 2}


def test_expressions_allow_arithmetic_only():
    cols = {"Quantity": pd.Series([2.0, 3.0]), "Unit Price": pd.Series([1.5, 2.0])}
    assert eval_expression("Quantity * `Unit Price` - 1", cols.__getitem__).tolist() == [2.0, 5.0]
    with pytest.raises(MappingError, match="only"):
        eval_expression("__import__('os')", cols.__getitem__)


def test_title_row_gbk_and_semicolons(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("商机列表（导出于2026-11-01）\n商机名称;商机金额\n门锁;1,200.00\n".encode("gbk"))
    src = read_source(p, ["商机名称", "商机金额"])
    assert (src.encoding, src.header_row, list(src.frame.columns)) == ("gb18030", 1, ["商机名称", "商机金额"])
    assert src.frame.iloc[0].tolist() == ["门锁", "1,200.00"] and src.lines([0]) == [3]


def test_workbook_sheets(tmp_path):
    p = tmp_path / "book.xlsx"
    with pd.ExcelWriter(p) as w:
        pd.DataFrame({"说明": ["导出说明"]}).to_excel(w, sheet_name="说明", index=False)
        pd.DataFrame({"Record Id": ["zcrm_1"], "Stage": ["Closed Won"]}).to_excel(w, sheet_name="Deals", index=False)
    src = read_source(p, ["Record Id", "Stage"])
    assert src.sheet == "Deals" and src.frame["Stage"].tolist() == ["Closed Won"] and src.label == "book.xlsx [Deals]"
    with pytest.raises(MappingError, match="no sheet 'Deal' \\(did you mean 'Deals'\\?\\)"):
        read_source(p, [], sheet="Deal")
    q = tmp_path / "two.xlsx"
    with pd.ExcelWriter(q) as w:
        for name in ("2025", "2026"):
            pd.DataFrame({"Record Id": ["zcrm_1"], "Stage": ["Closed Won"]}).to_excel(w, sheet_name=name, index=False)
    with pytest.raises(MappingError, match=r"2 sheets and 2 of them \(2025, 2026\).*--sheet"):
        read_source(q, ["Record Id", "Stage"])
    assert read_source(q, ["Record Id"], sheet="2026").sheet == "2026"


def test_missing_required_column_names_candidates(tmp_path):
    p = tmp_path / "Deals.csv"
    p.write_text("Record Id,Stag,Closing Dt\nzcrm_1,Closed Won,2024-01-01\n", encoding="utf-8")
    src = read_source(p)
    with pytest.raises(MappingError) as err:
        resolve_fields(src, [Field("record_id", ("Record Id",), True), Field("stage", ("Stage",), True)],
                       what="Zoho Deals export", mapping_hint="columns: {deals: ")
    msg = str(err.value)
    assert "'stage' (looked for 'Stage'); closest: 'Stag'" in msg
    assert "Columns found: Record Id, Stag, Closing Dt" in msg and "columns: {deals: {stage: 'Stag'}" in msg


def test_write_is_atomic_and_checked(tmp_path):
    out = tmp_path / "ds"
    report = ImportReport("test")
    good = {"channels": pd.DataFrame({"channel_id": ["A"], "name": ["直销"], "type": ["direct"]})}
    write_dataset(out, good, report=report, meta={"currency": "CNY"})
    assert sorted(p.name for p in out.iterdir()) == ["channels.csv", "dataset.yaml", "import_report.json"]
    assert json.loads((out / "import_report.json").read_text(encoding="utf-8"))["tables"] == {"channels": 1}
    assert load_dataset(out)["channels"]["name"].tolist() == ["直销"]
    with pytest.raises(MappingError, match="exists and is not empty"):
        write_dataset(out, good, report=report)
    bad = {"channels": pd.DataFrame({"channel_id": ["A", "A"], "name": ["x", "y"]})}
    with pytest.raises(MappingError, match="do not pass the data model's checks"):
        write_dataset(out, bad, report=report, force=True)
    # the failed import left the previous dataset untouched and no staging folder behind
    assert load_dataset(out)["channels"]["name"].tolist() == ["直销"]
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]
    write_dataset(out, {"channels": good["channels"].assign(name="分销")}, report=report, force=True)
    assert load_dataset(out)["channels"]["name"].tolist() == ["分销"]
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


@pytest.mark.parametrize("name, typ", [
    ("渠道伙伴", "partner"), ("Channel Partner", "partner"), ("华南代理商", "distributor"), ("京东旗舰店", "ecommerce"),
    ("Online Store", "ecommerce"), ("400电话", "telesales"), ("Cold Call", "telesales"), ("线下门店", "retail"),
    ("行业展会", "direct"), ("Employee Referral", "direct"), ("官网", None), ("Advertisement", None),
    ("Web Download", None), ("Seminar Partner", "partner"),
])
def test_channel_type_from_the_words_of_its_name(name, typ):
    from workbench.importers.base import guess_channel_type

    assert guess_channel_type(name) == typ


# ----------------------------------------------------------------------------- damaged and old files


@pytest.mark.parametrize("content", [b"PK\x03\x04 truncated zip", b"Record Id,Stage\nzcrm_1,Closed Won\n",
                                     b"\x00\x01\x02 not a workbook at all"])
def test_damaged_or_renamed_workbook_is_a_clear_error(tmp_path, content, capsys):
    """A truncated .xlsx (BadZipFile) or a CSV renamed .xlsx (CalamineError) used to end in a traceback."""
    from workbench.cli import main

    p = tmp_path / "Deals.xlsx"
    p.write_bytes(content)
    with pytest.raises(MappingError, match=r"Deals.xlsx: is not a readable XLSX workbook .*save it again as .xlsx"):
        read_source(p, ["Record Id"])
    assert main(["import", "zoho", "--deals", str(p), "--out", str(tmp_path / "ds")]) == 2
    err = capsys.readouterr().err
    assert "error: Deals.xlsx: is not a readable XLSX workbook" in err and "Traceback" not in err
    assert not (tmp_path / "ds").exists()


def test_csv_that_is_really_a_workbook(tmp_path):
    book = tmp_path / "book.xlsx"
    pd.DataFrame({"Record Id": ["zcrm_1"]}).to_excel(book, index=False)
    p = tmp_path / "Deals.csv"
    p.write_bytes(book.read_bytes())
    with pytest.raises(MappingError, match="Deals.csv: is an Excel workbook renamed to .csv"):
        read_source(p)


def test_old_xls_workbook_is_read(tmp_path):
    """Old .xls (BIFF) workbooks are read, not skipped: through the mapping importer into orders."""
    from statsmodels.datasets import macrodata

    from workbench.importers import import_mapping

    xls = Path(macrodata.__file__).parent / "src" / "macrodata.xls"
    if xls.is_dir():  # statsmodels ships it inside a folder of the same name
        xls = xls / "macrodata.xls"
    with pytest.raises(MappingError, match=r"3 sheets and 3 of them \(README, Monthly, Quarterly\)"):
        read_source(xls)
    src = read_source(xls, ["DATE", "GDPC96"], sheet="Quarterly")
    assert src.format == "xls" and list(src.frame.columns[:3]) == ["DATE", "DPIC96", "FGCEC96"]
    assert src.frame["DATE"].iloc[0] == pd.Timestamp("1947-01-01") and src.lines([0]) == [2]
    mapping = {"tables": {"orders": {"file": xls.name, "sheet": "Quarterly", "columns": {
        "order_id": {"value": "GDP"}, "customer_id": {"value": "US"}, "order_date": "DATE", "amount": "GDPC96"}}}}
    report = import_mapping(mapping, input=xls.parent, out=tmp_path / "ds")
    orders = pd.read_csv(tmp_path / "ds" / "orders.csv", parse_dates=["order_date"])
    assert report.tables["orders"] == len(src.frame) and report.files[0]["format"] == "xls"
    assert orders["amount"].sum() == pytest.approx(src.frame["GDPC96"].astype(float).sum())
    assert orders["order_date"].min() == pd.Timestamp("1947-01-01")


def test_semicolon_export_with_decimal_commas_through_an_importer(tmp_path):
    from workbench.importers import import_zoho

    p = tmp_path / "Deals.csv"
    p.write_text("Record Id;Stage;Amount;Created Time\nzcrm_1;Closed Won;1.234,56;2024-01-02\n"
                 "zcrm_2;Qualification;99,50;2024-01-03\n", encoding="utf-8")
    report = import_zoho(deals=p, out=tmp_path / "ds")
    leads = load_dataset(tmp_path / "ds")["leads"]
    assert leads["amount"].tolist() == [1234.56, 99.5] and leads["status"].tolist() == ["won", "open"]
    assert report.files[0]["rows_read"] == 2


def test_base_is_split_along_read_fields_values_write():
    """base.py re-exports the names the importers, the CLI and older code import from it; each step is a module."""
    import inspect

    from workbench.importers import base, fields, read, tables, values, write

    assert base.read_source is read.read_source and base.resolve_fields is fields.resolve_fields
    assert base.map_values is values.map_values and base.write_dataset is write.write_dataset
    assert base.Export is tables.Export and base.ImportReport.__module__ == "workbench.importers.report"
    assert all(hasattr(base, n) for n in base.__all__)
    for mod in (base, fields, read, tables, values, write):
        assert len(inspect.getsource(mod).splitlines()) < 450, mod.__name__
