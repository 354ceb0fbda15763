"""Masking of personal data (``mask_pii: true`` in params).

Customer names become stable pseudonyms (the same customer keeps the same mask
across tables and runs, so lists can still be matched by ``customer_id``), and in
every text column of every table (comments, lost reasons, descriptions, names,
extra columns an importer kept) these are replaced:

========================  =====================================================  ===========
what                      examples                                               becomes
========================  =====================================================  ===========
e-mail                    ``ann@delta.test``                                     ``[email]``
身份证 number             18 digits (last may be ``X``), or the old 15 digits    ``[id-card]``
QQ id, in context         ``QQ: 123456789``, ``QQ号 123456789``, ``扣扣 …``       ``QQ: [qq]``
WeChat id, in context     ``微信: wxid_abc123``, ``WeChat: abc_def``, ``vx``,     ``微信: [wechat]``
                          ``威信``
Chinese phone             ``13800138000``, ``138-0013-8000``, ``010-12345678``,  ``[phone]``
                          ``0755 1234 5678``, with or without ``+86`` / ``0086``
international phone       ``+1 (415) 555-0100``, ``+44 20 7946 0958``,           ``[phone]``
                          ``(415) 555-0100``, ``415.555.0100``
========================  =====================================================  ===========

Ordinary numbers stay: amounts (``12,345.67``), dates (``2026-03-31``), years,
percentages, order ids (``SO-2024-0001``). The patterns are regular expressions
(no installed library covers Chinese and international formats in free text;
``phonenumbers`` is not installed), tested against a table of strings in
``tests/test_privacy.py``. A phone number needs its separators in one of the
shapes above or a ``+``/``00`` country prefix: a bare run of digits is masked only
when it is a Chinese mobile (11 digits, ``1[3-9]…``) or a 身份证 number.

In id columns a match is replaced by a stable token (``[phone-1A2B3C]``) instead,
so two customers keyed by their phone numbers stay two customers and the tables
still join.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from workbench.data.schema import ID, TABLES, TEXT

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
ID_CARD_MASK = "[id-card]"
QQ_MASK = "[qq]"
WECHAT_MASK = "[wechat]"

_NOT_BEFORE = r"(?<![0-9A-Za-z_])"  # a number starts here: no digit or word character glued before it
_NOT_AFTER = r"(?![0-9A-Za-z_])"

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DATE8 = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE6 = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# 身份证: 6-digit area code (first digit 1-8), birth date, 3-digit sequence, check character.
ID_CARD_RE = re.compile(rf"{_NOT_BEFORE}[1-8]\d{{5}}(?:{_DATE8}\d{{3}}[0-9Xx]|{_DATE6}\d{{3}}){_NOT_AFTER}")
# QQ and WeChat ids are only recognisable by the word before them.
QQ_RE = re.compile(r"((?<![A-Za-z])(?:QQ|qq|Qq)(?:号码|号)?|扣扣(?:号码|号)?|企鹅号)(\s*(?:是|为|[:：=])?\s*)([1-9]\d{4,11})(?!\d)")
WECHAT_RE = re.compile(
    r"((?:微信|威信|薇信|[Vv]信)(?:号码|号|ID|id)?(?:\s*(?:是|为|[:：=])?\s*)"
    r"|(?<![A-Za-z])(?:[Ww]e[Cc]hat|WECHAT|[Ww]eixin|[Vv][Xx]|[Ww][Xx])(?:\s*(?:ID|id|Id))?\s*(?:[:：=]|\s(?=wxid_))\s*)"
    r"([A-Za-z][-_A-Za-z0-9]{5,19}|wxid_[A-Za-z0-9_]+)(?![-_A-Za-z0-9])")
_CN = r"(?:(?:\+|00)\s?86[\s-]?)"
CN_MOBILE_RE = re.compile(rf"{_NOT_BEFORE}{_CN}?1[3-9]\d(?:[\s-]?\d{{4}}){{2}}(?!\d)")
CN_LANDLINE_RE = re.compile(
    rf"{_NOT_BEFORE}(?:\(0\d{{2,3}}\)\s?|0\d{{2,3}}[\s-]|{_CN}\(?0?[1-9]\d{{1,2}}\)?[\s-]?)"
    rf"\d{{3,4}}[\s-]?\d{{4}}(?:\s?(?:转|ext\.?|x)\s?\d{{1,5}})?(?!\d)")
# +country (or 00country) then groups of digits with spaces, dots, hyphens or one (area) group.
INTL_RE = re.compile(
    r"(?<![0-9A-Za-z_+])(?:\+|00(?=[1-9]\d{0,2}[\s.(-]))[1-9]\d{0,2}"
    r"(?:[\s.-]?\(\d{1,5}\))?(?:[\s.-]?\d{1,5}){1,5}(?![0-9%]|[.,]\d)")
# North American numbers written without the country code: (415) 555-0100, 415-555-0100, 415.555.0100.
NANP_RE = re.compile(r"(?<![0-9A-Za-z_.,+-])(?:\(\d{3}\)\s?|\d{3}[.\s-])\d{3}[.\s-]\d{4}(?![0-9%]|[.,]\d)")

_CANDIDATE = r"(?i)@|[+]\d|\d{5}|\d{3}[\s.)-]|\d{2}[\s.-]?\d{3}|微信|威信|薇信|v信|wechat|weixin|vx|wx"
"""A superset of every pattern above (RE2 syntax), to skip cells that cannot match."""
_ID_CANDIDATE = r"@|^\s*[+(]?\d[\d\s().-]{5,}[\dXx]\s*$|(?:^|\D)1[3-9]\d{9}(?:\D|$)"
"""In id columns only a whole id that is a number (a phone, a 身份证) or holds an e-mail or a mobile."""
PHONE_RE = re.compile("|".join(f"(?:{r.pattern})" for r in (CN_MOBILE_RE, CN_LANDLINE_RE, INTL_RE, NANP_RE)))
"""Every phone shape (for callers that only need to find one)."""


def pseudonym(value: str, prefix: str = "Customer") -> str:
    """A stable, non-reversible stand-in for a name."""
    digest = hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:6].upper()
    return f"{prefix}-{digest}"


def _digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def _intl(m: re.Match) -> bool:
    """A +country number has 8 to 15 digits (E.164); fewer is a signed amount like ``+12``."""
    return 8 <= _digits(m.group(0)) <= 15


def _token(kind: str, value: str, stable: bool) -> str:
    return f"[{kind}-{pseudonym(value, '')[1:]}]" if stable else f"[{kind}]"


def mask_string(text: str, stable: bool = False) -> str:
    """``text`` with e-mails, 身份证 numbers, QQ/WeChat ids and phone numbers replaced.

    Parameters
    ----------
    text : str
    stable : bool
        Replace each match by a token derived from its value (``[phone-1A2B3C]``) so that
        different values stay different (for id columns); default the plain ``[phone]``.
    """
    if not isinstance(text, str) or not text:
        return text

    def sub(rx: re.Pattern, kind: str, keep: Callable[[re.Match], bool] | None = None, group: int = 0):
        nonlocal text

        def repl(m: re.Match) -> str:
            if keep is not None and not keep(m):
                return m.group(0)
            if group:
                return m.group(0)[: m.start(group) - m.start(0)] + _token(kind, m.group(group), stable)
            return _token(kind, m.group(0), stable)

        text = rx.sub(repl, text)

    sub(EMAIL_RE, "email")
    sub(QQ_RE, "qq", group=3)
    sub(WECHAT_RE, "wechat", group=2)
    sub(ID_CARD_RE, "id-card")
    sub(CN_MOBILE_RE, "phone")
    sub(CN_LANDLINE_RE, "phone")
    sub(INTL_RE, "phone", keep=_intl)
    sub(NANP_RE, "phone")
    return text


def mask_text(s: pd.Series, stable: bool = False) -> pd.Series:
    """Replace e-mails, phone numbers, 身份证 numbers and QQ/WeChat ids inside every text cell.

    Cells that are not text (numbers, dates, missing) are returned unchanged.
    """
    if s.isna().all():
        return s
    import pyarrow as pa
    import pyarrow.compute as pc

    # Most cells cannot hold personal data, and most columns repeat few values: each distinct
    # value is looked at once, first by a vectorised (Arrow) superset pattern, and only the
    # candidates go through the patterns above.
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = np.asarray(uniques, dtype=object)
    is_str = np.fromiter((isinstance(v, str) for v in values), bool, len(values))
    if not is_str.any():
        return s
    idx = np.flatnonzero(is_str)
    hit = pc.match_substring_regex(pa.array(values[idx].tolist(), type=pa.large_string()),
                                   _ID_CANDIDATE if stable else _CANDIDATE).to_numpy(zero_copy_only=False)
    changed = False
    for i in idx[hit]:
        m = mask_string(values[i], stable)
        if m != values[i]:
            values[i], changed = m, True
    if not changed:
        return s
    out = pd.Series(np.where(codes >= 0, values[np.maximum(codes, 0)], None), index=s.index, name=s.name)
    return out.astype(s.dtype) if s.dtype != object else out


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or s.dtype == object


def mask_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Masked copies: customer names pseudonymised; personal data removed from every text column.

    Covers the data model's text and id columns and any extra text column (an importer keeps
    the export's other fields). Id columns get stable tokens (see :func:`mask_string`), so keys
    stay unique and the tables still join.
    """
    out = {}
    for name, df in tables.items():
        df = df.copy()
        spec = TABLES.get(name)
        for col in df.columns:
            c = spec.column(col) if spec else None
            if name == "customers" and col == "name":
                df[col] = df[col].map(pseudonym, na_action="ignore").astype("str")
            elif c is not None and c.kind not in (TEXT, ID):
                continue  # dates, numbers, money, categories (codes from a closed list)
            elif _is_text(df[col]):
                df[col] = mask_text(df[col], stable=c is not None and c.kind == ID)
        out[name] = df
    return out


def mask_issues(issues: list) -> list:
    """Copies of the loader's issues with personal data masked in their text.

    An issue quotes example values (``3 value(s) cannot be read, e.g. 'call 13800138000'``),
    and the data quality report shows them: with ``mask_pii`` they are masked like the tables.
    """
    import dataclasses

    out = []
    for issue in issues:
        changes = {k: mask_string(getattr(issue, k)) for k in ("message", "expected")
                   if isinstance(getattr(issue, k, None), str)}
        out.append(dataclasses.replace(issue, **changes) if changes else issue)
    return out


def mask_dataset(ds):
    """Mask a loaded :class:`~workbench.data.loader.Dataset` in place: its tables and its issues' text.

    Returns
    -------
    Dataset
        ``ds`` itself.
    """
    ds.tables = mask_tables(ds.tables)
    ds.issues = mask_issues(ds.issues)
    return ds
