"""Channel matrices and inventory cover by hand; the stale inventory of the sample is said to be stale."""

import pandas as pd
import pytest

from workbench.channels import channel_matrix, inventory_cover
from workbench.channels.params import ChannelParams
from workbench.data import load_dataset
from workbench.paths import SAMPLE_DIR


def _tables():
    orders = pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4", "O5"],
        "order_date": pd.to_datetime(["2026-05-01", "2026-05-10", "2026-05-20", "2026-06-01", "2026-06-15"]),
        "customer_id": ["C1", "C2", "C1", "C3", "C3"],
        "amount": [100.0, 300.0, 100.0, 50.0, 150.0],
        "channel_id": ["A", "A", "B", "B", "B"],
        "product_id": ["P1", "P2", "P1", "P2", "P2"],
        "quantity": [10.0, 30.0, 9.0, 3.0, 6.0],
        "region": ["东", None, "南", "南", "东"],
    })
    customers = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "industry": ["酒店", "酒店", "零售"],
                              "region": ["东", "西", "南"]})
    products = pd.DataFrame({"product_id": ["P1", "P2"], "category": ["锁", "灯"]})
    inventory = pd.DataFrame({
        "date": pd.to_datetime(["2026-05-31", "2026-06-30", "2026-06-30", "2026-06-30", "2026-06-30"]),
        "channel_id": ["A", "A", "A", "B", "B"], "product_id": ["P1", "P1", "P2", "P1", "P2"],
        "on_hand": [99.0, 20.0, 0.0, 30.0, 18.0]})
    return {"orders": orders, "customers": customers, "products": products, "inventory": inventory}


def test_matrices_by_hand():
    p = ChannelParams()
    t = _tables()
    m = channel_matrix(t, "product", p)
    assert m.column == "category"
    long = m.long.set_index(["channel_id", "key"])
    assert long.loc[("A", "锁"), "share"] == pytest.approx(0.25) and long.loc[("A", "灯"), "share"] == pytest.approx(0.75)
    assert long.loc[("B", "灯"), "orders"] == 2
    wide = m.wide.set_index("channel_id")
    assert wide.loc["B", "revenue"] == 300 and wide.loc["B", "orders"] == 3
    assert wide.drop(columns=["channel_name", "revenue", "orders"]).sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    seg = channel_matrix(t, "segment", p).long.set_index(["channel_id", "key"])
    assert seg.loc[("B", "零售"), "share"] == pytest.approx(200 / 300)
    # region: the order's own region, else the customer's (O2 -> C2 -> 西)
    reg = channel_matrix(t, "region", p).long.set_index(["channel_id", "key"])
    assert reg.loc[("A", "西"), "revenue"] == 300 and reg.loc[("B", "东"), "revenue"] == 150


def test_matrix_notes_when_columns_are_missing():
    p = ChannelParams(segment_column="tier")
    t = _tables()
    m = channel_matrix(t, "segment", p)
    assert not m.available and "customers.tier" in m.notes[0].en.format(**m.notes[0].values)
    assert not channel_matrix({}, "region", p).available
    with pytest.raises(ValueError, match="Valid options are: product, segment, region"):
        channel_matrix(t, "city", p)


def test_inventory_cover_by_hand():
    p = ChannelParams(cover_window_days=61, overstock_months=5.0)
    inv = inventory_cover(_tables(), p, pd.Timestamp("2026-07-10"))
    assert not inv.stale and inv.snapshot == pd.Timestamp("2026-06-30")
    sku = inv.by_sku.set_index(["channel_id", "product_id"])
    months = 61 / 30.4375
    # A/P1: the latest snapshot (20 units), 10 sold in the 61 days before 2026-06-30
    assert sku.loc[("A", "P1"), "on_hand"] == 20 and sku.loc[("A", "P1"), "units_sold"] == 10
    assert sku.loc[("A", "P1"), "cover_months"] == pytest.approx(20 / (10 / months))
    assert sku.loc[("A", "P1"), "sell_through"] == pytest.approx(10 / 30)
    assert not bool(sku.loc[("A", "P1"), "overstock"])  # 4.0 months of cover, under 5
    assert sku.loc[("B", "P1"), "cover_months"] == pytest.approx(30 / (9 / months))  # 6.7 months
    assert bool(sku.loc[("B", "P1"), "overstock"])
    ch = inv.by_channel.set_index("channel_id")
    assert ch.loc["B", "overstock_skus"] == 1 and ch.loc["B", "overstock_units"] == 30
    assert ch.loc["B", "cover_months"] == pytest.approx(48 / (18 / months))
    assert sku.loc[("A", "P2"), "cover_months"] == 0 and sku.loc[("A", "P2"), "sell_through"] == 1  # sold out


def test_sample_inventory_is_stale():
    ds = load_dataset(SAMPLE_DIR, strict=False)
    inv = inventory_cover(ds.tables, ChannelParams(), pd.Timestamp("2026-10-31"))
    assert inv.stale and inv.snapshot == pd.Timestamp("2026-06-30") and inv.age_days == 123
    text = inv.notes[0].en.format(**{k: str(v) for k, v in inv.notes[0].values.items()})
    assert "Inventory is stale" in text and "2026-06-30" in text and "123 days" in text
    assert set(inv.by_channel["channel_id"]) == {f"CH0{i}" for i in range(1, 9)}
    assert (inv.by_channel["cover_months"] > 0).all()
