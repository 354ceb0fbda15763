"""Customer lifetime value: BG/NBD for repeat purchases, Gamma-Gamma for order value, checked on a holdout.

Method (see ``docs/segmentation.md`` for why these models and this library)
--------------------------------------------------------------------------
- A *transaction* is a purchase day of a customer: purchases (see
  :mod:`workbench.segmentation.rfm`) on the same calendar day count once and their
  net values add up. Its value is net of the returns linked to its orders.
- Per customer, in days: ``frequency`` = repeat transactions (all but the first),
  ``recency`` = first to last transaction, ``T`` = first transaction to the end of
  the window: the Fader-Hardie convention of ``lifetimes.utils.summary_data_from_
  transaction_data``, computed here because that helper breaks on pandas 3.
- ``BetaGeoFitter`` (BG/NBD) gives P(alive) and the expected number of transactions
  in a horizon.
- ``GammaGammaFitter`` gives the expected value of a transaction. Unlike the
  lifetimes convention (mean of *repeat* transactions, one-time buyers left out),
  it is fitted on every customer with ``x = frequency + 1`` transactions and
  ``mean_value`` = their mean value: in a B2B plus consumer mix the first order is
  what tells a ¥200 consumer from a ¥40,000 project buyer, and leaving it out gives
  every one-time buyer the population mean. Values are divided by their mean
  before fitting (so the L2 penalty does not depend on the currency) and ``v`` is
  scaled back; ``q >= 1`` is enforced. The conditional mean
  ``(p v + p x m) / (p x + q - 1)`` stays finite for ``x >= 1`` even as ``q -> 1``
  (a heavy-tailed mix of order sizes), where the population mean does not.
- CLV = sum over the months of the horizon of expected transactions in the month x
  expected value, discounted monthly at ``(1 + discount_rate) ** (1/12) - 1``.
  ``clv_margin`` multiplies it by the customer's historical margin rate (the
  company's rate when the customer's is unknown); it needs ``orders.cost``.
- Check: the models are fitted on a calibration window that ends ``holdout_days``
  before the analysis date, and predict each calibration customer's purchases and
  revenue in the holdout window; predictions are compared with what happened and
  with a naive baseline (each customer repeats their calibration purchase rate).
- The CLV reported per customer comes from a second fit on all data up to the
  analysis date.
- Above ``MAX_FIT_CUSTOMERS`` (30,000) customers the likelihoods are fitted on a
  seeded random sample of them (population parameters; their intervals say how
  precise), and predictions are made for every customer, once per distinct
  (frequency, recency, T).

Nothing is fitted when there are fewer than ``min_repeat_buyers`` repeat buyers,
when every purchase fell on one day, or when the optimiser does not converge: the
result carries a :class:`~workbench.segmentation.rfm.Problem` instead, and tiers
fall back to current value.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.segmentation.keys import merge_by_id, same_values, strictly_ascending
from workbench.segmentation.params import SegmentationParams
from workbench.segmentation.prepare import Prepared, Problem
from workbench.segmentation.prepare import codes as rfm_codes
from workbench.segmentation.prepare import ids as rfm_ids

log = logging.getLogger(__name__)

DAYS_PER_MONTH = 30.4375
MIN_CALIBRATION_DAYS = 60
TOLERANCES = (1e-7, 1e-6, 1e-5)  # lifetimes' default first
MAX_FIT_CUSTOMERS = 30_000  # the likelihoods are fitted on a seeded sample of at most this many customers
MAX_LOG_HALF_WIDTH = 5.0  # an interval wider than x/150 .. x*150 says "not identified": shown as none
CLV_COLUMNS = ["customer_id", "frequency_days", "recency_model_days", "T_days", "p_alive", "expected_purchases",
               "expected_order_value", "clv", "clv_margin"]
"""Columns of the ``clv`` result table before tiers are added (see :func:`value_tiers`)."""


def _lifetimes():
    """The lifetimes fitters; its import sets a pandas option that pandas 3 deprecates (a warning we mute)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter, GammaGammaFitter
    return BetaGeoFitter, GammaGammaFitter


# ----------------------------------------------------------------------------- summaries


