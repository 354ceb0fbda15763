"""Budget reallocation: diminishing-returns response curves per channel and a constrained optimiser.

The response model
------------------
What a channel's spend drives each month — leads for a channel with leads, orders otherwise
(``response_metric``) — follows

    E[y_t] = exp(a_c) · adstock_t ^ b_c · season_c(month of t),
    adstock_t = spend_t + λ · adstock_{t-1},   adstock_{-1} = spend_0 / (1 - λ)

``λ`` (carry-over, shared by all channels) lets spend keep working in later months; the
exponent ``b_c`` < 1 gives diminishing returns (saturation): doubling spend multiplies the
outcome by ``2 ** b_c``. ``a_c`` and ``b_c`` are fitted per channel by a quasi-Poisson GLM
(statsmodels, log link, dispersion from Pearson's chi-square); month-of-year effects are
shared by channels of one ``type`` when that type has at least two channels and 24 months
(``seasonality="by_type"``). ``λ`` is profiled on a grid of 0 .. 0.9 in steps of 0.05 (quasi-deviance summed
over channels) and refined with ``scipy.optimize.minimize_scalar``; its 95 % interval is the
set of grid points where the scaled deviance rises by less than 3.84.

At a steady monthly spend ``s`` the adstock is ``s / (1 - λ)``, so the expected monthly
outcome is ``y_c(s) = exp(a_c) (s / (1 - λ)) ^ b_c · m_c`` (``m_c`` the mean seasonal factor),
and its value ``v_c · y_c(s)`` with ``v_c`` the revenue (or margin) of one unit: the won amount
per lead of mature cohorts, or the net revenue per order over the baseline window. Revenue
that spend does not drive (repeat business of existing customers) is not attributed to it.

A channel gets no curve — and stays out of the optimiser at its current spend — when it has
fewer than ``min_history_months`` months, spend that barely varies, an exponent whose 95 %
interval reaches 0 (no detectable effect of spend) or an exponent ≥ 1 (no saturation seen: an
optimiser would pour everything into it).

Uncertainty
-----------
``n_draws`` draws: ``λ`` from its profile likelihood on the grid, then the GLM coefficients
from their estimated normal distribution at that ``λ``. Every expected value is reported
with the 2.5 % and 97.5 % quantiles of its draws. The value of a unit (revenue per lead or
per order) is taken as known.

The optimiser
-------------
``scipy.optimize.minimize`` (SLSQP) maximises the expected revenue (or margin) of the channels
with a curve, subject to: their total ≤ the budget left after fixed channels; each channel
within ``[current · (1 - max_decrease), current · (1 + max_increase)]`` (or its own
``channel_limits``); channels in
``hold_fixed`` and channels without a curve at their current spend. ``objective="target"``
instead minimises spend subject to expected revenue ≥ ``revenue_target``. The result is
checked against every constraint before it is returned.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

# not statsmodels.api: it imports formulas, graphics and time series too
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from workbench.channels import lines
from workbench.channels.economics import spend_by_month
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import UNKNOWN, LeadData, Note, channel_names
from workbench.reporting import money

log = logging.getLogger(__name__)

LAMBDA_GRID = np.round(np.arange(0.0, 0.901, 0.05), 3)
MIN_SPEND_CV = 0.05
MAX_EXPONENT = 1.0

RECOMMENDATION_COLUMNS = ["channel_id", "channel_name", "in_optimiser", "reason", "current_spend",
                          "recommended_spend", "change", "change_pct", "low_bound", "high_bound",
                          "expected_value_current", "expected_value_recommended", "value_change", "change_low",
                          "change_high", "marginal_roas_current", "marginal_roas_recommended"]
"""Columns of ``budget_recommendation``, in order (the same with or without curves)."""
CURVE_COLUMNS = ["channel_id", "channel_name", "metric", "months", "intercept", "exponent", "exponent_se",
                 "exponent_ci_low", "exponent_ci_high", "seasonality", "value_per_unit", "margin_rate",
                 "current_spend", "supported", "reason", "expected_outcome", "expected_value", "marginal_roas"]
"""Columns of ``response_curves``, in order (the same with or without spend)."""


# ----------------------------------------------------------------------------- data


def response_panel(tables: dict[str, pd.DataFrame], ld: LeadData | None, params: ChannelParams,
                   as_of: pd.Timestamp) -> tuple[pd.DataFrame, list[Note]]:
    """Monthly spend and outcome per channel with spend: the data behind the response curves.

    Returns
    -------
    DataFrame
        ``channel_id, type, metric, month`` (Period), ``spend, y``: complete months (before
        ``as_of``) from the channel's first to its last spend row; a month without a spend row
        inside that range counts as zero spend.
    list of Note
    """
    notes: list[Note] = []
    sp, _ = spend_by_month(tables.get("spend"))
    cols = ["channel_id", "type", "metric", "month", "spend", "y"]
    if sp.empty:
        return pd.DataFrame(columns=cols), notes
    last = as_of.to_period("M")
    if (as_of + pd.Timedelta(days=1)).month == as_of.month:
        last = last - 1
    sp["month"] = pd.PeriodIndex(sp["month"], freq="M")
    sp = sp.loc[sp["month"] <= last]
    leads = ld.leads.loc[ld.leads["known_source"]] if ld is not None else pd.DataFrame(columns=["channel_id"])
    lead_counts = lines.lead_months(leads) if len(leads) else pd.Series(dtype="float64")
    orders = tables.get("orders")
    order_counts = revenue = pd.Series(dtype="float64")
    if orders is not None and len(orders) and "channel_id" in orders:  # revenue only when it is the metric
        order_counts, revenue = lines.order_months(orders, revenue=params.response_metric == "revenue")
    types = {}
    ch = tables.get("channels")
    if ch is not None and "type" in ch:
        types = ch.drop_duplicates("channel_id").set_index("channel_id")["type"].to_dict()
    lead_ids = set(lead_counts.index.get_level_values(0)) if len(lead_counts) else set()
    order_ids = set(order_counts.index.get_level_values(0)) if len(order_counts) else set()
    frames, filled = [], 0
    for cid, g in sp.groupby("channel_id"):
        if cid == UNKNOWN:
            continue
        metric = params.response_metric
        if metric == "auto":
            metric = "leads" if cid in lead_ids else "orders"
        src = {"leads": lead_counts, "orders": order_counts, "revenue": revenue}[metric]
        # from the first to the last month with a spend row: a spend table that stops early is out of date,
        # not a sign that spend stopped
        months = pd.period_range(g["month"].min(), g["month"].max(), freq="M")
        s = g.set_index("month")["spend"].reindex(months)
        filled += int(s.isna().sum())
        y = src.xs(cid, level=0) if (len(src) and cid in src.index.get_level_values(0)) else pd.Series(dtype=float)
        has_outcome = cid in (lead_ids if metric == "leads" else order_ids)
        frames.append(pd.DataFrame({"channel_id": cid, "type": types.get(cid, "other") or "other",
                                    "metric": metric if has_outcome else "none", "month": months,
                                    "spend": s.fillna(0.0).to_numpy(),
                                    "y": y.reindex(months).fillna(0.0).to_numpy(dtype=float)}))
    if filled:
        notes.append(Note("{n} channel-month(s) inside a channel's spend history have no spend row; counted as zero.",
                          "{n} 个渠道月份在费用记录期间内没有费用行，按零计。", {"n": filled}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    return out[cols], notes


def adstock(spend: np.ndarray, lam: float) -> np.ndarray:
    """Geometric carry-over: ``x_t = s_t + lam * x_{t-1}``, started at the steady state of ``s_0``."""
    s = np.asarray(spend, dtype=float)
    out = np.empty_like(s)
    prev = s[0] / (1.0 - lam) if len(s) else 0.0
    for i, v in enumerate(s):
        prev = v + lam * prev
        out[i] = prev
    return out


# ----------------------------------------------------------------------------- fitting


@dataclass
class _GroupFit:
    channels: list[str]
    season: bool
    params: np.ndarray
    cov: np.ndarray
    deviance: float
    scale: float


@dataclass
class ResponseFit:
    """Fitted response curves: the carry-over, per-channel curves and the draws behind intervals."""

    curves: pd.DataFrame
    carry_over: float
    carry_over_ci: tuple[float, float]
    draws: dict[str, np.ndarray]
    point: dict[str, np.ndarray]
    channels: list[str]
    panel: pd.DataFrame
    notes: list[Note] = field(default_factory=list)
    objective: str = "revenue"
    profile: pd.DataFrame | None = None

    def outcome(self, spend: np.ndarray, draws: bool = False) -> np.ndarray:
        """Expected monthly outcome of each channel of :attr:`channels` at steady monthly ``spend``.

        ``spend`` has shape ``(n_channels,)`` or ``(k, n_channels)``; with ``draws`` the result has a
        leading axis of draws.
        """
        src = self.draws if draws else self.point
        s = np.asarray(spend, dtype=float)
        lam = src["lam"][:, None] if draws else src["lam"]
        a, b, m = src["a"], src["b"], src["m"]
        if draws and s.ndim == 1:
            x = np.maximum(s[None, :], 0.0) / (1.0 - lam)
        else:
            x = np.maximum(s, 0.0) / (1.0 - lam)
        with np.errstate(divide="ignore"):
            return np.where(x > 0, np.exp(a + b * np.log(np.where(x > 0, x, 1.0))) * m, 0.0)

    def value(self, spend: np.ndarray, draws: bool = False) -> np.ndarray:
        """Expected monthly revenue (or margin) of each channel at ``spend``."""
        return self.outcome(spend, draws) * self.point["v"]


def _design(panel_g: pd.DataFrame, chans: list[str], lam: float, season: bool):
    xs, ys = [], []
    for k, c in enumerate(chans):
        d = panel_g.loc[panel_g["channel_id"] == c]
        ad = adstock(d["spend"].to_numpy(), lam)
        keep = ad > 0
        n = int(keep.sum())
        cols = np.zeros((n, 2 * len(chans)))
        cols[:, k] = 1.0
        cols[:, len(chans) + k] = np.log(ad[keep])
        if season:
            moy = d["month"].dt.month.to_numpy()[keep]
            dummies = (moy[:, None] == np.arange(2, 13)[None, :]).astype(float)
            cols = np.hstack([cols, dummies])
        xs.append(cols)
        ys.append(d["y"].to_numpy()[keep])
    return np.vstack(xs), np.concatenate(ys)


def _fit_group(panel_g, chans, lam, season) -> _GroupFit | None:
    X, y = _design(panel_g, chans, lam, season)
    if len(y) <= X.shape[1] + 1:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a degenerate design shows as non-finite errors below
            res = GLM(y, X, family=families.Poisson()).fit(scale="X2")
    except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - degenerate designs
        log.info("response fit failed for %s at lambda %.2f: %s", chans, lam, exc)
        return None
    if not (np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.bse))):
        return None
    scale = max(float(res.scale), 1e-9)
    return _GroupFit(chans, season, np.asarray(res.params), np.asarray(res.cov_params()),
                     float(res.deviance), scale)


def _groups(panel: pd.DataFrame, chans: list[str], params: ChannelParams) -> list[tuple[list[str], bool]]:
    types = panel.drop_duplicates("channel_id").set_index("channel_id")["type"]
    out = []
    for _t, members in types.loc[chans].groupby(types.loc[chans]):
        m = list(members.index)
        months = panel.loc[panel["channel_id"].isin(m), "month"].nunique()
        if params.seasonality == "by_type" and len(m) >= 2 and months >= 24:
            out.append((m, True))
        else:
            out.extend(([c], False) for c in m)
    return out


def _unit_values(tables, ld: LeadData | None, panel: pd.DataFrame, params: ChannelParams,
                 as_of: pd.Timestamp) -> tuple[dict, dict, list[Note]]:
    """Revenue and margin of one unit of each channel's metric."""
    notes: list[Note] = []
    value, margin_rate = {}, {}
    orders = tables.get("orders")
    start = (as_of.to_period("M") - params.baseline_months).start_time
    metrics = panel.drop_duplicates("channel_id").set_index("channel_id")["metric"]
    per_order = None
    if orders is not None and len(orders) and "channel_id" in orders:
        rows = ((orders["order_date"] >= start) & (orders["order_date"] <= as_of)).to_numpy()
        per_order, margin_rate = lines.order_unit_values(orders, rows, list(metrics.index[metrics == "orders"]))
    for cid, metric in metrics.items():
        if metric == "leads" and ld is not None:
            lf = ld.leads.loc[ld.leads["mature"] & (ld.leads["channel_id"] == cid)]
            won = lf.loc[lf["won"], "amount"]
            if len(lf) and won.notna().any():
                value[cid] = float(won.fillna(won.mean()).sum() / len(lf))
        elif metric == "orders" and per_order is not None:
            if cid in per_order:
                value[cid] = per_order[cid]
        elif metric == "revenue":
            value[cid] = 1.0
    return value, margin_rate, notes


