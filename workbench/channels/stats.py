"""Small statistics shared by the channel modules: Wilson intervals, empirical-Bayes shrinkage, tests.

Everything here wraps statsmodels / scipy so that the figures in a report are the
libraries' own (tests compare them on hand-made tables).
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    proportion_confint,
    proportions_chisquare,
    proportions_ztest,
)

log = logging.getLogger(__name__)

ADJUST_NAMES = {"holm": ("Holm", "Holm"), "fdr_bh": ("Benjamini-Hochberg", "Benjamini-Hochberg")}


def wilson(count, nobs, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """95 % (``1 - alpha``) Wilson score interval of ``count / nobs``; NaN where ``nobs`` is 0.

    Parameters
    ----------
    count, nobs : array-like of int, same shape
    alpha : float

    Returns
    -------
    low, high : ndarray of float
    """
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    ok = nobs > 0
    low = np.full(count.shape, np.nan)
    high = np.full(count.shape, np.nan)
    if ok.any():
        lo, hi = proportion_confint(count[ok], nobs[ok], alpha=alpha, method="wilson")
        low[ok], high[ok] = lo, hi
    return low, high


def rate(count, nobs) -> np.ndarray:
    """``count / nobs`` with NaN where ``nobs`` is 0."""
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    return np.divide(count, nobs, out=np.full(count.shape, np.nan), where=nobs > 0)


def fit_beta_prior(count, nobs) -> tuple[float, float]:
    """Beta prior ``(a, b)`` of binomial rates by maximum marginal (beta-binomial) likelihood.

    Groups with ``nobs == 0`` are ignored. With fewer than two groups, or groups that
    look identical, the prior is concentrated at the pooled rate (strong shrinkage);
    the prior strength ``a + b`` is kept within ``[0.5, 1e6]``.
    """
    k = np.asarray(count, dtype=float)
    n = np.asarray(nobs, dtype=float)
    m = n > 0
    k, n = k[m], n[m]
    pooled = (k.sum() + 0.5) / (n.sum() + 1.0) if n.sum() > 0 else 0.5
    if len(n) < 2:
        return pooled * 1e3, (1 - pooled) * 1e3

    def nll(theta):
        mu = 1.0 / (1.0 + math.exp(-theta[0]))
        kappa = math.exp(theta[1])
        return -stats.betabinom.logpmf(k, n, mu * kappa, (1 - mu) * kappa).sum()

    # start from the method of moments: between-group variance of the rates beyond binomial noise
    r = k / n
    excess = r.var() - np.mean(pooled * (1 - pooled) / n)
    kappa0 = pooled * (1 - pooled) / excess - 1 if excess > 0 else 1e4
    x0 = [math.log(pooled / (1 - pooled)), math.log(min(max(kappa0, 1.0), 1e5))]
    res = optimize.minimize(nll, x0, method="L-BFGS-B",
                            bounds=[(-12, 12), (math.log(0.5), math.log(1e6))])
    mu = 1.0 / (1.0 + math.exp(-res.x[0]))
    kappa = math.exp(res.x[1])
    return mu * kappa, (1 - mu) * kappa


def shrink(count, nobs, prior: tuple[float, float] | None = None,
           alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Empirical-Bayes rates: posterior mean and equal-tailed interval under a fitted beta prior.

    Returns
    -------
    mean, low, high : ndarray
        ``(count + a) / (nobs + a + b)`` and the ``alpha/2``, ``1 - alpha/2`` quantiles of
        ``Beta(a + count, b + nobs - count)``.
    """
    k = np.asarray(count, dtype=float)
    n = np.asarray(nobs, dtype=float)
    a, b = prior if prior is not None else fit_beta_prior(k, n)
    pa, pb = a + k, b + n - k
    return pa / (pa + pb), stats.beta.ppf(alpha / 2, pa, pb), stats.beta.ppf(1 - alpha / 2, pa, pb)


def omnibus(count, nobs) -> dict:
    """Chi-square test that all groups share one rate (statsmodels ``proportions_chisquare``).

    Returns ``{"chi2", "df", "p_value", "groups"}``; NaN values with fewer than two groups.
    """
    k = np.asarray(count, dtype=float)
    n = np.asarray(nobs, dtype=float)
    if len(n) < 2 or k.sum() == 0 or k.sum() == n.sum():
        return {"chi2": float("nan"), "df": max(len(n) - 1, 0), "p_value": float("nan"), "groups": len(n)}
    chi2, p, _ = proportions_chisquare(k, n)
    return {"chi2": float(chi2), "df": len(n) - 1, "p_value": float(p), "groups": len(n)}


def two_proportions(k1, n1, k2, n2) -> float:
    """Two-sided p-value of a two-proportion z-test (statsmodels ``proportions_ztest``); NaN if undefined."""
    if min(n1, n2) <= 0:
        return float("nan")
    pooled = (k1 + k2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    _, p = proportions_ztest([k1, k2], [n1, n2])
    return float(p)


def adjust(pvalues, method: str, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Multiple-comparison correction, ``holm`` or ``fdr_bh``; NaN p-values pass through.

    The same figures as statsmodels ``multipletests`` (a test checks it), computed here
    because its Holm branch runs a full garbage collection on every call.

    Returns
    -------
    p_adj : ndarray
    reject : ndarray of bool
    """
    if method not in ADJUST_NAMES:
        raise ValueError(f"Invalid p_adjust: {method!r}. Valid options are: {', '.join(ADJUST_NAMES)}")
    p = np.asarray(pvalues, dtype=float)
    p_adj = np.full(p.shape, np.nan)
    reject = np.zeros(p.shape, dtype=bool)
    ok = ~np.isnan(p)
    if ok.any():
        q = p[ok]
        m = len(q)
        order = np.argsort(q, kind="stable")
        ranked = q[order]
        if method == "holm":
            adj = np.minimum(np.maximum.accumulate(ranked * np.arange(m, 0, -1)), 1.0)
        else:
            adj = np.minimum(np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1], 1.0)
        out = np.empty(m)
        out[order] = adj
        p_adj[ok] = out
        reject[ok] = out <= alpha
    return p_adj, reject


def adjust_statsmodels(pvalues, method: str, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """:func:`adjust` through statsmodels ``multipletests`` (the reference the tests compare with)."""
    p = np.asarray(pvalues, dtype=float)
    rej, padj, _, _ = multipletests(p, alpha=alpha, method=method)
    return padj, rej


def mean_ci(values: pd.Series, alpha: float = 0.05) -> tuple[float, float, float, int]:
    """Mean of ``values`` (NaN dropped), its t interval, and n."""
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    n = len(v)
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    m = float(v.mean())
    if n < 2:
        return m, float("nan"), float("nan"), n
    half = stats.t.ppf(1 - alpha / 2, n - 1) * v.std(ddof=1) / math.sqrt(n)
    return m, m - half, m + half, n


def welch_p(a: pd.Series, b: pd.Series) -> float:
    """Two-sided Welch t-test p-value of two samples (NaN with fewer than 2 values in either)."""
    x = pd.to_numeric(a, errors="coerce").dropna()
    y = pd.to_numeric(b, errors="coerce").dropna()
    if len(x) < 2 or len(y) < 2 or (x.std() == 0 and y.std() == 0):
        return float("nan")  # undefined: no spread to test against
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # near-constant samples: the p-value still stands
        return float(stats.ttest_ind(x, y, equal_var=False).pvalue)
