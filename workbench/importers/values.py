"""Turning cells into canonical values: picklists, dates, amounts, ids, expressions, channel types.

Status and category values go through the loader's alias table
(:mod:`workbench.data.aliases`), so the importers accept every spelling the loader
does and mean the same by it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench import expr as expr_mod
from workbench.data import coerce
from workbench.data.aliases import aliases_for, suggest, value_key
from workbench.data.aliases import map_values as alias_map
from workbench.data.schema import (
    CATEGORY,
    DATE,
    ID,
    MAX_MAGNITUDE,
    MONEY,
    NUMBER,
    PERIOD,
    TABLES,
    TEXT,
)
from workbench.importers.fields import (
    norm,
)
from workbench.importers.read import SourceFile
from workbench.importers.report import MAX_SHOWN, ImportReport, MappingError, _plural

DROP = "__drop__"
"""A value-map target that drops the row (with its reason in the report)."""


# Unambiguous textual spellings tried after ISO / 2026年3月5日 / epoch (Zoho shows "Mar 15, 2024").
TEXT_DATE_FORMATS = (
    "%b %d, %Y", "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M", "%b %d, %Y %H:%M:%S",
    "%d %b %Y", "%d %b %Y %H:%M", "%d-%b-%Y", "%d-%b-%Y %H:%M", "%B %d, %Y", "%d %B %Y",
)


_EPOCH_RE = r"^\s*\d{12,13}(?:\.0+)?\s*$"


_CURRENCY_MARKS = {
    "CNY": r"[¥￥元]|RMB|CNY", "USD": r"\$|USD", "EUR": r"€|EUR", "GBP": r"£|GBP",
    "JPY": r"JPY", "HKD": r"HK\$|HKD", "INR": r"₹|INR|Rs\.?",
}


def is_drop(s: pd.Series) -> pd.Series:
    """True where a value map sent the row to :data:`DROP`."""
    if s.dtype == object:
        return s.map(lambda v: isinstance(v, str) and v == DROP).astype(bool)
    if pd.api.types.is_string_dtype(s):
        return s.eq(DROP).fillna(False).astype(bool)
    return pd.Series(False, index=s.index)


def _text(raw: pd.Series) -> pd.Series:
    """Cells as stripped text, blank as missing (spreadsheet numbers spelt without '.0')."""
    if raw.dtype == object:
        raw = raw.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v),
                      na_action="ignore")
    t = raw.astype("str").str.strip()
    return t.where(t.notna() & t.ne(""))


def clean_ids(raw: pd.Series, *, src: SourceFile | None = None, column: str = "") -> pd.Series:
    """Ids as text; an id that Excel stored as a number past 15 digits lost its last digits: an error."""
    if raw.dtype == object or pd.api.types.is_float_dtype(raw):
        big = raw.map(lambda v: isinstance(v, float) and abs(v) >= 1e15, na_action="ignore").fillna(False)
        if big.astype(bool).any():
            where = src.label if src else "the file"
            raise MappingError(
                f"{where}, column '{column}': {int(big.sum())} id(s) were stored by Excel as numbers "
                f"(e.g. {raw[big.astype(bool)].iloc[0]!r}) and lost their last digits; export as CSV, "
                f"or format the column as text before saving")
    values, _ = coerce.coerce_id(raw)
    return values


def _key(v: Any) -> str:
    # Values compare as the loader compares them, so one alias table serves both.
    return value_key(v)


def status_values(vendor: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Lead status spellings: the data layer's alias table (``Closed Won``, 赢单, 无效 ...), then ``vendor``'s own."""
    out: dict[str, Any] = dict(aliases_for("leads", "status"))
    out.update({_key(k): v for k, v in (vendor or {}).items()})
    return out