def attributed_value_shift(credit: pd.DataFrame, model: str, months: int) -> dict[str, float]:
    """Revenue per month that ``model`` credits each channel beyond last touch (``value`` difference / months).

    ``credit`` holds :func:`workbench.attribution.attribute`'s columns (``channel_id, model, value``).
    """
    v = credit.pivot_table(index="channel_id", columns="model", values="value", aggfunc="sum").fillna(0.0)
    if model not in v or "last_touch" not in v or months <= 0:
        return {}
    return ((v[model] - v["last_touch"]) / months).to_dict()


def shift_unit_values(value: dict[str, float], panel: pd.DataFrame, shift: dict[str, float]) -> dict[str, float]:
    """Each channel's value per unit of outcome plus ``shift`` (revenue per month) / its mean monthly outcome.

    A channel without a value (no won amounts, no orders) gets ``shift / mean outcome``; the value
    never falls below 0. Channels without outcome months keep their value.
    """
    out = dict(value)
    mean_y = panel.groupby("channel_id")["y"].mean() if len(panel) else pd.Series(dtype=float)
    for cid, extra in shift.items():
        y = float(mean_y.get(cid, 0.0))
        if y > 0 and np.isfinite(extra):
            out[cid] = max(float(value.get(cid, 0.0)) + extra / y, 0.0)
    return out


