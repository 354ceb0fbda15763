"""Clear messages instead of tracebacks: corrupt or renamed workbooks, old .xls, semicolons, params files."""

import shutil
from pathlib import Path

import pytest
from conftest import write

from workbench.cli import main
from workbench.data import load_dataset
from workbench.data.read import read_file, sniff_sep
from workbench.exceptions import DataError

OLD_XLS = (Path(__file__).resolve().parents[2] / ".venv/lib/python3.11/site-packages/statsmodels/tsa/statespace"
           / "tests/results/frbny_nowcast/Nowcasting/test_spec_blocks.xls")


def test_corrupt_xlsx_is_an_issue_with_advice_not_a_traceback(tiny, capsys):
    (tiny / "products.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook" * 10)
    ds = load_dataset(tiny, strict=False)
    (e,) = ds.errors
    assert e.kind == "unreadable" and e.file == "products.xlsx" and "not a readable XLSX workbook" in e.message
    assert main(["validate", "--data", str(tiny)]) == 1
    out = capsys.readouterr()
    assert "products.xlsx" in out.out and "Traceback" not in out.out + out.err


def test_csv_renamed_to_xlsx(tiny):
    write(tiny, "products.xlsx", "product_id,name\nP1,门锁\n")
    with pytest.raises(DataError, match=r"products\.xlsx.*not a readable XLSX workbook.*renamed"):
        load_dataset(tiny)


def test_xlsx_renamed_to_csv(tiny):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["product_id", "name"])
    wb.save(tiny / "products.csv")
    with pytest.raises(DataError, match=r"products\.csv.*Excel workbook renamed"):
        load_dataset(tiny)


@pytest.mark.skipif(not OLD_XLS.exists(), reason="no .xls file to read in this environment")
def test_old_xls_is_read_not_ignored(tmp_path):
    raw = read_file(OLD_XLS, hints=["SeriesID", "Units"])
    assert raw.format == "xls" and list(raw.frame.columns[:2]) == ["Model", "SeriesID"] and len(raw.frame) > 0
    shutil.copy(OLD_XLS, tmp_path / "orders.xls")
    ds = load_dataset(tmp_path, strict=False)
    # read, so each missing column is named against the header found in it
    assert {e.kind for e in ds.errors} == {"missing_column"} and len(ds.errors) == 4
    assert all(e.file == "orders.xls" and "found model, seriesid" in e.expected for e in ds.errors)


def test_semicolon_delimited_csv(tmp_path):
    write(tmp_path, "orders.csv", "order_id;order_date;customer_id;amount\nO1;2026-03-05;C1;100\nO2;2026-03-06;C2;7\n")
    ds = load_dataset(tmp_path)
    assert ds["orders"]["amount"].tolist() == [100.0, 7.0] and ds.files["orders"].sep == ";"
    assert sniff_sep(["a\tb\tc", "1\t2\t3"]) == "\t"


def test_title_row_and_line_numbers_survive_blank_rows(tmp_path):
    write(tmp_path, "orders.csv", "订单导出 2026-03\norder_id,order_date,customer_id,amount\n"
                                  "O1,2026-03-05,C1,1\n\n,,,\nO2,2026-03-06,C2,x\n")
    with pytest.raises(DataError, match=r"row 6\)"):  # the line a spreadsheet shows
        load_dataset(tmp_path)


def test_params_file_that_is_a_folder(tmp_path, capsys):
    write(tmp_path, "sample.yaml", "lang: zh\n")
    assert main(["run", "--params", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is a folder; expected a params YAML file" in err and "sample.yaml" in err and "Traceback" not in err


def test_gbk_params_file(tmp_path, capsys):
    p = write(tmp_path, "p.yaml", "lang: zh\n# 月度报告参数\n", encoding="gbk")
    assert main(["run", "--params", str(p)]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8 but GBK" in err and "save it as UTF-8" in err


def test_gzipped_csv_table(tmp_path):
    import gzip

    (tmp_path / "orders.csv.gz").write_bytes(gzip.compress(
        b"order_id,order_date,customer_id,amount\nO1,2026-03-05,C1,12.5\n"))
    ds = load_dataset(tmp_path)
    assert ds["orders"]["amount"].tolist() == [12.5] and ds.files["orders"].path.name == "orders.csv.gz"
