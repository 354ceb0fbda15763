"""Tests of workbench.sample: the bundled sample company and its truth.json.

Every check reads the written files with plain pandas (not the workbench loader)
and recomputes the planted effects and imperfection counts independently, then
compares them with truth.json. Effects are checked at scale 2 (about 80,000 order
lines, two seconds to build) because at smaller scales one team's leads are too
few to pin a 12-point win-rate change down to a few points whatever the seed;
determinism and scaling use scale 0.2.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from workbench.data.schema import TABLES
from workbench.sample import build_sample, generate_sample

LAST12 = [str(p) for p in pd.period_range("2025-11", "2026-10", freq="M")]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample_s2")
    truth = generate_sample(out, seed=7, scale=2.0)
    return out, truth


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, Path]:
    """Scale 0.2 runs: seed 7 twice, seed 8 once, and scale 0.4 for the scaling check."""
    runs = {"a": (7, 0.2), "b": (7, 0.2), "other_seed": (8, 0.2), "double": (7, 0.4)}
    out = {}
    for name, (seed, scale) in runs.items():
        d = tmp_path_factory.mktemp(f"sample_{name}")
        generate_sample(d, seed=seed, scale=scale)
        out[name] = d
    return out


def read(folder: Path, table: str, **kw) -> pd.DataFrame:
    if table == "products":
        return pd.read_excel(folder / "products.xlsx", header=1, engine="openpyxl", **kw)
    enc = "gb18030" if table == "customers" else "utf-8"
    return pd.read_csv(folder / f"{table}.csv", encoding=enc, **kw)


def read_text(folder: Path, table: str) -> pd.DataFrame:
    """All columns as text, blanks as empty strings (for exact blank counts)."""
    return read(folder, table, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- #
# Determinism, layout and formats
# --------------------------------------------------------------------------- #
def test_same_seed_gives_identical_bytes(small):
    a, b = small["a"], small["b"]
    names = sorted(p.name for p in a.glob("*.csv")) + ["dataset.yaml", "truth.json"]
    assert len(names) == 18  # 16 CSV tables + yaml + truth (products is xlsx)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_different_seed_gives_different_data(small):
    a, c = small["a"], small["other_seed"]
    for name in ["orders.csv", "leads.csv", "customers.csv", "feedback.csv", "spend.csv"]:
        assert (a / name).read_bytes() != (c / name).read_bytes(), name


def test_every_table_present_with_canonical_columns(sample):
    folder, truth = sample
    for table, spec in TABLES.items():
        df = read(folder, table)
        assert list(df.columns) == spec.column_names, table
        assert len(df) > 0, table
        assert truth["row_counts"][table] == len(df), table
    meta = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    assert meta == {"name": meta["name"], "currency": "CNY", "company_name": "星辰智能",
                    "fiscal_year_start": 1, "duplicate_lines": "drop"}
    assert "星辰" in meta["name"]
    ms = read(folder, "market_share")
    assert meta["company_name"] in set(ms["competitor"])
    assert ms["competitor"].nunique() == 5
    assert set(ms["period"]) == {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1",
                                 "2026-Q2", "2026-Q3"}


def test_file_encodings_and_formats(sample):
    folder, _ = sample
    raw = (folder / "customers.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gb18030").startswith("customer_id,name,")
    for path in folder.glob("*.csv"):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), path.name
        assert b"\r" not in data, path.name
    first = pd.read_excel(folder / "products.xlsx", header=None, nrows=2, engine="openpyxl")
    assert str(first.iloc[0, 0]).startswith("产品主数据")
    assert list(first.iloc[1]) == TABLES["products"].column_names
    json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def test_master_data_shape(sample):
    folder, _ = sample
    ch = read(folder, "channels")
    assert {"direct", "distributor", "ecommerce", "retail", "partner", "telesales"} <= set(ch["type"])
    assert {"直销", "经销商", "天猫旗舰店", "京东自营", "线下门店", "合作伙伴", "电话销售"} <= set(ch["name"])
    products = read(folder, "products")
    assert 25 <= len(products) <= 35
    assert (products["unit_cost"] < products["list_price"]).all()
    reps = read(folder, "reps")
    assert 55 <= len(reps) <= 65 and reps["rep_id"].is_unique
    assert {"华东一组", "华东二组"} <= set(reps["team"])
    assert set(reps["region"]) == {"华东", "华南", "华北", "华中", "西南", "西北", "东北"}
    stages = read(folder, "stages").sort_values("order")
    assert list(stages["stage"]) == ["初步接洽", "需求确认", "方案报价", "商务谈判", "赢单"]


def test_dates_money_and_window(sample):
    folder, _ = sample
    o = read_text(folder, "orders")
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    assert o["order_date"].map(lambda s: bool(iso.match(s))).all()
    assert o["order_date"].min() == "2024-11-01" and o["order_date"].max() <= "2026-10-31"
    assert o["amount"].map(lambda s: len(s.split(".")[-1]) <= 2 if "." in s else True).all()
    orders = read(folder, "orders")
    returns = orders["order_id"].str.endswith("-R")
    assert (orders.loc[returns, "amount"] < 0).all() and (orders.loc[~returns, "amount"] > 0).all()
    assert 0.015 < returns.mean() < 0.025
    # every return line refers to an earlier purchase line of the same order and product
    buys = orders.loc[~returns, ["order_id", "product_id", "order_date"]]
    rets = orders.loc[returns, ["order_id", "product_id", "order_date"]].assign(
        order_id=lambda d: d["order_id"].str[:-2])
    m = rets.merge(buys, on=["order_id", "product_id"], suffixes=("_ret", "_buy"))
    assert len(m) >= returns.sum()
    assert (m["order_date_ret"] > m["order_date_buy"]).all()
    targets = read_text(folder, "targets")
    assert (targets.loc[targets["level"] == "company", "key"] == "").all()
    assert {"revenue", "orders", "new_customers", "conversion_rate"} <= set(targets["kpi"])
    assert set(targets["level"]) == {"company", "channel", "region", "team", "rep"}


def test_leads_and_stage_history_consistent(sample):
    folder, _ = sample
    leads = read_text(folder, "leads")
    sh = read_text(folder, "stage_history")
    order = dict(zip(read(folder, "stages")["stage"], read(folder, "stages")["order"], strict=True))
    n_rows = sh.groupby("lead_id").size()
    assert (n_rows.reindex(leads["lead_id"]).to_numpy() == leads["stage"].map(order).to_numpy()).all()
    sh = sh.assign(o=sh["stage"].map(order)).sort_values(["lead_id", "o"])
    assert (sh.groupby("lead_id")["o"].diff().dropna() == 1).all()
    dates = pd.to_datetime(sh["entered_date"])
    assert (dates.groupby(sh["lead_id"]).diff().dropna() > pd.Timedelta(0)).all()
    assert ((leads["closed_date"] == "") == (leads["status"] == "open")).all()
    assert (leads.loc[leads["status"] == "won", "stage"] == "赢单").all()
    assert (leads.loc[leads["status"] != "won", "stage"] != "赢单").all()
    lost = leads["status"] == "lost"
    assert (leads.loc[lost, "lost_reason"] != "").all()
    assert (leads.loc[~lost, "lost_reason"] == "").all()
    assert (leads.loc[leads["status"] == "won", "customer_id"] != "").all()


# --------------------------------------------------------------------------- #
# Imperfections: counted independently from the files
# --------------------------------------------------------------------------- #
def test_imperfection_counts_match_truth(sample):
    folder, truth = sample
    imp = truth["imperfections"]
    orders = read_text(folder, "orders")
    customers = read_text(folder, "customers")
    channels = read_text(folder, "channels")
    feedback = read_text(folder, "feedback")
    inventory = read_text(folder, "inventory")
    n_o, n_c = len(orders), len(customers)

    assert (customers["industry"] == "").sum() == imp["missing"]["customers.industry"]
    assert (customers["city"] == "").sum() == imp["missing"]["customers.city"]
    assert (orders["region"] == "").sum() == imp["missing"]["orders.region"]
    assert 0.07 < imp["missing"]["customers.industry"] / n_c < 0.09
    assert 0.04 < imp["missing"]["customers.city"] / n_c < 0.06
    assert 0.02 < imp["missing"]["orders.region"] / n_o < 0.04

    n_dup = int(orders.duplicated().sum())
    assert n_dup == imp["duplicates"]["orders.exact_duplicate_lines"]
    assert 0.002 < n_dup / n_o < 0.004
    names = customers["name"].value_counts()
    assert (names > 1).sum() == imp["duplicates"]["customers.entered_twice"] == 30
    assert names.max() == 2
    by_id = customers.set_index("customer_id")["name"]
    for a, b in imp["duplicates"]["customers.duplicate_pairs"]:
        assert by_id[a] == by_id[b]

    orphan = ~orders["customer_id"].isin(customers["customer_id"])
    assert orphan.sum() == imp["orphans"]["orders.customer_id"]
    assert 0.0015 < orphan.mean() < 0.005
    bad_channel = ~orders["channel_id"].isin(channels["channel_id"])
    assert set(orders.loc[bad_channel, "channel_id"]) == {"CH99"}
    assert bad_channel.sum() == imp["orphans"]["orders.channel_id"] >= 2
    # the same counts hold after dropping the exact duplicates (duplicates are clean lines)
    dedup = orders.drop_duplicates()
    assert (~dedup["customer_id"].isin(customers["customer_id"])).sum() == orphan.sum()
    assert (dedup["region"] == "").sum() == imp["missing"]["orders.region"]

    assert inventory["date"].max() == imp["stale"]["inventory"]["last_date"] == "2026-06-30"
    assert orders["order_date"].max() == "2026-10-31"
    assert read_text(folder, "leads")["created_date"].max() == "2026-10-31"

    csat = feedback["csat"].astype(int)
    assert (csat > 5).sum() == imp["out_of_range"]["feedback.csat"] == 10
    assert csat.min() >= 1
    nps = feedback["nps"].astype(int)
    assert nps.between(0, 10).all()
    empty = (feedback["comment"] == "").sum()
    assert empty == imp["empty_text"]["feedback.comment"]
    assert 0.08 < empty / len(feedback) < 0.12


# --------------------------------------------------------------------------- #
# Planted effects, recovered by simple computations on the files
# --------------------------------------------------------------------------- #
def test_weak_channel_distributor(sample):
    folder, truth = sample
    t = truth["weak_channel"]
    leads = read_text(folder, "leads")
    counts = leads["channel_id"].value_counts()
    assert counts.index[0] == t["channel_id"] == "CH02"
    sh = read_text(folder, "stage_history")
    reached = set(sh.loc[sh["stage"] == t["from_stage"], "lead_id"])
    closed = leads.loc[leads["lead_id"].isin(reached) & (leads["status"] != "open")]
    rate = (closed["status"] == "won").groupby(closed["channel_id"]).mean()
    assert (t["rate"], t["other_rate"]) == (0.15, 0.45)
    assert abs(rate["CH02"] - t["rate"]) < 0.04
    for ch, r in rate.drop("CH02").items():
        assert abs(r - t["other_rate"]) < 0.07, ch
    assert rate.idxmin() == "CH02"
    assert rate["CH02"] == pytest.approx(t["observed_rate"], abs=1e-6)


def test_missed_target_region(sample):
    folder, truth = sample
    t = truth["missed_target_region"]
    orders = read(folder, "orders", dtype={"region": str}).drop_duplicates()
    orders = orders.loc[orders["order_date"].str[:7].isin(LAST12)]
    actual = orders.groupby("region")["amount"].sum()
    targets = read(folder, "targets", keep_default_na=False)
    rt = targets.loc[(targets["kpi"] == "revenue") & (targets["level"] == "region")
                     & targets["period"].isin(LAST12)].groupby("key")["target"].sum()
    att = actual.reindex(rt.index) / rt
    assert att.idxmin() == t["region"] == "西南"
    assert 0.72 < att["西南"] < 0.82
    assert abs(att["西南"] - t["attainment"]) < 0.05
    assert att["西南"] == pytest.approx(t["attainment_in_files"], abs=1e-6)
    others = att.drop("西南")
    assert ((others > 0.9) & (others < 1.15)).all()


def test_undercut_on_smart_locks(sample):
    folder, truth = sample
    t = truth["undercut"]
    cp = read(folder, "competitor_prices").dropna(subset=["product_id"])
    products = read(folder, "products")
    cp = cp.merge(products[["product_id", "list_price"]], on="product_id")
    cp["ratio"] = cp["price"] / cp["list_price"]
    mine = cp.loc[(cp["competitor"] == t["competitor"]) & (cp["category"] == t["category"])]
    after = mine.loc[mine["date"] >= t["start_date"], "ratio"]
    before = mine.loc[mine["date"] < t["start_date"], "ratio"]
    assert len(after) > 50 and len(before) > 100
    assert t["discount"] == pytest.approx(0.15)
    assert abs((1 - after.mean()) - t["discount"]) < 0.01
    assert before.between(0.97, 1.03).all()
    other_locks = cp.loc[(cp["competitor"] != t["competitor"]) & (cp["category"] == t["category"])]
    assert other_locks["ratio"].min() > 0.95


def test_training_action_uplift(sample):
    folder, truth = sample
    t = truth["training_action"]
    actions = read_text(folder, "actions").set_index("action_id")
    row = actions.loc[t["action_id"]]
    assert (row["level"], row["key"], row["kpi"], row["start_date"]) == (
        "team", t["team"], "conversion_rate", t["start_date"])
    leads = read_text(folder, "leads").merge(read_text(folder, "reps")[["rep_id", "team"]], on="rep_id")
    closed = leads.loc[(leads["status"] != "open") & (leads["created_date"] < "2026-08-01")]
    after = closed["created_date"] >= t["start_date"]
    won = closed["status"] == "won"
    is_team = closed["team"] == t["team"]
    before_rate = won[is_team & ~after].mean()
    after_rate = won[is_team & after].mean()
    assert t["uplift"] == pytest.approx(0.12)
    assert abs((after_rate - before_rate) - t["uplift"]) < 0.06
    assert abs(before_rate - t["before_rate"]) < 0.04
    # the other teams stay flat
    others = closed.loc[~is_team]
    o_won = others["status"] == "won"
    o_after = others["created_date"] >= t["start_date"]
    assert abs(o_won[o_after].mean() - o_won[~o_after].mean()) < 0.03


def test_vip_segment(sample):
    folder, truth = sample
    t = truth["vip_segment"]
    vip = set(t["customer_ids"])
    customers = read_text(folder, "customers")
    assert len(vip) == t["n_customers"] and vip <= set(customers["customer_id"])
    assert 0.035 < len(vip) / len(customers) < 0.045
    orders = read(folder, "orders").drop_duplicates()
    monetary = orders.groupby("customer_id")["amount"].sum()
    share = monetary[monetary.index.isin(vip)].sum() / orders["amount"].sum()
    assert 0.35 < t["revenue_share"] < 0.45
    assert abs(share - t["revenue_share"]) < 0.02
    freq = orders.loc[~orders["order_id"].str.endswith("-R")].groupby("customer_id")["order_id"].nunique()
    rfm = pd.DataFrame({"f": freq, "m": monetary}).dropna()
    is_vip = rfm.index.isin(vip)
    assert rfm.loc[is_vip, "f"].median() >= 3 * rfm.loc[~is_vip, "f"].median()
    assert rfm.loc[is_vip, "m"].median() >= 10 * rfm.loc[~is_vip, "m"].median()
    # a plain frequency + monetary ranking finds most of them
    score = rfm["f"].rank(pct=True) + rfm["m"].rank(pct=True)
    top = set(score.sort_values(ascending=False).index[: len(vip)])
    assert len(top & vip) / len(vip) > 0.75
    # they are B2B key accounts
    names = customers.set_index("customer_id").loc[sorted(vip), "name"]
    assert names.str.contains("公司|酒店|集团").mean() > 0.9


def test_low_nps_channel(sample):
    folder, truth = sample
    t = truth["low_nps_channel"]
    fb = read(folder, "feedback")
    mean = fb.groupby("channel_id")["nps"].mean()
    assert mean.idxmin() == t["channel_id"] == "CH07"
    assert abs(mean["CH07"] - t["planted_mean_nps"]) < 0.6
    assert (mean.drop("CH07") > mean["CH07"] + 2).all()
    assert fb.groupby("channel_id").size().min() >= 50
    comments = fb["comment"].dropna()
    assert comments.str.contains(r"[\u4e00-\u9fff]").any()
    assert comments.str.fullmatch(r"[ -~]+").any()  # some comments are in English


def test_spend_response_and_competitor_variants(sample):
    folder, truth = sample
    t = truth["spend_response"]
    lam = t["carry_over"]
    spend = read(folder, "spend").sort_values(["channel_id", "period"])
    leads = read(folder, "leads")
    leads["period"] = leads["created_date"].str[:7]
    for ch in ["CH02", "CH06"]:
        s = spend.loc[spend["channel_id"] == ch]
        a, prev = [], s["amount"].iloc[0] / (1 - lam)
        for x in s["amount"]:
            prev = x + lam * prev
            a.append(prev)
        y = leads.loc[leads["channel_id"] == ch].groupby("period").size().reindex(s["period"])
        slope = np.polyfit(np.log(a), np.log(y.to_numpy()), 1)[0]
        assert abs(slope - t["channels"][ch]["exponent"]) < 0.15, ch
        assert s["amount"].max() / s["amount"].min() > 3  # spend varies enough to fit
    variants = truth["competitor_variants"]["variants"]
    assert len(variants) == 3
    seen = set(read(folder, "leads")["competitor"].dropna())
    assert set(variants) <= seen


# --------------------------------------------------------------------------- #
# Size
# --------------------------------------------------------------------------- #
def test_size_scales_linearly(small):
    a, d = small["a"], small["double"]

    def rows(folder, table):
        return json.loads((folder / "truth.json").read_text(encoding="utf-8"))["row_counts"][table]

    assert 0.2 * 38_000 <= rows(a, "orders") <= 0.2 * 46_000  # ~40,000 lines per unit of scale
    for table in ["orders", "customers", "leads", "feedback"]:
        ratio = rows(d, table) / rows(a, table)
        assert 1.8 < ratio < 2.2, table
    for table in ["channels", "products", "reps", "stages", "competitor_features"]:
        assert rows(d, table) == rows(a, table), table
    assert len(read(a, "orders")) == rows(a, "orders")


def test_invalid_arguments():
    with pytest.raises(ValueError, match="scale"):
        build_sample(seed=7, scale=0)
    with pytest.raises(ValueError, match="seed"):
        build_sample(seed="7", scale=1.0)
