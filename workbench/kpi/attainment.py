"""Targets against actuals: attainment per period x level x key, traffic lights, and the gap split.

Targets at another granularity than the review
----------------------------------------------
Every target is first spread over its months: an additive KPI (revenue, orders,
new customers, a custom KPI without division) by calendar days (``prorate:
days``) or equally (``equal``); a ratio KPI (conversion rate, margin, CSAT, NPS)
keeps its value in each month. Months are then gathered into review periods:
additive targets add up, ratio targets are averaged. A review period whose months
are not all covered by targets gets no attainment (``partial_target``). Where one
key has targets at two granularities for the same month, the finest wins and the
report names the overlap.

Attainment is ``actual / target`` for a KPI where higher is better and
``target / actual`` where lower is better; lights: green from ``green_at``, amber
from ``amber_at``, red below.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from workbench.kpi import actuals as A
from workbench.kpi import periods as P

log = logging.getLogger(__name__)

ATTAINMENT_COLUMNS = ["period", "level", "key", "kpi", "actual", "target", "attainment", "light", "n", "status"]

def target_months(kd: A.KpiData, prorate: str = "days") -> pd.DataFrame:
    """Targets spread over months: ``month, kpi, level, key, piece, granularity, source_period``.

    Targets for KPIs or levels that are not reviewed are dropped with a note. Computed once per
    ``prorate`` and kept in ``kd.cache`` (attainment, incentives and their what-ifs all need it).
    """
    ck = ("target_months", prorate)
    if ck not in kd.cache:
        kd.cache[ck] = _target_months(kd, prorate)
    return kd.cache[ck]


def _target_months(kd: A.KpiData, prorate: str) -> pd.DataFrame:
    t = kd.targets
    if t is None or len(t) == 0:
        return pd.DataFrame(columns=["month", "kpi", "level", "key", "piece", "granularity", "source_period"])
    t = t.assign(key=t["key"].fillna("").astype("str"))
    t.loc[t["level"] == "company", "key"] = ""
    unknown = sorted(set(t["kpi"]) - set(kd.kpis))
    if unknown:
        n = int(t["kpi"].isin(unknown).sum())
        kd.note("{n} target row(s) for KPI(s) {kpis} are ignored: not among the KPIs reviewed ({valid}).",
                "{n} 行目标的 KPI（{kpis}）不在本次复盘的 KPI 中（{valid}），已忽略。", "targets",
                n=n, kpis=", ".join(unknown), valid=", ".join(kd.kpis))
        t = t.loc[~t["kpi"].isin(unknown)]
    rows = []
    for per, grp in t.groupby("period", sort=False):
        months = P.months_of(per)
        days = np.array([P.month_end(m).day for m in months], dtype=float)
        w = days / days.sum() if prorate == "days" else np.full(len(months), 1 / len(months))
        g = grp.reset_index(drop=True)
        add = g["kpi"].map(lambda k: kd.kpis[k]["additive"]).to_numpy(dtype=bool)
        for m, wi in zip(months, w, strict=True):
            rows.append(pd.DataFrame({
                "month": m, "kpi": g["kpi"].to_numpy(), "level": g["level"].to_numpy(), "key": g["key"].to_numpy(),
                "piece": np.where(add, g["target"].to_numpy() * wi, g["target"].to_numpy()),
                "granularity": P.granularity_of(per), "source_period": per,
            }))
    tm = pd.concat(rows, ignore_index=True)
    order = {"month": 0, "quarter": 1, "year": 2}
    tm["_rank"] = tm["granularity"].map(order)
    tm = tm.sort_values(["kpi", "level", "key", "month", "_rank"], kind="stable")
    dup = tm.duplicated(["kpi", "level", "key", "month"], keep="first")
    if dup.any():
        ex = tm.loc[dup].head(1).iloc[0]
        kd.note("{n} target month(s) are covered at two granularities (e.g. {kpi} {level} {key} {period}): "
                "the finer target is used.",
                "{n} 个目标月份同时有两种粒度的目标（例如 {kpi} {level} {key} {period}）：采用更细粒度的目标。", "targets",
                n=int(dup.sum()), kpi=ex["kpi"], level=ex["level"], key=ex["key"] or "-", period=ex["source_period"])
        tm = tm.loc[~dup]
    coarse = tm.loc[tm["granularity"] != "month"]
    if len(coarse):
        kd.note("{n} target(s) given per {gran} were spread over months ({how}) and regrouped into review periods.",
                "{n} 个按{gran}给出的目标已分摊到月（{how}），再汇总到复盘期间。", "targets",
                n=int(coarse["source_period"].nunique() * 0 + len(coarse.drop_duplicates(["kpi", "level", "key", "source_period"]))),
                gran="/".join(sorted(coarse["granularity"].unique())),
                how="additive KPIs by calendar days, ratios unchanged" if prorate == "days" else "equal months, ratios unchanged")
    return tm.drop(columns="_rank").reset_index(drop=True)


def targets_by_period(kd: A.KpiData, tm: pd.DataFrame, granularity: str) -> pd.DataFrame:
    """Targets per review period: ``period, kpi, level, key, target, months_covered, months_in_period``."""
    if tm.empty:
        return pd.DataFrame(columns=["period", "kpi", "level", "key", "target", "months_covered", "months_in_period"])
    tm = tm.assign(period=P.labels(tm["month"].to_numpy(), granularity, kd.fy_start))
    add = tm["kpi"].map(lambda k: kd.kpis[k]["additive"])
    g = tm.assign(add_piece=tm["piece"].where(add), ratio_piece=tm["piece"].where(~add)).groupby(
        ["period", "kpi", "level", "key"], sort=False)
    out = g.agg(add_t=("add_piece", "sum"), ratio_t=("ratio_piece", "mean"), months_covered=("month", "nunique"))
    out = out.reset_index()
    out["target"] = np.where(out["kpi"].map(lambda k: kd.kpis[k]["additive"]), out["add_t"], out["ratio_t"])
    n_months = {p: len(P.months_of(p, kd.fy_start)) for p in out["period"].unique()}
    out["months_in_period"] = out["period"].map(n_months).to_numpy(dtype=np.int64)
    return out.drop(columns=["add_t", "ratio_t"])


def light(att: pd.Series, green_at: float, amber_at: float) -> pd.Series:
    """``green`` / ``amber`` / ``red`` per attainment (``grey`` where missing)."""
    a = att.to_numpy(dtype=float)
    return pd.Series(np.select([np.isnan(a), a >= green_at, a >= amber_at], ["grey", "green", "amber"], "red"),
                     index=att.index, dtype="str")


def _left_reps(kd: A.KpiData, inactive_days: int) -> pd.Series:
    """Rep -> date after which the rep is gone: ``leave_date`` (an optional extra column of reps) or,
    failing that, the last activity when older than ``inactive_days`` before as_of."""
    ck = ("left_reps", inactive_days)
    if ck not in kd.cache:
        kd.cache[ck] = _compute_left_reps(kd, inactive_days)
    return kd.cache[ck]


def _compute_left_reps(kd: A.KpiData, inactive_days: int) -> pd.Series:
    out = {}
    if kd.reps is not None and "leave_date" in kd.reps:
        ld = pd.to_datetime(kd.reps["leave_date"], errors="coerce")
        for r, d in zip(kd.reps["rep_id"], ld, strict=True):
            if pd.notna(d):
                out[r] = d
    last = _last_activity(kd, "orders", "date")
    if kd.leads is not None:
        last = pd.concat([last, _last_activity(kd, "leads", "created")]).groupby(level=0).max()
    gone = last.loc[last < kd.as_of - pd.Timedelta(days=inactive_days)]
    for r, d in gone.items():
        out.setdefault(r, d)
    return pd.Series(out, dtype="datetime64[ns]")


def _last_activity(kd: A.KpiData, source: str, column: str) -> pd.Series:
    """Latest ``column`` per rep of one source (``df.groupby("rep")[column].max()``, on integer codes)."""
    df = kd.orders if source == "orders" else kd.leads
    codes, reps = A.level_codes(kd, source, "rep")
    has = codes >= 0
    last = pd.Series(df[column].to_numpy()[has], name=column).groupby(codes[has]).max()
    last.index = pd.Index(reps[last.index.to_numpy()], dtype=df["rep"].dtype, name="rep")
    return last.sort_index()


def attainment_table(kd: A.KpiData, params) -> pd.DataFrame:
    """Attainment per period x level x key x KPI for every target (see module docstring).

    Returns
    -------
    DataFrame
        :data:`ATTAINMENT_COLUMNS` plus ``higher_is_better, open_share, months_covered``. ``status`` is
        ``ok``, ``partial_target``, ``no_data_key`` (the key never appears in the data: a mapping
        problem more likely than a zero), ``no_actuals`` (period outside the data), ``in_progress``,
        ``immature`` (lead cohort still too open to judge) or ``left`` (rep gone before period end).
    """
    tm = target_months(kd, params.prorate)
    tp = targets_by_period(kd, tm, params.period)
    tp = tp.loc[tp["level"].isin(params.levels)]
    if tp.empty:
        return pd.DataFrame(columns=ATTAINMENT_COLUMNS)
    last_data = max(kd.last_month + 1, int(tm["month"].max()))
    act = A.kpi_actuals(kd, params.levels, params.period, (kd.first_month, last_data))
    seen = act.loc[(act["n"] > 0) | (act["actual"].fillna(0) != 0), ["level", "kpi", "key"]].drop_duplicates()
    out = tp.merge(act, on=["period", "kpi", "level", "key"], how="left")
    pm = {p: P.months_of(p, kd.fy_start) for p in out["period"].unique()}
    p_first = out["period"].map(lambda p: pm[p][0])
    p_last = out["period"].map(lambda p: pm[p][-1])
    hib = out["kpi"].map(lambda k: kd.kpis[k]["higher_is_better"]).to_numpy(dtype=bool)
    additive = out["kpi"].map(lambda k: kd.kpis[k]["additive"]).to_numpy(dtype=bool)
    in_data = (p_first >= kd.first_month) & (p_first <= kd.last_month + 1)
    out["actual"] = np.where(in_data & out["actual"].isna() & additive, 0.0, out["actual"])
    with np.errstate(divide="ignore", invalid="ignore"):
        a, t = out["actual"].to_numpy(dtype=float), out["target"].to_numpy(dtype=float)
        att = np.where(hib, a / t, t / a)
    att = np.where(np.isfinite(att), att, np.nan)
    key_known = pd.MultiIndex.from_frame(out[["level", "kpi", "key"]].astype("str")).isin(
        pd.MultiIndex.from_frame(seen[["level", "kpi", "key"]].astype("str")))
    status = np.select(
        [~in_data, ~key_known, out["months_covered"] < out["months_in_period"], p_last > kd.last_month,
         (out["open_share"].fillna(0) > params.max_open_share) & (out["kpi"].map(lambda k: kd.kpis[k]["source"]) == "leads")],
        ["no_actuals", "no_data_key", "partial_target", "in_progress", "immature"], "ok")
    left = _left_reps(kd, params.inactive_days)
    if len(left):
        gone = (out["level"] == "rep") & out["key"].isin(left.index)
        ends = out["period"].map({p: P.month_end(m[-1]) for p, m in pm.items()})
        leave = out["key"].map(left)
        status = np.where(gone & (status == "ok") & (leave < ends), "left", status)
    out["status"] = status
    out["attainment"] = np.where(np.isin(status, ["ok", "immature", "left", "in_progress"]), att, np.nan)
    out["light"] = light(out["attainment"].where(out["status"].isin(["ok", "left"])), params.green_at, params.amber_at)
    out["higher_is_better"] = hib
    _note_statuses(kd, out)
    out = out.sort_values(["kpi", "level", "key", "period"], kind="stable").reset_index(drop=True)
    return out[[*ATTAINMENT_COLUMNS, "higher_is_better", "open_share", "months_covered"]]


def _note_statuses(kd: A.KpiData, out: pd.DataFrame) -> None:
    nk = out.loc[out["status"] == "no_data_key"].drop_duplicates(["level", "key", "kpi"])
    if len(nk):
        ex = ", ".join(f"{lv} {k} ({kp})" for lv, k, kp in nk[["level", "key", "kpi"]].head(5).itertuples(index=False))
        kd.note("{n} target key(s) have no data at all, so no attainment is shown (check the ids): {ex}.",
                "{n} 个有目标的对象在数据中完全不存在，未计算达成率（请核对编号）：{ex}。", "targets", n=len(nk), ex=ex)
    na = out.loc[out["status"] == "no_actuals", "period"].unique()
    if len(na):
        kd.note("{n} target period(s) lie outside the data ({first} .. {last}): {ex}.",
                "{n} 个目标期间不在数据范围内（{first} 至 {last}）：{ex}。", "targets", n=len(na),
                first=P.month_label(kd.first_month), last=P.month_label(kd.last_month), ex=", ".join(sorted(na)[:6]))
    pt = out.loc[out["status"] == "partial_target"].drop_duplicates(["period", "kpi"])
    if len(pt):
        kd.note("{n} review period(s) are only partly covered by targets (e.g. {ex}): no attainment for them.",
                "{n} 个复盘期间的目标不完整（例如 {ex}）：不计算达成率。", "targets", n=len(pt),
                ex=", ".join(f"{p} {k}" for p, k in pt[["period", "kpi"]].head(3).itertuples(index=False)))
    lf = out.loc[out["status"] == "left"].drop_duplicates("key")
    if len(lf):
        kd.note("{n} rep(s) left or stopped working during a period with targets ({ex}): their attainment is "
                "marked 'rep left' and they are kept out of the leaderboard for those periods.",
                "{n} 名销售代表在有目标的期间内离职或停止活动（{ex}）：其达成率标为“已离职”，相应期间不参与排名。",
                "targets", n=len(lf), ex=", ".join(lf["key"].head(6)))


def review_months(kd: A.KpiData, params) -> tuple[int, int]:
    """First and last month of the review window: the last ``review_periods`` complete periods."""
    labs = []
    m = kd.last_month
    while m >= kd.first_month and len(labs) <= params.review_periods:
        lab = P.label(m, params.period, kd.fy_start)
        if not labs or labs[-1] != lab:
            labs.append(lab)
        m -= 1
    complete = [lab for lab in labs if P.months_of(lab, kd.fy_start)[-1] <= kd.last_month][: params.review_periods]
    if not complete:
        return kd.last_month, kd.last_month
    return P.months_of(complete[-1], kd.fy_start)[0], P.months_of(complete[0], kd.fy_start)[-1]


def attainment_summary(att: pd.DataFrame, kd: A.KpiData, params) -> pd.DataFrame:
    """Attainment over the review window per level x key x KPI: summed (additive) or averaged (ratio).

    Only periods with status ``ok`` / ``left`` / ``immature`` count; ``periods`` says how many, and
    ``red_periods`` how many of them were red.
    """
    a0, a1 = review_months(kd, params)
    window = f"{P.month_label(a0)}..{P.month_label(a1)}"
    pm = att["period"].map(lambda p: P.months_of(p, kd.fy_start)[0])
    w = att.loc[(pm >= a0) & (pm <= a1) & att["status"].isin(["ok", "left", "immature"])]
    if w.empty:
        return pd.DataFrame(columns=["window", "level", "key", "kpi", "actual", "target", "attainment", "light",
                                     "periods", "red_periods", "n"])
    add = w["kpi"].map(lambda k: kd.kpis[k]["additive"])
    g = w.assign(a_add=w["actual"].where(add), t_add=w["target"].where(add),
                 a_r=w["actual"].where(~add), t_r=w["target"].where(~add),
                 red=(w["light"] == "red").astype(int)).groupby(["level", "key", "kpi"], sort=False)
    s = g.agg(a_add=("a_add", "sum"), t_add=("t_add", "sum"), a_r=("a_r", "mean"), t_r=("t_r", "mean"),
              periods=("period", "count"), red_periods=("red", "sum"), n=("n", "sum")).reset_index()
    additive = s["kpi"].map(lambda k: kd.kpis[k]["additive"])
    s["actual"] = np.where(additive, s["a_add"], s["a_r"])
    s["target"] = np.where(additive, s["t_add"], s["t_r"])
    hib = s["kpi"].map(lambda k: kd.kpis[k]["higher_is_better"]).to_numpy(dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        att_w = np.where(hib, s["actual"] / s["target"], s["target"] / s["actual"])
    s["attainment"] = np.where(np.isfinite(att_w), att_w, np.nan)
    s["light"] = light(s["attainment"], params.green_at, params.amber_at)
    s["window"] = window
    lv = {v: i for i, v in enumerate(A.LEVELS)}
    s = s.sort_values(["kpi", "level", "attainment"], key=lambda c: c.map(lv) if c.name == "level" else c,
                      kind="stable")
    return s[["window", "level", "key", "kpi", "actual", "target", "attainment", "light", "periods",
              "red_periods", "n"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- gap split


def price_volume_mix(cur: pd.DataFrame, base: pd.DataFrame, target: float | None = None) -> dict:
    """Split a revenue change into volume, price and mix over products.

    Parameters
    ----------
    cur, base : DataFrame
        ``product_id, revenue, quantity`` of the current and the base period (one row per product).
    target : float, optional
        When given, also split ``revenue - target`` assuming the plan is the base period scaled by
        ``target / base revenue`` (same prices, same mix): the volume effect is then measured
        against the planned volume.

    Returns
    -------
    dict
        ``base_revenue, revenue, gap_vs_base, volume, price, mix`` and, with a target,
        ``target, gap_vs_target, volume_vs_target``. ``volume + price + mix == gap_vs_base`` and
        ``volume_vs_target + price + mix == gap_vs_target`` exactly. A product sold in one period
        only has no price effect (its base price is taken equal to its current price).
    """
    c = cur.groupby("product_id")[["revenue", "quantity"]].sum()
    b = base.groupby("product_id")[["revenue", "quantity"]].sum()
    j = c.add_suffix("1").join(b.add_suffix("0"), how="outer").fillna(0.0)
    q1, q0 = j["quantity1"].to_numpy(dtype=float), j["quantity0"].to_numpy(dtype=float)
    rv1, rv0 = j["revenue1"].to_numpy(dtype=float), j["revenue0"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(q1 != 0, rv1 / np.where(q1 != 0, q1, 1), np.nan)
        p0 = np.where(q0 != 0, rv0 / np.where(q0 != 0, q0, 1), np.nan)
    p0 = np.where(np.isnan(p0), p1, p0)
    p0 = np.nan_to_num(p0)
    p1 = np.where(np.isnan(p1), p0, p1)
    r1, r0 = float(rv1.sum()), float(rv0.sum())
    Q1, Q0 = q1.sum(), q0.sum()
    pbar0 = r0 / Q0 if Q0 else 0.0
    price = float((q1 * (p1 - p0)).sum())
    mix = float((q1 * p0).sum() - Q1 * pbar0)
    volume = float((Q1 - Q0) * pbar0)
    resid = (r1 - r0) - (volume + price + mix)  # products with revenue but zero net quantity
    out = {"base_revenue": r0, "revenue": r1, "gap_vs_base": r1 - r0, "volume": volume, "price": price,
           "mix": mix + resid}
    if target is not None and np.isfinite(target):
        vt = float((Q1 - Q0 * target / r0) * pbar0) if r0 else float("nan")
        out.update({"target": float(target), "gap_vs_target": r1 - float(target), "volume_vs_target": vt})
    return out


def _product_sums(kd: A.KpiData, level: str, m0: int, m1: int) -> dict[str, pd.DataFrame]:
    """Key -> ``product_id, revenue, quantity`` (one row per product) of the order lines of months
    ``m0..m1`` with a key and a product: each product's sums as ``price_volume_mix`` takes them of the
    key's lines (the same lines in the same order), grouped once for every key on integer codes."""
    o = kd.orders
    kc, keys = A.level_codes(kd, "orders", level)
    pc, products = A.level_codes(kd, "orders", "product_id")
    month = o["month"].to_numpy()
    r = np.flatnonzero((kc >= 0) & (pc >= 0) & (month >= m0) & (month <= m1))
    frame = pd.DataFrame({"revenue": o["amount"].to_numpy()[r], "quantity": o["quantity"].to_numpy(dtype=float)[r]})
    s = frame.groupby([kc[r], pc[r]], sort=True).sum()
    k_of, p_of = (s.index.get_level_values(i).to_numpy() for i in (0, 1))
    out = {}
    for k in np.unique(k_of):
        at = k_of == k
        out[keys[k]] = pd.DataFrame({"product_id": products[p_of[at]], "revenue": s["revenue"].to_numpy()[at],
                                     "quantity": s["quantity"].to_numpy()[at]})
    return out