def fit_response(tables: dict[str, pd.DataFrame], ld: LeadData | None, params: ChannelParams,
                 as_of: pd.Timestamp, *, value_shift: dict[str, float] | None = None) -> ResponseFit:
    """Fit the carry-over and a diminishing-returns curve per channel with spend.

    ``value_shift`` (optional, ``{channel_id: revenue per month}``) adds revenue that an attribution
    model credits a channel beyond last touch (negative: less) to the value of its outcome, spread
    over its mean monthly outcome (see :func:`attributed_value_shift`); the response data then
    values each channel by attributed revenue instead of the lead source's.

    Returns
    -------
    ResponseFit
        ``curves``: ``channel_id, channel_name, metric, months, intercept, exponent, exponent_se,
        exponent_ci_low, exponent_ci_high, seasonality, dispersion, value_per_unit, margin_rate,
        current_spend, expected_outcome, expected_value, marginal_roas, supported, reason``.
        ``carry_over`` and its interval; ``draws`` for the intervals.
    """
    panel, notes = response_panel(tables, ld, params, as_of)
    names = channel_names(tables)
    empty = ResponseFit(pd.DataFrame(columns=CURVE_COLUMNS), float("nan"), (float("nan"), float("nan")),
                        {}, {}, [], panel, notes, params.objective)
    if panel.empty:
        notes.append(Note("No spend table (or no spend before the analysis date): no response curves.",
                          "没有费用数据（或分析基准日前没有费用）：无法拟合投放响应曲线。"))
        return empty
    reasons: dict[str, str] = {}
    for cid, g in panel.groupby("channel_id", sort=True):
        s = g["spend"]
        if g["metric"].iloc[0] == "none":
            reasons[cid] = "no_outcome"
        elif len(g) < params.min_history_months:
            reasons[cid] = "short_history"
        elif s.mean() <= 0 or s.std(ddof=0) / s.mean() < MIN_SPEND_CV:
            reasons[cid] = "flat_spend"
        elif (g["y"] > 0).sum() < 6:
            reasons[cid] = "few_outcomes"
    fit_ch = sorted(set(panel["channel_id"]) - set(reasons))
    groups = _groups(panel, fit_ch, params) if fit_ch else []
    grid: dict[float, list[_GroupFit | None]] = {}
    for lam in LAMBDA_GRID:
        grid[float(lam)] = [_fit_group(panel, m, float(lam), season) for m, season in groups]
    ok_groups = [i for i in range(len(groups)) if all(grid[float(lam)][i] is not None for lam in LAMBDA_GRID)]
    for i in range(len(groups)):
        if i not in ok_groups:
            for c in groups[i][0]:
                reasons[c] = "fit_failed"
    groups = [groups[i] for i in ok_groups]
    for lam in grid:
        grid[lam] = [grid[lam][i] for i in ok_groups]
    lam_hat, lam_ci = float("nan"), (float("nan"), float("nan"))
    prof = None
    if groups:
        scale = [min(grid[lam][i].scale for lam in grid) for i in range(len(groups))]

        def q(lam: float) -> float:
            fits = grid.get(round(lam, 3)) or [_fit_group(panel, m, lam, s) for m, s in groups]
            return sum(f.deviance / sc for f, sc in zip(fits, scale, strict=True) if f is not None)

        qs = np.array([q(float(lam)) for lam in LAMBDA_GRID])
        j = int(np.argmin(qs))
        lo_b = LAMBDA_GRID[max(j - 1, 0)]
        hi_b = LAMBDA_GRID[min(j + 1, len(LAMBDA_GRID) - 1)]
        res = optimize.minimize_scalar(q, bounds=(float(lo_b), float(hi_b)), method="bounded",
                                       options={"xatol": 1e-3})
        lam_hat = float(res.x) if res.fun <= qs[j] else float(LAMBDA_GRID[j])
        qmin = min(float(res.fun), float(qs[j]))
        lam_ci = _profile_interval(q, qs, qmin)
        prof = pd.DataFrame({"carry_over": LAMBDA_GRID, "scaled_deviance": qs - qmin})
        best = [_fit_group(panel, m, lam_hat, s) for m, s in groups]
    else:
        best = []

    # per-channel point estimates
    value, mrate, vnotes = _unit_values(tables, ld, panel, params, as_of)
    notes += vnotes
    if value_shift:
        value = shift_unit_values(value, panel, value_shift)
        notes.append(Note("The value of each channel's outcome includes the revenue an attribution model credits it "
                          "with beyond last touch.", "各渠道成果的价值已计入归因模型在末次触点之外归给它的收入。"))
    rows = []
    a_pt, b_pt, m_pt, se_b = {}, {}, {}, {}
    season_of: dict[str, bool] = {}
    for (members, season), f in zip(groups, best, strict=True):
        k = len(members)
        gam = np.r_[0.0, f.params[2 * k:]] if season else np.zeros(1)
        mfac = float(np.mean(np.exp(gam)))
        for i, c in enumerate(members):
            a_pt[c], b_pt[c], m_pt[c] = f.params[i], f.params[k + i], mfac
            se_b[c] = math.sqrt(max(f.cov[k + i, k + i], 0.0))
            season_of[c] = season
            if not np.isfinite(b_pt[c]):
                reasons[c] = "fit_failed"
            elif b_pt[c] - 1.96 * se_b[c] <= 0:
                reasons[c] = "no_effect"
            elif b_pt[c] >= MAX_EXPONENT:
                reasons[c] = "no_saturation"
            elif c not in value:
                reasons[c] = "no_value"
    base_start = panel["month"].max() - (params.baseline_months - 1)
    current = panel.loc[panel["month"] >= base_start].groupby("channel_id")["spend"].mean()
    for cid in sorted(panel["channel_id"].unique()):
        g = panel.loc[panel["channel_id"] == cid]
        b = b_pt.get(cid, np.nan)
        rows.append({"channel_id": cid, "channel_name": names.get(cid, ""), "metric": g["metric"].iloc[0],
                     "months": len(g), "intercept": a_pt.get(cid, np.nan), "exponent": b,
                     "exponent_se": se_b.get(cid, np.nan),
                     "exponent_ci_low": b - 1.96 * se_b.get(cid, np.nan),
                     "exponent_ci_high": b + 1.96 * se_b.get(cid, np.nan),
                     "seasonality": season_of.get(cid, False), "value_per_unit": value.get(cid, np.nan),
                     "margin_rate": mrate.get(cid, np.nan), "current_spend": float(current.get(cid, 0.0)),
                     "supported": cid not in reasons, "reason": reasons.get(cid, "")})
    curves = pd.DataFrame(rows)
    supported = curves.loc[curves["supported"], "channel_id"].tolist()

    # objective values per unit
    v = curves.set_index("channel_id")["value_per_unit"]
    objective = params.objective
    if objective == "margin":
        mr = curves.set_index("channel_id")["margin_rate"]
        if mr.loc[supported].isna().any():
            notes.append(Note("Margin is unknown for some channels (no cost data): the plan maximises revenue instead.",
                              "部分渠道缺少成本数据、毛利未知：改为按收入最大化。"))
            objective = "revenue"
        else:
            v = v * mr
    point = {"lam": lam_hat, "a": np.array([a_pt[c] for c in supported]),
             "b": np.array([b_pt[c] for c in supported]), "m": np.array([m_pt[c] for c in supported]),
             "v": np.array([v[c] for c in supported])}
    draws = _draws(panel, groups, grid, prof, supported, params) if supported else {}
    fit = ResponseFit(curves, lam_hat, lam_ci, draws, point, supported, panel, notes, objective, prof)
    cur = curves.set_index("channel_id")["current_spend"]
    if supported:
        s = cur.loc[supported].to_numpy()
        y = fit.outcome(s)
        curves.loc[curves["supported"], "expected_outcome"] = y
        curves.loc[curves["supported"], "expected_value"] = y * point["v"]
        curves.loc[curves["supported"], "marginal_roas"] = _marginal(fit, s)
    curves = curves.reindex(columns=CURVE_COLUMNS)
    fit.curves = curves
    unsupported = curves.loc[~curves["supported"]]
    if len(unsupported):
        notes.append(Note(
            "No response curve for {ids}: the history cannot support one ({why}). They stay at their current "
            "spend and out of the optimiser.",
            "以下渠道无法拟合响应曲线：{ids}（{why_zh}）。它们保持当前投入，不参与优化。",
            {"ids": ", ".join(unsupported["channel_id"]),
             "why": "; ".join(f"{c}: {REASONS[r][0]}" for c, r in zip(unsupported["channel_id"],
                                                                     unsupported["reason"], strict=True)),
             "why_zh": "；".join(f"{c}：{REASONS[r][1]}" for c, r in zip(unsupported["channel_id"],
                                                                       unsupported["reason"], strict=True))}))
    return fit


