"""Spellings of categorical values, mapped to the canonical ones at the load boundary.

One alias table for the loader and the importers alike. Stable API (change only by adding)::

    BLANK                              "(blank)": the bucket of a blank classifying value
    value_key(v) -> str                how a value is compared (case, spaces, _ and - ignored)
    VALUE_ALIASES                      {"table.column": {spelling: canonical}} built in
    aliases_for(table, column, extra=None) -> dict[str, str]
        built-in aliases of a column plus ``extra`` (a params ``value_aliases``
        mapping with keys "table.column" or "column"), keys already value_key'd
    map_values(values, allowed, aliases) -> (mapped, unmapped)
        canonical value per cell (allowed values pass, aliases are mapped, case
        ignored); ``unmapped`` marks non-blank cells that are neither
    suggest(value, allowed, aliases, n=3) -> list[str]
        the closest known spellings of an unmapped value, as "spelling → canonical"
    check_value_aliases(raw) -> dict[str, dict[str, str]]
        validate a params/dataset.yaml ``value_aliases`` section (raises ValueError)

Why here and not downstream: a lead whose status reads ``Closed Won`` used to make the
loader reject the whole leads table, so the synonym lists that analysis code kept
were never reached. Mapping once, where the data comes in, means every report sees
``won`` and the data quality report can count what was mapped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

BLANK = "(blank)"
"""The value a blank classifying cell (a lead's source, an order's channel ...) is kept as."""


def value_key(v) -> str:
    """A value as compared: case, outer and inner white space, ``_`` and ``-`` ignored."""
    text = str(v).replace("\ufeff", "").strip().casefold()
    text = text.translate(str.maketrans({"（": "(", "）": ")", "　": " "}))
    return re.sub(r"[\s_\-]+", "", text)


def _spellings(canonical: str, words: Iterable[str]) -> dict[str, str]:
    return {value_key(w): canonical for w in words}


LEAD_STATUS: dict[str, str] = {
    **_spellings("won", ["won", "win", "closed won", "closed-won", "closedwon", "deal won", "converted",
                         "赢单", "赢", "已赢单", "成交", "已成交", "签约", "已签约", "赢得"]),
    **_spellings("lost", ["lost", "loss", "lose", "closed lost", "closed-lost", "closedlost",
                          "closed lost to competition", "deal lost", "disqualified", "unqualified", "junk lead",
                          "输单", "输", "已输单", "丢单", "失单", "失败", "流失", "已流失", "无效", "作废",
                          "无效线索"]),
    **_spellings("open", ["open", "in progress", "in_progress", "running", "active", "new", "working",
                          "contacted", "engaging", "prospecting", "qualified", "nurturing", "pending",
                          "进行中", "跟进中", "未关闭", "开放", "新建", "待跟进", "已联系", "培育中"]),
}
"""Lead status spellings seen in CRM exports (Zoho, Fxiaoke, Salesforce, Maven). An invalid
or void lead (``无效``, ``作废``) closed without a sale, so it counts as ``lost``."""

CHANNEL_TYPE: dict[str, str] = {
    **_spellings("direct", ["direct", "direct sales", "直销", "直营", "大客户", "大客户直销", "自营"]),
    **_spellings("distributor", ["distributor", "distribution", "dealer", "wholesale", "经销", "经销商",
                                 "分销", "分销商", "代理", "代理商", "批发"]),
    **_spellings("ecommerce", ["ecommerce", "e-commerce", "online", "web", "电商", "线上", "网店", "天猫",
                               "京东", "电子商务"]),
    **_spellings("retail", ["retail", "store", "shop", "零售", "门店", "线下门店", "商超"]),
    **_spellings("partner", ["partner", "channel partner", "reseller", "var", "渠道伙伴", "合作伙伴",
                             "渠道合作伙伴", "伙伴", "渠道商"]),
    **_spellings("telesales", ["telesales", "telemarketing", "inside sales", "电销", "电话销售", "电话营销"]),
    **_spellings("other", ["other", "others", "其他", "其它"]),
}

TARGET_LEVEL: dict[str, str] = {
    **_spellings("company", ["company", "total", "all", "公司", "全公司", "总计"]),
    **_spellings("channel", ["channel", "渠道"]),
    **_spellings("region", ["region", "area", "区域", "大区", "地区"]),
    **_spellings("team", ["team", "团队", "小组"]),
    **_spellings("rep", ["rep", "sales rep", "salesperson", "owner", "销售", "销售代表", "业务员"]),
}

VALUE_ALIASES: dict[str, dict[str, str]] = {
    "leads.status": LEAD_STATUS,
    "channels.type": CHANNEL_TYPE,
    "targets.level": TARGET_LEVEL,
    "actions.level": TARGET_LEVEL,
}


def check_value_aliases(raw: Mapping | None) -> dict[str, dict[str, str]]:
    """Validate a ``value_aliases`` section: ``{"leads.status": {"Gewonnen": "won"}, ...}``.

    Keys are ``table.column`` or a bare ``column`` (every table with that column); values
    map a spelling to a canonical value. Raises ``ValueError`` naming what is wrong.
    """
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError("value_aliases must map 'table.column' to {spelling: value}")
    out: dict[str, dict[str, str]] = {}
    for key, mapping in raw.items():
        if not isinstance(mapping, Mapping):
            raise ValueError(f"value_aliases.{key} must map spellings to values, got {mapping!r}")
        out[str(key)] = {str(k): str(v) for k, v in mapping.items()}
    return out


def aliases_for(table: str, column: str, extra: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, str]:
    """Aliases of ``table.column``: the built-in ones, then ``extra`` (params win), keys value_key'd."""
    out = dict(VALUE_ALIASES.get(f"{table}.{column}", {}))
    for key in (column, f"{table}.{column}"):  # the more specific key is applied last
        for spelling, canonical in ((extra or {}).get(key) or {}).items():
            out[value_key(spelling)] = str(canonical)
    return out


