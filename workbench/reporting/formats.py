"""One formatter for every number a report shows, in English and Chinese.

A *kind* says what a number is, and the kind alone decides how it reads:

=============  =====================================  ==========================
kind           stored value                           shown (en / zh)
=============  =====================================  ==========================
``share``      a share or rate, 0..1                  ``40.5%``
``pp``         a difference of two shares             ``+2.1 pp`` / ``+2.1 个百分点``
``change``     a relative change, 0.12 = +12%         ``+12.0%``
``money``      an amount of the report's currency     ``¥1,234,568``
``money_month``, ``money_year``, ``money_window``    ``¥1,235/month`` / ``¥1,235/月``
``money_signed``  an amount that is a change          ``+¥1,235`` / ``-¥1,235``
``count``      a whole number                         ``1,235``
``num``        a measurement, 1 decimal               ``12.3``
``num2``       a ratio, 2 decimals                    ``1.83``
``p``          a p-value                              ``0.012``, ``< 0.001``
``param``      a model parameter (3 significant)      ``0.00012``, ``1.2e+06`` never
``days``       a duration in days                     ``12.5``
``date``       a date                                 ``2026-03-05``
``bool``       yes / no                               ``yes`` / ``是``
``light``      a traffic light: green / amber / red   coloured dot and word
``text``       anything else, shown as it is
=============  =====================================  ==========================

Separators and percent signs come from Babel's CLDR data (``format_decimal``,
``format_percent``, ``format_currency``), so both languages follow their own
conventions. Missing values show as ``–``; a value that rounds to zero never
shows a sign (no ``-0.0%``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from babel.numbers import format_decimal, get_currency_symbol

MISSING = "–"
LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
PERIODS = {"month": ("/month", "/月"), "year": ("/year", "/年"), "quarter": ("/quarter", "/季度"),
           "window": ("", "")}
ALIASES = {"pct": "share", "rate": "share", "int": "count", "money_signed": "money_signed",
           "p_value": "p", "percent": "share"}
KINDS = {"share", "pp", "change", "money", "money_month", "money_year", "money_quarter", "money_window",
         "money_signed", "count", "num", "num2", "p", "param", "days", "date", "bool", "light", "text"}
NUMERIC_KINDS = KINDS - {"date", "bool", "light", "text"}
LIGHTS = {"green": ("green", "绿灯"), "amber": ("amber", "黄灯"), "red": ("red", "红灯"),
          "grey": ("insufficient data", "数据不足")}


def is_missing(v) -> bool:
    """True for None, NaN, NA and NaT (and anything pandas calls missing)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def kind_of(kind: str | None) -> str:
    """The canonical kind of ``kind`` (``pct`` -> ``share``, ``int`` -> ``count``); unknown kinds fail."""
    k = ALIASES.get(kind or "text", kind or "text")
    if k not in KINDS:
        raise ValueError(f"Invalid format kind {kind!r}. Valid options are: {sorted(KINDS | set(ALIASES))}")
    return k


