"""All models side by side, with bootstrap intervals over journeys.

:func:`attribute` returns one row per channel and model (``ATTRIBUTION_COLUMNS``). The
intervals come from a Poisson bootstrap over journeys (Hanley & MacGibbon 2006; Chamandy et
al. 2012): each journey gets an independent Poisson(1) weight, which for large samples is the
ordinary resampling of journeys with replacement. A sum of n independent Poisson(1) weights is
Poisson(n), so a replicate is drawn directly on the distinct paths, without materialising a
million journeys: the converting and the non-converting journeys of each path get
Poisson(conversions) and Poisson(non-conversions) weights. Every model is evaluated on the
same replicates, so their shares are comparable replicate by replicate. The interval is the
2.5 and 97.5 percentiles of the replicates.

Two approximations keep a replicate on the path level: a resampled path's conversion value is
its mean conversion value times its resampled conversions, and the time-decay rule uses the
path's mean touch weights (journeys on one path differ only in the timing of their touches).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from workbench.attribution.heuristics import HEURISTIC_MODELS, heuristic_credit, touch_weights
from workbench.attribution.markov import MarkovDesign, markov_order_fit
from workbench.attribution.paths import Journeys
from workbench.attribution.shapley import ShapleyDesign, shapley_credit

__all__ = ["ATTRIBUTION_COLUMNS", "MODELS", "attribute", "bootstrap_replicates"]

log = logging.getLogger(__name__)

ATTRIBUTION_COLUMNS = ["channel_id", "model", "conversions", "conversions_low", "conversions_high", "value",
                       "value_low", "value_high", "share", "share_low", "share_high"]
MODELS = (*HEURISTIC_MODELS, "markov", "shapley")
CHUNK_CELLS = 4_000_000   # paths x replicates drawn at once (32 MB per float array)


def _path_heuristic_matrices(j: Journeys, model: str, half_life_days: float
                             ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Mean credit per converted journey (and per unit of value) of each path, paths x channels."""
    w = touch_weights(j, model, half_life_days=half_life_days)
    t, jr, paths = j.touches, j.journeys, j.paths
    journey = t["journey"].to_numpy()
    conv_j = jr["converted"].to_numpy()[journey]
    path = jr["path"].to_numpy()[journey]
    conv_p = paths["conversions"].to_numpy().astype(float)
    value_p = paths["value"].to_numpy().astype(float)
    value_j = jr["value"].to_numpy()[journey]
    shape = (len(paths), len(j.channels))
    keep = conv_j & (conv_p[path] > 0)
    hc = sp.csr_matrix((w[keep] / conv_p[path[keep]], (path[keep], t["code"].to_numpy()[keep])), shape=shape)
    keep_v = keep & (value_p[path] > 0)
    hv = sp.csr_matrix((w[keep_v] * value_j[keep_v] / value_p[path[keep_v]],
                        (path[keep_v], t["code"].to_numpy()[keep_v])), shape=shape)
    return hc, hv


def _poisson(rng: np.random.Generator, lam: np.ndarray, b: int) -> np.ndarray:
    """Poisson(lam) draws, ``b`` per element, grouped by value (numpy draws a scalar rate about
    twice as fast as an array of rates; paths have few distinct counts, most of them 0 or 1)."""
    out = np.zeros((len(lam), b))
    order = np.argsort(lam, kind="stable")
    values, starts = np.unique(lam[order], return_index=True)
    ends = np.r_[starts[1:], len(lam)]
    for v, s, e in zip(values, starts, ends, strict=True):
        if v > 0:
            out[order[s:e]] = rng.poisson(v, size=(e - s, b))
    return out


def bootstrap_replicates(j: Journeys, n_boot: int, seed: int):
    """Yield Poisson-bootstrap replicates of the distinct paths, in chunks.

    Yields
    ------
    n, conv, value : ndarray, shape (paths, chunk)
        Journeys, conversions and conversion value of each path in each replicate.
    """
    p = j.paths
    conv = p["conversions"].to_numpy().astype(float)
    null = p["journeys"].to_numpy() - conv
    mean_value = np.divide(p["value"].to_numpy(), conv, out=np.zeros(len(conv)), where=conv > 0)
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, CHUNK_CELLS // max(len(p), 1)))
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        c = _poisson(rng, conv, b)
        n = c + _poisson(rng, null, b)
        yield n, c, c * mean_value[:, None]
        done += b


