"""What to do with each customer: the playbook, its counts and value at stake, the CRM list, tier migration.

The playbook (``params.playbook``) is an ordered list of plays; a play names the
value tiers, potentials and RFM segments it applies to (a missing key means any) and the
action in English and Chinese. Each customer gets the first play that matches,
so more specific plays go first (a VIP at risk is saved before a VIP is cared
for); a last play without conditions catches everyone else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.segmentation import clv as clv_mod
from workbench.segmentation import rfm as rfm_mod
from workbench.segmentation.keys import (
    as_column,
    coded,
    decode,
    positions,
    recode,
    same_values,
    strictly_ascending,
    take_aligned,
)
from workbench.segmentation.labels import name as label_name
from workbench.segmentation.params import SegmentationParams
from workbench.segmentation.prepare import Prepared, Problem, customer_codes

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
    out = value.copy(deep=False)  # value's columns shared (copy-on-write), three columns added
    # each condition is checked on the few distinct codes of its column, then spread by integer codes
    coded = {key: pd.factorize(out[key]) for key in ("tier", "potential", "rfm_segment")
             if any(key in p for p in params.playbook)}
    which = np.full(len(out), len(params.playbook), dtype=np.int64)  # the first matching play; none: NO_PLAY
    free = np.ones(len(out), dtype=bool)
    for i, p in enumerate(params.playbook):
        m = free.copy()
        for key, (codes, uniques) in coded.items():
            if key in p:
                # out[key].isin(p[key]) per distinct value; the last entry answers for a missing value
                allowed = pd.Series([*uniques, None], dtype=out[key].dtype).isin(p[key]).to_numpy()
                m &= allowed[codes]
        which[m] = i
        free &= ~m
    names = [p["play"] for p in params.playbook] + [NO_PLAY]
    en = {p["play"]: p["action"] for p in params.playbook}
    zh = {p["play"]: p.get("action_zh", p["action"]) for p in params.playbook}
    texts = {"play": names, "action": [_text(en.get(n)) for n in names], "action_zh": [_text(zh.get(n)) for n in names]}
    if all(isinstance(t, str) for column in texts.values() for t in column):
        for column, per_play in texts.items():
            out[column] = decode(per_play, which, index=out.index)
        return out
    out["play"] = np.array(names, dtype=object)[which]
    out["action"] = out["play"].map(en).fillna("")
    out["action_zh"] = out["play"].map(zh).fillna("")
    return out


def _text(v) -> str:
    """An action as ``map(...).fillna("")`` leaves it: missing -> empty."""
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else v


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

    The codes, their names and the actions are categorical columns (a few texts, one small code
    per customer: on millions of customers they would otherwise be most of the list's memory);
    ``customer_id`` and ``name`` are text. The CSV and the workbook are the same either way.

    Returns
    -------
    DataFrame
        :data:`CRM_COLUMNS` (``cluster`` empty when clustering was not possible).
    """
    df = _align(plays, rfm, ["recency_days", "frequency", "monetary"])
    df = _align(df, attrs, ["name"])
    rank = {p["play"]: i for i, p in enumerate(params.playbook)}
    perm = _export_order(df, rank)
    # only the list's own columns are put in order; codes and their names come from the few
    # distinct codes, put in order as integers
    out = pd.DataFrame({"customer_id": _take(df["customer_id"], perm)})
    out["name"] = pd.Series(pd.NA, index=out.index, dtype="str") if params.mask_pii else _take(df["name"], perm)
    for c in LABELLED:
        namers = [lambda v, c=c, lang=lang: label_name(c, v, lang) for lang in ("en", "zh")]
        out[c], out[f"{c}_en"], out[f"{c}_zh"] = _take_named(df[c], perm, namers)
    out["cluster"] = _clusters_of(df["customer_id"], clusters)[perm]
    out["recommended_action_en"] = _take_coded(df["action"], perm)
    out["recommended_action_zh"] = _take_coded(df["action_zh"], perm)
    for c in ("recency_days", "frequency", "monetary", "revenue_window", "p_alive", "clv"):
        out[c] = _take(df[c], perm)
    out = out[CRM_COLUMNS]
    out["p_alive"] = out["p_alive"].round(4)
    out[["monetary", "revenue_window", "clv"]] = out[["monetary", "revenue_window", "clv"]].round(2)
    return out


