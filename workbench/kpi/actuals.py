"""Actuals: KPI values per period x level x key, from the rows :func:`workbench.kpi.prepare.prepare`
attributed to months and levels (attribution rules: :mod:`workbench.kpi.prepare`, ``docs/kpi.md``).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from workbench.kpi import formula as F
from workbench.kpi import keys as K
from workbench.kpi import periods as P
from workbench.kpi.prepare import LEVELS, UNATTRIBUTED, KpiData, Note, kpi_catalogue, prepare  # noqa: F401

log = logging.getLogger(__name__)


ORDER_SUMS = ["revenue", "sales", "returns", "cost", "costed_revenue", "quantity", "lines", "costed_lines"]


def _clip0(x: np.ndarray) -> np.ndarray:
    """``Series.clip(lower=0)``: negatives become 0, NaN stays."""
    return np.where(x < 0, 0.0, x)


def _fill0(x: np.ndarray) -> np.ndarray:
    """``Series.fillna(0.0)``."""
    return np.where(np.isnan(x), 0.0, x)


def _keys(df: pd.DataFrame, by):
    """Group keys: an integer id per row as given, or the named columns (positionally)."""
    return by if isinstance(by, np.ndarray) else [pd.Series(df[b].array, name=b) for b in by]


def _group_orders(o: pd.DataFrame, by, need: set[str] | None = None) -> pd.DataFrame:
    """Order measures per group: sums and distinct orders (positive lines) and customers.

    The measures the review groups by period and key (:func:`_group_source`), on groups named by
    columns or ids: :func:`_order_sums` and distinct counts on dense group ids.

    Parameters
    ----------
    o : DataFrame
        Order lines with ``amount`` (``cost``, ``quantity``, ``order_code``, ``customer_code`` or the
        ids they code, optional).
    by : list of str, or ndarray
        Grouping columns of ``o`` (a row with a missing key is in no group), or one integer group id
        per line (>= 0).
    need : set of str, optional
        The measures wanted; ``orders`` / ``customers`` not in it are left 0 (they cost most).

    Returns
    -------
    DataFrame
        One row per group (in the order groups first appear), :data:`ORDER_SUMS` then ``orders`` and
        ``customers``.
    """
    cols = _order_arrays(o)
    keys = _keys(o, by)
    grouped = pd.Series(np.zeros(len(o)), copy=False).groupby(keys, sort=False, dropna=True)
    ids = grouped.ngroup().to_numpy()
    index = grouped.size().index  # the groups in ngroup's order (first appearance)
    sel = ~np.isnan(ids) if ids.dtype.kind == "f" else np.ones(len(ids), dtype=bool)
    gid = ids[sel].astype(np.int64)
    dense = _Dense(gid, len(index))
    out = _order_sums({c: v[sel] for c, v in cols.items()}, dense)
    positive = cols["amount"][sel] > 0
    for name, col, mask in (("orders", "order_code", positive), ("customers", "customer_code", None)):
        if need is not None and name not in need:
            out[name] = 0.0
            continue
        m = np.ones(len(gid), dtype=bool) if mask is None else mask
        out[name] = K.distinct_per_group(gid[m], len(index), cols[col][sel][m])[dense.present]
    out.index = index[dense.present]
    return out


def _order_arrays(o: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns order measures read, as arrays (ids as integer codes)."""
    n = len(o)
    cols = {"amount": o["amount"].to_numpy(dtype=float),
            "cost": o["cost"].to_numpy(dtype=float) if "cost" in o else np.full(n, np.nan),
            "quantity": o["quantity"].to_numpy(dtype=float) if "quantity" in o else np.full(n, np.nan)}
    for code, ident in (("order_code", "order_id"), ("customer_code", "customer_id")):
        if code in o:
            cols[code] = o[code].to_numpy()
        elif ident in o:
            cols[code] = pd.factorize(o[ident])[0]
    return cols


