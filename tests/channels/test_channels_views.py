"""The channel views on a leads-only dataset: every declared table written with its declared columns,
the same tables in English and Chinese, and a Chinese page without English words."""

import pandas as pd
import pytest
from test_channels_verdict import _leads

import workbench.channels as ch
from workbench.channels.tables import TABLES
from workbench.reporting import Report
from workbench.reporting.checks import english_words


def _page(lang: str, out) -> tuple[Report, str]:
    leads = pd.DataFrame(_leads("A", 400, [400, 200, 150], 30, 1000.0)
                         + _leads("B", 400, [400, 200, 150], 90, 500.0))
    tables = {"leads": leads, "stages": pd.DataFrame({"stage": ["S1", "S2", "S3"], "order": [1, 2, 3]})}
    p = ch.ChannelParams(n_draws=100, as_of="2026-01-31", output_dir=str(out), lang=lang)
    rpt = Report(p, labels=ch.LABELS, tables=TABLES)  # refuses an undeclared table or column
    ld = ch.prepare_leads(tables, p)
    res = ch.analyse_funnel(tables, ld, p)
    econ = ch.channel_economics(tables, ld, p, ld.as_of)
    fit = ch.fit_response(tables, ld, p, ld.as_of)
    plan = ch.optimise(fit, p)
    v = ch.channel_verdict(ld, res, econ, plan, p)
    m = ch.channel_matrices(tables, p, ld.as_of)
    shown = [ch.show_notes(rpt, ld.notes), ch.show_verdict(rpt, v, ld), ch.show_conversion(rpt, res),
             ch.show_tests(rpt, res.tests), ch.show_stage_funnel(rpt, res), ch.show_stages(rpt, res),
             ch.show_cohorts(rpt, res), ch.show_time_to_close(rpt, res.time_to_close),
             ch.show_diagnosis(rpt, res.diagnosis, ld), ch.show_components(rpt, res.diagnosis),
             ch.show_drivers(rpt, res.diagnosis), ch.show_lost_reasons(rpt, res.diagnosis),
             ch.show_feedback(rpt, res.feedback), ch.show_economics(rpt, econ), ch.show_economics_summary(rpt, econ),
             ch.show_returns(rpt, ch.channel_returns(econ, tables, None)), ch.show_economics_table(rpt, econ, p),
             *[ch.show_matrix(rpt, m[k]) for k in m], ch.show_inventory(rpt, ch.inventory_cover(tables, p, ld.as_of), p),
             ch.show_curves(rpt, fit), ch.show_plan(rpt, plan, p), ch.show_what_if(rpt, ch.what_if(fit, p))]
    h = ch.headline(ld, res, v)
    head = rpt.text(h[lang], **{k: x for k, x in h.items() if k not in ("en", "zh")})
    html = "\n".join([head] + [s.to_html() if hasattr(s, "to_html") else str(s) for s in shown if s is not None])
    return rpt, html


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    return {lang: _page(lang, tmp_path_factory.mktemp(lang)) for lang in ("en", "zh")}


def test_every_declared_table_is_written_in_both_languages_alike(pages):
    rpt_en, _ = pages["en"]
    rpt_zh, _ = pages["zh"]
    assert sorted(rpt_en.tables_written) == sorted(TABLES) == sorted(set(rpt_zh.tables_written))
    for name in TABLES:
        a = pd.read_csv(rpt_en.output_dir / f"{name}.csv", encoding="utf-8-sig")
        b = pd.read_csv(rpt_zh.output_dir / f"{name}.csv", encoding="utf-8-sig")
        assert list(a.columns) == list(TABLES[name])
        pd.testing.assert_frame_equal(a, b, obj=name)


def test_pages_speak_their_language(pages):
    _, en = pages["en"]
    _, zh = pages["zh"]
    assert "leaks at S3 → won" in en and "/month" in en
    assert "流失" in zh and "/月" in zh
    # names from the data (A, B, S1 ...) aside, nothing English is left on the Chinese page
    assert english_words(zh, ["S1", "S2", "S3"]) == {}
