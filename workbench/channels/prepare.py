"""Lead exports as they come out of a CRM, made fit for a funnel: statuses, sources, stages, cohorts.

:func:`prepare_leads` turns the ``leads`` table (plus ``stages``, ``stage_history``,
``reps`` and ``channels`` when present) into one clean frame with a row per lead,
and lists every problem it met as a :class:`Note` the report shows. It never raises
on bad rows: a status outside open / won / lost, a lead closed before it was
created, a missing close date or an unknown source is counted, handled as stated
in its note, and the rest of the analysis goes on.

Definitions
-----------
cohort
    The month (or quarter) a lead was created. Conversion is measured per creation
    cohort, never per calendar window of closing: a window's recent leads are still
    open, and counting closings in a window mixes leads of different ages.
mature cohort
    A cohort whose last day lies at least ``mature_after_days`` before the analysis
    date. Conversion rates use mature cohorts only; leads still open in them count
    as not won (the closed-only win rate is shown beside).
reach
    The furthest stage a lead entered, as the stage's position 1..N in the ``stages``
    table: the furthest of ``leads.stage`` and every stage of ``stage_history``. A
    won lead has passed every stage. 0 = unknown (no stage, or a name the
    ``stages`` table does not hold); such leads count in leads → won but not in the
    stage-by-stage funnel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench import measures
from workbench.channels import codes
from workbench.channels.params import ChannelParams
from workbench.data.aliases import BLANK, aliases_for
from workbench.data.aliases import map_values as map_aliases
from workbench.reporting import Note, share

log = logging.getLogger(__name__)

UNKNOWN = BLANK
"""The channel id of leads without a source: the loader's blank bucket ``(blank)`` (a literal
``unknown`` in the data is a source of its own unless ``unknown_sources`` names it)."""

WON_STAGE_NAMES = {"won", "closed won", "closed-won", "赢单", "成交", "签约", "已成交"}
LOST_STAGE_NAMES = {"lost", "closed lost", "closed-lost", "输单", "丢单"}


@dataclass
class LeadData:
    """Leads ready for the funnel, and what was done to get there.

    Attributes
    ----------
    leads : DataFrame
        One row per usable lead: ``lead_id, channel_id, known_source, status,
        created_date, closed_date, amount, rep_id, customer_id, region, cohort, mature, reach,
        stage_known, closed, won, duration_days, event, lost_reason``. ``duration_days`` is the
        time to close (closed) or the time open so far (open, ``event`` False), NaN
        when it cannot be measured.
    stages : list of str
        Stage names in funnel order (empty without a ``stages`` table).
    won_stage : bool
        True when the last stage is the won stage itself (only won leads enter it).
    as_of : Timestamp
        The analysis date.
    names : dict
        ``channel_id -> name`` from the ``channels`` table.
    notes : list of Note
        Every problem met and how it was handled.
    counts : dict
        Rows read, kept and dropped by reason.
    """

    leads: pd.DataFrame
    stages: list[str]
    won_stage: bool
    as_of: pd.Timestamp
    names: dict[str, str]
    notes: list[Note]
    counts: dict[str, int]
    spend_only: list[str] = field(default_factory=list)
    idle: list[str] = field(default_factory=list)
    cohort_freq: str = "M"
    mature_cutoff: pd.Timestamp | None = None
    rep_names: dict[str, str] = field(default_factory=dict)

    def label(self, channel_id: str) -> str:
        """``CH02 经销商`` — the id and the channel's name when known."""
        name = self.names.get(channel_id)
        return f"{channel_id} {name}" if name and name != channel_id else str(channel_id)

    @property
    def mature(self) -> pd.DataFrame:
        """Leads of mature cohorts with a known source (what conversion rates are computed on)."""
        lf = self.leads
        return lf.loc[lf["mature"]]


def _text(s: pd.Series) -> pd.Series:
    """Trimmed text (pandas ``str`` dtype), blanks as missing; vectorised on Arrow strings."""
    t = s if pd.api.types.is_string_dtype(s) and not pd.api.types.is_object_dtype(s) else s.astype("str")
    t = t.where(s.notna()).str.strip()
    return t.where(t != "")


