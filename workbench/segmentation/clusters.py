"""Behaviour and attribute clusters: k-means on standardised features, k by silhouette, stability by bootstrap.

Features (one row per customer with a purchase)
-----------------------------------------------
behaviour
    ``log1p`` of recency (days), orders, net revenue (floored at 0) and mean order
    value, and tenure in days (since the first purchase, or since ``created_date``
    when the customers table has an earlier one).
channel mix
    Share of the customer's positive revenue per channel type (``channels.type``),
    else per ``channel_id`` (the eight largest, the rest as ``other``).
product mix
    Share per product category (``products.category``), else per ``product_id``
    (the eight largest, the rest as ``other``).

Every feature is standardised (z-score). The columns of a mix block are then
scaled so that each block weighs as much as two behaviour features together,
whatever its number of columns: a mix of eight channels must not outvote recency.

Choice of k and stability
-------------------------
k-means (scikit-learn, ``n_init=4``) is fitted for every k in ``k_min..k_max`` on
a seeded sample of at most ``cluster_sample`` customers. For each k, its mean
silhouette (on at most 3,000 of them) measures separation, and ``n_bootstrap``
refits on bootstrap resamples of the sample (each with its own seed) relabel the
sample; their adjusted Rand index (ARI) against the k's solution measures
stability. Criterion: **the k with the highest silhouette among the stable ones**
(mean ARI >= 0.8): candidates are checked from the best silhouette down and the
first stable one is chosen (the rest are not checked: ARI empty); when no k is
stable, the highest silhouette overall, reported as unstable. Mean ARI >= 0.8 reads "stable", >= 0.6 "moderately stable", below
"unstable" (rules of thumb in the spirit of Hennig's 2007 bootstrap Jaccard
thresholds of 0.75 / 0.6). A slightly better silhouette is not worth a grouping
that changes with the random start. Every customer is then assigned to the
nearest centre; clusters are numbered by size, 1 the largest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.data.loader import Dataset
from workbench.segmentation.keys import positions, same_values, take_aligned, unique_by_id
from workbench.segmentation.labels import name as label_name
from workbench.segmentation.params import SegmentationParams
from workbench.segmentation.prepare import Prepared, Problem, customer_codes

log = logging.getLogger(__name__)

BEHAVIOUR = ["feat_recency", "feat_frequency", "feat_monetary", "feat_order_value", "feat_tenure"]
MIX_TOP = 8
MIX_BLOCK_WEIGHT = 2.0
SILHOUETTE_SAMPLE = 3000
MIN_CUSTOMERS_PER_CLUSTER = 10
N_INIT = 4
STABLE, MODERATE = 0.8, 0.6


@dataclass
class Features:
    """Cluster features per customer and what the mix columns mean."""

    raw: pd.DataFrame  # indexed by customer_id; behaviour in natural units and mix shares
    model: pd.DataFrame  # the same rows, transformed (log) before standardising
    mix_columns: dict[str, list[str]] = field(default_factory=dict)  # block -> columns
    labels: dict[str, str] = field(default_factory=dict)  # mix column -> its value (channel type, category ...)
    _design: np.ndarray | None = field(default=None, repr=False, compare=False)

    def design(self) -> np.ndarray:
        """The standardised, block-weighted feature matrix (:func:`_design`), computed once.

        The clustering and the cluster profiles use the same matrix; do not change ``model`` after.
        """
        if self._design is None:
            self._design = _design(self)
        return self._design


def _mix(lines: pd.DataFrame, column: str, mapping: dict | None, rows: pd.Index, prefix: str,
         row_codes: np.ndarray | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Share of each customer's positive revenue per group of ``column`` (mapped, the top ``MIX_TOP``).

    Vectorised on codes: the column is factorised once, its few distinct values mapped to groups,
    and revenue summed per (customer, group) with one ``bincount``. ``row_codes``: the position
    of each of ``rows`` among the lines' customer categories (``-1``: none), when known.
    """
    pos = (lines["amount"] > 0).to_numpy()
    amt = lines["amount"].to_numpy()[pos]
    all_codes, categories = pd.factorize(lines[column])  # arrow-native on text, no Python objects
    values = np.array([str(mapping.get(v, v)) if mapping else str(v) for v in categories] + ["other"])
    raw_codes = all_codes[pos].astype(np.int64)
    codes = np.where(raw_codes >= 0, raw_codes, len(categories))  # missing -> "other"
    # merge values that map to the same group (e.g. three e-commerce channels)
    uniq, group_of_value = np.unique(values, return_inverse=True)
    line_group = group_of_value[codes]
    totals = np.bincount(line_group, weights=amt, minlength=len(uniq))
    order = [g for g in np.argsort(-totals, kind="stable") if uniq[g] != "other" and totals[g] > 0][:MIX_TOP]
    keep = np.full(len(uniq), len(order))  # everything else -> the "other" column
    keep[order] = np.arange(len(order))
    names = [str(uniq[g]) for g in order] + ["other"]
    cust = lines["customer_id"].cat.codes.to_numpy().astype(np.int64)[pos]
    n_cust = len(lines["customer_id"].cat.categories)
    flat = np.bincount(cust * len(names) + keep[line_group], weights=amt, minlength=n_cust * len(names))
    tab = flat.reshape(n_cust, len(names))
    idx = row_codes if row_codes is not None else \
        positions(rows, lines["customer_id"].cat.categories.astype("str"))
    tab = np.where(idx[:, None] >= 0, tab[np.maximum(idx, 0)], 0.0)
    total = tab.sum(axis=1, keepdims=True)
    tab = np.divide(tab, total, out=np.zeros_like(tab), where=total > 0)
    cols = [f"{prefix}{n}" for n in names]
    out = pd.DataFrame(tab, index=rows, columns=cols)
    out = out.loc[:, out.sum() > 0]
    return out, {c: n for c, n in zip(cols, names, strict=True) if c in out.columns}


