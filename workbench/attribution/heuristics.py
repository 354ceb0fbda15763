"""Rule-based attribution: first touch, last touch, linear, time decay, position based.

Each rule gives every touch of a journey a weight, the weights of a journey sum to one, and a
channel's credit is the sum of its touches' weights over converted journeys (conversions) or
weighted by the journey's conversion value (value). Weights are computed for all touches at
once with array operations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.attribution.paths import Journeys

__all__ = ["HEURISTIC_MODELS", "credit_table", "heuristic_credit", "touch_weights"]

HEURISTIC_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")


def touch_weights(j: Journeys, model: str, *, half_life_days: float = 7.0,
                  position_weights: tuple[float, float] = (0.4, 0.4)) -> np.ndarray:
    """Weight of each touch of ``j.touches`` under a rule; the weights of a journey sum to 1.

    Parameters
    ----------
    j : Journeys
    model : {"first_touch", "last_touch", "linear", "time_decay", "position_based"}
        ``time_decay`` weighs a touch by ``2 ** (-days_before_end / half_life_days)``;
        ``position_based`` (U-shaped) gives ``position_weights[0]`` to the first touch,
        ``position_weights[1]`` to the last and splits the rest evenly over the touches in
        between; a one-touch journey gives its touch 1, a two-touch journey splits in the
        ratio of the two position weights (50/50 by default).
    half_life_days : float
        Half-life of the time-decay rule, in days (> 0).
    position_weights : (float, float)
        First and last weights of the position-based rule (each >= 0, sum <= 1).

    Returns
    -------
    ndarray of float, shape (len(j.touches),)
    """
    t = j.touches
    pos = t["pos"].to_numpy()
    n = j.journeys["n_touches"].to_numpy()[t["journey"].to_numpy()]
    if model == "first_touch":
        return (pos == 0).astype(float)
    if model == "last_touch":
        return (pos == n - 1).astype(float)
    if model == "linear":
        return 1.0 / n
    if model == "time_decay":
        if not (np.isfinite(half_life_days) and half_life_days > 0):
            raise ValueError(f"half_life_days must be a positive number of days, got {half_life_days!r}.")
        # Shift by the journey's most recent touch so the largest raw weight is 1 (no underflow).
        d = t["days_before_end"].to_numpy()
        journey = t["journey"].to_numpy()
        if len(d):
            starts = np.flatnonzero(np.r_[True, journey[1:] != journey[:-1]])   # touches are grouped
            d = d - np.repeat(np.minimum.reduceat(d, starts), np.diff(np.r_[starts, len(d)]))
        raw = np.exp2(-d / half_life_days)
        total = np.bincount(t["journey"].to_numpy(), weights=raw)
        return raw / total[t["journey"].to_numpy()]
    if model == "position_based":
        first, last = (float(x) for x in position_weights)
        if first < 0 or last < 0 or first + last > 1 + 1e-12 or first + last == 0:
            raise ValueError(f"position_weights must be two weights >= 0 with 0 < sum <= 1, "
                             f"got {position_weights!r}.")
        middle = (1.0 - first - last) / np.maximum(n - 2, 1)
        w = np.where(pos == 0, first, np.where(pos == n - 1, last, middle))
        w = np.where(n == 2, np.where(pos == 0, first, last) / (first + last), w)
        return np.where(n == 1, 1.0, w)
    raise ValueError(f"Invalid model: {model!r}. Valid options are: {list(HEURISTIC_MODELS)}")


def credit_table(channels: list[str], conversions: np.ndarray, value: np.ndarray) -> pd.DataFrame:
    """The credit table every model returns: ``channel``, ``conversions``, ``value``."""
    return pd.DataFrame({"channel": pd.array(list(channels), dtype="str"),
                         "conversions": np.asarray(conversions, dtype=float),
                         "value": np.asarray(value, dtype=float)})


def heuristic_credit(j: Journeys, model: str, *, half_life_days: float = 7.0,
                     position_weights: tuple[float, float] = (0.4, 0.4)) -> pd.DataFrame:
    """Conversions and value credited to each channel by a rule-based model.

    Parameters
    ----------
    j : Journeys
    model : {"first_touch", "last_touch", "linear", "time_decay", "position_based"}
    half_life_days, position_weights
        See :func:`touch_weights`.

    Returns
    -------
    DataFrame
        One row per channel of ``j.channels``: ``channel``, ``conversions`` (float, sums to
        the converted journeys), ``value`` (sums to their conversion value).
    """
    w = touch_weights(j, model, half_life_days=half_life_days, position_weights=position_weights)
    jr = j.journeys
    journey = j.touches["journey"].to_numpy()
    code = j.touches["code"].to_numpy()
    k = len(j.channels)
    conv = np.bincount(code, weights=w * jr["converted"].to_numpy()[journey], minlength=k)
    value = np.bincount(code, weights=w * jr["value"].to_numpy()[journey], minlength=k)
    return credit_table(j.channels, conv, value)
