"""Shapley-value attribution over channel sets.

Journeys are grouped by their set of channels (order and repeats ignored); with T a set and
``conv_T`` / ``n_T`` its conversions / journeys, two characteristic functions are offered:

``characteristic="conversions"`` (default; Zhao, Mahboobi & Bagheri 2018, "Shapley value
methods for attribution modeling in online advertising", arXiv:1804.05327, simplified formula):
``v(S) = sum of conv_T over T subset of S``. The Shapley value then has the closed form
``phi_c = sum over T containing c of conv_T / |T|``: the conversions of each channel set are
shared equally by its channels. Journeys that did not convert do not enter.

``characteristic="rate"`` (conversion-rate game, as in Shao & Li 2011 and Dalessandro et al.
2012): ``v(S) = conv_S / n_S``, the conversion rate of journeys whose channel set is exactly S
(``v(empty) = 0``; a set no journey had counts 0). The journeys of set T share their conversions
by the Shapley values of the game restricted to the subsets of T::

    credit_c = sum_T n_T * phi_c(v restricted to subsets of T)

which sums to ``sum_T n_T v(T)``, the observed conversions, exactly. With the Harsanyi dividends
``d = Moebius(v)``, ``phi_c(T) = sum_{S subset T, c in S} d(S) / |S|``, hence
``credit_c = sum_{S containing c} d(S) N(S) / |S|`` with ``N(S)`` the journeys whose set
contains S, computed with the fast Moebius and superset-sum transforms over all 2^k sets in
``O(k 2^k)`` array operations: exact, and fast up to ``MAX_SHAPLEY_CHANNELS`` channels. This
game rewards a channel whose presence raises the conversion rate, but a channel never seen
alone gets ``v({c}) = 0`` and so only half of what it adds to its partners: an assister that
always comes with a closer is under-credited. A channel whose presence lowers the rate gets
negative dividends and can end with a negative credit.

Value credit uses the same formulas with conversion value in place of conversions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from workbench.attribution.heuristics import credit_table
from workbench.attribution.paths import Journeys, unique_inverse

__all__ = ["CHARACTERISTICS", "MAX_SHAPLEY_CHANNELS", "ShapleyDesign", "shapley_credit", "shapley_from_sets"]

MAX_SHAPLEY_CHANNELS = 16
CHARACTERISTICS = ("conversions", "rate")


def _moebius(a: np.ndarray, k: int) -> np.ndarray:
    """Harsanyi dividends: ``d(S) = sum_{R subset S} (-1)^{|S|-|R|} a(R)`` along axis 0."""
    a = np.array(a, dtype=float, copy=True)
    tail = a.shape[1:]
    for i in range(k):
        v = a.reshape(-1, 2, 2 ** i, *tail)
        v[:, 1] -= v[:, 0]
    return a


def _superset_sum(a: np.ndarray, k: int) -> np.ndarray:
    """``N(S) = sum_{T superset S} a(T)`` along axis 0."""
    a = np.array(a, dtype=float, copy=True)
    tail = a.shape[1:]
    for i in range(k):
        v = a.reshape(-1, 2, 2 ** i, *tail)
        v[:, 0] += v[:, 1]
    return a


def _popcount(k: int) -> np.ndarray:
    idx = np.arange(2 ** k)
    out = np.zeros(2 ** k, dtype=np.int64)
    for i in range(k):
        out += (idx >> i) & 1
    return out


def shapley_from_sets(masks: np.ndarray, n: np.ndarray, conv: np.ndarray, k: int,
                      characteristic: str = "conversions") -> np.ndarray:
    """Shapley credit per channel from journeys grouped by channel set.

    Parameters
    ----------
    masks : ndarray of int, shape (sets,)
        Channel set of each group as a bit mask (bit c = channel c), distinct.
    n, conv : ndarray, shape (sets,) or (sets, replicates)
        Journeys and conversions (or conversion value) of each group.
    k : int
        Number of channels.
    characteristic : {"conversions", "rate"}
        The characteristic function (see the module docstring).

    Returns
    -------
    ndarray, shape (k,) or (k, replicates)
        Credit of each channel; sums to ``conv.sum(axis=0)``.
    """
    n = np.asarray(n, dtype=float)
    conv = np.asarray(conv, dtype=float)
    tail = n.shape[1:]
    if characteristic == "conversions":
        bits = (np.asarray(masks)[:, None] >> np.arange(k)[None, :]) & 1          # sets x channels
        size_t = np.maximum(bits.sum(axis=1), 1).astype(float)
        per = conv / size_t.reshape(-1, *([1] * len(tail)))
        return np.tensordot(bits.T.astype(float), per, axes=(1, 0))
    if characteristic != "rate":
        raise ValueError(f"Invalid characteristic: {characteristic!r}. Valid options are: {list(CHARACTERISTICS)}")
    size = 2 ** k
    counts = np.zeros((size, *tail))
    v = np.zeros((size, *tail))
    counts[masks] = n
    with np.errstate(invalid="ignore", divide="ignore"):
        v[masks] = np.where(n > 0, conv / np.where(n > 0, n, 1.0), 0.0)
    d = _moebius(v, k)
    big_n = _superset_sum(counts, k)
    pop = _popcount(k).astype(float)
    pop[0] = 1.0
    w = d * big_n / pop.reshape(-1, *([1] * len(tail)))
    w[0] = 0.0
    out = np.empty((k, *tail))
    for c in range(k):
        out[c] = w.reshape(-1, 2, 2 ** c, *tail)[:, 1].sum(axis=(0, 1))
    return out


class ShapleyDesign:
    """Journeys' distinct paths grouped by channel set, for repeated (bootstrap) evaluation.

    Parameters
    ----------
    j : Journeys
    characteristic : {"conversions", "rate"}

    Raises
    ------
    ValueError
        More than ``MAX_SHAPLEY_CHANNELS`` channels with ``characteristic="rate"``.
    """

    def __init__(self, j: Journeys, characteristic: str = "conversions"):
        if characteristic not in CHARACTERISTICS:
            raise ValueError(f"Invalid characteristic: {characteristic!r}. Valid options are: {list(CHARACTERISTICS)}")
        self.characteristic = characteristic
        k = len(j.channels)
        if characteristic == "rate" and k > MAX_SHAPLEY_CHANNELS:
            raise ValueError(
                f"Shapley attribution on conversion rates is exact over all channel sets and supports at most "
                f"{MAX_SHAPLEY_CHANNELS} channels; the journeys have {k} ({', '.join(j.channels[:20])}"
                f"{' ...' if k > 20 else ''}). Group rare channels together (e.g. by channel type) "
                f"before attributing, or use characteristic='conversions'.")
        self.k = k
        steps = j.path_steps
        n_paths = len(j.paths)
        pair = unique_inverse(steps["path"].to_numpy().astype(np.int64) * max(k, 1) + steps["code"].to_numpy())[0]
        path_of, code_of = pair // max(k, 1), pair % max(k, 1)
        mask = np.zeros(n_paths, dtype=np.int64)
        np.add.at(mask, path_of, np.left_shift(1, code_of))
        self.masks, self.set_of_path = unique_inverse(mask)
        self.n_sets = len(self.masks)
        self._group = sp.csr_matrix((np.ones(n_paths), (self.set_of_path, np.arange(n_paths))),
                                    shape=(self.n_sets, n_paths))

    def credit(self, n: np.ndarray, conv: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Credited conversions and value per channel for per-path weights (1-D or 2-D)."""
        def by_set(x):
            return np.asarray(self._group @ np.asarray(x, dtype=float))
        ns = by_set(n)
        ch = self.characteristic
        return (shapley_from_sets(self.masks, ns, by_set(conv), self.k, ch),
                shapley_from_sets(self.masks, ns, by_set(value), self.k, ch))


