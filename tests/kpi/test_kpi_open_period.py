"""Will we hit the target forecasts the next OPEN plan period (the closed one is a back-test), and every
KPI result table is the same in en and zh (compute code never sees the language)."""

import importlib
import inspect
import pkgutil

import pandas as pd
import pytest

import workbench.kpi as kpi
from workbench.data import load_dataset
from workbench.kpi import forecast as FC
from workbench.kpi import periods as P
from workbench.reporting import Formatter
from workbench.sample import generate_sample

NOV24 = 2024 * 12 + 10  # first target month of the sample (2024-11)


@pytest.mark.parametrize("as_of, open_, closed", [
    ("2026-07-31", "2025-11..2026-10", "2024-11..2025-10"),  # inside a plan year
    ("2026-10-30", "2025-11..2026-10", "2024-11..2025-10"),  # its last day not yet over
    ("2026-10-31", "2026-11..2027-10", "2025-11..2026-10"),  # at its end: the next one
    ("2027-03-15", "2026-11..2027-10", "2025-11..2026-10"),  # after the last target period
    ("2028-01-01", "2027-11..2028-10", "2026-11..2027-10"),  # long after
    ("2024-06-30", "2023-11..2024-10", "2022-11..2023-10"),  # targets start later: the cycle runs back
])
def test_plan_years_from_the_first_target_month(as_of, open_, closed):
    assert FC.plan_periods(as_of, 1, "", NOV24) == (open_, closed)
    months = P.months_of(open_)
    assert not FC.ended(months[-1], pd.Timestamp(as_of)) and FC.ended(months[0] - 1, pd.Timestamp(as_of))


def test_given_period_is_kept_while_open_and_moves_on_when_over():
    assert FC.plan_periods("2026-06-15", 1, "FY2026") == ("FY2026", "2025-01..2025-12")
    assert FC.plan_periods("2026-12-31", 1, "FY2026") == ("2027-01..2027-12", "2026-01..2026-12")
    assert FC.plan_periods("2026-10-31", 1, "2025-11..2026-10") == ("2026-11..2027-10", "2025-11..2026-10")
    assert FC.plan_periods("2026-10-31", 1, "2026-Q1") == ("2026-10..2026-12", "2026-07..2026-09")
    assert FC.plan_periods("2026-05-31", 1, "2026-05") == ("2026-06", "2026-05")
    assert FC.plan_periods("2026-05-30", 1, "2026-05") == ("2026-05", "2026-04")
    # a period in the future is forecast as given; the one before it is not over: no back-test
    assert FC.plan_periods("2026-03-31", 1, "2027") == ("2027", None)
    # no targets, no period: fiscal years (April start)
    assert FC.plan_periods("2026-03-31", 4, "") == ("2026-04..2027-03", "2025-04..2026-03")
    assert FC.plan_periods("2026-03-30", 4, "") == ("2025-04..2026-03", "2024-04..2025-03")


def test_backtest_cutoff():
    assert FC.backtest_cutoff("2025-11..2026-10") == pd.Timestamp("2026-07-31")
    assert FC.backtest_cutoff("2026-Q3") == pd.Timestamp("2026-08-31")
    assert FC.backtest_cutoff("2026-05") == pd.Timestamp("2026-04-30")
    assert FC.backtest_cutoff("2025-11..2026-10", cutoff="2026-05-15") == pd.Timestamp("2026-05-15")
    assert FC.backtest_cutoff("2025-11..2026-10", cutoff="2027-05-15") == pd.Timestamp("2026-07-31")  # outside


def test_no_compute_function_takes_a_language():
    skip = {"workbench.kpi.views", "workbench.kpi.plots", "workbench.kpi.labels"}
    found = []
    for m in pkgutil.iter_modules(kpi.__path__):
        name = f"workbench.kpi.{m.name}"
        if name in skip:
            continue
        mod = importlib.import_module(name)
        for fname, f in inspect.getmembers(mod, inspect.isfunction):
            if f.__module__ == name and "lang" in inspect.signature(f).parameters:
                found.append(f"{name}.{fname}")
    assert found == []


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kpi_lang")
    generate_sample(folder, seed=3, scale=0.3)
    return load_dataset(folder, strict=False), folder


