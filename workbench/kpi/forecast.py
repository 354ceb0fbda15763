"""Will we hit the target: run-rate forecast to period end and the open pipeline by Monte Carlo.

Run-rate
    Each key's monthly revenue up to the cutoff is fitted with a statsmodels
    ``ETSModel`` (additive error); its simulated paths over the remaining months,
    added to the actual to date, give the forecast at period end, its interval and
    ``p_hit = P(total >= target)``. The model form is chosen by AICc per key when
    a level has at most ``select_keys`` keys (company, channels, regions), else once
    per level on the level's total (where trend and seasonality are clearest), among: no
    trend (simple exponential smoothing), a damped additive trend, each with or
    without multiplicative month-of-year indices (classical decomposition of the
    series, needs 24 full months; the likelihood is compared on the original scale
    and the 11 free indices are charged 2 each as in AIC: the small-sample AICc
    charge would rule out any seasonality on two years of data. On simulated
    24-month series this picks seasonality for 1 in 40 flat series and for 26 in
    40 with a 1.8x November peak in 15 % noise). Every key of a larger level
    gets the level's form fitted to its own series (seasonally adjusted when the
    form is seasonal). ``forecast_model`` forces ``level`` (SES) or
    ``trend``. A level with more than ``max_model_keys`` keys (thousands of reps)
    uses simple exponential smoothing in closed form for the keys beyond that
    number (seasonal indices still applied), with the smoothing weight fitted on
    the level's largest keys and a normal interval.
Pipeline
    Deals open at the cutoff are simulated ``draws`` times: a deal closes won
    inside the remaining window with probability ``q = p_win(age) * P(close in
    window | won, age)``. ``p_win`` is learned from history: P(won | reached the
    deal's stage) by channel, pooled towards all channels with ``pooling_strength``
    pseudo-leads, from leads created at least ``maturity_days`` before the cutoff
    (creation cohorts, so open deals do not bias it), then updated for the deal's
    age in its stage (a deal older than most won deals at that stage is less likely
    to be won). The CRM's ``stages.probability`` is not used unless asked.
    The pipeline is part of the run-rate, not an addition to it (deals that close
    are revenue the run-rate already expects): it tells how much of the remaining
    forecast is already in open deals, and ``p_pipeline_covers_gap`` the chance
    that those deals alone close the gap.
Calibration
    The learned probabilities are checked out of sample: learned at
    ``cutoff - horizon`` on the deals open then, scored on what happened by the
    cutoff (Brier score, reliability table), beside the CRM's probabilities.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from workbench.kpi import actuals as A
from workbench.kpi import deals as D
from workbench.kpi import periods as P
from workbench.kpi.deals import (  # noqa: F401  (their home was this module)
    StageModel,
    _lookup,
    _surv,
    deal_probabilities,
    learn,
    simulate_pipeline,
    stage_frame,
)

_stage_frame = stage_frame

log = logging.getLogger(__name__)

FORECAST_COLUMNS = ["level", "key", "kpi", "period", "cutoff", "target", "actual_to_date", "forecast_mean",
                    "forecast_low", "forecast_high", "expected_attainment", "p_hit", "light", "model", "n_months",
                    "pipeline_deals", "pipeline_mean", "pipeline_low", "pipeline_high", "p_pipeline_covers_gap",
                    "actual_final"]
SIM_PATHS = 2000
MIN_MONTHS = 6

@dataclasses.dataclass
class ForecastWindow:
    """The period forecast and where the forecast stands."""

    period: str
    months: list[int]
    cutoff: pd.Timestamp
    cutoff_month: int
    cutoff_fraction: float  # share of the cutoff month already in the actuals
    remaining: list[tuple[int, float]]  # (month, share of it still to come)

    @property
    def end(self) -> pd.Timestamp:
        return P.month_end(self.months[-1])

    @property
    def closed(self) -> bool:
        return not self.remaining


def ended(last_month: int, as_of: pd.Timestamp) -> bool:
    """True when a period whose last month is ``last_month`` is over at ``as_of`` (its last day included)."""
    return P.month_end(last_month).normalize() <= pd.Timestamp(as_of).normalize()


def span_label(first: int, last: int) -> str:
    """``2026-03`` for one month, ``2025-11..2026-10`` for a range."""
    return P.month_label(first) if first == last else f"{P.month_label(first)}..{P.month_label(last)}"


def plan_periods(as_of, fy_start: int = 1, forecast_period: str = "",
                 first_target_month: int | None = None) -> tuple[str, str | None]:
    """The period to forecast and the closed period before it to back-test.

    The plan cycle is ``forecast_period`` and the periods of the same length that follow it;
    when it is empty, twelve-month plan years counted from the first revenue target month
    (``first_target_month``), or fiscal years without targets. The period forecast is the
    first of the cycle that has not ended at ``as_of`` (a period ends with its last day, so
    on its last day the next one is forecast); the back-test is the one before it, when it
    is over.

    Parameters
    ----------
    as_of : date-like
        The analysis date.
    fy_start : int
        First month (1-12) of the fiscal year.
    forecast_period : str
        A period text (``2026``, ``2026-Q4``, ``FY2026``, ``2025-11..2026-10``) or empty.
    first_target_month : int, optional
        Month integer (``year * 12 + month - 1``) of the first revenue target.

    Returns
    -------
    (str, str or None)
        The open period (``forecast_period`` itself while it is open, else a month range) and
        the closed period to back-test (``None`` when the period before it is not over yet).
    """
    as_of = pd.Timestamp(as_of)
    am = int(P.month_of(pd.Series([as_of]))[0])
    if forecast_period:
        months = P.months_of(forecast_period, fy_start)
        first, n = months[0], len(months)
    else:
        n = 12
        if first_target_month is not None:
            first = int(first_target_month)
        else:
            first = P.months_of(P.label(am, "fiscal_year", fy_start), fy_start)[0]
        while not ended(first - 1, as_of) and first - n >= 0:  # targets start in the future: step back
            first -= n
    start = first
    while ended(first + n - 1, as_of):
        first += n
    period = forecast_period if (forecast_period and first == start) else span_label(first, first + n - 1)
    closed = span_label(first - n, first - 1) if ended(first - 1, as_of) else None
    return period, closed


def backtest_cutoff(period: str, fy_start: int = 1, cutoff: str = "") -> pd.Timestamp:
    """Where the back-test of ``period`` stands: ``cutoff`` when it lies inside the period, else the end
    of the month a quarter of the period (at least one month) before its end."""
    months = P.months_of(period, fy_start)
    if cutoff:
        c = pd.Timestamp(cutoff)
        if P.month_start(months[0]) <= c < P.month_end(months[-1]):
            return c.normalize()
    return P.month_end(months[-1] - max(1, len(months) // 4)).normalize()


def _first_target_month(kd: A.KpiData) -> int | None:
    t = kd.targets
    if t is None or not len(t) or "kpi" not in t:
        return None
    per = t.loc[t["kpi"] == "revenue", "period"].dropna().astype(str).unique()
    firsts = []
    for p in per:
        try:
            firsts.append(P.months_of(p, kd.fy_start)[0])
        except ValueError:
            continue
    return min(firsts) if firsts else None


def _window(period: str, fy_start: int, cutoff: pd.Timestamp) -> ForecastWindow:
    cm = int(P.month_of(pd.Series([cutoff]))[0])
    months = P.months_of(period, fy_start)
    frac = cutoff.day / P.month_end(cm).day
    remaining = []
    for m in months:
        if m > cm:
            remaining.append((m, 1.0))
        elif m == cm and frac < 1:
            remaining.append((m, 1 - frac))
    return ForecastWindow(period, months, cutoff, cm, frac, remaining)


def window(kd: A.KpiData, params) -> ForecastWindow:
    """The open period (see :func:`plan_periods`), forecast standing on ``as_of``."""
    period, _ = plan_periods(kd.as_of, kd.fy_start, params.forecast_period, _first_target_month(kd))
    return _window(period, kd.fy_start, kd.as_of.normalize())


def backtest_window(kd: A.KpiData, params) -> ForecastWindow | None:
    """The closed period before the open one, standing on :func:`backtest_cutoff`; ``None`` when there is
    no closed period or the data start after its cutoff."""
    _, closed = plan_periods(kd.as_of, kd.fy_start, params.forecast_period, _first_target_month(kd))
    if closed is None:
        return None
    cutoff = backtest_cutoff(closed, kd.fy_start, params.backtest_cutoff)
    if P.month_of(pd.Series([cutoff]))[0] < kd.first_month + MIN_MONTHS:
        return None
    return _window(closed, kd.fy_start, cutoff)


def _cut(kd: A.KpiData, cutoff: pd.Timestamp) -> A.KpiData:
    """The data as they stood at the end of ``cutoff`` (orders, leads, feedback)."""
    end = cutoff + pd.Timedelta(hours=23, minutes=59)
    leads = None
    if kd.leads is not None:
        leads = kd.leads.loc[kd.leads["created"] <= end].copy()
        late = leads["closed"].notna() & (leads["closed"] > end)
        leads.loc[late, "status"] = "open"
    return dataclasses.replace(kd, orders=kd.orders.loc[kd.orders["date"] <= end], leads=leads, notes=[], cache={})


# ----------------------------------------------------------------------------- run-rate


@dataclasses.dataclass(frozen=True)
class ModelForm:
    """The run-rate model of a level: damped trend or not, and month-of-year indices (12, by month % 12)."""

    damped_trend: bool = False
    season: tuple[float, ...] | None = None
    aicc: float = float("nan")

    @property
    def code(self) -> str:
        """``ses`` (ETS(A,N,N)) or ``damped_trend`` (ETS(A,Ad,N)), ``_seasonal`` with month-of-year indices."""
        return ("damped_trend" if self.damped_trend else "ses") + ("_seasonal" if self.season is not None else "")

    def index(self, months) -> np.ndarray:
        """Seasonal index of each month integer (ones without seasonality)."""
        months = np.asarray(months, dtype=np.int64)
        if self.season is None:
            return np.ones(len(months))
        return np.asarray(self.season)[months % 12]


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """A context in which BLAS runs on one thread.

    An ETS fit makes thousands of tiny BLAS calls (L-BFGS-B on three parameters); with
    OpenBLAS's worker threads each call pays a hand-over that costs more than the
    arithmetic: a fit takes 5-10x the CPU time (``benchmarks/README.md``). The results are
    the same bits (tested), only the waiting goes.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