def _profile_interval(q, qs: np.ndarray, qmin: float, crit: float = 3.84) -> tuple[float, float]:
    """Where the profile ``q(λ) - qmin`` crosses ``crit``, refined between grid points with ``brentq``."""
    inside = np.flatnonzero(qs - qmin <= crit)
    lo_i, hi_i = int(inside.min()), int(inside.max())

    def g(lam: float) -> float:
        return q(lam) - qmin - crit

    lo = float(LAMBDA_GRID[lo_i])
    hi = float(LAMBDA_GRID[hi_i])
    try:
        if lo_i > 0:
            lo = float(optimize.brentq(g, float(LAMBDA_GRID[lo_i - 1]), lo, xtol=1e-3))
        if hi_i < len(LAMBDA_GRID) - 1:
            hi = float(optimize.brentq(g, hi, float(LAMBDA_GRID[hi_i + 1]), xtol=1e-3))
    except ValueError:  # pragma: no cover - a profile that is not monotone between two grid points
        pass
    return lo, hi


REASONS: dict[str, tuple[str, str]] = {
    "no_outcome": ("spend but no leads or orders", "有费用但没有线索或订单"),
    "short_history": ("too few months of history", "历史月份太少"),
    "flat_spend": ("spend barely varies, so its effect cannot be seen", "费用几乎不变，看不出其效果"),
    "few_outcomes": ("too few months with any outcome", "有产出的月份太少"),
    "fit_failed": ("the model could not be fitted", "模型无法拟合"),
    "no_effect": ("no detectable effect of spend (exponent interval reaches 0)", "看不出费用的效果（弹性区间包含 0）"),
    "no_saturation": ("no diminishing returns seen (exponent ≥ 1)", "未见边际收益递减（弹性 ≥ 1）"),
    "no_value": ("no revenue per lead or order to value it", "缺少每条线索或每单的收入，无法估值"),
}


