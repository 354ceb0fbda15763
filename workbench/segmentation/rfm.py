"""RFM: recency, frequency, monetary, scores 1..5 and named RFM segments, from prepared orders.

The orders and their vocabulary (analysis date, order, purchase, monetary) are
:mod:`workbench.segmentation.prepare`.

Scores
------
Each dimension is cut at four points into scores 1..5: fixed cut points when
params give them (``recency_cuts`` ...), else the ``score_quantiles`` of the
customers' values. Bins are right-closed, ``(c[k-1], c[k]]``: a value equal to a
cut point falls in the lower bin, so ties never split and a mass of one-order
customers gets one score. Recency is reversed (fewer days is better, 5). Heavy
ties can leave a score empty; :func:`score_table` shows how many customers got
each score.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from workbench.segmentation.keys import decode, merge_by_id
from workbench.segmentation.params import RANGE_KEYS, SegmentationParams

# the prepared orders live in prepare.py; re-exported here for callers that import them from rfm
from workbench.segmentation.prepare import Prepared, Problem, codes, ids, prepare, restrict  # noqa: F401

log = logging.getLogger(__name__)

OTHER_SEGMENT = "Other"
RFM_COLUMNS = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
               "segment", "rfm_segment", "rfm_code", "first_purchase", "last_purchase", "revenue_window", "margin",
               "returns"]
"""Columns of the ``rfm`` result table. The first eight are fixed by the data model (``DATA_MODEL.md``),
whose ``segment`` is the RFM segment: it equals ``rfm_segment``, the name every other table and the
code use so that an RFM segment is never mistaken for a value tier."""


# ----------------------------------------------------------------------------- scores


def cut_points(values: pd.Series, cuts: list[float], quantiles: list[float]) -> tuple[str, np.ndarray]:
    """The four cut points of one dimension: ``("fixed", cuts)`` or ``("quantile", quantiles of values)``."""
    if cuts:
        return "fixed", np.asarray(cuts, dtype=float)
    if values.empty:
        return "quantile", np.full(len(quantiles), np.nan)
    return "quantile", np.quantile(values.to_numpy(dtype=float), quantiles)


def score(values: pd.Series, cuts: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1..5 from four ascending cut points; bins are right-closed, so ties never split.

    >>> score(pd.Series([1, 1, 1, 2, 7]), np.array([1, 1, 1, 2])).tolist()
    [1, 1, 1, 4, 5]
    """
    below = np.searchsorted(np.asarray(cuts, dtype=float), values.to_numpy(dtype=float), side="left")
    return (below + 1) if higher_is_better else (len(cuts) + 1 - below)


def rfm_table(prep: Prepared, params: SegmentationParams) -> pd.DataFrame:
    """One row per customer with a purchase: recency, frequency, monetary, scores and RFM segment.

    Parameters
    ----------
    prep : Prepared
        From :func:`prepare`.
    params : SegmentationParams
        Cut points, quantile levels, segment rules and ``value_window_days``.

    Returns
    -------
    DataFrame
        :data:`RFM_COLUMNS`, sorted by ``customer_id``; ``revenue_window`` is the net
        revenue of the last ``value_window_days`` days, ``margin`` NaN without costs,
        ``returns`` the sum of the customer's negative lines (<= 0).
    """
    if not prep.ok:
        return _empty_rfm()
    o = prep.orders
    bought = o["is_purchase"].to_numpy()
    buys = pd.DataFrame({"order_date": o["order_date"].to_numpy()[bought]})
    g = buys.groupby(codes(o)[bought], sort=True)
    out = pd.DataFrame({"first_purchase": g["order_date"].min(), "last_purchase": g["order_date"].max(),
                        "frequency": g.size().astype("int64")})
    lines = prep.lines
    amount = lines["amount"].to_numpy()
    window_start = prep.analysis_date - pd.Timedelta(days=params.value_window_days - 1)
    # one grouping of the lines for the four sums (each group summed in line order, as four groupbys did)
    per = pd.DataFrame({
        "monetary": amount,
        "revenue_window": np.where(lines["day"].to_numpy() >= np.datetime64(window_start), amount, 0.0),
        "margin": lines["margin"].to_numpy(),
        "returns": np.minimum(amount, 0.0),
    }).groupby(codes(lines), sort=True).sum(min_count=1)
    out = out.join(per, how="left")
    out.index = ids(lines, out.index)
    out["recency_days"] = (prep.analysis_date - out["last_purchase"]).dt.days.astype("int64")
    out = out.rename_axis("customer_id").reset_index()
    q = params.score_quantiles
    _, rc = cut_points(out["recency_days"], params.recency_cuts, q)
    _, fc = cut_points(out["frequency"], params.frequency_cuts, q)
    _, mc = cut_points(out["monetary"], params.monetary_cuts, q)
    out["r_score"] = score(out["recency_days"], rc, higher_is_better=False).astype("int64")
    out["f_score"] = score(out["frequency"], fc).astype("int64")
    out["m_score"] = score(out["monetary"], mc).astype("int64")
    out["rfm_segment"] = _segment_names(out, params.segment_rules)
    out["segment"] = out["rfm_segment"]  # the data model's fixed column name (see RFM_COLUMNS)
    out["rfm_code"] = rfm_codes(out["r_score"], out["f_score"], out["m_score"])
    return out[RFM_COLUMNS]


