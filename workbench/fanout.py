"""Fan-out: one report per region, channel or team, each on its own slice of the data.

``workbench run --for region=all`` runs the chosen notebooks once per region with
the dataset filtered to that region. :func:`patch_values` lists the values of a
dimension; :func:`filter_dataset` cuts a dataset down to one value. Both are pure:
the runner does the I/O.

What a slice keeps
------------------
- ``region``: orders of the region; its customers and reps; leads of its reps or
  customers (and their stage history); feedback of its customers; its market
  share rows; targets at region level for it and at team/rep level for its teams
  and reps.
- ``channel``: orders, leads, spend, feedback, inventory and competitor prices of
  the channel; customers acquired through it or ordering in it; its reps; targets
  at channel level for it and at team/rep level for its teams and reps.
- ``team``: its reps; their orders and leads; the customers of those orders and
  leads; targets at team level for it and at rep level for its reps.

Reference tables (channels, products, stages, competitor features, actions) stay
whole, so names and stage orders still resolve. Company-level targets are
dropped: they do not describe a patch.
"""

from __future__ import annotations

import copy
import re

import pandas as pd

from workbench.data.loader import Dataset, check_references
from workbench.exceptions import RunError

DIMENSIONS = ("region", "channel", "team")


def parse_for(spec: str) -> tuple[str, list[str] | None]:
    """``"region=all"`` -> ``("region", None)``; ``"channel=CH01,CH02"`` -> ``("channel", [...])``."""
    m = re.fullmatch(r"\s*(\w+)\s*=\s*(.+?)\s*", spec or "")
    if not m:
        raise RunError(f"--for {spec!r}: expected DIMENSION=all or DIMENSION=value[,value...], "
                       f"with DIMENSION one of {', '.join(DIMENSIONS)}")
    dim, values = m.group(1).lower(), m.group(2)
    if dim not in DIMENSIONS:
        raise RunError(f"--for {spec!r}: unknown dimension '{dim}'; valid: {', '.join(DIMENSIONS)}")
    if values.lower() == "all":
        return dim, None
    return dim, [v.strip() for v in values.split(",") if v.strip()]


def patch_values(ds: Dataset, dimension: str) -> list[str]:
    """Every value of ``dimension`` found in the data, sorted."""
    found: set[str] = set()
    if dimension == "region":
        for t in ("orders", "customers", "reps"):
            if ds.has_column(t, "region"):
                found |= set(ds[t]["region"].dropna().astype(str))
    elif dimension == "channel":
        if "channels" in ds:
            found |= set(ds["channels"]["channel_id"].dropna().astype(str))
        for t in ("orders", "leads"):
            if ds.has_column(t, "channel_id"):
                found |= set(ds[t]["channel_id"].dropna().astype(str))
    elif dimension == "team":
        if ds.has_column("reps", "team"):
            found |= set(ds["reps"]["team"].dropna().astype(str))
    else:
        raise RunError(f"unknown fan-out dimension '{dimension}'; valid: {', '.join(DIMENSIONS)}")
    return sorted(found)


def _col(df: pd.DataFrame | None, column: str) -> pd.Series:
    if df is None or column not in df.columns:
        return pd.Series([], dtype="str")
    return df[column]


