"""What the models' credit means for decisions: counts, the shift from last touch, the assister in words.

Pure functions of the journeys and the credit table (:data:`workbench.attribution.tables.ATTRIBUTION_COLUMNS`);
sentences come back as ``{"en": ..., "zh": ..., **values}`` for the report to format.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.data.aliases import BLANK
from workbench.reporting import COMMON, count, pp, share
from workbench.reporting import Notes as Section

log = logging.getLogger(__name__)

COUNT_KEYS = ("journeys_in", "journeys", "conversions", "touches", "touches_in", "touches_after_conversion",
              "touches_outside_lookback", "touches_missing", "journeys_without_outcome", "journeys_without_touches",
              "conversions_without_touches", "converted_without_time")
"""The counts of :attr:`Journeys.counts` shown, in this order (each has a label)."""
EVIDENCE_COLUMNS = ["touched_journeys", "touched_conversion_rate", "untouched_journeys", "untouched_conversion_rate",
                    "touched_difference", "touched_difference_low", "touched_difference_high"]
"""Per channel: journeys it touched and did not, their conversion rates, and the difference with its
Newcombe interval, simultaneous 95 % over the channels (:func:`touch_evidence`)."""
SHIFT_COLUMNS = ["channel_id", "channel_name", "model", "last_touch_share", "model_share", "model_share_low",
                 "model_share_high", "shift", *EVIDENCE_COLUMNS, "role"]
ROLES = ("assister", "frequent_touch", "closer", "even")
"""``assister``: credited above last touch and journeys it touched convert better; ``frequent_touch``: credited
above last touch, but journeys it touched convert no better (the credit may reflect how often it appears);
``closer``: credited below last touch; ``even``: no clear difference (or no interval)."""


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


def touch_evidence(j, level: float = 0.95) -> pd.DataFrame:
    """Conversion of the journeys each channel touched against the journeys it did not touch.

    A channel that raises the chance of converting shows it here: the journeys it touched convert more
    often. A channel touched at random with no effect converts like the rest, however much credit a
    model gives it for being on many converting paths.

    The comparison is not stratified by path length on purpose: every touch of a channel lengthens its
    journey, so journeys of equal length with and without the channel differ in how many other touches
    they had; stratifying would compare unlike journeys (on the bundled sample it moves the channels
    touched at random with no effect, CH03-CH05, from about 0 to -1 to -4 pp).

    The intervals are simultaneous over the channels (Bonferroni: each at ``1 - (1 - level) / k`` for
    ``k`` channels), so that with ``level = 0.95`` the chance that any channel without an effect is
    called an assister stays below 5 %. Unadjusted 95 % intervals called two of the three channels
    touched at random (CH03, CH04) assisters on a smaller sample (``generate_sample(seed=3, scale=0.3)``,
    differences +5.5 pp with lower bounds +0.3 and +0.1 pp).

    Parameters
    ----------
    j : Journeys
        From :func:`workbench.attribution.build_journeys`; computed on its distinct paths.
    level : float
        Joint confidence level of the intervals over all channels.

    Returns
    -------
    DataFrame
        One row per channel of ``j.channels``: ``channel_id`` and :data:`EVIDENCE_COLUMNS`.
        ``touched_difference`` is touched minus untouched conversion rate, with a Newcombe (hybrid
        Wilson score) interval (``statsmodels.stats.proportion.confint_proportions_2indep``,
        ``method="newcomb"``) at the Bonferroni-adjusted level; empty (NaN) when either group has no journey.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    channels = list(j.channels)
    k = len(channels)
    paths, steps = j.paths, j.path_steps
    pairs = steps[["path", "code"]].drop_duplicates()  # a channel counts once per path, however often it appears
    path = pairs["path"].to_numpy()
    code = pairs["code"].to_numpy()
    n_j = np.bincount(code, weights=paths["journeys"].to_numpy()[path], minlength=k).astype(np.int64)
    n_c = np.bincount(code, weights=paths["conversions"].to_numpy()[path], minlength=k).astype(np.int64)
    tot_j, tot_c = int(paths["journeys"].sum()), int(paths["conversions"].sum())
    u_j, u_c = tot_j - n_j, tot_c - n_c
    out = pd.DataFrame({"channel_id": channels, "touched_journeys": n_j, "untouched_journeys": u_j})
    ok = (n_j > 0) & (u_j > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["touched_conversion_rate"] = np.where(n_j > 0, n_c / np.maximum(n_j, 1), np.nan)
        out["untouched_conversion_rate"] = np.where(u_j > 0, u_c / np.maximum(u_j, 1), np.nan)
    out["touched_difference"] = np.where(ok, out["touched_conversion_rate"] - out["untouched_conversion_rate"], np.nan)
    low = np.full(k, np.nan)
    high = np.full(k, np.nan)
    if ok.any():
        lo, hi = confint_proportions_2indep(n_c[ok], n_j[ok], u_c[ok], u_j[ok], method="newcomb", compare="diff",
                                            alpha=(1 - level) / k)
        low[ok], high[ok] = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    out["touched_difference_low"], out["touched_difference_high"] = low, high
    return out[["channel_id", *EVIDENCE_COLUMNS]]


def credit_shift(credit: pd.DataFrame, model: str, names: dict[str, str] | None = None,
                 evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each channel's share of conversions under ``model`` beside last touch, the evidence that it adds, and its role.

    ``role`` (:data:`ROLES`): when the model's 95 % interval lies above the last-touch share, ``assister`` if the
    journeys the channel touched converted better than the others (the simultaneous interval of
    ``touched_difference`` lies above 0) and ``frequent_touch`` otherwise (credited for being on converting paths, not for converting them:
    without ``evidence`` every such channel is ``frequent_touch``); ``closer`` when the interval lies below the
    last-touch share; ``even`` otherwise (or without an interval). Sorted by ``shift`` (model minus last touch),
    largest first.

    Parameters
    ----------
    credit : DataFrame
        :data:`~workbench.attribution.tables.ATTRIBUTION_COLUMNS`, with ``last_touch`` and ``model`` rows.
    model : str
        The data-driven model compared with last touch.
    names : dict, optional
        ``{channel_id: name}``.
    evidence : DataFrame, optional
        From :func:`touch_evidence`.
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
    ev = evidence.set_index("channel_id") if evidence is not None else pd.DataFrame(columns=EVIDENCE_COLUMNS)
    for c in EVIDENCE_COLUMNS:
        out[c] = out["channel_id"].map(ev[c]).astype(float) if len(ev) else np.nan
    for c in ("touched_journeys", "untouched_journeys"):
        out[c] = out[c].astype("Int64")
    low, high = out["model_share_low"], out["model_share_high"]
    above = low > out["last_touch_share"]
    adds = out["touched_difference_low"] > 0  # NaN (no comparison) is not evidence
    out["role"] = np.select([above & adds, above, high < out["last_touch_share"]],
                            ["assister", "frequent_touch", "closer"], default="even")
    return out.sort_values(["shift", "channel_id"], ascending=[False, True], kind="stable")[SHIFT_COLUMNS] \
        .reset_index(drop=True)


def largest_shift(shift: pd.DataFrame) -> pd.Series | None:
    """The channel whose data-driven share differs most from its last-touch share (``None`` if none)."""
    if shift is None or shift.empty or shift["shift"].abs().max() <= 0:
        return None
    return shift.loc[shift["shift"].abs().idxmax()]


def _evidence(r) -> dict:
    return {"touched": share(r.touched_conversion_rate), "untouched": share(r.untouched_conversion_rate),
            "n_touched": count(r.touched_journeys), "n_untouched": count(r.untouched_journeys),
            "diff": pp(r.touched_difference), "diff_low": pp(r.touched_difference_low),
            "diff_high": pp(r.touched_difference_high)}


def assister_sentences(shift: pd.DataFrame, model_label: tuple[str, str]) -> list[dict]:
    """One sentence per channel credited above its last-touch share, largest shift first: the assisters
    (with the evidence that journeys they touched converted better), then the ``frequent_touch`` channels
    (credited more, but the journeys they touched converted no better).

    ``model_label`` is the chosen model's name ``(english, chinese)``.
    """
    out = []
    credited = {
        "en": "{channel} is credited with {share} of conversions by the {model} model (95% interval {low} to {high}) "
              "but {lt} by last touch",
        "zh": "{channel} 在{model_zh}模型下获得 {share} 的转化（95% 区间 {low} 至 {high}），按末次触点只有 {lt}",
    }
    compared = {
        "en": "journeys it touched converted {touched} (n = {n_touched}) against {untouched} without it "
              "(n = {n_untouched}), a difference of {diff} (95% interval over all channels {diff_low} to {diff_high})",
        "zh": "它触达的路径转化率为 {touched}（n = {n_touched}），未触达的为 {untouched}（n = {n_untouched}），"
              "相差 {diff}（对全部渠道同时成立的 95% 区间 {diff_low} 至 {diff_high}）",
    }
    rows = [r for role in ("assister", "frequent_touch") for r in shift.loc[shift["role"] == role]
            .itertuples(index=False)]
    for r in rows:
        values = {
            "channel": f"{r.channel_id} {r.channel_name}" if r.channel_name != r.channel_id else r.channel_id,
            "model": model_label[0], "model_zh": model_label[1],
            "share": share(r.model_share), "low": share(r.model_share_low), "high": share(r.model_share_high),
            "lt": share(r.last_touch_share),
        }
        if r.role == "assister":
            out.append({"en": credited["en"] + ": it assists more than it closes, and " + compared["en"] + ".",
                        "zh": credited["zh"] + "：它的助攻多于成交；" + compared["zh"] + "。",
                        "role": r.role, **values, **_evidence(r)})
        elif pd.notna(r.touched_difference):
            out.append({"en": credited["en"] + "; yet " + compared["en"] + ": the credit may reflect how often it "
                              "appears on converting paths, not what it adds.",
                        "zh": credited["zh"] + "；但" + compared["zh"] + "：这份归因可能反映的是它出现得多，"
                              "而不是它带来的增量。",
                        "role": r.role, **values, **_evidence(r)})
        else:
            out.append({"en": credited["en"] + "; yet there are no journeys without it to compare with "
                              "({n_touched} journeys, all touched): the credit may reflect how often it appears, not "
                              "what it adds.",
                        "zh": credited["zh"] + "；但没有未触达它的路径可以比较（{n_touched} 条路径全部触达）："
                              "这份归因可能反映的是它出现得多，而不是它带来的增量。",
                        "role": r.role, **values, "n_touched": count(r.touched_journeys)})
    return out


def headline(j, shift: pd.DataFrame | None, model_label: tuple[str, str]) -> dict:
    """The report's headline: journeys and conversions, and the largest shift from last touch."""
    base = {"journeys": count(j.n_journeys), "conversions": count(j.conversions)}
    if shift is None:  # the models did not run
        return {"en": "{journeys} journeys, {conversions} conversions.", "zh": "{journeys} 条路径，{conversions} 次转化。",
                **base}
    top = largest_shift(shift)
    if top is None:
        return {"en": "{journeys} journeys, {conversions} conversions: the models agree with last touch.",
                "zh": "{journeys} 条路径，{conversions} 次转化：各模型与末次触点一致。", **base}
    name = f"{top.channel_id} {top.channel_name}" if top.channel_name != top.channel_id else top.channel_id
    name_zh = COMMON.t("blank", "zh") if top.channel_id == BLANK else name  # touches without a channel
    name = COMMON.t("blank", "en") if top.channel_id == BLANK else name
    return {"en": "{journeys} journeys, {conversions} conversions. Largest difference from last touch: {channel}, "
                  "{share} of conversions under the {model} model against {lt} by last touch.",
            "zh": "{journeys} 条路径，{conversions} 次转化。与末次触点差异最大的是 {channel_zh}：{model_zh}模型下占 {share}，"
                  "末次触点下占 {lt}。",
            **base, "channel": name, "channel_zh": name_zh, "share": share(top.model_share), "lt": share(top.last_touch_share),
            "model": model_label[0], "model_zh": model_label[1]}


# ----------------------------------------------------------------------------- the analysis behind the report


@dataclass
class AttributionResult(Section):
    """Journeys, paths, every model's credit with intervals, the Markov order fit and the shift from last touch.

    ``ok``: journeys exist (paths are shown); ``models_ok``: enough conversions to run the models.
    """

    journeys: object = None
    counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    lengths: pd.DataFrame = field(default_factory=pd.DataFrame)
    paths: pd.DataFrame = field(default_factory=pd.DataFrame)
    credit: pd.DataFrame = field(default_factory=pd.DataFrame)
    order_fit: pd.DataFrame = field(default_factory=pd.DataFrame)
    markov_order: int | None = None
    shift: pd.DataFrame = field(default_factory=pd.DataFrame)
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    sentences: list = field(default_factory=list)
    model: str = "markov"
    models_ok: bool = False


def _order_fit(j) -> tuple[pd.DataFrame, int | None]:
    """The Markov order fit table and the chosen order, whichever shape the model module returns."""
    from workbench.attribution import markov_order_fit

    res = markov_order_fit(j)
    chosen = None
    if isinstance(res, tuple):
        fit, chosen = res[0], res[1]
    else:
        fit = res
    fit = fit.reset_index(drop=True)
    if chosen is None and "chosen" in fit:
        rows = fit.loc[fit["chosen"].astype(bool), "order"]
        chosen = int(rows.iloc[0]) if len(rows) else None
    if chosen is not None:
        fit["chosen"] = fit["order"].astype(int) == int(chosen)
    return fit, (int(chosen) if chosen is not None else None)


def analyse(ad, params, names: dict[str, str] | None = None) -> AttributionResult:
    """Build the journeys and run the models of ``params.models`` side by side.

    Parameters
    ----------
    ad : AttributionData
        From :func:`workbench.attribution.prepare.prepare`.
    params : AttributionParams
        ``models``, ``chosen_model``, ``markov_order``, ``lookback_days``, ``half_life_days``, ``n_boot``,
        ``seed``, ``top_paths`` and ``min_conversions``.
    """
    import workbench.attribution as at

    out = AttributionResult(model=params.chosen_model)
    if not ad.ok:
        out.off("No journeys to attribute (see the note above).", "没有可归因的路径（见上方说明）。")
        return out
    names = names or {}
    j = at.build_journeys(ad.touches, ad.outcomes, lookback_days=params.lookback_days or None)
    out.journeys = j
    out.counts = journey_counts(j)
    if j.n_journeys == 0:
        out.off("No journey has a touch.", "没有任何路径包含触点。")
        return out
    out.lengths, out.paths = path_tables(j, params.top_paths, names)
    if j.conversions < params.min_conversions:
        out.note("Only {n} conversions (fewer than min_conversions = {k}): too few to tell channels apart; the models "
                 "are not run.", "只有 {n} 次转化（少于最低要求 {k}）：不足以区分各渠道的贡献，不运行归因模型。",
                 level="warning", n=count(j.conversions), k=count(params.min_conversions))
        return out
    models = list(params.models)
    order = params.markov_order
    if "markov" in models or params.chosen_model == "markov":
        out.order_fit, chosen = _order_fit(j)
        out.markov_order = int(order) if order != "auto" else chosen
    for m in ("last_touch", params.chosen_model):  # the comparison needs both
        if m not in models:
            models.append(m)
    out.credit = at.attribute(j, models=tuple(models), markov_order=out.markov_order or "auto", n_boot=params.n_boot,
                              seed=params.seed, half_life_days=params.half_life_days).reset_index(drop=True)
    out.models_ok = True
    out.evidence = touch_evidence(j)
    out.shift = credit_shift(out.credit, params.chosen_model, names, out.evidence)
    from workbench.attribution.labels import LABELS

    out.sentences = assister_sentences(out.shift, LABELS[params.chosen_model])
    if params.n_boot == 0:
        out.note("n_boot = 0: no intervals, so no channel can be called an assister or a closer.",
                 "n_boot = 0：没有区间，因此无法判定哪个渠道是助攻型或成交型。", level="warning")
    return out


@dataclass
class Decisions(Section):
    """ROI and CAC under last touch and the chosen model; the budget optimiser on attributed revenue."""

    economics: pd.DataFrame = field(default_factory=pd.DataFrame)
    budget: pd.DataFrame = field(default_factory=pd.DataFrame)
    budget_ok: bool = False


def decisions(ds, ad, res: AttributionResult, params) -> Decisions:
    """Attributed conversions and revenue per channel in the channel economics (and, if asked, the budget).

    Uses :func:`workbench.channels.economics.attributed_economics` over the months with a conversion,
    with the company's margin rate of those months, and
    :func:`workbench.channels.budget.attributed_plan` with the channel report's default parameters.
    """
    from workbench.channels import budget, economics

    out = Decisions()
    if not res.models_ok:
        out.off("No attribution to feed the channel economics.", "没有归因结果可用于渠道经济性分析。")
        return out
    if not ds.has("spend"):
        out.note("No spend table: CAC, ROAS and ROI cannot be computed; only attributed conversions and revenue are "
                 "shown.", "没有 spend 表：无法计算获客成本、ROAS 和 ROI，只显示归因的转化数与收入。")
    rate = economics.company_margin_rate(ds.tables, ad.window)
    if not np.isfinite(rate):
        out.note("No cost data for the orders of these months: ROI is not shown.",
                 "这些月份的订单没有成本数据：不显示 ROI。")
    out.economics = economics.attributed_economics(res.credit, ds.tables.get("spend"), ad.window,
                                                   models=("last_touch", params.chosen_model),
                                                   names=ad.channel_names, margin_rate=rate)
    if params.budget_on_attributed and ds.has("spend") and ad.window is not None:
        from workbench.channels.params import ChannelParams
        from workbench.channels.prepare import prepare_leads

        months = (ad.window[1] - ad.window[0]).n + 1
        shift = budget.attributed_value_shift(res.credit, params.chosen_model, months)
        cp = ChannelParams(data_dir=params.data_dir, as_of=params.as_of)
        as_of = ad.as_of.normalize() if ad.as_of is not None else pd.Timestamp.today().normalize()
        ld = prepare_leads(ds.tables, cp, as_of) if ds.has("leads") else None
        try:
            out.budget, notes = budget.attributed_plan(ds.tables, ld, cp, as_of, shift)
        except (ValueError, np.linalg.LinAlgError) as e:  # a response fit that cannot be made is a note, not a crash
            log.warning("attributed budget plan failed: %s", e)
            out.note("The budget optimiser could not be fitted on this data: {why}.", "预算优化模型无法在此数据上拟合。",
                     why=str(e))
            return out
        out.notes.extend(notes)
        out.budget_ok = not out.budget.empty
    return out