def _few_values(col: pd.Series) -> bool:
    """Whether a text column looks like codes (few distinct values in its first rows): a speed choice only."""
    return col.dtype == "str" and len(col) > 0 and col.iloc[:4096].nunique() <= 64


def _take(col: pd.Series, perm: np.ndarray):
    """``col`` in the order ``perm`` (positions): ``col.take(perm).reset_index(drop=True)``.

    A text column of few distinct values is rebuilt from its codes (the strings of a handful of
    plays, not three million of them, are copied).
    """
    if _few_values(col):
        codes, uniques = pd.factorize(col)
        return decode(list(uniques), codes[perm])
    return col.take(perm).reset_index(drop=True)


def _take_coded(col: pd.Series, perm: np.ndarray):
    """``col`` in the order ``perm``, a text column as :func:`coded` (categorical) whatever its length."""
    if col.dtype == "str":
        codes, uniques = pd.factorize(col)
        return coded(list(uniques), codes[perm])
    return col.take(perm).reset_index(drop=True)


def _take_named(col: pd.Series, perm: np.ndarray, namers: list) -> list:
    """``col`` in the order ``perm`` and, per function of ``namers``, the name of each value
    (``col.map({v: f(v) ...})``) in that order: one factorisation for all of them."""
    if col.dtype == "str" and len(col):
        codes, uniques = pd.factorize(col)
        codes = codes[perm]
        return [coded(list(uniques), codes), *(coded([f(v) for v in uniques], codes) for f in namers)]
    taken = col.take(perm).reset_index(drop=True)
    return [taken, *(taken.map({v: f(v) for v in taken.dropna().unique()}) for f in namers)]


def _clusters_of(customer_id: pd.Series, clusters: pd.Series | None):
    """The cluster of each customer (``Int64``, missing when not clustered): ``customer_id.map(clusters)``."""
    if clusters is None or not len(clusters):
        return pd.array(np.full(len(customer_id), pd.NA), dtype="Int64")
    if same_values(clusters.index, customer_id):  # the clusters are labelled in the rfm order
        return pd.array(clusters.to_numpy(), dtype="Int64")
    return take_aligned(clusters, positions(customer_id, clusters.index)).astype("Int64").array


def _export_order(df: pd.DataFrame, rank: dict[str, int]) -> np.ndarray:
    """Row positions of the CRM list: playbook order, then value score descending, then customer id.

    What ``sort_values(["_order", "value_score", "customer_id"], ascending=[True, False, True])``
    gives with ``_order`` the play's playbook rank (unknown plays last). Customer ids in
    ascending order (the rfm order) rank as their positions, so no text is sorted.
    """
    order = df["play"].map(rank).fillna(len(rank)) if df["play"].dtype != "str" else \
        _play_rank(df["play"], rank)
    score = df["value_score"].to_numpy(dtype=float)
    if strictly_ascending(df["customer_id"]) and not np.isnan(score).any():
        return np.lexsort((np.arange(len(df)), -score, np.asarray(order, dtype=float)))
    tmp = pd.DataFrame({"_order": np.asarray(order, dtype=float), "value_score": score,
                        "customer_id": df["customer_id"].to_numpy()})
    return tmp.sort_values(["_order", "value_score", "customer_id"], ascending=[True, False, True]).index.to_numpy()


def _play_rank(play: pd.Series, rank: dict[str, int]) -> np.ndarray:
    """``play.map(rank).fillna(len(rank))`` per distinct play."""
    codes, uniques = pd.factorize(play)
    per = np.array([rank.get(v, len(rank)) for v in uniques] + [len(rank)], dtype=float)
    return per[codes]  # code -1 (no play) takes the last entry: unknown, last


