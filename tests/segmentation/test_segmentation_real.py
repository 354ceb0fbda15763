"""RFM on the real UCI Online Retail export equals an independent pandas computation.

Handling, as documented in docs/segmentation.md:

- InvoiceNo starting with C is a cancellation (negative quantity). It is its own
  order (UCI cancellations do not carry the original invoice number, so nothing
  links them): never a purchase, but netted into the customer's monetary value.
- Lines without CustomerID (135,080) cannot be attributed to a customer. The
  loader rejects a blank required customer_id, so an importer either drops them
  or maps them to a placeholder listed in ``ignore_customer_ids``; both give the
  same segments.
- A purchase is an invoice whose net amount is above zero.
"""

from pathlib import Path

import pandas as pd
import pytest

import workbench.segmentation as seg
from workbench.data.loader import Dataset, DatasetMeta
from workbench.paths import PROJ_ROOT

pytestmark = [pytest.mark.real, pytest.mark.slow]
REAL_DATA = PROJ_ROOT.parent / "shared" / "data" / "real"  # as tests/conftest.py's real_data fixture


@pytest.fixture(scope="module")
def uci():
    path = REAL_DATA / "uci_online_retail" / "online_retail.csv.gz"
    if not path.exists():
        pytest.skip(f"real public data not found at {path} (it lives in ../shared, outside the repository)")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["amount"] = pd.to_numeric(raw["Quantity"]) * pd.to_numeric(raw["UnitPrice"])
    raw["date"] = pd.to_datetime(raw["InvoiceDate"])
    return raw


def canonical(raw: pd.DataFrame, blank_as: str | None) -> Dataset:
    """The orders table an importer would write: columns renamed, blank customers dropped or mapped."""
    cust = raw["CustomerID"]
    keep = cust != "" if blank_as is None else pd.Series(True, index=raw.index)
    orders = pd.DataFrame({
        "order_id": raw["InvoiceNo"].astype("str"), "order_date": raw["date"],
        "customer_id": cust.where(cust != "", blank_as or "").astype("str"), "amount": raw["amount"],
        "product_id": raw["StockCode"].astype("str"), "quantity": pd.to_numeric(raw["Quantity"]),
        "region": raw["Country"].astype("str"),
    }).loc[keep].reset_index(drop=True)
    return Dataset(Path("."), DatasetMeta(currency="GBP"), {"orders": orders}, {}, [])


def independent(raw: pd.DataFrame) -> pd.DataFrame:
    """RFM written from scratch with plain pandas on the raw columns."""
    d = raw.loc[raw["CustomerID"] != ""]
    as_of = d["date"].max().normalize()
    monetary = d.groupby("CustomerID")["amount"].sum()
    inv = d.loc[~d["InvoiceNo"].str.startswith("C")].groupby(["CustomerID", "InvoiceNo"]).agg(
        net=("amount", "sum"), day=("date", "min"))
    bought = inv.loc[inv["net"] > 0].reset_index()
    g = bought.groupby("CustomerID")
    out = pd.DataFrame({"frequency": g.size(), "last": g["day"].max().dt.normalize()})
    out["recency_days"] = (as_of - out["last"]).dt.days
    out["monetary"] = monetary.reindex(out.index)
    return out


def test_uci_rfm_equals_independent_computation(uci):
    p = seg.SegmentationParams()
    prep = seg.prepare(canonical(uci, blank_as=None), p)
    rfm = seg.rfm_table(prep, p).set_index("customer_id")
    ref = independent(uci)
    assert prep.facts["customers"] == 4_372  # every CustomerID
    assert len(rfm) == len(ref) == 4_338 and prep.facts["no_purchase"] == 34  # only cancellations
    assert prep.analysis_date == pd.Timestamp("2011-12-09")
    assert prep.facts["return_lines"] == 8_905  # the C lines with a CustomerID (all negative)
    assert prep.facts["linked_return_lines"] == 0
    for cid in ("12346", "12347", "12748", "14911", "17841", "18102", "13089", "15311"):
        got = rfm.loc[cid]
        exp = ref.loc[cid]
        assert (got["frequency"], got["recency_days"]) == (exp["frequency"], exp["recency_days"]), cid
        assert got["monetary"] == pytest.approx(exp["monetary"], abs=1e-6), cid
    # 12346 bought 74,215 units once and cancelled them: one purchase, nothing left
    assert rfm.loc["12346", ["frequency", "monetary"]].tolist() == [1, pytest.approx(0.0, abs=1e-6)]
    joined = rfm.merge(ref, left_index=True, right_index=True, suffixes=("", "_ref"))
    assert (joined["frequency"] == joined["frequency_ref"]).all()
    assert (joined["recency_days"] == joined["recency_days_ref"]).all()
    assert joined["monetary"].sum() == pytest.approx(joined["monetary_ref"].sum(), abs=0.01)
    # in total: buyers' net + no-purchase customers' net = every line with a CustomerID
    total = uci.loc[uci["CustomerID"] != "", "amount"].sum()
    assert rfm["monetary"].sum() + prep.facts["no_purchase_amount"] == pytest.approx(total, abs=0.01)
    assert total == pytest.approx(8_300_065.81, abs=0.01)


def test_uci_placeholder_customer_gives_the_same_segments(uci):
    p = seg.SegmentationParams(ignore_customer_ids=["GUEST"])
    prep = seg.prepare(canonical(uci, blank_as="GUEST"), p)
    assert prep.facts["lines_ignored"] == 135_080
    dropped = seg.prepare(canonical(uci, blank_as=None), p)
    pd.testing.assert_frame_equal(seg.rfm_table(prep, p), seg.rfm_table(dropped, p))
