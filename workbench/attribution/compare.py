"""What the models' credit means for decisions: counts, the shift from last touch, the assister in words.

Pure functions of the journeys and the credit table (:data:`workbench.attribution.tables.ATTRIBUTION_COLUMNS`);
sentences come back as ``{"en": ..., "zh": ..., **values}`` for the report to format.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.reporting import count, share

COUNT_KEYS = ("journeys_in", "journeys", "conversions", "touches", "touches_in", "touches_after_conversion",
              "touches_outside_lookback", "touches_missing", "journeys_without_outcome", "journeys_without_touches",
              "conversions_without_touches", "converted_without_time")
"""The counts of :attr:`Journeys.counts` shown, in this order (each has a label)."""
SHIFT_COLUMNS = ["channel_id", "channel_name", "model", "last_touch_share", "model_share", "model_share_low",
                 "model_share_high", "shift", "role"]


def journey_counts(j) -> pd.DataFrame:
    """``measure, count``: journeys and touches read, kept and left out (and why)."""
    rows = [(k, int(j.counts[k])) for k in COUNT_KEYS if k in j.counts]
    return pd.DataFrame(rows, columns=["measure", "count"])


def path_tables(j, top: int = 20, names: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The path-length distribution and the ``top`` paths (result columns of ``path_lengths`` and
    ``attribution_paths``); paths are written with channel ids (``CH08 > CH01``)."""
    from workbench.attribution import path_summary

    lengths, paths = path_summary(j, top=top)
    return (lengths[["n_touches", "journeys", "conversions", "conversion_rate"]].reset_index(drop=True),
            paths[["path", "journeys", "conversions", "conversion_rate", "value"]].reset_index(drop=True))


def credit_shift(credit: pd.DataFrame, model: str, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Each channel's share of conversions under ``model`` beside last touch, and its role.

    ``role`` is ``assister`` when the model's 95 % interval lies above the last-touch share (the
    channel assists more than it closes), ``closer`` when it lies below, ``even`` otherwise (or
    without an interval). Sorted by ``shift`` (model minus last touch), largest first.
    """
    names = names or {}
    lt = credit.loc[credit["model"] == "last_touch"].set_index("channel_id")["share"]
    md = credit.loc[credit["model"] == model].set_index("channel_id")
    ids = sorted(set(lt.index) | set(md.index))
    out = pd.DataFrame({"channel_id": ids})
    out["channel_name"] = out["channel_id"].map(lambda c: names.get(c, c))
    out["model"] = model
    out["last_touch_share"] = out["channel_id"].map(lt).fillna(0.0).astype(float)
    for src, dst in (("share", "model_share"), ("share_low", "model_share_low"), ("share_high", "model_share_high")):
        out[dst] = out["channel_id"].map(md[src]).astype(float) if src in md else np.nan
    out["model_share"] = out["model_share"].fillna(0.0)
    out["shift"] = out["model_share"] - out["last_touch_share"]
    low, high = out["model_share_low"], out["model_share_high"]
    out["role"] = np.select([low > out["last_touch_share"], high < out["last_touch_share"]], ["assister", "closer"],
                            default="even")
    return out.sort_values(["shift", "channel_id"], ascending=[False, True], kind="stable")[SHIFT_COLUMNS] \
        .reset_index(drop=True)


def largest_shift(shift: pd.DataFrame) -> pd.Series | None:
    """The channel whose data-driven share differs most from its last-touch share (``None`` if none)."""
    if shift is None or shift.empty or shift["shift"].abs().max() <= 0:
        return None
    return shift.loc[shift["shift"].abs().idxmax()]


def assister_sentences(shift: pd.DataFrame, model_label: tuple[str, str]) -> list[dict]:
    """One sentence per channel that assists more than it closes (role ``assister``), largest shift first.

    ``model_label`` is the chosen model's name ``(english, chinese)``.
    """
    out = []
    for r in shift.loc[shift["role"] == "assister"].itertuples(index=False):
        out.append({
            "en": "{channel} is credited with {share} of conversions by the {model} model (95% interval {low} to "
                  "{high}) but {lt} by last touch: it assists more than it closes.",
            "zh": "{channel} 在{model_zh}模型下获得 {share} 的转化（95% 区间 {low} 至 {high}），按末次触点只有 {lt}："
                  "它的助攻多于成交。",
            "channel": f"{r.channel_id} {r.channel_name}" if r.channel_name != r.channel_id else r.channel_id,
            "model": model_label[0].lower(), "model_zh": model_label[1],
            "share": share(r.model_share), "low": share(r.model_share_low), "high": share(r.model_share_high),
            "lt": share(r.last_touch_share),
        })
    return out


def headline(j, shift: pd.DataFrame | None, model_label: tuple[str, str]) -> dict:
    """The report's headline: journeys and conversions, and the largest shift from last touch."""
    base = {"journeys": count(j.n_journeys), "conversions": count(j.conversions)}
    top = largest_shift(shift) if shift is not None else None
    if top is None:
        return {"en": "{journeys} journeys, {conversions} conversions: the models agree with last touch.",
                "zh": "{journeys} 条路径，{conversions} 次转化：各模型与末次触点一致。", **base}
    name = f"{top.channel_id} {top.channel_name}" if top.channel_name != top.channel_id else top.channel_id
    return {"en": "{journeys} journeys, {conversions} conversions. Largest difference from last touch: {channel}, "
                  "{share} of conversions under the {model} model against {lt} by last touch.",
            "zh": "{journeys} 条路径，{conversions} 次转化。与末次触点差异最大的是 {channel}：{model_zh}模型下占 {share}，"
                  "末次触点下占 {lt}。",
            **base, "channel": name, "share": share(top.model_share), "lt": share(top.last_touch_share),
            "model": model_label[0].lower(), "model_zh": model_label[1]}
