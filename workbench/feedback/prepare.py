"""The feedback responses prepared once: scores checked, each response with its channel, customer grouping,
region, period and NPS group.

Out-of-range answers (NPS outside 0..10, CSAT outside 1..5) are set to missing by the loader with a
warning; :func:`prepare` repeats the check for frames that did not come through the loader and
notes both. The customer grouping is the one ``segment_by`` chooses, named by what it is: ``tier``
(the customer value tier), ``industry`` or ``source`` (the feedback source); not an RFM segment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.feedback.labels import DIMENSION_LABELS
from workbench.reporting import Notes as Section

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
"""The group of responses whose tier or region cannot be told (no customer)."""
SEGMENT_DIMENSIONS = ("tier", "industry", "source")
"""The groupings ``segment_by`` can choose; the dimension is named after it."""
PERIOD_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}


@dataclass
class FeedbackData(Section):
    """The feedback responses with their channel, segment, region and period; the as-of date."""

    responses: pd.DataFrame = field(default_factory=pd.DataFrame)
    as_of: pd.Timestamp | None = None
    dimensions: tuple[str, ...] = ()
    segment_by: str = "tier"

    @property
    def segment_dim(self) -> str | None:
        """The customer grouping's dimension (``tier``, ``industry`` or ``source``), when present."""
        return self.segment_by if self.segment_by in self.dimensions else None



# ----------------------------------------------------------------------------- preparation


def channel_labels(channels: pd.DataFrame | None) -> dict[str, str]:
    """``{channel_id: "CH07 电话销售"}`` (the id alone when there is no name)."""
    if channels is None or "name" not in channels:
        return {}
    names = channels["name"].fillna("")
    return {c: (f"{c} {n}" if n and n != c else c) for c, n in zip(channels["channel_id"], names, strict=True)}


def clean_scores(fb: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """NPS outside 0..10 and CSAT outside 1..5 set to missing; returns the frame and the counts."""
    out = fb.copy()
    counts = {}
    for col, lo, hi in (("nps", 0, 10), ("csat", 1, 5)):
        if col not in out:
            out[col] = np.nan
            counts[col] = 0
            continue
        v = pd.to_numeric(out[col], errors="coerce")
        bad = v.notna() & ((v < lo) | (v > hi))
        counts[col] = int(bad.sum())
        out[col] = v.where(~bad).astype("float64")
    return out, counts


def nps_group(nps: pd.Series) -> pd.Series:
    """``promoter`` (9-10), ``passive`` (7-8), ``detractor`` (0-6), missing without a score."""
    g = np.select([nps >= 9, nps >= 7, nps >= 0], ["promoter", "passive", "detractor"], default="")
    return pd.Series(g, index=nps.index, dtype="str").replace("", np.nan)


def prepare(ds, params) -> FeedbackData:
    """The responses ready for analysis, with ``channel, segment, region, period, nps_group``.

    Parameters
    ----------
    ds : Dataset
        Needs ``feedback``; ``channels`` and ``customers`` add names, segment and region.
    params : FeedbackParams
        ``period``, ``segment_by`` and ``as_of`` are used here.
    """
    out = FeedbackData(segment_by=params.segment_by)
    if "feedback" not in ds.tables:
        out.off("The dataset has no feedback table (response_id, date, nps, csat, comment ...).",
                "数据集中没有 feedback 表（response_id、date、nps、csat、comment 等）。")
        return out
    for issue in ds.issues:
        if issue.table == "feedback" and issue.column in ("nps", "csat") and issue.kind in ("out_of_range", "invalid"):
            out.note("The loader set {n} {col} value(s) to missing: {what} (rows {rows}).",
                     "加载时已将 {n} 个超出取值范围或无效的 {col} 值置为空（行 {rows}）。", n=issue.count, col=issue.column,
                     what=issue.message, rows=", ".join(map(str, issue.rows[:5])))
    fb, bad = clean_scores(ds.tables["feedback"])
    for col, n in bad.items():
        if n:
            rng = "0..10" if col == "nps" else "1..5"
            out.note("{n} {col} value(s) outside {rng} were set to missing.", "{n} 个超出 {rng} 的 {col} 值已置为空。",
                     n=n, col=col, rng=rng)
    as_of = pd.Timestamp(params.as_of) if params.as_of else fb["date"].max()
    later = fb["date"] > as_of
    if later.any():
        out.note("{n} responses dated after {d} (as_of) are left out.", "{n} 条晚于分析基准日 {d} 的反馈未计入。",
                 n=int(later.sum()), d=f"{as_of:%Y-%m-%d}")
        fb = fb.loc[~later]
    out.as_of = as_of
    labels = channel_labels(ds.tables.get("channels"))
    dims = ["overall"]
    if "channel_id" in fb and fb["channel_id"].notna().any():
        fb["channel"] = fb["channel_id"].map(lambda c: labels.get(c, c), na_action="ignore").fillna(UNKNOWN)
        dims.append("channel")
    else:
        out.note("feedback.channel_id is empty: no breakdown by channel.", "feedback.channel_id 为空：无法按渠道拆分。")
    cust = ds.tables.get("customers")
    has_cust = cust is not None and "customer_id" in fb and fb["customer_id"].notna().any()
    seg = params.segment_by
    seg_en, seg_zh = DIMENSION_LABELS[seg]
    if seg == "source":
        if "source" in fb and fb["source"].notna().any():
            fb["source"] = fb["source"].fillna(UNKNOWN)
            dims.append(seg)
        else:
            out.note("feedback.source is empty: no breakdown by feedback source.", "feedback.source 为空：无法按反馈来源拆分。")
    elif has_cust and seg in cust and cust[seg].notna().any():
        fb[seg] = fb["customer_id"].map(cust.set_index("customer_id")[seg]).fillna(UNKNOWN)
        dims.append(seg)
    else:
        out.note("No breakdown by {what}: customers.{col} is not available for the responses.",
                 "无法按{what_zh}拆分：反馈对应的 customers.{col} 不可用。", col=seg, what=seg_en, what_zh=seg_zh)
    if has_cust and "region" in cust and cust["region"].notna().any():
        fb["region"] = fb["customer_id"].map(cust.set_index("customer_id")["region"]).fillna(UNKNOWN)
        dims.append("region")
    else:
        out.note("No region: the responses cannot be linked to customers.region.",
                 "无法按区域拆分：反馈无法关联到 customers.region。")
    for d in (seg, "region"):
        if d in dims:
            n_unknown = int(fb[d].eq(UNKNOWN).sum())
            if n_unknown:
                out.note("{n} responses have no known {d} (no customer_id, or the customer lacks it): they form the "
                         "group 'unknown'.",
                         "{n} 条反馈没有可识别的{d_zh}（没有客户编号，或客户缺少该信息），归入“未知”组。",
                         n=n_unknown, d=DIMENSION_LABELS[d][0], d_zh=DIMENSION_LABELS[d][1])
    fb["period"] = fb["date"].dt.to_period(PERIOD_FREQ[params.period]).astype("str").str.replace("Q", "-Q")
    dims.append("period")
    fb["nps_group"] = nps_group(fb["nps"])
    fb["overall"] = "all"
    out.responses = fb.reset_index(drop=True)
    out.dimensions = tuple(dims)
    if fb.empty:
        out.off("The feedback table holds no response up to the analysis date.", "截至分析基准日没有反馈记录。")
    return out


