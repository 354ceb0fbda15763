"""What to do with each customer: the playbook, its counts and value at stake, the CRM list, tier migration.

The playbook (``params.playbook``) is an ordered list of plays; a play names the
value tiers, potentials and RFM segments it applies to (a missing key means any) and the
action in English and Chinese. Each customer gets the first play that matches,
so more specific plays go first (a VIP at risk is saved before a VIP is cared
for); a last play without conditions catches everyone else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.segmentation import clv as clv_mod
from workbench.segmentation import rfm as rfm_mod
from workbench.segmentation.labels import name as label_name
from workbench.segmentation.params import SegmentationParams
from workbench.segmentation.prepare import Prepared, Problem

NO_PLAY = "(no play)"
LABELLED = ("rfm_segment", "tier", "potential", "play")
CRM_COLUMNS = ["customer_id", "name", "rfm_segment", "tier", "potential", "cluster", "play",
               "recommended_action_en", "recommended_action_zh",
               *[f"{c}_{lang}" for c in LABELLED for lang in ("en", "zh")],
               "recency_days", "frequency", "monetary", "revenue_window", "p_alive", "clv"]
"""Columns of the ``crm_export`` table (``name`` is empty when names are masked)."""
TRANSITION_COLUMNS = ["previous_tier", "current_tier", "customers", "share_of_previous", "movement", "revenue_window"]
"""Columns of the ``tier_transitions`` table."""


def assign_plays(value: pd.DataFrame, params: SegmentationParams) -> pd.DataFrame:
    """The first matching play per customer.

    Parameters
    ----------
    value : DataFrame
        From :func:`~workbench.segmentation.clv.value_tiers` (``tier``, ``potential``, ``rfm_segment``).
    params : SegmentationParams
        The playbook.

    Returns
    -------
    DataFrame
        ``value`` plus ``play``, ``action`` and ``action_zh`` (``"(no play)"`` when no play matches).
    """
    out = value.copy()
    play = np.full(len(out), NO_PLAY, dtype=object)
    free = np.ones(len(out), dtype=bool)
    for p in params.playbook:
        m = free.copy()
        for key in ("tier", "potential", "rfm_segment"):
            if key in p:
                m &= out[key].isin(p[key]).to_numpy()
        play[m] = p["play"]
        free &= ~m
    out["play"] = play
    en = {p["play"]: p["action"] for p in params.playbook}
    zh = {p["play"]: p.get("action_zh", p["action"]) for p in params.playbook}
    out["action"] = out["play"].map(en).fillna("")
    out["action_zh"] = out["play"].map(zh).fillna("")
    return out


def strategy_table(plays: pd.DataFrame, params: SegmentationParams) -> pd.DataFrame:
    """The ``segments`` strategy view: one row per play with its customers and the value at stake.

    Returns
    -------
    DataFrame
        ``play``, ``action``, ``action_zh``, ``customers``, ``share_customers``, ``revenue_window``
        (net revenue of the value window), ``value_at_stake`` (their predicted value, CLV;
        NaN without a CLV model), ``mean_p_alive``; in playbook order, plays without customers kept.
    """
    order = [p["play"] for p in params.playbook] + ([NO_PLAY] if (plays["play"] == NO_PLAY).any() else [])
    g = plays.groupby("play", sort=False)
    out = pd.DataFrame({"customers": g.size(), "revenue_window": g["revenue_window"].sum(),
                        "value_at_stake": g["clv"].sum(min_count=1), "mean_p_alive": g["p_alive"].mean()})
    out = out.reindex(order)
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out["revenue_window"] = out["revenue_window"].fillna(0.0)
    out["share_customers"] = out["customers"] / max(int(out["customers"].sum()), 1)
    en = {p["play"]: p["action"] for p in params.playbook}
    zh = {p["play"]: p.get("action_zh", p["action"]) for p in params.playbook}
    out = out.rename_axis("play").reset_index()
    out["action"] = out["play"].map(en).fillna("")
    out["action_zh"] = out["play"].map(zh).fillna("")
    return out[["play", "action", "action_zh", "customers", "share_customers", "revenue_window", "value_at_stake",
                "mean_p_alive"]]


def crm_export(plays: pd.DataFrame, rfm: pd.DataFrame, attrs: pd.DataFrame, clusters: pd.Series | None,
               params: SegmentationParams) -> pd.DataFrame:
    """The customer list for re-import into the CRM: one row per customer, the same in every report language.

    The name is empty when ``mask_pii`` is on (a pseudonym is useless in a CRM; the
    customer id is the key; the column stays so the file always has the same columns). ``rfm_segment``, ``tier``, ``potential`` and ``play`` hold the
    canonical codes; ``<column>_en`` and ``<column>_zh`` their names as the report shows them
    (one label per code, :mod:`workbench.segmentation.labels`), and ``recommended_action_en`` /
    ``recommended_action_zh`` the play's action, so a CRM user picks the language and the file
    does not depend on the language the report was run in. Sorted by playbook order, then
    value score descending.

    Returns
    -------
    DataFrame
        :data:`CRM_COLUMNS` (``cluster`` empty when clustering was not possible).
    """
    df = _align(plays, rfm, ["recency_days", "frequency", "monetary"])
    df = _align(df, attrs, ["name"])
    df["cluster"] = df["customer_id"].map(clusters).astype("Int64") if clusters is not None and len(clusters) \
        else pd.array([pd.NA] * len(df), dtype="Int64")
    df["recommended_action_en"] = df["action"]
    df["recommended_action_zh"] = df["action_zh"]
    for c in LABELLED:
        codes = df[c].dropna().unique()
        for lang in ("en", "zh"):
            df[f"{c}_{lang}"] = df[c].map({v: label_name(c, v, lang) for v in codes})
    rank = {p["play"]: i for i, p in enumerate(params.playbook)}
    df["_order"] = df["play"].map(rank).fillna(len(rank))
    df = df.sort_values(["_order", "value_score", "customer_id"], ascending=[True, False, True])
    if params.mask_pii:
        df["name"] = pd.Series(pd.NA, index=df.index, dtype="str")
    out = df[CRM_COLUMNS].reset_index(drop=True)
    out["p_alive"] = out["p_alive"].round(4)
    out[["monetary", "revenue_window", "clv"]] = out[["monetary", "revenue_window", "clv"]].round(2)
    return out


def _align(left: pd.DataFrame, right: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``left`` with ``columns`` of ``right`` by customer_id: by position when both list the same
    customers in the same order (the usual case: both derive from the rfm table), else by a merge."""
    if len(left) == len(right) and left["customer_id"].reset_index(drop=True).equals(
            right["customer_id"].reset_index(drop=True)):
        out = left.copy()
        for c in columns:
            out[c] = right[c].to_numpy()
        return out
    return left.merge(right[["customer_id", *columns]], on="customer_id", how="left")