def rfm_codes(r: pd.Series, f: pd.Series, m: pd.Series) -> pd.Series:
    """The ``rfm_code`` text of scores 1..5 (``"545"``): ``r.astype(str) + f.astype(str) + m.astype(str)``.

    Built from the 125 possible codes instead of three million-row text conversions.
    """
    r, f, m = (np.asarray(x, dtype=np.int64) for x in (r, f, m))
    if len(r) and (min(r.min(), f.min(), m.min()) < 1 or max(r.max(), f.max(), m.max()) > 5):
        raise ValueError("rfm_codes: scores must be 1..5")
    texts = [f"{a}{b}{c}" for a in range(1, 6) for b in range(1, 6) for c in range(1, 6)]
    return decode(texts, (r - 1) * 25 + (f - 1) * 5 + (m - 1))


def _empty_rfm() -> pd.DataFrame:
    kinds = {"customer_id": "str", "recency_days": "int64", "frequency": "int64", "monetary": "float64",
             "r_score": "int64", "f_score": "int64", "m_score": "int64", "segment": "str", "rfm_segment": "str", "rfm_code": "str",
             "first_purchase": "datetime64[ns]", "last_purchase": "datetime64[ns]", "revenue_window": "float64",
             "margin": "float64", "returns": "float64"}
    return pd.DataFrame({c: pd.Series(dtype=kinds[c]) for c in RFM_COLUMNS})


def assign_segments(scores: pd.DataFrame, rules: list[dict]) -> np.ndarray:
    """The RFM segment of each row: the first rule whose score ranges all hold, else ``"Other"``.

    Parameters
    ----------
    scores : DataFrame
        Columns ``r_score``, ``f_score``, ``m_score`` (1..5).
    rules : list of dict
        ``{"rfm_segment": name, "r": [low, high], "f": [...], "m": [...]}``; a missing range means any.
    """
    names = np.array([rule["rfm_segment"] for rule in rules] + [OTHER_SEGMENT], dtype=object)
    return names[_first_rule(scores, rules)]


def _first_rule(scores: pd.DataFrame, rules: list[dict]) -> np.ndarray:
    """Index of the first rule each row matches (``len(rules)``: none, the ``"Other"`` segment)."""
    which = np.full(len(scores), len(rules), dtype=np.int64)
    free = np.ones(len(scores), dtype=bool)
    for i, rule in enumerate(rules):
        m = free.copy()
        for k in RANGE_KEYS:
            if k in rule:
                lo, hi = rule[k]
                s = scores[f"{k}_score"].to_numpy()
                m &= (s >= lo) & (s <= hi)
        which[m] = i
        free &= ~m
    return which


def _segment_names(scores: pd.DataFrame, rules: list[dict]):
    """:func:`assign_segments` as a text column, built from the few names instead of one object per row."""
    names = [rule["rfm_segment"] for rule in rules] + [OTHER_SEGMENT]
    if all(isinstance(n, str) for n in names):
        return decode(names, _first_rule(scores, rules)).array
    return assign_segments(scores, rules)


