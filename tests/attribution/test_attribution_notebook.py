"""The channel attribution report: its preparation and decisions on small hand-made data, the executive
summary's finding, and the notebook end to end (papermill, en and zh; slow)."""

import json
import shutil

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from workbench.attribution.params import AttributionParams
from workbench.attribution.prepare import prepare
from workbench.attribution.tables import TABLES
from workbench.channels.budget import attributed_value_shift, shift_unit_values
from workbench.channels.economics import attributed_economics
from workbench.data import load_dataset
from workbench.notebooks import NOTEBOOKS
from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT
from workbench.reporting.checks import data_names, english_words
from workbench.runner import export_html
from workbench.sample import generate_sample
from workbench.summary import findings

STEM = "25_channel_attribution"


class _Ds:
    """The slice of a Dataset that ``prepare`` reads."""

    def __init__(self, **tables):
        self.tables = tables

    def has(self, *names):
        return all(n in self.tables for n in names)


# ----------------------------------------------------------------------------- preparation


def test_without_touchpoints_the_section_is_off_and_says_what_it_needs():
    leads = pd.DataFrame({"lead_id": ["L1"], "status": ["won"], "closed_date": [pd.Timestamp("2026-01-05")],
                          "amount": [100.0], "channel_id": ["CH01"], "created_date": [pd.Timestamp("2026-01-01")]})
    ad = prepare(_Ds(leads=leads), AttributionParams())
    assert not ad.ok and ad.notes[0].level == "off"
    for lang in ("en", "zh"):
        text = ad.notes[0].text(lang)
        assert "touchpoints" in text and "lead_id" in text and "customer_id" in text


def test_lead_journeys_convert_at_the_end_of_the_closing_day():
    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3"], "status": ["won", "lost", "won"],
                          "closed_date": pd.to_datetime(["2026-01-05", "2026-01-06", None]),
                          "amount": [100.0, 50.0, 70.0]})
    tp = pd.DataFrame({"lead_id": ["L1", "L1", "L1", "L2", "L9"], "customer_id": [None] * 5,
                       "ts": pd.to_datetime(["2026-01-01 09:00", "2026-01-05 18:00", "2026-01-06 08:00",
                                             "2026-01-02 00:00", "2026-01-02 00:00"]),
                       "channel_id": ["CH08", "CH01", "CH01", "CH02", "CH02"]})
    ad = prepare(_Ds(leads=leads, touchpoints=tp), AttributionParams(as_of="2026-01-31"))
    assert ad.ok and ad.journey_kind == "lead"
    assert len(ad.touches) == 4  # the touch of the unknown lead L9 is left out, with a note
    assert any("L9" not in n.text() and "lead_id that the leads table does not hold" in n.text() for n in ad.notes)
    o = ad.outcomes.set_index("journey_id")
    assert o.loc["L1", "converted"] and o.loc["L1", "converted_at"] == pd.Timestamp("2026-01-05 23:59:59")
    assert o.loc["L1", "value"] == 100.0 and not o.loc["L2", "converted"] and o.loc["L2", "value"] == 0.0
    assert "L3" not in o.index  # won without a close date and never touched: not a journey
    assert ad.window == (pd.Period("2026-01", "M"), pd.Period("2026-01", "M"))


def test_customer_journeys_end_at_the_first_order_after_the_first_touch():
    tp = pd.DataFrame({"lead_id": [None, None, None], "customer_id": ["K1", "K1", "K2"],
                       "ts": pd.to_datetime(["2026-02-01 10:00", "2026-02-03 00:00", "2026-02-10 00:00"]),
                       "channel_id": ["CH08", "CH03", "CH08"]})
    orders = pd.DataFrame({"order_id": ["O0", "O1", "O1", "O2", "O3"], "customer_id": ["K1", "K1", "K1", "K1", "K2"],
                           "order_date": pd.to_datetime(["2026-01-20", "2026-02-01", "2026-02-01", "2026-03-01",
                                                         "2026-02-09"]),
                           "amount": [5.0, 30.0, 12.5, 99.0, 7.0]})
    ad = prepare(_Ds(orders=orders, touchpoints=tp), AttributionParams(as_of="2026-03-31"))
    o = ad.outcomes.set_index("journey_id")
    # K1: the order of the day of its first touch (both lines), not the earlier O0 nor the later O2
    assert ad.journey_kind == "customer" and o.loc["K1", "value"] == 42.5
    assert o.loc["K1", "converted_at"] == pd.Timestamp("2026-02-01 23:59:59")
    assert not o.loc["K2", "converted"]  # its only order came before its first touch