def _keep(df: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    return df.loc[mask.fillna(False).to_numpy()].reset_index(drop=True)


def filter_dataset(ds: Dataset, dimension: str, value: str) -> Dataset:
    """The dataset cut down to one region, channel or team (see the module docstring).

    Returns a new :class:`Dataset`; ``ds`` is left as it is. The slice's
    ``meta.name`` says which patch it is.
    """
    t = dict(ds.tables)
    reps = t.get("reps")
    orders, leads, customers = t.get("orders"), t.get("leads"), t.get("customers")
    rep_ids: set[str] = set()
    if dimension == "region":
        if reps is not None and "region" in reps:
            rep_ids = set(reps.loc[reps["region"] == value, "rep_id"])
        cust_ids = set(customers.loc[customers["region"] == value, "customer_id"]) if (
            customers is not None and "region" in customers) else set()
        if orders is not None:
            if "region" in orders:
                t["orders"] = _keep(orders, orders["region"] == value)
            else:
                t["orders"] = _keep(orders, orders["customer_id"].isin(cust_ids))
    elif dimension == "channel":
        if reps is not None and "channel_id" in reps:
            rep_ids = set(reps.loc[reps["channel_id"] == value, "rep_id"])
        for name in ("orders", "leads", "spend", "feedback", "inventory", "competitor_prices"):
            if name in t and "channel_id" in t[name]:
                t[name] = _keep(t[name], t[name]["channel_id"] == value)
        cust_ids = set(_col(t.get("orders"), "customer_id").dropna())
        if customers is not None and "acquisition_channel_id" in customers:
            cust_ids |= set(customers.loc[customers["acquisition_channel_id"] == value, "customer_id"])
    elif dimension == "team":
        if reps is not None and "team" in reps:
            rep_ids = set(reps.loc[reps["team"] == value, "rep_id"])
        if orders is not None:
            t["orders"] = _keep(orders, _col(orders, "rep_id").isin(rep_ids)) if "rep_id" in orders else orders.iloc[0:0]
        cust_ids = set(_col(t.get("orders"), "customer_id").dropna())
    else:
        raise RunError(f"unknown fan-out dimension '{dimension}'; valid: {', '.join(DIMENSIONS)}")

    if leads is not None and dimension != "channel":
        by_rep = _col(leads, "rep_id").isin(rep_ids)
        by_customer = _col(leads, "customer_id").isin(cust_ids) if dimension == "region" else False
        t["leads"] = _keep(leads, by_rep | by_customer)
    if dimension == "team":
        cust_ids |= set(_col(t.get("leads"), "customer_id").dropna())
    if customers is not None:
        t["customers"] = _keep(customers, customers["customer_id"].isin(cust_ids))
    if reps is not None:
        t["reps"] = _keep(reps, reps["rep_id"].isin(rep_ids))
    if "stage_history" in t and "leads" in t:
        t["stage_history"] = _keep(t["stage_history"], t["stage_history"]["lead_id"].isin(t["leads"]["lead_id"]))
    if "feedback" in t and dimension != "channel":
        fb = t["feedback"]
        t["feedback"] = _keep(fb, _col(fb, "customer_id").isin(cust_ids))
    if "market_share" in t:
        ms = t["market_share"]
        if dimension == "region" and "region" in ms:
            t["market_share"] = _keep(ms, ms["region"] == value)
    if "targets" in t:
        tg = t["targets"]
        teams = set(_col(t.get("reps"), "team").dropna())
        keep = ((tg["level"] == dimension) & (tg["key"] == value)) | (
            (tg["level"] == "rep") & tg["key"].isin(rep_ids)) | (
            (tg["level"] == "team") & tg["key"].isin(teams) & (dimension != "team"))
        t["targets"] = _keep(tg, keep)
    meta = ds.meta.model_copy(update={"name": f"{ds.meta.name} · {dimension} {value}"})
    issues = [i for i in ds.issues if i.kind != "orphan_key"] + check_references(t)
    return Dataset(ds.root, meta, t, copy.copy(ds.files), issues)


def patch_has_data(ds: Dataset) -> bool:
    """A patch is worth a report when it has any order or lead."""
    return any(len(ds.tables.get(t, ())) for t in ("orders", "leads"))


def unique_slugs(values) -> dict[str, str]:
    """A folder per value: :func:`slug`, with a short hash added where two values share one."""
    import hashlib

    base = {v: slug(v) for v in values}
    taken: dict[str, int] = {}
    for f in base.values():
        taken[f] = taken.get(f, 0) + 1
    return {v: f if taken[f] == 1 else f"{f}~{hashlib.sha1(str(v).encode()).hexdigest()[:6]}"
            for v, f in base.items()}


def slug(value: str) -> str:
    """A folder name for a patch value (Chinese kept; path separators and spaces replaced)."""
    s = re.sub(r"[\\/:*?\"<>|\s]+", "_", str(value)).strip("._")
    return s or "blank"
