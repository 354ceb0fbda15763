"""Params files and notebook parameters: validated before anything runs, typos caught with a hint."""

import json

import pytest

from workbench.exceptions import ParamsError
from workbench.notebooks import NOTEBOOKS
from workbench.params import DataQualityParams, load_run_config
from workbench.paths import NOTEBOOKS_DIR, PARAMS_DIR
from workbench.reuse import RUNNER_INTERNAL


def _yaml(tmp_path, text):
    p = tmp_path / "p.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_params_files_validate():
    files = sorted(PARAMS_DIR.glob("*.yaml"))
    assert files, "params/ holds no YAML file"
    for f in files:
        load_run_config(f)


def test_misspelt_top_level_key(tmp_path):
    with pytest.raises(ParamsError, match=r"unknown key 'data_dri' \(did you mean 'data_dir'\?\)"):
        load_run_config(_yaml(tmp_path, "data_dri: x\n"))


def test_misspelt_notebook_key_lists_valid_keys(tmp_path):
    with pytest.raises(ParamsError) as err:
        load_run_config(_yaml(tmp_path, "notebooks:\n  00_data_quality:\n    stale_after_day: 3\n"))
    msg = str(err.value)
    assert "notebooks.00_data_quality" in msg and "did you mean 'stale_after_days'" in msg and "top_fixes" in msg


def test_unknown_notebook(tmp_path):
    with pytest.raises(ParamsError, match=r"did you mean '00_data_quality'"):
        load_run_config(_yaml(tmp_path, "notebooks:\n  00_data_qualty: {}\n"))


def test_bad_values(tmp_path):
    with pytest.raises(ParamsError, match="'lang'"):
        load_run_config(_yaml(tmp_path, "lang: fr\n"))
    with pytest.raises(ParamsError, match="as_of must be a date"):
        load_run_config(_yaml(tmp_path, "as_of: 2026-13-01\n"))
    with pytest.raises(ParamsError, match="stale_after_days"):
        load_run_config(_yaml(tmp_path, "notebooks:\n  00_data_quality:\n    stale_after_days: 0\n"))
    with pytest.raises(ParamsError, match="does not exist"):
        load_run_config(tmp_path / "nope.yaml")


def test_shared_key_in_notebook_section_rejected(tmp_path):
    with pytest.raises(ParamsError, match="set them at the top level"):
        load_run_config(_yaml(tmp_path, "notebooks:\n  00_data_quality:\n    lang: zh\n"))


def test_notebook_section_overrides_defaults(tmp_path):
    cfg = load_run_config(_yaml(tmp_path, "lang: zh\nnotebooks:\n  00_data_quality:\n    top_fixes: 3\n"))
    p = cfg.notebook_params("00_data_quality", DataQualityParams)
    assert (p.lang, p.top_fixes, p.stale_after_days) == ("zh", 3, 45)


def test_from_namespace_validates_types():
    ns = {"lang": "zh", "top_fixes": "many", "unrelated": 1}
    with pytest.raises(ParamsError, match="top_fixes"):
        DataQualityParams.from_namespace(ns)


@pytest.mark.parametrize("stem", sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")))
def test_parameters_cell_matches_schema(stem):
    """Each notebook's parameters cell defines exactly its schema's fields, each with a # help comment."""
    nb = json.loads((NOTEBOOKS_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    lines = [ln for ln in "".join(cell["source"]).splitlines() if ln.strip() and not ln.startswith("# ---")]
    names = [ln.split("=")[0].strip() for ln in lines]
    fields = list(NOTEBOOKS[stem].params.model_fields)
    internal = [f for f in fields if f in RUNNER_INTERNAL]  # kept apart, at the end of the cell
    assert names == [f for f in fields if f not in RUNNER_INTERNAL] + internal
    assert all("#" in ln for ln in lines), "every parameter needs a # help comment"
    model = NOTEBOOKS[stem].params()
    ns = {}
    exec("".join(cell["source"]), {}, ns)  # literals only: no derived values that go stale
    assert ns == model.model_dump()


def _papermill_namespace(injected: dict, **cell) -> dict:
    """A kernel's globals after papermill ran the parameters cell and its injected ``# Parameters`` cell."""
    src = "# Parameters\n" + "".join(f"{k} = {v!r}\n" for k, v in injected.items())
    return {**cell, **injected, "In": ["", "stale_after_days = 45\n", src]}


def test_papermill_params_file_section_applies():
    ns = _papermill_namespace({"lang": "zh", "extra_langs": ["en"],
                               "notebooks": {"00_data_quality": {"top_fixes": 3}, "30_kpi_review": {"draws": 100}}})
    p = DataQualityParams.from_namespace(ns)
    assert (p.lang, p.top_fixes, p.stale_after_days) == ("zh", 3, 45)


def test_papermill_params_file_that_changes_data_reading_fails():
    """value_aliases in a -f file would be ignored by the notebook's own load: a different answer than
    `workbench run` gives with the same file. It fails and names dataset.yaml instead."""
    ns = _papermill_namespace({"value_aliases": {"leads.status": {"Gewonnen": "won"}}, "plausible_from": "2020-01-01"})
    with pytest.raises(ParamsError, match=r"value_aliases, plausible_from change\(s\) how the data is read.*dataset.yaml"):
        DataQualityParams.from_namespace(ns)
    # their defaults (what a params file without them injects) are fine
    ns = _papermill_namespace({"value_aliases": {}, "keep_duplicate_lines": None, "plausible_from": None})
    assert DataQualityParams.from_namespace(ns).top_fixes == 10