# ----------------------------------------------------------------------------- decisions


def _credit():
    rows = [("A", "last_touch", 8.0, 6.0, 10.0, 800.0, 600.0, 1000.0), ("B", "last_touch", 2.0, 1.0, 4.0, 200.0,
                                                                         100.0, 400.0),
            ("A", "markov", 6.0, 5.0, 7.0, 600.0, 500.0, 700.0), ("B", "markov", 4.0, 3.0, 5.0, 400.0, 300.0, 500.0)]
    c = pd.DataFrame(rows, columns=["channel_id", "model", "conversions", "conversions_low", "conversions_high",
                                    "value", "value_low", "value_high"])
    c["share"] = c["conversions"] / 10
    c["share_low"], c["share_high"] = c["conversions_low"] / 10, c["conversions_high"] / 10
    return c


def test_attributed_economics_by_hand():
    spend = pd.DataFrame({"period": ["2026-01", "2026-02", "2026-03", "2026-01"], "channel_id": ["A", "A", "A", "C"],
                          "amount": [100.0, 200.0, 900.0, 50.0]})
    win = (pd.Period("2026-01", "M"), pd.Period("2026-02", "M"))  # March's spend is outside the window
    e = attributed_economics(_credit(), spend, win, models=("last_touch", "markov"), names={"A": "Ads"},
                             margin_rate=0.5).set_index(["channel_id", "model"])
    assert e.loc[("A", "last_touch"), "spend"] == 300.0 and e.loc[("A", "last_touch"), "cac"] == 300.0 / 8
    assert e.loc[("A", "markov"), "cac"] == 50.0 and e.loc[("A", "markov"), "cac_low"] == 300.0 / 7
    assert e.loc[("A", "markov"), "roas"] == 2.0
    assert e.loc[("A", "markov"), "roi"] == pytest.approx((600 * 0.5 - 300) / 300)
    assert e.loc[("A", "markov"), "roi_high"] == pytest.approx((700 * 0.5 - 300) / 300)
    assert np.isnan(e.loc[("B", "markov"), "cac"])  # no spend: no CAC
    # a channel with spend but no credit is listed with nothing attributed
    assert e.loc[("C", "markov"), "conversions"] == 0 and np.isnan(e.loc[("C", "markov"), "cac"])
    assert e.loc[("A", "markov"), "channel_name"] == "Ads" and e.loc[("A", "markov"), "window"] == "2026-01..2026-02"
    assert list(e.reset_index()[list(TABLES["attributed_economics"])].columns) == list(TABLES["attributed_economics"])


def test_budget_values_outcomes_by_attributed_revenue():
    shift = attributed_value_shift(_credit(), "markov", months=2)
    assert shift == {"A": -100.0, "B": 100.0}
    panel = pd.DataFrame({"channel_id": ["A", "A", "B", "B"], "y": [10.0, 30.0, 4.0, 6.0]})
    v = shift_unit_values({"A": 50.0, "B": 20.0}, panel, shift)
    assert v == {"A": 50.0 - 100.0 / 20.0, "B": 20.0 + 100.0 / 5.0}
    assert shift_unit_values({"A": 1.0}, panel, {"A": -1e6})["A"] == 0.0  # never below zero