class _Dense:
    """Rows grouped by dense integer ids ``0 .. n - 1``: pandas sums each group's floats as it always does
    (compensated, in row order), handed the ids as categorical codes so that it neither hashes them nor
    looks for the ids present (every id is a group; the empty ones are dropped after)."""

    def __init__(self, gid: np.ndarray, n: int):
        self.gid, self.n = gid, n
        self.ids = pd.Categorical.from_codes(gid, categories=pd.RangeIndex(n), validate=False)
        self.present = np.flatnonzero(np.bincount(gid, minlength=n))

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Grouped sum of float values (as ``groupby(...).sum()``), per present id."""
        return pd.Series(values, copy=False).groupby(self.ids, observed=False, sort=True).sum().to_numpy()[self.present]

    def count(self, where: np.ndarray | None = None) -> np.ndarray:
        """Rows (where ``where``) per present id, int64."""
        g = self.gid if where is None else self.gid[where]
        return np.bincount(g, minlength=self.n)[self.present].astype(np.int64)

    def frame(self, columns: dict) -> pd.DataFrame:
        return pd.DataFrame(columns, index=pd.Index(self.present))


def _order_sums(cols: dict[str, np.ndarray], d: _Dense) -> pd.DataFrame:
    """:data:`ORDER_SUMS` per present group id, one float column at a time (no copy of every column at
    once); line counts by counting."""
    amt, cost = cols["amount"], cols["cost"]
    costed = ~np.isnan(cost)
    return d.frame({
        "revenue": d.sum(amt), "sales": d.sum(_clip0(amt)), "returns": d.sum(_clip0(-amt)),
        "cost": d.sum(np.where(costed, cost, 0.0)), "costed_revenue": d.sum(np.where(costed, amt, 0.0)),
        "quantity": d.sum(_fill0(cols["quantity"])), "lines": d.count(), "costed_lines": d.count(costed),
    })


def _lead_sums(cols: dict[str, np.ndarray], d: _Dense) -> pd.DataFrame:
    """Lead measures per present group id: leads, won, lost, open, won value."""
    won = cols["won"]
    return d.frame({"leads": d.count(), "won": d.count(won), "lost": d.count(cols["lost"]),
                    "open": d.count(cols["open"]), "won_value": d.sum(_fill0(np.where(won, cols["amount"], 0.0)))})


def _feedback_sums(cols: dict[str, np.ndarray], d: _Dense) -> pd.DataFrame:
    """Feedback measures per present group id: responses, CSAT and NPS counts and sums."""
    csat, nps = cols["csat"], cols["nps"]
    return d.frame({"responses": d.count(), "csat_n": d.count(~np.isnan(csat)), "csat_sum": d.sum(_fill0(csat)),
                    "nps_n": d.count(~np.isnan(nps)), "promoters": d.count(nps >= 9), "detractors": d.count(nps <= 6)})


def _lead_arrays(L: pd.DataFrame) -> dict[str, np.ndarray]:
    st = L["status"]
    return {"won": (st == "won").to_numpy(), "lost": (st == "lost").to_numpy(), "open": (st == "open").to_numpy(),
            "amount": L["amount"].to_numpy(dtype=float)}


def _feedback_arrays(f: pd.DataFrame) -> dict[str, np.ndarray]:
    return {"csat": f["csat"].to_numpy(dtype=float), "nps": f["nps"].to_numpy(dtype=float)}


_ARRAYS = {"orders": _order_arrays, "leads": _lead_arrays, "feedback": _feedback_arrays}


def _source_arrays(kd: KpiData, source: str) -> dict[str, np.ndarray]:
    """The arrays a source's measures read, for all its rows (computed once, kept in ``kd.cache``)."""
    ck = ("source_arrays", source)
    if ck not in kd.cache:
        df = {"orders": kd.orders, "leads": kd.leads, "feedback": kd.feedback}[source]
        kd.cache[ck] = _ARRAYS[source](df)
    return kd.cache[ck]


def _all_empty_text(col: pd.Series) -> bool:
    """True when an Arrow text column holds the empty text in every row."""
    arr = K.arrow_text(col)
    if arr is None or arr.null_count:
        return False
    import pyarrow.compute as pc

    return bool(pc.all(pc.equal(pc.utf8_length(arr), 0)).as_py())