def shapley_credit(j: Journeys, characteristic: str = "conversions") -> pd.DataFrame:
    """Conversions and value credited to each channel by Shapley values over channel sets.

    Parameters
    ----------
    j : Journeys
    characteristic : {"conversions", "rate"}
        ``"conversions"``: Zhao et al. (2018) simplified formula; ``"rate"``: conversion-rate
        game (at most ``MAX_SHAPLEY_CHANNELS`` channels). See the module docstring.

    Returns
    -------
    DataFrame
        ``channel``, ``conversions``, ``value`` (sum to the observed conversions and value).
        ``.attrs["channel_sets"]``: number of distinct channel sets observed;
        ``.attrs["unobserved_subsets"]``: subsets of observed sets that no journey had
        (with ``"rate"`` their conversion rate is taken as 0).
    """
    d = ShapleyDesign(j, characteristic)
    p = j.paths
    conv, value = d.credit(p["journeys"].to_numpy(), p["conversions"].to_numpy(), p["value"].to_numpy())
    out = credit_table(j.channels, conv, value)
    out.attrs["channel_sets"] = d.n_sets
    if characteristic == "rate":
        seen = np.zeros(2 ** d.k, dtype=bool)
        seen[d.masks] = True
        reach = _superset_sum(seen.astype(float), d.k) > 0   # subsets of some observed set
        out.attrs["unobserved_subsets"] = int((reach & ~seen)[1:].sum())
    return out