@dataclass
class Formatter:
    """Formats numbers for one report: its language and currency.

    Parameters
    ----------
    lang : {"en", "zh"}
        Report language.
    currency : str
        ISO 4217 code of money amounts (``CNY``, ``USD`` ...).
    """

    lang: str = "en"
    currency: str = "CNY"

    @property
    def locale(self) -> str:
        return LOCALES.get(self.lang, "en_US")

    @property
    def symbol(self) -> str:
        """``¥`` for CNY in both languages, ``$`` for USD ..."""
        if self.currency.upper() in ("CNY", "RMB"):
            return "¥"
        sym = get_currency_symbol(self.currency.upper(), locale="en_US")
        return sym if len(sym) <= 2 else f"{self.currency.upper()} "

    # -- the kinds ---------------------------------------------------------------------------
    def __call__(self, value, kind: str = "text", **opts) -> str:
        """``value`` shown as ``kind`` (see the module docstring)."""
        k = kind_of(kind)
        if k == "text":
            return MISSING if is_missing(value) else _plain(value)
        if k == "light":
            return self.light_word(value)
        if is_missing(value):
            return MISSING
        if k == "date":
            return pd.Timestamp(value).strftime("%Y-%m-%d")
        if k == "bool":
            return ("是" if value else "否") if self.lang == "zh" else ("yes" if value else "no")
        x = float(value)
        if math.isinf(x):
            return "∞" if x > 0 else "-∞"
        if k.startswith("money"):
            return self.money(x, period=k.partition("_")[2] or None, **opts)
        return getattr(self, k)(x, **opts)

    def _dec(self, x: float, digits: int) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(x, format=pattern, locale=self.locale)

    def share(self, x: float, digits: int = 1) -> str:
        """A share 0..1 as a percentage: ``0.405`` -> ``40.5%``; a share that is not zero never reads
        ``0.0%`` (6 rows of 41,146 read ``< 0.1%``)."""
        step = 10 ** -digits
        if 0 < abs(100 * x) < step / 2:
            return ("< " if x > 0 else "> -") + self._dec(step, digits) + "%"
        return self._signless(100 * x, digits) + "%"

    def pp(self, x: float, digits: int = 1) -> str:
        """A difference of shares in percentage points: ``0.021`` -> ``+2.1 pp``."""
        unit = " 个百分点" if self.lang == "zh" else " pp"
        return self._signed(100 * x, digits) + unit

    def change(self, x: float, digits: int = 1) -> str:
        """A relative change: ``0.12`` -> ``+12.0%``."""
        return self._signed(100 * x, digits) + "%"

    def money(self, x: float, period: str | None = None, digits: int = 0, signed: bool = False) -> str:
        """``1234567.8`` -> ``¥1,234,568``; ``period`` ``month``/``year``/``quarter`` adds ``/month``."""
        if period == "signed":
            period, signed = None, True
        r = round(x, digits)
        sign = "-" if r < 0 else ("+" if signed and r > 0 else "")
        body = f"{sign}{self.symbol}{self._dec(abs(r), digits)}"
        if period:
            if period not in PERIODS:
                raise ValueError(f"Invalid money period {period!r}. Valid options are: {sorted(PERIODS)}")
            body += PERIODS[period][1 if self.lang == "zh" else 0]
        return body

    def count(self, x: float) -> str:
        """A whole number with separators: ``1234.0`` -> ``1,234``."""
        return self._signless(round(x), 0)

    def num(self, x: float, digits: int = 1) -> str:
        return self._signless(x, digits)

    def num2(self, x: float) -> str:
        return self._signless(x, 2)

    def days(self, x: float) -> str:
        return self._signless(x, 1)

    def p(self, x: float) -> str:
        """A p-value: three decimals, ``< 0.001`` below."""
        return "< 0.001" if x < 0.001 else f"{x:.3f}"

    def param(self, x: float, sig: int = 3) -> str:
        """A model parameter with ``sig`` significant digits, never in scientific notation."""
        if x == 0:
            return "0"
        digits = max(sig - 1 - int(math.floor(math.log10(abs(x)))), 0)
        if digits > 8:  # smaller than 1e-6: effectively zero, and say so rather than 0.000000001
            return "< 0.000001" if x > 0 else "> -0.000001"
        return self._signless(x, digits)

    def light_word(self, value) -> str:
        key = "grey" if is_missing(value) else str(value)
        pair = LIGHTS.get(key)
        return (pair[1] if self.lang == "zh" else pair[0]) if pair else _plain(value)

    def _signless(self, x: float, digits: int) -> str:
        r = round(x, digits)
        if r == 0:
            r = 0.0  # never "-0.0"
        s = self._dec(abs(r), digits)
        return ("-" + s) if r < 0 else s

    def _signed(self, x: float, digits: int) -> str:
        r = round(x, digits)
        s = self._dec(abs(r), digits)
        return s if r == 0 else (("+" if r > 0 else "-") + s)

    # -- values in sentences -----------------------------------------------------------------
    def value(self, v) -> str:
        """A value in a sentence: a :class:`Value` by its kind, other numbers by their type."""
        if isinstance(v, Value):
            return self(v.value, v.kind, **v.opts)
        if isinstance(v, str):
            return v
        if isinstance(v, (bool, np.bool_)):
            return self(bool(v), "bool")
        if isinstance(v, (int, np.integer)):
            return self.count(float(v))
        if isinstance(v, (float, np.floating)):
            return MISSING if is_missing(v) else self.num(float(v))
        if isinstance(v, (pd.Timestamp,)):
            return self(v, "date")
        return MISSING if is_missing(v) else str(v)


class Value:
    """A number that knows its kind, for sentence templates computed without a language.

    ``Value(0.405, "share")`` reads ``40.5%``; ``Value(1234, "money_month")`` reads
    ``¥1,234/month`` in English and ``¥1,234/月`` in Chinese.
    """

    __slots__ = ("value", "kind", "opts")

    def __init__(self, value, kind: str, **opts):
        self.value = value
        self.kind = kind_of(kind)
        self.opts = opts

    def __repr__(self) -> str:
        return f"Value({self.value!r}, {self.kind!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Value) and (self.value, self.kind) == (other.value, other.kind)

    __hash__ = None


def share(v, **o) -> Value:
    return Value(v, "share", **o)


def pp(v, **o) -> Value:
    return Value(v, "pp", **o)


def money(v, period: str | None = None, **o) -> Value:
    return Value(v, f"money_{period}" if period else "money", **o)


def count(v) -> Value:
    return Value(v, "count")


def p_value(v) -> Value:
    return Value(v, "p")


def param(v) -> Value:
    return Value(v, "param")


def _plain(v) -> str:
    if isinstance(v, (list, tuple, set)):
        return ", ".join(map(str, v))
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)