def _tables(ds, **kw) -> dict[str, pd.DataFrame]:
    p = kpi.KpiParams(draws=300, forecast_levels=["company", "region"], max_model_keys=5, **kw)
    kd = kpi.prepare(ds, p)
    att = kpi.attainment_table(kd, p)
    scores, rel = kpi.calibration(kd, p)
    _, sig = kpi.control_charts(kd, p)
    return {"attainment": att, "summary": kpi.attainment_summary(att, kd, p), "gap": kpi.gap_table(kd, att, p),
            "forecast": kpi.forecast_table(kd, p), "backtest": kpi.backtest_table(kd, p), "calibration": scores,
            "reliability": rel, "stage_rates": kpi.stage_rates(kd, p), "control_signals": sig,
            "scorecard": kpi.rep_scorecard(kd, att, p), "training": kpi.training_needs(kd, p),
            "incentives": kpi.incentive_pay(kd, p), "what_if": kpi.what_if(kd, p)}


def test_result_tables_are_the_same_in_every_language(small):
    ds, _ = small
    en, zh = _tables(ds, lang="en"), _tables(ds, lang="zh")
    for name in en:
        assert len(en[name]) or name == "training", name  # tables the small sample fills
        pd.testing.assert_frame_equal(en[name], zh[name], obj=name)
    # codes, not words, in the tables the views translate
    assert set(en["forecast"]["model"]) <= {"ses", "damped_trend", "ses_seasonal", "damped_trend_seasonal",
                                            "ses_closed_form", "ses_closed_form_seasonal", "insufficient_data"}
    assert set(en["calibration"]["event"]) == {"won_within_horizon", "won_closed_deals"}
    assert "signal" not in en["control_signals"]


def _fill(h: dict, lang: str) -> str:
    f = Formatter(lang)
    return h[lang].format(**{k: f.value(v) for k, v in h.items() if k not in ("en", "zh")})


def test_headline_names_the_open_period(small):
    ds, _ = small
    p = kpi.KpiParams(draws=300, forecast_levels=["company", "region"])
    kd = kpi.prepare(ds, p)
    att = kpi.attainment_table(kd, p)
    fc = kpi.forecast_table(kd, p)
    period = fc["period"].iloc[0]
    assert period == "2026-11..2027-10" and not FC.ended(P.months_of(period)[-1], kd.as_of)
    h = kpi.headline(kd, kpi.attainment_summary(att, kd, p), fc, p)
    for lang in ("en", "zh"):
        text = _fill(h, lang)
        assert "2026-11..2027-10" in text and "2025-11..2026-10" in text  # review window and the open period
        assert "¥" in text
    # standing inside the plan year, the headline gives that year's P(hit target) with its simulation count
    p2 = kpi.KpiParams(as_of="2026-07-31", draws=300, forecast_levels=["company", "region"])
    kd2 = kpi.prepare(ds, p2)
    att2 = kpi.attainment_table(kd2, p2)
    fc2 = kpi.forecast_table(kd2, p2)
    assert (fc2["period"] == "2025-11..2026-10").all() and fc2["p_hit"].notna().all()
    h2 = kpi.headline(kd2, kpi.attainment_summary(att2, kd2, p2), fc2, p2)
    text = _fill(h2, "en")
    assert "Forecast for 2025-11..2026-10 (open)" in text and "P(hit target)" in text and "2,000 simulated" in text
    # the table says the period and currency of every amount and the paths behind P(hit)
    from workbench.kpi.views import _table
    from workbench.report import Report

    for lang, head, ph in (("en", "Forecast at period end (¥, 2025-11..2026-10)", "P(hit target), 2,000 paths"),
                           ("zh", "期末预测 (¥, 2025-11..2026-10)", "达成概率（2,000 条模拟路径）")):
        rpt = Report(kpi.KpiParams(lang=lang), labels=kpi.LABELS)
        tv = _table(rpt, fc2, None, columns=["level", "key", "forecast_mean", "p_hit", "model"], period="2025-11..2026-10")
        assert tv.headers["forecast_mean"] == head and tv.headers["p_hit"] == ph
        assert tv.kinds["p_hit"] == "share" and tv.cell("model", fc2["model"].iloc[0]) == rpt.t(fc2["model"].iloc[0])
        assert tv.cell("level", "company") == ("Company" if lang == "en" else "公司")