def _draws(panel, groups, grid, prof, supported, params) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(params.seed)
    nd = params.n_draws
    lam_vals = LAMBDA_GRID
    w = np.exp(-0.5 * prof["scaled_deviance"].to_numpy())
    w = w / w.sum()
    pick = rng.choice(len(lam_vals), size=nd, p=w)
    idx = {c: i for i, c in enumerate(supported)}
    A = np.full((nd, len(supported)), np.nan)
    B = np.full_like(A, np.nan)
    M = np.ones_like(A)
    for gi, (members, season) in enumerate(groups):
        k = len(members)
        cols = [(i, idx[c]) for i, c in enumerate(members) if c in idx]
        if not cols:
            continue
        for j in np.unique(pick):
            rows = np.flatnonzero(pick == j)
            f = grid[float(lam_vals[j])][gi]
            cov = (f.cov + f.cov.T) / 2
            theta = rng.multivariate_normal(f.params, cov, size=len(rows), method="eigh")
            gam = np.hstack([np.zeros((len(rows), 1)), theta[:, 2 * k:]]) if season else np.zeros((len(rows), 1))
            mfac = np.exp(gam).mean(axis=1)
            for i, ci in cols:
                A[rows, ci] = theta[:, i]
                B[rows, ci] = theta[:, k + i]
                M[rows, ci] = mfac
    return {"lam": lam_vals[pick].astype(float), "a": A, "b": B, "m": M}


def _marginal(fit: ResponseFit, s: np.ndarray) -> np.ndarray:
    """d value / d spend at steady spend ``s``: ``v · b · y(s) / s``."""
    y = fit.outcome(s)
    return np.divide(fit.point["v"] * fit.point["b"] * y, s, out=np.full(len(s), np.nan), where=s > 0)


# ----------------------------------------------------------------------------- optimiser


@dataclass
class Allocation:
    """The recommended split and what it is expected to change."""

    table: pd.DataFrame
    budget: float
    current_total: float
    recommended_total: float
    change: float
    change_low: float
    change_high: float
    value_current: float
    feasible: bool
    objective: str
    notes: list[Note] = field(default_factory=list)


def _bounds(fit: ResponseFit, params: ChannelParams) -> pd.DataFrame:
    c = fit.curves.set_index("channel_id")
    held = set(params.hold_fixed)
    b = pd.DataFrame({"current": c["current_spend"]})
    b["free"] = c["supported"] & ~b.index.isin(held) & (b["current"] > 0)
    cut = pd.Series(params.max_decrease, index=b.index, dtype=float)
    inc = pd.Series(params.max_increase, index=b.index, dtype=float)
    for cid, (c, i) in params.channel_limits.items():
        if cid in b.index:
            cut[cid], inc[cid] = c, i
    b["low"] = np.where(b["free"], b["current"] * (1 - cut), b["current"])
    b["high"] = np.where(b["free"], b["current"] * (1 + inc), b["current"])
    return b


