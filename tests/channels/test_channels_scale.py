"""The integer-code rewrites for ten million order lines equal plain pandas on text keys (issue 14).

Each rewritten aggregation is checked against a straightforward reference (``groupby``,
``drop_duplicates``, ``merge`` and ``map`` on the text columns, as the code did before) on a
generated dataset with awkward values: missing and empty ids, Chinese names, ids not in the
lookup tables, repeated ids, undated lines, lines after the analysis date, ties.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import measures
from workbench import segmentation as seg
from workbench.channels import ChannelParams, channel_matrix, customer_value, inventory_cover, lines
from workbench.channels import verdict as vd
from workbench.channels.economics import _costs, _order_base
from workbench.channels.prepare import UNKNOWN
from workbench.channels.value import VALUE_COLUMNS, channel_value_columns
from workbench.data import load_dataset
from workbench.data.loader import Dataset, DatasetMeta
from workbench.paths import SAMPLE_DIR
from workbench.segmentation.profiles import channel_value

AS_OF = pd.Timestamp("2026-06-20")
CHANNELS = np.array(["CH01", "经销商", "", "天猫 旗舰店", None, "CH01 ", "未登记"], dtype=object)


def _pick(rng, values, n, p=None):
    return rng.choice(np.array(values, dtype=object), n, p=p)


def _awkward(seed: int = 0, n: int = 4000) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", "2026-08-31", freq="D")
    dates = pd.Series(days[rng.integers(0, len(days), n)])
    dates[rng.random(n) < 0.02] = pd.NaT
    order_pool = [f"O{i}" for i in range(1200)] + ["订单-1", ""]
    orders = pd.DataFrame({
        "order_id": pd.Series(_pick(rng, order_pool + [None], n), dtype="str"),  # ids repeat across channels
        "order_date": dates,
        "customer_id": pd.Series(_pick(rng, [f"C{i}" for i in range(300)] + ["客户甲", None, "C-外"], n), dtype="str"),
        "amount": rng.choice([-50.0, 0.0, 10.0, 10.0, 99.99, 1e6 / 3, 250.5, np.nan], n),  # ties and returns
        "channel_id": pd.Series(_pick(rng, CHANNELS, n, [0.3, 0.2, 0.05, 0.2, 0.1, 0.05, 0.1]), dtype="str"),
        "product_id": pd.Series(_pick(rng, ["P1", "P2", "产品3", "P9", None, ""], n), dtype="str"),
        "quantity": rng.choice([1.0, 2.0, 0.0, -1.0, np.nan, 5.5], n),
        "cost": np.where(rng.random(n) < 0.3, np.nan, rng.choice([5.0, 7.5, 120.0], n)),
        "region": pd.Series(_pick(rng, ["华东", "华南", None, "", "西北"], n), dtype="str"),
    })
    customers = pd.DataFrame({
        "customer_id": pd.Series([f"C{i}" for i in range(250)] + ["C1", "客户甲", None], dtype="str"),
        "industry": pd.Series(_pick(rng, ["酒店", "零售", None, "", "制造"], 253), dtype="str"),
        "region": pd.Series(_pick(rng, ["华东", "华南", None, "东北"], 253), dtype="str"),
        "created_date": pd.Series(days[rng.integers(0, len(days) - 90, 253)]),
        "acquisition_channel_id": pd.Series(_pick(rng, ["CH01", "经销商", "天猫 旗舰店", None], 253), dtype="str"),
    })
    products = pd.DataFrame({"product_id": pd.Series(["P1", "P2", "产品3", "P1", None], dtype="str"),
                             "category": pd.Series(["门锁", None, "照明", "灯", "x"], dtype="str"),
                             "unit_cost": [3.0, np.nan, 40.0, 1.0, 2.0]})
    inventory = pd.DataFrame({
        "date": pd.to_datetime(["2026-05-31", "2026-06-10", "2026-06-10", "2026-06-10", "2026-06-15", "2026-06-15",
                                "2026-06-15", "2026-06-01", "2026-06-19"]),
        "channel_id": pd.Series(["CH01", "CH01", "CH01", "CH01", "经销商", "经销商", "天猫 旗舰店", "无订单", ""],
                                dtype="str"),
        "product_id": pd.Series(["P1", "P1", "P2", "产品3", "P1", None, "P9", "P1", "P2"], dtype="str"),
        "on_hand": [99.0, 20.0, 0.0, 5.0, 30.0, 3.0, 18.0, 7.0, 1.0]})
    leads = pd.DataFrame({"channel_id": pd.Series(_pick(rng, CHANNELS, 900), dtype="str"),
                          "created_date": pd.Series(days[rng.integers(0, len(days), 900)])})
    leads.loc[rng.random(900) < 0.05, "created_date"] = pd.NaT
    return {"orders": orders, "customers": customers, "products": products, "inventory": inventory,
            "leads": leads}


@pytest.fixture(scope="module", params=[0, 1])
def awk(request):
    return _awkward(request.param)


# ----------------------------------------------------------------------------- economics


def _order_base_reference(tables, orders, as_of):
    o = orders.loc[orders["order_date"].notna() & (orders["order_date"] <= as_of + pd.Timedelta(days=1))]
    cost, _ = _costs(tables, o)
    amount = o["amount"]
    pos = amount > 0
    f = pd.DataFrame({"channel_id": o["channel_id"].fillna(UNKNOWN), "month": o["order_date"].dt.strftime("%Y-%m"),
                      "revenue": amount, "sales": amount.where(pos, 0.0),
                      "gross_margin": (amount - cost).where(cost.notna()), "amount_costed": amount.where(cost.notna())})
    base = f.groupby(["channel_id", "month"]).sum(min_count=1)
    firsts = f.assign(order_id=o["order_id"]).loc[pos].drop_duplicates(["channel_id", "order_id"])
    base["orders"] = firsts.groupby(["channel_id", "month"]).size()
    return base.reset_index()


@pytest.mark.parametrize("as_of", [AS_OF, pd.Timestamp("2030-01-01")])  # some lines later, and none
def test_order_base_is_groupby_of_text_keys(awk, as_of):
    got, _, notes = _order_base(awk, awk["orders"], as_of, {"CH01": "直销"})
    want = _order_base_reference(awk, awk["orders"], as_of)
    got = got.sort_values(["channel_id", "month"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_dtype=False)
    assert got["revenue"].sum() == pytest.approx(awk["orders"].loc[
        awk["orders"]["order_date"] <= as_of + pd.Timedelta(days=1), "amount"].sum())
    assert any("not in the channels table" in n.en for n in notes)


# ----------------------------------------------------------------------------- matrices


def _first(df, key):
    return df.loc[df[key].notna()].drop_duplicates(key).set_index(key)


def _matrix_reference(t, dimension, p, as_of, top=16):
    o = t["orders"]
    start = (as_of.to_period("M") - (p.trend_months - 1)).start_time
    o = o.loc[(o["order_date"] >= start) & (o["order_date"] <= as_of + pd.Timedelta(days=1))]
    if dimension == "product":
        key = o["product_id"].map(_first(t["products"], "product_id")["category"]).astype(object)
    elif dimension == "segment":
        key = o["customer_id"].map(_first(t["customers"], "customer_id")[p.segment_column]).astype(object)
    else:
        key = o["region"].astype(object)
        gap = key.isna()
        key[gap] = o.loc[gap, "customer_id"].map(_first(t["customers"], "customer_id")["region"]).astype(object)
    key = key.map(lambda v: "(none)" if pd.isna(v) else str(v))
    revenue = o["amount"].groupby(key).sum().sort_values(ascending=False)
    label = key.where(key.isin(revenue.index[:top]), "(other)")
    d = pd.DataFrame({"channel_id": o["channel_id"].fillna(UNKNOWN), "key": label, "amount": o["amount"],
                      "order": o["order_id"].fillna("\x00 no id")})  # a missing id counts as one order
    g = d.groupby(["channel_id", "key"])
    long = pd.DataFrame({"revenue": g["amount"].sum(), "orders": g["order"].nunique()}).reset_index()
    return long, d.groupby("channel_id")["order"].nunique()


@pytest.mark.parametrize("dimension", ["product", "segment", "region"])
def test_matrix_is_groupby_of_text_keys(awk, dimension):
    p = ChannelParams()
    m = channel_matrix(awk, dimension, p, AS_OF)
    want, per_channel = _matrix_reference(awk, dimension, p, AS_OF)
    pd.testing.assert_frame_equal(m.long[["channel_id", "key", "revenue", "orders"]], want, check_exact=True,
                                  check_dtype=False)
    assert m.wide.set_index("channel_id")["orders"].sort_index().to_dict() == per_channel.sort_index().to_dict()
    shares = m.long.groupby("channel_id")["share"].sum()
    assert np.allclose(shares.dropna(), 1.0)


def test_matrix_of_a_number_segment_column(awk):
    """A segment column that is not text is mapped value by value (its dtype inferred), as before."""
    rng = np.random.default_rng(9)
    cust = awk["customers"].assign(size=rng.choice([1.0, 2.0, 10.0, np.nan], len(awk["customers"])))
    t = {**awk, "customers": cust}
    p = ChannelParams(segment_column="size")
    m = channel_matrix(t, "segment", p, AS_OF)
    want, _ = _matrix_reference(t, "segment", p, AS_OF)
    pd.testing.assert_frame_equal(m.long[["channel_id", "key", "revenue", "orders"]], want, check_exact=True,
                                  check_dtype=False)
    assert {"1.0", "10.0", "(none)"} <= set(m.long["key"])


def test_matrix_pools_beyond_the_top_values():
    rng = np.random.default_rng(5)
    n = 3000
    products = [f"产品{i:02d}" for i in range(25)]
    weights = np.arange(1, 26) / np.arange(1, 26).sum()  # distinct revenues: no tie at the 16th place
    t = {"orders": pd.DataFrame({
        "order_id": pd.Series([f"O{i // 2}" for i in range(n)], dtype="str"),
        "order_date": pd.Timestamp("2026-03-01"), "amount": 10.0,
        "channel_id": pd.Series(_pick(rng, ["A", "B", None], n), dtype="str"),
        "product_id": pd.Series(_pick(rng, products, n, weights), dtype="str")})}
    p = ChannelParams()
    m = channel_matrix(t, "product", p, AS_OF)
    assert m.column == "product_id" and "(other)" in set(m.long["key"])
    want, _ = _matrix_reference({**t, "products": pd.DataFrame({"product_id": products, "category": products})},
                                "product", p, AS_OF)
    pd.testing.assert_frame_equal(m.long[["channel_id", "key", "revenue", "orders"]], want, check_exact=True,
                                  check_dtype=False)


def test_matrices_without_keys_say_so():
    t = _awkward(2)
    p = ChannelParams()
    no_products = {**t, "orders": t["orders"].assign(product_id=pd.Series(None, index=t["orders"].index, dtype="str"))}
    assert not channel_matrix(no_products, "product", p, AS_OF).available
    no_region = {"orders": t["orders"].drop(columns="region")}
    assert not channel_matrix(no_region, "region", p, AS_OF).available
    only_customers = {**t, "orders": t["orders"].drop(columns="region")}
    assert channel_matrix(only_customers, "region", p, AS_OF).available  # every line takes its customer's region


# ----------------------------------------------------------------------------- inventory


def _units_reference(t, p, as_of):
    inv = t["inventory"]
    inv = inv.loc[inv["date"].notna() & (inv["date"] <= as_of + pd.Timedelta(days=1))]
    last = inv.groupby("channel_id")["date"].transform("max")
    snap = inv.loc[inv["date"] == last].groupby(["channel_id", "product_id"], as_index=False).agg(
        snapshot=("date", "max"), on_hand=("on_hand", "sum"))
    o = t["orders"].loc[t["orders"]["quantity"] > 0, ["channel_id", "product_id", "order_date", "quantity"]]
    o = o.merge(snap[["channel_id", "snapshot"]].drop_duplicates(), on="channel_id")
    o = o.loc[(o["order_date"] > o["snapshot"] - pd.Timedelta(days=p.cover_window_days))
              & (o["order_date"] <= o["snapshot"])]
    sold = o.groupby(["channel_id", "product_id"])["quantity"].sum().rename("units_sold")
    return snap.merge(sold.reset_index(), on=["channel_id", "product_id"], how="left")["units_sold"].fillna(0.0)


@pytest.mark.parametrize("window", [30, 90, 400])
def test_units_sold_is_merge_and_groupby(awk, window):
    p = ChannelParams(cover_window_days=window)
    inv = inventory_cover(awk, p, AS_OF)
    want = _units_reference(awk, p, AS_OF)
    got = inv.by_sku.set_index(["channel_id", "product_id"])["units_sold"]
    ref = pd.Series(want.to_numpy(), index=pd.MultiIndex.from_frame(
        _units_keys(awk, AS_OF)), name="units_sold")
    assert got.sort_index().to_dict() == ref.sort_index().to_dict()
    assert got.loc[("无订单", "P1")] == 0.0  # a channel with stock and no orders


def _units_keys(t, as_of):
    inv = t["inventory"]
    inv = inv.loc[inv["date"].notna() & (inv["date"] <= as_of + pd.Timedelta(days=1))]
    last = inv.groupby("channel_id")["date"].transform("max")
    return inv.loc[inv["date"] == last].groupby(["channel_id", "product_id"], as_index=False).size()[
        ["channel_id", "product_id"]]


# ----------------------------------------------------------------------------- response data


def test_order_and_lead_months_are_groupby_of_text_keys(awk):
    o = awk["orders"]
    k = o.loc[o["order_date"].notna() & o["channel_id"].notna()]
    k = k.assign(month=k["order_date"].dt.to_period("M"))
    counts = k.loc[k["amount"] > 0].drop_duplicates(["channel_id", "order_id"]).groupby(["channel_id", "month"]).size()
    revenue = k.groupby(["channel_id", "month"])["amount"].sum()
    got_counts, got_revenue = lines.order_months(o, revenue=True)
    pd.testing.assert_series_equal(got_counts, counts, check_exact=True, check_index_type=False)
    pd.testing.assert_series_equal(got_revenue, revenue, check_exact=True, check_index_type=False)
    assert lines.order_months(o)[1].empty  # revenue only when asked for
    for cid in set(counts.index.get_level_values(0)):
        pd.testing.assert_series_equal(got_counts.xs(cid, level=0), counts.xs(cid, level=0))
    leads = awk["leads"]
    want = leads.assign(month=leads["created_date"].dt.to_period("M")).groupby(["channel_id", "month"]).size()
    pd.testing.assert_series_equal(lines.lead_months(leads), want, check_exact=True, check_index_type=False)


def test_order_unit_values_are_per_channel_filters(awk):
    o = awk["orders"]
    rows = ((o["order_date"] >= pd.Timestamp("2025-06-01")) & (o["order_date"] <= AS_OF)).to_numpy()
    chans = ["CH01", "经销商", "", "天猫 旗舰店", "没有"]
    value, margin = lines.order_unit_values(o, rows, chans)
    w = o.loc[rows]
    m = w.loc[w["cost"].notna()].groupby("channel_id")[["amount", "cost"]].sum()
    assert margin == ((m["amount"] - m["cost"]) / m["amount"].where(m["amount"] != 0)).to_dict()
    want = {}
    for cid in chans:
        g = w.loc[w["channel_id"] == cid]
        n = g.loc[g["amount"] > 0, "order_id"].nunique()
        if n:
            want[cid] = float(g["amount"].sum() / n)
    assert value == want and "没有" not in value


# ----------------------------------------------------------------------------- verdict draws


@pytest.mark.parametrize("n", [1, 7, 1000, 40_001])
def test_resampled_sums_equal_the_one_shot_draw(n, monkeypatch):
    won = np.where(np.random.default_rng(n).random(n) < 0.3, 1234.5, 0.0)
    want = won[np.random.default_rng(7).integers(0, n, size=(400, n))].sum(axis=1)
    for block in (1, 13, 1 << 16, vd.RESAMPLE_BLOCK):
        monkeypatch.setattr(vd, "RESAMPLE_BLOCK", block)
        assert np.array_equal(vd.resampled_sums(won, 400, np.random.default_rng(7)), want)


def test_logrank_on_channel_codes_is_survdiff_on_channel_ids():
    """time_to_close hands survdiff integer channels numbered in id order: the same statistic as the ids."""
    from types import SimpleNamespace

    from statsmodels.duration.survfunc import survdiff

    from workbench.channels.funnel import time_to_close

    rng = np.random.default_rng(11)
    n = 3000
    leads = pd.DataFrame({"channel_id": pd.Series(_pick(rng, ["经销商", "CH01", "天猫 旗舰店", "a", "CH01 "], n),
                                                  dtype="str"),
                          "known_source": True, "duration_days": rng.integers(0, 200, n).astype(float),
                          "event": rng.random(n) < 0.7})
    leads.loc[:40, "duration_days"] = np.nan
    got = time_to_close(SimpleNamespace(leads=leads), ChannelParams()).logrank
    ok = leads["duration_days"].notna()
    chi2, p = survdiff(leads.loc[ok, "duration_days"].to_numpy(float), leads.loc[ok, "event"].to_numpy(float),
                       leads.loc[ok, "channel_id"].to_numpy(dtype=object))
    assert got["chi2"] == chi2 and got["p_value"] == p and got["df"] == 4


# ----------------------------------------------------------------------------- value of new customers


def _dataset(tables) -> Dataset:
    return Dataset(root=Path("."), meta=DatasetMeta(), tables=tables, files={}, issues=[])


def _segmentation_value(ds, as_of):
    p = seg.SegmentationParams(as_of=as_of.strftime("%Y-%m-%d"))
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    clv = seg.clv_table(prep, rfm, p)
    ref = channel_value(prep, seg.attributes(prep, rfm, ds), rfm, seg.value_tiers(rfm, clv, p), ds, p)
    return ref.sort_values("acquisition_channel_id").reset_index(drop=True)[VALUE_COLUMNS], (prep, rfm, clv)


def test_customer_value_is_the_segmentations_on_the_sample():
    ds = load_dataset(SAMPLE_DIR)
    as_of = pd.Timestamp("2026-10-31")
    want, _ = _segmentation_value(ds, as_of)
    got = customer_value(ds, as_of)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["value_per_new_customer"].notna().sum() >= 8 and (got["clv_cac"].dropna() < 1).all()


@pytest.mark.parametrize("drop", [None, "acquisition_channel_id", "created_date"])
def test_customer_value_is_the_segmentations_on_awkward_data(awk, drop):
    t = {k: v for k, v in awk.items() if k != "leads"}
    t["orders"] = t["orders"].assign(order_id=t["orders"]["order_id"].fillna("O-none"))
    spend_months = pd.period_range("2025-01", "2026-05", freq="M").astype(str)
    t["spend"] = pd.DataFrame({"period": np.repeat(spend_months, 2), "channel_id": ["CH01", "经销商"] * len(spend_months),
                               "amount": 1000.0})
    if drop:
        t["customers"] = t["customers"].drop(columns=drop)
    ds = _dataset(t)
    want, (prep, rfm, clv) = _segmentation_value(ds, AS_OF)
    got = channel_value_columns(ds, prep, rfm, clv)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs["value_basis"] in ("margin", "revenue")
    no_spend = _dataset({k: v for k, v in t.items() if k != "spend"})
    assert channel_value_columns(no_spend, prep, rfm, clv)["cac"].isna().all()


def test_acquisitions_read_only_three_customer_columns(awk):
    """Economics and the value of new customers hand acquisitions a slim customers frame: the same result."""
    slim = awk["customers"][["customer_id", "created_date", "acquisition_channel_id"]]
    pd.testing.assert_frame_equal(measures.acquisitions(slim, None), measures.acquisitions(awk["customers"], None))


# ----------------------------------------------------------------------------- lead regions


@pytest.mark.parametrize("rep_regions", [["华东", "华南"], ["华东", None], [None, None]])
def test_lead_region_from_rep_else_customer(rep_regions):
    """A lead's region is its rep's, else its customer's (looked up only when some rep has none)."""
    from workbench.channels import prepare_leads

    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L4"], "created_date": pd.Timestamp("2026-01-05"),
                          "channel_id": ["CH01", "CH01", "经销商", "经销商"], "status": "open",
                          "rep_id": ["R1", "R2", "R2", None], "customer_id": ["C1", "C2", None, "客户甲"]})
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "region": pd.Series(rep_regions, dtype="str")})
    cust = pd.DataFrame({"customer_id": ["C1", "C2", "客户甲", "C1"], "region": ["东北", "西北", "华中", "x"]})
    ld = prepare_leads({"leads": leads, "reps": reps, "customers": cust}, ChannelParams(), as_of="2026-06-30")
    by_rep = dict(zip(["R1", "R2"], rep_regions, strict=True))
    by_cust = {"C1": "东北", "C2": "西北", "客户甲": "华中"}
    want = [by_rep.get(r) or by_cust.get(c) for r, c in zip(leads["rep_id"], leads["customer_id"], strict=True)]
    assert [None if pd.isna(v) else v for v in ld.leads["region"]] == want