def map_values(s: pd.Series, mapping) -> pd.Series:
    """``s.map(mapping)`` computed once per distinct value (fast on long text columns).

    ``mapping`` is a dict, a Series (index -> value; the first of repeated index values wins) or
    a function of one value; missing values map to missing. The result's dtype is what
    ``infer_objects`` makes of the mapped values: it is inferred once from the distinct mapped
    values (plus a missing one when ``s`` has missing values), which is what inferring the whole
    column gives, and the column is then taken from them.
    """
    code, uniques = codes.factorize(s)
    if isinstance(mapping, pd.Series) and codes.is_text(mapping):  # text looked up: taken as it is
        pos = codes.lookup(uniques, mapping.index)
        row = np.where(code >= 0, pos[np.maximum(code, 0)], -1) if len(pos) else np.full(len(s), -1)
        out = pd.api.extensions.take(mapping.array, row, allow_fill=True)
        if not out.isna().all():  # all missing: a float column, as inferred below
            return pd.Series(out, index=s.index)
    if isinstance(mapping, pd.Series):  # a lookup table: vectorised, the Arrow hash join on text
        pos = codes.lookup(uniques, mapping.index)
        mapped = pd.Series(pd.api.extensions.take(mapping.array, pos, allow_fill=True)).to_numpy(dtype=object)
    else:
        f = mapping.get if isinstance(mapping, dict) else mapping
        mapped = np.array([f(u) for u in uniques] + [None], dtype=object)[:-1]
    missing = code < 0
    if missing.any():  # missing values map to None: one more distinct value
        mapped = np.append(mapped, np.array([None], dtype=object))
        code = np.where(missing, len(mapped) - 1, code)
    values = pd.Series(mapped, dtype="object").infer_objects().array
    return pd.Series(values.take(code), index=s.index)


def _period_text(per: pd.Series) -> pd.Series:
    """``per.astype("str")``, formatted once per distinct period (a few dozen cohorts, millions of leads)."""
    code, uniques = pd.factorize(per, use_na_sentinel=True)
    text = pd.Series(uniques, dtype=per.dtype).astype("str")
    return pd.Series(pd.api.extensions.take(text.array, code, allow_fill=True), index=per.index, dtype=text.dtype)


def _key(s: pd.Series) -> pd.Series:
    """Lower-cased, trimmed text for matching (``""`` for missing)."""
    return _text(s).fillna("").str.lower()


def _examples(values: pd.Series, k: int = 4) -> str:
    vc = values.value_counts()
    return ", ".join(f"'{v}' ×{n:,}" for v, n in vc.head(k).items()) + (" …" if len(vc) > k else "")


