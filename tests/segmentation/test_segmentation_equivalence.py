"""The rewritten (10M, issue 14) segmentation functions return exactly what the plain pandas reference returns.

``seg_reference`` holds the functions as they were before they were rewritten on integer codes.
Both run on generated data with the awkward values real exports have: missing customers, dates,
amounts and order ids, empty strings, Chinese ids and names, ties in every sort key, credit
notes linked and unlinked, duplicated customer rows, unsorted tables. Frames are compared with
``check_exact`` (dtypes, index and every float to the last bit), and the HTML the views show.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import seg_reference as ref

import workbench as wb
import workbench.segmentation as seg
from workbench.data.loader import Dataset, DatasetMeta
from workbench.segmentation import clusters as clusters_mod
from workbench.segmentation import clv as clv_mod
from workbench.segmentation import keys, profiles, strategy, views
from workbench.segmentation import rfm as rfm_mod

AS_OF = "2026-03-31"
prepare_mod = importlib.import_module("workbench.segmentation.prepare")  # the package exports a function of that name


def _customer_ids(n: int) -> list[str]:
    ids = [f"C{i:05d}" for i in range(n)]
    for i in range(0, n, 37):
        ids[i] = f"客户{i}号"  # Chinese ids sort after the Latin ones
    ids[5] = ""  # an empty id is still an id
    return ids


def awkward_orders(rng: np.random.Generator, n_customers: int = 900, by_date: bool = True) -> pd.DataFrame:
    """Order lines with returns, ties and holes (see the module docstring)."""
    ids = _customer_ids(n_customers) + ["GUEST"]
    start = pd.Timestamp("2024-04-01")
    rows, k = [], 0
    for cid in ids:
        for _ in range(1 + rng.poisson(2.5)):
            k += 1
            day = start + pd.Timedelta(days=int(rng.integers(0, 760)))  # some after AS_OF
            oid = f"订单{k}" if k % 41 == 0 else "" if k % 97 == 0 else None if k % 89 == 0 else f"SO{k}"
            for _ in range(1 + rng.integers(0, 3)):
                amount = float(rng.choice([50.0, 99.99, 100.0, 100.0, 250.5, 1000.0]))  # ties everywhere
                ch = rng.choice(["CH1", "CH2", "渠道3", "", None], p=[0.4, 0.3, 0.2, 0.05, 0.05])
                rows.append((oid, day, cid, amount, amount * 0.6 if k % 7 else np.nan, ch,
                             rng.choice(["P1", "P2", "产品3", None]), rng.choice(["华东", "华南", "", None])))
            if k % 13 == 0 and oid:  # a credit note linked by -R, full or partial (-R-R: a credit of a credit)
                rows.append((f"{oid}-R" if k % 5 else f"{oid}-R-R", day + pd.Timedelta(days=3), cid,
                             -float(rng.choice([50.0, 100.0, 1e4])), np.nan, rows[-1][5], "P1", None))
            if k % 29 == 0:  # an unlinked cancellation, and a credit note of an order before the data
                rows.append((f"C{k}", day, cid, -10.0, -6.0, "CH1", "P2", "华东"))
                rows.append((f"OLD{k}-R", day, cid, -5.0, np.nan, None, None, None))
    rows += [("SOX", start, None, 10.0, 5.0, "CH1", "P1", "华东"),  # no customer
             ("SOY", None, "C00001", 10.0, 5.0, "CH1", "P1", "华东"),  # no date
             ("SOZ", start, "C00001", np.nan, 5.0, "CH1", "P1", "华东")]  # no amount
    # customers without a purchase: an order returned in full, only a credit note
    rows += [("SOR", start, "只退货", 80.0, 40.0, "CH2", "P1", None), ("SOR-R", start, "只退货", -80.0, -40.0, "CH2",
                                                                       "P1", None),
             ("X1-R", start, "仅冲销", -30.0, np.nan, "CH1", None, None)]
    o = pd.DataFrame(rows, columns=["order_id", "order_date", "customer_id", "amount", "cost", "channel_id",
                                    "product_id", "region"])
    o["cost"] = o["amount"] - o["cost"].where(o["cost"].notna())  # cost = amount - margin, NaN when unknown
    o["order_date"] = pd.to_datetime(o["order_date"])
    for c in ("order_id", "customer_id", "channel_id", "product_id", "region"):
        o[c] = o[c].astype("str")
    if by_date:
        return o.sort_values("order_date", kind="stable").reset_index(drop=True)
    return o.sample(frac=1.0, random_state=int(rng.integers(1 << 30))).reset_index(drop=True)


def awkward_dataset(seed: int = 0, by_date: bool = True, source: str | None = None, sorted_customers: bool = False
                    ) -> Dataset:
    rng = np.random.default_rng(seed)
    o = awkward_orders(rng, by_date=by_date)
    ids = [c for c in pd.unique(o["customer_id"].dropna()) if c != "GUEST"]
    ids = list(rng.choice(ids, size=int(len(ids) * 0.9), replace=False)) + [f"NEW{i}" for i in range(40)]
    n = len(ids)
    cust = pd.DataFrame({
        "customer_id": ids,
        "name": [None if i % 11 == 0 else "" if i % 17 == 0 else f"上海星辰{i}有限公司" for i in range(n)],
        "region": rng.choice(["华东", "华南", "", None], n),
        "industry": rng.choice(["零售", "酒店", None], n),
        "created_date": [pd.NaT if i % 9 == 0 else pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(d))
                         for i, d in enumerate(rng.integers(0, 800, n))],
        "acquisition_channel_id": rng.choice(["CH1", "CH2", "渠道3", None], n),
        "tier": rng.choice(["A类", "B类", None], n),
        "customer_number": [None if i % 8 == 0 else f"KH{i:05d}" for i in range(n)],
    })
    cust = pd.concat([cust, cust.iloc[:25]], ignore_index=True)  # duplicated rows: the first one counts
    if sorted_customers:
        cust = cust.drop_duplicates("customer_id").sort_values("customer_id", ignore_index=True)
    for c in ("customer_id", "name", "region", "industry", "acquisition_channel_id", "tier", "customer_number"):
        cust[c] = cust[c].astype("str")
    channels = pd.DataFrame({"channel_id": ["CH1", "CH2", "渠道3", ""], "name": ["直销", None, "天猫", "空"],
                             "type": ["direct", "distributor", "ecommerce", None]}).astype("str")
    products = pd.DataFrame({"product_id": ["P1", "P2", "产品3"], "category": ["门锁", "门锁", None]}).astype("str")
    months = [str(p) for p in pd.period_range("2025-03", "2026-03", freq="M")]
    spend = pd.DataFrame({"period": months * 2, "channel_id": ["CH1"] * len(months) + ["CH2"] * len(months),
                          "amount": [1000.0] * len(months) + [250.0] * len(months)})
    crm_ids = {"zoho": {"customers.customer_id": "Record Id"},
               "fxiaoke": {"customers.customer_id": "_id", "customers.customer_number": "客户编号"}}.get(source, {})
    meta = DatasetMeta(source=source, crm_ids=crm_ids)
    return Dataset(Path("."), meta, {"orders": o, "customers": cust, "channels": channels, "products": products,
                                     "spend": spend}, {}, [])


def params(**kw) -> seg.SegmentationParams:
    base = {"as_of": AS_OF, "ignore_customer_ids": ["GUEST"], "min_repeat_buyers": 5, "seed": 3}
    return seg.SegmentationParams(**{**base, **kw})


def same(new, old):
    """Exactly equal frames or series (dtype, index, floats to the last bit, attrs)."""
    if isinstance(old, pd.DataFrame):
        pd.testing.assert_frame_equal(new, old, check_exact=True)
    else:
        pd.testing.assert_series_equal(new, old, check_exact=True)
    assert new.attrs == old.attrs


def same_prepared(new, old):
    same(new.lines, old.lines)
    same(new.orders, old.orders)
    assert new.facts.keys() == old.facts.keys()
    for k in old.facts:  # floats compared bit for bit, timestamps as they are
        assert repr(new.facts[k]) == repr(old.facts[k]), k
    assert new.analysis_date == old.analysis_date
    assert (new.problem is None) == (old.problem is None)


@pytest.fixture(scope="module")
def world():
    """Everything computed once on the awkward data (unsorted lines), by the package."""
    ds = awkward_dataset(seed=1, by_date=False)
    p = params()
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    clv = seg.clv_table(prep, rfm, p)
    value = seg.value_tiers(rfm, clv, p)
    attrs = seg.attributes(prep, rfm, ds)
    plays = seg.assign_plays(value, p)
    return SimpleNamespace(ds=ds, p=p, prep=prep, rfm=rfm, clv=clv, value=value, attrs=attrs, plays=plays)


# ----------------------------------------------------------------------------- keys


def test_keys_helpers_agree_with_pandas():
    s = pd.Series(["b", None, "", "客户", "a", "b"], dtype="str")
    index = pd.Index(["a", "", "客户", None, "z"], dtype="str")
    assert keys.positions(s, index).tolist() == index.get_indexer(s).tolist() == [-1, 3, 1, 2, 0, -1]
    with pytest.raises(ValueError, match="duplicate"):
        keys.positions(s, pd.Index(["a", "a"], dtype="str"))
    for src in (pd.Series([1, 2, 3, 4, 5]), pd.Series([True, False, True, False, True]),
                pd.Series([1.5, np.nan, 2.0, 3.0, 4.0]), pd.Series(["x", None, "", "中", "w"], dtype="str"),
                pd.Series(pd.to_datetime(["2020-01-01", None, "2021-01-01", "2022-01-01", "2023-01-01"]))):
        src.index = index
        same(keys.take_aligned(src, keys.positions(s, src.index)), s.map(src).rename(None))
    labels = {"b": "乙", "": "空", "客户": "客", "a": "甲"}
    same(keys.recode(s, labels.get), s.map(labels))
    same(keys.recode(s, lambda v: None if v == "b" else labels[v]), s.map({k: v for k, v in labels.items()
                                                                           if k != "b"}))
    assert keys.strictly_ascending(pd.Series(["", "A", "B", "a", "客户"], dtype="str"))
    assert not keys.strictly_ascending(pd.Series(["A", "A"], dtype="str"))  # a tie
    assert not keys.strictly_ascending(pd.Series(["A", None, "B"], dtype="str"))
    assert not keys.strictly_ascending(pd.Series(["客户", "a"], dtype="str"))
    assert keys.same_values(s, s.copy()) and not keys.same_values(s, s.iloc[::-1])
    assert keys.same_values(pd.Series(["a", None], dtype="str"), pd.Series(["a", None], dtype="str"))
    # the general paths, for columns that are not text
    n = pd.Series([3, 1, 2])
    assert keys.same_values(n, n.copy()) and not keys.same_values(n, n.astype(float) + 1)
    assert keys.strictly_ascending(pd.Series([1, 2, 5])) and not keys.strictly_ascending(n)
    assert keys.positions(n, pd.Index([2, 3])).tolist() == [1, -1, 0]
    obj = pd.Series(["a", None, "b"], dtype=object)
    same(keys.recode(obj, str.upper), obj.map({"a": "A", "b": "B"}))
    same(keys.recode(s, lambda v: None), s.map({}))  # nothing named: the map's own answer
    assert keys.decode([], np.array([-1, -1])).isna().all()
    assert rfm_mod.rfm_codes(pd.Series([1, 5]), pd.Series([2, 4]), pd.Series([3, 3])).tolist() == ["123", "543"]
    scores = pd.DataFrame({"r_score": [5, 1], "f_score": [5, 1], "m_score": [1, 1]})
    odd_rules = [{"rfm_segment": 7, "r": [4, 5]}]  # a name that is not text keeps the object path
    assert rfm_mod._segment_names(scores, odd_rules).tolist() == [7, "Other"]
    ids = pd.Series(["c", "a", "b"], dtype="str")
    assert keys.decode(["x", "y"], np.array([1, -1, 0])).tolist()[::2] == ["y", "x"]
    assert keys.decode(["x", "y"], np.array([1, -1, 0])).isna().tolist() == [False, True, False]
    assert keys.unique_by_id(pd.DataFrame({"customer_id": ids, "v": [1, 2, 3]}))["v"].tolist() == [1, 2, 3]
    # coded: decode's values as a categorical (a text twice, a None text, code -1, no code at all)
    rng = np.random.default_rng(4)
    texts = ["VIP", "重点客户", None, "VIP", "=x"]
    codes = rng.integers(-1, len(texts), 500)
    got = keys.coded(texts, codes)
    assert isinstance(got.dtype, pd.CategoricalDtype) and list(got.cat.categories) == ["VIP", "重点客户", "=x"]
    same(got.astype("str"), keys.decode(texts, codes))
    assert keys.coded(["a"], np.array([-1, -1])).isna().all() and len(keys.coded([], np.array([], int))) == 0
    recoded = keys.recode(got, lambda v: None if v == "=x" else v.lower())  # categorical in, text out
    same(recoded, keys.decode(["vip", "重点客户", None, "vip", None], codes))


# ----------------------------------------------------------------------------- prepare, rfm, clv, tiers


@pytest.mark.parametrize("by_date", [True, False])
@pytest.mark.parametrize("pattern", ["-R$", ""])
def test_prepare_and_restrict_as_reference(by_date, pattern):
    ds = awkward_dataset(seed=2, by_date=by_date)
    p = params(return_link_pattern=pattern)
    new, old = seg.prepare(ds, p), ref.prepare(ds, p)
    same_prepared(new, old)
    assert old.facts["linked_return_lines"] > 0 if pattern else old.facts["linked_return_lines"] == 0
    assert old.facts["no_purchase"] > 0 and old.facts["lines_incomplete"] == 3 and old.facts["lines_after"] > 0
    assert old.orders["order_key"].min() == -1  # lines without an order id share the code -1
    for date in ("2025-10-02", "2024-05-01", "2024-01-01"):  # a middle date, a few days in, before the data
        same_prepared(seg.restrict(new, date), ref.restrict(old, date))


@pytest.mark.parametrize("pattern", ["-R$", "R$", "-R", r"-R\d*$", "(-R)+$"])
def test_link_patterns_as_reference(pattern):
    ds = awkward_dataset(seed=3)
    o = ds["orders"]
    newline = o.assign(order_id=o["order_id"].where(o.index != 7, "SO7-R\n"))  # Python's $ matches before \n
    for orders in (o, newline):
        d = Dataset(Path("."), DatasetMeta(), {"orders": orders}, {}, [])
        p = params(return_link_pattern=pattern)
        same_prepared(seg.prepare(d, p), ref.prepare(d, p))
    assert prepare_mod._link_keys(pd.Series(["a-R\n", "b-R", None], dtype="str"), "-R$").tolist()[:2] == \
        ["a\n", "b"]


def test_prepare_without_channels_as_reference():
    ds = awkward_dataset(seed=4)
    o = ds["orders"]
    empty = o.assign(channel_id=pd.Series(None, index=o.index, dtype="str"))  # a column without a value
    for orders in (empty, o.drop(columns=["channel_id", "product_id", "region", "cost"])):
        d = Dataset(Path("."), DatasetMeta(), {"orders": orders}, {}, [])
        same_prepared(seg.prepare(d, params()), ref.prepare(d, params()))


def test_rfm_clv_and_tiers_as_reference(world):
    w = world
    same(w.rfm, ref.rfm_table(w.prep, w.p))
    assert w.rfm["monetary"].duplicated().any()  # ties in the sort keys are exercised
    assert seg.assign_segments(w.rfm, w.p.segment_rules).tolist() == ref.assign_segments(w.rfm, w.p.segment_rules) \
        .tolist()
    trans = clv_mod.transactions(w.prep)
    same(trans, ref.transactions(w.prep))
    for end in (pd.Timestamp("2025-10-02"), w.prep.analysis_date):
        summ = clv_mod.summary(trans, end)
        same(summ, ref.summary(trans, end))
        # the customer's own mean the CLV falls back to is the summary's mean_value (no second groupby)
        same(summ["mean_value"], ref._own_mean(trans, end).rename("mean_value"))
    h_new, h_old = seg.holdout_check(w.prep, w.p), ref.holdout_check(w.prep, w.p)
    assert h_old.ok
    same(h_new.by_frequency, h_old.by_frequency)
    same(h_new.scores, h_old.scores)
    clv_old = ref.clv_table(w.prep, w.rfm, w.p)
    assert clv_old.ok
    same(w.clv.table, clv_old.table)
    same(w.value, ref.value_tiers(w.rfm, clv_old, w.p))
    same(clv_mod.clv_result_table(w.clv, w.value), ref.clv_result_table(clv_old, w.value))
    same(rfm_mod.segment_summary(w.rfm, w.p, w.value), ref.segment_summary(w.rfm, w.p, w.value))
    no_model = clv_mod.ClvResult(clv_mod._empty_clv(), None, seg.Problem("", ""))
    same(seg.value_tiers(w.rfm, no_model, w.p), ref.value_tiers(w.rfm, no_model, w.p))


def test_rank_tiers_as_reference_with_ties_and_unsorted_ids():
    rng = np.random.default_rng(5)
    score = pd.Series(rng.choice([0.0, 1.0, 2.5, 2.5, 10.0], 400))
    rules = [{"tier": "VIP", "top_share": 0.05}, {"tier": "key", "top_share": 0.2}, {"tier": "rest", "top_share": 1.0}]
    for ids in (pd.Series(_customer_ids(400), dtype="str"), pd.Series(sorted(_customer_ids(400)), dtype="str")):
        assert clv_mod.rank_tiers(score, ids, rules, "tier").tolist() == ref.rank_tiers(score, ids, rules, "tier") \
            .tolist()


# ----------------------------------------------------------------------------- clusters, attributes, channels


def test_cluster_features_and_profiles_as_reference(world):
    w = world
    new, old = clusters_mod.features(w.prep, w.rfm, w.ds), ref.features(w.prep, w.rfm, w.ds)
    same(new.raw, old.raw)
    same(new.model, old.model)
    assert new.labels == old.labels and new.mix_columns == old.mix_columns
    labels = pd.Series(np.random.default_rng(0).integers(1, 4, len(new.raw)), index=new.raw.index, name="cluster")
    cl = clusters_mod.Clusters(labels, pd.DataFrame(), 3, [0.9], new)
    same(clusters_mod.profiles(cl, w.rfm, w.value), ref.profiles(cl, w.rfm, w.value))
    same(clusters_mod.profiles(cl, w.rfm, w.value.iloc[::-1]), ref.profiles(cl, w.rfm, w.value.iloc[::-1]))


@pytest.mark.parametrize("sorted_customers", [False, True])
def test_attributes_and_channel_tables_as_reference(world, sorted_customers):
    w = world
    ds = awkward_dataset(seed=1, by_date=False, sorted_customers=sorted_customers)
    attrs = seg.attributes(w.prep, w.rfm, ds)
    same(attrs, ref.attributes(w.prep, w.rfm, ds))
    bare = Dataset(Path("."), DatasetMeta(), {"orders": ds["orders"]}, {}, [])  # region and channel from the orders
    same(seg.attributes(w.prep, w.rfm, bare), ref.attributes(w.prep, w.rfm, bare))
    for by in ("region", "industry", "acquisition_channel"):
        same(profiles.profile_by(by, attrs, w.rfm, w.value, w.p), ref.profile_by(by, attrs, w.rfm, w.value, w.p))
    same(profiles.segment_channel(attrs, w.rfm, w.value), ref.segment_channel(attrs, w.rfm, w.value))
    cv = profiles.channel_value(w.prep, attrs, w.rfm, w.value, ds, w.p)
    same(cv, ref.channel_value(w.prep, attrs, w.rfm, w.value, ds, w.p))
    assert cv["cac"].notna().any()  # the CAC part ran
    shuffled = attrs.sample(frac=1.0, random_state=1)  # by merge, not by position
    same(profiles.profile_by("region", shuffled, w.rfm, w.value, w.p),
         ref.profile_by("region", shuffled, w.rfm, w.value, w.p))


# ----------------------------------------------------------------------------- strategy and views


def test_tier_migration_as_reference(world):
    w = world
    new, old = strategy.tier_migration(w.prep, w.value, w.p), ref.tier_migration(w.prep, w.value, w.p)
    same(new[0], old[0])
    assert (old[0]["previous_tier"] == "(new)").any() and (old[0]["movement"] == "down").any()
    reordered = w.value.iloc[::-1]  # not in the rfm order: looked up by id
    same(strategy.tier_migration(w.prep, reordered, w.p)[0], ref.tier_migration(w.prep, reordered, w.p)[0])
    assert clusters_mod.customer_codes(w.prep, reordered["customer_id"]) is None
    assert (clusters_mod.customer_codes(w.prep, w.rfm["customer_id"]) == np.sort(
        w.prep.lines["customer_id"].cat.categories.get_indexer(w.rfm["customer_id"]))).all()


def test_assign_plays_as_reference(world):
    w = world
    holes = w.value.assign(tier=w.value["tier"].where(w.value.index % 7 > 0))  # a missing tier matches no tier rule
    for value in (w.value, w.value.iloc[::-1], holes):
        same(seg.assign_plays(value, w.p), ref.assign_plays(value, w.p))
    plays = seg.assign_plays(holes, w.p)
    tier_plays = {p["play"] for p in w.p.playbook if "tier" in p}
    assert not plays.loc[holes["tier"].isna(), "play"].isin(tier_plays).any()
    assert plays.loc[holes["tier"].notna(), "play"].isin(tier_plays).any()


def same_export(new, old):
    """The CRM list as the reference's, its code, name and action columns categorical (values equal)."""
    coded = [c for c in new.columns if isinstance(new[c].dtype, pd.CategoricalDtype)]
    texts = {"recommended_action_en", "recommended_action_zh",
             *(f"{c}{s}" for c in strategy.LABELLED for s in ("", "_en", "_zh"))}
    assert set(coded) <= texts and {"recommended_action_en", "play_zh"} <= set(coded)
    same(new.astype({c: old[c].dtype for c in coded}), old)


