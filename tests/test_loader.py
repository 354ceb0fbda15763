"""Loading a dataset folder: encodings, title rows, coercion, and the bad inputs users really send."""

import pandas as pd
import pytest
from conftest import write

from workbench.data import load_dataset
from workbench.exceptions import DataError

ORDERS = "order_id,order_date,customer_id,amount\nO1,2026-03-05,C1,100\nO2,2026-03-06,C2,200\n"


def test_tiny_dataset_loads_with_types(tiny):
    ds = load_dataset(tiny)
    orders = ds["orders"]
    assert len(orders) == 3
    assert orders["amount"].sum() == pytest.approx(280.5)
    assert pd.api.types.is_datetime64_any_dtype(orders["order_date"])
    assert ds["customers"].loc[1, "name"] == "<script>alert(1)</script>"  # kept as text
    assert ds.errors == [] and ds.warnings == []
    assert set(ds.fingerprint()) == {"orders", "customers", "channels"}


def test_gbk_csv_detected(tmp_path):
    write(tmp_path, "customers.csv", "customer_id,name,region\nC1,星辰科技有限公司,华东\n", encoding="gbk")
    ds = load_dataset(tmp_path)
    assert ds.files["customers"].encoding == "gb18030"
    assert ds["customers"].loc[0, "name"] == "星辰科技有限公司"


def test_utf8_bom_csv(tmp_path):
    write(tmp_path, "customers.csv", "\ufeffcustomer_id,name\nC1,华东客户\n")
    ds = load_dataset(tmp_path)
    assert ds.files["customers"].encoding == "utf-8-sig"
    assert list(ds["customers"].columns[:2]) == ["customer_id", "name"]


def test_xlsx_with_title_row(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["产品主数据（导出于 2026-10-31）"])
    ws.append(["product_id", "name", "category", "list_price"])
    ws.append([101, "智能门锁 X1", "智能门锁", "¥1,299"])
    ws.append(["P-2", "摄像头", "智能摄像头", 399.0])
    wb.save(tmp_path / "products.xlsx")
    ds = load_dataset(tmp_path)
    p = ds["products"]
    assert p["product_id"].tolist() == ["101", "P-2"]
    assert p["list_price"].tolist() == [1299.0, 399.0]
    assert ds.files["products"].header_row == 1


def test_parquet(tmp_path):
    pd.DataFrame({"channel_id": [1, 2], "name": ["a", "b"], "type": ["Direct", "retail"]}).to_parquet(
        tmp_path / "channels.parquet")
    ds = load_dataset(tmp_path)
    assert ds["channels"]["channel_id"].tolist() == ["1", "2"]
    assert ds["channels"]["type"].tolist() == ["direct", "retail"]


def test_missing_folder():
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("/no/such/folder")


def test_empty_file(tmp_path):
    (tmp_path / "orders.csv").write_bytes(b"")
    with pytest.raises(DataError, match=r"orders\.csv.*empty"):
        load_dataset(tmp_path)


def test_header_only_table_is_left_out_and_names_the_notebooks_it_turns_off(tiny):
    write(tiny, "leads.csv", "lead_id,created_date,channel_id,status\n")
    ds = load_dataset(tiny)  # does not block the other tables
    assert "leads" not in ds and len(ds["orders"]) == 3
    (w,) = [i for i in ds.warnings if i.kind == "no_rows"]
    assert "leads.csv" in str(w) and "no data rows" in str(w) and "20_channel_evaluation" in str(w)


def test_missing_required_column_named_with_hint(tmp_path):
    write(tmp_path, "orders.csv", "order_id,order_dat,customer_id,amount\nO1,2026-03-05,C1,1\n")
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    msg = str(err.value)
    assert "orders.csv" in msg and "'order_date' is missing" in msg and "did you mean 'order_dat'" in msg


def test_unparseable_dates_name_rows(tmp_path):
    write(tmp_path, "orders.csv", ORDERS + "O3,31/02/2026,C3,5\nO4,soon,C4,6\n")
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    msg = str(err.value)
    assert "column 'order_date'" in msg and "rows 4, 5" in msg and "'31/02/2026'" in msg and "expected a date" in msg


def test_text_in_amount(tmp_path):
    write(tmp_path, "orders.csv", ORDERS + "O3,2026-03-07,C3,twelve\n")
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    assert "column 'amount'" in str(err.value) and "row 4" in str(err.value) and "'twelve'" in str(err.value)