def channel_names(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """``channel_id -> name`` from the ``channels`` table (id when the name is blank)."""
    ch = tables.get("channels")
    if ch is None or "channel_id" not in ch:
        return {}
    names = ch["name"] if "name" in ch else ch["channel_id"]
    out = {}
    for cid, name in zip(ch["channel_id"], names, strict=True):
        if isinstance(cid, str) and cid:
            out[cid] = name if isinstance(name, str) and name else cid
    return out


def analysis_date(tables: dict[str, pd.DataFrame], as_of: str = "") -> pd.Timestamp:
    """The analysis date: ``as_of`` when given, else the latest lead or order date (midnight)."""
    if as_of:
        return pd.Timestamp(as_of).normalize()
    dates = []
    for table, cols in (("leads", ("created_date", "closed_date")), ("orders", ("order_date",)),
                        ("stage_history", ("entered_date",))):
        df = tables.get(table)
        if df is None:
            continue
        for c in cols:
            if c in df:
                d = pd.to_datetime(df[c], errors="coerce")
                if d.notna().any():
                    dates.append(d.max())
    if not dates:
        return pd.Timestamp.today().normalize()
    return pd.Timestamp(max(dates)).normalize()


def _stage_order(tables: dict[str, pd.DataFrame]) -> list[str]:
    st = tables.get("stages")
    if st is None or "stage" not in st or "order" not in st:
        return []
    st = st.loc[st["stage"].notna() & pd.to_numeric(st["order"], errors="coerce").notna()].copy()
    st["order"] = pd.to_numeric(st["order"])
    st = st.sort_values("order", kind="stable").drop_duplicates("stage")
    return [str(s).strip() for s in st["stage"]]


def normalise_status(status: pd.Series, value_aliases: dict | None = None) -> pd.Series:
    """``open`` / ``won`` / ``lost`` from CRM spellings, through the one alias table of the loader
    (:mod:`workbench.data.aliases`); anything else becomes missing.

    The loader has already mapped the statuses of a loaded dataset; this serves frames handed
    in directly (tests, analysts in JupyterLab).

    Parameters
    ----------
    status : Series of str
    value_aliases : dict, optional
        Extra spellings as in params (``{"leads.status": {"Engaging": "open"}}``).
    """
    mapped, _ = map_aliases(status, ("open", "won", "lost"), aliases_for("leads", "status", value_aliases))
    return mapped


def prepare_leads(tables: dict[str, pd.DataFrame], params: ChannelParams,
                  as_of: pd.Timestamp | str | None = None) -> LeadData:
    """Clean the lead export for the funnel; never raises on bad rows.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The dataset's tables (``Dataset.tables``); ``leads`` is required
        (``lead_id, created_date, channel_id, status``), ``stages``,
        ``stage_history``, ``reps``, ``customers``, ``channels``, ``spend`` and
        ``orders`` are used when present.
    params : ChannelParams
    as_of : Timestamp or str, optional
        The analysis date; default :func:`analysis_date`.

    Returns
    -------
    LeadData

    Raises
    ------
    ValueError
        Only when the ``leads`` table lacks a required column (names it).
    """
    if "leads" not in tables:
        raise ValueError("the leads table is absent: the channel funnel needs leads.csv")
    raw = tables["leads"]
    missing = [c for c in ("lead_id", "created_date", "channel_id", "status") if c not in raw]
    if missing:
        raise ValueError(f"leads: required column(s) missing: {', '.join(missing)}; "
                         f"found {', '.join(map(str, raw.columns))}")
    as_of = pd.Timestamp(as_of).normalize() if as_of is not None else analysis_date(tables, params.as_of)
    notes: list[Note] = []
    counts = {"rows_read": len(raw)}
    freq = "M" if params.cohort == "month" else "Q"

    lf = pd.DataFrame({
        "lead_id": _text(raw["lead_id"]),
        "channel_id": _text(raw["channel_id"]),
        "status_raw": raw["status"],
        "created_date": pd.to_datetime(raw["created_date"], errors="coerce"),
        "closed_date": pd.to_datetime(raw["closed_date"], errors="coerce") if "closed_date" in raw
        else pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"),
        "amount": pd.to_numeric(raw["amount"], errors="coerce") if "amount" in raw else np.nan,
        "rep_id": _text(raw["rep_id"]) if "rep_id" in raw else None,
        "customer_id": _text(raw["customer_id"]) if "customer_id" in raw else None,
        "stage_raw": _text(raw["stage"]) if "stage" in raw else None,
        "lost_reason": _text(raw["lost_reason"]) if "lost_reason" in raw else None,
    })
    lf["created_date"] = lf["created_date"].dt.normalize()
    lf["closed_date"] = lf["closed_date"].dt.normalize()

    # -- rows that cannot be used ------------------------------------------------------
    no_id = lf["lead_id"].isna()
    if no_id.any():
        notes.append(Note("{n} lead(s) without a lead_id were left out.",
                          "{n} 条线索缺少 lead_id，已排除。", {"n": int(no_id.sum())}, "warning"))
    dup = lf["lead_id"].notna() & lf["lead_id"].duplicated(keep="first")
    if dup.any():
        notes.append(Note("{n} lead(s) repeat an earlier lead_id; the first row of each was kept.",
                          "{n} 条线索的 lead_id 与前面的行重复，每个编号只保留第一行。",
                          {"n": int(dup.sum())}, "warning"))
    no_created = lf["created_date"].isna() & ~no_id & ~dup
    if no_created.any():
        notes.append(Note("{n} lead(s) have no created date and cannot join a creation cohort; they were left out.",
                          "{n} 条线索没有创建日期，无法归入创建批次，已排除。",
                          {"n": int(no_created.sum())}, "warning"))
    future = lf["created_date"] > as_of
    if future.any():
        notes.append(Note("{n} lead(s) were created after the analysis date {as_of}; they were left out.",
                          "{n} 条线索的创建日期晚于分析基准日 {as_of}，已排除。",
                          {"n": int(future.sum()), "as_of": as_of}, "warning"))
    status = normalise_status(lf["status_raw"])
    bad_status = status.isna() & ~no_id & ~dup & ~no_created & ~future
    if bad_status.any():
        shown = lf.loc[bad_status, "status_raw"].astype("str").fillna("(blank)")
        notes.append(Note(
            "{n} lead(s) have a status outside open / won / lost ({examples}); they were left out. "
            "Map such values in the params file's value_aliases, e.g. {{leads.status: {{pending: open}}}}.",
            "{n} 条线索的状态不是 open / won / lost（{examples}），已排除。"
            "可在参数文件的 value_aliases 中映射，例如 {{leads.status: {{pending: open}}}}。",
            {"n": int(bad_status.sum()), "examples": _examples(shown)}, "warning"))
    keep = ~(no_id | dup | no_created | future | bad_status)
    counts.update(no_id=int(no_id.sum()), duplicate_id=int(dup.sum()), no_created=int(no_created.sum()),
                  future=int(future.sum()), bad_status=int(bad_status.sum()))
    lf = lf.loc[keep].copy()
    lf["status"] = status[keep].astype("str")
    counts["kept"] = len(lf)

    # -- sources ---------------------------------------------------------------------------
    unknown_words = {str(u).strip().lower() for u in params.unknown_sources}
    cid = lf["channel_id"]
    unknown_words |= {BLANK, ""}
    is_unknown = cid.isna() | map_values(cid, lambda v: str(v).strip().lower() in unknown_words).fillna(True).astype(bool)
    if is_unknown.any():
        notes.append(Note(
            "{n} lead(s) ({share}) have no source; they are counted as {label} in every table but left out "
            "of tests, rankings and the diagnosis.",
            "{n} 条线索（{share}）没有来源，在各表中计为“（空白）”，但不参与检验、排名和诊断。",
            {"n": int(is_unknown.sum()), "share": share(float(is_unknown.mean())), "label": UNKNOWN}))
    lf["channel_id"] = cid.where(~is_unknown, UNKNOWN).astype("str")
    lf["known_source"] = ~is_unknown.to_numpy()
    names = channel_names(tables)
    if names:
        orphan = sorted(set(lf.loc[lf["known_source"], "channel_id"].unique()) - set(names))
        if orphan:
            notes.append(Note("Lead sources not in the channels table: {ids}. They are analysed under their ids.",
                              "以下线索来源不在渠道表中：{ids}，按编号照常分析。",
                              {"ids": ", ".join(orphan[:10]) + (" …" if len(orphan) > 10 else "")}))

    # -- dates -------------------------------------------------------------------------
    closed = lf["status"].isin(["won", "lost"])
    lf["closed"] = closed.to_numpy()
    lf["won"] = (lf["status"] == "won").to_numpy()
    before = closed & lf["closed_date"].notna() & (lf["closed_date"] < lf["created_date"])
    if before.any():
        notes.append(Note(
            "{n} lead(s) were closed before they were created; their close date is ignored "
            "(they still count as {status}, not in time to close).",
            "{n} 条线索的关闭日期早于创建日期；已忽略其关闭日期（仍计入赢单/输单，但不计入成交周期）。",
            {"n": int(before.sum()), "status": "won / lost"}, "warning"))
        lf.loc[before, "closed_date"] = pd.NaT
    no_close = closed & lf["closed_date"].isna() & ~before
    if no_close.any():
        notes.append(Note(
            "{n} closed lead(s) ({share} of closed) have no close date; they count in conversion but not in "
            "time to close.",
            "{n} 条已关闭线索（占已关闭的 {share}）没有关闭日期；计入转化率，但不计入成交周期。",
            {"n": int(no_close.sum()), "share": f"{no_close.sum() / max(int(closed.sum()), 1):.1%}"}))
    open_dated = ~closed & lf["closed_date"].notna()
    if open_dated.any():
        notes.append(Note("{n} open lead(s) carry a close date; it is ignored while they are open.",
                          "{n} 条未关闭线索带有关闭日期；在其关闭前忽略该日期。", {"n": int(open_dated.sum())}))
        lf.loc[open_dated, "closed_date"] = pd.NaT
    late = closed & (lf["closed_date"] > as_of)
    if late.any():
        notes.append(Note("{n} lead(s) close after the analysis date; they are treated as open on {as_of}.",
                          "{n} 条线索的关闭日期晚于分析基准日，按 {as_of} 时仍未关闭处理。",
                          {"n": int(late.sum()), "as_of": as_of}))
        lf.loc[late, ["closed", "won"]] = False
        lf.loc[late, "status"] = "open"
        lf.loc[late, "closed_date"] = pd.NaT
    dur = np.where(lf["closed"], (lf["closed_date"] - lf["created_date"]).dt.days,
                   (as_of - lf["created_date"]).dt.days)
    lf["duration_days"] = pd.Series(dur, index=lf.index, dtype="float64")
    lf["event"] = lf["closed"] & lf["duration_days"].notna()

    # -- cohorts ---------------------------------------------------------------------------
    per = lf["created_date"].dt.to_period(freq)
    lf["cohort"] = _period_text(per)
    lf["mature"] = measures.mature(lf["created_date"], as_of, params.mature_after_days, params.cohort)

    # -- region from the rep (or the customer) --------------------------------------------
    lf["region"] = None
    reps = tables.get("reps")
    if reps is not None and "region" in reps and "rep_id" in reps and lf["rep_id"].notna().any():
        lf["region"] = map_values(lf["rep_id"], reps.set_index("rep_id")["region"])
    cust = tables.get("customers")
    if cust is not None and "region" in cust and lf["customer_id"].notna().any() and lf["region"].isna().any():
        # only when some lead's rep has no region: a lookup of every lead's customer among millions
        by_cust = map_values(lf["customer_id"], cust.set_index("customer_id")["region"])
        lf["region"] = lf["region"].where(lf["region"].notna(), by_cust)

    # -- stages ----------------------------------------------------------------------------
    stages = _stage_order(tables)
    lf["reach"] = 0
    won_stage = False
    if stages:
        order = {s.lower(): i + 1 for i, s in enumerate(stages)}
        status_words = set(aliases_for("leads", "status")) | WON_STAGE_NAMES | LOST_STAGE_NAMES
        reach = np.zeros(len(lf), dtype=np.int64)
        unknown_names: list[pd.Series] = []
        if lf["stage_raw"].notna().any():
            key = _key(lf["stage_raw"])
            r = map_values(key, order).astype("float64")
            odd = r.isna() & (key != "") & ~key.isin(status_words)
            unknown_names.append(lf.loc[odd, "stage_raw"])
            reach = np.maximum(reach, r.fillna(0).to_numpy(dtype=np.int64))
        sh = tables.get("stage_history")
        if sh is not None and {"lead_id", "stage"} <= set(sh.columns) and len(sh):
            skey = _key(sh["stage"])
            sr = map_values(skey, order).astype("float64")
            odd = sr.isna() & (skey != "")
            unknown_names.append(_text(sh.loc[odd, "stage"]))
            # furthest stage per lead: position of each history row's lead, then a running maximum
            pos = codes.lookup(_text(sh["lead_id"]), pd.Index(lf["lead_id"]))  # lead ids are unique here
            hit = (pos >= 0) & sr.notna().to_numpy()
            hist = np.zeros(len(lf), dtype=np.int64)
            np.maximum.at(hist, pos[hit], sr.to_numpy()[hit].astype(np.int64))
            reach = np.maximum(reach, hist)
        odd_names = pd.concat(unknown_names) if unknown_names else pd.Series(dtype="str")
        if len(odd_names):
            notes.append(Note(
                "{n} stage value(s) are not in the stages table ({examples}); those entries are ignored.",
                "{n} 个阶段取值不在阶段表中（{examples}），已忽略。",
                {"n": len(odd_names), "examples": _examples(odd_names)}, "warning"))
        n = len(stages)
        last_key = stages[-1].lower()
        closed_at_last = lf["closed"].to_numpy() & (reach == n)
        won_stage = last_key in WON_STAGE_NAMES or (
            closed_at_last.sum() >= 10 and lf["won"].to_numpy()[closed_at_last].mean() >= 0.99)
        reach = np.where(lf["won"].to_numpy(), n, reach)  # a won lead passed every stage
        lf["reach"] = reach
        unknown_stage = (reach == 0)
        if unknown_stage.any():
            notes.append(Note(
                "{n} lead(s) ({share}) have no known stage; they count in leads → won but not in the "
                "stage-by-stage funnel.",
                "{n} 条线索（{share}）没有可识别的阶段；计入线索 → 赢单，但不计入分阶段漏斗。",
                {"n": int(unknown_stage.sum()), "share": f"{unknown_stage.mean():.1%}"}))
    else:
        notes.append(Note("No stages table: the funnel shows leads → won only, without stages in between.",
                          "未提供阶段表：漏斗只显示线索 → 赢单，不含中间阶段。"))
    lf["stage_known"] = lf["reach"] > 0

    # -- channels with spend but no leads, and channels with nothing ---------------------------
    with_leads = set(lf["channel_id"].unique())
    spend = tables.get("spend")
    spend_ch = set(spend["channel_id"].dropna().astype("str").str.strip()) \
        if spend is not None and "channel_id" in spend else set()
    orders = tables.get("orders")
    order_ch = set(pd.unique(orders["channel_id"].dropna())) if orders is not None and "channel_id" in orders \
        else set()
    spend_only = sorted(spend_ch - with_leads)
    idle = sorted(set(names) - with_leads - spend_ch - order_ch)
    zero = sorted(set(names) - with_leads)
    if zero:
        notes.append(Note(
            "{k} channel(s) have no leads: {ids}. They have no funnel; channels with orders are covered in "
            "the economics and budget sections.",
            "{k} 个渠道没有线索：{ids}。它们没有漏斗；有订单的渠道见渠道经济性与预算部分。",
            {"k": len(zero), "ids": ", ".join(f"{c} {names.get(c, '')}".strip() for c in zero)}))
    no_outcome = sorted(spend_ch - with_leads - order_ch)
    if no_outcome:
        notes.append(Note(
            "Spend is recorded for {ids} but they have neither leads nor orders: that cost has no measurable "
            "result (check the channel ids in spend).",
            "{ids} 有费用记录，但既没有线索也没有订单：这部分费用没有可衡量的产出（请检查费用表中的渠道编号）。",
            {"ids": ", ".join(no_outcome)}, "warning"))

    cols = ["lead_id", "channel_id", "known_source", "status", "created_date", "closed_date", "amount",
            "rep_id", "customer_id", "region", "cohort", "mature", "reach", "stage_known", "closed", "won",
            "duration_days", "event", "lost_reason"]
    out = lf[cols].reset_index(drop=True)
    log.info("prepared %d of %d leads (%d stages, as of %s)", len(out), counts["rows_read"], len(stages),
             as_of.date())
    rep_names = {}
    if reps is not None and {"rep_id", "name"} <= set(reps.columns):
        r = reps.dropna(subset=["rep_id"]).drop_duplicates("rep_id")
        rep_names = {str(k): str(v) for k, v in zip(r["rep_id"], r["name"], strict=True) if isinstance(v, str)}
        if "team" in r:
            rep_names = {k: f"{v} ({t})" if isinstance(t, str) else v
                         for (k, v), t in zip(rep_names.items(), r.set_index("rep_id")["team"].reindex(
                             list(rep_names)).to_numpy(), strict=True)}
    return LeadData(leads=out, stages=stages, won_stage=bool(won_stage), as_of=as_of, names=names,
                    notes=notes, counts=counts, spend_only=spend_only, idle=idle, cohort_freq=freq,
                    mature_cutoff=as_of - pd.Timedelta(days=params.mature_after_days), rep_names=rep_names)
