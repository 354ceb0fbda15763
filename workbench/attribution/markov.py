"""k-order Markov chain attribution by removal effects (Anderl et al. 2016).

A journey is a walk ``start -> s_1 -> ... -> s_n -> conversion | null`` where, for order k,
the state ``s_i`` is the tuple of the last k channels up to touch i (fewer at the start of a
journey). Transition probabilities are the observed transition counts divided by the counts
out of each state. The probability of conversion from ``start`` solves the absorbing chain
``(I - Q) x = r`` (``Q`` transient-to-transient probabilities, ``r`` transient-to-conversion),
with scipy's sparse solver.

The **removal effect** of channel c is ``1 - P(conv | c removed) / P(conv)``, where removing c
makes every state that contains c lead nowhere (its walks end without conversion). A channel's
credit is the observed conversions (and value) times its removal effect divided by the sum of
all removal effects.

Counts come from the distinct paths of :class:`~workbench.attribution.paths.Journeys` through
sparse incidence matrices (transition pair x path), so a bootstrap replicate or a holdout split
only re-weights paths: ``counts = A_step @ n + A_conv @ conversions + A_null @ non_conversions``.

The order is chosen by :func:`markov_order_fit`: each order is fitted on a random 80 % of the
journeys and predicts, for the other 20 %, whether each journey converted from the state it
ended in. The chosen order is the smallest whose holdout log-loss is within one standard
error of the best (the one-standard-error rule of Breiman et al. 1984): a higher order must
predict clearly better to be worth its many more parameters. Log-likelihood, AIC and BIC of
the transitions on all journeys are reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from workbench.attribution.heuristics import credit_table
from workbench.attribution.paths import Journeys, unique_inverse

__all__ = ["MarkovDesign", "MarkovResult", "markov_credit", "markov_order_fit"]

MAX_ORDER = 4
HOLDOUT_SHARE = 0.2
HOLDOUT_PRIOR = 1.0  # pseudo-journeys pulling an end state's conversion rate to the overall rate


@dataclass
class MarkovResult:
    """A fitted Markov attribution.

    Attributes
    ----------
    credit : DataFrame
        ``channel``, ``conversions``, ``value`` (sum to the observed conversions and value).
    removal_effects : Series
        Removal effect of each channel (index: channel id), between 0 and 1.
    fit : dict
        ``order``, ``states`` (channel states, start excluded), ``parameters`` (free transition
        probabilities), ``log_likelihood``, ``aic``, ``bic``, ``holdout_log_loss``,
        ``holdout_se``, ``conversion_probability`` (from start, nothing removed).
    transitions : DataFrame
        ``from_state``, ``to_state`` (channels joined with ``" > "``, or ``(start)``,
        ``(conversion)``, ``(null)``), ``count``, ``probability``.
    """

    credit: pd.DataFrame
    removal_effects: pd.Series
    fit: dict = field(default_factory=dict)
    transitions: pd.DataFrame = field(default_factory=pd.DataFrame)


class MarkovDesign:
    """The states and transition incidence of order ``order`` for the distinct paths of ``j``.

    Built once per order; :meth:`counts` re-weights paths (for the bootstrap and the holdout)
    without touching the journeys again.

    Parameters
    ----------
    j : Journeys
    order : int
        1 to ``MAX_ORDER``.
    """

    def __init__(self, j: Journeys, order: int = 1):
        if not (isinstance(order, int | np.integer) and 1 <= order <= MAX_ORDER):
            raise ValueError(f"Invalid order: {order!r}. Valid options are: {list(range(1, MAX_ORDER + 1))}")
        self.order = int(order)
        self.channels = list(j.channels)
        steps = j.path_steps
        paths = j.paths
        n_ch = len(self.channels)
        base = n_ch + 1
        if base ** self.order >= 2 ** 62:
            raise ValueError(f"{n_ch} channels at order {order}: too many states to encode.")
        code = steps["code"].to_numpy().astype(np.int64)
        pos = steps["pos"].to_numpy()
        path = steps["path"].to_numpy()
        key = np.zeros(len(code), dtype=np.int64)
        for m in range(self.order):
            shifted = np.roll(code, m)
            key += np.where(pos >= m, shifted + 1, 0) * base ** m
        last = np.r_[pos[1:] == 0, True] if len(pos) else np.zeros(0, dtype=bool)
        # A path starts in the state of its first k touches (all of them when shorter), as in
        # the ChannelAttribution package: steps before the k-th touch are not states.
        keep = (pos >= self.order - 1) | last
        key, path, last = key[keep], path[keep], last[keep]
        uniq, state = unique_inverse(key)
        state = state.astype(np.int64) + 1                    # 0 is start
        self.n_transient = len(uniq) + 1
        self.conv_idx = self.n_transient
        self.null_idx = self.n_transient + 1
        digits = np.stack([(uniq // base ** m) % base for m in range(self.order)], axis=1) - 1
        # contains[s, c]: channel state s (row 0 = start) holds channel c
        contains = np.zeros((self.n_transient, n_ch), dtype=bool)
        rows = np.repeat(np.arange(1, self.n_transient), self.order)
        d = digits.ravel()
        ok = d >= 0
        contains[rows[ok], d[ok]] = True
        self.contains = contains
        self.state_keys = uniq
        self._base = base

        n_paths = len(paths)
        first = np.r_[True, path[1:] != path[:-1]] if len(path) else np.zeros(0, dtype=bool)
        prev = np.r_[0, state[:-1]] if len(state) else state
        frm_step = np.where(first, 0, prev)
        # step transitions (weight: journeys), then ends (conversions, non-conversions)
        frm = np.concatenate([frm_step, state[last], state[last]])
        to = np.concatenate([state, np.full(last.sum(), self.conv_idx), np.full(last.sum(), self.null_idx)])
        src = np.concatenate([path, path[last], path[last]])
        kind = np.concatenate([np.zeros(len(state), np.int8), np.ones(last.sum(), np.int8),
                               np.full(last.sum(), 2, np.int8)])
        n_to = self.n_transient + 2
        pair_key, pair = unique_inverse(frm * n_to + to)
        self.pair_from = (pair_key // n_to).astype(np.int64)
        self.pair_to = (pair_key % n_to).astype(np.int64)
        n_pairs = len(pair_key)
        self._A = [sp.csr_matrix((np.ones(int((kind == k).sum())), (pair[kind == k], src[kind == k])),
                                 shape=(n_pairs, n_paths)) for k in range(3)]
        self.end_state = np.zeros(n_paths, dtype=np.int64)
        self.end_state[path[last]] = state[last]
        self.n_paths = n_paths

    @classmethod
    def of(cls, j: Journeys, order: int) -> MarkovDesign:
        """The design of ``j`` for ``order``, built once per Journeys object and reused."""
        key = ("markov", int(order))
        if key not in j.cache:
            j.cache[key] = cls(j, order)
        return j.cache[key]

    def state_labels(self) -> list[str]:
        """Text of every state: ``(start)``, channel states (oldest channel first), ends."""
        out = ["(start)"]
        for key in self.state_keys:
            digits = [(int(key) // self._base ** m) % self._base for m in range(self.order)]
            out.append(" > ".join(self.channels[d - 1] for d in reversed(digits) if d > 0))
        return [*out, "(conversion)", "(null)"]

    def transition_table(self, counts: np.ndarray) -> pd.DataFrame:
        """Observed transitions: ``from_state``, ``to_state``, ``count``, ``probability``."""
        labels = np.asarray(self.state_labels(), dtype=object)
        seen = counts > 0
        return pd.DataFrame({"from_state": labels[self.pair_from[seen]], "to_state": labels[self.pair_to[seen]],
                             "count": counts[seen], "probability": self.probabilities(counts)[seen]})

    def counts(self, n: np.ndarray, conv: np.ndarray) -> np.ndarray:
        """Transition counts of every (from, to) pair given journeys and conversions per path.

        ``n`` and ``conv`` may be 2-D (paths x replicates); the result then has one column per
        replicate.
        """
        n = np.asarray(n, dtype=float)
        conv = np.asarray(conv, dtype=float)
        return self._A[0] @ n + self._A[1] @ conv + self._A[2] @ (n - conv)

    def probabilities(self, counts: np.ndarray) -> np.ndarray:
        """Transition probability of each pair (0 out of a state never left)."""
        out = np.bincount(self.pair_from, weights=counts, minlength=self.n_transient)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = counts / out[self.pair_from]
        return np.nan_to_num(p, nan=0.0)

    def absorption(self, counts: np.ndarray, value_counts: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Conversion probability (and expected value) from start, whole and per channel removed.

        Parameters
        ----------
        counts : ndarray
            Transition count of each pair (:meth:`counts`).
        value_counts : ndarray, optional
            Conversion value carried by each pair into conversion; the expected value solves the
            same chain with the mean value per transition as the reward.

        Returns
        -------
        base : ndarray, shape (m,)
            From start with nothing removed; ``m`` is 1, or 2 with ``value_counts``
            (probability, expected value).
        removed : ndarray, shape (channels, m)
            The same with each channel's states cut off.
        """
        nt = self.n_transient
        p = self.probabilities(counts)
        tr = self.pair_to < nt
        q = sp.csr_matrix((p[tr], (self.pair_from[tr], self.pair_to[tr])), shape=(nt, nt))
        into = self.pair_to == self.conv_idx
        r = [np.bincount(self.pair_from[into], weights=p[into], minlength=nt)]
        if value_counts is not None:
            out = np.bincount(self.pair_from, weights=counts, minlength=nt)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.nan_to_num(value_counts[into] / out[self.pair_from[into]])
            r.append(np.bincount(self.pair_from[into], weights=mean, minlength=nt))
        rhs = np.column_stack(r)
        base = _absorb(q, rhs, np.ones(nt, dtype=bool))
        removed = np.array([_absorb(q, rhs, ~self.contains[:, c]) for c in range(self.contains.shape[1])])
        return base, removed.reshape(len(self.channels), rhs.shape[1])

    def credit(self, n: np.ndarray, conv: np.ndarray, value: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Removal effects and credited conversions and value for per-path weights.

        Parameters
        ----------
        n, conv, value : ndarray, shape (paths,)
            Journeys, conversions and conversion value of each distinct path.

        Returns
        -------
        effects : ndarray
            Removal effect of each channel on conversions.
        conversions, value : ndarray
            Credit: ``conv.sum()`` (``value.sum()``) split in proportion to the removal effects
            on conversions (on the expected conversion value).
        base : float
            Probability of conversion from start.
        """
        counts = self.counts(n, conv)
        return self.credit_from_counts(counts, self.value_counts(value), float(np.sum(conv)),
                                       float(np.sum(value)))

    def value_counts(self, value: np.ndarray) -> np.ndarray:
        """Conversion value carried by each pair into conversion (``value`` per path, 1-D or 2-D)."""
        return self._A[1] @ np.asarray(value, dtype=float)

    def credit_from_counts(self, counts: np.ndarray, value_counts: np.ndarray, total_conv: float,
                           total_value: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """:meth:`credit` from transition counts already computed (one replicate)."""
        base, removed = self.absorption(counts, value_counts)
        k = len(self.channels)
        with np.errstate(invalid="ignore", divide="ignore"):
            effects = np.nan_to_num(np.clip(1.0 - removed / base, 0.0, 1.0))
        shares = []
        for col in range(2):
            tot = effects[:, col].sum()
            shares.append(effects[:, col] / tot if tot > 0 else np.zeros(k))
        return effects[:, 0], shares[0] * total_conv, shares[1] * total_value, float(base[0])


DENSE_STATES = 150   # below this a dense solve is faster than scipy's sparse machinery


def _absorb(q: sp.csr_matrix, rhs: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Absorption reward from state 0 (row of ``rhs`` per state), states outside ``keep`` cut off."""
    idx = np.flatnonzero(keep)
    qk = q[idx][:, idx]
    if len(idx) <= DENSE_STATES:
        # non-singular: every state with a visit has an exit (each path weighs all its steps)
        x = np.linalg.solve(np.eye(len(idx)) - qk.toarray(), rhs[idx])
    else:
        a = (sp.identity(len(idx), format="csc") - qk).tocsc()
        x = spsolve(a, rhs[idx])
    return np.asarray(x).reshape(len(idx), -1)[0]


def _fit_stats(design: MarkovDesign, counts: np.ndarray) -> dict:
    p = design.probabilities(counts)
    used = counts > 0
    ll = float((counts[used] * np.log(p[used])).sum())
    outdeg = np.bincount(design.pair_from[used], minlength=design.n_transient)
    params = int(np.maximum(outdeg - 1, 0).sum())
    n_obs = float(counts.sum())
    return {"order": design.order, "states": design.n_transient - 1, "parameters": params,
            "log_likelihood": ll, "aic": float(2 * params - 2 * ll),
            "bic": float(params * np.log(max(n_obs, 1.0)) - 2 * ll)}


def _holdout(design: MarkovDesign, n: np.ndarray, conv: np.ndarray, seed: int) -> tuple[float, float]:
    """Log-loss (and its standard error) of predicting conversion for held-out journeys.

    Journeys are split at random (binomial thinning of each path's conversions and
    non-conversions, the same split for every order). A held-out journey is predicted to
    convert with the training share of journeys ending in its last state that converted,
    shrunk towards the overall training rate by ``HOLDOUT_PRIOR`` pseudo-journeys.
    """
    rng = np.random.default_rng(seed)
    null = n - conv
    conv_h = rng.binomial(conv.astype(np.int64), HOLDOUT_SHARE)
    null_h = rng.binomial(null.astype(np.int64), HOLDOUT_SHARE)
    conv_t, null_t = conv - conv_h, null - null_h
    n_h = conv_h.sum() + null_h.sum()
    if n_h == 0 or conv_t.sum() == 0:
        return float("nan"), float("nan")
    ends_c = np.bincount(design.end_state, weights=conv_t, minlength=design.n_transient)
    ends_n = np.bincount(design.end_state, weights=null_t, minlength=design.n_transient)
    p0 = conv_t.sum() / (conv_t.sum() + null_t.sum())
    p_state = (ends_c + HOLDOUT_PRIOR * p0) / (ends_c + ends_n + HOLDOUT_PRIOR)
    p = np.clip(p_state[design.end_state], 1e-12, 1 - 1e-12)
    loss_c, loss_n = -np.log(p), -np.log1p(-p)
    mean = float((conv_h * loss_c + null_h * loss_n).sum() / n_h)
    sq = float((conv_h * loss_c ** 2 + null_h * loss_n ** 2).sum() / n_h)
    se = float(np.sqrt(max(sq - mean ** 2, 0.0) / n_h))
    return mean, se


def _path_weights(j: Journeys) -> tuple[np.ndarray, np.ndarray]:
    paths = j.paths
    return (paths["journeys"].to_numpy().astype(float), paths["conversions"].to_numpy().astype(float),
            paths["value"].to_numpy().astype(float))


def markov_credit(j: Journeys, order: int = 1, *, seed: int = 7, design: MarkovDesign | None = None
                  ) -> MarkovResult:
    """Credit by Markov removal effects of order ``order``.

    Parameters
    ----------
    j : Journeys
    order : int
        Number of past channels a state remembers (1 to 4; 1 to 3 are fitted by
        :func:`markov_order_fit`).
    seed : int
        Seed of the holdout split reported in ``fit``.
    design : MarkovDesign, optional
        A design of ``j`` already built for this order.

    Returns
    -------
    MarkovResult
    """
    design = design or MarkovDesign.of(j, order)
    n, conv, value = _path_weights(j)
    effects, c_conv, c_val, base = design.credit(n, conv, value)
    counts = design.counts(n, conv)
    fit = _fit_stats(design, counts)
    fit["holdout_log_loss"], fit["holdout_se"] = _holdout(design, n, conv, seed)
    fit["conversion_probability"] = base
    return MarkovResult(credit=credit_table(j.channels, c_conv, c_val),
                        removal_effects=pd.Series(effects, index=pd.Index(j.channels, name="channel"),
                                                  name="removal_effect"),
                        fit=fit, transitions=design.transition_table(counts))


def markov_order_fit(j: Journeys, orders: tuple[int, ...] = (1, 2, 3), *, seed: int = 7) -> pd.DataFrame:
    """Fit each Markov order and choose one by the one-standard-error rule on holdout log-loss.

    Parameters
    ----------
    j : Journeys
    orders : tuple of int
    seed : int
        Seed of the journey split (the same split for every order).

    Returns
    -------
    DataFrame
        One row per order: ``order``, ``states``, ``parameters``, ``log_likelihood``, ``aic``,
        ``bic``, ``holdout_log_loss``, ``chosen`` (bool, exactly one True). The standard errors
        of the holdout log-loss are in ``.attrs["holdout_se"]`` (dict order -> se) and the rule
        in ``.attrs["rule"]``.
    """
    if not orders:
        raise ValueError("orders must name at least one order, e.g. (1, 2, 3).")
    n, conv, _ = _path_weights(j)
    rows = []
    for k in orders:
        d = MarkovDesign.of(j, int(k))
        fit = _fit_stats(d, d.counts(n, conv))
        fit["holdout_log_loss"], fit["holdout_se"] = _holdout(d, n, conv, seed)
        rows.append(fit)
    df = pd.DataFrame(rows)
    loss = df["holdout_log_loss"].to_numpy()
    if np.isfinite(loss).any():
        best = int(np.nanargmin(loss))
        limit = loss[best] + df["holdout_se"].to_numpy()[best]
        ok = np.flatnonzero(np.isfinite(loss) & (loss <= limit))
        chosen = int(df["order"].to_numpy()[ok].min())
    else:  # no holdout possible (no conversions): fall back on BIC
        chosen = int(df["order"].to_numpy()[int(np.argmin(df["bic"].to_numpy()))])
    df["chosen"] = df["order"] == chosen
    se = dict(zip(df["order"].astype(int), df.pop("holdout_se"), strict=True))
    df.attrs.update(holdout_se=se, chosen=chosen,
                    rule="smallest order whose holdout log-loss is within one standard error of the best")
    return df