def test_summary_names_the_largest_difference(tmp_path):
    folder = tmp_path / STEM
    folder.mkdir()
    pd.DataFrame({"channel_id": ["CH08", "CH01", "CH03"], "channel_name": ["抖音旗舰店", "直销", "天猫"],
                  "model": "markov", "last_touch_share": [0.014, 0.365, 0.007], "model_share": [0.189, 0.20, 0.30],
                  "model_share_low": [0.17, 0.19, 0.0], "model_share_high": [0.21, 0.22, 0.6],
                  "shift": [0.175, -0.165, 0.293], "role": ["assister", "closer", "even"]}
                 ).to_csv(folder / "attribution_shift.csv", index=False)
    f, _ = findings.collect(tmp_path)
    assert len(f) == 1  # CH03's larger shift has an interval that includes its last-touch share: not cited
    r = f.iloc[0]
    assert r["row_key"] == "channel_id=CH08" and r["value"] == pytest.approx(0.175) and r["kind"] == "pp"
    assert "CH08 抖音旗舰店 is credited with 18.9%" in r["finding_en"] and "1.4% by last touch" in r["finding_en"]
    assert "助攻多于成交" in r["finding_zh"] and r["source"] == f"tables/{STEM}/attribution_shift.csv"
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((0.156, 0.196))


# ----------------------------------------------------------------------------- the notebook (papermill)


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample25")
    truth = generate_sample(folder, seed=3, scale=0.3)
    return folder, truth


def _run(data_dir, lang, folder):
    tables = folder / "tables"
    pm.execute_notebook(str(NOTEBOOKS_DIR / f"{STEM}.ipynb"), str(folder / "out.ipynb"), kernel_name="python3",
                        cwd=str(PROJ_ROOT), progress_bar=False,
                        parameters={"data_dir": str(data_dir), "lang": lang, "output_dir": str(tables),
                                    "interactive": False, "n_boot": 40})
    return nbformat.read(folder / "out.ipynb", as_version=4), tables


@pytest.fixture(scope="module")
def runs(small_sample, tmp_path_factory):
    return {lang: _run(small_sample[0], lang, tmp_path_factory.mktemp(f"run25_{lang}")) for lang in ("en", "zh")}


def _outputs(nb):
    return [o for c in nb.cells for o in c.get("outputs", [])]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_attribution_notebook(small_sample, runs, lang):
    folder, truth = small_sample
    nb, tables = runs[lang]
    outputs = _outputs(nb)
    assert [o for o in outputs if o.get("name") == "stderr" or o.get("output_type") == "error"] == []
    spec = NOTEBOOKS[STEM]
    assert {p.stem for p in tables.glob("*.csv")} == set(spec.tables)  # the sample has spend: the budget too
    for name, cols in spec.tables.items():
        assert list(pd.read_csv(tables / f"{name}.csv", encoding="utf-8-sig", nrows=0).columns) == list(cols), name
    leads = pd.read_csv(folder / "leads.csv", dtype=str)
    won = int((leads["status"] == "won").sum())
    credit = pd.read_csv(tables / "channel_attribution.csv", encoding="utf-8-sig")
    per_model = credit.groupby("model")["conversions"].sum()
    assert set(per_model.index) == set(AttributionParams().models)
    assert np.allclose(per_model, won, atol=1e-3)  # every model credits every won lead once
    counts = pd.read_csv(tables / "journey_counts.csv", encoding="utf-8-sig").set_index("measure")["count"]
    assert counts["conversions"] == won and counts["journeys"] == leads["lead_id"].nunique()
    assert counts["touches_in"] == len(pd.read_csv(folder / "touchpoints.csv"))
    lengths = pd.read_csv(tables / "path_lengths.csv", encoding="utf-8-sig")
    assert lengths["journeys"].sum() == counts["journeys"] and lengths["conversions"].sum() == won
    shift = pd.read_csv(tables / "attribution_shift.csv", encoding="utf-8-sig")
    top = shift.iloc[0]
    assister = truth["assisting_channel"]
    assert top["channel_id"] == assister["channel_id"] and top["role"] == "assister"
    # the channels that touch leads at random with no effect are never called assisters
    roles = shift.set_index("channel_id")["role"]
    assert (roles == "assister").sum() == 1 and not roles.reindex(["CH03", "CH04", "CH05"]).eq("assister").any()
    tp = pd.read_csv(folder / "touchpoints.csv", dtype=str)
    exposed = leads["lead_id"].isin(tp.loc[tp["channel_id"] == assister["channel_id"], "lead_id"])
    assert top["touched_journeys"] == exposed.sum() and top["touched_difference_low"] > 0
    assert top["touched_conversion_rate"] == pytest.approx((leads.loc[exposed, "status"] == "won").mean(), abs=1e-6)
    fit = pd.read_csv(tables / "markov_order_fit.csv", encoding="utf-8-sig")
    assert list(fit["order"]) == [1, 2, 3] and fit["chosen"].sum() == 1
    head = next(o["metadata"]["workbench"]["headline"] for o in outputs
                if o.get("metadata", {}).get("workbench", {}).get("headline"))
    assert "CH08 抖音旗舰店" in head and f"{won:,}" in head
    econ = pd.read_csv(tables / "attributed_economics.csv", encoding="utf-8-sig").set_index(["channel_id", "model"])
    # the assister's CAC falls once it is credited with what it assists
    assert econ.loc[("CH08", "markov"), "cac"] < econ.loc[("CH08", "last_touch"), "cac"] / 3


