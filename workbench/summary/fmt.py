"""How the summary's figures read: one function per kind of number, in English and Chinese.

The kinds are those of the findings table's ``kind`` column (and of the shared
reporting layer's formatter): ``share`` (0..1 shown as %), ``pp`` (a difference of
shares, in percentage points), ``money`` / ``money_month`` / ``money_quarter`` /
``money_year`` (an amount and the period it covers), ``count``, ``num`` (one
decimal), ``num2`` (a ratio, two decimals), ``points`` (NPS, a price index: one
decimal), ``p`` (a p-value, ``< 0.001`` below). A value that rounds to zero never
carries a sign (no ``−0.0%``); no figure is ever in scientific notation.
"""

from __future__ import annotations

import math

import pandas as pd

from workbench.reporting.formats import MISSING, Formatter

MINUS = "-"
KINDS = ("share", "pp", "money", "money_month", "money_quarter", "money_year", "count", "num", "num2", "points",
         "p", "text")
MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}


def _missing(v) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def fmt(value, kind: str, lang: str = "en", currency: str = "CNY", signed: bool = False) -> str:
    """``value`` shown as ``kind`` in ``lang`` by the reporting layer's formatter.

    Parameters
    ----------
    value : number or str
        The stored value (shares 0..1, money in the dataset's currency).
    kind : str
        One of :data:`KINDS` (``points``: NPS or a price index, one decimal).
    lang : {"en", "zh"}
    currency : str
        ISO code of money amounts.
    signed : bool
        Show ``+`` on positive values (a change). ``pp`` is always signed.
    """
    if kind not in KINDS:
        raise ValueError(f"Invalid kind {kind!r}. Valid options are: {list(KINDS)}")
    if _missing(value):
        return MISSING
    if kind == "text" or isinstance(value, str):
        return str(value)
    f = Formatter(lang, currency)
    x = float(value)
    if math.isinf(x):
        return "∞" if x > 0 else MINUS + "∞"
    if kind.startswith("money"):
        return f.money(x, period=kind.partition("_")[2] or None, signed=signed)
    if kind == "share":
        return f.change(x) if signed else f.share(x)
    if kind == "pp":
        return f.pp(x)
    if kind == "p":
        return f.p(x)
    text = f(x, "num" if kind == "points" else kind)
    return ("+" + text) if signed and text[0].isdigit() and any(ch in "123456789" for ch in text) else text


def interval(low, high, kind: str, lang: str = "en", currency: str = "CNY", signed: bool = False) -> str:
    """``low`` to ``high`` in ``kind``: ``+¥145,793 to +¥247,236/month`` (``至`` in Chinese)."""
    if _missing(low) or _missing(high):
        return MISSING
    join = " 至 " if lang == "zh" else " to "
    per = kind.partition("_")[2] if kind.startswith("money") else ""
    lo = fmt(low, "money" if per else kind, lang, currency, signed)
    return lo + join + fmt(high, kind, lang, currency, signed)


def both(en: str, zh: str, currency: str = "CNY", **values) -> tuple[str, str]:
    """A sentence in both languages; each value is a string or a ``(value, kind[, signed])`` tuple."""
    out = []
    for lang, template in (("en", en), ("zh", zh)):
        filled = {}
        for k, v in values.items():
            if isinstance(v, tuple):
                filled[k] = fmt(v[0], v[1], lang, currency, signed=len(v) > 2 and bool(v[2]))
            elif isinstance(v, dict):  # a word of the workbench's own, in both languages
                filled[k] = v[lang]
            else:
                filled[k] = str(v)
        out.append(template.format(**filled))
    return out[0], out[1]
