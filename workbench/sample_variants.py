"""Larger organisations from the sample company: more regions, more reps.

The bundled sample has seven regions and sixty reps, which is what a small
company looks like. Benchmarks and fan-out tests need bigger sales
organisations (thirty regions, two thousand reps) with everything else the
same. These functions reshape the tables :func:`workbench.sample.build_sample`
returns instead of changing the generator, so the default sample stays
byte-identical:

:func:`split_regions`
    Every region becomes ``k`` sub-regions named ``华东1区``, ``华东2区``... with
    ``k`` proportional to the region's revenue (at least one each). Customers
    are spread uniformly over their region's sub-regions, orders follow their
    customer (or, when booked in another region, a random sub-region of it),
    reps are dealt round-robin, market-share rows are split by fixed random
    shares, region targets by each sub-region's share of the region's revenue,
    and region-level actions move to the region's largest sub-region.
:func:`split_reps`
    Every rep becomes ``k`` reps (``R001-01``, ``R001-02``...) of the same team,
    region, channel and manager; their orders and leads are dealt uniformly
    among them, and rep targets split by each new rep's share of the old rep's
    revenue. Teams stay as they are, so team-level effects (the planted
    training of 华东二组) keep their truth.

Both return new frames and a mapping new value -> original value, which
:func:`workbench.sample.generate_sample` records in ``truth.json`` under
``variant``. Totals are preserved: order amounts are untouched and split
targets and market-share sales add up to the originals (to the cent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["split_regions", "split_reps", "allocate"]


def allocate(total: int, weights: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Integers ``>= minimum`` summing to ``total``, proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    if total < minimum * len(w):
        raise ValueError(f"cannot give {len(w)} groups at least {minimum} each out of {total}")
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
    quota = total * w
    out = np.maximum(np.floor(quota).astype(np.int64), minimum)
    while out.sum() < total:  # at most len(w) steps each way
        out[np.argmax(quota - out)] += 1
    while out.sum() > total:
        over = np.where(out > minimum, out - quota, -np.inf)
        out[np.argmax(over)] -= 1
    return out


def _split_amount(values: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """``values`` (n,) split by ``shares`` (k,) into (n, k), rounded to cents, rows adding up exactly."""
    parts = np.round(values[:, None] * shares[None, :], 2)
    parts[:, -1] = np.round(values - parts[:, :-1].sum(axis=1), 2)
    return parts


def _shares(actual: pd.Series, children: list[str]) -> np.ndarray:
    """Each child's share of ``actual`` (equal shares when there is none)."""
    a = actual.reindex(children, fill_value=0.0).to_numpy(dtype=float)
    return a / a.sum() if a.sum() > 0 else np.full(len(children), 1.0 / len(children))


def _split_targets(targets: pd.DataFrame, level: str, children: dict[str, list[str]],
                   actual: pd.Series) -> pd.DataFrame:
    """Rows of ``level`` whose key has children become one row per child (in the parent's place),
    the target split by each child's share of ``actual``."""
    mask = ((targets["level"] == level) & targets["key"].isin(children)).to_numpy()
    if not mask.any():
        return targets
    split = targets.loc[mask]
    n_kids = split["key"].map(lambda k: len(children[k])).to_numpy()
    rows = split.loc[split.index.repeat(n_kids)].copy()
    rows["key"] = [kid for k in split["key"] for kid in children[k]]
    shares = {k: _shares(actual, children[k]) for k in split["key"].unique()}
    values = [_split_amount(np.array([v]), shares[k])[0] for k, v in zip(split["key"], split["target"], strict=True)]
    rows["target"] = np.concatenate(values)
    out = pd.concat([targets.loc[~mask], rows])
    return out.sort_index(kind="stable").reset_index(drop=True)


