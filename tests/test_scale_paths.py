"""The fast paths added for ten million order lines (issue 14) give the same answers as the plain ones.

- ``in_reference`` looks Arrow text up with Arrow's ``is_in``; object columns take the
  factorising path. Both are compared with a set lookup written out here, on every foreign
  key of the bundled sample, and with the orphan counts planted in ``truth.json``.
- The data quality report's ``_filled`` compares Arrow text in Arrow; the object path stays.
- ``read_file`` no longer decodes a whole CSV: a file longer than the head it decodes, GB18030
  and UTF-8 validated in pieces that cut a character in two, and blank-line numbering.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workbench.data import read as read_mod
from workbench.data.aliases import BLANK
from workbench.data.loader import in_reference, load_dataset
from workbench.data.read import _decodes, _head, read_file
from workbench.data.schema import TABLES
from workbench.paths import SAMPLE_DIR
from workbench.quality.prepare import _filled, _orphan_masks

SAMPLE = SAMPLE_DIR


@pytest.fixture(scope="module")
def ds():
    return load_dataset(SAMPLE, strict=True)


def _by_set(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    ref = {v for v in allowed.tolist() if isinstance(v, str)}
    return np.array([not isinstance(v, str) or v == BLANK or v in ref for v in values.tolist()], dtype=bool)


def test_in_reference_arrow_and_object_paths_agree_on_every_foreign_key(ds):
    checked = 0
    for name, df in ds.tables.items():
        for fk in TABLES[name].foreign_keys:
            if fk.column not in df.columns or fk.ref_table not in ds.tables:
                continue
            vals, ref = df[fk.column], ds.tables[fk.ref_table][fk.ref_column]
            assert isinstance(vals.dtype, pd.StringDtype)  # the Arrow path is the one taken
            fast = in_reference(vals, ref)
            slow = in_reference(vals.astype(object), ref.astype(object))
            assert fast.dtype == bool and len(fast) == len(vals)
            np.testing.assert_array_equal(fast, slow)
            np.testing.assert_array_equal(fast, _by_set(vals, ref))
            checked += 1
    assert checked >= 10


def test_orphans_found_are_the_planted_ones(ds):
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))["imperfections"]["orphans"]
    orders = ds["orders"]
    cust = ~in_reference(orders["customer_id"], ds["customers"]["customer_id"])
    chan = ~in_reference(orders["channel_id"], ds["channels"]["channel_id"])
    # the planted duplicate lines are copies of clean lines, so dropping them keeps these counts
    assert int(cust.sum()) == truth["orders.customer_id"] == 127
    assert int(chan.sum()) == truth["orders.channel_id"]
    assert set(orders.loc[chan, "channel_id"]) == {truth["unknown_channel_id"]}
    masks = _orphan_masks(ds)
    assert int(masks["orders"]["customer_id"].sum()) == 127
    assert _orphan_masks(ds) is masks  # computed once per dataset


def test_in_reference_small_case_by_hand():
    vals = pd.Series(["a", None, BLANK, "x", "b", "a", ""], dtype="str")
    ref = pd.Series(["a", "b", None], dtype="str")
    expected = [True, True, True, False, True, True, False]
    assert in_reference(vals, ref).tolist() == expected
    assert in_reference(vals.astype(object), ref).tolist() == expected
    assert in_reference(pd.Series(["a", "z"], dtype="string[pyarrow]"), ref).tolist() == [True, False]
    assert in_reference(pd.Series([], dtype="str"), ref).tolist() == []


def test_filled_arrow_and_object_paths_agree(ds):
    compared = 0
    for name, df in ds.tables.items():
        spec = TABLES[name]
        for col in spec.columns:
            if col.name not in df.columns or not col.bucket_blank:
                continue
            fast = _filled(df, spec, col.name)
            slow = _filled(df.astype({col.name: object}), spec, col.name)
            assert fast.dtype == bool
            pd.testing.assert_series_equal(fast, slow, check_names=False)
            expected = df[col.name].notna() & (df[col.name].astype(object) != BLANK)
            assert int(fast.sum()) == int(expected.sum())
            compared += 1
    assert compared >= 5
    # the planted blank regions of the order lines are not filled
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))["imperfections"]["missing"]
    blank_regions = int((~_filled(ds["orders"], TABLES["orders"], "region")).sum())
    assert blank_regions == truth["orders.region"]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_decodes_in_pieces_that_cut_characters(monkeypatch, encoding):
    text = "客户编号,名称\n" + "".join(f"C{i:05d},星辰智能家居{i}号店\n" for i in range(50))
    raw = text.encode(encoding)
    for chunk in (1, 3, 7, 64):  # every size cuts a two-, three- or four-byte character somewhere
        monkeypatch.setattr(read_mod, "_CHUNK", chunk)
        assert _decodes(raw, encoding)
        assert not _decodes(raw[:-1] + b"\xff", encoding)
        assert not _decodes(raw[:5] + b"\x80\x80\xff" + raw[5:], encoding)
    assert _decodes(b"", encoding)


def test_head_reads_only_what_the_first_lines_need():
    lines = [f"row{i},值{i}" for i in range(100_000)]
    raw = ("\n".join(lines) + "\n").encode("gb18030")
    assert len(raw) > 1 << 16
    assert _head(raw, "gb18030", 10) == lines[:10]
    assert _head(b"a,b\n1,2", "utf-8", 10) == ["a,b", "1,2"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_large_csv_reads_like_the_c_parser(tmp_path, encoding):
    n = 30_000
    df = pd.DataFrame({"order_id": [f"SO{i:07d}" for i in range(n)],
                       "region": np.where(np.arange(n) % 7 == 0, "", "华东"),
                       "amount": (np.arange(n) * 1.5).astype(str)})
    path = tmp_path / "orders.csv"
    title = "订单导出（2026-10-31）\n"
    path.write_bytes((title + df.to_csv(index=False, lineterminator="\n")).encode(encoding))
    raw = read_file(path, hints=["order_id", "region", "amount"])
    assert raw.encoding == encoding and raw.header_row == 1
    assert len(raw.frame) == n
    assert raw.frame["order_id"].iloc[-1] == f"SO{n - 1:07d}"
    assert int(raw.frame["region"].isna().sum()) == len(range(0, n, 7))
    assert raw.line_numbers[0] == 3 and raw.line_numbers[-1] == n + 2


def test_blank_lines_still_number_rows_by_the_file(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes("order_id,amount\r\nA,1\r\n\r\nB,2\r\n\r\n\r\nC,3\r\n".encode("gb18030"))
    raw = read_file(path, hints=["order_id", "amount"])
    assert raw.frame["order_id"].tolist() == ["A", "B", "C"]
    assert raw.line_numbers.tolist() == [2, 4, 7]


def test_large_tables_as_parquet_load_like_the_csv_sample(tmp_path, ds):
    """``generate_sample`` writes a table over ``parquet_rows`` as Parquet; loaded, it is the CSV's table."""
    from workbench.sample import PARQUET_ROWS, generate_sample

    assert PARQUET_ROWS >= 1_100_000  # --scale 25 (1,038,805 order lines) and the bundled sample stay CSV
    truth = generate_sample(tmp_path, parquet_rows=10_000)
    written = {p.name for p in tmp_path.iterdir()}
    big = {t for t, n in truth["row_counts"].items() if n > 10_000 and t != "products"}
    assert {"orders", "leads", "stage_history"} <= big
    assert {f"{t}.parquet" for t in big} <= written
    assert not {f"{t}.csv" for t in big} & written  # one file per table
    assert truth["files"]["orders"] == "orders.parquet"
    pq = load_dataset(tmp_path, strict=True)
    assert set(pq.tables) == set(ds.tables)
    for name, df in ds.tables.items():
        other = pq.tables[name]
        if name in big and "line_id" in df.columns:
            # a line of a CSV is numbered below its header, a Parquet row from 1
            np.testing.assert_array_equal(other["line_id"].to_numpy(), df["line_id"].to_numpy() - 1)
            df, other = df.drop(columns="line_id"), other.drop(columns="line_id")
        pd.testing.assert_frame_equal(other, df, check_dtype=False, obj=name)
    audit = pq.audit.set_index("table")
    assert audit.loc["orders", "rows_read"] == truth["row_counts"]["orders"]
    assert audit.loc["orders", "rows_dropped"] == truth["imperfections"]["duplicates"]["orders.exact_duplicate_lines"]
    assert bool(audit["reconciled"].all())