def optimise(fit: ResponseFit, params: ChannelParams, budget: float | None = None,
             with_intervals: bool = True) -> Allocation:
    """The best split of ``budget`` (monthly; default ``params.total_budget`` or the current total).

    Returns
    -------
    Allocation
        ``table`` (the ``budget_recommendation`` result table): per channel ``current_spend,
        recommended_spend, change, change_pct, low_bound, high_bound, in_optimiser, reason,
        expected_value_current, expected_value_recommended, value_change, change_low, change_high,
        marginal_roas_current, marginal_roas_recommended``.
    """
    notes: list[Note] = []
    names = {r.channel_id: r.channel_name for r in fit.curves.itertuples()}
    if not fit.channels:
        notes.append(Note("No channel has a response curve: there is nothing to optimise.",
                          "没有任何渠道有可用的响应曲线：无从优化。"))
        return Allocation(pd.DataFrame(columns=RECOMMENDATION_COLUMNS), float("nan"), float("nan"),
                          float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), False,
                          fit.objective, notes)
    bd = _bounds(fit, params)
    unknown_held = sorted(set(params.hold_fixed) - set(bd.index))
    if unknown_held:
        notes.append(Note("hold_fixed names channel(s) without spend: {ids} (ignored).",
                          "hold_fixed 中的渠道没有费用记录：{ids}（已忽略）。", {"ids": ", ".join(unknown_held)}))
    current_total = float(bd["current"].sum())
    if budget is None:
        budget = params.total_budget or current_total
    budget = float(budget)
    free_ids = [c for c in fit.channels if bool(bd.loc[c, "free"])]
    fixed_spend = float(bd.loc[~bd.index.isin(free_ids), "current"].sum())
    free_budget = budget - fixed_spend
    cols_idx = [fit.channels.index(c) for c in free_ids]
    cur_all = bd.loc[fit.channels, "current"].to_numpy()
    lo = bd.loc[free_ids, "low"].to_numpy()
    hi = bd.loc[free_ids, "high"].to_numpy()
    feasible = True
    x = bd.loc[free_ids, "current"].to_numpy().copy()

    def full(xf):
        s = cur_all.copy()
        s[cols_idx] = xf
        return s

    if not free_ids:
        notes.append(Note("Every channel with a curve is held fixed: the split stays as it is.",
                          "所有有响应曲线的渠道都被固定：投放结构保持不变。"))
    elif params.objective == "target":
        x, feasible = _solve_target(fit, params, free_ids, cols_idx, cur_all, lo, hi, notes)
    elif free_budget < lo.sum() - 1e-6:
        feasible = False
        notes.append(Note(
            "The budget {budget} is below what the constraints allow ({minimum} at the largest cuts, plus "
            "{fixed} of fixed channels): no split is recommended.",
            "预算 {budget} 低于约束允许的最低值（最大削减后为 {minimum}，另有固定渠道 {fixed}）：不给出建议。",
            {"budget": money(budget, "month"), "minimum": money(lo.sum(), "month"), "fixed": money(fixed_spend, "month")}))
        x = np.full(len(free_ids), np.nan)
    else:
        if free_budget > hi.sum():
            notes.append(Note("The largest increases allowed use {used} of the {budget} budget; the rest stays unspent.",
                              "在允许的最大增幅下只能用掉预算 {budget} 中的 {used}，其余不投放。",
                              {"used": money(hi.sum() + fixed_spend, "month"), "budget": money(budget, "month")}))
        x = _solve_max(fit, cols_idx, cur_all, lo, hi, min(free_budget, hi.sum()))
    rec = full(x) if feasible else np.full(len(cur_all), np.nan)
    # check every constraint (the solver's tolerance must never leak into a recommendation)
    if feasible:
        tol = 1e-6 * max(budget, 1.0)
        assert np.all(x >= lo - tol) and np.all(x <= hi + tol), "optimiser left the bounds"
        if params.objective != "target":
            assert rec.sum() <= budget + tol, "optimiser exceeded the budget"
    table = _allocation_table(fit, bd, rec, names, with_intervals)
    v_cur = float(fit.value(cur_all).sum())
    d = _delta(fit, cur_all, rec, with_intervals) if feasible else (np.nan, np.nan, np.nan)
    rec_total = float(np.nansum(rec)) + float(bd.loc[~bd.index.isin(fit.channels), "current"].sum())
    return Allocation(table, budget, current_total, rec_total if feasible else float("nan"), d[0], d[1], d[2],
                      v_cur, feasible, fit.objective if params.objective != "target" else "target", notes)


def _solve_max(fit, cols_idx, cur_all, lo, hi, free_budget) -> np.ndarray:
    v = fit.point["v"][cols_idx]
    b = fit.point["b"][cols_idx]
    scale = np.maximum(hi, 1.0)

    def f(u):
        s = cur_all.copy()
        s[cols_idx] = u * scale
        val = fit.value(s)[cols_idx]
        grad = np.divide(b * val, u * scale, out=np.zeros(len(u)), where=u > 0) * scale
        norm = max(v.sum(), 1e-9)
        return -val.sum() / norm, -grad / norm

    x0 = np.clip(cur_all[cols_idx], lo, hi)
    if x0.sum() > free_budget:
        x0 = lo + (x0 - lo) * (free_budget - lo.sum()) / max((x0 - lo).sum(), 1e-9)
    cons = [{"type": "ineq", "fun": lambda u: (free_budget - (u * scale).sum()) / max(free_budget, 1.0),
             "jac": lambda u: -scale / max(free_budget, 1.0)}]
    res = optimize.minimize(f, x0 / scale, jac=True, method="SLSQP", bounds=list(zip(lo / scale, hi / scale,
                                                                                          strict=True)),
                            constraints=cons, options={"maxiter": 500, "ftol": 1e-12})
    x = np.clip(res.x * scale, lo, hi)
    over = x.sum() - free_budget
    if over > 0:  # pull back within the budget, from the channels above their lower bound
        room = x - lo
        x = x - room * over / max(room.sum(), 1e-12)
    return x


def _solve_target(fit, params, free_ids, cols_idx, cur_all, lo, hi, notes) -> tuple[np.ndarray, bool]:
    fixed_value = float(fit.value(cur_all).sum() - fit.value(cur_all)[cols_idx].sum())
    need = params.revenue_target - fixed_value
    top = cur_all.copy()
    top[cols_idx] = hi
    best = float(fit.value(top)[cols_idx].sum())
    if params.revenue_target <= 0:
        notes.append(Note("objective is target but revenue_target is 0: set the monthly revenue to reach.",
                          "目标模式下 revenue_target 为 0：请设定要达到的月收入。"))
        return np.full(len(free_ids), np.nan), False
    if best < need:
        notes.append(Note("The target {target} cannot be reached within the allowed increases "
                          "(at most {best} expected).",
                          "在允许的增幅内无法达到 {target} 的目标（预期最多 {best}）。",
                          {"target": money(params.revenue_target, "month"), "best": money(best + fixed_value, "month")}))
        return hi, True
    scale = np.maximum(hi, 1.0)

    def spend(u):
        return (u * scale).sum() / scale.sum(), scale / scale.sum()

    def reach(u):
        s = cur_all.copy()
        s[cols_idx] = u * scale
        return (fit.value(s)[cols_idx].sum() - need) / max(abs(need), 1.0)

    res = optimize.minimize(spend, hi / scale, jac=True, method="SLSQP",
                            bounds=list(zip(lo / scale, hi / scale, strict=True)),
                            constraints=[{"type": "ineq", "fun": reach}], options={"maxiter": 500, "ftol": 1e-12})
    x = np.clip(res.x * scale, lo, hi)
    s = cur_all.copy()
    s[cols_idx] = x
    if fit.value(s)[cols_idx].sum() < need * (1 - 1e-6):
        x = hi
    return x, True