def _align(left: pd.DataFrame, right: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``left`` with ``columns`` of ``right`` by customer_id: by position when both list the same
    customers in the same order (the usual case: both derive from the rfm table), else by a merge."""
    if same_values(left["customer_id"], right["customer_id"]):
        out = left.copy()
        for c in columns:
            out[c] = as_column(right[c])
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
    # value merged with the previous tiers on customer_id (left), by the customers' codes
    df = value[["customer_id", "tier", "revenue_window"]].reset_index(drop=True)
    previous = prev_value.set_index("customer_id")["tier"]
    df["previous_tier"] = take_aligned(previous, _previous_rows(prep, df, prev, prev_value)).set_axis(df.index)
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


def _previous_rows(prep: Prepared, current: pd.DataFrame, prev: Prepared, previous: pd.DataFrame) -> np.ndarray:
    """Row of each ``current`` customer in ``previous`` (-1: none), both per-customer tables of
    ``prep`` and of its restriction ``prev``: by their codes (the same categories), else by id."""
    now, then = customer_codes(prep, current["customer_id"]), customer_codes(prev, previous["customer_id"])
    same_codes = same_values(prep.lines["customer_id"].cat.categories, prev.lines["customer_id"].cat.categories)
    if now is None or then is None or not same_codes:
        return positions(current["customer_id"], previous["customer_id"])
    at = np.minimum(np.searchsorted(then, now), max(len(then) - 1, 0))
    return np.where((len(then) > 0) & (then[at] == now), at, -1)


# ----------------------------------------------------------------------------- CRM import layouts

ZOHO_FIELDS = {"tier": "Workbench Tier", "potential": "Workbench Potential", "rfm_segment": "Workbench RFM Segment",
               "play": "Workbench Play"}
"""Custom fields (single line or pick list) a Zoho admin creates in Accounts for the workbench's codes."""
ZOHO_COLUMNS = ["Record Id", "Account Name", "Tag", *ZOHO_FIELDS.values(), "Workbench Action"]
"""Columns of the ``crm_import_zoho`` table: Zoho CRM's Accounts import, updating by ``Record Id``."""
FXIAOKE_COLUMNS = ["客户编号", "客户名称", "客户级别", "标签"]
"""Columns of the ``crm_import_fxiaoke`` table: Fxiaoke's 客户 object import, updating by 客户编号."""
TAG_SEPARATOR = ";"
"""Tags in one cell, as Zoho's import reads a tag column (and Fxiaoke's 标签)."""
CRM_ID_FIELDS = {"zoho": ("Record Id",), "fxiaoke": ("客户编号",)}
"""The field each layout matches on (``dataset.yaml`` ``crm_ids`` must name it)."""


@dataclass
class CrmLayout:
    """One CRM's import file, or why it cannot be written.

    Attributes
    ----------
    crm : str
        ``zoho`` or ``fxiaoke``.
    table : DataFrame or None
        The import file (:data:`ZOHO_COLUMNS` / :data:`FXIAOKE_COLUMNS`); None when the ids are not the CRM's.
    reason : str
        Why there is no table: ``other_source`` (the dataset came from ``source``), ``no_source``
        (``dataset.yaml`` records none: not imported from a CRM), ``no_crm_ids`` (from this CRM, but
        its customer ids are not the field the import matches on, ``id_field`` says what they are),
        ``no_customers``; empty when there is a table.
    source : str or None
        ``dataset.yaml``'s ``source``.
    id_field : str or None
        The CRM field the customer ids came from (``Record Id``, ``客户编号``, ``_id``), if recorded.
    unknown_levels : list of str
        Fxiaoke: 客户级别 values of ``fxiaoke_levels`` not among the levels the imported customers carry.
    unmapped_tiers : list of str
        Fxiaoke: value tiers of the list that ``fxiaoke_levels`` does not map (their 客户级别 is blank).
    left_out : int
        Customers of the list without a matchable id (a customer known only from an opportunity
        has no 客户编号; ``mask_pii`` replaced an id that looked like a phone number), so not in the file.
    """

    crm: str
    table: pd.DataFrame | None
    reason: str = ""
    source: str | None = None
    id_field: str | None = None
    unknown_levels: list[str] = field(default_factory=list)
    left_out: int = 0
    unmapped_tiers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.table is not None


def _tags(df: pd.DataFrame, keys: list[str], lang: str) -> pd.Series:
    """The ``;``-separated tag cell: each key's code by its name in ``lang`` (no ``;`` or ``,`` inside a tag).

    A tag cell depends on the row's codes only: it is written once per distinct combination of
    codes (a few hundred at most) and put in place by integer codes.
    """
    if not keys:
        return pd.Series("", index=df.index, dtype="str")
    if len(df) > 1000 and all(df[k].dtype == "str" or isinstance(df[k].dtype, pd.CategoricalDtype) for k in keys):
        combo, radix, uniques = np.zeros(len(df), dtype=np.int64), 1, []
        for k in keys:
            codes, u = pd.factorize(df[k])
            combo = combo * (len(u) + 1) + (codes + 1)  # 0: missing
            radix *= len(u) + 1
            uniques.append(u)
        if radix < 2 ** 62:
            distinct, inverse = np.unique(combo, return_inverse=True)
            small, rest = {}, distinct
            for k, u in reversed(list(zip(keys, uniques, strict=True))):
                small[k] = decode(list(u), rest % (len(u) + 1) - 1)
                rest = rest // (len(u) + 1)
            texts = _tag_cells(pd.DataFrame(small), keys, lang)
            return decode(list(texts), inverse, index=df.index)
    return _tag_cells(df, keys, lang)


def _tag_cells(df: pd.DataFrame, keys: list[str], lang: str) -> pd.Series:
    """:func:`_tags` row by row."""
    parts = []
    for k in keys:
        names = {v: re.sub(r"\s*[;,，；]\s*", " ", label_name(k, v, lang)) for v in df[k].dropna().unique()}
        parts.append(df[k].map(names).fillna(""))
    out = parts[0]
    for p in parts[1:]:
        out = out.str.cat(p, sep=TAG_SEPARATOR)
    return out.str.replace(r";{2,}", ";", regex=True).str.strip(";").astype("str")


def crm_layouts(plays: pd.DataFrame, rfm: pd.DataFrame, attrs: pd.DataFrame, cl, ds,
                params: SegmentationParams) -> dict[str, CrmLayout]:
    """The :func:`crm_export` list in Zoho CRM's and Fxiaoke's import layouts (see :func:`layouts_of`).

    ``cl`` is the :class:`~workbench.segmentation.clusters.Clusters` result (its labels fill ``cluster``).
    """
    source = getattr(getattr(ds, "meta", None), "source", None)
    if plays.empty or source not in CRM_ID_FIELDS:  # no layout of either CRM is written: no list to lay out
        export = pd.DataFrame({c: pd.Series(dtype="object") for c in CRM_COLUMNS})
    else:
        export = crm_export(plays, rfm, attrs, cl.labels if cl is not None and cl.ok else None, params)
    return layouts_of(export, ds, params)


def layouts_of(export: pd.DataFrame, ds, params: SegmentationParams) -> dict[str, CrmLayout]:
    """The ``crm_export`` list in Zoho CRM's and Fxiaoke's own import layouts, where the ids are theirs.

    A layout is written only when the dataset came from that CRM (``dataset.yaml`` ``source``,
    recorded by ``workbench import``) and its customer ids are the field the CRM's import matches
    on (``crm_ids``): Zoho's Accounts ``Record Id``; Fxiaoke's 客户编号 (the customer id itself, or
    the ``customer_number`` column kept beside a data ``_id``). Otherwise the layout says why, and
    no id is invented.

    Parameters
    ----------
    export : DataFrame
        :func:`crm_export`.
    ds : Dataset
        The dataset (its ``meta`` and ``customers`` table).
    params : SegmentationParams
        ``crm_tags``, ``zoho_lang``, ``fxiaoke_lang``, ``fxiaoke_levels``, ``mask_pii``.

    Returns
    -------
    dict
        ``{"zoho": CrmLayout, "fxiaoke": CrmLayout}``; tables in the order of ``export``. Account
        and customer names are empty when ``mask_pii`` is on.
    """
    meta = getattr(ds, "meta", None)
    source = getattr(meta, "source", None)
    crm_ids = dict(getattr(meta, "crm_ids", None) or {})
    customers = ds.tables.get("customers") if hasattr(ds, "tables") else None
    return {"zoho": _zoho(export, source, crm_ids, params),
            "fxiaoke": _fxiaoke(export, source, crm_ids, customers, params)}


def _check(crm: str, export: pd.DataFrame, source, crm_ids: dict) -> tuple[str, str | None]:
    """(reason, id_field): empty reason when the customer ids are this CRM's matching field."""
    id_field = crm_ids.get("customers.customer_id")
    if source != crm:
        return ("no_source" if not source else "other_source"), None
    if export.empty:
        return "no_customers", id_field
    return "", id_field


def _zoho(export: pd.DataFrame, source, crm_ids: dict, params: SegmentationParams) -> CrmLayout:
    reason, id_field = _check("zoho", export, source, crm_ids)
    if not reason and id_field not in CRM_ID_FIELDS["zoho"]:
        reason = "no_crm_ids"
    if reason:
        return CrmLayout("zoho", None, reason, source, id_field)
    lang = params.zoho_lang
    out = pd.DataFrame({"Record Id": export["customer_id"].astype("str"),
                        "Account Name": export["name"].astype("str"),
                        "Tag": _tags(export, params.crm_tags, lang)})
    for key, col in ZOHO_FIELDS.items():
        out[col] = recode(export[key], lambda v, key=key: label_name(key, v, lang)).astype("str")
    out["Workbench Action"] = export["recommended_action_zh" if lang == "zh" else "recommended_action_en"]
    has_id = _matchable(out["Record Id"])
    return CrmLayout("zoho", out.loc[has_id, ZOHO_COLUMNS].reset_index(drop=True), "", source, id_field,
                     left_out=int((~has_id).sum()))


def _matchable(ids: pd.Series) -> np.ndarray:
    """Ids a CRM can match: not blank, and not replaced by a ``mask_pii`` token (``[phone-…]``)."""
    s = ids.astype("str")
    return (s.notna() & s.str.strip().ne("") & ~s.str.match(r"\[[a-z-]+-[0-9A-F]{6}\]$")).fillna(False).to_numpy(bool)


def _fxiaoke(export: pd.DataFrame, source, crm_ids: dict, customers: pd.DataFrame | None,
             params: SegmentationParams) -> CrmLayout:
    reason, id_field = _check("fxiaoke", export, source, crm_ids)
    number = None
    if not reason:
        if id_field in CRM_ID_FIELDS["fxiaoke"]:
            number = export["customer_id"].astype("str")
        elif (crm_ids.get("customers.customer_number") in CRM_ID_FIELDS["fxiaoke"] and customers is not None
              and "customer_number" in customers.columns):
            by_id = customers.drop_duplicates("customer_id").set_index("customer_id")["customer_number"]
            number = take_aligned(by_id, positions(export["customer_id"], by_id.index)).astype("str")
            number.index = export.index
        else:
            reason = "no_crm_ids"
    if reason:
        return CrmLayout("fxiaoke", None, reason, source, id_field)
    level = recode(export["tier"], lambda v: params.fxiaoke_levels.get(v)).astype("str")
    present = set(export["tier"].dropna().unique())
    unmapped = [t for t in params.tier_names if t in present and t not in params.fxiaoke_levels]
    out = pd.DataFrame({"客户编号": number, "客户名称": export["name"].astype("str"), "客户级别": level,
                        "标签": _tags(export, params.crm_tags, params.fxiaoke_lang)})
    # A customer whose 客户编号 is blank (a stub known only from an opportunity) cannot be matched: left out.
    has_id = _matchable(out["客户编号"])
    out = out.loc[has_id].reset_index(drop=True)
    seen = set(customers["tier"].dropna().astype(str)) if customers is not None and "tier" in customers else set()
    unknown = sorted({v for v in params.fxiaoke_levels.values() if seen and v not in seen})
    return CrmLayout("fxiaoke", out[FXIAOKE_COLUMNS], "", source, crm_ids.get("customers.customer_number", id_field),
                     unknown, int((~has_id).sum()), unmapped)
