"""Price position: competitor prices against ours, by category, channel and month; undercuts dated.

Definitions
-----------
price ratio
    A competitor's observed price divided by our price for the same thing: our
    product's ``list_price`` when the observation names a ``product_id`` we sell,
    else the mean ``list_price`` of our products in the observation's ``category``
    (a store check of a category). ``0.85`` means the competitor is 15% cheaper.
price index
    ``100 x`` the geometric mean of the price ratios of a group (the Jevons index,
    the usual choice for averaging price relatives): ``100`` is parity, below 100
    the competitor is cheaper than us. Its 95% interval is a t interval on the
    log ratios (``n_obs >= 2``).
undercut
    A competitor x category whose index over its last ``min_undercut_dates``
    observation dates is at most ``100 x (1 - undercut_threshold)``. It started on
    the first observation date after which the competitor never came back within
    half the threshold of our price (the half is a margin against noise). When it
    was already that cheap on its first observation, its ``status`` is
    ``since_start`` (a standing price difference), else ``new``.

Currencies and units
--------------------
The loader reads ``$12`` or ``USD 12`` as ``12``: a price's currency must be
stated. A ``currency`` column in ``competitor_prices`` (an extra column the data
model keeps) gives it per row; rows without one are in ``price_currency`` (params;
empty = the dataset's currency). A currency other than ours is converted with
``fx_rates`` (units of our currency per unit of the other); rows in a currency
without a rate are set aside with a note. ``price_factors`` multiplies one
competitor's prices (prices kept in fen: ``0.01``; a two-pack: ``0.5``). As a last
guard, a competitor x category whose median ratio is more than ``max_price_ratio``
times ours, or less than its inverse, is set aside as a likely unit or currency
error and named in a note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from workbench.competitors.base import ALL, Section
from workbench.competitors.labels import POSITION_LABELS, STATUS_LABELS
from workbench.competitors.prepare import CompetitorData

log = logging.getLogger(__name__)


FORMATS = {"price_index": "num", "ci_low": "num", "ci_high": "num", "index_before": "num", "n_before": "int",
           "median_ratio": "num2", "gap_p10": "pct", "gap_median": "pct", "gap_p90": "pct", "share_undercut": "pct"}
"""Display formats of the price tables (an index is not a percentage)."""

INDEX_COLUMNS = ["competitor", "category", "channel_id", "month", "n_obs", "price_index", "ci_low", "ci_high",
                 "gap_pct"]
GAP_COLUMNS = ["competitor", "category", "n_obs", "price_index", "ci_low", "ci_high", "gap_p10", "gap_median",
               "gap_p90", "share_undercut", "position"]
UNDERCUT_SHOWN = ["competitor", "category", "since", "status", "n_obs", "price_index", "ci_low", "ci_high",
                  "index_before", "channels"]
UNDERCUT_COLUMNS = ["competitor", "category", "since", "status", "dates_in_run", "n_obs", "price_index",
                    "ci_low", "ci_high", "index_before", "n_before", "channels"]


@dataclass
class PriceAnalysis(Section):
    """Everything the price sections show."""

    observations: pd.DataFrame = field(default_factory=pd.DataFrame)
    index: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INDEX_COLUMNS))
    gaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GAP_COLUMNS))
    undercuts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNDERCUT_COLUMNS))
    set_aside: pd.DataFrame = field(default_factory=pd.DataFrame)
    recent_from: str = ""
    latest_month: str = ""


# ----------------------------------------------------------------------------- preparation

YUAN = {"RMB": "CNY", "元": "CNY", "人民币": "CNY", "¥": "CNY", "￥": "CNY"}
"""Spellings of the yuan that mean ``CNY``."""


def norm_currency(code: str) -> str:
    """A currency code upper-cased, the yuan's spellings as ``CNY``."""
    c = str(code).strip().upper()
    return YUAN.get(c, c)