def level_codes(kd: KpiData, source: str, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``level`` on one of kd's frames (-1 where blank) and the keys they stand for;
    computed once per frame and level (kept in ``kd.cache``)."""
    ck = ("level_codes", source, level)
    if ck not in kd.cache:
        df = {"orders": kd.orders, "leads": kd.leads, "feedback": kd.feedback, "new": kd.new_customers}[source]
        col = df[level]
        if len(col) and _all_empty_text(col):  # the company level: one key for every row, no hashing
            kd.cache[ck] = (np.zeros(len(col), dtype=np.int32), np.array([""], dtype=object))
        else:
            c, uniq = pd.factorize(col)
            kd.cache[ck] = (c.astype(np.int32), np.asarray(uniq, dtype=object))
    return kd.cache[ck]


def measures(kd: KpiData, level: str, granularity: str = "month", months: tuple[int, int] | None = None) -> pd.DataFrame:
    """Base measures per period x key at one level.

    Parameters
    ----------
    kd : KpiData
    level : {'company', 'channel', 'region', 'team', 'rep'}
    granularity : {'month', 'quarter', 'year', 'fiscal_quarter', 'fiscal_year'}
    months : (first, last), optional
        Only rows whose month lies in this range.

    Returns
    -------
    DataFrame
        ``period, key`` plus every measure of :data:`workbench.kpi.formula.MEASURES` (0 where a
        source table has no row).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; valid: {', '.join(LEVELS)}")
    ck = ("measures", level, granularity, months)
    if ck not in kd.cache:
        kd.cache[ck] = _measures(kd, level, granularity, months)
    return kd.cache[ck].copy()


def _measures(kd: KpiData, level: str, granularity: str, months) -> pd.DataFrame:
    parts = []
    for source in ("orders", "leads", "feedback", "new"):
        if granularity == "month":  # a month's measures do not depend on the range: group all months once
            g = _source_groups(kd, source, level, "month", None)
            if g is not None and months is not None:
                m = g.index.get_level_values(0).to_numpy()
                g = g.loc[(m >= months[0]) & (m <= months[1])]
                if g.empty:  # as grouping no rows gives it: integer periods, keys of no inferred type
                    g.index = pd.MultiIndex.from_arrays([np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)],
                                                        names=["period", "key"])
        else:
            g = _group_source(kd, source, level, granularity, months)
        if g is not None:
            parts.append(g)
    if not parts:
        return pd.DataFrame(columns=["period", "key", *F.MEASURES])
    out = pd.concat(parts, axis=1).fillna(0.0)
    for m in F.MEASURES:
        if m not in out:
            out[m] = 0.0
    out = out.reset_index()
    if granularity == "month":
        out["period"] = [P.month_label(int(m)) for m in out["period"]]
    return out.sort_values(["period", "key"], kind="stable").reset_index(drop=True)


def month_groups(kd: KpiData, source: str, level: str) -> pd.DataFrame | None:
    """One source's measures per ``(month, key)`` over all months: index ``period`` (month integer),
    ``key``; computed once per level (kept in ``kd.cache``)."""
    return _source_groups(kd, source, level, "month", None)


def _source_groups(kd: KpiData, source: str, level: str, granularity: str, months) -> pd.DataFrame | None:
    """:func:`_group_source`, kept in ``kd.cache``."""
    ck = ("source_groups", source, level, granularity, months)
    if ck not in kd.cache:
        kd.cache[ck] = _group_source(kd, source, level, granularity, months)
    return kd.cache[ck]