def map_values(
    raw: pd.Series,
    mapping: Mapping[Any, Any],
    *,
    src: SourceFile | None,
    column: str,
    target: str,
    unknown: str = "error",
    report: ImportReport | None = None,
    how_to_map: str = "",
) -> pd.Series:
    """Map picklist values onto canonical ones (case and spacing ignored).

    Parameters
    ----------
    raw : Series
        Source cells.
    mapping : mapping
        ``{source value: canonical value}``; a target :data:`DROP` drops the row later,
        ``None`` makes the cell blank.
    src, column, target : for messages and the report.
    unknown : {"error", "keep", "blank"}
        A value the mapping does not know: an error listing every such value with its
        row count (default), kept as it is, or made blank.
    how_to_map : str
        The YAML path where a user maps the values (``values: {status: ...}``).

    Returns
    -------
    Series
        Mapped values (object dtype; missing where blank).
    """
    text = _text(raw)
    codes, uniques = pd.factorize(text)
    table = {_key(k): v for k, v in mapping.items()}
    mapped_u, unknown_u = [], []
    for u in uniques:
        k = _key(u)
        if k in table:
            mapped_u.append(table[k])
        else:
            unknown_u.append(u)
            mapped_u.append(u if unknown == "keep" else None)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(uniques) else np.array([])
    if unknown_u and unknown == "error":
        pos_of = {u: i for i, u in enumerate(uniques)}
        listed = sorted(unknown_u, key=lambda u: -counts[pos_of[u]])
        shown = ", ".join(f"'{u}' ({counts[pos_of[u]]:,} rows)" for u in listed[:12])
        first = np.flatnonzero(np.isin(codes, [pos_of[u] for u in listed]))[:MAX_SHOWN]
        lines = f" (first at line {', '.join(map(str, src.lines(first)))})" if src is not None else ""
        targets = sorted({str(v) for v in table.values() if v is not None})
        hints = []
        for u in listed[:5]:
            close = difflib.get_close_matches(_key(u), list(table), n=2, cutoff=0.75)
            if close:
                hints.append(f"'{u}' is close to " + " or ".join(f"'{c}' (→ {table[c]})" for c in close))
        known = f"{len(table)} spellings of {', '.join(targets)}" + (f"; {'; '.join(hints)}" if hints else "")
        snippet = ", ".join(f"'{u}': <{target}>" for u in listed[:3])
        where = src.label if src is not None else "source"
        raise MappingError(
            f"{where}, column '{column}': {len(listed)} value(s) the mapping to {target} does not know: "
            f"{shown}{'' if len(listed) <= 12 else f' and {len(listed) - 12} more'}{lines}. The map knows {known}. "
            f"Map them in a mapping file: {how_to_map or 'values: {' + target + ': '}{{{snippet}}}"
            + ("}" if not how_to_map else ""))
    out = pd.Series(np.array(mapped_u + [None], dtype=object)[codes], index=raw.index, dtype=object)
    if report is not None:
        changed = {str(u): (m, int(n)) for u, m, n in zip(uniques, mapped_u, counts, strict=False)
                   if m is None or str(m) != str(u)}
        report.map(src.label if src else None, column, target, changed)
    return out