def score_table(rfm: pd.DataFrame, params: SegmentationParams) -> pd.DataFrame:
    """How each dimension was cut and how many customers got each score (ties can leave one empty).

    Returns
    -------
    DataFrame
        One row per dimension: ``dimension``, ``method`` (quantile / fixed), ``cut_points``
        (text), and ``score_1`` .. ``score_5`` customer counts.
    """
    rows = []
    q = params.score_quantiles
    for dim, col, cuts in (("recency_days", "r_score", params.recency_cuts),
                           ("frequency", "f_score", params.frequency_cuts),
                           ("monetary", "m_score", params.monetary_cuts)):
        method, cp = cut_points(rfm[dim], cuts, q)
        counts = rfm[col].value_counts().reindex(range(1, 6), fill_value=0)
        row = {"dimension": dim, "method": method,
               "cut_points": ", ".join("–" if np.isnan(c) else f"{c:,.2f}".rstrip("0").rstrip(".") for c in cp)}
        row.update({f"score_{s}": int(counts[s]) for s in range(1, 6)})
        rows.append(row)
    return pd.DataFrame(rows)


def segment_rules_table(params: SegmentationParams) -> pd.DataFrame:
    """The segment rules as a readable table, in the order they are applied."""
    def rng(rule, k):
        if k not in rule:
            return "1–5"
        lo, hi = rule[k]
        return f"{lo}" if lo == hi else f"{lo}–{hi}"

    return pd.DataFrame([{"rule": i + 1, "rfm_segment": r["rfm_segment"], "r_range": rng(r, "r"), "f_range": rng(r, "f"),
                          "m_range": rng(r, "m")} for i, r in enumerate(params.segment_rules)])


def segment_summary(rfm: pd.DataFrame, params: SegmentationParams, value: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``segments`` result table: size, revenue and behaviour of each RFM segment, in rule order.

    Parameters
    ----------
    rfm : DataFrame
        From :func:`rfm_table`.
    params : SegmentationParams
        Gives the segment order.
    value : DataFrame, optional
        From :func:`workbench.segmentation.clv.value_tiers`; adds ``clv`` and ``clv_per_customer``.

    Returns
    -------
    DataFrame
        ``rfm_segment``, ``customers``, ``share_customers``, ``revenue_window``,
        ``share_revenue_window``, ``monetary``, ``share_revenue``, ``mean_recency_days``,
        ``mean_frequency``, ``median_monetary``, ``clv``, ``clv_per_customer`` (empty without ``value``).
        Segments without customers are kept with zeros, so the table always shows every rule.
    """
    order = params.rfm_segment_names + ([OTHER_SEGMENT] if (rfm["rfm_segment"] == OTHER_SEGMENT).any() else [])
    df = rfm
    if value is not None and "clv" in value:
        df = merge_by_id(rfm, value[["customer_id", "clv"]], "left")
    g = df.groupby("rfm_segment", sort=False)
    out = pd.DataFrame({
        "customers": g.size(),
        "revenue_window": g["revenue_window"].sum(),
        "monetary": g["monetary"].sum(),
        "mean_recency_days": g["recency_days"].mean(),
        "mean_frequency": g["frequency"].mean(),
        "median_monetary": g["monetary"].median(),
    }).reindex(order)
    out["customers"] = out["customers"].fillna(0).astype("int64")
    for c in ("revenue_window", "monetary"):
        out[c] = out[c].fillna(0.0)
    n = max(int(out["customers"].sum()), 1)
    out["share_customers"] = out["customers"] / n
    out["share_revenue_window"] = _share(out["revenue_window"])
    out["share_revenue"] = _share(out["monetary"])
    # always present (empty without a CLV model), so the table has the same columns in every run
    out["clv"] = g["clv"].sum(min_count=1).reindex(order) if "clv" in df else np.nan
    out["clv_per_customer"] = out["clv"] / out["customers"].where(out["customers"] > 0)
    out = out.rename_axis("rfm_segment").reset_index()
    cols = ["rfm_segment", "customers", "share_customers", "revenue_window", "share_revenue_window", "monetary",
            "share_revenue", "mean_recency_days", "mean_frequency", "median_monetary"]
    return out[[*cols, "clv", "clv_per_customer"]]


def _share(s: pd.Series) -> pd.Series:
    total = s.sum()
    return s / total if total > 0 else s * np.nan
