"""Touch paths of the sample company's leads, with a planted assisting channel (issue 16).

Every lead gets a short path of touches that ends where the lead says it began: its last touch
before ``created_date`` is its lead source (``leads.channel_id``), and follow-ups by the same
channel may come after it up to the close. Other channels (the platform stores, the shops) touch
some leads at random, with no effect on the outcome.

The **assister** (:data:`ASSISTER`, 抖音旗舰店: short-video ads, never a lead source) is planted with
a known causal effect. The generative story is: a lead is exposed to the assister's ads with
probability ``q`` (:data:`EXPOSURE`), independently of everything else, and exposure multiplies its
chance of being won by ``1 + lift`` (:data:`LIFT`). The leads' outcomes were drawn by
:mod:`workbench.sample` already; exposure is drawn here from its posterior given the outcome (Bayes'
rule with the channel's won rate among closed leads), which gives exactly the joint distribution of
that story. A won, exposed lead would have been won without the ads with probability
``1 / (1 + lift)``, so the assister's **true incremental conversions** are ``lift / (1 + lift)`` of
its exposed won leads, and its true share of conversions is their sum over all won leads (in
expectation ``q * lift / (1 + q * lift)``). Exposure touches come early (days to weeks before the
lead is created); only rarely is one the last touch.

Why ``lift = 1``: Markov removal effects and Shapley values are not causal estimators in general. In
this story, with no other channel on the paths, a first-order (memoryless) Markov chain credits the
assister ``q / (1 + q)`` of the conversions, and a Shapley split of the conversions it shares with the
lead source gives it half of its share of converting paths, ``q (1 + lift) / (2 (1 + q lift))``; both
equal the true share ``q lift / (1 + q lift)`` exactly when ``lift = 1``. A Shapley value of the
*conversion-rate* game (``v(S)`` = conversion of the journeys whose channel set is exactly ``S``) sees
the assister only together with a lead source and splits the lift they share evenly: it credits
``q / (2 (1 + q lift))``, half the truth. Both expectations are in the truth file. The random touches of other
channels take a little of the credit, so the models land a little below the truth; with another lift
they would be biased (up or down), which is what the truth file lets a test see.

Vectorised throughout: a million leads take a few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ASSISTER", "EXPOSURE", "LIFT", "add_touchpoints", "touchpoints_for"]

ASSISTER = "CH08"
"""The planted assisting channel (抖音旗舰店 short-video ads): often early on converting paths, rarely last."""
EXPOSURE = 0.25
"""Prior probability that a lead saw the assister's ads (``q``)."""
LIFT = 1.0
"""Exposure multiplies a lead's chance of being won by ``1 + LIFT`` (doubles it; see the module docstring)."""
LATE_SHARE = 0.04
"""Share of exposed leads whose (extra) assister touch comes after the lead was created: it is last then."""
NOISE_CHANNELS = ("CH03", "CH04", "CH05")
"""Channels that touch leads at random (platform stores, shops), with no effect on the outcome."""
NOISE_RATE = 0.15
"""Mean number of random touches by the noise channels per lead (Poisson)."""
FOLLOW_UP_RATE = 0.8
"""Mean number of follow-up touches by the lead source between creation and close (Poisson)."""
AD_COST = 6.0
"""Mean cost of one assister touch (¥, a paid view that was clicked)."""


def _posterior_exposure(status: np.ndarray, rate: np.ndarray, q: float, lift: float) -> np.ndarray:
    """P(exposed | outcome) under the story in the module docstring.

    ``rate`` is the lead's channel won rate (the marginal ``P(won)``); the base rate without the
    ads is ``rate / (1 + q * lift)`` and with them ``rate * (1 + lift) / (1 + q * lift)``.
    An open lead has no outcome yet: its exposure is the prior.
    """
    base = rate / (1.0 + q * lift)
    p_exposed_won = q * (1.0 + lift) / (1.0 + q * lift)
    p_exposed_lost = q * (1.0 - base * (1.0 + lift)) / (1.0 - rate)
    return np.select([status == "won", status == "lost"], [p_exposed_won, p_exposed_lost], default=q)