# ----------------------------------------------------------------------------- migration


def tier_migration(prep: Prepared, value: pd.DataFrame, params: SegmentationParams
                   ) -> tuple[pd.DataFrame, Problem | None]:
    """Tier transitions since ``migration_days`` before the analysis date, with the same rules.

    The previous tiers are computed exactly as the current ones, from the data known on the
    previous date (orders up to it, CLV refitted on them). When no CLV model could be fitted at
    either date, both sides use current value alone, so like is compared with like.

    Returns
    -------
    transitions : DataFrame
        ``previous_tier`` (``"(new)"`` for customers without a purchase by then), ``current_tier``,
        ``customers``, ``share_of_previous`` (of the previous tier's customers), ``movement``
        (``up`` / ``down`` / ``same`` / ``new``), ``revenue_window`` (current, of those customers).
    problem : Problem or None
        Why there is no previous period (the data start later).
    """
    if not prep.ok:
        return pd.DataFrame(), prep.problem
    prev_date = prep.analysis_date - pd.Timedelta(days=params.migration_days)
    prev = rfm_mod.restrict(prep, prev_date)
    if not prev.ok:
        return pd.DataFrame(), Problem(
            "There is no previous period to compare with: no purchase on or before {date} "
            "({days} days before the analysis date).",
            "没有可比较的上期：{date}（分析日前 {days} 天）及之前没有购买记录。",
            {"date": prev_date, "days": params.migration_days})
    prev_rfm = rfm_mod.rfm_table(prev, params)
    prev_clv = clv_mod.clv_table(prev, prev_rfm, params)
    current_has_clv = value["clv"].notna().any()
    value_only = not (current_has_clv and prev_clv.ok)
    if current_has_clv != prev_clv.ok:  # compare like with like: both on current value alone
        no_model = clv_mod.ClvResult(clv_mod._empty_clv(), None, Problem("", ""))
        prev_clv = no_model
        value = clv_mod.value_tiers(value[["customer_id", "rfm_segment", "revenue_window"]], no_model, params)
    prev_value = clv_mod.value_tiers(prev_rfm, prev_clv, params)
    df = value[["customer_id", "tier", "revenue_window"]].merge(
        prev_value[["customer_id", "tier"]].rename(columns={"tier": "previous_tier"}), on="customer_id", how="left")
    df["previous_tier"] = df["previous_tier"].fillna("(new)")
    rank = {t: i for i, t in enumerate(params.tier_names)}
    g = df.groupby(["previous_tier", "tier"], sort=False)
    out = pd.DataFrame({"customers": g.size(), "revenue_window": g["revenue_window"].sum()}).reset_index()
    out = out.rename(columns={"tier": "current_tier"})
    prev_rank = out["previous_tier"].map(rank)
    cur_rank = out["current_tier"].map(rank)
    out["movement"] = np.where(prev_rank.isna(), "new",
                               np.where(cur_rank < prev_rank, "up", np.where(cur_rank > prev_rank, "down", "same")))
    totals = out.groupby("previous_tier")["customers"].transform("sum")
    out["share_of_previous"] = out["customers"] / totals
    order = {t: i for i, t in enumerate([*params.tier_names, "(new)"])}
    out = out.sort_values(["previous_tier", "current_tier"], key=lambda s: s.map(order)).reset_index(drop=True)
    out.attrs["previous_date"] = prev_date
    out.attrs["value_only"] = value_only
    return out[TRANSITION_COLUMNS], None
