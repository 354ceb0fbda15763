"""The published reports of one run, read as a stakeholder reads them: in both languages, side by side.

One ``workbench run`` of the bundled sample with ``extra_langs: [zh]`` (module fixture),
then checks across every page: Chinese pages speak Chinese, numbers read as numbers
(no 0.4 for 40%, no scientific notation, no "-0.0%", no "89.0" counts, no "1 rows"),
every page has a title and a way to the other language, every declared result table is
written, and the tables are the same in both languages (the runner fails a report whose
translation writes different tables).
"""

from __future__ import annotations

import re

import pytest

from workbench import runner
from workbench.data import load_dataset
from workbench.notebooks import NOTEBOOKS
from workbench.paths import PROJ_ROOT
from workbench.reporting.checks import data_names, english_words, visible_text

pytestmark = pytest.mark.slow

# Words a zh page may show besides names from the data and checks.ALLOWED_TERMS: none today.
ALLOWED_ON_ZH = set()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    params = out / "params.yaml"
    params.write_text((PROJ_ROOT / "params" / "sample.yaml").read_text(encoding="utf-8")
                      .replace("data_dir: data/sample", f"data_dir: {PROJ_ROOT / 'data' / 'sample'}"),
                      encoding="utf-8")
    res = runner.run(params, out_dir=out, jobs=2, progress=False)
    return res


@pytest.fixture(scope="module")
def names():
    """Text a zh page may show as it is: names from the data, and the data model's own identifiers
    (file, table and column names such as leads.csv or created_date, which the reader's files carry)."""
    from workbench.data.schema import TABLES

    ds = load_dataset(PROJ_ROOT / "data" / "sample", strict=False)
    model = set(TABLES) | {c.name for spec in TABLES.values() for c in spec.columns}
    return data_names(ds.tables) | model


def _pages(res, lang):
    suffix = ".zh.html" if lang == "zh" else ".html"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(res.path.glob(f"*{suffix}"))
            if not p.name.startswith("index") and (lang == "zh" or ".zh." not in p.name)}


def test_run_ok(run):
    failed = {r.stem: r.error for r in run.notebooks if r.status != "ok"}
    assert failed == {}


def test_chinese_pages_speak_chinese(run, names):
    allowed_names = names | {run.run_id}
    left = {}
    for name, page in _pages(run, "zh").items():
        words = {w: n for w, n in english_words(page, allowed_names).items() if w not in ALLOWED_ON_ZH}
        if words:
            left[name] = dict(list(words.items())[:15])
    assert left == {}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_numbers_read_as_numbers(run, lang):
    bad = {}
    for name, page in _pages(run, lang).items():
        text = visible_text(page)
        found = []
        found += re.findall(r"\b\d+(?:\.\d+)?e[-+]\d+\b", text)          # scientific notation
        found += re.findall(r"[-−]0\.0+%", text)                         # negative zero
        found += re.findall(r"\b1 rows\b", text)
        found += re.findall(r"\b(?:nan|NaN|None|NaT|<NA>)\b", text)
        if found:
            bad[name] = found[:10]
    assert bad == {}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_has_a_title_toc_and_language_switch(run, lang):
    for name, page in _pages(run, lang).items():
        title = re.search(r"<title>(.*?)</title>", page).group(1)
        assert title and title != "Notebook", name
        assert 'class="wb-lang"' in page, f"{name}: no link to the other language"
        if len(re.findall(r"<h2 ", page)) >= 3:
            assert '<nav class="wb-toc"' in page, f"{name}: long page without a table of contents"


def test_every_declared_table_is_written(run):
    missing = {}
    for r in run.notebooks:
        spec = NOTEBOOKS[r.stem]
        assert spec.tables, f"{r.stem} declares no result tables in its NotebookSpec"
        absent = sorted(set(spec.tables) - spec.optional_tables - set(r.tables))
        if absent:
            missing[r.stem] = absent
    assert missing == {}



def test_every_report_publishes_a_workbook_per_language(run):
    """The zh run's workbook is brought beside the primary's; both link from their own page."""
    from openpyxl import load_workbook

    for r in run.notebooks:
        if not r.tables:
            continue
        folder = run.path / "tables" / r.stem
        for lang, about in (("en", "About"), ("zh", "说明")):
            book = folder / f"{r.stem}.{lang}.xlsx"
            assert book.exists(), f"{book} missing"
            assert load_workbook(book, read_only=True).sheetnames[0] == about
        page = (run.path / f"{r.stem}.zh.html").read_text(encoding="utf-8")
        assert f"tables/{r.stem}/{r.stem}.zh.xlsx" in page

def test_index_pages_in_both_languages(run):
    zh = (run.path / "index.zh.html").read_text(encoding="utf-8")
    for r in run.notebooks:
        assert f'href="{r.stem}.zh.html"' in zh
        assert NOTEBOOKS[r.stem].title_zh in zh


def test_channel_verdict_agrees_across_reports(run):
    """The channel report's verdict, its headline, the executive summary's first action and the budget
    plan tell one story (the sample's director saw CH02 called weakest while it got +50% budget)."""
    import pandas as pd

    tables = run.path / "tables"
    verdict = pd.read_csv(tables / "20_channel_evaluation" / "channel_verdict.csv", encoding="utf-8-sig")
    fix = verdict.loc[verdict["verdict"] == "fix_stage"].sort_values("stage_gap_value_month", ascending=False)
    assert len(fix), "the sample plants a leaking stage"
    top = fix.iloc[0]
    by = {r.stem: r for r in run.notebooks}
    head = by["20_channel_evaluation"].headline
    assert top["channel_id"] in head and top["leaking_from"] in head and top["leaking_to"] in head
    assert f"{top['stage_gap_value_month']:,.0f}" in head  # the same money, with its unit
    assert "/month" in head
    actions = pd.read_csv(tables / "90_executive_summary" / "recommended_actions.csv", encoding="utf-8-sig")
    first = actions.sort_values("rank").iloc[0]
    assert top["channel_id"] in first["action_en"] and top["channel_id"] in first["action_zh"]
    assert first["value"] == pytest.approx(top["stage_gap_value_month"], rel=1e-6) and first["per"] == "month"
    # ranked on one basis: value per year, largest first
    assert actions.sort_values("rank")["value_year"].is_monotonic_decreasing
    # a channel the plan grows while it leaks says why, in the verdict table
    grown = verdict.loc[(verdict["verdict"] == "fix_stage") & (verdict["budget_change"] > 0)]
    assert grown["note"].notna().all()


def test_chinese_pages_link_chinese_reports(run):
    """The zh summary's "查看报告" links and every zh page's links open Chinese reports."""
    for name, page in _pages(run, "zh").items():
        targets = re.findall(r'href="(\d\d_[a-z_]+?)(\.zh)?\.html"', page)
        english = [t for t, zh in targets if not zh]
        # the only English page a zh page links is the same report, through the language switch
        assert all(t == name.removesuffix(".zh.html") for t in english), (name, english)
    summary = _pages(run, "zh")["90_executive_summary.zh.html"]
    assert "查看报告" in summary and re.search(r'href="20_channel_evaluation\.zh\.html', summary)


def test_traffic_lights_have_colour(run):
    page = _pages(run, "en")["30_kpi_review.html"]
    assert "wb-light-green" in page and "wb-light-red" in page  # a coloured dot beside the word
    assert "td.wb-light-red::before" in page  # the colour itself is in the page's own CSS