def _delta(fit: ResponseFit, cur: np.ndarray, rec: np.ndarray, with_intervals: bool) -> tuple[float, float, float]:
    point = float(fit.value(rec).sum() - fit.value(cur).sum())
    if not with_intervals or not fit.draws:
        return point, float("nan"), float("nan")
    d = (fit.value(rec, draws=True) - fit.value(cur, draws=True)).sum(axis=1)
    return point, float(np.nanquantile(d, 0.025)), float(np.nanquantile(d, 0.975))


def _allocation_table(fit: ResponseFit, bd: pd.DataFrame, rec: np.ndarray, names: dict,
                      with_intervals: bool) -> pd.DataFrame:
    curves = fit.curves.set_index("channel_id")
    rows = []
    idx = {c: i for i, c in enumerate(fit.channels)}
    cur_all = bd.loc[fit.channels, "current"].to_numpy()
    vc = fit.value(cur_all)
    vr = fit.value(rec) if np.isfinite(rec).all() else np.full(len(rec), np.nan)
    mc = _marginal(fit, cur_all)
    mr = _marginal(fit, rec) if np.isfinite(rec).all() else np.full(len(rec), np.nan)
    if with_intervals and fit.draws and np.isfinite(rec).all():
        dd = fit.value(rec, draws=True) - fit.value(cur_all, draws=True)
        dlo, dhi = np.nanquantile(dd, 0.025, axis=0), np.nanquantile(dd, 0.975, axis=0)
    else:
        dlo = dhi = np.full(len(fit.channels), np.nan)
    for cid in bd.index:
        cur = float(bd.loc[cid, "current"])
        row = {"channel_id": cid, "channel_name": names.get(cid, ""), "in_optimiser": bool(bd.loc[cid, "free"]),
               "current_spend": cur, "low_bound": float(bd.loc[cid, "low"]), "high_bound": float(bd.loc[cid, "high"]),
               "reason": curves.loc[cid, "reason"] if not bd.loc[cid, "free"] else ""}
        if not row["reason"] and not row["in_optimiser"]:
            row["reason"] = "held_fixed" if curves.loc[cid, "supported"] else ""
        if cid in idx:
            i = idx[cid]
            row.update(recommended_spend=rec[i], expected_value_current=vc[i], expected_value_recommended=vr[i],
                       value_change=vr[i] - vc[i], change_low=dlo[i], change_high=dhi[i],
                       marginal_roas_current=mc[i], marginal_roas_recommended=mr[i])
        else:
            row.update(recommended_spend=cur)
        rows.append(row)
    t = pd.DataFrame(rows)
    t["change"] = t["recommended_spend"] - t["current_spend"]
    t["change_pct"] = t["change"] / t["current_spend"].where(t["current_spend"] > 0)
    t = t.reindex(columns=RECOMMENDATION_COLUMNS)
    return t.sort_values(["in_optimiser", "change"], ascending=[False, False], kind="stable").reset_index(drop=True)


def what_if(fit: ResponseFit, params: ChannelParams) -> pd.DataFrame:
    """Best split and its expected value at several total budgets (``what_if_levels`` × current total).

    Returns
    -------
    DataFrame
        ``budget_multiple, budget, expected_value, value_low, value_high, change_vs_current, change_low,
        change_high, value_current_split`` (the current split scaled to the budget), ``marginal_roas``
        (extra value per extra unit of budget from the previous level), ``feasible``.
    """
    cols = ["budget_multiple", "budget", "expected_value", "value_low", "value_high", "change_vs_current", "change_low",
            "change_high", "value_current_split", "marginal_roas", "feasible"]
    if not fit.channels:
        return pd.DataFrame(columns=cols)
    p = params.model_copy(update={"objective": "margin" if fit.objective == "margin" else "revenue"})
    bd = _bounds(fit, p)
    cur_all = bd.loc[fit.channels, "current"].to_numpy()
    total = float(bd["current"].sum())
    rows = []
    for level in params.what_if_levels:
        budget = level * total
        al = optimise(fit, p, budget, with_intervals=False)
        row = {"budget_multiple": level, "budget": budget, "feasible": al.feasible}
        scaled = cur_all * level
        row["value_current_split"] = float(fit.value(scaled).sum())
        if al.feasible:
            rec = al.table.set_index("channel_id").loc[fit.channels, "recommended_spend"].to_numpy(dtype=float)
            vd = fit.value(rec, draws=True).sum(axis=1)
            dd = vd - fit.value(cur_all, draws=True).sum(axis=1)
            row.update(expected_value=float(fit.value(rec).sum()), value_low=float(np.nanquantile(vd, 0.025)),
                       value_high=float(np.nanquantile(vd, 0.975)),
                       change_vs_current=float(fit.value(rec).sum() - fit.value(cur_all).sum()),
                       change_low=float(np.nanquantile(dd, 0.025)), change_high=float(np.nanquantile(dd, 0.975)))
        rows.append(row)
    t = pd.DataFrame(rows).reindex(columns=cols)
    t["marginal_roas"] = t["expected_value"].diff() / t["budget"].diff()
    return t


