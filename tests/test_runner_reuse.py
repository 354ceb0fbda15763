"""Incremental runs: reuse what did not change, re-execute what did, and keep latest whole."""

import json
import os

import pytest
from conftest import write
from runner_notebooks import params_cell, write_notebook

from workbench import reuse, runner
from workbench.notebooks import NotebookSpec
from workbench.params import NotebookParams

pytestmark = pytest.mark.slow


class Params(NotebookParams):
    """A notebook parameter of our own, to change between runs."""

    factor: int = 2


PARAMS_CELL = params_cell(Params)
BODY = """import workbench as wb
from test_runner_reuse import Params
params = Params.from_namespace(globals())
ds = wb.load(params)
rpt = wb.Report(params)
rpt.headline("{n} lines x {f}", n=len(ds["orders"]), f=params.factor)
rpt.table(ds["orders"].head(params.factor), name="orders_out")"""
SUMMARY = """import workbench as wb
import pandas as pd
params = wb.NotebookParams.from_namespace(globals())
rpt = wb.Report(params)
rpt.headline("summary")"""


def _nb(path, body, params_cell=PARAMS_CELL):
    write_notebook(path, body, params=params_cell)


@pytest.fixture
def env(tmp_path, tiny, monkeypatch):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    _nb(nbdir / "01_a.ipynb", BODY)
    _nb(nbdir / "02_b.ipynb", BODY)
    _nb(nbdir / "90_sum.ipynb", SUMMARY,
        "\n".join(f"{k} = {v!r}  # help" for k, v in NotebookParams().model_dump().items()))
    specs = {"01_a": NotebookSpec("01_a", "A", "甲", Params),
             "02_b": NotebookSpec("02_b", "B", "乙", Params),
             "90_sum": NotebookSpec("90_sum", "Summary", "摘要", NotebookParams, phase=2)}
    monkeypatch.setattr(runner, "NOTEBOOKS", specs)
    monkeypatch.syspath_prepend(os.path.dirname(__file__))  # the kernel imports Params from this file
    monkeypatch.setenv("PYTHONPATH", os.path.dirname(__file__) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    params = tmp_path / "p.yaml"
    params.write_text("extra_langs: [zh]\n", encoding="utf-8")
    return {"nbdir": nbdir, "out": tmp_path / "reports", "data": tiny, "params": params}


def _run(env, **kw):
    return runner.run(env["params"], data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"],
                      progress=False, **kw)


def _reused(res):
    return {r.stem: r.reused_from for r in res.notebooks}


def test_nothing_changed_reuses_everything_without_validating(env, monkeypatch):
    first = _run(env)
    assert first.status == "ok" and set(_reused(first).values()) == {None}

    def no_validation(*a, **k):
        raise AssertionError("the data was validated although nothing changed")

    monkeypatch.setattr(runner, "load_dataset", no_validation)
    second = _run(env)
    assert second.status == "ok" and set(_reused(second).values()) == {first.run_id}
    assert second.seconds < 2.0  # runner time of a run with nothing to do
    assert os.readlink(env["out"] / "latest") == second.run_id
    # the new run is whole: pages in both languages, tables, run.json that says where each came from
    for stem in ("01_a", "02_b", "90_sum"):
        assert (second.path / f"{stem}.html").exists() and (second.path / f"{stem}.zh.html").exists()
    assert (second.path / "tables" / "01_a" / "orders_out.csv").exists()
    info = json.loads((second.path / "run.json").read_text(encoding="utf-8"))
    assert info["reused"] == 3 and info["complete"] is True
    assert f"reused from run {first.run_id}" in (second.path / "index.html").read_text(encoding="utf-8")
    assert first.run_id in (second.path / "index.zh.html").read_text(encoding="utf-8")


def test_each_dependency_invalidates_what_depends_on_it(env, monkeypatch):
    env["params"].write_text("lang: en\n", encoding="utf-8")  # one language: half the kernels
    first = _run(env)
    everything = {"01_a": None, "02_b": None, "90_sum": None}

    def again(expect, **kw):
        res = _run(env, **kw)
        assert res.status == "ok" and _reused(res) == expect
        return res

    # one notebook's parameter: that notebook and the summary that reads it
    env["params"].write_text("lang: en\nnotebooks:\n  02_b:\n    factor: 3\n", encoding="utf-8")
    second = again({"01_a": first.run_id, "02_b": None, "90_sum": None})
    assert second.notebooks[1].headline == "3 lines x 3"
    # the notebook file
    _nb(env["nbdir"] / "01_a.ipynb", BODY + "\n# edited")
    third = again({"01_a": None, "02_b": second.run_id, "90_sum": None})
    # the language
    env["params"].write_text("lang: zh\nnotebooks:\n  02_b:\n    factor: 3\n", encoding="utf-8")
    again(everything)
    env["params"].write_text("lang: en\nnotebooks:\n  02_b:\n    factor: 3\n", encoding="utf-8")
    # reused from the run that executed each (02_b last ran in the second run)
    again({"01_a": third.run_id, "02_b": second.run_id, "90_sum": third.run_id})
    # the data, the workbench code, the package versions, --force
    write(env["data"], "orders.csv", (env["data"] / "orders.csv").read_text() + "O4,2026-03-08,C2,5,CH2\n")
    again(everything)
    with monkeypatch.context() as m:
        m.setattr(reuse, "code_fingerprint", lambda: "other code")
        again(everything)
    with monkeypatch.context() as m:
        m.setattr(runner, "_package_versions", lambda: {"pandas": "0.0"})
        again(everything)
    again(everything, force=True)


def test_only_run_keeps_latest_whole(env):
    first = _run(env)
    _nb(env["nbdir"] / "01_a.ipynb", BODY + "\n# edited")
    only = _run(env, only=["01_a"])
    # 01_a re-executed; 02_b reused; the summary depends on 01_a, is not selected and is out of date
    assert only.status == "ok" and {r.stem for r in only.notebooks} == {"01_a", "02_b"}
    assert os.readlink(env["out"] / "latest") == first.run_id  # not moved to an incomplete set
    assert json.loads((only.path / "run.json").read_text())["complete"] is False
    both = _run(env, only=["01_a", "90_sum"])
    assert {r.stem: r.reused_from for r in both.notebooks} == {"01_a": only.run_id, "02_b": first.run_id,
                                                              "90_sum": None}
    assert os.readlink(env["out"] / "latest") == both.run_id