def features(prep: Prepared, rfm: pd.DataFrame, ds: Dataset) -> Features:
    """Behaviour, channel-mix and product-mix features of every customer of ``rfm``.

    Returns
    -------
    Features
        ``raw``: ``feat_recency`` (days), ``feat_frequency`` (orders), ``feat_monetary``,
        ``feat_order_value`` (net revenue / orders), ``feat_tenure`` (days) and mix shares
        ``ch:<value>`` / ``cat:<value>`` (0..1, rows sum to 1 per block).
    """
    r = rfm.set_index("customer_id")
    raw = pd.DataFrame({
        "feat_recency": r["recency_days"].astype(float),
        "feat_frequency": r["frequency"].astype(float),
        "feat_monetary": r["monetary"].astype(float),
        "feat_order_value": (r["monetary"] / r["frequency"]).astype(float),
    })
    first = r["first_purchase"]
    if ds.has_column("customers", "created_date"):
        created = unique_by_id(ds["customers"])["created_date"]
        on_first = take_aligned(created, positions(first.index, created.index))
        on_first.index = first.index  # created.reindex(first.index), looked up in Arrow
        first = pd.concat([first, on_first], axis=1).min(axis=1)
    raw["feat_tenure"] = (prep.analysis_date - first).dt.days.clip(lower=0).astype(float)
    lines = prep.lines
    row_codes = customer_codes(prep, raw.index)  # once for both mixes; rfm's customers are prep's buyers
    if row_codes is None:
        row_codes = positions(raw.index, lines["customer_id"].cat.categories.astype("str"))
    blocks: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for column, block, prefix, table, attr in (("channel_id", "channel", "ch:", "channels", "type"),
                                               ("product_id", "product", "cat:", "products", "category")):
        if column not in lines or not lines[column].notna().any():
            continue
        mapping = None
        if ds.has_column(table, attr):
            master = ds[table].drop_duplicates(column).dropna(subset=[attr])
            mapping = dict(zip(master[column].astype("str"), master[attr].astype("str"), strict=True))
        tab, names = _mix(lines, column, mapping, raw.index, prefix, row_codes)
        for c in tab.columns:  # raw.join(tab): the same rows in the same order
            raw[c] = tab[c].to_numpy()
        blocks[block], labels = list(tab.columns), {**labels, **names}
    model = raw.copy(deep=False)  # the mix shares are the same columns: not copied
    for c in ("feat_recency", "feat_frequency", "feat_monetary", "feat_order_value", "feat_tenure"):
        model[c] = np.log1p(raw[c].clip(lower=0.0))
    return Features(raw, model, blocks, labels)


