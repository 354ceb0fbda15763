"""The runner's dataset cache: a notebook reads the tables it uses, and gets exactly what was validated."""

import pickle

import pandas as pd
import pytest

from workbench import paths
from workbench.data.loader import load_dataset
from workbench.runner.cache import LazyTables, read_cache, write_cache


@pytest.fixture(scope="module")
def sample():
    return load_dataset(paths.resolve("data/sample"), strict=False)


def test_tables_read_back_equal_and_only_when_used(sample, tmp_path):
    folder = write_cache(sample, tmp_path / "dataset-0")
    ds = read_cache(folder)
    assert isinstance(ds.tables, LazyTables)
    assert sorted(ds.tables) == sorted(sample.tables) and len(ds.tables) == len(sample.tables)
    assert ds.tables.loaded() == []  # nothing read yet
    assert "orders" in ds.tables and "no_such_table" not in ds.tables
    pd.testing.assert_frame_equal(ds["orders"], sample["orders"])
    assert ds.tables.loaded() == ["orders"]
    assert ds.tables.get("no_such_table") is None
    for name, df in ds.tables.items():  # every table, dtypes included
        pd.testing.assert_frame_equal(df, sample.tables[name])
    assert ds.meta == sample.meta and len(ds.issues) == len(sample.issues)
    pd.testing.assert_frame_equal(ds.audit, sample.audit)


def test_changes_and_pickling_behave_as_a_dict(sample, tmp_path):
    ds = read_cache(write_cache(sample, tmp_path / "c"))
    ds.tables["extra"] = pd.DataFrame({"a": [1]})
    del ds.tables["leads"]
    assert "leads" not in ds.tables and "extra" in ds.tables
    with pytest.raises(KeyError):
        ds.tables["leads"]
    back = pickle.loads(pickle.dumps(ds))  # e.g. a fan-out inside a kernel: a plain dict of every table
    assert isinstance(back.tables, dict) and sorted(back.tables) == sorted(ds.tables)
    pd.testing.assert_frame_equal(back["orders"], sample["orders"])


def test_a_single_pickle_still_reads(sample, tmp_path):
    path = tmp_path / "dataset-0.pkl"
    path.write_bytes(pickle.dumps(sample))
    assert sorted(read_cache(path).tables) == sorted(sample.tables)


def test_line_numbers_kept_only_where_they_are_not_arithmetic(tmp_path):
    """The cache's shell drops line numbers that line_of computes anyway; a file with a blank line
    keeps them; every row's line is the same read from the cache."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(paths.resolve("data/sample"), data)
    raw = (data / "customers.csv").read_bytes()
    enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"  # the sample's customers: Excel on Chinese Windows
    text = raw.decode(enc).splitlines(keepends=True)
    text.insert(2, "\r\n")  # a blank line after the first customer: the rows below sit one line lower
    (data / "customers.csv").write_text("".join(text), encoding=enc)
    ds = load_dataset(data, strict=False)
    back = read_cache(write_cache(ds, tmp_path / "cache"))
    assert back.files["orders"].line_numbers is None and ds.files["orders"].line_numbers is not None
    assert back.files["customers"].line_numbers is not None
    for t in ("orders", "customers"):
        n = ds.files[t].rows_read
        pos = [0, 1, 2, n // 2, n - 1]
        assert back.files[t].line_of(pos) == ds.files[t].line_of(pos)
    assert ds.files["customers"].line_of([0, 1]) == [2, 4] == back.files["customers"].line_of([0, 1])
