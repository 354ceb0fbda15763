"""Journeys: touches ordered into one path per journey, ready for the attribution models.

:func:`build_journeys` turns the touch table and the journey outcomes into a :class:`Journeys`
object: touches after the conversion (and, when asked, older than a look-back window) are
dropped and counted, every journey gets its ordered channel path, and identical paths are
grouped once (``paths`` / ``path_steps``) so that the Markov, Shapley and bootstrap code work
on a few thousand distinct paths instead of a million journeys.

Grouping is exact and vectorised: the distinct paths are found position by position, as in a
trie, so the number of Python-level iterations is the length of the longest path, never the
number of journeys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from workbench.exceptions import DataError

__all__ = ["Journeys", "build_journeys", "path_summary", "unique_inverse"]

TOUCH_COLUMNS = ("journey_id", "ts", "channel_id")
OUTCOME_COLUMNS = ("journey_id", "converted", "converted_at", "value")
PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class Journeys:
    """Touch paths of journeys and their outcomes, as the attribution models read them.

    Attributes
    ----------
    touches : DataFrame
        One row per kept touch, ordered by journey then time: ``journey`` (int code, row of
        ``journeys``), ``pos`` (0 .. n-1 within the journey), ``channel`` (categorical of str ids; its
        categories are ``channels``), ``code``
        (int, index of the channel in ``channels``), ``days_before_end`` (float, days from the
        touch to the conversion, or to the journey's last touch when it did not convert).
    journeys : DataFrame
        One row per journey with at least one kept touch: ``journey``, ``journey_id``,
        ``n_touches``, ``converted`` (bool), ``value`` (float, 0 when not converted),
        ``path`` (int code of its distinct path, row of ``paths``).
    channels : list of str
        Sorted channel ids that appear in a kept touch.
    counts : dict
        What was read and what was dropped and why (``touches_in``, ``journeys_in``,
        ``touches_after_conversion``, ``touches_outside_lookback``, ``touches_missing``,
        ``journeys_without_outcome``, ``journeys_without_touches``,
        ``conversions_without_touches``, ``converted_without_time``,
        ``conversions_without_value`` (value taken as 0), ``journeys``,
        ``conversions``, ``touches``).
    lookback_days : float or None
        The look-back window applied, if any.
    cache : dict
        Model designs built from these journeys (reused by the order fit, the credit and the
        bootstrap).
    """

    touches: pd.DataFrame
    journeys: pd.DataFrame
    channels: list[str]
    counts: dict = field(default_factory=dict)
    lookback_days: float | None = None
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_journeys(self) -> int:
        """Number of journeys with at least one touch."""
        return len(self.journeys)

    @property
    def conversions(self) -> int:
        """Number of converted journeys (with at least one touch)."""
        return int(self.journeys["converted"].sum())

    @property
    def value(self) -> float:
        """Total conversion value of the journeys (with at least one touch)."""
        return float(self.journeys["value"].sum())

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Distinct paths: ``path`` (int), ``n_touches``, ``journeys``, ``conversions``, ``value``.

        ``value`` is the summed conversion value of the path's journeys.
        """
        jr = self.journeys
        n_paths = int(jr["path"].max()) + 1 if len(jr) else 0
        path = jr["path"].to_numpy()
        conv = jr["converted"].to_numpy()
        out = pd.DataFrame({
            "path": np.arange(n_paths),
            "journeys": np.bincount(path, minlength=n_paths).astype(np.int64),
            "conversions": np.bincount(path, weights=conv, minlength=n_paths).astype(np.int64),
            "value": np.bincount(path, weights=jr["value"].to_numpy(), minlength=n_paths),
        })
        n_touches = np.zeros(n_paths, dtype=np.int64)
        n_touches[path] = jr["n_touches"].to_numpy()     # equal within a path
        out.insert(1, "n_touches", n_touches)
        return out

    @cached_property
    def path_steps(self) -> pd.DataFrame:
        """The channels of each distinct path: ``path``, ``pos``, ``code`` (ordered)."""
        jr = self.journeys
        rep = np.full(len(self.paths), -1, dtype=np.int64)
        rep[jr["path"].to_numpy()[::-1]] = jr["journey"].to_numpy()[::-1]
        mask = np.zeros(len(jr), dtype=bool)
        mask[rep] = True
        t = self.touches
        keep = mask[t["journey"].to_numpy()]
        path = jr["path"].to_numpy()[t["journey"].to_numpy()[keep]]
        # touches are ordered by journey then position: a stable sort by path keeps positions in order
        order = np.argsort(path, kind="stable")
        return pd.DataFrame({"path": path[order], "pos": t["pos"].to_numpy()[keep][order],
                             "code": t["code"].to_numpy()[keep][order]})

    def path_labels(self, paths: np.ndarray | None = None) -> pd.Series:
        """Distinct paths as text, ``"A > B > C"``, indexed by path code.

        Parameters
        ----------
        paths : array of int, optional
            Only these path codes (all when omitted).
        """
        steps = self.path_steps
        if paths is not None:
            steps = steps[np.isin(steps["path"].to_numpy(), np.asarray(paths))]
        names = np.asarray(self.channels, dtype=object)[steps["code"].to_numpy()]
        return pd.Series(names).groupby(steps["path"].to_numpy(), sort=True).agg(PATH_SEPARATOR.join)


def unique_inverse(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique values of an integer array and the index of each element among them.

    Sort-based: numpy 2's default hash-based ``np.unique`` is many times slower on large
    arrays of many distinct integers.
    """
    a = np.asarray(a)
    order = np.argsort(a)
    s = a[order]
    first = np.r_[True, s[1:] != s[:-1]] if len(s) else np.zeros(0, dtype=bool)
    inverse = np.empty(len(a), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return s[first], inverse


def _require(df: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{what}: expected a DataFrame, got {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{what}: missing column(s) {missing}; expected {list(columns)}, "
                        f"found {list(df.columns)}.")


def _as_datetime(s: pd.Series, what: str) -> pd.Series:
    try:
        out = pd.to_datetime(s)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{what}: expected date-times; {exc}") from exc
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out.astype("datetime64[ns]")


def _text(s: pd.Series) -> pd.Series:
    """Ids as text (already-text columns are not copied)."""
    return s if isinstance(s.dtype, pd.StringDtype) else s.astype("str")


def _rows(mask: np.ndarray, ids: pd.Series, limit: int = 5) -> str:
    bad = ids[mask].astype(str).tolist()
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return ", ".join(repr(b) for b in bad[:limit]) + more


def _outcomes(outcomes: pd.DataFrame) -> pd.DataFrame:
    _require(outcomes, OUTCOME_COLUMNS, "outcomes")
    out = pd.DataFrame({"journey_id": _text(outcomes["journey_id"]).str.strip().to_numpy()})
    ids = out["journey_id"]
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataError(f"outcomes: column 'journey_id' must be unique; repeated: {_rows(dup, ids)}.")
    conv = outcomes["converted"]
    if conv.isna().any():
        raise DataError(f"outcomes: column 'converted' is blank for journey(s) "
                        f"{_rows(conv.isna().to_numpy(), ids)}; expected true or false.")
    if conv.dtype != bool:
        ok = conv.isin([True, False, 0, 1])
        if not ok.all():
            raise DataError(f"outcomes: column 'converted' must be true/false (or 1/0); journey(s) "
                            f"{_rows(~ok.to_numpy(), ids)} have {conv[~ok].head(3).tolist()}.")
    out["converted"] = conv.astype(bool).to_numpy()
    out["converted_at"] = _as_datetime(outcomes["converted_at"], "outcomes: column 'converted_at'").to_numpy()
    raw = outcomes["value"]
    blank = raw.isna().to_numpy().copy()
    if not pd.api.types.is_numeric_dtype(raw):
        blank |= raw.astype("str").str.strip().eq("").to_numpy()
    value = pd.to_numeric(raw.where(~blank), errors="coerce").astype(float).to_numpy()
    bad = ~blank & ~np.isfinite(value)
    bad |= np.isfinite(value) & (value < 0)
    if bad.any():
        raise DataError(f"outcomes: column 'value' must be blank or a number >= 0; journey(s) "
                        f"{_rows(bad, ids)} have {raw[bad].head(3).tolist()}.")
    converted = out["converted"].to_numpy()
    # a conversion without a value (a won lead with no amount) still counts, with value 0
    out.attrs["conversions_without_value"] = int((converted & blank).sum())
    out["value"] = np.where(converted & ~blank, value, 0.0)
    return out


def build_journeys(touches: pd.DataFrame, outcomes: pd.DataFrame, *,
                   lookback_days: float | None = None) -> Journeys:
    """Order touches into journeys, drop touches that cannot have contributed, group paths.

    Parameters
    ----------
    touches : DataFrame
        One row per touch: ``journey_id`` (str), ``ts`` (date-time), ``channel_id`` (str).
        Rows with a blank time or channel are dropped and counted (``touches_missing``).
    outcomes : DataFrame
        One row per journey: ``journey_id``, ``converted`` (bool), ``converted_at``
        (date-time, NaT when not converted or unknown), ``value`` (float >= 0; forced to 0 for
        journeys that did not convert; a blank value of a conversion counts as 0 and is counted
        in ``conversions_without_value``). Journeys with touches but no outcome row count as not
        converted (``journeys_without_outcome``).
    lookback_days : float, optional
        Drop touches more than this many days before the conversion (or, for journeys that
        did not convert, before the journey's last touch).

    Returns
    -------
    Journeys
        Kept touches, one row per journey with at least one touch, sorted channel list and
        the counts of what was dropped.

    Raises
    ------
    DataError
        A required column is missing, journey ids repeat in ``outcomes``, ``converted`` is not
        true/false, a date-time cannot be read, or a value is not a number, infinite or negative.
    """
    _require(touches, TOUCH_COLUMNS, "touches")
    if lookback_days is not None and not (np.isfinite(lookback_days) and lookback_days > 0):
        raise DataError(f"lookback_days must be a positive number of days or None, got {lookback_days!r}.")
    oc = _outcomes(outcomes)
    t = pd.DataFrame({
        "journey_id": _text(touches["journey_id"]).str.strip(),
        "ts": _as_datetime(touches["ts"], "touches: column 'ts'"),
        "channel": _text(touches["channel_id"]).str.strip(),
    })
    counts: dict[str, int] = {"touches_in": len(t)}
    missing = t["journey_id"].isna() | (t["journey_id"] == "") | t["ts"].isna()
    missing |= t["channel"].isna() | (t["channel"] == "")
    counts["touches_missing"] = int(missing.sum())
    t = t.loc[~missing.to_numpy()]

    # Every journey named in the outcomes or the touches, coded once (hash-based, no string sorts).
    codes, all_ids = pd.factorize(pd.concat([oc["journey_id"], t["journey_id"]], ignore_index=True))
    all_ids = pd.Index(all_ids)
    n_oc = len(oc)
    jcode = codes[n_oc:].astype(np.int64)
    counts["journeys_in"] = len(all_ids)
    counts["journeys_without_outcome"] = len(all_ids) - n_oc
    converted = np.zeros(len(all_ids), dtype=bool)
    converted[:n_oc] = oc["converted"].to_numpy()
    conv_at = np.full(len(all_ids), np.datetime64("NaT"), dtype="datetime64[ns]")
    conv_at[:n_oc] = oc["converted_at"].to_numpy()
    values = np.zeros(len(all_ids))
    values[:n_oc] = oc["value"].to_numpy()
    counts["converted_without_time"] = int((converted & np.isnat(conv_at)).sum())
    counts["conversions_without_value"] = oc.attrs.get("conversions_without_value", 0)

    ts = t["ts"].to_numpy()
    cut = conv_at[jcode]
    after = converted[jcode] & ~np.isnat(cut) & (ts > cut)
    counts["touches_after_conversion"] = int(after.sum())
    keep = ~after
    ccode, channels = pd.factorize(t["channel"])
    channels = [str(c) for c in channels]
    rank = np.argsort(np.argsort(np.asarray(channels, dtype=object)))
    channels = sorted(channels)
    jcode, ts, chan = jcode[keep], ts[keep], rank[ccode[keep]].astype(np.int64)

    # Order by journey then time; ties keep the input order. Exports are usually sorted already.
    tsi = ts.view(np.int64)
    if len(jcode) > 1 and not _is_sorted(jcode, tsi):
        rank = np.empty(len(tsi), dtype=np.int64)
        rank[np.argsort(tsi, kind="stable")] = np.arange(len(tsi))
        order = np.argsort(jcode * len(tsi) + rank, kind="stable")
        jcode, ts, chan = jcode[order], ts[order], chan[order]

    # End of each journey: its conversion time, or its last kept touch.
    end = np.full(len(all_ids), np.datetime64("NaT"), dtype="datetime64[ns]")
    end[jcode] = ts    # sorted: the last write per journey is its last touch
    has_time = converted & ~np.isnat(conv_at)
    end[has_time] = conv_at[has_time]
    days = (end[jcode] - ts) / np.timedelta64(1, "D")
    if lookback_days is not None:
        old = days > lookback_days
        counts["touches_outside_lookback"] = int(old.sum())
        jcode, chan, days = jcode[~old], chan[~old], days[~old]
    else:
        counts["touches_outside_lookback"] = 0

    per_id = np.bincount(jcode, minlength=len(all_ids))
    present = np.flatnonzero(per_id)
    counts["journeys_without_touches"] = len(all_ids) - len(present)
    counts["conversions_without_touches"] = int((converted & (per_id == 0)).sum())

    # Renumber journeys 0..J-1 in order of first appearance (outcomes first, then touches).
    renumber = np.full(len(all_ids), -1, dtype=np.int64)
    renumber[present] = np.arange(len(present))
    journey = renumber[jcode]
    n_touches = per_id[present]
    starts = np.concatenate([[0], np.cumsum(n_touches)[:-1]])
    pos = np.arange(len(journey)) - starts[journey]
    # Channels that lost all their touches are not listed.
    used = np.flatnonzero(np.bincount(chan, minlength=len(channels)))
    channels = [channels[i] for i in used]
    recode = np.zeros(len(rank), dtype=np.int64)
    recode[used] = np.arange(len(used))
    code = recode[chan]

    jr = pd.DataFrame({
        "journey": np.arange(len(present)),
        "journey_id": all_ids[present],
        "n_touches": n_touches.astype(np.int64),
        "converted": converted[present],
        "value": values[present].astype(float),
    })
    jr["path"] = _path_codes(journey, pos, code.astype(np.int64), n_touches, len(channels))
    tt = pd.DataFrame({"journey": journey.astype(np.int64), "pos": pos.astype(np.int64),
                       "channel": pd.Categorical.from_codes(code, categories=pd.Index(channels, dtype="str")),
                       "code": code.astype(np.int64), "days_before_end": days.astype(float)})
    counts.update(journeys=len(jr), conversions=int(jr["converted"].sum()), touches=len(tt))
    return Journeys(touches=tt, journeys=jr, channels=channels, counts=counts, lookback_days=lookback_days)


def _path_codes(journey: np.ndarray, pos: np.ndarray, code: np.ndarray, n_touches: np.ndarray,
                n_channels: int) -> np.ndarray:
    """Code each journey's channel sequence so equal sequences share one code (0..P-1).

    Works level by level like a trie: the prefix of length p+1 is the pair (prefix of
    length p, channel at p), renumbered densely, so integers never overflow.
    """
    n_j = len(n_touches)
    if n_j == 0:
        return np.zeros(0, dtype=np.int64)
    prefix = np.zeros(n_j, dtype=np.int64)
    # small integers sort by radix in numpy: positions fit in 16 bits for any real journey
    by_pos = np.argsort(pos.astype(np.int16) if pos.max() < 2 ** 15 else pos, kind="stable")
    bounds = np.searchsorted(pos[by_pos], np.arange(int(pos.max()) + 2))
    for p in range(int(pos.max()) + 1):
        idx = by_pos[bounds[p]:bounds[p + 1]]
        j = journey[idx]
        key = prefix[j] * (n_channels + 1) + code[idx] + 1
        prefix[j] = unique_inverse(key)[1]
    # Prefixes of different lengths are numbered separately: the length completes the key.
    key = prefix * (int(n_touches.max()) + 1) + n_touches
    return unique_inverse(key)[1]


def path_summary(j: Journeys, top: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Path-length distribution and the most frequent paths.

    Parameters
    ----------
    j : Journeys
    top : int
        Number of paths kept, by journeys then conversions (descending).

    Returns
    -------
    length_distribution : DataFrame
        ``n_touches``, ``journeys``, ``conversions``, ``conversion_rate`` (share of journeys
        of that length that converted).
    top_paths : DataFrame
        ``path`` (channels joined with ``" > "``), ``journeys``, ``conversions``,
        ``conversion_rate``, ``value``.
    """
    jr = j.journeys
    lengths = (jr.groupby("n_touches", sort=True)
               .agg(journeys=("journey", "size"), conversions=("converted", "sum"))
               .reset_index())
    lengths["conversions"] = lengths["conversions"].astype(np.int64)
    lengths["conversion_rate"] = lengths["conversions"] / lengths["journeys"]
    p = j.paths.sort_values(["journeys", "conversions", "path"], ascending=[False, False, True]).head(top)
    labels = j.path_labels(p["path"].to_numpy())
    tops = pd.DataFrame({
        "path": labels.reindex(p["path"].to_numpy()).to_numpy(),
        "journeys": p["journeys"].to_numpy(),
        "conversions": p["conversions"].to_numpy(),
        "conversion_rate": (p["conversions"] / p["journeys"]).to_numpy(),
        "value": p["value"].to_numpy(),
    })
    return lengths, tops


def _is_sorted(jcode: np.ndarray, ts: np.ndarray) -> bool:
    dj = np.diff(jcode)
    return bool(((dj > 0) | ((dj == 0) & (np.diff(ts) >= 0))).all())