def _design(feat: Features) -> np.ndarray:
    from sklearn.preprocessing import StandardScaler

    x = StandardScaler(copy=False).fit_transform(feat.model.to_numpy(dtype=float, copy=True))  # scaled in place
    x = np.nan_to_num(x)
    cols = list(feat.model.columns)
    for block in feat.mix_columns.values():
        idx = [cols.index(c) for c in block]
        x[:, idx] *= np.sqrt(MIX_BLOCK_WEIGHT / len(idx))
    return x


@dataclass
class Clusters:
    """The chosen clustering, how k was chosen and how stable it is."""

    labels: pd.Series  # cluster number per customer_id (1 = largest)
    k_table: pd.DataFrame
    k: int
    ari: list[float]
    features: Features | None = None
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and len(self.labels) > 0

    @property
    def stability(self) -> str:
        """``stable``, ``moderately stable`` or ``unstable`` from the mean bootstrap ARI."""
        m = float(np.mean(self.ari)) if self.ari else float("nan")
        return "stable" if m >= STABLE else "moderately stable" if m >= MODERATE else "unstable"

    def stability_table(self) -> pd.DataFrame:
        """One row: k, bootstrap refits, mean and minimum ARI, verdict."""
        return pd.DataFrame([{"k": self.k, "n_bootstrap": len(self.ari), "ari_mean": float(np.mean(self.ari)),
                              "ari_min": float(np.min(self.ari)), "stability": self.stability}])


def cluster_customers(prep: Prepared, rfm: pd.DataFrame, ds: Dataset, params: SegmentationParams) -> Clusters:
    """Choose k by silhouette, check stability by bootstrap ARI, assign every customer to a cluster.

    Returns
    -------
    Clusters
        ``k_table``: ``k``, ``silhouette``, ``inertia``, ``ari_mean``, ``ari_min``, ``chosen``.
        ``problem`` is set (and
        nothing fitted) when there are fewer than 10 customers per cluster of ``k_min``.
    """
    import sklearn.cluster  # noqa: F401  (load its OpenMP runtime first: threadpoolctl limits loaded libraries only)
    from threadpoolctl import threadpool_limits

    # one BLAS/OpenMP thread: on a small shared machine k-means threads mostly wait for each other
    with threadpool_limits(limits=1):
        return _cluster_customers(prep, rfm, ds, params)


