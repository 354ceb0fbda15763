"""Checks of a published page as a reader sees it: English words left on a Chinese page.

Used by the tests of every area and usable on any published report::

    from workbench.reporting.checks import english_words
    english_words(Path("reports/latest/20_channel_evaluation.zh.html").read_text(), names)
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

ALLOWED_TERMS = frozenset("""
NPS CSAT CLV CAC ROI ROAS RFM KPI SKU CSV XLSX HTML CRM ID IDs BG NBD Gamma Kaplan Meier Wilson Holm
Bonferroni Benjamini Hochberg XmR UCL LCL MR AICc AIC ETS SPIN SWOT TOP VIP AOV GMV Shapley Markov
Excel Zoho Fxiaoke CI pp vs p n k R2 chi Cox OLS DiD Monte Carlo RMSE MAPE Brier YoY MoM QoQ FY Q1 Q2 Q3 Q4
A B C D E F x y z jieba min max mean median P UTF GBK GB BOM Parquet CRLF English
""".split())
"""Terms a Chinese reader of sales reports reads as they are (abbreviations, method and product names)."""

_SKIP = re.compile(r"<(script|style)\b.*?</\1>|<img\b[^>]*>|<!--.*?-->", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z][A-Za-z']+")


def visible_text(page: str) -> str:
    """The text a reader sees on ``page`` (no scripts, styles, images' data, tags)."""
    return html.unescape(_TAG.sub(" ", _SKIP.sub(" ", page)))


def english_words(page: str, names: Iterable[str] = (), allowed: Iterable[str] = ALLOWED_TERMS) -> dict[str, int]:
    """English words on a page that are neither allowed terms nor part of a name from the data.

    Parameters
    ----------
    page : str
        The HTML of a report page (or any text).
    names : iterable of str
        Text from the data (channel, competitor, product, rep names ...); their words are allowed.
    allowed : iterable of str
        Allowed terms (default :data:`ALLOWED_TERMS`), compared case-insensitively.

    Returns
    -------
    dict
        ``{word: times}`` of the words left, most frequent first.
    """
    ok = {a.lower() for a in allowed}
    for name in names:
        ok.update(w.lower() for w in _WORD.findall(str(name)))
    counts: dict[str, int] = {}
    for w in _WORD.findall(visible_text(page)):
        if w.lower() not in ok:
            counts[w] = counts.get(w, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def data_names(tables: dict) -> set[str]:
    """Every text value of the loaded tables' text columns (names, ids, regions ...)."""
    out: set[str] = set()
    for df in tables.values():
        for c in df.columns:
            if df[c].dtype == object or str(df[c].dtype) in ("str", "string"):
                out.update(str(v) for v in df[c].dropna().unique()[:5000])
    return out
