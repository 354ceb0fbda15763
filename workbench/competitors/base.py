"""What every competitor section shares: its notes, whether it is on, and the prepared input tables.

:func:`prepare` takes the loaded dataset once: it copies the competitor tables,
merges competitor spellings (:mod:`workbench.competitors.names`) and finds our
own name. Each analysis returns a :class:`Section` subclass whose ``ok`` is
``False`` when its table is absent or unusable (the notebook then shows only the
notes, which say why and how to switch the section on).
"""

from __future__ import annotations

import difflib
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd

from workbench.competitors.names import COMPETITOR_COLUMNS, normalise_names, suggest_aliases

log = logging.getLogger(__name__)

ALL = "all"
"""The ``channel_id`` / ``region`` value of rows that pool every channel or region."""

AS_OF_COLUMNS = {"competitor_prices": "date", "leads": "created_date"}
"""Rows after ``as_of`` are left out (market share periods and feature scores are taken as given)."""


@dataclass
class Note:
    """One visible note: an English and a Chinese template and their values."""

    en: str
    zh: str
    values: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The note in ``lang`` with its values filled in (unescaped; for logs and tests)."""
        return (self.zh if lang == "zh" else self.en).format(**{k: str(v) for k, v in self.values.items()})


@dataclass
class Section:
    """A report section's state: on or off, and the notes a reader must see."""

    ok: bool = True
    notes: list[Note] = field(default_factory=list)

    def note(self, en: str, zh: str, **values) -> None:
        """Add a note (the section stays on)."""
        self.notes.append(Note(en, zh, values))
        log.info(en.format(**{k: str(v) for k, v in values.items()}))

    def off(self, en: str, zh: str, **values) -> None:
        """Switch the section off, saying why."""
        self.ok = False
        self.note(en, zh, **values)


@contextmanager
def single_blas_thread():
    """Run linear algebra on one BLAS thread: on a busy machine a threaded BLAS slows these small
    matrices down a hundredfold instead of speeding them up."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def p_text(df: pd.DataFrame) -> pd.DataFrame:
    """A display copy with p-value columns as text: ``0.013``, ``< 0.001`` (``num`` formats round them to 0.00)."""
    out = df.copy()
    for c in ("p_value", "p_adjusted"):
        if c in out:
            out[c] = out[c].map(lambda v: "< 0.001" if v < 0.001 else f"{v:.3f}", na_action="ignore").astype("str")
    return out


def show_table(rpt, df: pd.DataFrame, name: str | None, shown: pd.DataFrame | None = None,
               columns: list[str] | None = None, formats: dict | None = None, max_rows: int = 60):
    """Save ``df`` as the result table ``name`` (canonical values: a contract, the same in every language)
    and show ``shown``, its display copy in the report's language (``localise`` of the module), escaped.

    Parameters
    ----------
    rpt : Report
        The notebook's report.
    df : DataFrame
        The result table as computed.
    name : str or None
        Result table name; ``None`` shows without saving.
    shown : DataFrame, optional
        The localised copy (same rows); defaults to ``df``.
    columns, formats, max_rows
        As in :meth:`workbench.report.Report.table`.
    """
    from IPython.display import HTML

    if name:
        rpt.save(df, name)
    view = df if shown is None else shown
    if columns:
        view = view[[c for c in columns if c in view.columns]]
    return HTML(rpt.table_html(view, formats, None, max_rows, name, total=len(df)))


def show_notes(section: Section, rpt):
    """HTML of every note of ``section`` (nothing when it has none), escaped by the report."""
    from IPython.display import HTML

    parts = [rpt.note(n.en, n.zh, **n.values).data for n in section.notes]
    return HTML("".join(parts))


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