def convert_prices(
    prices: pd.DataFrame,
    our_currency: str,
    price_currency: str = "",
    fx_rates: dict[str, float] | None = None,
    price_factors: dict[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Prices in our currency and unit.

    Parameters
    ----------
    prices : DataFrame
        ``competitor_prices`` (``competitor``, ``price``, optional ``currency``).
    our_currency : str
        The dataset's currency (``dataset.yaml``).
    price_currency : str
        Currency of rows without a ``currency`` value; empty = ``our_currency``.
    fx_rates : dict
        ``{currency: units of our currency per unit}``.
    price_factors : dict
        ``{competitor: multiplier}`` for prices kept in another unit.

    Returns
    -------
    converted : DataFrame
        The rows that could be converted, ``price`` in our currency, the
        original in ``price_raw`` and the row's ``currency``.
    unknown : Series
        Rows set aside per currency without a rate (index: currency code).
    """
    ours = norm_currency(our_currency)
    default = norm_currency(price_currency or our_currency)
    rates = {norm_currency(k): float(v) for k, v in (fx_rates or {}).items()}
    rates[ours] = 1.0
    df = prices.copy()
    if "currency" in df:
        cur = df["currency"].astype("str").str.strip().str.upper()
        cur = cur.where(cur.notna() & cur.ne(""), default)
    else:
        cur = pd.Series(default, index=df.index, dtype="str")
    cur = cur.replace(YUAN)
    rate = cur.map(rates)
    unknown = cur[rate.isna()].value_counts()
    factor = df["competitor"].map(price_factors or {}).fillna(1.0).astype("float64")
    df["currency"] = cur
    df["price_raw"] = df["price"]
    df["price"] = df["price"].astype("float64") * rate * factor
    return df.loc[rate.notna()].reset_index(drop=True), unknown


def reference_prices(products: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Our reference prices: per product (``list_price``) and per category (mean list price).

    Returns
    -------
    by_product : DataFrame
        ``product_id, our_category, our_price``.
    by_category : DataFrame
        ``category, our_price, n_products``.
    """
    p = products.loc[products["list_price"].gt(0), ["product_id", "category", "list_price"]]
    by_product = p.rename(columns={"category": "our_category", "list_price": "our_price"})
    by_category = (p.dropna(subset=["category"]).groupby("category", as_index=False)
                   .agg(our_price=("list_price", "mean"), n_products=("product_id", "size")))
    return by_product.reset_index(drop=True), by_category


def price_observations(prices: pd.DataFrame, products: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Each competitor price next to our price: ``date, month, competitor, category, channel_id,
    product_id, level, price, our_price, ratio``.

    Returns the observations and the counts of rows dropped, by reason
    (``no_reference``: neither a product nor a category we sell;
    ``no_price``: missing or non-positive price; ``no_competitor``).
    """
    by_product, by_category = reference_prices(products)
    df = prices.copy()
    for c in ("product_id", "category", "channel_id"):
        if c not in df:
            df[c] = pd.Series(np.nan, index=df.index, dtype="str")
    dropped = {"no_competitor": int(df["competitor"].isna().sum())}
    df = df.loc[df["competitor"].notna()]
    ok_price = df["price"].gt(0)
    dropped["no_price"] = int((~ok_price).sum())
    df = df.loc[ok_price]
    df = df.merge(by_product, on="product_id", how="left")
    level = pd.Series("product", index=df.index, dtype="str").where(df["our_price"].notna())
    df["category"] = df["our_category"].fillna(df["category"])
    cat_price = df["category"].map(by_category.set_index("category")["our_price"])
    df["our_price"] = df["our_price"].fillna(cat_price)
    df["level"] = level.fillna("category")
    no_ref = df["our_price"].isna()
    dropped["no_reference"] = int(no_ref.sum())
    df = df.loc[~no_ref].copy()
    df["ratio"] = df["price"] / df["our_price"]
    df["month"] = df["date"].dt.to_period("M").astype("str")
    cols = ["date", "month", "competitor", "category", "channel_id", "product_id", "level", "price",
            "our_price", "ratio"]
    return df[cols].reset_index(drop=True), dropped


def implausible_series(obs: pd.DataFrame, max_ratio: float) -> pd.DataFrame:
    """Competitor x category series whose median ratio is beyond ``max_ratio`` (either way):
    ``competitor, category, n_obs, median_ratio``."""
    g = obs.groupby(["competitor", "category"], as_index=False).agg(
        n_obs=("ratio", "size"), median_ratio=("ratio", "median"))
    bad = g["median_ratio"].gt(max_ratio) | g["median_ratio"].lt(1.0 / max_ratio)
    return g.loc[bad].reset_index(drop=True)


# ----------------------------------------------------------------------------- index


def _geo_stats(obs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group: ``n_obs``, price index (100 x geometric mean ratio) and its 95% t interval."""
    g = (obs.assign(_lr=np.log(obs["ratio"]))
         .groupby(keys, dropna=False, sort=True)["_lr"].agg(["size", "mean", "std"]).reset_index())
    n = g["size"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = stats.t.ppf(0.975, np.maximum(n - 1, 1))
        half = np.where(n >= 2, tq * g["std"].to_numpy() / np.sqrt(n), np.nan)
    out = g[keys].copy()
    out["n_obs"] = n.astype("int64")
    out["price_index"] = 100 * np.exp(g["mean"].to_numpy())
    out["ci_low"] = 100 * np.exp(g["mean"].to_numpy() - half)
    out["ci_high"] = 100 * np.exp(g["mean"].to_numpy() + half)
    out["gap_pct"] = out["price_index"] / 100 - 1
    return out


def price_index(obs: pd.DataFrame) -> pd.DataFrame:
    """The ``price_index`` result table: per competitor, category, channel and month, plus rows with
    ``channel_id == "all"`` that pool every channel.

    Columns: ``competitor, category, channel_id, month, n_obs, price_index, ci_low, ci_high, gap_pct``
    (``gap_pct = price_index / 100 - 1``: ``-0.15`` is 15% cheaper than us).
    """
    if obs.empty:
        return pd.DataFrame(columns=INDEX_COLUMNS)
    by_channel = _geo_stats(obs, ["competitor", "category", "channel_id", "month"])
    pooled = _geo_stats(obs, ["competitor", "category", "month"]).assign(channel_id=ALL)
    out = pd.concat([pooled, by_channel], ignore_index=True)[INDEX_COLUMNS]
    return out.sort_values(["competitor", "category", "month", "channel_id"], kind="stable").reset_index(drop=True)


def recent_months(obs: pd.DataFrame, months: int) -> str:
    """The first month of the last ``months`` months with observations (``YYYY-MM``)."""
    last = pd.Period(obs["month"].max(), freq="M")
    return str(last - (months - 1))


def price_gaps(obs: pd.DataFrame, since_month: str, threshold: float) -> pd.DataFrame:
    """Distribution of price gaps per competitor x category from ``since_month`` on (the ``price_gaps``
    table): ``n_obs``, index with interval, gap percentiles (``ratio - 1``), the share of observations
    at least ``threshold`` cheaper than us, and ``position`` (cheaper / parity / dearer by the index)."""
    recent = obs.loc[obs["month"] >= since_month]
    if recent.empty:
        return pd.DataFrame(columns=GAP_COLUMNS)
    out = _geo_stats(recent, ["competitor", "category"])
    gap = recent.assign(_gap=recent["ratio"] - 1, _under=(recent["ratio"] <= 1 - threshold))
    q = gap.groupby(["competitor", "category"])["_gap"].quantile([0.1, 0.5, 0.9]).unstack()
    q.columns = ["gap_p10", "gap_median", "gap_p90"]
    share = gap.groupby(["competitor", "category"])["_under"].mean().rename("share_undercut")
    out = out.merge(q.reset_index(), on=["competitor", "category"]).merge(
        share.reset_index(), on=["competitor", "category"])
    idx = out["price_index"]
    out["position"] = np.where(idx <= 100 * (1 - threshold), "cheaper",
                               np.where(idx >= 100 * (1 + threshold), "dearer", "parity"))
    return out[GAP_COLUMNS].sort_values(["competitor", "category"]).reset_index(drop=True)


def undercuts(obs: pd.DataFrame, threshold: float, min_dates: int) -> pd.DataFrame:
    """Where a competitor is at least ``threshold`` cheaper than us now, and since when.

    Per competitor x category, observations are pooled per date (geometric mean
    ratio over channels and products). See the module docstring for the rule.

    Returns
    -------
    DataFrame
        ``competitor, category, since, status, dates_in_run, n_obs, price_index, ci_low, ci_high,
        index_before, n_before, channels`` (``index_before``: the index over the
        observations of the six months before ``since``; ``channels``: the channels
        whose own recent index is also an undercut). Sorted by ``price_index``.
    """
    if obs.empty:
        return pd.DataFrame(columns=UNDERCUT_COLUMNS)
    lr = obs.assign(_lr=np.log(obs["ratio"]))
    daily = (lr.groupby(["competitor", "category", "date"])["_lr"].mean().rename("lr").reset_index()
             .sort_values(["competitor", "category", "date"]))
    cut, back = np.log(1 - threshold), np.log(1 - threshold / 2)
    rows = []
    for (comp, cat), d in daily.groupby(["competitor", "category"], sort=True):
        v = d["lr"].to_numpy()
        if len(v) < min_dates or v[-min_dates:].mean() > cut:
            continue
        above = np.flatnonzero(v >= back)
        start = int(above[-1]) + 1 if len(above) else 0
        if len(v) - start < min_dates:
            continue
        since = d["date"].iloc[start]
        rows.append((comp, cat, since, "since_start" if start == 0 else "new", len(v) - start))
    if not rows:
        return pd.DataFrame(columns=UNDERCUT_COLUMNS)
    runs = pd.DataFrame(rows, columns=["competitor", "category", "since", "status", "dates_in_run"])
    m = lr.merge(runs[["competitor", "category", "since"]], on=["competitor", "category"])
    during = m.loc[m["date"] >= m["since"]]
    before = m.loc[(m["date"] < m["since"]) & (m["date"] >= m["since"] - pd.DateOffset(months=6))]
    stats_in = _geo_stats(during, ["competitor", "category"])
    stats_before = (_geo_stats(before, ["competitor", "category"])
                    .rename(columns={"price_index": "index_before", "n_obs": "n_before"})
                    [["competitor", "category", "index_before", "n_before"]]) if len(before) else \
        pd.DataFrame(columns=["competitor", "category", "index_before", "n_before"])
    # the channels whose own last observation dates are an undercut too
    last_dates = (during.groupby(["competitor", "category", "channel_id"])["date"]
                  .transform(lambda s: s.rank(method="dense", ascending=False)))
    recent_ch = during.loc[last_dates <= min_dates]
    ch = (recent_ch.groupby(["competitor", "category", "channel_id"])["_lr"].mean().reset_index())
    ch = ch.loc[ch["_lr"] <= cut]
    ch_list = (ch.groupby(["competitor", "category"])["channel_id"]
               .agg(lambda s: ", ".join(sorted(map(str, s)))).rename("channels").reset_index())
    out = (runs.merge(stats_in.drop(columns="gap_pct"), on=["competitor", "category"])
           .merge(stats_before, on=["competitor", "category"], how="left")
           .merge(ch_list, on=["competitor", "category"], how="left"))
    out["n_before"] = out["n_before"].fillna(0).astype("int64")
    return out[UNDERCUT_COLUMNS].sort_values("price_index").reset_index(drop=True)


# ----------------------------------------------------------------------------- the section


def analyse(cx: CompetitorData, params) -> PriceAnalysis:
    """The price sections from the prepared data: conversions, index, gaps and undercuts, with notes.

    Parameters
    ----------
    cx : CompetitorData
        From :func:`workbench.competitors.base.prepare`.
    params : CompetitorParams
        ``price_currency``, ``fx_rates``, ``price_factors``, ``max_price_ratio``,
        ``undercut_threshold``, ``min_undercut_dates``, ``recent_months``.
    """
    out = PriceAnalysis()
    if not cx.has("competitor_prices"):
        out.off("Price position is switched off: the dataset has no competitor_prices table "
                "(date, competitor, product_id or category, price).",
                "价格定位部分已关闭：数据集中没有 competitor_prices 表（date、competitor、product_id 或 "
                "category、price）。")
        return out
    if not cx.has("products", "list_price"):
        out.off("Price position is switched off: our prices come from products.list_price, which is absent.",
                "价格定位部分已关闭：本公司价格取自 products.list_price，但该字段缺失。")
        return out
    prices, unknown = convert_prices(cx.tables["competitor_prices"], cx.currency, params.price_currency,
                                     params.fx_rates, params.price_factors)
    for cur, n in unknown.items():
        out.note("{n} price rows in {cur} were set aside: add the rate to fx_rates (units of {ours} per {cur}).",
                 "{n} 行以 {cur} 计价的价格已剔除：请在 fx_rates 中填写汇率（每 1 {cur} 折合多少 {ours}）。",
                 n=int(n), cur=cur, ours=cx.currency)
    converted = prices["currency"].ne(norm_currency(cx.currency))
    if converted.any():
        out.note("{n} price rows were converted to {ours} with fx_rates ({curs}).",
                 "{n} 行价格已按 fx_rates 折算为 {ours}（{curs}）。", n=int(converted.sum()), ours=cx.currency,
                 curs=", ".join(sorted(prices.loc[converted, "currency"].unique())))
    obs, dropped = price_observations(prices, cx.tables["products"])
    if dropped["no_reference"]:
        out.note("{n} price rows name neither a product nor a category we sell and are not compared.",
                 "{n} 行价格既不对应本公司产品也不对应本公司在售品类，未参与比较。", n=dropped["no_reference"])
    if dropped["no_price"]:
        out.note("{n} price rows without a usable price were left out.", "{n} 行价格缺失或无效，已剔除。",
                 n=dropped["no_price"])
    bad = implausible_series(obs, params.max_price_ratio)
    out.set_aside = bad
    for r in bad.itertuples():
        out.note("{comp} / {cat}: its median price is {ratio} times ours, which looks like another currency or "
                 "unit; its {n} observations are set aside (state a currency column, fx_rates or price_factors).",
                 "{comp} / {cat}：价格中位数是本公司的 {ratio} 倍，疑似币种或计量单位不同；其 {n} 条观测已剔除"
                 "（请提供 currency 列，或设置 fx_rates、price_factors）。",
                 comp=r.competitor, cat=r.category, ratio=f"{r.median_ratio:.2f}", n=int(r.n_obs))
    if len(bad):
        key = obs.set_index(["competitor", "category"]).index
        obs = obs.loc[~key.isin(bad.set_index(["competitor", "category"]).index)].reset_index(drop=True)
    if obs.empty:
        out.off("No competitor price could be compared with ours.", "没有可与本公司价格比较的竞品价格。")
        return out
    out.observations = obs
    out.index = price_index(obs)
    out.latest_month = str(obs["month"].max())
    out.recent_from = recent_months(obs, params.recent_months)
    out.gaps = price_gaps(obs, out.recent_from, params.undercut_threshold)
    out.undercuts = undercuts(obs, params.undercut_threshold, params.min_undercut_dates)
    return out


def latest_rows(index: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest month of each competitor x category (for display; the full table is saved)."""
    if index.empty:
        return index
    last = index.groupby(["competitor", "category"])["month"].transform("max")
    return index.loc[index["month"].eq(last)].reset_index(drop=True)


def localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A display copy with the workbench's own words (position, status, ``all``) in ``lang``."""
    out = df.copy()
    k = 1 if lang == "zh" else 0
    if "position" in out:
        out["position"] = out["position"].map(lambda v: POSITION_LABELS.get(v, (v, v))[k])
    if "status" in out:
        out["status"] = out["status"].map(lambda v: STATUS_LABELS.get(v, (v, v))[k])
    if "channel_id" in out:
        out["channel_id"] = out["channel_id"].replace({ALL: "全部" if lang == "zh" else "all"})
    return out
