"""What the data quality report shows: labels instead of codes, Chinese throughout, empty sections left out."""

from __future__ import annotations

import pytest

from workbench import quality as q
from workbench.data.loader import load_dataset
from workbench.data.schema import TABLES
from workbench.params import NotebookParams
from workbench.quality import views
from workbench.reporting import Report
from workbench.reporting.checks import ALLOWED_TERMS, english_words

MODEL_NAMES = set(TABLES) | {c for s in TABLES.values() for c in s.column_names}
"""Table and column names of the data model: the names of the reader's files and their headers."""
ALLOWED = ALLOWED_TERMS | {"parquet"}  # a file format, like CSV and XLSX


def _write(folder, name, lines):
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def messy(tmp_path):
    """Orders with an orphan customer, a duplicate row and a blank region; feedback with an
    out-of-range NPS and an unreadable CSAT; a misnamed leads file."""
    _write(tmp_path, "orders.csv", ["order_id,order_date,customer_id,amount,region"]
           + [f"O{i},2026-03-{i + 1:02d},{'C9' if i == 0 else 'C1'},{i + 1},{'' if i < 3 else 'North'}"
              for i in range(12)] + ["O11,2026-03-12,C1,12,North"])
    _write(tmp_path, "customers.csv", ["customer_id,name", "C1,星辰科技有限公司", "C2,星辰科技公司"])
    _write(tmp_path, "feedback.csv", ["response_id,date,nps,csat", "R1,2026-03-01,11,4", "R2,2026-03-02,8,not a score"])
    _write(tmp_path, "lead.csv", ["lead_id,created_date,channel_id,status", "L1,2026-01-01,CH1,open"])
    return load_dataset(tmp_path, strict=False)


def _page(view) -> str:
    return view.to_html() if hasattr(view, "to_html") else str(view)


def zh_report(**kw):
    return Report(NotebookParams(lang="zh", **kw), labels=q.LABELS)


def test_zh_fix_list_shows_labels_not_codes(messy):
    fixes = q.fix_list(messy, top=None)
    assert {"orphan_key", "exact_duplicate", "missing_values", "out_of_range", "misnamed_file",
            "possible_duplicate_customer"} <= set(fixes["kind"])
    view = q.show_fix_list(zh_report(), fixes)
    assert english_words(_page(view), MODEL_NAMES, allowed=ALLOWED) == {}
    assert view.data["problem"].str.contains("[\u4e00-\u9fff]").all()
    # the result table keeps codes and English text: it is the same in every language
    assert view.data["rank"].tolist() == fixes["rank"].tolist()
    en = q.show_fix_list(Report(NotebookParams(lang="en"), labels=q.LABELS), fixes)
    assert "Orphan key: not in customers.customer_id" in set(en.data["problem"])


def test_zh_sections_have_no_english(messy):
    rpt = zh_report()
    names = MODEL_NAMES | {"'not a score'"}  # the unreadable value is data
    names |= {f.encoding for f in messy.files.values() if f.encoding}  # utf-8: the files' encodings
    ref = q.reference_date(messy)
    for view in (q.show_overview(rpt, q.table_overview(messy, ref)),
                 q.show_completeness(rpt, q.column_completeness(messy)),
                 q.show_invalid_values(rpt, q.invalid_values(messy)),
                 q.show_duplicates(rpt, q.duplicates(messy)),
                 q.show_orphans(rpt, q.orphans(messy)),
                 q.show_freshness(rpt, q.freshness(messy, ref)),
                 q.show_missing_tables(rpt, messy),
                 q.show_errors(rpt, messy)):
        if view is not None:
            assert english_words(_page(view), names | {f.path.name for f in messy.files.values()},
                                 allowed=ALLOWED) == {}


def test_invalid_values_expected_from_the_data_model(messy):
    iv = q.invalid_values(messy)
    view = q.show_invalid_values(zh_report(), iv)
    shown = view.data.set_index("column")
    assert shown.loc["nps", "expected"] == "0 至 10 之间的值"
    assert shown.loc["csat", "expected"] == "数值，如 12、1,234.5 或 12.5%"
    assert shown.loc["csat", "examples"] == "'not a score'"


def test_empty_missing_tables_section_is_not_shown(messy, monkeypatch, tmp_path):
    rpt = zh_report(output_dir=str(tmp_path / "out"))
    shown = q.show_missing_tables(rpt, messy)
    assert shown is not None and "未提供的数据表" in str(shown)
    empty = q.missing_tables_report(messy).iloc[0:0]
    monkeypatch.setattr(views, "missing_tables_report", lambda ds: empty)
    assert q.show_missing_tables(rpt, messy) is None
    assert (tmp_path / "out" / "missing_tables.csv").exists()  # the result table is still written


def test_long_tables_are_cut_inline(tmp_path):
    # 30 columns with a gap: the completeness table shows the 20 worst, the CSV has every column
    _write(tmp_path, "customers.csv", ["customer_id,name,industry,region,city"]
           + [f"C{i},N{i},,," for i in range(5)])
    ds = load_dataset(tmp_path, strict=False)
    cc = q.column_completeness(ds)
    html = str(q.show_completeness(zh_report(), cc))
    gaps = int((cc["present"] & (cc["completeness"] < 1)).sum())
    assert f"共 {gaps} 行" in html
    assert "customer_id" not in html.split("<table")[1]  # complete columns are left out inline


def test_errors_rejected_and_header_only_tables_in_zh(tmp_path):
    # leads without its required status column (rejected), a header-only spend file, a stray file
    _write(tmp_path, "orders.csv", ["order_id,order_date,customer_id,amount", "O1,2026-03-01,C1,5"])
    _write(tmp_path, "leads.csv", ["lead_id,created_date,channel_id", "L1,2026-01-01,CH1"])
    _write(tmp_path, "spend.csv", ["period,channel_id,amount"])
    _write(tmp_path, "notes.csv", ["a,b", "1,2"])
    ds = load_dataset(tmp_path, strict=False)
    fixes = q.fix_list(ds, top=None)
    first = fixes.iloc[0]
    assert (first.table, first.kind, bool(first.blocking)) == ("leads", "missing_column", True)
    ov = q.table_overview(ds).set_index("table")
    assert ov.loc["leads", "status"] == "rejected" and ov.loc["leads", "score"] == 0.0
    rpt = zh_report()
    names = MODEL_NAMES | {"notes.csv", "utf-8"}
    for view in (q.show_errors(rpt, ds), q.show_fix_list(rpt, fixes), q.show_overview(rpt, q.table_overview(ds)),
                 q.show_scores(rpt, q.table_overview(ds)), q.show_missing_tables(rpt, ds)):
        assert view is not None
        assert english_words(_page(view), names, allowed=ALLOWED) == {}, _page(view)[:300]
    assert "1 个错误" in str(q.show_errors(rpt, ds))
