"""What the market feedback notebook shows: tables, through the report.

Views take the report first and only render. Words come from
:data:`workbench.feedback.labels.LABELS` (the report's catalogue) and the ``localise`` copies of
each module (dimensions, NPS groups, languages, theme and factor names in the reader's language);
numbers are formatted by the report's one formatter: shares as %, differences of shares in
percentage points, counts as integers, p-values as ``< 0.001``. A group with fewer responses than
``min_responses`` has no estimate in the result table; its row says "too few responses". Result
tables are saved as computed; only the shown copy is localised or cut.
"""

from __future__ import annotations

from workbench.feedback import comments, drivers, nps

FORMATS = {
    **dict.fromkeys(["n", "promoters", "passives", "detractors", "satisfied", "n_from", "n_to", "mentions",
                     "n_detractors", "n_promoters", "responses", "count", "priority", "n_level"], "count"),
    **dict.fromkeys(["promoter_share", "detractor_share", "satisfied_share", "sat_ci_low", "sat_ci_high", "share",
                     "share_all", "share_detractors", "share_promoters"], "share"),
    **dict.fromkeys(["diff", "diff_low", "diff_high"], "pp"),
    **dict.fromkeys(["p_value", "p_adjusted"], "p"),
    "significant": "bool", "contactable": "bool", "date": "date",
}
NPS_FORMATS = {**FORMATS, "nps": "num", "ci_low": "num", "ci_high": "num", "mean_score_0_10": "num2"}
CSAT_FORMATS = {**FORMATS, "mean_csat": "num2", "ci_low": "num2", "ci_high": "num2"}
CHANGE_FORMATS = {**FORMATS, **dict.fromkeys(["value_from", "value_to", "change", "ci_low", "ci_high"], "num2")}
SCORE_FORMATS = {**FORMATS, "nps": "count", "csat": "count"}
CHANGE_HEADERS = {"n_from": "responses_from", "n_to": "responses_to", "metric": "score_metric"}
TABLES: dict[str, list[str]] = {
    "nps": nps.NPS_COLUMNS, "csat": nps.CSAT_COLUMNS, "period_changes": nps.CHANGE_COLUMNS,
    "drivers": drivers.DRIVER_COLUMNS, "comment_themes": comments.THEME_COLUMNS,
    "verbatims": comments.VERBATIM_COLUMNS, "unthemed_terms": ["term", "lang", "count"],
    "follow_ups": comments.FOLLOW_COLUMNS,
}

OPTIONAL = frozenset({"unthemed_terms"})
"""Tables written only when the data calls for them."""
"""The result tables these views save, with their columns (for the notebook's declaration)."""


def nps_table(rpt, scores, params):
    """NPS of every dimension and group (saved as ``nps``)."""
    if not scores.nps_ok:
        return None
    return rpt.table(scores.nps, "nps", shown=nps.localise(scores.nps, rpt.lang, params.min_responses),
                     columns=nps.NPS_SHOWN, formats=NPS_FORMATS, max_rows=100)


def csat_table(rpt, scores, params):
    """Mean CSAT and the satisfied share of every dimension and group (saved as ``csat``)."""
    if not scores.csat_ok:
        return None
    return rpt.table(scores.csat, "csat", shown=nps.localise(scores.csat, rpt.lang, params.min_responses),
                     columns=nps.CSAT_SHOWN, formats=CSAT_FORMATS, max_rows=100)


def period_changes(rpt, scores, params):
    """Tested changes between periods (saved as ``period_changes``)."""
    if not (scores.ok and len(scores.changes)):
        return None
    return rpt.table(scores.changes, "period_changes",
                     shown=nps.localise(scores.changes, rpt.lang, params.min_responses), columns=nps.CHANGE_SHOWN,
                     formats=CHANGE_FORMATS, headers=CHANGE_HEADERS, max_rows=100)


def clear_drivers(rpt, dr, cm):
    """The clear effects in plain words; every estimate saved as ``drivers``."""
    if not dr.ok:
        return None
    shown = drivers.localise(drivers.clear_effects(dr.table), rpt.lang, cm.labels)
    return rpt.table(dr.table, "drivers", shown=shown, columns=drivers.SHOWN, formats=FORMATS,
                     empty=("No clear effect.", "没有明确的影响。"))


def languages(rpt, cm):
    """How many comments are in Chinese, English, another language or empty."""
    if not len(cm.languages):
        return None
    return rpt.table(cm.languages, shown=comments.localise(cm.languages, rpt.lang), formats=FORMATS)


def themes(rpt, cm):
    """Theme shares among detractors and promoters and their difference (saved as ``comment_themes``)."""
    if not cm.ok:
        return None
    return rpt.table(cm.themes, "comment_themes", shown=comments.localise(cm.themes, rpt.lang),
                     columns=comments.THEME_SHOWN, formats=FORMATS)


def verbatims(rpt, cm):
    """Example comments per theme (saved as ``verbatims``)."""
    if not cm.ok:
        return None
    return rpt.table(cm.verbatims, "verbatims", shown=comments.localise(cm.verbatims, rpt.lang, cm.labels),
                     columns=["label", "nps_group", "date", "channel", "nps", "comment"], formats=SCORE_FORMATS,
                     max_rows=100)


def unthemed_terms(rpt, cm):
    """The most frequent words of comments that mention no theme (saved as ``unthemed_terms``)."""
    if not (cm.ok and len(cm.unthemed_terms)):
        return None
    return rpt.table(cm.unthemed_terms, "unthemed_terms", shown=comments.localise(cm.unthemed_terms, rpt.lang),
                     formats=FORMATS, headers={"term": "unthemed_word"})


def follow_ups(rpt, cm):
    """Recent low scores with a comment, to call back (saved as ``follow_ups``)."""
    if not cm.ok:
        return None
    return rpt.table(cm.follow_ups, "follow_ups", shown=comments.localise(cm.follow_ups, rpt.lang, cm.labels),
                     formats=SCORE_FORMATS, max_rows=100,
                     empty=("No complaint to follow up.", "没有需要跟进的投诉。"))