@pytest.mark.parametrize("mask_pii", [False, True])
def test_crm_export_and_layouts_as_reference(world, mask_pii):
    w = world
    p = params(mask_pii=mask_pii, crm_tags=["tier", "rfm_segment", "play", "potential"])
    labels = pd.Series(np.arange(len(w.rfm)) % 4 + 1, index=pd.Index(w.rfm["customer_id"]), name="cluster")
    for clusters in (labels, labels.iloc[::-1].iloc[5:], None):  # aligned, shuffled with holes, none
        same_export(strategy.crm_export(w.plays, w.rfm, w.attrs, clusters, p),
             ref.crm_export(w.plays, w.rfm, w.attrs, clusters, p))
    odd = w.plays.copy()
    odd.loc[odd.index[:7], "value_score"] = np.nan  # a sort key with holes: the general sort
    odd.loc[odd.index[3], "play"] = "not_in_playbook"
    same_export(strategy.crm_export(odd, w.rfm, w.attrs, labels, p), ref.crm_export(odd, w.rfm, w.attrs, labels, p))
    odd = odd.assign(tier=odd["tier"].astype(object))  # a code column that is not text: taken as it is
    same_export(strategy.crm_export(odd, w.rfm, w.attrs, labels, p), ref.crm_export(odd, w.rfm, w.attrs, labels, p))
    nameless = w.attrs.assign(name=pd.Series(None, index=w.attrs.index, dtype="str"))
    same_export(strategy.crm_export(w.plays, w.rfm, nameless, labels, p), ref.crm_export(w.plays, w.rfm, nameless, labels, p))
    same_export(strategy.crm_export(w.plays.iloc[::-1], w.rfm, w.attrs, labels, p),
         ref.crm_export(w.plays.iloc[::-1], w.rfm, w.attrs, labels, p))
    export = strategy.crm_export(w.plays, w.rfm, w.attrs, labels, p)
    for source in ("zoho", "fxiaoke"):
        ds = awkward_dataset(seed=1, by_date=False, source=source)
        for part in (export, export.iloc[:300]):  # the tags per combination of codes, and row by row
            new, old = strategy.layouts_of(part, ds, p)[source], ref.layouts_of(part, ds, p)[source]
            assert old.ok and old.table["Tag" if source == "zoho" else "标签"].str.len().gt(0).all()
            same(new.table, old.table)
            assert (new.reason, new.left_out, new.unknown_levels, new.unmapped_tiers, new.id_field) == \
                (old.reason, old.left_out, old.unknown_levels, old.unmapped_tiers, old.id_field)