def _period_codes(month: np.ndarray, granularity: str, fy_start: int) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of the period of each month (labels computed once per distinct month)."""
    mcodes, muniq = pd.factorize(month)
    if granularity == "month":
        return mcodes, np.asarray(muniq)
    lcodes, luniq = pd.factorize(P.labels(np.asarray(muniq), granularity, fy_start))
    return (lcodes[mcodes] if len(mcodes) else mcodes), np.asarray(luniq)


def _group_source(kd: KpiData, source: str, level: str, granularity: str, months) -> pd.DataFrame | None:
    """One source's measures (orders, leads, feedback, new customers) per ``(period, key)``; ``None`` when
    the source is absent or has no ``level``."""
    df = {"orders": kd.orders, "leads": kd.leads, "feedback": kd.feedback, "new": kd.new_customers}[source]
    if df is None or len(df) == 0 or level not in df:
        return None
    kcodes, kuniq = level_codes(kd, source, level)
    month = df["month"].to_numpy()
    keep = (kcodes >= 0) & (month >= 0)
    if months is not None:
        keep &= (month >= months[0]) & (month <= months[1])
    rows = np.flatnonzero(keep)
    # group on one integer id per (period, key) (much faster than on long text columns), labels put back after
    pcodes, puniq = _period_codes(month[rows], granularity, kd.fy_start)
    nk = max(len(kuniq), 1)
    gid = pcodes.astype(np.int64) * nk + kcodes[rows]
    dense = _Dense(gid, len(puniq) * nk)
    if source == "new":
        g = dense.frame({"new_customers": dense.count()})
    else:
        every = len(rows) == len(df)
        cols = {c: (v if every else v[rows]) for c, v in _source_arrays(kd, source).items()}
        if source == "orders":
            g = _order_sums(cols, dense)
            g["orders"], g["customers"] = 0.0, 0.0
            _distinct_orders(kd, g, rows, gid, cols["amount"] > 0, _needed(kd))  # counted by order
        else:
            g = (_lead_sums if source == "leads" else _feedback_sums)(cols, dense)
    gi = g.index.to_numpy().astype(np.int64)
    g.index = pd.MultiIndex.from_arrays([puniq[gi // nk], kuniq[gi % nk]], names=["period", "key"])
    return g


def _distinct_orders(kd: KpiData, g: pd.DataFrame, rows: np.ndarray, gid: np.ndarray, positive: np.ndarray,
                     need: set[str]) -> None:
    """``orders`` (distinct orders with a positive line) and ``customers`` of each group of ``g`` (index:
    group ids ``gid`` of order lines ``rows``), counted on the order lines sorted by order once."""
    n = len(kd.orders)
    ids = g.index.to_numpy().astype(np.int64)
    for name, col, sel in (("orders", "order_code", positive), ("customers", "customer_code", None)):
        if name not in need:
            continue
        ck = ("segments", col)
        if ck not in kd.cache:
            kd.cache[ck] = K.code_segments(_source_arrays(kd, "orders")[col])
        group = np.full(n, -1, dtype=np.int32 if len(ids) == 0 or ids.max() < 2 ** 31 - 1 else np.int64)
        if sel is None:
            group[rows] = gid
        else:
            group[rows[sel]] = gid[sel]
        g[name] = K.distinct_in_segments(group, int(ids.max()) + 1 if len(ids) else 0, *kd.cache[ck])[ids]


def _needed(kd: KpiData) -> set[str]:
    """The measures the reviewed KPIs use (their formulas and sample sizes); distinct counts cost."""
    need = {"orders"}
    for info in kd.kpis.values():
        need |= F.check_formula(info["formula"]) | {info["n"]}
    return need


def kpi_values(kd: KpiData, meas: pd.DataFrame, level: str) -> pd.DataFrame:
    """Long table ``period, level, key, kpi, actual, n`` of every reviewed KPI from base measures."""
    rows = []
    for name, info in kd.kpis.items():
        vals = F.evaluate(info["formula"], meas)
        n = meas[info["n"]].to_numpy() if info["n"] in meas else np.full(len(meas), np.nan)
        rows.append(pd.DataFrame({"period": meas["period"].to_numpy(), "level": level,
                                  "key": meas["key"].to_numpy(), "kpi": name, "actual": vals, "n": n}))
    if not rows:
        return pd.DataFrame(columns=["period", "level", "key", "kpi", "actual", "n"])
    return pd.concat(rows, ignore_index=True)


def kpi_actuals(kd: KpiData, levels, granularity: str, months: tuple[int, int] | None = None) -> pd.DataFrame:
    """KPI values per period x level x key (see :func:`kpi_values`), with the lead cohorts' open share."""
    out = []
    for lv in levels:
        m = measures(kd, lv, granularity, months)
        v = kpi_values(kd, m, lv)
        share = pd.Series(np.where(m["leads"] > 0, m["open"] / m["leads"].where(m["leads"] > 0, 1), np.nan))
        v = v.merge(pd.DataFrame({"period": m["period"], "key": m["key"], "open_share": share}),
                    on=["period", "key"], how="left")
        out.append(v)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()
