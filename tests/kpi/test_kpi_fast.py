"""The fast KPI code gives the same frames as the straightforward code it replaced (``reference_kpi``).

The data are the bundled sample made awkward: order lines shuffled (not in date order), blank and
empty-string regions, lines without rep or with a rep or customer missing from their tables, a
customer id given twice, reps without team, a Chinese region, NaN costs, quantities, NPS and
amounts, zero and negative amounts, leads closed after ``as_of``. Frames are compared exactly
(values, dtypes, index).
"""

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
import reference_kpi as R

from workbench.data import load_dataset
from workbench.kpi import actuals as A
from workbench.kpi import keys as K
from workbench.kpi import periods as P
from workbench.kpi.params import KpiParams
from workbench.paths import SAMPLE_DIR

FRAMES = ("orders", "leads", "feedback", "new_customers", "targets", "reps", "stages")


def _awkward(ds):
    rng = np.random.default_rng(14)
    t = {k: v.copy() for k, v in ds.tables.items()}
    o = t["orders"].sample(frac=1.0, random_state=3).reset_index(drop=True)  # not in date order
    n = len(o)
    pick = lambda share: rng.random(n) < share  # noqa: E731
    o.loc[pick(0.05), "region"] = np.nan
    o.loc[pick(0.01), "region"] = ""
    o.loc[pick(0.01), "region"] = "西北（新）"
    o.loc[pick(0.03), "rep_id"] = np.nan
    o.loc[pick(0.005), "rep_id"] = "R999"  # not in reps
    o.loc[pick(0.005), "customer_id"] = "C_UNKNOWN"  # not in customers
    o.loc[pick(0.05), "cost"] = np.nan
    o.loc[pick(0.05), "quantity"] = np.nan
    o.loc[pick(0.02), "amount"] = 0.0
    o.loc[pick(0.02), "amount"] = -o["amount"].abs()
    o.loc[pick(0.01), "channel_id"] = np.nan
    gone = (o["rep_id"] == "R007") & (o["order_date"] > pd.Timestamp("2025-12-31"))  # a rep who left
    t["orders"] = pd.concat([o.loc[~gone], o.iloc[:50]], ignore_index=True)  # lines given twice
    c = t["customers"]
    dup = c.iloc[[0, 5]].assign(region="华北")
    c = pd.concat([c, dup], ignore_index=True)  # ids given twice: the first row counts
    c.loc[c.index[10:400:7], "region"] = np.nan
    c.loc[c.index[20:60:9], "created_date"] = pd.NaT
    t["customers"] = c
    r = t["reps"].copy()
    r.loc[r.index[3], "team"] = np.nan
    r.loc[r.index[4], "region"] = ""
    r["leave_date"] = pd.NaT
    r.loc[r.index[9], "leave_date"] = pd.Timestamp("2026-03-15")
    t["reps"] = r
    L = t["leads"].copy()
    L.loc[L.index[::97], "amount"] = np.nan
    L.loc[L.index[::53], "customer_id"] = "C_UNKNOWN"
    L = L.loc[~((L["rep_id"] == "R007") & (L["created_date"] > pd.Timestamp("2025-12-31")))]
    t["leads"] = L
    f = t["feedback"].copy()
    f.loc[f.index[::11], "nps"] = np.nan
    f.loc[f.index[::13], "csat"] = np.nan
    f.loc[f.index[::17], "customer_id"] = "C_UNKNOWN"
    t["feedback"] = f
    return dataclasses.replace(ds, tables=t)


@pytest.fixture(scope="module")
def awkward():
    return _awkward(load_dataset(SAMPLE_DIR, strict=False))


PARAMS = [
    {},
    {"as_of": "2026-05-17"},  # drops later lines, leads and responses; leads closed later reopen
    {"as_of": "2025-12-31", "region_fallback": ["reps", "customers"], "kpis": ["revenue", "orders", "margin"]},
    {"region_fallback": []},
]