def _name_keys_by_pandas(names: pd.Series) -> pd.Series:
    """The matching key as pandas' chained string methods computed it before (the reference)."""
    from workbench.quality.duplicates import _PUNCT_RE, _SUFFIX_RE

    s = names.astype("str").str.normalize("NFKC").str.casefold()
    s = s.str.replace(_PUNCT_RE, " ", regex=True).str.strip()
    s = s.str.replace(_SUFFIX_RE, "", regex=True).str.replace(" ", "", regex=False)
    return s.where(s.str.len() > 0)


def test_company_name_keys_match_the_pandas_chain(ds):
    from workbench.quality.duplicates import normalise_company_name, possible_duplicate_customers

    tricky = pd.Series(["星辰科技有限公司", " 星辰科技 ", "星辰科技公司", "Acme Co., Ltd.", None, "", "  ", "有限公司",
                        "ＡＣＭＥ\u3000Inc", "a\x1cb", "Straße GmbH", "=HYPERLINK(\"x\")", "（尾号1234）"], dtype="str")
    got = normalise_company_name(tricky)
    pd.testing.assert_series_equal(got, _name_keys_by_pandas(tricky))
    assert got.tolist()[:4] == ["星辰科技"] * 3 + ["acme"] and got.iloc[10] == "strasse"
    names = ds["customers"]["name"]
    pd.testing.assert_series_equal(normalise_company_name(names), _name_keys_by_pandas(names))
    # every customer the sample entered twice is found as a possible duplicate
    pairs = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))["imperfections"]["duplicates"][
        "customers.duplicate_pairs"]
    groups = [set(ids.split(", ")) for ids in possible_duplicate_customers(ds)["ids"]]
    assert pairs and all(any(set(p) <= g for g in groups) for p in pairs)