def map_values(values: pd.Series, allowed: Iterable[str] | None, aliases: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    """Map each cell to its canonical value; computed once per distinct value.

    Parameters
    ----------
    values : Series
        Text cells (missing where blank).
    allowed : iterable of str or None
        The canonical values; ``None`` lets every value through (aliases still apply).
    aliases : mapping
        ``{value_key(spelling): canonical}``, as :func:`aliases_for` returns.

    Returns
    -------
    mapped : Series
        The canonical value, missing where blank or unmapped.
    unmapped : Series of bool
        Non-blank cells that are neither an allowed value nor an alias.
    """
    allowed_keys = {value_key(a): a for a in allowed} if allowed is not None else None
    codes, uniques = pd.factorize(values)
    out = []
    for u in uniques:
        k = value_key(u)
        if allowed_keys is not None and k in allowed_keys:
            out.append(allowed_keys[k])
        elif k in aliases:
            out.append(aliases[k])
        elif allowed_keys is None:
            out.append(str(u).strip())
        else:
            out.append(None)
    arr = np.array(out + [None], dtype=object)
    mapped = pd.Series(arr[codes], index=values.index, dtype=object)
    unmapped = pd.Series(codes >= 0, index=values.index) & mapped.isna()
    return mapped.astype("str").where(mapped.notna()), unmapped


def suggest(value, allowed: Iterable[str], aliases: Mapping[str, str], n: int = 3) -> list[str]:
    """The spellings closest to an unmapped ``value``, as ``"closed won → won"``."""
    known = {value_key(a): a for a in allowed}
    known.update({k: v for k, v in aliases.items()})
    close = difflib.get_close_matches(value_key(value), list(known), n=n, cutoff=0.6)
    return [k if known[k] == k else f"{k} → {known[k]}" for k in close]