# ----------------------------------------------------------------------------- acquisitions counted once


def test_acquisitions_are_remembered_only_for_the_same_customers(awk):
    from workbench.channels import memo

    cust = awk["customers"]
    first = memo.acquisitions(cust, None)
    pd.testing.assert_frame_equal(first, measures.acquisitions(cust, None))
    again = memo.acquisitions(cust, awk["orders"])
    pd.testing.assert_frame_equal(again, first)
    assert again is not first and again.attrs["source"] == "customers"
    assert memo._LAST["result"] is not again  # callers get copies
    again.loc[0, "channel_id"] = "改"  # copy-on-write: the remembered frame is untouched
    pd.testing.assert_frame_equal(memo.acquisitions(cust, None), measures.acquisitions(cust, None))
    changed = cust.copy()
    memo.acquisitions(changed, None)
    changed.loc[changed.index[5], "created_date"] = pd.Timestamp("2025-07-01")  # a date changed in place
    changed.loc[changed.index[6], "created_date"] = pd.NaT
    pd.testing.assert_frame_equal(memo.acquisitions(changed, None), measures.acquisitions(changed, None))
    assert not memo.acquisitions(changed, None).equals(first)
    other = cust.assign(acquisition_channel_id=cust["acquisition_channel_id"].fillna("CH01"))  # a new column
    pd.testing.assert_frame_equal(memo.acquisitions(other, None), measures.acquisitions(other, None))
    assert memo.acquisitions(other, None).loc[lambda d: d["channel_id"] == "CH01"].shape[0] \
        > first.loc[lambda d: d["channel_id"] == "CH01"].shape[0]
    # the first-order fallback depends on the orders: never remembered
    no_channel = cust.drop(columns="acquisition_channel_id")
    got = memo.acquisitions(no_channel, awk["orders"])
    assert got.attrs["source"] == "first_order"
    pd.testing.assert_frame_equal(got, measures.acquisitions(no_channel, awk["orders"]))
    assert memo.acquisitions(None, None).attrs["source"] == "none"