def split_regions(tables: dict[str, pd.DataFrame], n_regions: int,
                  rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tables with every region split into sub-regions, ``n_regions`` in all (see the module doc)."""
    t = dict(tables)
    orders, customers, reps = t["orders"], t["customers"], t["reps"]
    revenue = orders.loc[orders["region"] != ""].groupby("region")["amount"].sum()
    in_reps = [r for r in pd.unique(reps["region"]) if r]
    parents = in_reps + sorted((set(revenue.index) | set(customers["region"])) - set(in_reps) - {""})
    if n_regions < len(parents):
        raise ValueError(f"regions={n_regions}: the sample has {len(parents)} regions; ask for at least that many")
    counts = allocate(n_regions, revenue.reindex(parents, fill_value=0.0).to_numpy())
    children = {p: [f"{p}{j + 1}区" for j in range(k)] for p, k in zip(parents, counts, strict=True)}
    mapping = {c: p for p, kids in children.items() for c in kids}
    names = {p: np.array(kids) for p, kids in children.items()}

    # customers: uniform over their region's sub-regions
    c_reg = customers["region"].to_numpy(dtype=object).copy()
    for p, kids in names.items():
        m = c_reg == p
        c_reg[m] = kids[rng.integers(0, len(kids), int(m.sum()))]
    customers = customers.assign(region=c_reg)
    cust_sub = pd.Series(c_reg, index=customers["customer_id"].to_numpy())
    cust_sub = cust_sub[~cust_sub.index.duplicated()]

    # orders: the customer's sub-region when it lies in the order's region, else a random one of it
    o_reg = orders["region"].to_numpy(dtype=object).copy()
    via_cust = orders["customer_id"].map(cust_sub).to_numpy(dtype=object)
    for p, kids in names.items():
        m = o_reg == p
        parent_of_cust = np.array([mapping.get(v, "") if isinstance(v, str) else "" for v in via_cust[m]])
        rand = kids[rng.integers(0, len(kids), int(m.sum()))]
        o_reg[m] = np.where(parent_of_cust == p, via_cust[m], rand)
    orders = orders.assign(region=o_reg)

    # reps: dealt round-robin over their region's sub-regions
    r_reg = reps["region"].to_numpy(dtype=object).copy()
    for p, kids in names.items():
        idx = np.flatnonzero(r_reg == p)
        r_reg[idx] = kids[np.arange(len(idx)) % len(kids)]
    reps = reps.assign(region=r_reg)

    t.update(orders=orders, customers=customers, reps=reps)
    if "market_share" in t:
        ms = t["market_share"]
        parts = [ms.loc[~ms["region"].isin(names)]]
        for p, kids in names.items():
            rows = ms.loc[ms["region"] == p]
            if not len(rows):
                continue
            sh = rng.dirichlet(np.full(len(kids), 20.0))
            vals = _split_amount(rows["sales"].to_numpy(dtype=float), sh)
            parts += [rows.assign(region=kid, sales=vals[:, j]) for j, kid in enumerate(kids)]
        t["market_share"] = pd.concat(parts, ignore_index=True).sort_values(
            ["period", "competitor", "region"], kind="stable").reset_index(drop=True)
    sub_revenue = orders.groupby("region")["amount"].sum()
    if "targets" in t:
        t["targets"] = _split_targets(t["targets"], "region", children, sub_revenue)
    if "actions" in t:
        a = t["actions"].copy()
        largest = {p: kids[int(np.argmax(_shares(sub_revenue, kids)))] for p, kids in children.items()}
        m = a["level"] == "region"
        a.loc[m, "key"] = a.loc[m, "key"].map(lambda k: largest.get(k, k))
        t["actions"] = a
    return t, mapping


def split_reps(tables: dict[str, pd.DataFrame], n_reps: int,
               rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tables with every rep split into several, ``n_reps`` in all (see the module doc)."""
    t = dict(tables)
    reps = t["reps"]
    if n_reps < len(reps):
        raise ValueError(f"reps={n_reps}: the sample has {len(reps)} reps; ask for at least that many")
    counts = allocate(n_reps, np.ones(len(reps)))
    width = max(2, len(str(int(counts.max()))))
    new = reps.loc[reps.index.repeat(counts)].reset_index(drop=True)
    j = np.concatenate([np.arange(k) for k in counts]) + 1
    new["rep_id"] = [f"{r}-{i:0{width}d}" for r, i in zip(new["rep_id"], j, strict=True)]
    new["name"] = [f"{n}{i}" if k > 1 else n for n, i, k in
                   zip(new["name"], j, np.repeat(counts, counts), strict=True)]
    children = {r: list(new["rep_id"].iloc[s:s + k]) for r, s, k in
                zip(reps["rep_id"], np.cumsum(counts) - counts, counts, strict=True)}
    mapping = {c: p for p, kids in children.items() for c in kids}
    kid_arrays = {p: np.array(k) for p, k in children.items()}

    def deal(col: pd.Series) -> np.ndarray:
        v = col.to_numpy(dtype=object).copy()
        for p, kids in kid_arrays.items():
            m = v == p
            if m.any():
                v[m] = kids[rng.integers(0, len(kids), int(m.sum()))]
        return v

    t["reps"] = new
    for name in ("orders", "leads"):
        if name in t and "rep_id" in t[name]:
            t[name] = t[name].assign(rep_id=deal(t[name]["rep_id"]))
    if "targets" in t:
        rev = t["orders"].groupby("rep_id")["amount"].sum()
        t["targets"] = _split_targets(t["targets"], "rep", children, rev)
    return t, mapping