def _same(a, b, name=""):
    pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)


@pytest.mark.parametrize("kw", PARAMS)
def test_prepare_equals_reference(awkward, kw):
    p = KpiParams(**kw)
    ref, new = R.prepare(awkward, p), A.prepare(awkward, p)
    for name in FRAMES:
        _same(getattr(ref, name).reset_index(drop=True), getattr(new, name).reset_index(drop=True), name)
    assert [n.__dict__ for n in ref.notes] == [n.__dict__ for n in new.notes]
    assert (ref.first_month, ref.last_month, ref.as_of) == (new.first_month, new.last_month, new.as_of)


def test_each_kept_line_keeps_its_own_region(awkward):
    # the lines are shuffled and as_of drops later ones: region must stay with its line
    p = KpiParams(as_of="2026-05-17", region_fallback=[])
    kd = A.prepare(awkward, p)
    o = awkward["orders"]
    src = o.loc[o["order_date"] <= pd.Timestamp("2026-05-17 23:59")]
    assert len(src) == len(kd.orders) < len(o)
    assert (kd.orders["order_id"].to_numpy() == src["order_id"].to_numpy()).all()
    expect = src["region"].fillna(A.UNATTRIBUTED).to_numpy()
    assert (kd.orders["region"].to_numpy() == expect).all()


@pytest.mark.parametrize("kw", PARAMS[:2])
def test_measures_equal_reference(awkward, kw):
    p = KpiParams(**kw)
    kd = A.prepare(awkward, p)
    ranges = [None, (kd.first_month + 3, kd.last_month - 2), (kd.last_month + 5, kd.last_month + 9)]
    for level, gran, months in itertools.product(A.LEVELS, ["month", "quarter", "fiscal_year"], ranges):
        ref = R._measures(kd, level, gran, months)
        _same(ref, A.measures(kd, level, gran, months), f"{level} {gran} {months}")
        _same(ref, A.measures(kd, level, gran, months), f"{level} {gran} {months} (cached)")


def test_group_orders_with_column_names_equals_reference():
    rng = np.random.default_rng(5)
    n = 3000
    o = pd.DataFrame({
        "k": rng.choice(["甲", "", "b", None], n), "m": rng.integers(0, 4, n),
        "amount": np.where(rng.random(n) < 0.05, np.nan, rng.normal(50, 80, n).round(2)),
        "cost": np.where(rng.random(n) < 0.2, np.nan, rng.normal(20, 5, n)),
        "quantity": np.where(rng.random(n) < 0.1, np.nan, rng.integers(-2, 9, n).astype(float)),
        "order_id": rng.choice([f"O{i}" for i in range(400)] + [None], n),
        "customer_id": rng.choice([f"客户{i}" for i in range(90)] + [None], n),
    }).astype({"k": "str", "order_id": "str", "customer_id": "str"})
    ref = R._group_orders(o, ["k", "m"])
    new = A._group_orders(o, ["k", "m"])
    _same(ref, new[ref.columns.tolist()])


# ----------------------------------------------------------------------------- keys


def _texts(rng, n, pool):
    return pd.Series(rng.choice(np.array(pool, dtype=object), n), dtype="str")


POOL = ["a", "", "北京", "b", None, "ü", "a ", "A"]


def test_positions_and_lookup_equal_pandas():
    rng = np.random.default_rng(1)
    values = _texts(rng, 500, POOL + ["zz"])
    keys = pd.Index(["b", "a", None, "", "北京", "A"], dtype="str")
    assert (K.positions(values, keys) == keys.get_indexer(values)).all()
    mapping = pd.Series(["B", "甲", "N", "E", "京", None], index=keys, dtype="str")
    pd.testing.assert_series_equal(K.lookup(values, mapping), values.map(mapping))
    dates = pd.Series(pd.to_datetime(["2020-01-01", None, "2021-05-05", "2022-02-02", "2023-03-03", "2024-04-04"]),
                      index=keys)
    pd.testing.assert_series_equal(K.lookup(values, dates), values.map(dates))
    nums = pd.Series([1.5, np.nan, 2.0, 3.0, 4.0, 5.0], index=keys)
    pd.testing.assert_series_equal(K.lookup(values, nums), values.map(nums))
    obj = values.astype(object)  # not Arrow text: pandas itself
    pd.testing.assert_series_equal(K.lookup(obj, mapping), obj.map(mapping))
    assert len(K.positions(values.iloc[:0], keys)) == 0


