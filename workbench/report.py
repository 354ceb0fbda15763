"""Old home of the report object: :mod:`workbench.reporting` is the reporting layer now.

The number formatters below remain for callers not yet moved to
:class:`workbench.reporting.Formatter`.
"""

from __future__ import annotations

from workbench.reporting.formats import MISSING, Formatter, is_missing
from workbench.reporting.report import MAX_ROWS, Report

_EN = Formatter("en")


def fmt_int(v) -> str:
    """``1234567`` -> ``1,234,567``; missing -> ``–``."""
    return _EN(v, "count")


def fmt_num(v, digits: int = 1) -> str:
    return MISSING if is_missing(v) else _EN.num(float(v), digits)


def fmt_pct(v, digits: int = 1) -> str:
    return MISSING if is_missing(v) else _EN.share(float(v), digits)


def fmt_money(v, currency: str = "CNY", digits: int = 0) -> str:
    return MISSING if is_missing(v) else Formatter("en", currency).money(float(v), digits=digits)


def fmt_date(v) -> str:
    return _EN(v, "date")


def _html(markup: str):
    from IPython.display import HTML

    return HTML(markup)


__all__ = ["Report", "MAX_ROWS", "fmt_int", "fmt_num", "fmt_pct", "fmt_money", "fmt_date"]