def _interval(reps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if reps.shape[1] == 0:
        nan = np.full(reps.shape[0], np.nan)
        return nan, nan
    with warnings.catch_warnings():   # a share is undefined in replicates without conversions
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(reps, [2.5, 97.5], axis=1)
    return lo, hi


def attribute(j: Journeys, *, models: tuple[str, ...] = MODELS, markov_order: int | str = "auto",
              n_boot: int = 200, seed: int = 7, half_life_days: float = 7.0,
              shapley_characteristic: str = "conversions") -> pd.DataFrame:
    """Credit of every channel under every model, with 95 % bootstrap intervals.

    Parameters
    ----------
    j : Journeys
    models : tuple of str
        Any of ``"first_touch"``, ``"last_touch"``, ``"linear"``, ``"time_decay"``,
        ``"position_based"``, ``"markov"``, ``"shapley"``.
    markov_order : int or "auto"
        Order of the Markov model; ``"auto"`` takes the order chosen by
        :func:`~workbench.attribution.markov.markov_order_fit` (orders 1 to 3).
    n_boot : int
        Bootstrap replicates (0: no intervals, the ``_low``/``_high`` columns are NaN).
    seed : int
        Seed of the bootstrap (and of the Markov holdout split).
    half_life_days : float
        Half-life of the time-decay rule.
    shapley_characteristic : {"conversions", "rate"}
        Characteristic function of the Shapley model (:mod:`~workbench.attribution.shapley`).

    Returns
    -------
    DataFrame
        Columns ``ATTRIBUTION_COLUMNS``, one row per channel and model, models in the order
        asked and channels sorted. ``conversions`` of each model sum to the observed
        conversions and ``value`` to the observed conversion value; ``share`` is the channel's
        part of the conversions. ``.attrs``: ``markov_order``, ``n_boot``, ``order_fit``
        (the order table when chosen automatically).
    """
    models = tuple(models)
    bad = [m for m in models if m not in MODELS]
    if bad or not models:
        raise ValueError(f"Invalid models: {bad or 'none given'}. Valid options are: {list(MODELS)}")
    if not (isinstance(n_boot, int | np.integer) and n_boot >= 0) or n_boot == 1:
        raise ValueError(f"n_boot must be 0 (no intervals) or at least 2, got {n_boot!r}.")
    attrs: dict = {"n_boot": int(n_boot), "markov_order": None}
    k = len(j.channels)
    if k == 0:
        out = pd.DataFrame({c: pd.Series(dtype=float) for c in ATTRIBUTION_COLUMNS})
        out["channel_id"] = out["channel_id"].astype("str")
        out["model"] = out["model"].astype("str")
        out.attrs.update(attrs)
        return out

    point: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    designs: dict = {}
    for m in models:
        if m in HEURISTIC_MODELS:
            c = heuristic_credit(j, m, half_life_days=half_life_days)
            point[m] = (c["conversions"].to_numpy(), c["value"].to_numpy())
            if n_boot:
                designs[m] = _path_heuristic_matrices(j, m, half_life_days)
        elif m == "markov":
            order = markov_order
            if order == "auto":
                fit = markov_order_fit(j, seed=seed)
                order = int(fit.attrs["chosen"])
                attrs["order_fit"] = fit
            design = MarkovDesign.of(j, int(order))
            attrs["markov_order"] = int(order)
            p = j.paths
            _, c_conv, c_val, _ = design.credit(p["journeys"].to_numpy(), p["conversions"].to_numpy(),
                                                p["value"].to_numpy())
            point[m] = (c_conv, c_val)
            designs[m] = design
        else:
            c = shapley_credit(j, shapley_characteristic)
            point[m] = (c["conversions"].to_numpy(), c["value"].to_numpy())
            designs[m] = ShapleyDesign(j, shapley_characteristic)

    reps = {m: ([], [], []) for m in models}
    if n_boot:
        for n, conv, value in bootstrap_replicates(j, n_boot, seed):
            total = conv.sum(axis=0)
            for m in models:
                d = designs[m]
                if m in HEURISTIC_MODELS:
                    rc, rv = d[0].T @ conv, d[1].T @ value
                elif m == "markov":
                    counts, vcounts = d.counts(n, conv), d.value_counts(value)
                    tv = value.sum(axis=0)
                    cols = [d.credit_from_counts(counts[:, b], vcounts[:, b], total[b], tv[b])
                            for b in range(n.shape[1])]
                    rc = np.column_stack([c[1] for c in cols])
                    rv = np.column_stack([c[2] for c in cols])
                else:
                    rc, rv = d.credit(n, conv, value)
                reps[m][0].append(np.asarray(rc))
                reps[m][1].append(np.asarray(rv))
                reps[m][2].append(np.divide(rc, total, out=np.full_like(np.asarray(rc, dtype=float), np.nan),
                                            where=total > 0))

    total_conv = float(j.conversions)
    frames = []
    for m in models:
        conv_pt, value_pt = point[m]
        if n_boot:
            rc, rv, rs = (np.concatenate(x, axis=1) for x in reps[m])
        else:
            rc = rv = rs = np.zeros((k, 0))
        (c_lo, c_hi), (v_lo, v_hi), (s_lo, s_hi) = _interval(rc), _interval(rv), _interval(rs)
        share = conv_pt / total_conv if total_conv > 0 else np.zeros(k)
        frames.append(pd.DataFrame({
            "channel_id": pd.array(j.channels, dtype="str"), "model": m,
            "conversions": conv_pt, "conversions_low": c_lo, "conversions_high": c_hi,
            "value": value_pt, "value_low": v_lo, "value_high": v_hi,
            "share": share, "share_low": s_lo, "share_high": s_hi}))
    out = pd.concat(frames, ignore_index=True)[ATTRIBUTION_COLUMNS]
    out["model"] = out["model"].astype("str")
    out.attrs.update(attrs)
    return out
