"""The Excel workbook of a report: sheets, localised headers, numbers as numbers, text as text, safe."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from workbench.params import NotebookParams
from workbench.reporting import Catalogue, Report
from workbench.reporting import page as wb_page
from workbench.reporting.excel import (
    MAX_CELL_TEXT,
    cell_value,
    display_width,
    guess_kind,
    number_format,
    sheet_names,
)
from workbench.reporting.export import read_csv
from workbench.reporting.formats import Formatter

CAT = Catalogue("demo", {"scale_up": ("Scale up", "加大投入"), "hold": ("Hold", "维持"),
                         "verdict": ("Verdict", "结论"), "change_pp": ("Change", "变化"),
                         "channel_conversion": ("Conversion by channel", "各渠道转化率")})
HYPERLINK = '=HYPERLINK("http://x","click")'


def _conversion():
    return pd.DataFrame({
        "customer_id": ["00123", "C-9"],
        "rep_id": [1001, 1002],  # a numeric id: text in the workbook, never 1,001
        "period": ["2026-03", "2026-Q1"],  # Excel would make the first a date
        "channel": [HYPERLINK, "普通客户渠道"],
        "conversion_rate": [0.15730337078651685, 0.5],
        "revenue": [1234567.891, -0.004],
        "leads": [89.0, np.nan],  # a count that is float because of a blank
        "change_pp": [0.021, -0.005],
        "date": pd.to_datetime(["2026-03-05", None]),
        "verdict": ["scale_up", "hold"],
    })


def _crm():
    return pd.DataFrame({
        "customer_id": [7, 8, 9],
        "monetary": [1500.256, 80.0, 0.0],
        "win_rate": [0.25, 1.0, 0.0],
        "cluster": [1, 2, 3],
        "p_value": [0.0004, 0.2, 0.049],
        "name": ["+cmd|' /C calc'!A0", "@SUM(1)", "line\rbreak"],
    })


def _report(tmp_path, lang):
    out = tmp_path / lang / "tables" / "20_demo"
    rpt = Report(NotebookParams(lang=lang, output_dir=str(out)), labels=CAT,
                 tables={"channel_conversion": list(_conversion().columns), "crm_export": list(_crm().columns)})
    rpt.table(_conversion(), "channel_conversion", columns=["channel", "conversion_rate"], values=["verdict"],
              formats={"conversion_rate": "share", "revenue": "money_month", "leads": "count", "change_pp": "pp",
                       "date": "date"})
    rpt.save(_crm(), "crm_export")
    link = rpt.finish()
    return rpt, out, link


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xlsx")
    return {lang: _report(tmp, lang) for lang in ("zh", "en")}


def _headers(ws):
    return [c.value for c in ws[1]]


def _col(ws, header):
    return _headers(ws).index(header) + 1


def test_one_workbook_per_language_with_an_about_sheet(books):
    for lang, about in (("zh", "说明"), ("en", "About")):
        rpt, out, link = books[lang]
        path = out / f"20_demo.{lang}.xlsx"
        assert rpt.workbook_path == path and path.exists()
        wb = load_workbook(path)
        assert wb.sheetnames == [about, "channel_conversion", "crm_export"]
        ws = wb[about]
        assert ws["A1"].value == ("报告" if lang == "zh" else "Report")
        rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and r[0]}
        assert rows["channel_conversion"][2] == 2 and rows["crm_export"][2] == 3  # rows of each sheet
        assert rows["channel_conversion"][3] == ("各渠道转化率" if lang == "zh" else "Conversion by channel")
        text = " ".join(str(v) for r in ws.iter_rows(values_only=True) for v in r if v)
        assert ("样本量" if lang == "zh" else "Sample sizes") in text  # where the sample sizes are
        assert 'href="tables/20_demo/20_demo.' + lang + '.xlsx"' in link.markup
        assert ("Excel 工作簿（2 张表）" if lang == "zh" else "Excel workbook (2 tables)") in link.markup


def test_headers_in_the_report_language_with_units_csv_canonical(books):
    zh = load_workbook(books["zh"][1] / "20_demo.zh.xlsx")["channel_conversion"]
    en = load_workbook(books["en"][1] / "20_demo.en.xlsx")["channel_conversion"]
    assert _headers(zh) == ["客户", "销售代表", "期间", "渠道", "转化率（赢单/线索，成熟批次）", "收入 (¥, 每月)",
                            "线索数", "变化", "日期", "结论"]
    assert _headers(en)[:7] == ["Customer", "Rep", "Period", "Channel", "Conversion (won / leads, mature cohorts)",
                                "Revenue (¥, per month)", "Leads"]
    for lang in ("zh", "en"):  # the CSV keeps the canonical names and rounds the noise away
        back = read_csv(books[lang][1] / "channel_conversion.csv", dtype={"customer_id": str})
        assert list(back.columns) == list(_conversion().columns)
        assert back["conversion_rate"].tolist() == [0.157303, 0.5]
        assert back["revenue"].tolist() == [1234567.89, 0.0]  # money to cents, no -0
        assert back["leads"].iloc[0] == 89 and pd.isna(back["leads"].iloc[1])
    raw = (books["zh"][1] / "channel_conversion.csv").read_text(encoding="utf-8-sig")
    assert ",89," in raw and "89.0" not in raw and "e-" not in raw and "e+" not in raw


def test_numbers_are_numbers_with_formats_text_is_text(books):
    ws = load_workbook(books["zh"][1] / "20_demo.zh.xlsx")["channel_conversion"]
    cell = lambda header, row=2: ws.cell(row, _col(ws, header))  # noqa: E731

    assert cell("客户").value == "00123" and cell("客户").data_type == "s"  # leading zeros kept
    assert cell("销售代表").value == "1001" and cell("销售代表").data_type == "s"
    assert cell("期间").value == "2026-03" and cell("期间", 3).value == "2026-Q1"
    assert cell("期间").data_type == "s" and not isinstance(cell("期间").value, dt.datetime)
    share = cell("转化率（赢单/线索，成熟批次）")
    assert share.value == pytest.approx(0.157303) and share.data_type == "n" and share.number_format == "0.0%"
    money = cell("收入 (¥, 每月)")
    assert money.value == pytest.approx(1234567.89) and money.data_type == "n"
    assert money.number_format == '"¥"#,##0;-"¥"#,##0'
    assert cell("收入 (¥, 每月)", 3).value == 0  # -0.004 is no money, and never -0
    assert cell("线索数").value == 89 and cell("线索数").number_format == "#,##0" and cell("线索数", 3).value is None
    pp = cell("变化")
    assert pp.value == pytest.approx(2.1) and "个百分点" in pp.number_format  # the cell holds points
    assert cell("日期").value == dt.datetime(2026, 3, 5) and cell("日期").number_format == "yyyy-mm-dd"
    assert cell("结论").value == "加大投入" and cell("结论", 3).value == "维持"  # codes by their label
    name = cell("渠道")
    assert name.value == "'" + HYPERLINK and name.data_type == "s"  # no formula runs
    assert cell("渠道", 3).value == "普通客户渠道"


def test_tables_saved_alone_get_kinds_from_their_names(books):
    ws = load_workbook(books["en"][1] / "20_demo.en.xlsx")["crm_export"]
    assert _headers(ws) == ["Customer", "monetary (¥)", "win_rate", "cluster", "p-value", "Name"]
    assert [ws.cell(r, 1).value for r in (2, 3, 4)] == ["7", "8", "9"]  # an integer id is text
    assert ws.cell(2, 2).value == pytest.approx(1500.26) and ws.cell(2, 2).number_format.startswith('"¥"#,##0')
    assert ws.cell(2, 3).value == 0.25 and ws.cell(2, 3).number_format == "0.0%"
    assert ws.cell(2, 4).value == 1 and ws.cell(2, 4).number_format == "#,##0"
    assert ws.cell(2, 5).number_format == '[<0.001]"< 0.001";0.000'
    assert [ws.cell(r, 6).value for r in (2, 3, 4)] == ["'+cmd|' /C calc'!A0", "'@SUM(1)", "line\nbreak"]  # CR: the cell's line break
    assert all(ws.cell(r, 6).data_type == "s" for r in (2, 3, 4))


def test_frozen_header_autofilter_and_widths(books):
    wb = load_workbook(books["zh"][1] / "20_demo.zh.xlsx")
    ws = wb["channel_conversion"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:J3"
    assert wb["crm_export"].freeze_panes == "A2" and wb["crm_export"].auto_filter.ref == "A1:F4"
    # the file stores a width with the cell padding (5 pixels of a 7-pixel digit): Excel shows the characters
    width = lambda header: round(ws.column_dimensions[chr(64 + _col(ws, header))].width - 5 / 7, 1)  # noqa: E731
    # CJK counts double: the channel column is as wide as its longest name (6 CJK = 12) or the formula text
    assert width("渠道") == len("'" + HYPERLINK) + 2
    assert width("转化率（赢单/线索，成熟批次）") == display_width("转化率（赢单/线索，成熟批次）") + 2 == 31
    assert width("期间") == 9  # "2026-Q1" and 2 of padding


def test_interactive_run_writes_nothing():
    rpt = Report(NotebookParams(), labels=CAT)
    rpt.table(_conversion(), "channel_conversion")
    assert rpt.finish() is None and rpt.workbook_path is None


def test_sheet_names_are_excel_safe_and_unique():
    names = sheet_names(["a[b]:c*d?e/f\\g", "x" * 40, "x" * 40, "About", "history", "'quoted'", "Sales", "SALES"],
                        reserved=["About"])
    assert names[0] == "a_b__c_d_e_f_g"
    assert names[1] == "x" * 31 and names[2] == "x" * 29 + "~2"
    assert names[3] == "About~2" and names[4] == "history~2" and names[5] == "quoted"
    assert names[6] == "Sales" and names[7] == "SALES~2"  # Excel compares sheet names without case
    assert all(len(n) <= 31 for n in names) and len({n.casefold() for n in names}) == len(names)


def test_cell_values_at_the_edges():
    fmt = Formatter("zh")
    assert cell_value(float("inf"), "count", fmt) == "∞" and cell_value(-math.inf, "money", fmt) == "-∞"
    assert cell_value(-0.0, "num", fmt) == 0 and str(cell_value(-0.0, "num", fmt)) == "0.0"
    assert cell_value(10**16, "count", fmt) == "10000000000000000"  # beyond Excel's 15 digits: text
    assert cell_value(1e-12, "num2", fmt) == 1e-12
    assert cell_value("a\x01b", "text", fmt) == "a\ufffdb"  # XML cannot hold \x01
    assert len(cell_value("长" * 40000, "text", fmt)) == MAX_CELL_TEXT
    assert cell_value("-5", "text", fmt) == "-5" and cell_value("\tx", "text", fmt) == "'\tx"
    assert cell_value(pd.Timestamp("2026-03-05 10:00", tz="Asia/Shanghai"), "date", fmt) == dt.datetime(2026, 3, 5, 10)
    assert cell_value(np.nan, "share", fmt) is None and cell_value(None, "text", fmt) is None
    assert cell_value("n/a", "share", fmt) == "n/a"  # text in a number column shown as it is
    assert cell_value(True, "bool", fmt) == "是" and cell_value("green", "light", fmt) == "绿灯"


def test_guessed_kinds_and_formats():
    s = pd.Series
    assert guess_kind("customer_id", s([1, 2])) == "text" and guess_kind("rfm_code", s([111])) == "text"
    assert guess_kind("period", s([202603])) == "text" and guess_kind("year", s([2026])) == "text"
    assert guess_kind("conversion_rate", s([0.1, 0.5])) == "share"
    assert guess_kind("rate", s([1.0, 2.0])) == "count" and guess_kind("rate", s([1.5, 2.25])) == "number"
    assert guess_kind("revenue_window", s([10.5])) == "money" and guess_kind("clv_cac", s([3.4])) == "number"
    assert guess_kind("revenue_ratio", s([1.2])) == "number" and guess_kind("nps_p_value", s([0.01])) == "p"
    assert guess_kind("change_pct", s([0.1])) == "number"  # 0.1 or 10%? not guessed
    assert guess_kind("when", pd.to_datetime(s(["2026-01-01"]))) == "date"
    assert number_format("money", Formatter("en", "USD")) == '"$"#,##0;-"$"#,##0'
    assert number_format("pp", Formatter("en")) == '+0.0" pp";-0.0" pp";0.0" pp"'
    assert number_format("text", Formatter("en")) == "General"
    assert number_format("number", Formatter("en")) == "#,##0.0#####"


def test_page_links_the_workbook_from_its_contents(books):
    link = books["zh"][2].markup
    page = ('<body><div class="jp-Cell"><h2 id="a">甲</h2></div><div class="jp-Cell"><h2 id="b">乙</h2></div>'
            f'<div class="jp-Cell"><h3 id="c">丙</h3></div>{link}</body>')
    out = wb_page.insert_toc(page, "zh")
    toc = out[out.index('<nav class="wb-toc"'):out.index("</nav>")]
    assert 'href="tables/20_demo/20_demo.zh.xlsx"' in toc and "Excel 工作簿" in toc
    # a page without sections still gets the link first; the runner may pass the href itself
    bare = wb_page.insert_toc("<body><p>x</p></body>", "en", workbook="tables/s/s.en.xlsx")
    assert bare.startswith('<body><nav class="wb-toc"') and "Excel workbook" in bare
    assert wb_page.insert_toc("<body><p>x</p></body>", "en") == "<body><p>x</p></body>"
    # as nbconvert writes the link: attributes reordered
    assert wb_page.workbook_href('<p><a class="wb-workbook" download="" href="tables/a/a.zh.xlsx">x</a>') \
        == "tables/a/a.zh.xlsx"


def check_workbook_matches_csvs(folder, lang):
    """Every CSV of ``folder`` is a sheet of its workbook with the same rows; numbers equal within the rounding."""
    books = list(folder.glob(f"*.{lang}.xlsx"))
    assert len(books) == 1, books
    wb = load_workbook(books[0])
    about = wb[wb.sheetnames[0]]
    listed = {r[1]: r[0] for r in about.iter_rows(values_only=True) if r and len(r) > 2 and isinstance(r[2], int)}
    csvs = sorted(p.stem for p in folder.glob("*.csv"))
    assert sorted(listed) == csvs  # a sheet per result table, each listed on the About sheet
    for table, sheet in listed.items():
        df = read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])
        ws = wb[sheet]
        assert ws.max_row - 1 == len(df) or (len(df) == 0 and ws.max_row <= 1), table
        assert ws.freeze_panes == "A2"
        for j, col in enumerate(df.columns, start=1):
            cells = [ws.cell(i + 2, j) for i in range(min(len(df), 50))]
            for raw, cell in zip(df[col].tolist()[:50], cells, strict=True):
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    want = float(raw) * (100 if "pp" in cell.number_format or "百分点" in cell.number_format else 1)
                    assert cell.value == pytest.approx(want, rel=1e-6, abs=1e-9), (table, col, raw, cell.value)
                elif cell.value is None:
                    assert pd.isna(raw) or raw == "", (table, col, raw)
    return wb


def test_workbook_matches_the_csvs_and_csvs_do_not_depend_on_language(books):
    for lang in ("zh", "en"):
        check_workbook_matches_csvs(books[lang][1], lang)
    for name in ("channel_conversion.csv", "crm_export.csv"):
        assert (books["zh"][1] / name).read_bytes() == (books["en"][1] / name).read_bytes()


@pytest.mark.slow
def test_a_real_report_in_chinese(tmp_path):
    """00_data_quality run by papermill in Chinese: its workbook holds every result table, headers in Chinese."""
    import subprocess
    import sys
    from pathlib import Path

    import nbformat

    root = Path(__file__).resolve().parents[2]
    nb = nbformat.read(root / "notebooks" / "00_data_quality.ipynb", as_version=4)
    if "rpt.finish()" not in "".join(c.source for c in nb.cells if c.cell_type == "code"):
        nb.cells.append(nbformat.v4.new_code_cell("rpt.finish()"))  # until the notebook ends with it
    src = tmp_path / "00_data_quality.ipynb"
    nbformat.write(nb, src)
    tables = tmp_path / "tables" / "00_data_quality"
    subprocess.run([sys.executable, "-m", "papermill", str(src), str(tmp_path / "out.ipynb"), "--cwd", str(root),
                    "-p", "lang", "zh", "-p", "interactive", "False", "-p", "output_dir", str(tables)],
                   check=True, capture_output=True)
    wb = check_workbook_matches_csvs(tables, "zh")
    assert wb.sheetnames[0] == "说明"
    for name in wb.sheetnames[1:]:
        headers = [c.value for c in wb[name][1]]
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in str(h)) for h in headers), (name, headers)
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert "00_data_quality.zh.xlsx" in str(out.cells[-1].outputs)


def test_an_id_column_reads_as_text_in_the_html_too():
    view = Report(NotebookParams(), labels=CAT).table(pd.DataFrame({"rep_id": [1001], "orders": [1234]}))
    assert view.kinds == {"rep_id": "text", "orders": "count"}
    page = view.to_html()
    assert ">1001<" in page and "1,001" not in page and ">1,234<" in page


def test_a_table_longer_than_a_sheet_is_cut_and_says_so(tmp_path, monkeypatch):
    from workbench.reporting import excel

    monkeypatch.setattr(excel, "MAX_ROWS", 5)  # Excel's 1,048,575, made small
    df = pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(12)], "revenue": np.arange(12.0)})
    sheet = excel.Sheet(table="customers_long", data=df, kinds={"revenue": "money"},
                        headers={"customer_id": "客户编号", "revenue": "收入"}, description="长表")
    path = excel.write_workbook(tmp_path / "x.zh.xlsx", [sheet], Formatter("zh"), about_title="说明",
                                truncated_note="最多 {shown} 行，本表共 {rows} 行")
    wb = load_workbook(path)
    rows = list(wb["customers_long"].iter_rows(values_only=True))
    assert len(rows) == 1 + 5 and rows[-1][0] == "C004"
    about = [r for r in wb["说明"].iter_rows(values_only=True) if r and r[0] == "customers_long"]
    assert about[0][2] == 12 and "最多 5 行，本表共 12 行" in about[0][3]