def test_first_rows_are_what_drop_duplicates_keeps():
    rng = np.random.default_rng(2)
    s = _texts(rng, 400, POOL)
    codes, _ = pd.factorize(s)  # missing -> -1: one value, as drop_duplicates counts it
    assert (K.first_rows(codes) == s.drop_duplicates().index.to_numpy()).all()
    assert len(K.first_rows(np.array([], dtype=np.int64))) == 0


def test_distinct_per_group_counts_distinct_values():
    rng = np.random.default_rng(3)
    g = rng.integers(0, 7, 2000)
    c = rng.integers(-1, 40, 2000)
    expect = pd.DataFrame({"g": g, "c": c}).drop_duplicates().groupby("g").size().reindex(range(9), fill_value=0)
    assert (K.distinct_per_group(g, 9, c) == expect.to_numpy()).all()
    assert (K.distinct_per_group(np.array([], dtype=np.int64), 3, np.array([], dtype=np.int64)) == 0).all()


# ----------------------------------------------------------------------------- forecast and deals


def _awkward_leads(ds):
    """The awkward sample with history rows of unknown leads and stages, and leads with no history."""
    t = dict(ds.tables)
    sh = t["stage_history"].copy()
    extra = sh.iloc[:40].assign(lead_id="L_UNKNOWN")
    odd = sh.iloc[40:60].assign(stage="不存在的阶段")
    tie = sh.iloc[60:80].copy()  # the same stage entered twice: the later row counts
    tie["entered_date"] = tie["entered_date"] + pd.Timedelta(days=3)
    sh = pd.concat([sh, extra, odd, tie], ignore_index=True)
    leads = set(t["leads"]["lead_id"].iloc[::31])
    t["stage_history"] = sh.loc[~sh["lead_id"].isin(leads)].reset_index(drop=True)
    return dataclasses.replace(ds, tables=t)


@pytest.fixture(scope="module")
def kd_leads(awkward):
    return A.prepare(_awkward_leads(awkward), KpiParams())


def _cutoffs(kd, p):
    from workbench.kpi import forecast as FC

    win = FC.window(kd, p)
    return win, FC.backtest_window(kd, p), [win.cutoff, FC.backtest_window(kd, p).cutoff,
                                            win.cutoff - pd.Timedelta(days=90), pd.Timestamp("2024-03-15")]


def _same_model(a, b):
    _same(a.rates, b.rates, "rates")
    assert a.won_delay.keys() == b.won_delay.keys() and a.final_order == b.final_order
    for s in a.won_delay:
        assert np.array_equal(a.won_delay[s], b.won_delay[s], equal_nan=True)
        assert np.array_equal(a.lost_delay[s], b.lost_delay[s], equal_nan=True)


def test_stage_frames_and_learned_rates_equal_reference(kd_leads):
    from workbench.kpi import deals as D

    p = KpiParams()
    _, _, cutoffs = _cutoffs(kd_leads, p)
    for c in cutoffs:
        _same(R._compute_stage_frame(kd_leads, c), D.stage_frame(kd_leads, c), f"stage frame {c}")
        ref, new = R._learn(kd_leads, c, p), D.learn(kd_leads, c, p)
        assert (ref is None) == (new is None)
        if ref is not None:
            _same_model(ref, new)


