"""The workbook's data rows, written in bulk, read back as XlsxWriter's typed writers write them."""

import datetime as dt
import re
import zipfile
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
import xlsxwriter
from openpyxl import load_workbook

from workbench.reporting import excel, excel_xml
from workbench.reporting.excel import Sheet, cell_value, number_format, write_workbook
from workbench.reporting.excel_xml import excel_serial, serials, text_ends, text_xml
from workbench.reporting.formats import Formatter

FMT = Formatter("zh")
TEXTS = ["plain", "a&b<c>d", "_x0041_ stays", "  padded  ", "\tx", "line\nbreak", "=1+1", "-5", "2026-03", "00123",
         "普通客户渠道", "trail ", " lead", "", "x" * 40_000, "a\x01b", "<r>rich?</r>", "\"quoted\" 'single'", "🙂"]


def _varied() -> pd.DataFrame:
    n = 60  # some of every kind, with gaps
    rng = np.random.default_rng(3)
    x = rng.lognormal(5, 3, n) * rng.choice([-1, 1], n)
    x[[3, 7]] = [np.inf, np.nan]
    return pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "rep_id": np.arange(1000, 1000 + n),
        "period": ["2026-03", "2026-Q1", None] * 20,
        "name": [TEXTS[i % len(TEXTS)] for i in range(n)],
        "revenue": x,
        "conversion_rate": np.where(np.arange(n) % 9 == 0, np.nan, rng.random(n)),
        "change_pp": rng.normal(0, 0.05, n),
        "orders": pd.array(np.where(np.arange(n) % 11 == 0, None, rng.integers(0, 10**6, n)), dtype="Int64"),
        "big": [10**16 + i for i in range(n)],
        "when": pd.to_datetime("2026-03-05 10:30") + pd.to_timedelta(np.arange(n) * 37, unit="h"),
        "zoned": pd.Series(pd.to_datetime("2026-01-01", utc=True) + pd.to_timedelta(np.arange(n), unit="D"))
        .dt.tz_convert("Asia/Shanghai"),
        "mixed": [1, 1.5, "x", None, True, np.inf, pd.Timestamp("2026-01-02"), "=A1"] * 7 + [2, 3, 4, 5],
        "verdict": ["scale_up", "hold", None] * 20,
        "light": ["green", "amber", "red", None] * 15,
        "flag": [True, False] * 30,
        "p_value": rng.random(n) / 100,
    })


def _sheet(df: pd.DataFrame, table="varied") -> Sheet:
    kinds = {c: excel.guess_kind(c, df[c]) for c in df.columns}
    kinds.update({"revenue": "money", "change_pp": "pp", "when": "date", "zoned": "date", "mixed": "number",
                  "light": "light", "verdict": "text"})
    labels = {"scale_up": "加大投入", "hold": "=维持"}
    return Sheet(table, df, kinds, {c: f"标题 {c}" for c in df.columns}, "说明文字",
                 {"verdict": lambda v: labels[v]})