def curve_points(fit: ResponseFit, n: int = 60) -> pd.DataFrame:
    """Each supported curve on a spend grid from 0 to twice the largest monthly spend, with a 95 % band.

    Returns ``channel_id, spend, expected, low, high`` (monthly outcome, not value).
    """
    rows = []
    d = fit.draws
    for i, c in enumerate(fit.channels):
        smax = 2.0 * max(fit.panel.loc[fit.panel["channel_id"] == c, "spend"].max(), 1.0)
        grid = np.linspace(smax / n, smax, n)
        p = fit.point
        pt = np.exp(p["a"][i] + p["b"][i] * np.log(grid / (1.0 - p["lam"]))) * p["m"][i]
        x = grid[None, :] / (1.0 - d["lam"][:, None])  # (draws, n)
        dr = np.exp(d["a"][:, i, None] + d["b"][:, i, None] * np.log(x)) * d["m"][:, i, None]
        rows.append(pd.DataFrame({"channel_id": c, "spend": grid, "expected": pt,
                                  "low": np.nanquantile(dr, 0.025, axis=0), "high": np.nanquantile(dr, 0.975, axis=0)}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["channel_id", "spend", "expected",
                                                                                 "low", "high"])


def observed_points(fit: ResponseFit) -> pd.DataFrame:
    """Observed months on the curves' scale: effective spend ``adstock · (1 - λ)`` and the deseasonalised outcome."""
    rows = []
    lam = fit.carry_over
    for c in fit.channels:
        d = fit.panel.loc[fit.panel["channel_id"] == c]
        ad = adstock(d["spend"].to_numpy(), lam)
        rows.append(pd.DataFrame({"channel_id": c, "effective_spend": ad * (1 - lam), "y": d["y"].to_numpy(),
                                  "month": d["month"].astype("str").to_numpy()}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["channel_id", "effective_spend", "y", "month"])


PLAN_COLUMNS = ["objective", "feasible", "budget", "current_total", "recommended_total", "value_current",
                "value_change_month", "value_change_low", "value_change_high", "value_change_year",
                "value_change_year_low", "value_change_year_high", "channels_up", "channels_down"]


def plan_summary(al: Allocation) -> pd.DataFrame:
    """The ``budget_plan`` result table: one row, the recommended split's value change per month and year.

    Returns
    -------
    DataFrame
        :data:`PLAN_COLUMNS`. Money per month (``budget``, totals, ``value_current``,
        ``value_change_month`` and its 95 % interval) and per year (``value_change_year*`` = 12 × the
        monthly figures, at a steady spend); ``channels_up`` / ``channels_down`` count the channels the
        plan moves by at least 1 %.
    """
    t = al.table
    pct = t["change_pct"] if len(t) else pd.Series(dtype=float)
    row = {"objective": al.objective, "feasible": bool(al.feasible), "budget": al.budget,
           "current_total": al.current_total, "recommended_total": al.recommended_total,
           "value_current": al.value_current, "value_change_month": al.change, "value_change_low": al.change_low,
           "value_change_high": al.change_high, "value_change_year": 12 * al.change,
           "value_change_year_low": 12 * al.change_low, "value_change_year_high": 12 * al.change_high,
           "channels_up": int((pct >= 0.01).sum()), "channels_down": int((pct <= -0.01).sum())}
    return pd.DataFrame([row], columns=PLAN_COLUMNS)


ATTRIBUTED_PLAN_COLUMNS = ["channel_id", "channel_name", "value_factor", "current_spend",
                           "recommended_spend_last_touch", "recommended_spend_attributed", "change_attributed"]


def attributed_plan(tables: dict[str, pd.DataFrame], ld: LeadData | None, params: ChannelParams,
                    as_of: pd.Timestamp, value_shift: dict[str, float]) -> tuple[pd.DataFrame, list[Note]]:
    """The optimiser's split on last-touch revenue beside its split on attributed revenue (issue 16).

    Both fits use the same response data; the second values each channel's outcome with
    ``value_shift`` added (:func:`attributed_value_shift`). Point estimates only (``n_draws`` at its
    minimum): the intervals belong to the channel report's plan.

    Returns
    -------
    DataFrame
        :data:`ATTRIBUTED_PLAN_COLUMNS` (``value_factor``: the attributed value of one unit of a
        channel's outcome over its last-touch value), and the notes of both fits.
    """
    quick = params.model_copy(update={"n_draws": 50})
    base = fit_response(tables, ld, quick, as_of)
    attr = fit_response(tables, ld, quick, as_of, value_shift=value_shift)
    notes = list(attr.notes)
    a0, a1 = optimise(base, quick, with_intervals=False), optimise(attr, quick, with_intervals=False)
    notes += a1.notes
    if a0.table.empty or a1.table.empty:
        return pd.DataFrame(columns=ATTRIBUTED_PLAN_COLUMNS), notes
    t0 = a0.table.set_index("channel_id")
    t1 = a1.table.set_index("channel_id")
    v0 = base.curves.set_index("channel_id")["value_per_unit"]
    v1 = attr.curves.set_index("channel_id")["value_per_unit"]
    out = pd.DataFrame({"channel_id": t0.index})
    out["channel_name"] = out["channel_id"].map(t0["channel_name"])
    out["value_factor"] = out["channel_id"].map(v1 / v0.where(v0 > 0)).astype(float)
    out["current_spend"] = out["channel_id"].map(t0["current_spend"]).astype(float)
    out["recommended_spend_last_touch"] = out["channel_id"].map(t0["recommended_spend"]).astype(float)
    out["recommended_spend_attributed"] = out["channel_id"].map(t1["recommended_spend"]).astype(float)
    out["change_attributed"] = out["recommended_spend_attributed"] - out["recommended_spend_last_touch"]
    money = ["current_spend", "recommended_spend_last_touch", "recommended_spend_attributed", "change_attributed"]
    out[money] = out[money].round(2) + 0.0  # to the cent; + 0.0 turns a rounded -0.0 into 0.0
    return out[ATTRIBUTED_PLAN_COLUMNS], notes
