"""The area packages import on first use (issue 14): validating a notebook's parameters must not
import statsmodels, scipy, matplotlib, scikit-learn, lifetimes or seaborn, and every public name of
an area still resolves as it did when its ``__init__`` imported everything."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types

import pytest

from workbench import _lazy
from workbench.notebooks import NOTEBOOKS

HEAVY = ("statsmodels", "scipy", "matplotlib", "sklearn", "lifetimes", "seaborn")
AREAS = ("attribution", "channels", "competitors", "feedback", "kpi", "quality", "segmentation", "summary")

# Public names spelt like a submodule of their package whose value is not that submodule (as with the
# eager ``__init__``s): (area, name, the submodule defining the object).
SHADOWED = [
    ("competitors", "prepare", "prepare"),
    ("feedback", "prepare", "prepare"),
    ("kpi", "prepare", "actuals"),
    ("quality", "duplicates", "duplicates"),
    ("quality", "freshness", "freshness"),
    ("quality", "orphans", "orphans"),
    ("segmentation", "prepare", "prepare"),
]


def run_python(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object, returned."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_params_models_tables_and_labels_import_no_heavy_package():
    out = run_python(f"""
import importlib, importlib.util, json, sys
from workbench.notebooks import NOTEBOOKS
models = {{stem: spec.params.__module__ + "." + spec.params.__name__ for stem, spec in NOTEBOOKS.items()}}
light = []
for area in {AREAS!r}:
    for sub in ("params", "tables", "labels"):
        name = f"workbench.{{area}}.{{sub}}"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
            light.append(name)
import workbench.runner  # what `workbench run` imports before it executes anything
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
areas = sorted(m for m in sys.modules if m.count(".") == 2 and m.split(".")[1] in {AREAS!r})
print(json.dumps({{"models": models, "light": light, "heavy": heavy, "areas": areas}}))
""")
    assert out["heavy"] == []
    assert set(out["models"]) == set(NOTEBOOKS) and len(out["models"]) == 8
    assert out["models"]["10_customer_segmentation"] == "workbench.segmentation.params.SegmentationParams"
    assert out["models"]["00_data_quality"] == "workbench.quality.params.DataQualityParams"
    # every area has params and labels; the analyses (rfm, clv, funnel, markov ...) were not imported
    assert {f"workbench.{a}.{s}" for a in AREAS for s in ("params", "labels")} <= set(out["light"])
    analyses = {"workbench.segmentation.clv", "workbench.segmentation.clusters", "workbench.channels.funnel",
                "workbench.attribution.markov", "workbench.kpi.forecast", "workbench.feedback.drivers"}
    assert not analyses & set(out["areas"])


def test_a_plot_still_imports_its_area():
    """The planted control: the check above would see matplotlib if an area were imported."""
    out = run_python("""
import json, sys
import workbench.segmentation as seg
before = sorted({m.split(".")[0] for m in sys.modules} & {"matplotlib", "seaborn"})
seg.show_rfm  # views: plots and their matplotlib
after = sorted({m.split(".")[0] for m in sys.modules} & {"matplotlib", "seaborn"})
print(json.dumps({"before": before, "after": after}))
""")
    assert out == {"before": [], "after": ["matplotlib", "seaborn"]}


@pytest.mark.parametrize("area", AREAS)
def test_every_public_name_resolves(area):
    pkg = importlib.import_module(f"workbench.{area}")
    assert len(pkg.__all__) == len(set(pkg.__all__)) > 0
    listed = dir(pkg)
    for name in pkg.__all__:
        value = getattr(pkg, name)
        assert value is not None, f"workbench.{area}.{name}"
        assert name in listed, f"dir(workbench.{area}) lacks {name}"
        ns: dict = {}
        exec(f"from workbench.{area} import {name}", ns)
        assert ns[name] is value
        if isinstance(value, types.ModuleType):  # comp.views, seg.labels ...
            assert value.__name__ == f"workbench.{area}.{name}"
    with pytest.raises(AttributeError, match=f"workbench.{area}"):
        pkg.no_such_name  # noqa: B018


def test_star_import_of_every_area():
    for area in AREAS:
        ns: dict = {}
        exec(f"from workbench.{area} import *", ns)
        assert set(importlib.import_module(f"workbench.{area}").__all__) <= set(ns)


def test_names_spelt_like_submodules_keep_their_object_after_the_submodule_is_imported():
    """``kpi.prepare`` is the function ``kpi.actuals.prepare`` even when ``workbench.kpi.prepare`` (the
    module) is first imported from elsewhere, after the package: the import system then binds the
    module on the package, which the eager ``__init__`` overwrote and the lazy one must refuse."""
    out = run_python(f"""
