"""Open deals: how far each lead got by a cutoff, win rates learned from history, the Monte Carlo of
the open pipeline (the definitions are in :mod:`workbench.kpi.forecast`).

At ten million order lines there are millions of leads and stage-history rows; a lead is found
by its position in ``kd.leads`` (one Arrow hash of the lead ids, kept in ``kd.cache``) rather
than by merging or mapping on lead id text. When lead ids are not unique the text-keyed
code is used as before (``tests/kpi/reference_kpi.py`` keeps it; the tests compare both).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench.kpi import actuals as A
from workbench.kpi import keys as K

LEVEL_COLUMNS = ("company", "region", "team", "rep")
STATES = pd.array(["open", "won", "lost"], dtype="str")


def _lookup(values: pd.Series, mapping: pd.Series) -> np.ndarray:
    """``values.map(mapping)`` as floats, looking each distinct value up once (fast on long text columns)."""
    codes, uniq = pd.factorize(values)
    table = np.append(mapping.reindex(uniq).to_numpy(dtype=float), np.nan)
    return table[np.where(codes < 0, len(uniq), codes)]


def _end(cutoff: pd.Timestamp) -> pd.Timestamp:
    return cutoff + pd.Timedelta(hours=23, minutes=59)


# ----------------------------------------------------------------------------- leads by position


def unique_leads(kd: A.KpiData) -> bool:
    """True when every lead id is given once (then leads are found by position)."""
    ck = ("unique_leads",)
    if ck not in kd.cache:
        kd.cache[ck] = bool(kd.leads["lead_id"].is_unique)  # a missing id twice is a duplicate too
    return kd.cache[ck]


def _history(kd: A.KpiData, as_text: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per stage-history row: the position of its lead in ``kd.leads`` (-1: none), the stage order
    (NaN: a stage not in stages) and the day it was entered; computed once.

    ``as_text`` matches the history's lead ids written as text (as learning did), else as given (as
    the stage frame did); the same when the ids are text, as the loader makes them.
    """
    sh = kd.stage_history
    ids = sh["lead_id"]
    if as_text and K.arrow_text(ids) is None:
        ck = ("history_text",)
        if ck not in kd.cache:
            kd.cache[ck] = (K.positions(ids.astype("str"), kd.leads["lead_id"]), *_history(kd)[1:])
        return kd.cache[ck]
    ck = ("history",)
    if ck not in kd.cache:
        order = kd.stages.set_index("stage")["order"]
        kd.cache[ck] = (K.positions(ids, kd.leads["lead_id"]), _lookup(sh["stage"], order),
                        sh["entered_date"].to_numpy())
    return kd.cache[ck]


def stage_rows(kd: A.KpiData, cutoff: pd.Timestamp) -> np.ndarray:
    """Positions in ``kd.leads`` of the rows of :func:`stage_frame` at ``cutoff`` (leads created by then)."""
    return np.flatnonzero((kd.leads["created"] <= _end(cutoff)).to_numpy())


def _by_lead(kd: A.KpiData) -> np.ndarray:
    """History rows of known leads and stages, ordered by lead, then stage order, then row (once)."""
    ck = ("history_by_lead",)
    if ck not in kd.cache:
        pos, order, _ = _history(kd)
        idx = np.flatnonzero(~np.isnan(order) & (pos >= 0))
        idx = idx[np.argsort(order[idx], kind="stable")]
        kd.cache[ck] = idx[np.argsort(pos[idx], kind="stable")]
    return kd.cache[ck]