def touchpoints_for(leads: pd.DataFrame, seed: int = 7, *, assister: str = ASSISTER, exposure: float = EXPOSURE,
                    lift: float = LIFT, as_of: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Touch paths of ``leads`` with the planted assister, and the truth about it.

    Parameters
    ----------
    leads : DataFrame
        The canonical ``leads`` table (``lead_id, created_date, channel_id, status, closed_date``).
    seed : int
        Seed of the generator's own stream (the other sample tables do not change).
    assister, exposure, lift
        The planted channel, its prior exposure ``q`` and its multiplicative lift on winning.
    as_of : str, optional
        No touch after this date (default: the latest date in ``leads``).

    Returns
    -------
    touchpoints : DataFrame
        The canonical ``touchpoints`` columns, sorted by lead and time.
    truth : dict
        ``channel_id``, the planted ``exposure`` and ``lift``, ``exposed_leads``, ``exposed_won``,
        ``won``, ``incremental_conversions`` (``lift / (1 + lift)`` of the exposed won leads),
        ``true_share`` (of all won leads), ``expected_share`` (``q * lift / (1 + q * lift)``) and
        ``last_touch_share`` (share of won leads whose last touch before the close is the assister).
    """
    rng = np.random.default_rng([int(seed), 16])
    ld = leads.drop_duplicates("lead_id")
    n = len(ld)
    lead_id = ld["lead_id"].to_numpy(dtype=object)
    source = ld["channel_id"].astype("str").to_numpy(dtype=object)
    status = ld["status"].astype("str").to_numpy()
    created = pd.to_datetime(ld["created_date"]).to_numpy("datetime64[s]")
    closed = pd.to_datetime(ld["closed_date"]).to_numpy("datetime64[s]")
    day = np.timedelta64(86400, "s")
    last_day = np.datetime64(as_of, "D").astype("datetime64[s]") if as_of else \
        max(created.max(), closed[~np.isnat(closed)].max() if (~np.isnat(closed)).any() else created.max())
    end_all = last_day + day - np.timedelta64(1, "s")
    # a close is a date: the conversion happened some time that day, so touches that day come before it
    end = np.where(np.isnat(closed), end_all, closed + day - np.timedelta64(1, "s"))

    # the lead source's won rate among closed leads (the marginal P(won) of the story)
    closed_mask = np.isin(status, ["won", "lost"])
    won_by = pd.Series(status == "won")[closed_mask].groupby(pd.Series(source)[closed_mask].to_numpy()).mean()
    rate = pd.Series(source).map(won_by).fillna(0.0).to_numpy(dtype=float)
    cap = (1.0 + exposure * lift) / (1.0 + lift) * 0.95  # the base rate times (1 + lift) stays below 1
    rate = np.clip(rate, 1e-6, cap)
    exposed = rng.random(n) < _posterior_exposure(status, rate, exposure, lift)

    idx_parts, ch_parts, ts_parts, cost_parts, camp_parts = [], [], [], [], []

    def add(idx, channel, ts, cost=None, campaign=None):
        idx_parts.append(idx)
        ch_parts.append(np.broadcast_to(np.asarray(channel, dtype=object), idx.shape))
        ts_parts.append(ts)
        cost_parts.append(np.full(idx.shape, np.nan) if cost is None else cost)
        camp_parts.append(np.full(idx.shape, None, dtype=object) if campaign is None else campaign)

    def secs(m):  # a time of day, so touches of one day have an order
        return (rng.integers(8 * 3600, 21 * 3600, m)).astype("timedelta64[s]")

    # the lead source's touch that created the lead
    all_idx = np.arange(n)
    add(all_idx, source, created + secs(n))
    # assister exposure: 1-3 ad touches, 3 to 60 days before the lead was created
    ex = np.flatnonzero(exposed)
    k = 1 + rng.binomial(2, 0.3, len(ex))
    ex_idx = np.repeat(ex, k)
    ago = rng.integers(3, 61, len(ex_idx)).astype("timedelta64[D]").astype("timedelta64[s]")
    ts = created[ex_idx] - ago + secs(len(ex_idx))
    ad_cost = np.round(rng.gamma(4.0, AD_COST / 4.0, len(ex_idx)), 2)
    quarter = pd.PeriodIndex(pd.to_datetime(ts), freq="Q").astype(str).to_numpy(dtype=object)
    add(ex_idx, assister, ts, ad_cost, "抖音信息流 " + quarter)
    # follow-ups by the lead source between creation and the close (or the as-of date)
    span = np.maximum((end - created) / day, 0.0)
    m = rng.poisson(FOLLOW_UP_RATE, n)
    m[span < 1] = 0
    fu_idx = np.repeat(all_idx, m)
    frac = rng.random(len(fu_idx)) * 0.95
    fu_ts = created[fu_idx] + (frac * span[fu_idx] * 86400).astype("timedelta64[s]")
    add(fu_idx, source[fu_idx], np.maximum(fu_ts, created[fu_idx] + np.timedelta64(3600, "s")))
    # rarely, an exposed lead sees an ad after it was created (then the assister may be last)
    late = ex[(rng.random(len(ex)) < LATE_SHARE) & (span[ex] >= 1)]
    late_ts = end[late] - (rng.random(len(late)) * 0.5 * 86400).astype("timedelta64[s]")
    add(late, assister, np.maximum(late_ts, created[late] + np.timedelta64(7200, "s")),
        np.round(rng.gamma(4.0, AD_COST / 4.0, len(late)), 2),
        np.full(len(late), "抖音信息流 再营销", dtype=object))
    # random touches of the noise channels, before or after creation
    r = rng.poisson(NOISE_RATE, n)
    nz_idx = np.repeat(all_idx, r)
    nz_ch = np.array(NOISE_CHANNELS, dtype=object)[rng.integers(0, len(NOISE_CHANNELS), len(nz_idx))]
    offset = rng.uniform(-45.0, 0.0, len(nz_idx)) + rng.random(len(nz_idx)) * np.minimum(span[nz_idx], 30.0)
    nz_ts = created[nz_idx] + (offset * 86400).astype("timedelta64[s]")
    nz_ts = np.minimum(nz_ts, end[nz_idx] - np.timedelta64(60, "s"))
    add(nz_idx, nz_ch, nz_ts)

    # one sort of plain arrays (by lead, then time; stable), then one DataFrame: no object-column sorts
    idx = np.concatenate(idx_parts)
    ts_all = np.concatenate(ts_parts)
    keep = ts_all <= end_all
    order = np.flatnonzero(keep)[np.lexsort((ts_all[keep].astype(np.int64), idx[keep]))]
    idx, ts_all = idx[order], ts_all[order]
    channel = np.concatenate(ch_parts)[order]
    n_out = len(idx)
    out = pd.DataFrame({
        "touch_id": np.char.add("T", np.char.zfill(np.arange(1, n_out + 1).astype(str), 8)),
        "lead_id": lead_id[idx],
        "customer_id": ld["customer_id"].to_numpy(dtype=object)[idx] if "customer_id" in ld else None,
        "ts": ts_all,
        "channel_id": channel,
        "cost": np.concatenate(cost_parts)[order],
        "campaign": np.concatenate(camp_parts)[order],
    })

    # the truth: last touch at or before the close among won leads, and the incremental conversions
    won = status == "won"
    before = ts_all <= end[idx]
    b_idx, b_ch = idx[before], channel[before]
    is_last = np.append(b_idx[1:] != b_idx[:-1], True)  # sorted by lead: the last row of each lead
    last_lead, last_ch = b_idx[is_last], b_ch[is_last]
    won_last_assister = int(((last_ch == assister) & won[last_lead]).sum())
    exposed_won = int((exposed & won).sum())
    incremental = exposed_won * lift / (1.0 + lift)
    n_won = int(won.sum())
    truth = {
        "channel_id": assister,
        "exposure": exposure,
        "lift": lift,
        "story": "exposure (probability q, at random) multiplies the chance of winning by 1 + lift",
        "exposed_leads": int(exposed.sum()),
        "exposed_won": exposed_won,
        "won": n_won,
        "incremental_conversions": round(incremental, 3),
        "true_share": round(incremental / n_won, 6) if n_won else None,
        "expected_share": round(exposure * lift / (1.0 + exposure * lift), 6),
        "path_share_won": round(exposed_won / n_won, 6) if n_won else None,
        "last_touch_share": round(won_last_assister / n_won, 6) if n_won else None,
        "lead_source_is_last_share": round(float(np.mean(last_ch == source[last_lead])), 6),
        # what each data-driven model credits the assister in expectation under this story, before the
        # other channels' random touches take their part (see the module docstring)
        "model_expectations": {
            "markov_order_1": round(exposure / (1.0 + exposure), 6),
            "shapley_zhao_2018": round(exposure * (1.0 + lift) / (2.0 * (1.0 + exposure * lift)), 6),
            "shapley_conversion_rate_game": round(exposure / (2.0 * (1.0 + exposure * lift)), 6),
            "note": "Markov removal effects of a memoryless chain credit the assister q / (1 + q); Shapley values "
                    "with Zhao et al.'s (2018) simplified formula split each conversion evenly among the channels "
                    "of its path, q (1 + lift) / (2 (1 + q lift)); Shapley values of the conversion-rate game "
                    "(v(S) = conversion of journeys whose channel set is S) split the lift it shares with the lead "
                    "source evenly, q / (2 (1 + q lift)): half of the true share when the assister never converts "
                    "alone. With lift = 1 the first two equal the true share.",
        },
    }
    from workbench.data.schema import TABLES

    return out[TABLES["touchpoints"].column_names], truth


def add_touchpoints(tables: dict[str, pd.DataFrame], truth: dict, seed: int = 7) -> None:
    """Add ``touchpoints`` to the sample's ``tables`` and ``assisting_channel`` to its ``truth`` (in place)."""
    tp, t = touchpoints_for(tables["leads"], seed, as_of=truth.get("window", {}).get("as_of"))
    tables["touchpoints"] = tp
    truth["assisting_channel"] = t
    truth.setdefault("row_counts", {})["touchpoints"] = len(tp)
