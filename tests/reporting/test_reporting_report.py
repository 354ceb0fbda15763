"""Report helpers: numbers for people, data text never becomes markup, result tables for Excel."""

import re
import warnings

import pandas as pd
import pytest

from workbench import theme
from workbench.params import NotebookParams
from workbench.report import Report, fmt_int, fmt_money, fmt_pct
from workbench.reporting import Catalogue


def test_number_formats():
    assert fmt_int(1234567.4) == "1,234,567"
    assert fmt_pct(0.1234) == "12.3%"
    assert fmt_money(-1234.4, "CNY") == "-¥1,234"
    assert fmt_money(1234567, "USD") == "$1,234,567"
    assert fmt_int(None) == "–" and fmt_pct(float("nan")) == "–"


@pytest.fixture
def rpt(tmp_path):
    return Report(NotebookParams(output_dir=str(tmp_path / "tables" / "00_x")))


def test_table_escapes_data_and_formats(rpt):
    df = pd.DataFrame({"name": ["<script>alert(1)</script>", "A & B"], "rows": [1234, 5], "share": [0.5, 0.25],
                       "ratio": [0.5, 0.25]})
    page = rpt.table(df, formats={"share": "share"}).to_html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "A &amp; B" in page and "1,234" in page and "50.0%" in page
    assert ">0.5<" in page  # an undeclared float is never guessed to be a share from its name
    assert re.search(r'<td [^>]*class="[^"]*\bnum"[^>]*>1,234</td>', page)  # numbers right-aligned


def test_table_view_is_inspectable(rpt):
    view = rpt.table(pd.DataFrame({"leads": range(30)}), columns=["leads"])
    assert view.data["leads"].tolist() == list(range(20))  # the rows shown, raw values
    assert view.styler.to_html() and view.headers == {"leads": "Leads"} and view.kinds == {"leads": "count"}


def test_text_escapes_values_not_template(rpt):
    out = rpt.text("<b>{name}</b> bought {n}", name="<img src=x onerror=alert(1)>", n=12345)
    assert out == "<b>&lt;img src=x onerror=alert(1)&gt;</b> bought 12,345"


def test_headers_translated_in_chinese(tmp_path):
    cat = Catalogue("x", {"completeness": ("Completeness", "完整率")})
    zh = Report(NotebookParams(lang="zh"), labels=cat)
    page = zh.table(pd.DataFrame({"rows": [1], "completeness": [0.5], "revenue": [10.0]}),
                    formats={"completeness": "share", "revenue": "money_month"}).to_html()
    assert "行数" in page and "完整率" in page and "收入 (¥, 每月)" in page and "共 1 行" in page


def test_save_writes_utf8_bom_csv(rpt, tmp_path):
    rpt.table(pd.DataFrame({"渠道": ["直销"], "n": [3]}), name="demo")
    raw = (tmp_path / "tables" / "00_x" / "demo.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "直销".encode() in raw
    assert rpt.tables_written == ["demo"]


def test_no_output_dir_writes_nothing(tmp_path):
    r = Report(NotebookParams())
    assert r.save(pd.DataFrame({"a": [1]}), "x") is None


def test_long_tables_are_cut_with_a_note(rpt):
    page = rpt.table_html(pd.DataFrame({"a": range(100)}), max_rows=10)
    assert page.count("<tr>") == 11 and "Showing the first 10 of 100 rows" in page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chinese_glyphs_render_without_boxes(lang):
    import matplotlib.pyplot as plt

    theme.apply(lang)
    fig, ax = plt.subplots()
    ax.set_title("渠道转化率 华东 经销商")
    ax.bar(["直销", "电话销售"], [1, 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert theme.cjk_font_path().exists()


def test_figure_embedded_with_alt_text(rpt):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title("各数据表质量得分")
    html = rpt.figure(fig).data
    assert html.startswith('<img class="wb-fig" alt="各数据表质量得分" src="data:image/png;base64,')


def test_declared_tables_enforced(tmp_path):
    import pytest as _pytest

    from workbench.reporting import UndeclaredTable

    r = Report(NotebookParams(output_dir=str(tmp_path / "t" / "00_x")), tables={"a": ("x", "y")})
    with _pytest.raises(UndeclaredTable, match="not declared"):
        r.save(pd.DataFrame({"x": [1]}), "b")
    with _pytest.raises(UndeclaredTable, match="undeclared: \\['z'\\]"):
        r.save(pd.DataFrame({"x": [1], "y": [2], "z": [3]}), "a")
    r.save(pd.DataFrame(), "a")  # an empty result keeps its declared header
    assert (tmp_path / "t" / "00_x" / "a.csv").read_text(encoding="utf-8-sig").strip() == "x,y"