def parse_dates(
    raw: pd.Series,
    formats: Iterable[str] | None = None,
    tz: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Dates from what exports write.

    Parameters
    ----------
    raw : Series
        Text cells, spreadsheet datetimes or numbers.
    formats : iterable of str, optional
        ``strptime`` formats tried in order (``"%m/%d/%Y"``), plus the words ``auto``
        (ISO 8601, ``2026/3/5``, ``2026年3月5日``, Excel serials: see
        :func:`workbench.data.coerce.coerce_date`), ``epoch_ms`` and ``epoch_s``.
        Default: ``epoch_ms``, ``auto``, then unambiguous month-name spellings
        (``Mar 15, 2024``). Day/month-first numeric dates are never guessed.
    tz : str, optional
        Time zone of the exporting tenant: epoch timestamps (UTC by definition) are
        turned into its wall-clock time (``Asia/Shanghai`` for Fxiaoke).

    Returns
    -------
    (values, bad) : (Series of datetime64[ns], Series of bool)
        ``bad`` marks cells that held something that no format could read.
    """
    blank = coerce.is_blank(raw)
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(raw):
        vals = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        return vals.astype("datetime64[ns]"), pd.Series(False, index=raw.index)
    # ISO first: one vectorised strptime reads a million cells in a fraction of a second.
    fmts = list(formats) if formats else ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "epoch_ms", "auto", *TEXT_DATE_FORMATS]
    todo = ~blank
    if raw.dtype == object:  # spreadsheet cells: real datetimes need no format
        is_dt = raw.map(lambda v: hasattr(v, "year") and hasattr(v, "month"), na_action="ignore")
        is_dt = is_dt.astype("boolean").fillna(False).astype(bool)
        if is_dt.any():
            out.loc[is_dt] = pd.to_datetime(raw[is_dt].map(lambda v: pd.Timestamp(v).tz_localize(None)
                                                           if getattr(v, "tzinfo", None) else pd.Timestamp(v)))
            todo &= ~is_dt
    text = _text(raw)
    for fmt in fmts:
        if not todo.any():
            break
        sub = text[todo]
        if fmt in ("epoch_ms", "epoch_s"):
            num = pd.to_numeric(sub.where(sub.str.match(_EPOCH_RE if fmt == "epoch_ms" else r"^\s*\d{9,10}\s*$")),
                                errors="coerce")
            ok = num.notna()
            if ok.any():
                ts = pd.to_datetime(num[ok], unit="ms" if fmt == "epoch_ms" else "s", utc=True)
                if tz:
                    ts = ts.dt.tz_convert(tz)
                got = ts.dt.tz_localize(None).astype("datetime64[ns]")
        elif fmt == "auto":
            got, _ = coerce.coerce_date(sub)
            ok = got.notna()
            got = got[ok]
        else:
            # A built-in format that reads none of a sample is skipped: a failing strptime costs
            # seconds on a million cells. A user's own formats always run on every cell.
            if not formats and len(sub) > 2000 and pd.to_datetime(sub.head(500), format=fmt, errors="coerce").isna().all():
                continue
            got = pd.to_datetime(sub, format=fmt, errors="coerce")
            ok = got.notna()
            got = got[ok]
        if ok.any():
            idx = ok[ok].index
            out.loc[idx] = got.loc[idx].to_numpy()
            todo.loc[idx] = False
    return out, todo & ~blank


def parse_money(raw: pd.Series, *, src: SourceFile | None = None, column: str = "",
                mixed: bool = False) -> tuple[pd.Series, pd.Series]:
    """Amounts from ``12,345.00``, ``¥12,345``, ``$ 1,234``, ``1.234,56``, ``3.5万``, ``(1,234)``.

    Returns
    -------
    (values, bad) : (Series of float, Series of bool)

    Raises
    ------
    MappingError
        Two currencies in one column (``$`` and ``¥``): amounts must be in one currency,
        unless ``mixed`` (a currency column beside says which, and the caller converts).
    """
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return raw.astype("float64"), pd.Series(False, index=raw.index)
    text = _text(raw)
    nonnum = text.notna() & pd.to_numeric(text, errors="coerce").isna()
    if nonnum.any():
        sub = text[nonnum]
        seen = {code: int(sub.str.contains(pat, regex=True).sum()) for code, pat in _CURRENCY_MARKS.items()}
        seen = {c: n for c, n in seen.items() if n}
        if "HKD" in seen and "USD" in seen and seen["USD"] == seen["HKD"]:
            seen.pop("USD")
        if len(seen) > 1 and not mixed:
            where = src.label if src else "source"
            raise MappingError(
                f"{where}, column '{column}': amounts in {len(seen)} currencies "
                f"({', '.join(f'{c} {n:,} rows' for c, n in seen.items())}); a dataset holds one currency: "
                f"convert them first, or import each currency separately")
        unit = pd.Series(1.0, index=sub.index)
        wan = sub.str.contains("万") & ~sub.str.contains("万元以上")
        unit = unit.mask(wan, 1e4).mask(sub.str.contains("亿"), 1e8)
        cleaned = sub.str.replace(r"万|亿|HK\$|US\$|Rs\.?|₹|EUR|GBP|JPY|HKD|INR|USD|CNY|RMB|€|£", "", regex=True)
        # 1.234,56 and 99,50: a comma before one or two last digits is a decimal comma (a
        # thousands comma is always followed by three digits).
        euro = cleaned.str.match(r"^\s*-?\d{1,3}(\.\d{3})+,\d{1,2}\s*$") | cleaned.str.match(r"^\s*-?\d+,\d{1,2}\s*$")
        cleaned = cleaned.where(~euro, cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        text = text.copy()
        text.loc[nonnum] = cleaned
        values, bad = coerce.coerce_number(text)
        values.loc[nonnum] = values.loc[nonnum] * unit
        return values, bad
    values, bad = coerce.coerce_number(text)
    return values, bad


def raise_bad(bad: pd.Series, raw: pd.Series, *, src: SourceFile | None, column: str, expected: str,
              fix: str = "") -> None:
    """Stop the import on cells that could not be read, naming file, column, values and lines."""
    if not bad.any():
        return
    pos = np.flatnonzero(bad.to_numpy())
    samples = list(dict.fromkeys(str(v) for v in raw[bad].head(50)))[:5]
    where = src.label if src is not None else "source"
    lines = f" (line {', '.join(map(str, src.lines(pos[:MAX_SHOWN])))}" + (" ..." if len(pos) > MAX_SHOWN else "") + ")" \
        if src is not None else ""
    raise MappingError(
        f"{where}, column '{column}': {_plural(int(bad.sum()), 'value')} cannot be read as {expected}, "
        f"e.g. {', '.join(repr(s) for s in samples)}{lines}" + (f". {fix}" if fix else ""))


def to_probability(values: pd.Series) -> pd.Series:
    """Win probabilities as 0..1: ``60``, ``60%`` and ``0.6`` are one value."""
    v = values.astype("float64")
    return v.where(v <= 1, v / 100.0)




def eval_expression(expr: str, resolve_column) -> pd.Series:
    """Evaluate ``Quantity * UnitPrice`` or ```Sales` - `Profit``` over numeric columns.

    Only ``+ - * /``, unary minus, numbers, parentheses and column names (bare, or in
    backticks when they hold spaces) are allowed: a mapping file cannot run code. The
    evaluator is :mod:`workbench.expr`, the one KPI formulas use too.
    """
    try:
        return expr_mod.evaluate(expr, resolve_column)
    except expr_mod.ExpressionError as exc:
        raise MappingError(str(exc)) from None


def coerce_kind(raw: pd.Series, table: str, column: str, *, src: SourceFile | None, source_column: str,
                date_formats: Iterable[str] | None = None, tz: str | None = None, fix: str = "",
                value_aliases: Mapping[str, Mapping[str, str]] | None = None) -> pd.Series:
    """Turn mapped cells into the canonical kind of ``table.column``; unreadable cells stop the import.

    ``value_aliases`` is a ``value_aliases`` section as params and ``dataset.yaml`` write
    it (``{"leads.status": {"Gewonnen": "won"}}``), added to the loader's alias table.
    """
    spec = TABLES[table].column(column)
    kind = spec.kind if spec is not None else TEXT
    if kind == ID:
        return clean_ids(raw, src=src, column=source_column)
    if kind == TEXT:
        return _text(raw)
    if kind == DATE:
        values, bad = parse_dates(raw, date_formats, tz)
        raise_bad(bad, raw, src=src, column=source_column, expected="dates",
                  fix=fix or "State the format(s) in the mapping file, e.g. date_formats: ['%d/%m/%Y', '%Y-%m-%d'] "
                  "(tried in order; day-first and month-first dates are never guessed)")
        return values
    if kind == PERIOD:
        values, bad = coerce.coerce_period(raw)
        raise_bad(bad, raw, src=src, column=source_column, expected="periods (2026-03, 2026-Q1, 2026)", fix=fix)
        return values
    if kind in (MONEY, NUMBER):
        values, bad = parse_money(raw, src=src, column=source_column)
        raise_bad(bad, raw, src=src, column=source_column, expected="numbers", fix=fix)
        # inf, 1e308: values that cannot be true, named at their source line (the loader refuses them too)
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        impossible = pd.Series(np.isinf(arr) | (np.abs(np.nan_to_num(arr, posinf=0, neginf=0)) > MAX_MAGNITUDE),
                               index=values.index)
        raise_bad(impossible, raw, src=src, column=source_column,
                  expected=f"a true amount (finite, within ±{MAX_MAGNITUDE:,.0f})", fix=fix)
        return values
    if kind == CATEGORY:
        # The loader's alias table first (Closed Won → won, 渠道伙伴 → partner), so an
        # importer accepts every spelling the loader does.
        known = aliases_for(table, column, value_aliases)
        values, bad = alias_map(_text(raw), spec.allowed or (), known)
        if bad.any():
            counts = raw[bad].astype(str).value_counts()
            shown = ", ".join(
                f"'{v}' ({n:,} rows" + (f"; did you mean {', '.join(sug)}?" if (sug := suggest(
                    v, spec.allowed or (), known)) else "") + ")" for v, n in counts.head(8).items())
            where = src.label if src is not None else "source"
            raise MappingError(
                f"{where}, column '{source_column}': values that are not a {table}.{column} "
                f"({', '.join(spec.allowed or ())}): {shown}. Map them in the mapping file: "
                f"{column}: {{column: '{source_column}', values: {{'{counts.index[0]}': <one of "
                f"{', '.join(spec.allowed or ())}>}}}}")
        return values.astype(object).where(values.notna())
    return raw  # pragma: no cover


# Words that tell a channel's type from its name when no exact entry knows it (渠道伙伴, 京东旗舰店,
# "Channel Partner"). Tried in this order: 渠道伙伴 is a partner before it is a 渠道 (distributor),
# "Online Store" is e-commerce before it is a store.
TYPE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("partner", ("伙伴", "合作方", "联盟", "partner", "affiliate", "alliance")),
    ("ecommerce", ("电商", "天猫", "淘宝", "京东", "拼多多", "抖音", "快手", "小红书", "网店", "商城", "旗舰店",
                   "e-commerce", "ecommerce", "online store", "webshop", "web shop", "marketplace", "amazon", "tmall")),
    ("telesales", ("电销", "电话", "外呼", "400", "telesales", "telemarketing", "cold call", "call center",
                   "call centre", "inside sales")),
    ("distributor", ("代理", "经销", "分销", "渠道", "批发", "distributor", "reseller", "dealer", "wholesale", "agent",
                     "var")),
    ("retail", ("门店", "零售", "店面", "专卖店", "商超", "retail", "store", "shop", "showroom")),
    ("direct", ("直销", "地推", "展会", "会议", "大客户", "转介绍", "介绍", "陌拜", "拜访", "direct", "field sales",
                "trade show", "referral", "seminar", "event")),
)


def guess_channel_type(name: Any) -> str | None:
    """A channel type from words in its name (``渠道伙伴`` → partner), or None when no word fits."""
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return None
    text = norm(name)
    words = set(re.findall(r"[a-z0-9]+", text))
    for typ, keys in TYPE_WORDS:
        for k in keys:
            if k.isascii() and " " not in k and "-" not in k:
                if k in words:
                    return typ
            elif k in text:
                return typ
    return None