def _furthest(kd: A.KpiData, end: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per lead (position in ``kd.leads``): found, furthest stage order entered by ``end`` and the day it was
    entered (of equal orders, the last row of the history)."""
    pos, order, entered = _history(kd)
    idx = _by_lead(kd)
    idx = idx[entered[idx] <= np.datetime64(end)]  # still by lead, then order, then row
    last = np.r_[pos[idx][1:] != pos[idx][:-1], True] if len(idx) else np.zeros(0, dtype=bool)
    idx = idx[last]
    n = len(kd.leads)
    found = np.zeros(n, dtype=bool)
    found[pos[idx]] = True
    best = np.zeros(n)
    best[pos[idx]] = order[idx]
    when = np.zeros(n, dtype=entered.dtype)
    when[pos[idx]] = entered[idx]
    return found, best, when


def _as_built(s: pd.Series):
    """A text column as ``DataFrame({c: s.to_numpy()})`` would hold it: Arrow text kept as is, a column
    without any value as objects (what inferring an all-missing object array gives)."""
    return s.array if s.notna().any() else s.to_numpy()


def stage_frame(kd: A.KpiData, cutoff: pd.Timestamp) -> pd.DataFrame | None:
    """Per lead created by ``cutoff``: furthest stage order reached by then and the day it was entered."""
    if kd.leads is None or kd.stages is None:
        return None
    ck = ("stage_frame", pd.Timestamp(cutoff))
    if ck not in kd.cache:
        kd.cache[ck] = _compute_stage_frame(kd, cutoff)
    return kd.cache[ck]


def _compute_stage_frame(kd: A.KpiData, cutoff: pd.Timestamp) -> pd.DataFrame:
    end = _end(cutoff)
    if not unique_leads(kd):
        return _stage_frame_by_id(kd, cutoff)
    history = kd.stage_history is not None and len(kd.stage_history)
    rows = stage_rows(kd, cutoff)
    cols = ["lead_id", "created", "closed", "status", "amount", "channel", *LEVEL_COLUMNS, "stage"]
    L = kd.leads[cols] if len(rows) == len(kd.leads) else kd.leads[cols].take(rows)
    f = pd.DataFrame({"lead_id": _as_built(L["lead_id"]), "created": L["created"].to_numpy(),
                      "closed": L["closed"].to_numpy(), "status": _as_built(L["status"]),
                      "amount": L["amount"].to_numpy(dtype=float), "channel": _as_built(L["channel"])})
    for lv in LEVEL_COLUMNS:
        f[lv] = _as_built(L[lv])
    if history:
        found, best, when = (a[rows] for a in _furthest(kd, end))
    else:  # no history: the lead's current stage, entered when it was created
        order = kd.stages.set_index("stage")["order"]
        found = np.ones(len(L), dtype=bool)
        best = L["stage"].map(order).to_numpy(dtype=float)
        when = L["created"].to_numpy()
    f["order"] = np.where(found, best, 1.0)
    entered = pd.to_datetime(pd.Series(when))
    f["entered"] = entered.where(found, pd.Series(f["created"].to_numpy())).to_numpy()
    return _states(f, end)


def _states(f: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """``state`` of each lead at ``end``: won / lost when closed by then, else open (a closed status without
    a close date stays as given)."""
    closed_by = (f["closed"].notna() & (f["closed"] <= end)).to_numpy()
    code = np.where(closed_by & (f["status"] == "won").to_numpy(), 1,
                    np.where(closed_by & (f["status"] == "lost").to_numpy(), 2, 0))
    f["state"] = STATES.take(code)
    f.loc[(f["state"] == "open") & (f["status"] != "open") & f["closed"].isna(), "state"] = f["status"]
    return f


def _stage_frame_by_id(kd: A.KpiData, cutoff: pd.Timestamp) -> pd.DataFrame:
    """:func:`stage_frame` keyed by lead id text (lead ids given twice)."""
    order = kd.stages.set_index("stage")["order"]
    end = _end(cutoff)
    if kd.stage_history is not None and len(kd.stage_history):
        sh = kd.stage_history
        sh = sh.loc[sh["entered_date"] <= end]
        sh = pd.DataFrame({"lead_id": sh["lead_id"].to_numpy(),
                           "order": _lookup(sh["stage"], order),
                           "entered": sh["entered_date"].to_numpy()})
        sh = sh.loc[sh["order"].notna()].sort_values("order", kind="stable")
        last = sh.drop_duplicates("lead_id", keep="last").set_index("lead_id")
    else:
        L = kd.leads
        last = pd.DataFrame({"order": L["stage"].map(order).to_numpy(dtype=float), "entered": L["created"].to_numpy()},
                            index=L["lead_id"].to_numpy())
    L = kd.leads.loc[kd.leads["created"] <= end]
    f = pd.DataFrame({"lead_id": L["lead_id"].to_numpy(), "created": L["created"].to_numpy(),
                      "closed": L["closed"].to_numpy(), "status": L["status"].to_numpy(),
                      "amount": L["amount"].to_numpy(dtype=float), "channel": L["channel"].to_numpy()})
    for lv in LEVEL_COLUMNS:
        f[lv] = L[lv].to_numpy()
    pos = last.index.get_indexer(f["lead_id"])
    found = pos >= 0
    f["order"] = np.where(found, last["order"].to_numpy()[np.maximum(pos, 0)] if len(last) else 1.0, 1.0)
    took = last["entered"].to_numpy()[np.maximum(pos, 0)] if len(last) else f["created"].to_numpy()
    entered = pd.to_datetime(pd.Series(took))
    f["entered"] = entered.where(found, pd.Series(f["created"].to_numpy())).to_numpy()
    return _states(f, end)


# ----------------------------------------------------------------------------- learned win rates


@dataclasses.dataclass
class StageModel:
    """Win probabilities by stage (and channel) learned at a cutoff, with time-to-close samples."""

    cutoff: pd.Timestamp
    rates: pd.DataFrame  # stage order, channel, reached, won, p_won, p_stage
    won_delay: dict  # stage order -> sorted days from entering it to a won close
    lost_delay: dict
    final_order: float
    crm: pd.Series  # stage order -> CRM probability


def learn(kd: A.KpiData, cutoff: pd.Timestamp, params) -> StageModel | None:
    """Learn P(won | reached stage) by channel from mature creation cohorts closed by ``cutoff``."""
    ck = ("learn", pd.Timestamp(cutoff), params.maturity_days, params.pooling_strength)
    if ck not in kd.cache:
        kd.cache[ck] = _learn(kd, cutoff, params)
    return kd.cache[ck]


def _reached_won(mature: pd.DataFrame, orders: list[float]) -> pd.DataFrame:
    """Per stage order and channel: leads that reached the stage (or were won) and how many were won."""
    codes, chans = pd.factorize(mature["channel"], sort=True)
    won = (mature["state"] == "won").to_numpy()
    reach = mature["order"].to_numpy(dtype=float)
    has = codes >= 0
    recs = []
    for s in orders:
        r = ((reach >= s) | won) & has
        n = np.bincount(codes[r], minlength=len(chans))
        w = np.bincount(codes[r & won], minlength=len(chans))
        seen = n > 0
        recs.append(pd.DataFrame({"channel": chans[seen], "reached": n[seen].astype(np.int64),
                                  "won": w[seen].astype(np.int64), "order": s}))
    return pd.concat(recs, ignore_index=True)


def _learn(kd: A.KpiData, cutoff: pd.Timestamp, params) -> StageModel | None:
    f = stage_frame(kd, cutoff)
    if f is None:
        return None
    final = float(kd.stages["order"].max())
    created = f["created"]
    mature_rows = ((created <= cutoff - pd.Timedelta(days=params.maturity_days))
                   & (created > cutoff - pd.Timedelta(days=730)) & f["state"].isin(["won", "lost"])).to_numpy()
    mature = f.loc[mature_rows, ["lead_id", "created", "closed", "state", "order", "channel"]]
    if mature.empty:
        return None
    orders = sorted(o for o in kd.stages["order"] if o < final)
    rates = _reached_won(mature, orders)
    tot = rates.groupby("order")[["reached", "won"]].sum()
    p_stage = (tot["won"] / tot["reached"]).rename("p_stage")
    rates = rates.join(p_stage, on="order")
    k = params.pooling_strength
    rates["p_won"] = (rates["won"] + k * rates["p_stage"]) / (rates["reached"] + k)
    h_order, days, won_h, lost_h = _closing(kd, cutoff, mature, mature_rows)
    won_delay, lost_delay = {}, {}
    for s in orders:
        at = h_order == s
        won_delay[s] = np.sort(days[at & won_h])
        lost_delay[s] = np.sort(days[at & lost_h])
    crm = kd.stages.set_index("order")["probability"] if "probability" in kd.stages else pd.Series(dtype=float)
    return StageModel(cutoff, rates, won_delay, lost_delay, final, crm)


def _closing(kd: A.KpiData, cutoff: pd.Timestamp, mature: pd.DataFrame, mature_rows: np.ndarray):
    """Every stage entered by a mature lead (from the history, else the lead's own stage entered at
    creation): its order, the days from entering it to the lead's close, and whether the lead was won
    or lost."""
    sh = kd.stage_history
    won, lost = (mature["state"] == "won").to_numpy(), (mature["state"] == "lost").to_numpy()
    closed = mature["closed"].to_numpy()
    if sh is None or not len(sh):
        return (mature["order"].to_numpy(dtype=float), _days(closed, mature["created"].to_numpy()), won, lost)
    if unique_leads(kd):  # the mature lead of each history row by position
        lead_pos, order, entered = _history(kd, as_text=True)
        at = np.full(len(kd.leads), -1, dtype=np.int64)
        at[stage_rows(kd, cutoff)[mature_rows]] = np.arange(len(mature))
        pos = np.where(lead_pos >= 0, at[np.maximum(lead_pos, 0)], -1)
        keep = pos >= 0
        pos = pos[keep]
        return order[keep], _days(closed[pos], entered[keep]), won[pos], lost[pos]
    order = kd.stages.set_index("stage")["order"]
    mids = pd.Index(mature["lead_id"].astype("str"))
    if mids.is_unique:
        pos = mids.get_indexer(sh["lead_id"].astype("str"))
        keep = pos >= 0
        pos = pos[keep]
        return (_lookup(sh["stage"], order)[keep], _days(closed[pos], sh["entered_date"].to_numpy()[keep]),
                won[pos], lost[pos])
    h = pd.DataFrame({"lead_id": sh["lead_id"].astype("str").to_numpy(), "order": _lookup(sh["stage"], order),
                      "entered": sh["entered_date"].to_numpy()})
    h = h.merge(mature[["lead_id", "closed", "state"]].astype({"lead_id": "str"}), on="lead_id")
    return (h["order"].to_numpy(dtype=float), _days(h["closed"].to_numpy(), h["entered"].to_numpy()),
            (h["state"] == "won").to_numpy(), (h["state"] == "lost").to_numpy())


def _days(closed: np.ndarray, entered: np.ndarray) -> np.ndarray:
    """Whole days from ``entered`` to ``closed`` (``Series.dt.days``; NaN where either is missing)."""
    return (pd.to_datetime(pd.Series(closed)) - pd.to_datetime(pd.Series(entered))).dt.days.to_numpy(dtype=float)


# ----------------------------------------------------------------------------- open deals


def _surv(sorted_days: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Smoothed share of ``sorted_days`` above each age in ``a``."""
    n = len(sorted_days)
    above = n - np.searchsorted(sorted_days, a, side="right")
    return (above + 0.5) / (n + 1)


def deal_probabilities(sm: StageModel, f: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: float,
                       use_crm: bool = False) -> pd.DataFrame:
    """For deals open at ``cutoff``: ``p_win`` (updated for age in stage), ``p_close`` (won within the
    horizon, given won) and ``q = p_win * p_close``; also ``p_stage_channel`` before the age update."""
    op = f.loc[f["state"] == "open"].copy()
    op = op.loc[op["order"] < sm.final_order]
    rates = sm.rates.set_index(["order", "channel"])["p_won"]
    stage_p = sm.rates.groupby("order")["p_stage"].first()
    idx = pd.MultiIndex.from_arrays([op["order"].to_numpy(), op["channel"].to_numpy()])
    p = pd.Series(rates.reindex(idx).to_numpy(), index=op.index)
    p = p.fillna(op["order"].map(stage_p))
    p = p.fillna(0.0)
    if use_crm and len(sm.crm):
        p = op["order"].map(sm.crm).fillna(p)
    op["p_stage_channel"] = p.to_numpy()
    age = (cutoff - pd.to_datetime(op["entered"])).dt.days.clip(lower=0).to_numpy(dtype=float)
    p_win = np.zeros(len(op))
    p_close = np.zeros(len(op))
    for s in np.unique(op["order"]):
        m = (op["order"] == s).to_numpy()
        wd, ld = sm.won_delay.get(s, np.array([])), sm.lost_delay.get(s, np.array([]))
        ps = op["p_stage_channel"].to_numpy()[m]
        if len(wd) == 0:
            p_win[m], p_close[m] = ps, 0.5
            continue
        sw = _surv(wd, age[m])
        sl = _surv(ld, age[m]) if len(ld) else np.ones(m.sum())
        p_win[m] = np.where(use_crm, ps, ps * sw / (ps * sw + (1 - ps) * sl))
        n_after = len(wd) - np.searchsorted(wd, age[m], side="right")
        n_in = np.searchsorted(wd, age[m] + horizon_days, side="right") - np.searchsorted(wd, age[m], side="right")
        p_close[m] = (n_in + 0.5) / (n_after + 1)
    op["p_win"] = p_win
    op["p_close"] = p_close
    op["q"] = p_win * p_close
    return op


def float32_threshold(q: np.ndarray) -> np.ndarray:
    """The float32 ``t`` with ``r < t`` exactly when ``r < q`` for every float32 ``r``: the smallest float32
    not below ``q`` (so a draw is compared without widening a draws x deals block to float64)."""
    q = np.asarray(q, dtype=float)
    t = q.astype(np.float32)
    low = t.astype(float) < q
    t[low] = np.nextafter(t[low], np.float32(np.inf))
    return t


def simulate_pipeline(deals: pd.DataFrame, levels, draws: int, interval: float, seed: int,
                      chunk: int = 500) -> pd.DataFrame:
    """Monte Carlo of the won value inside the window per level x key: mean, interval, and the draws'
    quantile function (kept as 101 percentiles for ``p_pipeline_covers_gap``)."""
    from scipy import sparse

    rng = np.random.default_rng(seed)
    amt = np.nan_to_num(deals["amount"].to_numpy(dtype=float))
    q = deals["q"].to_numpy(dtype=float)
    q32 = float32_threshold(q)
    mats, keys = {}, {}
    for lv in levels:
        codes, uniq = pd.factorize(deals[lv].fillna(A.UNATTRIBUTED))
        m = sparse.csr_matrix((amt, (np.arange(len(amt)), codes)), shape=(len(amt), len(uniq)))
        # few keys: a dense float32 matrix multiplies many times faster (BLAS); many keys stay sparse
        mats[lv] = m.toarray().astype(np.float32) if len(uniq) * len(amt) <= 20_000_000 else m
        keys[lv] = uniq
    totals = {lv: [] for lv in levels}
    done = 0
    while done < draws:
        n = min(chunk, draws - done)
        won = (rng.random((n, len(q)), dtype=np.float32) < q32).astype(np.float32)
        for lv in levels:
            mm = mats[lv]
            if not len(q):
                totals[lv].append(np.zeros((n, len(keys[lv]))))
            elif isinstance(mm, np.ndarray):
                totals[lv].append((won @ mm).astype(np.float64))
            else:
                totals[lv].append(np.asarray(mm.T @ won.T).T)
        done += n
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    probs = np.concatenate([[lo, hi], np.linspace(0, 1, 101)])
    rows = []
    for lv in levels:
        T = np.vstack(totals[lv]) if totals[lv] else np.zeros((0, 0))
        n_deals = pd.Series(deals[lv].fillna(A.UNATTRIBUTED)).value_counts()
        # every key's quantiles in one call (one partial sort per column, not one call per key)
        Q = np.quantile(T, probs, axis=0) if T.size else np.zeros((len(probs), len(keys[lv])))
        means = T.mean(axis=0) if T.size else np.zeros(len(keys[lv]))
        for j, key in enumerate(keys[lv]):
            rows.append({"level": lv, "key": key, "pipeline_deals": int(n_deals.get(key, 0)),
                         "pipeline_mean": float(means[j]), "pipeline_low": float(Q[0, j]),
                         "pipeline_high": float(Q[1, j]), "pipeline_pct": Q[2:, j]})
    return pd.DataFrame(rows)