def _fit_ets(x: np.ndarray, damped: bool):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings(), one_blas_thread():
        warnings.simplefilter("ignore")
        if damped:
            return ETSModel(np.asarray(x, dtype=float), error="add", trend="add", damped_trend=True).fit(disp=False)
        return ETSModel(np.asarray(x, dtype=float), error="add", trend=None).fit(disp=False)


def seasonal_indices(y: np.ndarray, months: np.ndarray) -> np.ndarray | None:
    """Multiplicative month-of-year indices (mean 1) of a monthly series by classical decomposition
    (statsmodels ``seasonal_decompose``); ``None`` when there are fewer than 24 months or values <= 0."""
    from statsmodels.tsa.seasonal import seasonal_decompose

    y = np.asarray(y, dtype=float)
    if len(y) < 24 or not np.all(y > 0):
        return None
    dec = seasonal_decompose(y, model="multiplicative", period=12)
    idx = np.ones(12)
    seas = np.asarray(dec.seasonal, dtype=float)
    for m, v in zip(np.asarray(months) % 12, seas, strict=True):
        idx[m] = v
    return idx / idx.mean()


def choose_form(y: np.ndarray, months: np.ndarray, choice: str = "auto") -> ModelForm:
    """The model form for a level from its total series ``y`` over ``months`` (see the module doc)."""
    y = np.asarray(y, dtype=float)
    if choice == "level" or len(y) < MIN_MONTHS:
        return ModelForm(False, None)
    trends = [True] if choice == "trend" else [False, True]
    seas = seasonal_indices(y, months) if choice == "auto" else None
    best = None
    for damped in trends:
        for s in ([None, seas] if seas is not None else [None]):
            x = y if s is None else y / s[np.asarray(months) % 12]
            try:
                res = _fit_ets(x, damped)
            except Exception:  # noqa: BLE001 - a form that cannot be fitted is not a candidate
                continue
            k = len(res.params) + 1
            n = len(y)
            # on the scale of y: log f(y) = log f(x) - sum(log s); the 11 free indices cost 2 each (AIC)
            ll = float(res.llf) - (float(np.log(s[np.asarray(months) % 12]).sum()) if s is not None else 0.0)
            aicc = -2 * ll + 2 * k + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf)
            aicc += 22.0 if s is not None else 0.0
            if best is None or aicc < best.aicc:
                best = ModelForm(damped, None if s is None else tuple(float(v) for v in s), aicc)
    return best or ModelForm(False, None)