def _reference(path, sheet: Sheet, fmt: Formatter) -> None:
    """The same sheet written cell by cell with XlsxWriter's typed writers, each cell ``cell_value``."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet(sheet.table)
    formats = {}
    for j, c in enumerate(sheet.data.columns):
        ws.write_string(0, j, str(sheet.headers[c]))
    for i, row in enumerate(sheet.data.itertuples(index=False), start=1):
        for j, (c, v) in enumerate(zip(sheet.data.columns, row, strict=True)):
            kind = sheet.kinds[c]
            code = number_format(kind, fmt)
            style = None if code == "General" else formats.setdefault(code, wb.add_format({"num_format": code}))
            cell = cell_value(v, kind, fmt, sheet.cell_text.get(c))
            if cell is None or cell == "":
                continue  # an empty text: no cell, as a missing value
            if isinstance(cell, str):
                ws.write_string(i, j, cell, style)
            elif isinstance(cell, dt.datetime):
                ws.write_datetime(i, j, cell, style)
            else:
                ws.write_number(i, j, cell, style)
    wb.close()


def _cells(ws):
    return [[(c.value, c.data_type, c.number_format if c.value is not None else None) for c in row]
            for row in ws.iter_rows(min_row=2, max_row=ws.max_row, max_col=ws.max_column)]


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bulk")
    sheet = _sheet(_varied())
    ours = write_workbook(tmp / "ours.zh.xlsx", [sheet], FMT, about_title="说明")
    _reference(tmp / "typed.xlsx", sheet, FMT)
    return sheet, ours, tmp / "typed.xlsx"


def test_every_cell_reads_back_as_the_typed_writers_write_it(varied):
    sheet, ours, typed = varied
    got = load_workbook(ours)[sheet.table]
    want = load_workbook(typed)[sheet.table]
    assert got.max_row == want.max_row == len(sheet.data) + 1 and got.max_column == len(sheet.data.columns)
    a, b = _cells(got), _cells(want)
    bad = [(i + 2, j + 1, x, y) for i, (ra, rb) in enumerate(zip(a, b, strict=True))
           for j, (x, y) in enumerate(zip(ra, rb, strict=True)) if x != y]
    # but where XlsxWriter takes a text for its rich-string markup and writes it raw (it reads back empty)
    assert {(x, y) for _, _, x, y in bad} == {(("<r>rich?</r>", "s", "General"), ("", "s", "General"))}
    # and they are what the module promises
    col = {c: j for j, c in enumerate(sheet.data.columns)}
    assert a[0][col["customer_id"]] == ("C00000", "s", "General")
    assert a[0][col["rep_id"]][:2] == ("1000", "s")  # an id is text
    assert a[3][col["revenue"]][:2] == ("∞", "s") and a[7][col["revenue"]][0] is None
    assert a[0][col["big"]][:2] == ("10000000000000000", "s")
    assert a[0][col["verdict"]][:2] == ("加大投入", "s") and a[1][col["verdict"]][0] == "'=维持"
    assert a[0][col["when"]] == (dt.datetime(2026, 3, 5, 10, 30), "d", "yyyy-mm-dd")
    assert a[0][col["zoned"]][0] == dt.datetime(2026, 1, 1, 8)  # Shanghai wall time
    names = [a[i][col["name"]][0] for i in range(len(TEXTS))]
    assert names[:4] == ["plain", "a&b<c>d", "_x005F_x0041_ stays", "  padded  "]  # openpyxl keeps Excel's escape
    assert names[4] == "'\tx" and names[6] == "'=1+1" and names[7] == "-5" and names[13] is None
    assert len(names[14]) == 32_767 and names[14].endswith("…") and names[15] == "a\ufffdb"
    assert names[16] == "<r>rich?</r>"  # not taken for XlsxWriter's rich-string markup


def test_texts_like_rich_string_markup_in_headers_and_about(tmp_path):
    df = pd.DataFrame({"a": ["<r>x</r>"]})
    path = write_workbook(tmp_path / "r.xlsx", [Sheet("t", df, {}, {"a": "<r>head</r>"}, "<r>desc</r>")], FMT,
                          about=[("<r>label</r>", "v")])
    wb = load_workbook(path)
    assert wb["t"]["A1"].value == "<r>head</r>" and wb["t"]["A2"].value == "<r>x</r>"
    assert wb["About"]["A1"].value == "<r>label</r>" and wb["About"]["A1"].font.b
    assert "<r>desc</r>" in [c.value for row in wb["About"].iter_rows() for c in row]


def test_the_file_is_well_formed_and_sized(varied):
    sheet, ours, _ = varied
    with zipfile.ZipFile(ours) as z:
        assert z.testzip() is None
        parts = excel_xml.sheet_parts(z)
        assert list(parts) == ["说明", "varied"]
        xml = z.read(parts["varied"]).decode()
        ElementTree.fromstring(xml)  # well-formed
        assert f'<dimension ref="A1:P{len(sheet.data) + 1}"/>' in xml
        assert "_x005F_x0041_ stays" in xml and "a&amp;b&lt;c&gt;d" in xml
        assert '<t xml:space="preserve">  padded  </t>' in xml and "<t>plain</t>" in xml
        rows = re.findall(r'<row r="(\d+)"', xml)
        assert rows == [str(i) for i in range(1, len(sheet.data) + 2)]
        for part in z.namelist():
            if part.endswith(".xml"):
                ElementTree.fromstring(z.read(part))


def test_another_reader_agrees(varied):
    """python-calamine (the importers' reader) reads the same texts and numbers."""
    from python_calamine import CalamineWorkbook

    sheet, ours, _ = varied
    rows = CalamineWorkbook.from_path(str(ours)).get_sheet_by_name("varied").to_python()
    assert len(rows) == len(sheet.data) + 1
    got = load_workbook(ours)["varied"]
    for i, row in enumerate(rows[1:], start=2):
        for j, v in enumerate(row, start=1):
            want = got.cell(i, j).value
            if isinstance(want, str) and "_x005F" not in want:
                assert v == want, (i, j)
            elif isinstance(want, (int, float)):
                assert v == want, (i, j)


def test_large_parts_are_zip64_and_blocks_join(tmp_path, monkeypatch):
    monkeypatch.setattr(excel_xml, "ZIP64_BYTES", 0)  # every sheet part with ZIP64 sizes
    monkeypatch.setattr(excel, "ROW_BLOCK", 7)  # rows serialised 7 at a time
    df = pd.DataFrame({"customer_id": [f"C{i}" for i in range(50)], "revenue": np.arange(50) * 1.25})
    path = write_workbook(tmp_path / "z.xlsx", [Sheet("t", df, {"revenue": "money"}, {}, "")], FMT)
    rows = list(load_workbook(path)["t"].iter_rows(values_only=True))
    assert len(rows) == 51 and rows[1] == ("C0", 0) and rows[-1] == ("C49", 61.25)


def test_empty_tables(tmp_path):
    empty = Sheet("empty", pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=str)}),
                  {"a": "money"}, {"a": "A"}, "")
    none = Sheet("no_columns", pd.DataFrame(index=range(3)), {}, {}, "")
    path = write_workbook(tmp_path / "e.xlsx", [empty, none], FMT)
    wb = load_workbook(path)
    assert [c.value for c in wb["empty"][1]] == ["A", "b"] and wb["empty"].max_row == 1
    assert wb["empty"].auto_filter.ref == "A1:B1" and wb["no_columns"].max_row == 1
    about = {r[0]: r for r in wb["About"].iter_rows(values_only=True) if r and r[0]}
    assert about["empty"][2] == 0 and about["no_columns"][2] == 3