def test_lead_ids_given_twice_take_the_text_keyed_path(kd_leads):
    from workbench.kpi import deals as D

    L = kd_leads.leads
    twice = pd.concat([L, L.iloc[[5, 9]]], ignore_index=True)
    kd = dataclasses.replace(kd_leads, leads=twice, cache={})
    p = KpiParams()
    assert not D.unique_leads(kd)
    for c in _cutoffs(kd, p)[2][:2]:
        _same(R._compute_stage_frame(kd, c), D.stage_frame(kd, c), f"stage frame {c}")
        _same_model(R._learn(kd, c, p), D.learn(kd, c, p))


def test_stage_frame_and_rates_without_history_equal_reference(kd_leads):
    from workbench.kpi import deals as D

    kd = dataclasses.replace(kd_leads, stage_history=None, cache={})
    p = KpiParams()
    for c in _cutoffs(kd, p)[2][:2]:
        _same(R._compute_stage_frame(kd, c), D.stage_frame(kd, c), f"stage frame {c}")
        _same_model(R._learn(kd, c, p), D.learn(kd, c, p))


def test_calibration_equals_reference(kd_leads):
    from workbench.kpi import forecast as FC

    p = KpiParams()
    kd = dataclasses.replace(kd_leads, cache={})
    ref, new = R.calibration(kd, p), FC.calibration(kd, p)
    _same(ref[0], new[0], "scores")
    _same(ref[1], new[1], "reliability")


def test_revenue_series_equal_reference(kd_leads):
    from workbench.kpi import forecast as FC

    p = KpiParams()
    win, bwin, _ = _cutoffs(kd_leads, p)
    for w in (win, bwin):
        cut = R._cut(kd_leads, w.cutoff)
        end = w.cutoff + pd.Timedelta(hours=23, minutes=59)
        for lv in A.LEVELS:
            _same(R._series(cut, lv, "revenue", w.cutoff_month), FC._series(kd_leads, lv, "revenue", w.cutoff_month, end),
                  f"{lv} to {w.cutoff}")
            _same(R._series(kd_leads, lv, "revenue", w.months[-1]), FC._series(kd_leads, lv, "revenue", w.months[-1]),
                  f"{lv} final")
    # a cutoff inside a month (its lines up to the cutoff day), and one before the data
    for day in ("2026-05-15", "2026-02-28", "2023-01-10"):
        c = pd.Timestamp(day)
        cm = int(P.month_of(pd.Series([c]))[0])
        cut = R._cut(kd_leads, c)
        for lv in A.LEVELS:
            _same(R._series(cut, lv, "revenue", cm), FC._series(kd_leads, lv, "revenue", cm, c + pd.Timedelta(hours=23, minutes=59)),
                  f"{lv} to {day}")


def test_float32_threshold_compares_like_float64():
    from workbench.kpi import deals as D

    rng = np.random.default_rng(9)
    q = np.r_[rng.random(3000), [0.0, 1.0, np.nan, -0.5, 1.5, 2.0 ** -24, 1 - 2.0 ** -25, 0.1, 1 / 3]]
    t = D.float32_threshold(q)
    r = np.r_[rng.random(20000, dtype=np.float32), np.float32(0.1), np.float32(1 / 3), np.float32(0.0),
              np.nextafter(np.float32(0.1), np.float32(1)), np.nextafter(np.float32(1 / 3), np.float32(0))]
    assert t.dtype == np.float32
    assert np.array_equal(r[:, None] < q[None, :], r[:, None] < t[None, :])


def test_simulate_pipeline_equals_reference(kd_leads):
    from workbench.kpi import deals as D

    p = KpiParams()
    win = _cutoffs(kd_leads, p)[0]
    deals = D.deal_probabilities(D.learn(kd_leads, win.cutoff, p), D.stage_frame(kd_leads, win.cutoff), win.cutoff, 300)
    deals.loc[deals.index[::7], "amount"] = np.nan
    levels = ["company", "channel", "region", "team", "rep"]
    for draws, chunk in ((1000, 500), (777, 100)):
        ref = R.simulate_pipeline(deals, levels, draws, 0.8, 7, chunk)
        new = D.simulate_pipeline(deals, levels, draws, 0.8, 7, chunk)
        _same(ref.drop(columns="pipeline_pct"), new.drop(columns="pipeline_pct"))
        assert all(np.array_equal(a, b) for a, b in zip(ref["pipeline_pct"], new["pipeline_pct"], strict=True))