import importlib, json, pkgutil, types
shadowed = {SHADOWED!r}
for area, name, _ in shadowed:
    importlib.import_module(f"workbench.{{area}}")
for area in sorted({{a for a, _, _ in shadowed}}):  # every submodule, directly, before any name is used
    pkg = importlib.import_module(f"workbench.{{area}}")
    for m in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"workbench.{{area}}.{{m.name}}")
res = {{}}
for area, name, home in shadowed:
    pkg = importlib.import_module(f"workbench.{{area}}")
    value = getattr(pkg, name)
    res[f"{{area}}.{{name}}"] = [isinstance(value, types.ModuleType),
                                 value is getattr(importlib.import_module(f"workbench.{{area}}.{{home}}"), name)]
print(json.dumps(res))
""")
    assert out == {f"{a}.{n}": [False, True] for a, n, _ in SHADOWED}


def test_shadowed_names_in_this_process():
    for area, name, home in SHADOWED:
        pkg = importlib.import_module(f"workbench.{area}")
        assert getattr(pkg, name) is getattr(importlib.import_module(f"workbench.{area}.{home}"), name)
        assert callable(getattr(pkg, name)) and not isinstance(getattr(pkg, name), types.ModuleType)


def test_submodules_are_attributes_of_their_area():
    import workbench.competitors as comp
    import workbench.segmentation as seg

    assert seg.clv is sys.modules["workbench.segmentation.clv"]
    assert comp.views.TABLES == NOTEBOOKS["40_competitor_analysis"].tables


# attach itself, on a throwaway package


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A package ``toypkg``: ``a.py`` defines ``f`` and ``g``; ``g.py`` exists too (``g`` is shadowed)."""
    root = tmp_path / "toypkg"
    root.mkdir()
    (root / "__init__.py").write_text(
        "from workbench._lazy import attach\n"
        "__getattr__, __dir__ = attach(__name__, {'a': ['f', 'g']})\n")
    (root / "a.py").write_text("def f():\n    return 'f'\n\n\ndef g():\n    return 'g'\n")
    (root / "g.py").write_text("VALUE = 7\n")
    (root / "other.py").write_text("WHO = 'other'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "toypkg"
    for m in [m for m in sys.modules if m == "toypkg" or m.startswith("toypkg.")]:
        del sys.modules[m]
    _lazy._EXPORTED.pop("toypkg", None)


def test_attach_imports_on_first_use(toy):
    pkg = importlib.import_module(toy)
    assert "toypkg.a" not in sys.modules
    assert sorted(n for n in dir(pkg) if not n.startswith("_")) == ["a", "attach", "f", "g", "other"]
    assert pkg.f() == "f"
    assert "toypkg.a" in sys.modules and "f" in vars(pkg)  # kept: __getattr__ is not asked again
    assert pkg.other.WHO == "other"
    with pytest.raises(AttributeError, match="'toypkg' has no attribute 'h'"):
        pkg.h  # noqa: B018


def test_attach_keeps_a_shadowed_name_when_the_submodule_is_imported_first(toy):
    pkg = importlib.import_module(toy)
    g_module = importlib.import_module("toypkg.g")  # binds nothing on the package
    assert g_module.VALUE == 7 and sys.modules["toypkg.g"] is g_module
    assert pkg.g() == "g"
    importlib.import_module("toypkg.a")
    assert pkg.g() == "g"
    pkg.g = g_module  # no one can rebind it to the module, not only the import system
    assert pkg.g() == "g"
    pkg.f = len  # other values are set as usual (monkeypatch)
    assert pkg.f is len


def test_attach_refuses_a_name_exported_twice():
    with pytest.raises(ValueError, match="'x' is exported from both 'a' and 'b'"):
        _lazy.exports_by_name("p", {"a": ["x"], "b": ["y", "x"]})
    with pytest.raises(TypeError, match="list of names"):
        _lazy.exports_by_name("p", {"a": "x"})
    assert _lazy.exports_by_name("p", {"a": ["x", "y"], "b": ["z"]}) == {"x": "a", "y": "a", "z": "b"}