def _html(view) -> str:
    return re.sub(r"T_[0-9a-f]{5}", "T_x", view._repr_html_())  # pandas Styler ids are random


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_views_show_what_they_showed(world, lang):
    w = world
    p = params(lang=lang)
    rpt = wb.Report(p, labels=seg.report_labels(p, w.prep), currency="CNY")
    assert _html(views.show_rfm(rpt, w.rfm, p)) == _html(ref.show_rfm(rpt, w.rfm, p))
    assert _html(views.show_clv(rpt, w.clv, w.value, p)) == _html(ref.show_clv(rpt, w.clv, w.value, p))
    reversed_value = w.value.iloc[::-1]  # the CLV table and the tiers in other orders: the merge path
    assert _html(views.show_clv(rpt, w.clv, reversed_value, p)) == _html(ref.show_clv(rpt, w.clv, reversed_value, p))
    table = w.value.assign(flag=w.value["tier"].eq("VIP"), group=np.where(np.arange(len(w.value)) % 3, "x",
                                                                           "(unknown)"))
    for max_rows in (3, 10, len(table) + 5):
        assert _html(views.show_table(rpt, table, shown=table.iloc[::-1], max_rows=max_rows,
                                      formats={"group": "text"})) == \
            _html(ref.show_table(rpt, table, shown=table.iloc[::-1], max_rows=max_rows, formats={"group": "text"}))
    ties = w.rfm.assign(monetary=np.round(w.rfm["monetary"], -3))  # many ties: order by customer id
    holes = ties.assign(monetary=ties["monetary"].where(ties.index % 5 > 0))
    for df in (ties, holes, ties.iloc[::-1]):
        assert views._sorted(df, "monetary").index.tolist() == \
            df.sort_values(["monetary", "customer_id"], ascending=[False, True]).index.tolist()