def transactions(prep: Prepared) -> pd.DataFrame:
    """Purchase days: one row per customer and day with the net value of that day's purchases.

    Returns
    -------
    DataFrame
        ``customer_id``, ``day``, ``value`` (> 0), sorted by customer and day.
    """
    o = prep.orders
    bought = o["is_purchase"].to_numpy()
    cust = rfm_codes(o)[bought]
    day = o["order_date"].to_numpy()[bought]
    # one integer per (customer, day) that sorts as the pair: a single grouping key, each group
    # summed in order of the orders, as the two-key groupby did
    day_code, days = pd.factorize(day, sort=True)
    n_days = max(len(days), 1)
    g = pd.Series(o["net"].to_numpy()[bought]).groupby(cust * np.int64(n_days) + day_code, sort=True)
    value = g.sum()
    pair = value.index.to_numpy()
    return pd.DataFrame({
        "customer_id": pd.Categorical.from_codes(pair // n_days, dtype=o["customer_id"].dtype),
        "day": np.asarray(days)[pair % n_days] if len(pair) else day[:0],
        "value": value.to_numpy(),
    })


def summary(trans: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer from transactions up to ``end`` (days).

    Parameters
    ----------
    trans : DataFrame
        From :func:`transactions` (sorted by customer and day).
    end : Timestamp
        End of the observation window (inclusive).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``frequency`` (repeat transactions, int), ``recency``,
        ``T`` (days, float), ``mean_value`` (mean value of all the customer's transactions),
        ``first`` (date of the first transaction).
    """
    out = _summary_by_code(trans, end)
    out.index = rfm_ids(trans, out.index)
    return out


def _summary_by_code(trans: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """:func:`summary` indexed by the customers' integer codes (``trans["customer_id"]`` categories)."""
    within = (trans["day"] <= end).to_numpy()
    t = pd.DataFrame({"day": trans["day"].to_numpy()[within], "value": trans["value"].to_numpy()[within]})
    g = t.groupby(rfm_codes(trans)[within], sort=True)
    first = g["day"].min()
    out = pd.DataFrame({
        "frequency": (g.size() - 1).astype("int64"),
        "recency": (g["day"].max() - first).dt.days.astype("float64"),
        "T": (end - first).dt.days.astype("float64"),
        "first": first,
    })
    out["mean_value"] = g["value"].mean()
    return out


# ----------------------------------------------------------------------------- fitting


@dataclass
class ClvFit:
    """Fitted BG/NBD and Gamma-Gamma models on one window, or why they could not be fitted."""

    end: pd.Timestamp | None
    bgf: object | None = None
    ggf: object | None = None
    params: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_customers: int = 0
    n_repeat: int = 0
    value_corr: float = float("nan")  # frequency vs mean repeat value among repeat buyers (Gamma-Gamma assumes ~0)
    n_fitted: int = 0  # customers the likelihood was fitted on (a random sample above MAX_FIT_CUSTOMERS)
    problem: Problem | None = None
    gg_problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.bgf is not None and self.problem is None


def _quiet_fit(fitter, *args, **kwargs):
    """Fit a lifetimes model without letting its prints or warnings reach the report."""
    from numpy.linalg import LinAlgError

    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        try:
            fitter.fit(*args, **kwargs)
        except LinAlgError:
            # the Hessian was singular: parameters are fine, standard errors are not known
            if not hasattr(fitter, "params_"):
                raise
            fitter.standard_errors_ = pd.Series(np.nan, index=fitter.params_.index)
    for w in caught:
        log.info("%s: %s", type(fitter).__name__, w.message)
    if out.getvalue().strip():
        log.info("%s optimiser: %s", type(fitter).__name__, out.getvalue().strip())
    return fitter


def fit_models(summ: pd.DataFrame, params: SegmentationParams, label: str, end: pd.Timestamp) -> ClvFit:
    """Fit BG/NBD on every customer and Gamma-Gamma on repeat buyers of one window.

    Parameters
    ----------
    summ : DataFrame
        From :func:`summary`.
    params : SegmentationParams
        ``min_repeat_buyers`` and ``clv_penalizer``.
    label : str
        ``"calibration"`` or ``"full"``: recorded in the parameters table.
    end : Timestamp
        End of the window.

    Returns
    -------
    ClvFit
        ``params`` has ``fit``, ``model``, ``parameter``, ``value``, ``se``, ``ci_low``,
        ``ci_high`` (95%, from the Hessian, symmetric on the log scale), ``n_customers`` and
        ``n_repeat`` (of the customers fitted on), ``population`` (customers in the window; above
        :data:`MAX_FIT_CUSTOMERS` the fit uses a seeded random sample of them).
    """
    fit = ClvFit(end=end, n_customers=len(summ), n_repeat=int((summ["frequency"] > 0).sum()))
    if fit.n_customers == 0:
        fit.problem = Problem("No customer bought before {end}.", "{end} 之前没有客户购买。", {"end": end})
        return fit
    if (summ["T"] <= 0).all():
        fit.problem = Problem(
            "Every purchase falls on one day ({end}): there is no time in which repeat purchases could be "
            "observed, so no CLV model is fitted.",
            "所有购买都发生在同一天（{end}），无法观察复购行为，因此不拟合 CLV 模型。", {"end": end})
        return fit
    if fit.n_repeat < params.min_repeat_buyers:
        fit.problem = Problem(
            "Only {n} customers bought more than once up to {end} (at least {min} are needed): the CLV model "
            "would rest on too few repeat buyers, so it is not fitted.",
            "截至 {end} 只有 {n} 个客户有复购（至少需要 {min} 个），复购样本过少，不拟合 CLV 模型。",
            {"n": fit.n_repeat, "end": end, "min": params.min_repeat_buyers})
        return fit
    BetaGeoFitter, GammaGammaFitter = _lifetimes()
    population = len(summ)
    if population > MAX_FIT_CUSTOMERS:
        # population parameters from a seeded random sample: the same estimates, a fraction of the time
        summ = summ.sample(n=MAX_FIT_CUSTOMERS, random_state=params.seed).sort_index()
    fit.n_fitted = len(summ)
    # identical (frequency, recency, T) rows fitted once with a weight: same likelihood, much faster
    grid = summ.groupby(["frequency", "recency", "T"], sort=True).size().rename("w").reset_index()
    bgf, error = None, ""
    # When the data show almost no dropout the optimum lies on the boundary a, b -> 0, where BFGS
    # reports "precision loss" at lifetimes' default tolerance; a looser tolerance accepts that optimum.
    for tol in TOLERANCES:
        try:
            bgf = _quiet_fit(BetaGeoFitter(penalizer_coef=params.clv_penalizer),
                             grid["frequency"].to_numpy(), grid["recency"].to_numpy(), grid["T"].to_numpy(),
                             weights=grid["w"].to_numpy(), tol=tol)
            break
        except Exception as exc:  # lifetimes raises ConvergenceError, ValueError or numerical errors
            error = str(exc).strip()
            log.info("BG/NBD fit with tol=%g failed: %s", tol, error)
    if bgf is None:
        fit.problem = Problem("The BG/NBD model could not be fitted ({error}); no CLV is shown.",
                              "BG/NBD 模型拟合失败（{error}），不显示 CLV。", {"error": error})
        return fit
    if not np.all(np.isfinite(bgf.params_.to_numpy())) or not np.all(bgf.params_.to_numpy() > 0):
        fit.problem = Problem("The BG/NBD fit gave unusable parameters; no CLV is shown.",
                              "BG/NBD 拟合得到的参数不可用，不显示 CLV。")
        return fit
    fit.bgf = bgf
    rows = _param_rows(bgf, "BG/NBD", label, fit.n_fitted, int((summ["frequency"] > 0).sum()), population)
    rep = summ.loc[summ["frequency"] > 0]
    if len(rep) >= 3 and rep["frequency"].nunique() > 1 and rep["mean_value"].nunique() > 1:
        fit.value_corr = float(np.corrcoef(rep["frequency"], rep["mean_value"])[0, 1])
    buyers = summ.loc[summ["mean_value"] > 0]
    try:
        unit = float(buyers["mean_value"].mean())
        ggf = _quiet_fit(GammaGammaFitter(penalizer_coef=params.clv_penalizer),
                         buyers["frequency"].to_numpy() + 1, buyers["mean_value"].to_numpy() / unit,
                         q_constraint=True)
        ggf.params_["v"] *= unit  # v is a scale parameter: back to money
        se = getattr(ggf, "standard_errors_", None)
        if se is not None and "v" in se:
            ggf.standard_errors_ = se.copy()
            ggf.standard_errors_["v"] *= unit
        p = ggf.params_
        if not np.all(np.isfinite(p.to_numpy())) or not np.all(p.to_numpy() > 0):
            raise ValueError(f"unusable parameters {dict(p.round(4))}")
        fit.ggf = ggf
        rows += _param_rows(ggf, "Gamma-Gamma", label, len(buyers), int((buyers["frequency"] > 0).sum()),
                            population)
    except Exception as exc:
        fit.gg_problem = Problem(
            "The Gamma-Gamma order-value model could not be fitted ({error}); each customer's own mean "
            "order value is used instead.",
            "Gamma-Gamma 客单价模型拟合失败（{error}），改用每个客户自己的平均客单价。",
            {"error": str(exc).strip()})
    fit.params = pd.DataFrame(rows)
    return fit


def _param_rows(fitter, model: str, label: str, n: int, n_repeat: int, population: int) -> list[dict]:
    se = getattr(fitter, "standard_errors_", None)
    rows = []
    for name, value in fitter.params_.items():
        s = float(se[name]) if se is not None and name in se and np.isfinite(se[name]) else float("nan")
        # lifetimes fits log-parameters: the interval is symmetric on the log scale and stays positive
        half = 1.96 * s / float(value) if value > 0 else float("nan")
        if not half <= MAX_LOG_HALF_WIDTH:  # not identified by the data (e.g. a, b -> 0): no interval
            half = float("nan")
        rows.append({"fit": label, "model": model, "parameter": str(name), "value": float(value), "se": s,
                     "ci_low": float(value) * np.exp(-half), "ci_high": float(value) * np.exp(half),
                     "n_customers": int(n), "n_repeat": int(n_repeat), "population": int(population)})
    return rows


def _expected_value(fit: ClvFit, summ: pd.DataFrame, own_mean: pd.Series) -> np.ndarray:
    """Expected value of a future transaction: Gamma-Gamma, else the customer's own mean."""
    if fit.ggf is not None:
        x = summ["frequency"].to_numpy() + 1.0
        m = summ["mean_value"].to_numpy()
        p, q, v = (float(fit.ggf.params_[k]) for k in ("p", "q", "v"))
        # the Gamma-Gamma conditional mean (p v + p x m) / (p x + q - 1): a weighted mean of the population
        # mean p v / (q - 1) and the customer's own mean m; finite for x >= 1 even when q -> 1
        return (p * v + p * x * m) / (p * x + q - 1.0)
    return own_mean.reindex(summ.index).to_numpy()


def predict(fit: ClvFit, summ: pd.DataFrame, horizon_days: float, own_mean: pd.Series,
            discount_rate: float = 0.0, months: int | None = None) -> pd.DataFrame:
    """P(alive), expected transactions and value in a horizon, and the discounted CLV.

    Parameters
    ----------
    fit : ClvFit
        A successful fit.
    summ : DataFrame
        From :func:`summary` on the window the fit ends with.
    horizon_days : float
        Length of the horizon.
    own_mean : Series
        Each customer's mean transaction value (used when Gamma-Gamma is absent).
    discount_rate : float
        Annual; discounted monthly when ``months`` is given.
    months : int, optional
        Number of monthly steps of the discounted CLV (``horizon_days`` = months x 30.44).

    Returns
    -------
    DataFrame
        Indexed like ``summ``: ``p_alive``, ``expected_purchases``, ``expected_order_value``, ``clv``.
    """
    # BG/NBD outputs depend on (frequency, recency, T) only: computed once per distinct triple
    frt = summ[["frequency", "recency", "T"]].to_numpy(dtype=np.int64)  # whole days and counts
    base = int(frt.max(initial=0)) + 1
    uniq, inverse = np.unique((frt[:, 0] * base + frt[:, 1]) * base + frt[:, 2], return_inverse=True)
    f, r, t = (uniq // (base * base)).astype(float), ((uniq // base) % base).astype(float), (uniq % base).astype(float)
    bgf = fit.bgf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_alive = np.asarray(bgf.conditional_probability_alive(f, r, t), dtype=float)[inverse]
        value = _expected_value(fit, summ, own_mean)
        if months:
            d = (1.0 + discount_rate) ** (1.0 / 12.0) - 1.0
            prev = np.zeros(len(uniq))
            factor = np.zeros(len(uniq))  # discounted expected purchases; CLV = factor x value
            for m in range(1, months + 1):
                cum = np.asarray(bgf.conditional_expected_number_of_purchases_up_to_time(
                    m * DAYS_PER_MONTH, f, r, t), dtype=float)
                factor += (cum - prev) / (1.0 + d) ** m
                prev = cum
            expected = prev[inverse]
            clv = factor[inverse] * value
        else:
            expected = np.asarray(bgf.conditional_expected_number_of_purchases_up_to_time(horizon_days, f, r, t),
                                  dtype=float)[inverse]
            clv = expected * value
    return pd.DataFrame({"p_alive": p_alive, "expected_purchases": expected, "expected_order_value": value,
                         "clv": clv}, index=summ.index)


# ----------------------------------------------------------------------------- the holdout check


@dataclass
class Holdout:
    """The calibration / holdout check of the CLV model."""

    cal_end: pd.Timestamp | None
    end: pd.Timestamp | None
    fit: ClvFit | None = None
    by_frequency: pd.DataFrame = field(default_factory=pd.DataFrame)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.scores.empty


def holdout_check(prep: Prepared, params: SegmentationParams) -> Holdout:
    """Fit on the calibration window, predict the holdout window, compare with what happened.

    Returns
    -------
    Holdout
        ``by_frequency``: one row per calibration frequency (0..6, "7+"): ``calibration_purchases``,
        ``customers``, ``actual_mean``, ``predicted_mean``, ``baseline_mean``.
        ``scores``: ``metric`` (``purchases_total``, ``revenue_total``, ``mae_purchases``,
        ``spearman_purchases``), ``actual``, ``predicted``, ``baseline``, ``n``.
    """
    if not prep.ok:
        return Holdout(None, None, problem=prep.problem)
    end = prep.analysis_date
    cal_end = end - pd.Timedelta(days=params.holdout_days)
    trans = transactions(prep)
    start = trans["day"].min()
    if (cal_end - start).days < MIN_CALIBRATION_DAYS:
        return Holdout(cal_end, end, problem=Problem(
            "The data cover {days} days up to the analysis date; a holdout check of {holdout} days needs at "
            "least {need}. Lower holdout_days or add history.",
            "截至分析日数据仅覆盖 {days} 天；{holdout} 天的留出期检验至少需要 {need} 天。请调低 holdout_days 或补充历史数据。",
            {"days": (end - start).days, "holdout": params.holdout_days,
             "need": params.holdout_days + MIN_CALIBRATION_DAYS}))
    summ = _summary_by_code(trans, cal_end)
    pos = summ.index.to_numpy()  # summ's customers as codes
    summ.index = rfm_ids(trans, pos)
    fit = fit_models(summ, params, "calibration", cal_end)
    if not fit.ok:
        return Holdout(cal_end, end, fit=fit, problem=fit.problem)
    own = summ["mean_value"]  # each customer's mean transaction value up to cal_end, as _own_mean gives it
    pred = predict(fit, summ, params.holdout_days, own)
    later = (trans["day"] > cal_end).to_numpy()
    n_codes = len(trans["customer_id"].cat.categories)
    lc = rfm_codes(trans)[later]
    actual_n = np.bincount(lc, minlength=n_codes)[pos].astype(float)
    actual_v = np.bincount(lc, weights=trans["value"].to_numpy()[later], minlength=n_codes)[pos]
    cal_len = max((cal_end - start).days, 1)
    base_n = (summ["frequency"].to_numpy() + 1.0) * params.holdout_days / cal_len
    base_v = base_n * own.to_numpy()
    model_n = pred["expected_purchases"].to_numpy()
    model_v = pred["clv"].to_numpy()
    n = len(summ)

    def spearman(a, b):
        if np.std(a) == 0 or np.std(b) == 0:
            return float("nan")
        return float(pd.Series(a).rank().corr(pd.Series(b).rank()))

    scores = pd.DataFrame([
        {"metric": "purchases_total", "actual": actual_n.sum(), "predicted": model_n.sum(), "baseline": base_n.sum(),
         "n": n},
        {"metric": "revenue_total", "actual": actual_v.sum(), "predicted": model_v.sum(), "baseline": base_v.sum(),
         "n": n},
        {"metric": "mae_purchases", "actual": np.nan, "predicted": np.abs(model_n - actual_n).mean(),
         "baseline": np.abs(base_n - actual_n).mean(), "n": n},
        {"metric": "spearman_purchases", "actual": np.nan, "predicted": spearman(model_n, actual_n),
         "baseline": spearman(base_n, actual_n), "n": n},
    ])
    freq = summ["frequency"].to_numpy()
    bins = np.minimum(freq, 7)
    df = pd.DataFrame({"bin": bins, "actual": actual_n, "predicted": model_n, "baseline": base_n})
    bf = df.groupby("bin").agg(customers=("actual", "size"), actual_mean=("actual", "mean"),
                               predicted_mean=("predicted", "mean"), baseline_mean=("baseline", "mean")).reset_index()
    bf.insert(0, "calibration_purchases", [f"{int(b) + 1}" if b < 7 else "8+" for b in bf["bin"]])
    bf = bf.drop(columns="bin")
    return Holdout(cal_end, end, fit=fit, by_frequency=bf, scores=scores)


# ----------------------------------------------------------------------------- CLV per customer


@dataclass
class ClvResult:
    """CLV per customer from the fit on all data up to the analysis date."""

    table: pd.DataFrame
    fit: ClvFit | None
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.table.empty


def clv_table(prep: Prepared, rfm: pd.DataFrame, params: SegmentationParams) -> ClvResult:
    """Fit on all data up to the analysis date; P(alive), expected purchases and CLV per customer.

    Returns
    -------
    ClvResult
        ``table``: :data:`CLV_COLUMNS` for every customer of ``rfm`` (``frequency_days`` etc. are
        the model's inputs: repeat purchase days, days first to last, days since first). Empty
        with a ``problem`` when no model could be fitted.
    """
    if not prep.ok:
        return ClvResult(_empty_clv(), None, prep.problem)
    trans = transactions(prep)
    summ = summary(trans, prep.analysis_date)
    fit = fit_models(summ, params, "full", prep.analysis_date)
    if not fit.ok:
        return ClvResult(_empty_clv(), fit, fit.problem)
    own = summ["mean_value"]  # as _own_mean(trans, prep.analysis_date) gives it
    pred = predict(fit, summ, params.clv_horizon_months * DAYS_PER_MONTH, own, params.discount_rate,
                   months=params.clv_horizon_months)
    out = pd.DataFrame({"frequency_days": summ["frequency"], "recency_model_days": summ["recency"].astype("int64"),
                        "T_days": summ["T"].astype("int64")}).join(pred)
    out = out.rename_axis("customer_id").reset_index()
    if not same_values(out["customer_id"], rfm["customer_id"]):  # both sorted by id: rarely
        out = out.merge(rfm[["customer_id"]], on="customer_id", how="right")
    out["clv_margin"] = out["clv"] * margin_rates(rfm).to_numpy()
    # rounded to what a reader can use (cents, 4 decimals): smaller and faster CSV files
    out[["p_alive", "expected_purchases"]] = out[["p_alive", "expected_purchases"]].round(4)
    out[["expected_order_value", "clv", "clv_margin"]] = out[["expected_order_value", "clv", "clv_margin"]].round(2)
    return ClvResult(out[CLV_COLUMNS], fit)


def margin_rates(rfm: pd.DataFrame) -> pd.Series:
    """Each customer's margin / net revenue (0..1), the company's rate where unknown; NaN without costs."""
    known = rfm["margin"].notna() & (rfm["monetary"] > 0)
    if not known.any():
        return pd.Series(np.nan, index=rfm["customer_id"])
    overall = rfm.loc[known, "margin"].sum() / rfm.loc[known, "monetary"].sum()
    rate = (rfm["margin"] / rfm["monetary"]).where(known, overall).clip(0.0, 1.0)
    return pd.Series(rate.to_numpy(), index=rfm["customer_id"])


def _empty_clv() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="float64") for c in CLV_COLUMNS})
    out["customer_id"] = pd.Series(dtype="str")
    return out


def clv_params_table(result: ClvResult, holdout: Holdout | None = None) -> pd.DataFrame:
    """The ``clv_params`` result table: fitted parameters of the full fit (and of the calibration fit)."""
    frames = []
    if holdout is not None and holdout.fit is not None and not holdout.fit.params.empty:
        frames.append(holdout.fit.params)
    if result.fit is not None and not result.fit.params.empty:
        frames.append(result.fit.params)
    if not frames:
        return pd.DataFrame(columns=["fit", "model", "parameter", "value", "se", "ci_low", "ci_high", "n_customers",
                                     "n_repeat", "population"])
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------- tiers


VALUE_COLUMNS = ["customer_id", "rfm_segment", "revenue_window", "clv", "clv_margin", "p_alive", "expected_purchases",
                 "value_score", "tier", "potential"]


def rank_tiers(score: pd.Series, ids: pd.Series, rules: list[dict], key: str) -> np.ndarray:
    """Names from share rules: customers ranked by ``score`` (ties by id); rank / n <= top_share of the first rule.

    >>> rank_tiers(pd.Series([5.0, 1.0, 3.0, 2.0]), pd.Series(list("abcd")),
    ...            [{"t": "top", "top_share": 0.25}, {"t": "rest", "top_share": 1.0}], "t").tolist()
    ['top', 'rest', 'rest', 'rest']
    """
    n = len(score)
    if n == 0:
        return np.array([], dtype=object)
    if strictly_ascending(ids):  # the rfm order: ranks are positions
        id_rank = np.arange(n, dtype=np.int64)
    else:
        id_rank = np.empty(n, dtype=np.int64)
        id_rank[ids.reset_index(drop=True).argsort().to_numpy()] = np.arange(n)  # arrow-native sort of the ids
    order = np.lexsort((id_rank, -score.to_numpy(dtype=float)))
    share = np.empty(n)
    share[order] = np.arange(1, n + 1) / n
    cuts = np.array([float(r["top_share"]) for r in rules])
    idx = np.minimum(np.searchsorted(cuts, share - 1e-12, side="left"), len(rules) - 1)
    names = np.array([r[key] for r in rules], dtype=object)
    return names[idx]


def value_tiers(rfm: pd.DataFrame, clv: ClvResult, params: SegmentationParams) -> pd.DataFrame:
    """Value tier (current plus predicted value) and potential tier (predicted value) per customer.

    ``value_score = max(revenue_window, 0) + clv`` (``clv`` = 0 when no CLV model could be fitted,
    so tiers then rest on current value alone and ``potential`` is ``"unknown"``).

    Returns
    -------
    DataFrame
        :data:`VALUE_COLUMNS` (one row per customer of ``rfm``).
    """
    out = rfm[["customer_id", "rfm_segment", "revenue_window"]].copy()
    cols = ["clv", "clv_margin", "p_alive", "expected_purchases"]
    if clv.ok:
        out = merge_by_id(out, clv.table[["customer_id", *cols]], "left")
    else:
        for c in cols:
            out[c] = np.nan
    predicted = out["clv"].fillna(0.0)
    out["value_score"] = out["revenue_window"].clip(lower=0.0) + predicted
    out["tier"] = rank_tiers(out["value_score"], out["customer_id"], params.tier_rules, "tier")
    if clv.ok:
        out["potential"] = rank_tiers(predicted, out["customer_id"], params.potential_rules, "potential")
    else:
        out["potential"] = "unknown"
    return out[VALUE_COLUMNS]


def clv_result_table(clv: ClvResult, value: pd.DataFrame) -> pd.DataFrame:
    """The ``clv`` result table: model inputs and outputs per customer with value score, tier and potential."""
    base = value[["customer_id", "value_score", "tier", "potential"]]
    if clv.ok:
        return merge_by_id(clv.table, base, "right")
    out = base.copy()
    for c in CLV_COLUMNS[1:]:
        out[c] = np.nan
    return out[CLV_COLUMNS + ["value_score", "tier", "potential"]]