def gap_table(kd: A.KpiData, att: pd.DataFrame, params) -> pd.DataFrame:
    """Revenue gap of each key at ``gap_level`` over the review window, split into volume, price and mix.

    The base is the same window a year earlier (``gap_base: last_year``) or the window just before
    (``previous_period``). Needs ``product_id`` and ``quantity`` on orders; without them an empty frame.
    """
    o = kd.orders
    if o["product_id"].isna().all() or o["quantity"].isna().all():
        kd.note("Orders carry no product_id or quantity: the gap cannot be split into volume, price and mix.",
                "订单缺少 product_id 或 quantity：无法把差距拆分为销量、价格和结构影响。", "gap")
        return pd.DataFrame()
    a0, a1 = review_months(kd, params)
    span = a1 - a0 + 1
    b0, b1 = (a0 - 12, a1 - 12) if params.gap_base == "last_year" else (a0 - span, a0 - 1)
    if b0 < kd.first_month:
        kd.note("The data start after the base window {b}: no gap split.", "数据起始晚于基期 {b}：无法拆分差距。", "gap",
                b=f"{P.month_label(b0)}..{P.month_label(b1)}")
        return pd.DataFrame()
    lv = params.gap_level
    tgt = pd.Series(dtype=float)
    if att is not None and len(att):
        pm = att["period"].map(lambda p: P.months_of(p, kd.fy_start)[0])
        w = att.loc[(att["kpi"] == "revenue") & (att["level"] == lv) & (pm >= a0) & (pm <= a1)]
        full = w.groupby("key")["status"].agg(lambda s: s.isin(["ok", "left"]).all())
        tgt = w.groupby("key")["target"].sum().where(full)
    cur, base = (_product_sums(kd, lv, m0, m1) for m0, m1 in ((a0, a1), (b0, b1)))
    rows = []
    empty = pd.DataFrame(columns=["product_id", "amount", "quantity"]).rename(columns={"amount": "revenue"})
    for key in sorted(set(cur) | set(base)):
        r = price_volume_mix(cur.get(key, empty), base.get(key, empty), tgt.get(key))
        rows.append({"level": lv, "key": key, "window": f"{P.month_label(a0)}..{P.month_label(a1)}",
                     "base": f"{P.month_label(b0)}..{P.month_label(b1)}", **r})
    out = pd.DataFrame(rows)
    for c in ("target", "gap_vs_target", "volume_vs_target"):
        if c not in out:
            out[c] = np.nan
    return out
