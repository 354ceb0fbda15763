"""Completeness: filled / rows per column, counted independently, and the chart that shows it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench import quality as q
from workbench.data.loader import load_dataset
from workbench.data.schema import TABLES
from workbench.params import NotebookParams
from workbench.reporting import Report


def _orders(folder, n=40, seed=7):
    """``n`` orders with region blank in a seeded random subset and channel_id blank in another."""
    rng = np.random.default_rng(seed)
    region = np.where(rng.random(n) < 0.35, "", rng.choice(["North", "South"], n))
    channel = np.where(rng.random(n) < 0.8, "", "CH1")
    df = pd.DataFrame({
        "order_id": [f"O{i}" for i in range(n)],
        "order_date": [f"2026-03-{1 + i % 28:02d}" for i in range(n)],
        "customer_id": "C1",
        "amount": np.arange(n) * 10 + 5,
        "region": region,
        "channel_id": channel,
    })
    df.to_csv(folder / "orders.csv", index=False)
    return df


def test_completeness_equals_independent_count(tmp_path):
    raw = _orders(tmp_path)
    cc = q.column_completeness(load_dataset(tmp_path, strict=False)).set_index(["table", "column"])
    for col in ("region", "channel_id", "amount"):
        filled = int((raw[col].astype(str) != "").sum())
        r = cc.loc[("orders", col)]
        assert (r["filled"], r["missing"], r["rows"]) == (filled, len(raw) - filled, len(raw))
        assert r["completeness"] == pytest.approx(filled / len(raw))
    # a canonical column absent from the file: present False, nothing filled
    absent = cc.loc[("orders", "rep_id")]
    assert not absent["present"] and absent["filled"] == 0 and absent["completeness"] == 0.0
    assert set(cc.xs("orders").index) == set(TABLES["orders"].column_names)


def _bar_texts(fig) -> dict[str, str]:
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    texts = [t.get_text() for t in ax.texts]
    return dict(zip(names, texts, strict=True))


def test_completeness_chart_shows_filled_over_rows_on_0_to_100(tmp_path):
    raw = _orders(tmp_path)
    ds = load_dataset(tmp_path, strict=False)
    rpt = Report(NotebookParams(lang="en"), labels=q.LABELS)
    fig = q.plots.plot_completeness(rpt, q.column_completeness(ds))
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 100.0)
    texts = _bar_texts(fig)
    filled = int((raw["region"] != "").sum())
    assert texts["orders.region"] == f"{100 * filled / len(raw):.0f}%  ({filled:,} / {len(raw):,})"
    widths = {t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches, strict=True)}
    assert widths["orders.region"] == pytest.approx(100 * filled / len(raw))
    assert all(0 <= w <= 100 for w in widths.values())


def test_completeness_chart_never_rounds_to_100():
    cc = pd.DataFrame({"table": ["t"], "column": ["c"], "present": [True], "rows": [1000], "filled": [998],
                       "completeness": [0.998]})
    fig = q.plots.plot_completeness(Report(NotebookParams(lang="en"), labels=q.LABELS), cc)
    assert _bar_texts(fig)["t.c"] == "99.8%  (998 / 1,000)"
