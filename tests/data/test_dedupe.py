"""Repeated rows found by workbench.data.dedupe are exactly the rows pandas marks."""

import numpy as np
import pandas as pd
import pytest

from workbench.data import dedupe


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "order_id": rng.choice([f"O{i}" for i in range(n // 3)] + [None], n),  # text, with missing values
        "name": pd.Series(rng.choice(["深圳嘉业", "=A$1", "", "x", None], n), dtype="str"),
        "qty": rng.choice([1.0, 2.0, np.nan, 0.0, -0.0], n),
        "n": rng.integers(0, 3, n),
        "obj": pd.Series(rng.choice(["a", None, "b"], n), dtype=object),
        "when": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
    })
    return df


@pytest.mark.parametrize("keep", ["first", "last", False])
@pytest.mark.parametrize("subset", [None, ["order_id"], ["order_id", "qty", "name"]])
def test_same_rows_as_pandas(keep, subset):
    df = _frame(150_000)
    got = dedupe.duplicated(df, subset=subset, keep=keep)
    want = df.duplicated(subset=subset, keep=keep)
    assert got.index.equals(want.index) and (got.to_numpy() == want.to_numpy()).all()
    assert 0 < int(want.sum()) < len(df)  # the frame has both kinds of rows


def test_colliding_keys_are_told_apart(monkeypatch):
    """With a key that collides for most rows, pandas' own check on the candidates decides."""
    monkeypatch.setattr(dedupe, "_MULT", np.uint64(0))  # the key is then the last column's code alone
    df = _frame(120_000, seed=1)
    assert (dedupe.duplicated(df).to_numpy() == df.duplicated().to_numpy()).all()


def test_small_tables_go_to_pandas():
    df = pd.DataFrame({"a": ["x", "x", None, None], "b": [1, 1, 2, 2]})
    assert dedupe.duplicated(df).tolist() == [False, True, False, True]
