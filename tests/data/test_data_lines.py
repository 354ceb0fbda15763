"""Line identity: two lines are duplicates only if every column of the source file agrees."""

import pandas as pd
import pytest
from conftest import write

from workbench.data import load_dataset

pytestmark = []

HEAD = "row_id,order_id,order_date,customer_id,amount\n"


def test_lines_differing_only_in_a_row_id_are_two_lines(tmp_path):
    write(tmp_path, "orders.csv", HEAD + "1,O1,2026-03-05,C1,281.372\n2,O1,2026-03-05,C1,281.372\n")
    ds = load_dataset(tmp_path)
    o = ds["orders"]
    assert len(o) == 2 and o["amount"].sum() == pytest.approx(562.744)
    assert o["row_id"].tolist() == ["1", "2"] and o["line_id"].tolist() == [2, 3]
    assert ds.warnings == []


def test_lines_equal_in_every_column_are_reported_with_count_and_money(tmp_path):
    body = "O1,2026-03-05,C1,10\nO2,2026-03-05,C2,99.5\nO2,2026-03-05,C2,99.5\nO2,2026-03-05,C2,99.5\n"
    write(tmp_path, "orders.csv", "order_id,order_date,customer_id,amount\n" + body)
    ds = load_dataset(tmp_path)
    (w,) = ds.warnings
    assert (w.kind, w.count, w.rows, w.money) == ("exact_duplicate", 2, [4, 5], 199.0)
    assert "kept" in w.message and "199.00" in w.message
    assert ds["orders"]["amount"].sum() == pytest.approx(308.5)
    dropped = load_dataset(tmp_path, keep_duplicate_lines=False)
    assert dropped["orders"]["amount"].sum() == pytest.approx(109.5)
    assert dropped.audit.set_index("table").loc["orders", "money_dropped"] == pytest.approx(199.0)


@pytest.mark.real
def test_superstore_keeps_both_lines_that_differ_only_in_row_id(real_data, tmp_path):
    raw = pd.read_csv(real_data / "superstore" / "superstore.csv", dtype=str, keep_default_na=False)
    orders = raw.rename(columns={"Order ID": "order_id", "Customer ID": "customer_id", "Sales": "amount"})
    orders["Order Date"] = pd.to_datetime(raw["Order Date"], format="%m/%d/%Y").dt.strftime("%Y-%m-%d")
    orders = orders.rename(columns={"Order Date": "order_date"})
    orders.to_csv(tmp_path / "orders.csv", index=False)
    ds = load_dataset(tmp_path)
    got = ds["orders"]
    assert len(got) == 9_994 and got["amount"].sum() == pytest.approx(2_297_200.86, abs=0.01)  # README
    assert not [w for w in ds.warnings if w.kind == "exact_duplicate"]
    assert got.loc[got["line_id"].isin([3407, 3408]), "row_id"].tolist() == ["3406", "3407"]
    # without Row ID the two lines are equal in every column: reported, kept, with their money
    orders.drop(columns="Row ID").to_csv(tmp_path / "orders.csv", index=False)
    ds = load_dataset(tmp_path)
    (w,) = [w for w in ds.warnings if w.kind == "exact_duplicate"]
    assert (w.count, w.rows, w.money) == (1, [3408], 281.37)
    assert len(ds["orders"]) == 9_994