def ets_paths(y: np.ndarray, h: int, paths: int = SIM_PATHS, seed: int = 0,
              damped_trend: bool = False) -> tuple[np.ndarray, float]:
    """Simulated future paths ``(paths, h)`` of a statsmodels ETS(A,N,N) (or ETS(A,Ad,N)) fitted to ``y``,
    and its smoothing weight alpha."""
    res = _fit_ets(y, damped_trend)
    with warnings.catch_warnings(), one_blas_thread():
        warnings.simplefilter("ignore")
        sims = res.simulate(h, repetitions=paths, anchor="end", rng=np.random.default_rng(seed))
    sims = np.asarray(sims, dtype=float).reshape(h, -1).T
    return sims, float(res.params[0])


def ses_closed_form(Y: np.ndarray, alpha: float, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the weighted sum of the next months under SES, for many series.

    ``Y`` is ``(keys, months)``; ``weights`` the share of each future month still to come. The
    forecast error of month ``j`` carries the shocks of months ``1..j``, each weighted ``alpha``
    after its own month, so ``Var(sum_j w_j e_j) = s^2 sum_i (w_i + alpha sum_{j>i} w_j)^2``.
    """
    level = Y[:, 0].astype(float)
    resid = np.zeros_like(Y, dtype=float)
    for t in range(1, Y.shape[1]):
        resid[:, t] = Y[:, t] - level
        level = level + alpha * resid[:, t]
    s = resid[:, 1:].std(axis=1, ddof=1) if Y.shape[1] > 2 else np.zeros(len(Y))
    w = np.asarray(weights, dtype=float)
    tail = np.concatenate([np.cumsum(w[::-1])[::-1][1:], [0.0]])
    coef = np.sqrt(((w + alpha * tail) ** 2).sum())
    return level * w.sum(), s * coef


def _series(kd_cut: A.KpiData, level: str, kpi: str, last_month: int, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Key x month values of an additive KPI from the first month to ``last_month`` (revenue: of the
    order lines dated up to ``end`` when given; other KPIs: of ``kd_cut`` as it is)."""
    cols = list(range(kd_cut.first_month, last_month + 1))
    if kpi == "revenue":  # the common case, one grouped sum instead of every measure
        wide = _revenue(kd_cut, level, last_month, end)
    else:
        m = A.measures(kd_cut, level, "month", (kd_cut.first_month, last_month))
        v = A.kpi_values(kd_cut, m, level)
        v = v.loc[v["kpi"] == kpi].assign(month=lambda d: [P.months_of(p)[0] for p in d["period"]])
        wide = v.pivot_table(index="key", columns="month", values="actual", aggfunc="sum", fill_value=0.0)
    return wide.reindex(columns=cols, fill_value=0.0)


def _revenue(kd: A.KpiData, level: str, last_month: int, end: pd.Timestamp | None) -> pd.DataFrame:
    """Revenue per key (rows, in text order) x month (columns) up to ``last_month`` of the order lines
    dated up to ``end``: ``orders.groupby([level, "month"])["amount"].sum().unstack(fill_value=0.0)``.

    A month wholly before ``end`` sums the same lines in the same order as the order measures'
    revenue, so it is read from them (grouped once per level); only a month that ``end`` cuts in
    two is summed here.
    """
    o = kd.orders
    g = A.month_groups(kd, "orders", level)["revenue"]
    month, key = g.index.get_level_values(0).to_numpy(), g.index.get_level_values(1).to_numpy()
    value = g.to_numpy()
    cut = None
    if end is not None:
        cm = int(P.month_of(pd.Series([end]))[0])
        at = (o["month"] == cm).to_numpy()
        if cm <= last_month and at.any() and o["date"].to_numpy()[at].max() > np.datetime64(end):
            cut = cm
        last_month = min(last_month, cm)
    keep = (month <= last_month) & (month != cut)
    month, key, value = month[keep], key[keep], value[keep]
    if cut is not None:  # the month end cuts: its lines up to end, summed per key in their order
        kc, kuniq = A.level_codes(kd, "orders", level)
        rows = np.flatnonzero((o["month"].to_numpy() == cut) & (o["date"] <= end).to_numpy() & (kc >= 0))
        part = pd.Series(o["amount"].to_numpy()[rows]).groupby(kc[rows]).sum()
        month = np.r_[month, np.full(len(part), cut)]
        key = np.r_[key, kuniq[part.index.to_numpy()]]
        value = np.r_[value, part.to_numpy()]
    keys, kpos = np.unique(key.astype(object), return_inverse=True)
    months, mpos = np.unique(month.astype(np.int64), return_inverse=True)
    grid = np.zeros((len(keys), len(months)))
    grid[kpos, mpos] = value
    return pd.DataFrame(grid, index=pd.Index(keys, dtype=o[level].dtype, name=level),
                        columns=pd.Index(months, name="month"))


def run_rate(kd: A.KpiData, params, win: ForecastWindow, targets: pd.DataFrame, kpi: str = "revenue") -> pd.DataFrame:
    """Actual to date and run-rate forecast at period end per level x key, with ``p_hit``."""
    # revenue is read from the order lines up to the cutoff directly; other KPIs from the data cut there
    kd_cut, end = (kd, win.cutoff + pd.Timedelta(hours=23, minutes=59)) if kpi == "revenue" else (_cut(kd, win.cutoff), None)
    last_full = win.cutoff_month if win.cutoff_fraction >= 1 else win.cutoff_month - 1
    q = (1 - params.interval) / 2
    rows = []
    for level in params.forecast_levels:
        allm = _series(kd_cut, level, kpi, win.cutoff_month, end)
        wide = allm.loc[:, [c for c in allm.columns if c <= last_full]]
        to_date = allm.loc[:, [c for c in allm.columns if win.months[0] <= c <= win.cutoff_month]].sum(axis=1)
        tg = targets.loc[targets["level"] == level].set_index("key")["target"] if len(targets) else pd.Series(dtype=float)
        keys = list(tg.index) if len(tg) else (
            [k for k in wide.index if k != A.UNATTRIBUTED] if level in ("company", "channel", "region") else [])
        if not keys:
            continue
        weights = np.array([w for _, w in win.remaining])
        future = np.array([m for m, _ in win.remaining], dtype=np.int64)
        h = len(weights)
        total = wide.loc[[k for k in wide.index if k != A.UNATTRIBUTED]].sum(axis=0) if len(wide) else wide.sum()
        nz_t = np.flatnonzero(total.to_numpy() != 0)
        t_months = np.asarray(total.index[nz_t[0]:] if len(nz_t) else [], dtype=np.int64)
        form = choose_form(total.to_numpy(dtype=float)[nz_t[0]:] if len(nz_t) else np.zeros(0), t_months,
                           params.forecast_model) if h else ModelForm()
        Y = wide.reindex(keys, fill_value=0.0).to_numpy(dtype=float)
        months_all = np.asarray(wide.columns, dtype=np.int64)
        size = Y.sum(axis=1)
        order = np.argsort(-size)
        alphas = []
        for rank, i in enumerate(order):
            key = keys[i]
            y = Y[i]
            nz = np.flatnonzero(y != 0)
            y = y[nz[0]:] if len(nz) else y[:0]
            kform = form
            if h and len(keys) <= params.select_keys and len(y) >= MIN_MONTHS:  # few keys: each its own form
                kform = choose_form(y, months_all[nz[0]:], params.forecast_model)
            x = y / kform.index(months_all[nz[0]:]) if len(nz) else y  # seasonally adjusted (or y itself)
            s_key = kform.index(future)
            actual = float(to_date.get(key, 0.0))
            target = float(tg.get(key, np.nan)) if len(tg) else np.nan
            row = {"level": level, "key": key, "kpi": kpi, "period": win.period, "cutoff": win.cutoff,
                   "target": target, "actual_to_date": actual, "n_months": len(y)}
            if h == 0:
                row.update(forecast_mean=actual, forecast_low=actual, forecast_high=actual, model="period_closed",
                           p_hit=float(actual >= target) if np.isfinite(target) else np.nan)
            elif len(y) < MIN_MONTHS:
                row.update(forecast_mean=np.nan, forecast_low=np.nan, forecast_high=np.nan, model="insufficient_data",
                           p_hit=1.0 if np.isfinite(target) and actual >= target else np.nan)
            elif rank < params.max_model_keys:
                sims, a = ets_paths(x, h, seed=params.random_seed + rank, damped_trend=kform.damped_trend)
                alphas.append(a)
                tot = actual + sims @ (weights * s_key)
                row.update(forecast_mean=float(tot.mean()), forecast_low=float(np.quantile(tot, q)),
                           forecast_high=float(np.quantile(tot, 1 - q)), model=kform.code,
                           p_hit=float((tot >= target).mean()) if np.isfinite(target) else np.nan)
            else:
                a = float(np.median(alphas)) if alphas else 0.3
                mu, sd = ses_closed_form(x[None, :], a, weights * s_key)
                mean, sd = actual + float(mu[0]), max(float(sd[0]), 1e-9)
                row.update(forecast_mean=mean, forecast_low=mean + sd * stats.norm.ppf(q),
                           forecast_high=mean + sd * stats.norm.ppf(1 - q), model="ses_closed_form" + ("_seasonal" if form.season is not None else ""),
                           p_hit=float(stats.norm.sf(target, mean, sd)) if np.isfinite(target) else np.nan)
            rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- pipeline


def pipeline(kd: A.KpiData, params, win: ForecastWindow,
             notes: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, StageModel | None]:
    """Open deals at the cutoff with their probabilities, and the simulated pipeline per level x key."""
    if win.closed:
        return pd.DataFrame(), pd.DataFrame(), None
    sm = learn(kd, win.cutoff, params)
    if sm is None:
        return pd.DataFrame(), pd.DataFrame(), None
    f = stage_frame(kd, win.cutoff)
    horizon = (win.end - win.cutoff).days
    deals = deal_probabilities(sm, f, win.cutoff, horizon, params.use_crm_probability)
    miss = deals["amount"].isna()
    if miss.any():
        med = f.loc[f["state"] == "won"].groupby("channel")["amount"].median()
        deals.loc[miss, "amount"] = deals.loc[miss, "channel"].map(med)
    if miss.any() and notes:
        kd.note("{n} open deal(s) have no amount: valued at their channel's median won amount.",
                "{n} 个在途商机没有金额：按所在渠道赢单金额的中位数估值。", "forecast", n=int(miss.sum()))
    levels = [lv for lv in params.forecast_levels if lv in deals]
    sim = simulate_pipeline(deals, levels, params.draws, params.interval, params.random_seed)
    return deals, sim, sm


def forecast_table(kd: A.KpiData, params) -> pd.DataFrame:
    """The ``forecast`` result table: the open period (:func:`window`) forecast from ``as_of``: run-rate
    forecast at period end, P(hit target) where targets cover the period, and the open pipeline.

    Returns
    -------
    DataFrame
        :data:`FORECAST_COLUMNS`, one row per level x key, levels in order, lowest P(hit) first.
        ``model`` is a code (``ses``, ``damped_trend``, ``..._seasonal``, ``ses_closed_form``,
        ``period_closed``, ``insufficient_data``).
    """
    return _forecast(kd, params, window(kd, params))


def backtest_table(kd: A.KpiData, params) -> pd.DataFrame:
    """The ``forecast_backtest`` result table: the same forecast for the closed period before the open one,
    standing on its back-test cutoff, with ``actual_final`` (what happened) beside it. Empty when there
    is no closed period with enough history."""
    win = backtest_window(kd, params)
    if win is None:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    return _forecast(kd, params, win, notes=False)


def _forecast(kd: A.KpiData, params, win: ForecastWindow, notes: bool = True) -> pd.DataFrame:
    tg = _window_targets(kd, params, win, notes)
    rr = run_rate(kd, params, win, tg)
    if rr.empty:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    deals, sim, _ = pipeline(kd, params, win, notes)
    if len(sim):
        rr = rr.merge(sim, on=["level", "key"], how="left")
        gap = (rr["target"] - rr["actual_to_date"]).to_numpy(dtype=float)
        pct = rr["pipeline_pct"]
        rr["p_pipeline_covers_gap"] = [
            float(np.mean(p >= g)) if isinstance(p, np.ndarray) and np.isfinite(g) else np.nan
            for p, g in zip(pct, gap, strict=True)]
        rr = rr.drop(columns="pipeline_pct")
        rr["pipeline_deals"] = rr["pipeline_deals"].fillna(0).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        rr["expected_attainment"] = rr["forecast_mean"] / rr["target"]
    from workbench.kpi.attainment import light

    rr["light"] = light(rr["expected_attainment"], params.green_at, params.amber_at)
    # back-test: the data already cover the period end
    if win.end <= kd.as_of and win.cutoff < win.end:
        fin = []
        for lv in rr["level"].unique():
            allm = _series(kd, lv, "revenue", win.months[-1])
            got = allm.loc[:, [c for c in allm.columns if c >= win.months[0]]].sum(axis=1)
            fin.append(got.rename("actual_final").rename_axis("key").reset_index().assign(level=lv))
        rr = rr.merge(pd.concat(fin), on=["level", "key"], how="left")
    for c in FORECAST_COLUMNS:
        if c not in rr:
            rr[c] = np.nan
    if tg.empty and notes:
        kd.note("No revenue targets are set for {p} yet: the forecast is shown without P(hit target).",
                "{p} 尚未设定收入目标：只显示预测值，不计算达成概率。", "forecast", p=win.period)
    lv = {v: i for i, v in enumerate(A.LEVELS)}
    rr = rr.sort_values(["level", "p_hit", "key"], key=lambda c: c.map(lv) if c.name == "level" else c, kind="stable")
    return rr[FORECAST_COLUMNS].reset_index(drop=True)


def _window_targets(kd: A.KpiData, params, win: ForecastWindow, notes: bool = True) -> pd.DataFrame:
    """Revenue targets per level x key summed over the forecast period (keys fully covered only)."""
    from workbench.kpi.attainment import target_months

    if kd.targets is None or "revenue" not in kd.kpis:
        return pd.DataFrame(columns=["level", "key", "target"])
    tm = target_months(dataclasses.replace(kd, notes=[], cache={}), params.prorate)
    tm = tm.loc[(tm["kpi"] == "revenue") & tm["month"].isin(win.months)]
    g = tm.groupby(["level", "key"]).agg(target=("piece", "sum"), months=("month", "nunique")).reset_index()
    partial = g.loc[g["months"] < len(win.months)]
    if len(partial) and notes:
        kd.note("{n} key(s) have revenue targets for only part of {p} (e.g. {ex}): no P(hit target) for them.",
                "{n} 个对象在 {p} 只有部分月份有收入目标（例如 {ex}）：不计算其达成概率。", "forecast",
                n=len(partial), p=win.period,
                ex=", ".join(f"{a} {b}".strip() for a, b in partial[["level", "key"]].head(3).itertuples(index=False)))
    return g.loc[g["months"] == len(win.months), ["level", "key", "target"]]


# ----------------------------------------------------------------------------- calibration


def calibration(kd: A.KpiData, params, horizon_days: int = 90, bins: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Out-of-sample check of the win probabilities.

    Probabilities are learned at ``c0 = cutoff - horizon_days`` for the deals open then and scored on
    what happened by the cutoff. Returns (scores, reliability): ``scores`` has one row per
    method and event with ``deals`` and ``brier``; ``reliability`` the predicted vs observed share per
    probability bin with a Wilson 95 % interval and its count.
    """
    from statsmodels.stats.proportion import proportion_confint

    win = window(kd, params)
    c0 = win.cutoff - pd.Timedelta(days=horizon_days)
    sm = learn(kd, c0, params)
    if sm is None:
        return pd.DataFrame(), pd.DataFrame()
    f0 = stage_frame(kd, c0)
    deals = deal_probabilities(sm, f0, c0, horizon_days)
    if deals.empty:
        return pd.DataFrame(), pd.DataFrame()
    st, closed = _outcome(kd, deals, c0, win.cutoff)
    won_in = (st == "won") & (pd.to_datetime(closed) <= win.cutoff)
    y_h = won_in.to_numpy(dtype=float)
    resolved = st.isin(["won", "lost"]).to_numpy()
    y_e = (st == "won").to_numpy(dtype=float)
    rows = [{"method": "learned", "event": "won_within_horizon", "horizon_days": horizon_days, "deals": len(deals),
             "brier": float(np.mean((deals["q"] - y_h) ** 2)), "mean_predicted": float(deals["q"].mean()),
             "observed": float(y_h.mean())}]
    if resolved.any():
        d = deals.loc[resolved]
        rows.append({"method": "learned", "event": "won_closed_deals", "horizon_days": horizon_days,
                     "deals": int(resolved.sum()),
                     "brier": float(np.mean((d["p_win"] - y_e[resolved]) ** 2)),
                     "mean_predicted": float(d["p_win"].mean()), "observed": float(y_e[resolved].mean())})
        if len(sm.crm) and sm.crm.notna().any():
            crm = d["order"].map(sm.crm).to_numpy(dtype=float)
            ok = ~np.isnan(crm)
            rows.append({"method": "crm_probability", "event": "won_closed_deals", "horizon_days": horizon_days,
                         "deals": int(ok.sum()),
                         "brier": float(np.mean((crm[ok] - y_e[resolved][ok]) ** 2)),
                         "mean_predicted": float(crm[ok].mean()), "observed": float(y_e[resolved][ok].mean())})
    scores = pd.DataFrame(rows)
    edges = np.linspace(0, 1, bins + 1)
    b = np.clip(np.digitize(deals["q"], edges[1:-1]), 0, bins - 1)
    rel = pd.DataFrame({"bin": b, "q": deals["q"].to_numpy(), "y": y_h}).groupby("bin").agg(
        predicted=("q", "mean"), observed=("y", "mean"), n=("y", "size"), won=("y", "sum")).reset_index()
    lo, hi = proportion_confint(rel["won"].to_numpy(), rel["n"].to_numpy(), alpha=0.05, method="wilson")
    rel["ci_low"], rel["ci_high"] = lo, hi
    rel["bin"] = [f"{edges[i]:.1f}-{edges[i + 1]:.1f}" for i in rel["bin"]]
    return scores, rel.drop(columns="won")


def _outcome(kd: A.KpiData, deals: pd.DataFrame, c0: pd.Timestamp, cutoff: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    """State at ``cutoff`` and close date of each deal open at ``c0`` (rows of the stage frame at ``c0``)."""
    now = stage_frame(kd, cutoff)
    if not D.unique_leads(kd):
        return (deals["lead_id"].map(now.set_index("lead_id")["state"]),
                deals["lead_id"].map(kd.leads.set_index("lead_id")["closed"]))
    lead = D.stage_rows(kd, c0)[deals.index.to_numpy()]  # each deal's position in kd.leads
    at = np.full(len(kd.leads), -1, dtype=np.int64)
    at[D.stage_rows(kd, cutoff)] = np.arange(len(now))
    row = at[lead]
    state = np.where(row >= 0, now["state"].to_numpy(dtype=object)[np.maximum(row, 0)], np.nan)
    return (pd.Series(state, index=deals.index, dtype=object),
            pd.Series(kd.leads["closed"].to_numpy()[lead], index=deals.index))


def stage_rates(kd: A.KpiData, params) -> pd.DataFrame:
    """The learned P(won | reached stage) per stage and channel at the cutoff, beside the CRM's probability."""
    win = window(kd, params)
    sm = learn(kd, win.cutoff, params)
    if sm is None:
        return pd.DataFrame()
    names = kd.stages.set_index("order")["stage"]
    r = sm.rates.assign(stage=sm.rates["order"].map(names), crm_probability=sm.rates["order"].map(sm.crm))
    return r[["stage", "channel", "reached", "won", "p_won", "p_stage", "crm_probability"]].rename(
        columns={"channel": "channel_id"})