def _cluster_customers(prep: Prepared, rfm: pd.DataFrame, ds: Dataset, params: SegmentationParams) -> Clusters:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, silhouette_score

    empty = Clusters(pd.Series(dtype="int64"), pd.DataFrame(), 0, [])
    need = MIN_CUSTOMERS_PER_CLUSTER * params.k_min
    if len(rfm) < need:
        empty.problem = Problem(
            "Clustering needs at least {need} customers ({per} per cluster for k = {k}); there are {n}.",
            "聚类至少需要 {need} 个客户（k = {k} 时每类 {per} 个），当前只有 {n} 个。",
            {"need": need, "per": MIN_CUSTOMERS_PER_CLUSTER, "k": params.k_min, "n": len(rfm)})
        return empty
    feat = features(prep, rfm, ds)
    x_all = feat.design()
    rng = np.random.default_rng(params.seed)
    n = len(x_all)
    sample = np.sort(rng.choice(n, size=min(n, params.cluster_sample), replace=False))
    xs = x_all[sample]
    distinct = len(np.unique(np.round(xs, 9), axis=0))
    k_max = min(params.k_max, distinct - 1, len(xs) // MIN_CUSTOMERS_PER_CLUSTER)
    if k_max < params.k_min:
        empty.problem = Problem(
            "The customers are too alike to cluster: only {d} distinct feature profiles for at least {k} clusters.",
            "客户特征过于相似，无法聚类：只有 {d} 种不同的特征组合，不足以分为 {k} 类。",
            {"d": distinct, "k": params.k_min})
        return empty
    rows, models = [], {}
    sil_n = min(SILHOUETTE_SAMPLE, len(xs))
    for k in range(params.k_min, k_max + 1):
        km = KMeans(n_clusters=k, n_init=N_INIT, random_state=params.seed).fit(xs)
        sil = silhouette_score(xs, km.labels_, sample_size=sil_n, random_state=params.seed)
        rows.append({"k": k, "silhouette": float(sil), "inertia": float(km.inertia_)})
        models[k] = km
    k_table = pd.DataFrame(rows)
    k_table["ari_mean"] = np.nan
    k_table["ari_min"] = np.nan
    # stability of the candidates from the best silhouette down, until one is stable (each check is
    # n_bootstrap refits, so the unpromising k are not checked)
    aris: dict[int, list[float]] = {}
    for k in k_table.sort_values(["silhouette", "k"], ascending=[False, True])["k"]:
        ari = []
        for b in range(params.n_bootstrap):
            idx = rng.choice(len(xs), size=len(xs), replace=True)
            kb = KMeans(n_clusters=int(k), n_init=N_INIT, random_state=params.seed + 1 + b).fit(xs[idx])
            ari.append(float(adjusted_rand_score(models[k].labels_, kb.predict(xs))))
        aris[int(k)] = ari
        k_table.loc[k_table["k"] == k, ["ari_mean", "ari_min"]] = [np.mean(ari), np.min(ari)]
        if np.mean(ari) >= STABLE:
            break
    checked = k_table.loc[k_table["ari_mean"].notna()]
    stable = checked.loc[checked["ari_mean"] >= STABLE]
    pool = stable if len(stable) else checked
    best = int(pool.loc[pool["silhouette"].idxmax(), "k"])
    k_table["chosen"] = k_table["k"] == best
    ref, ari = models[best], aris[best]
    raw_labels = ref.predict(x_all)
    sizes = np.bincount(raw_labels, minlength=best)
    order = np.lexsort((np.arange(best), -sizes))  # largest first, ties by centre number
    rank = np.empty(best, dtype=np.int64)
    rank[order] = np.arange(1, best + 1)
    labels = pd.Series(rank[raw_labels], index=feat.raw.index, name="cluster")
    log.info("clusters: k=%d (silhouette %.3f), mean ARI %.3f", best, k_table["silhouette"].max(), np.mean(ari))
    return Clusters(labels, k_table, best, ari, feat)


# ----------------------------------------------------------------------------- profiles in words

_PHRASES = {
    "feat_recency": (("bought recently (median {v} days ago)", "近期有购买（中位 {v} 天前）"),
                     ("long since the last purchase (median {v} days)", "久未购买（中位 {v} 天）")),
    "feat_frequency": (("buys often (mean {v} orders)", "购买频繁（平均 {v} 单）"),
                       ("few orders (mean {v})", "订单少（平均 {v} 单）")),
    "feat_monetary": (("high net revenue to date (median {v})", "累计消费额高（中位 {v}）"),
                      ("low net revenue to date (median {v})", "累计消费额低（中位 {v}）")),
    "feat_order_value": (("large orders (median {v} per order)", "客单价高（中位每单 {v}）"),
                         ("small orders (median {v} per order)", "客单价低（中位每单 {v}）")),
    "feat_tenure": (("long-standing customers (median {v} days)", "老客户（客龄中位 {v} 天）"),
                    ("recently acquired (median tenure {v} days)", "新近获得的客户（客龄中位 {v} 天）")),
}
_MIX_PHRASES = {
    "ch:": ("mostly through {v} ({s} of revenue)", "主要通过{v}购买（占收入 {s}）"),
    "cat:": ("mostly buys {v} ({s} of revenue)", "主要购买{v}（占收入 {s}）"),
}
_HIGHER_IS = {"feat_recency": 1}  # a higher recency is the "long since" phrase (index 1)


PROFILE_COLUMNS = ["cluster", "customers", "share_customers", "share_revenue", "median_recency_days", "mean_frequency",
                   "median_monetary", "median_tenure_days", "top_channel", "top_channel_share", "top_category",
                   "top_category_share", "clv_per_customer", "profile", "profile_zh"]
"""Columns of the ``clusters`` result table."""


def profiles(cl: Clusters, rfm: pd.DataFrame, value: pd.DataFrame | None, currency_fmt=None) -> pd.DataFrame:
    """The ``clusters`` result table: size, value and a plain-words profile of each cluster.

    Parameters
    ----------
    cl : Clusters
        From :func:`cluster_customers`.
    rfm : DataFrame
        From :func:`workbench.segmentation.rfm.rfm_table`.
    value : DataFrame, optional
        From :func:`workbench.segmentation.clv.value_tiers` (adds ``clv_per_customer``).
    currency_fmt : callable, optional
        Formats money in the profile text (default: thousands separators).

    Returns
    -------
    DataFrame
        ``cluster``, ``customers``, ``share_customers``, ``share_revenue``,
        ``median_recency_days``, ``mean_frequency``, ``median_monetary``, ``median_tenure_days``,
        ``top_channel``, ``top_channel_share``, ``top_category``, ``top_category_share`` (largest
        mean share of the block), ``clv_per_customer``, ``profile`` (English),
        ``profile_zh`` (Chinese).
    """
    if not cl.ok:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    money = currency_fmt or (lambda v: f"{v:,.0f}")
    feat = cl.features
    raw = feat.raw
    z = pd.DataFrame(feat.design(), index=raw.index, columns=raw.columns)
    lab = cl.labels
    rev = pd.Series(_by_customer(rfm, "monetary", raw.index), index=raw.index)
    total_rev = rev.clip(lower=0).sum()
    clv = _by_customer(value, "clv", raw.index) if value is not None and "clv" in value else None
    rows = []
    for c in sorted(lab.unique()):
        m = (lab == c).to_numpy()
        sub = raw.loc[m]
        zc = z.loc[m].mean()
        row = {"cluster": int(c), "customers": int(m.sum()), "share_customers": m.mean(),
               "share_revenue": rev.loc[m].clip(lower=0).sum() / total_rev if total_rev > 0 else np.nan,
               "median_recency_days": float(sub["feat_recency"].median()),
               "mean_frequency": float(sub["feat_frequency"].mean()),
               "median_monetary": float(sub["feat_monetary"].median()),
               "median_tenure_days": float(sub["feat_tenure"].median())}
        for block, col in (("channel", "top_channel"), ("product", "top_category")):
            cols = feat.mix_columns.get(block, [])
            if cols:
                shares = sub[cols].mean()
                top = shares.idxmax()
                row[col], row[f"{col}_share"] = feat.labels[top], float(shares[top])
            else:
                row[col], row[f"{col}_share"] = None, np.nan
        row["clv_per_customer"] = float(pd.Series(clv[m]).mean()) if clv is not None else np.nan
        en, zh = _describe(sub, zc, feat, money)
        row["profile"], row["profile_zh"] = en, zh
        rows.append(row)
    return pd.DataFrame(rows)[PROFILE_COLUMNS]


def _by_customer(table: pd.DataFrame, column: str, index: pd.Index) -> np.ndarray:
    """``table.set_index("customer_id")[column].reindex(index)`` as an array; by position when the
    table lists the customers of ``index`` in its order (the rfm order)."""
    if same_values(table["customer_id"], index):
        return table[column].to_numpy()
    s = table.set_index("customer_id")[column]
    return take_aligned(s, positions(index, s.index)).to_numpy()


def _describe(sub: pd.DataFrame, zc: pd.Series, feat: Features, money) -> tuple[str, str]:
    """Plain words for one cluster: its most distinctive behaviour (|z| >= 0.5) and dominant mixes."""
    parts_en, parts_zh = [], []
    behaviour = zc[BEHAVIOUR].abs().sort_values(ascending=False)
    for name in behaviour.index[:3]:
        if behaviour[name] < 0.5:
            break
        high = zc[name] > 0
        idx = (0 if not high else 1) if name in _HIGHER_IS else (0 if high else 1)
        v = sub[name].mean() if name == "feat_frequency" else sub[name].median()
        shown = money(v) if name in ("feat_monetary", "feat_order_value") else \
            f"{v:.1f}" if name == "feat_frequency" else f"{v:,.0f}"
        en, zh = _PHRASES[name][idx]
        parts_en.append(en.format(v=shown))
        parts_zh.append(zh.format(v=shown))
    for prefix, block in (("ch:", "channel"), ("cat:", "product")):
        cols = feat.mix_columns.get(block, [])
        if not cols:
            continue
        shares = sub[cols].mean()
        top = shares.idxmax()
        if shares[top] >= 0.5:
            en, zh = _MIX_PHRASES[prefix]
            word = feat.labels[top]
            parts_en.append(en.format(v=label_name("word", word, "en"), s=f"{shares[top]:.0%}"))
            parts_zh.append(zh.format(v=label_name("word", word, "zh"), s=f"{shares[top]:.0%}"))
    if not parts_en:
        return "close to the average customer", "与平均客户接近"
    return "; ".join(parts_en), "；".join(parts_zh)
