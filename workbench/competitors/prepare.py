"""The dataset prepared once for every competitor section: the tables copied, competitor spellings merged,
our own name found.

:func:`prepare` takes the loaded dataset: it copies the competitor tables, leaves out rows after
``as_of``, merges competitor spellings (:mod:`workbench.competitors.names`) and finds our own name.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field

import pandas as pd

from workbench.competitors.base import Section
from workbench.competitors.names import COMPETITOR_COLUMNS, normalise_names, suggest_aliases

log = logging.getLogger(__name__)

AS_OF_COLUMNS = {"competitor_prices": "date", "leads": "created_date"}
"""Rows after ``as_of`` are left out (market share periods and feature scores are taken as given)."""


@dataclass
class CompetitorData(Section):
    """The competitor tables with one name per competitor, and our own name."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    own: str | None = None
    mapping: pd.DataFrame = field(default_factory=pd.DataFrame)
    suggestions: pd.DataFrame = field(default_factory=pd.DataFrame)
    currency: str = "CNY"

    def has(self, table: str, column: str | None = None) -> bool:
        """True when the table is present (and the column holds a value)."""
        if table not in self.tables:
            return False
        return column is None or (column in self.tables[table] and self.tables[table][column].notna().any())


def prepare(ds, params) -> CompetitorData:
    """Copy the tables the competitor analyses use and merge competitor spellings.

    Parameters
    ----------
    ds : Dataset
        The loaded dataset.
    params : CompetitorParams
        ``competitor_aliases`` and ``own_name`` are used here.

    Returns
    -------
    CompetitorData
        ``mapping`` lists ``table, raw, canonical, rows, how`` for every merged
        spelling; ``suggestions`` lists names that look like unmapped variants.
    """
    own = (params.own_name or ds.meta.company_name or "").strip() or None
    out = CompetitorData(own=own, currency=ds.meta.currency)
    wanted = ("competitor_prices", "market_share", "competitor_features", "leads", "products", "channels")
    maps, names = [], []
    for t in wanted:
        if t not in ds.tables:
            continue
        df = ds.tables[t].copy()
        date_col = AS_OF_COLUMNS.get(t)
        if params.as_of and date_col and date_col in df:
            later = df[date_col] > pd.Timestamp(params.as_of)
            if later.any():
                out.note("{n} {table} rows dated after {d} (as_of) are left out.",
                         "{table} 中 {n} 行晚于分析基准日 {d}，未计入。", n=int(later.sum()), table=t, d=params.as_of)
                df = df.loc[~later].reset_index(drop=True)
        col = COMPETITOR_COLUMNS.get(t)
        if col and col in df:
            df[col], m = normalise_names(df[col], params.competitor_aliases, (own,) if own else ())
            df[col] = df[col].where(df[col].notna() & df[col].ne("nan") & df[col].ne(""))
            maps.append(m.assign(table=t))
            names.append(df[col])
        out.tables[t] = df
    cols = ["table", "raw", "canonical", "rows", "how"]
    out.mapping = (pd.concat(maps, ignore_index=True)[cols] if maps else pd.DataFrame(columns=cols))
    all_names = pd.concat(names, ignore_index=True) if names else pd.Series(dtype="str")
    out.suggestions = suggest_aliases(all_names, own)
    if not any(t in out.tables for t in ("competitor_prices", "market_share", "competitor_features")) and not (
        "leads" in out.tables and out.has("leads", "competitor")
    ):
        out.off("No competitor data: add competitor_prices, market_share or competitor_features, or fill "
                "leads.competitor, to switch this report on.",
                "没有竞品数据：请提供 competitor_prices、market_share 或 competitor_features，或填写 "
                "leads.competitor，本报告才会有内容。")
    if len(out.mapping):
        out.note("{n} spelling(s) were merged into {k} competitor name(s) (table below).",
                 "已将 {n} 种写法合并为 {k} 个竞品名称（见下表）。",
                 n=len(out.mapping), k=out.mapping["canonical"].nunique())
    if len(out.suggestions):
        ex = out.suggestions.iloc[0]
        out.note("{n} names look like another competitor spelt differently (e.g. '{a}' and '{b}') but are not in "
                 "competitor_aliases: check them and add the spelling to the mapping if they are one company.",
                 "有 {n} 个名称疑似同一竞品的不同写法（如“{a}”与“{b}”），但不在 competitor_aliases 中："
                 "请核实，如为同一公司请加入映射。",
                 n=len(out.suggestions), a=ex["name"], b=ex["looks_like"])
    if own is None:
        out.note("Our own name is unknown: set company_name in dataset.yaml (or own_name in params) so that our "
                 "rows in market_share and competitor_features are recognised.",
                 "未知本公司名称：请在 dataset.yaml 中设置 company_name（或在参数中设置 own_name），"
                 "以便识别 market_share 和 competitor_features 中本公司的行。")
    else:
        present = [t for t in ("market_share", "competitor_features") if t in out.tables]
        for t in present:
            players = out.tables[t]["competitor"].dropna().unique().tolist()
            if own not in players:
                close = difflib.get_close_matches(own, [str(p) for p in players], n=1, cutoff=0.5)
                hint = close[0] if close else "–"
                out.note("Our name '{own}' does not appear in {table}.competitor (closest: '{hint}'): set own_name "
                         "or add the spelling to competitor_aliases.",
                         "本公司名称“{own}”未出现在 {table}.competitor 中（最接近：“{hint}”）："
                         "请设置 own_name 或将该写法加入 competitor_aliases。",
                         own=own, table=t, hint=hint)
    return out