def test_written_atomically(tmp_path, monkeypatch):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"the previous workbook")
    df = pd.DataFrame({"x": [1.0, 2.0]})

    def fail(*_):
        raise OSError("disk full")
    monkeypatch.setattr(excel, "splice_rows", fail)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(path, [Sheet("t", df, {"x": "count"}, {}, "")], FMT)
    assert path.read_bytes() == b"the previous workbook"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]  # no temporary file left
    monkeypatch.undo()
    write_workbook(path, [Sheet("t", df, {"x": "count"}, {}, "")], FMT)
    assert load_workbook(path)["t"]["A3"].value == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]


def test_text_ends_escape_only_what_needs_it():
    texts = TEXTS[:14] + ["a\n", "\nb", "", "x_x12_y", "_X00fF_", "end&", " ", "a\n=b", "\u3000全角空格"]
    assert text_ends(texts) == [text_xml(t) for t in texts]
    assert text_xml(" a") == ' t="inlineStr"><is><t xml:space="preserve"> a</t></is></c>'


def test_serial_numbers_of_dates():
    s = pd.Series(pd.to_datetime(["1899-12-31", "1900-01-01", "1900-02-28", "1900-03-01", "2026-03-05 10:30:00.5",
                                  None, "2262-04-11"], format="ISO8601"))
    want = [None if pd.isna(v) else excel_serial(cell_value(v, "date", FMT)) for v in s]
    assert serials(s) == want
    assert want[3] == 61 and want[2] == 59 and want[4] == pytest.approx(46086.4375 + 0.5 / 86400)


def test_a_write_failing_in_the_writer_thread_is_raised(tmp_path, monkeypatch):
    """The rows are compressed and written in a second thread: its error (a full disk) reaches the
    caller, the previous workbook stays and no thread or temporary file is left."""
    import threading

    from workbench.reporting import excel_xml

    path = tmp_path / "a.xlsx"
    path.write_bytes(b"the previous workbook")
    df = pd.DataFrame({"x": np.arange(50_000, dtype=float), "t": ["some text"] * 50_000})
    calls = []
    real = excel_xml._Background._run

    def run(self):
        write = self.f.write

        def failing(data):
            calls.append(len(data))
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
            return write(data)
        self.f.write = failing
        real(self)
    monkeypatch.setattr(excel_xml._Background, "_run", run)
    with pytest.raises(OSError, match="No space left"):
        write_workbook(path, [Sheet("t", df, {"x": "count", "t": "text"}, {}, "")], FMT)
    assert path.read_bytes() == b"the previous workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]
    assert not [t for t in threading.enumerate() if t.name == "workbook-writer"]
    monkeypatch.undo()
    write_workbook(path, [Sheet("t", df, {"x": "count", "t": "text"}, {}, "")], FMT)
    assert load_workbook(path, read_only=True)["t"]["A50001"].value == 49_999