def test_duplicate_primary_keys_conflicting(tmp_path):
    write(tmp_path, "customers.csv", "customer_id,name\nC1,甲\nC2,乙\nC1,丙\n")
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    msg = str(err.value)
    assert "customers.csv" in msg and "share a key" in msg and "rows 2, 4" in msg


def test_exact_duplicate_lines_kept_with_warning_by_default(tmp_path):
    write(tmp_path, "orders.csv", ORDERS + "O2,2026-03-06,C2,200\n")
    ds = load_dataset(tmp_path)
    assert len(ds["orders"]) == 3 and ds["orders"]["line_id"].tolist() == [2, 3, 4]
    (w,) = ds.warnings
    assert w.kind == "exact_duplicate" and w.count == 1 and w.rows == [4] and w.money == 200.0


def test_exact_duplicate_lines_dropped_when_asked(tmp_path):
    write(tmp_path, "orders.csv", ORDERS + "O2,2026-03-06,C2,200\n")
    assert len(load_dataset(tmp_path, keep_duplicate_lines=False)["orders"]) == 2
    write(tmp_path, "dataset.yaml", "duplicate_lines: drop\n")
    assert len(load_dataset(tmp_path)["orders"]) == 2
    assert len(load_dataset(tmp_path, keep_duplicate_lines=True)["orders"]) == 3  # params win


def test_repeated_record_of_a_keyed_table_is_one_record(tmp_path):
    write(tmp_path, "customers.csv", "customer_id,name\nC1,甲\nC2,乙\nC1,甲\n")
    ds = load_dataset(tmp_path)
    assert ds["customers"]["customer_id"].tolist() == ["C1", "C2"]
    (w,) = ds.warnings
    assert w.kind == "exact_duplicate" and w.rows == [4]


def test_invalid_optional_value_is_warning(tmp_path):
    write(tmp_path, "feedback.csv", "response_id,date,nps,csat\nR1,2026-01-01,9,5\nR2,2026-01-02,11,6\nR3,2026-01-03,x,3\n")
    ds = load_dataset(tmp_path)
    fb = ds["feedback"]
    assert fb["nps"].isna().sum() == 2 and fb["csat"].isna().sum() == 1
    kinds = sorted((i.column, i.kind, i.count) for i in ds.warnings)
    assert kinds == [("csat", "out_of_range", 1), ("nps", "invalid", 1), ("nps", "out_of_range", 1)]


def test_status_outside_allowed_is_error(tmp_path):
    write(tmp_path, "leads.csv", "lead_id,created_date,channel_id,status\nL1,2026-01-01,CH1,won\nL2,2026-01-01,CH1,maybe\n")
    with pytest.raises(DataError, match="one of open, won, lost"):
        load_dataset(tmp_path)


def test_blank_required_value(tmp_path):
    write(tmp_path, "orders.csv", ORDERS + "O3,2026-03-07,,5\n")
    with pytest.raises(DataError, match=r"column 'customer_id'.*no value.*row 4"):
        load_dataset(tmp_path)


def test_orphans_and_unknown_files_are_warnings(tiny):
    write(tiny, "order.csv", "x\n1\n")
    write(tiny, "orders.csv", "order_id,order_date,customer_id,amount,channel_id\nO1,2026-03-05,C9,1,CH1\n")
    ds = load_dataset(tiny)
    msgs = [str(i) for i in ds.warnings]
    assert any("did you mean 'orders.csv'" in m for m in msgs)
    orphan = [i for i in ds.warnings if i.kind == "orphan_key"]
    assert [(i.table, i.column, i.count) for i in orphan] == [("orders", "customer_id", 1)]


def test_all_errors_reported_at_once(tmp_path):
    write(tmp_path, "orders.csv", "order_id,order_date,customer_id,amount\nO1,bad,C1,x\n")
    write(tmp_path, "customers.csv", "name\nA\n")
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    assert len(err.value.issues) == 3


def test_mask_pii(tiny):
    write(tiny, "feedback.csv", "response_id,date,comment\nR1,2026-01-01,请回电 13812345678 或 a.b@example.com\n")
    ds = load_dataset(tiny, mask_pii=True)
    assert ds["customers"]["name"].str.startswith("Customer-").all()
    assert ds["feedback"].loc[0, "comment"] == "请回电 [phone] 或 [email]"