# ----------------------------------------------------------------------------- attainment, gap, incentives


@pytest.mark.parametrize("kw", [{}, {"as_of": "2026-05-17", "inactive_days": 20, "gap_base": "previous_period"}])
def test_left_reps_gap_and_incentives_equal_reference(awkward, kw):
    from workbench.kpi import attainment as T
    from workbench.kpi import incentives as I

    p = KpiParams(**kw)
    kd = A.prepare(awkward, p)
    left = R._compute_left_reps(kd, p.inactive_days)
    assert len(left) > 0
    pd.testing.assert_series_equal(left, T._left_reps(kd, p.inactive_days), check_exact=True)
    att = T.attainment_table(kd, p)
    _same(R.gap_table(kd, att, p), T.gap_table(kd, att, p), "gap")
    for plan in (p.incentive_plan, p.incentive_plan.model_copy(update={"period": "month", "clawback_returns": False})):
        _same(R.incentive_pay(kd, p, plan), I.incentive_pay(kd, p, plan), f"incentives {plan.period}")
    _same(R.what_if(kd, p), I.what_if(kd, p), "what if")


def test_incentives_without_lines_in_the_window(awkward):
    from workbench.kpi import incentives as I

    p = KpiParams(as_of="2026-05-17", review_periods=1)  # one month: no complete quarter
    kd = A.prepare(awkward, p)
    _same(R.incentive_pay(kd, p), I.incentive_pay(kd, p), "incentives")


def test_distinct_in_segments_counts_distinct_codes():
    rng = np.random.default_rng(4)
    code = np.sort(rng.integers(-1, 300, 5000))  # lines of an order together
    group = rng.integers(-1, 12, 5000)
    group[rng.random(5000) < 0.7] = -2  # most orders: every line in one group (set below)
    one = rng.integers(0, 12, 301)[code + 1]
    group = np.where(group == -2, one, group)
    expect = pd.DataFrame({"g": group, "c": code}).query("g >= 0").drop_duplicates().groupby("g").size()
    for perm_needed in (False, True):
        order = rng.permutation(5000) if perm_needed else np.arange(5000)
        perm, starts = K.code_segments(code[order])
        assert (perm is None) == (not perm_needed)
        got = K.distinct_in_segments(group[order], 14, perm, starts)
        assert (got == expect.reindex(range(14), fill_value=0).to_numpy()).all()
    assert (K.distinct_in_segments(np.array([], dtype=np.int64), 2, *K.code_segments(np.array([], dtype=np.int64))) == 0).all()


# ----------------------------------------------------------------------------- team


@pytest.mark.parametrize("kw", [{}, {"as_of": "2026-05-17", "review_periods": 6, "min_leads": 5, "alpha": 0.3}])
def test_team_tables_equal_reference(awkward, kw):
    from workbench.kpi import attainment as T
    from workbench.kpi import team as TM

    p = KpiParams(**kw)
    kd = A.prepare(_awkward_leads(awkward), p)
    months = T.review_months(kd, p)
    for by in ("rep", "channel", "team", "region"):
        _same(R.stage_conversion(kd, by, months), TM.stage_conversion(kd, by, months), f"stage conversion {by}")
    _same(R.stage_conversion(kd, "rep"), TM.stage_conversion(kd, "rep"), "stage conversion, every month")
    tn = R.training_needs(kd, p)
    assert len(tn) > 0
    _same(tn, TM.training_needs(kd, p), "training needs")
    att = T.attainment_table(kd, p)
    _same(R.rep_scorecard(kd, att, p), TM.rep_scorecard(kd, att, p), "scorecard")
