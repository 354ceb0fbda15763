"""One source of defaults: a notebook opened in JupyterLab tells the story of the published report.

The rule: a notebook's params model (``workbench/<area>/params.py``) is the single source of its
defaults. The parameters cell shows exactly those defaults, literal for literal, and
``params/sample.yaml`` (what ``make reports`` publishes) sets the shared keys to the notebooks'
defaults and has no per-notebook value that differs from its model's default. A project's own
params file (``params/mycompany.yaml``) is where values differ on purpose.
"""

import ast
import json

import pytest

from workbench.notebooks import NOTEBOOKS
from workbench.params import SHARED_KEYS, NotebookParams, RunConfig, read_yaml
from workbench.paths import NOTEBOOKS_DIR, PARAMS_DIR

STEMS = sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))
PUBLISHED = PARAMS_DIR / "sample.yaml"  # make reports


def parameters_cell(stem: str) -> dict:
    """``{name: value}`` of a notebook's parameters cell, each value read with ``ast.literal_eval``."""
    nb = json.loads((NOTEBOOKS_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    values = {}
    for node in ast.parse("".join(cell["source"])).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, \
            f"{stem}: the parameters cell holds only `name = literal` lines, got {ast.unparse(node)!r}"
        values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def model_defaults(stem: str) -> dict:
    """The params model's defaults, as plain values (nested models as dicts)."""
    return NOTEBOOKS[stem].params().model_dump(mode="json")


def test_parameters_cell_reader_on_a_hand_made_cell(tmp_path, monkeypatch):
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                     "source": ['a = 1  # x\n', 'b = {"k": [1.5, True]}\n', 'c = ""\n']}]}
    (tmp_path / "x.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.NOTEBOOKS_DIR", tmp_path)
    assert parameters_cell("x") == {"a": 1, "b": {"k": [1.5, True]}, "c": ""}


@pytest.mark.parametrize("stem", STEMS)
def test_parameters_cell_shows_the_model_defaults(stem):
    cell, defaults = parameters_cell(stem), model_defaults(stem)
    assert set(cell) == set(defaults), "the cell's names are the model's fields"
    differ = {k: (cell[k], defaults[k]) for k in cell if cell[k] != defaults[k]
              or type(cell[k]) is not type(defaults[k])}
    assert differ == {}, f"{stem}: parameters cell value vs model default"


@pytest.mark.parametrize("name", ["sample.yaml", "sample_zh.yaml"])
def test_published_params_files_agree_with_the_notebooks(name):
    """``make reports`` (and its Chinese-first twin) run every notebook on the model defaults."""
    raw = read_yaml(PARAMS_DIR / name)
    cfg = RunConfig(**raw)
    shared = {k: getattr(cfg, k) for k in SHARED_KEYS if k != "lang"}
    assert shared == {k: NotebookParams.model_fields[k].default for k in shared}
    sections = {stem: s for stem, s in cfg.notebooks.items() if s}
    assert sections == {}, f"{name} sets per-notebook values the notebooks do not show; change the model instead"
    for stem in STEMS:  # what the runner hands each notebook, runner keys aside, is the notebook's own default
        given = cfg.notebook_params(stem, NOTEBOOKS[stem].params).model_dump(mode="json")
        differ = {k: v for k, v in given.items() if k != "lang" and v != model_defaults(stem)[k]}
        assert differ == {}, stem


def test_a_differing_section_is_caught(tmp_path):
    """The check above bites: the old sample.yaml's training playbook against an empty default."""
    cfg = RunConfig(notebooks={"30_kpi_review": {"training_playbook": {"x": "y"}}})
    given = cfg.notebook_params("30_kpi_review", NOTEBOOKS["30_kpi_review"].params).model_dump(mode="json")
    assert given["training_playbook"] != model_defaults("30_kpi_review")["training_playbook"]


def test_every_notebook_is_checked():
    assert set(STEMS) == set(NOTEBOOKS) & set(STEMS) and len(STEMS) >= 7