@pytest.mark.slow
def test_result_tables_identical_in_en_and_zh(runs):
    en, zh = runs["en"][1], runs["zh"][1]
    names = sorted(p.name for p in en.glob("*.csv"))
    assert names == sorted(p.name for p in zh.glob("*.csv")) and names
    for name in names:
        assert (en / name).read_bytes() == (zh / name).read_bytes(), name


@pytest.mark.slow
def test_chinese_page_has_no_english_words(small_sample, runs):
    page = export_html(runs["zh"][0], "zh", "样本")
    names = data_names(load_dataset(small_sample[0], strict=False).tables)
    assert english_words(page, names) == {}
    assert "助攻多于成交" in page and "Markov" in page and "它触达的路径转化率为" in page


@pytest.mark.slow
def test_without_touchpoints_the_notebook_runs_and_says_what_it_needs(small_sample, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_sample[0], data)
    (data / "touchpoints.csv").unlink()
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    assert "touchpoints" in truth["files"]  # the copy is the sample minus its touchpoints
    for lang in ("en", "zh"):
        (tmp_path / lang).mkdir()
        nb, tables = _run(data, lang, tmp_path / lang)
        outputs = _outputs(nb)
        assert [o for o in outputs if o.get("output_type") == "error"] == []
        html = " ".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
        assert "touchpoints" in html and ("lead_id" in html)
        assert ("多触点归因需要" if lang == "zh" else "Attribution across channels needs") in html
        assert not list(tables.glob("*.csv"))  # nothing to save


def test_too_few_conversions_show_paths_but_run_no_model():
    from workbench.attribution import compare

    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3"], "status": ["won", "lost", "open"],
                          "closed_date": pd.to_datetime(["2026-01-05", "2026-01-06", None]), "amount": [100.0, 0, 0]})
    tp = pd.DataFrame({"lead_id": ["L1", "L1", "L2", "L3"], "customer_id": [None] * 4,
                       "ts": pd.to_datetime(["2026-01-01 09:00", "2026-01-02 09:00", "2026-01-02 10:00",
                                             "2026-01-03 11:00"]),
                       "channel_id": ["CH08", "CH01", "CH01", "CH02"]})
    p = AttributionParams(as_of="2026-01-31")
    ad = prepare(_Ds(leads=leads, touchpoints=tp), p)
    res = compare.analyse(ad, p)
    assert res.ok and not res.models_ok and res.credit.empty
    assert res.lengths["journeys"].tolist() == [2, 1] and res.lengths["conversions"].tolist() == [0, 1]
    assert "too few to tell channels apart" in res.notes[-1].text("en")
    head = compare.headline(res.journeys, None, ("Markov removal effect", "Markov 移除效应"))
    assert head["en"] == "{journeys} journeys, {conversions} conversions." and head["conversions"].value == 1


def test_params_fail_fast_with_the_valid_choices():
    with pytest.raises(ValueError, match=r"Invalid models: \['lasttouch'\]. Valid options are"):
        AttributionParams(models=["markov", "lasttouch"])
    with pytest.raises(ValueError, match="n_boot must be 0"):
        AttributionParams(n_boot=1)
