"""One label per code, periods in money headers, and result tables that do not depend on the report language."""

import re

import pandas as pd
import pytest
from test_segmentation_views import whole_report

from workbench.data import load_dataset
from workbench.reporting.checks import data_names, english_words
from workbench.sample import generate_sample
from workbench.segmentation import labels
from workbench.segmentation.params import SegmentationParams

NAMES = {"rfm_segment": labels.RFM_SEGMENTS, "tier": labels.TIERS, "potential": labels.POTENTIALS,
         "play": labels.PLAYS}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_default_name_has_one_label_in_each_language():
    p = SegmentationParams()
    defaults = {"rfm_segment": [*p.rfm_segment_names, "Other"], "tier": p.tier_names,
                "potential": p.potential_names, "play": [x["play"] for x in p.playbook]}
    for ns, codes in defaults.items():
        for code in codes:
            en, zh = NAMES[ns][code]
            assert labels.name(ns, code, "en") == en and labels.name(ns, code, "zh") == zh
            assert CJK.search(zh), f"{ns} {code!r} has no Chinese label: {zh!r}"
    # the CRM list, the playbook and the tables all read the same function
    assert labels.rfm_segment_label("Champions", "zh") == "冠军客户"
    assert labels.tier_label("VIP", "en") == "VIP" and labels.tier_label("key", "zh") == "重点客户"


def test_no_two_codes_share_a_label():
    # within and across RFM segments, value tiers, potentials and plays: a reader can tell every name apart
    for lang in (0, 1):
        seen: dict[str, str] = {}
        for ns, table in NAMES.items():
            for code, pair in table.items():
                label = pair[lang]
                assert label not in seen, f"{ns} {code!r} and {seen.get(label)} share the label {label!r}"
                seen[label] = f"{ns} {code!r}"


def test_groupings_are_named_apart():
    assert labels.header("rfm_segment", "en") == "RFM segment" and labels.header("rfm_segment", "zh") == "RFM 分群"
    assert labels.header("tier", "en") == "Value tier" and labels.header("tier", "zh") == "价值层级"
    assert "segment" not in labels.COLUMNS  # the ambiguous word is no column of ours


def test_money_headers_state_their_period():
    ctx = {"days": 365, "months": 12, "end": "2026-10-31", "window": "2025-11..2026-10"}
    for col in labels.MONEY_COLUMNS:
        for lang in ("en", "zh"):
            template = labels.COLUMNS[col][lang == "zh"]
            assert re.search(r"\{(days|months|end|window)\}", template), f"{col} ({lang}) states no period"
            shown = labels.header(col, lang, **ctx)
            assert "{" not in shown and any(v in shown for v in ("365", "12", "2026-10-31", "2025-11..2026-10"))
    # without a context the period still reads as words, never as a raw placeholder
    assert labels.header("monetary", "en") == "Net revenue, all data to the analysis date"
    assert labels.header("clv", "zh") == "未来 N 个月预测价值（CLV）"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labels_sample")
    generate_sample(folder, seed=5, scale=0.1)
    return load_dataset(folder)


def test_result_tables_equal_in_english_and_chinese(small, tmp_path):
    _, page_en, written_en = whole_report(small, tmp_path / "en", n_bootstrap=2, k_max=4)
    _, page_zh, written_zh = whole_report(small, tmp_path / "zh", n_bootstrap=2, k_max=4, lang="zh")
    assert written_en == written_zh and {"rfm", "segments", "crm_export", "strategy", "tiers"} <= written_en
    for name in sorted(written_en):
        en = (tmp_path / "en" / "tables" / f"{name}.csv").read_bytes()
        zh = (tmp_path / "zh" / "tables" / f"{name}.csv").read_bytes()
        assert en == zh, f"result table {name} differs between the English and the Chinese report"
    rfm = pd.read_csv(tmp_path / "en" / "tables" / "rfm.csv", encoding="utf-8-sig")
    assert rfm["rfm_segment"].equals(rfm["segment"])  # segment: the data model's fixed name of the same column
    for name in written_en - {"rfm"}:  # every other table says which grouping it holds
        cols = pd.read_csv(tmp_path / "en" / "tables" / f"{name}.csv", encoding="utf-8-sig", nrows=1).columns
        assert "segment" not in cols, f"{name} has an ambiguous segment column"
    assert set(rfm["rfm_segment"]) <= set(labels.RFM_SEGMENTS)  # codes, not labels
    crm = pd.read_csv(tmp_path / "en" / "tables" / "crm_export.csv", encoding="utf-8-sig")
    assert (crm["rfm_segment_zh"] == crm["rfm_segment"].map(lambda c: labels.rfm_segment_label(c, "zh"))).all()
    assert (crm["tier_en"] == crm["tier"].map(lambda c: labels.tier_label(c, "en"))).all()
    # the views translate: Chinese names on the zh page, the codes' English names on the en page
    assert "冠军客户" in page_zh and "Champions" not in page_zh and "RFM 分群" in page_zh
    assert "Champions" in page_en and "冠军客户" not in page_en
    assert "e-08" not in page_en and "e-0" not in page_zh  # model parameters never in scientific notation
    # the Chinese page: Chinese words, names from the data and allowed terms (RFM, CLV, BG/NBD ...) only
    assert english_words(page_zh, data_names(small.tables)) == {}
