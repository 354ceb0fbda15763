"""data/sample is exactly what `workbench sample` writes with the defaults, and loads cleanly."""

import json

import pandas as pd
import pytest

from workbench.data import load_dataset
from workbench.paths import SAMPLE_DIR
from workbench.sample import generate_sample


@pytest.mark.slow
def test_bundled_sample_is_the_generator_output(tmp_path):
    generate_sample(tmp_path, seed=7, scale=1.0)
    bundled = sorted(p.name for p in SAMPLE_DIR.iterdir())
    assert bundled == sorted(p.name for p in tmp_path.iterdir())
    for name in bundled:
        if name.endswith(".xlsx"):  # openpyxl stamps the save time: compare the cells
            a = pd.read_excel(SAMPLE_DIR / name, header=None, dtype=str, engine="openpyxl")
            b = pd.read_excel(tmp_path / name, header=None, dtype=str, engine="openpyxl")
            pd.testing.assert_frame_equal(a, b)
        else:
            assert (SAMPLE_DIR / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_bundled_sample_validates_with_the_planted_imperfections_only():
    ds = load_dataset(SAMPLE_DIR)  # strict: no error
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))
    assert len(ds.tables) == 17  # 16 tables of the model v1 + touchpoints
    assert {w.kind for w in ds.warnings} == {"exact_duplicate", "orphan_key", "out_of_range"}
    dup = next(w for w in ds.warnings if w.kind == "exact_duplicate")
    assert dup.table == "orders"
    assert len(ds["orders"]) == truth["row_counts"]["orders"] - dup.count
    assert ds.files["customers"].encoding == "gb18030" and ds.files["products"].header_row == 1
    assert ds.meta.currency == "CNY" and ds.meta.company_name
