"""What the channel attribution notebook shows: tables and sentences, through the report.

Views take the report first and only render. Result tables are saved as computed (channel ids, model
codes); the shown copy names channels and models in the reader's language. Shares are shown as %,
counts as integers, money with its unit; every credit carries its 95 % bootstrap interval.
"""

from __future__ import annotations

import pandas as pd

from workbench.attribution.tables import TABLES
from workbench.data.aliases import BLANK
from workbench.reporting import Markup

SHARE = {c: "share" for c in ("share", "share_low", "share_high", "conversion_rate", "last_touch_share",
                              "model_share", "model_share_low", "model_share_high", "margin_rate",
                              "touched_conversion_rate", "untouched_conversion_rate")}
COUNTS = {c: "count" for c in ("count", "journeys", "conversions", "n_touches", "states", "parameters", "order",
                               "touched_journeys", "untouched_journeys")}
MONEY = {c: "money" for c in ("value", "value_low", "value_high", "spend", "cac", "cac_low", "cac_high",
                              "current_spend", "recommended_spend_last_touch", "recommended_spend_attributed",
                              "change_attributed")}
NUM = {c: "num2" for c in ("conversions_low", "conversions_high", "roas", "roas_low", "roas_high", "value_factor",
                           "log_likelihood", "aic", "bic", "holdout_log_loss")}
FORMATS = {**NUM, **SHARE, **COUNTS, **MONEY, "conversions": "num", "shift": "pp", "chosen": "bool",
           "touched_difference": "pp", "touched_difference_low": "pp", "touched_difference_high": "pp",
           "roi": "share", "roi_low": "share", "roi_high": "share"}
PATH_FORMATS = {**FORMATS, "conversions": "count"}
"""Paths count whole journeys and conversions (models credit fractions of them)."""
BUDGET_FORMATS = {**FORMATS, **{c: "money_month" for c in ("current_spend", "recommended_spend_last_touch",
                                                           "recommended_spend_attributed", "change_attributed")}}
HEADERS = {"conversion_rate": "journey_conversion_rate", "value": "attributed_revenue", "value_low": "revenue_low",
           "value_high": "revenue_high", "share": "credit_share"}


def declared(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """``df`` with exactly the declared columns of result table ``name`` (a column the computation did not
    produce is left empty)."""
    return df.reindex(columns=list(TABLES[name]))


def _name(names: dict[str, str], rpt=None):
    """``id name`` of a channel; the bucket of touches without a channel in the reader's language."""
    def label(c):
        if c == BLANK and rpt is not None:
            return rpt.t("blank")
        return f"{c} {names[c]}" if names.get(c, c) != c else c
    return label


def _blank_shown(rpt, df: pd.DataFrame, columns=("channel_id", "channel_name")) -> pd.DataFrame:
    """The shown copy of ``df`` with the ``(blank)`` channel named in the reader's language."""
    out = df.copy()
    for c in columns:
        if c in out:
            out[c] = out[c].map(lambda v: rpt.t("blank") if v == BLANK else v)
    return out


def journey_counts(rpt, counts: pd.DataFrame):
    """Journeys and touches read, kept and left out (saved as ``journey_counts``)."""
    return rpt.table(counts, "journey_counts", formats=FORMATS, values=["measure"], max_rows=50)


def path_lengths(rpt, lengths: pd.DataFrame):
    """Journeys, conversions and conversion by path length (saved as ``path_lengths``)."""
    return rpt.table(lengths, "path_lengths", formats=PATH_FORMATS, headers=HEADERS, max_rows=30)


def top_paths(rpt, paths: pd.DataFrame, names: dict[str, str]):
    """The most frequent distinct paths (saved as ``attribution_paths``); shown with channel names."""
    blank = rpt.t("blank")
    shown = paths.assign(path=paths["path"].map(
        lambda p: " > ".join(blank if c == BLANK else names.get(c, c) for c in str(p).split(" > "))))
    return rpt.table(paths, "attribution_paths", shown=shown, formats=PATH_FORMATS,
                     headers={**HEADERS, "value": "revenue"}, max_rows=20)


def credit_table(rpt, credit: pd.DataFrame, names: dict[str, str]):
    """Every channel under every model with its 95 % interval (saved as ``channel_attribution``)."""
    shown = credit.assign(channel_id=credit["channel_id"].map(_name(names, rpt)))
    return rpt.table(declared(credit, "channel_attribution"), "channel_attribution", shown=shown, formats=FORMATS,
                     headers=HEADERS, values=["model"], max_rows=100)


def order_fit(rpt, fit: pd.DataFrame):
    """The fit of Markov chains of order 1 to 3 and the order chosen (saved as ``markov_order_fit``)."""
    return rpt.table(declared(fit, "markov_order_fit"), "markov_order_fit", formats=FORMATS)


def shift_table(rpt, shift: pd.DataFrame):
    """Each channel's data-driven share beside its last-touch share, the conversion of the journeys it touched
    against those it did not (with the 95 % interval of the difference), and its role (saved as
    ``attribution_shift``)."""
    return rpt.table(declared(shift, "attribution_shift"), "attribution_shift", shown=_blank_shown(rpt, shift),
                     formats=FORMATS, values=["model", "role"],
                     columns=["channel_id", "channel_name", "last_touch_share", "model_share", "model_share_low",
                              "model_share_high", "shift", "touched_journeys", "touched_conversion_rate",
                              "untouched_conversion_rate", "touched_difference", "touched_difference_low",
                              "touched_difference_high", "role"])


def assisters(rpt, sentences: list[dict]):
    """The channels that assist more than they close, in words."""
    if not sentences:
        return rpt.say("No channel's data-driven share lies clearly (beyond its 95% interval) above its last-touch "
                       "share: last touch does not under-credit any channel here.",
                       "没有哪个渠道的数据驱动占比明显（超出 95% 区间）高于其末次触点占比：此处末次触点没有低估任何渠道。")
    shown = []
    for s in sentences:
        values = {k: v for k, v in s.items() if k != "role"}
        if values.get("channel") == BLANK:
            values["channel"] = rpt.t("blank")
        shown.append(rpt.say(**values).markup)
    return Markup("".join(shown))  # one output: each paragraph built and discarded would never be shown


def economics(rpt, econ: pd.DataFrame):
    """ROI and CAC per channel under last touch and the chosen model (saved as ``attributed_economics``)."""
    return rpt.table(econ, "attributed_economics", shown=_blank_shown(rpt, econ), formats=FORMATS, headers=HEADERS,
                     values=["model"],
                     columns=["channel_id", "channel_name", "model", "conversions", "conversions_low",
                              "conversions_high", "value", "spend", "cac", "cac_low", "cac_high", "roas", "roi",
                              "roi_low", "roi_high"], max_rows=60)


def budget(rpt, plan: pd.DataFrame):
    """The budget optimiser's recommendation on last-touch and on attributed revenue (``attributed_budget``)."""
    return rpt.table(plan, "attributed_budget", formats=BUDGET_FORMATS, max_rows=30)
