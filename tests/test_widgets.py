"""The JupyterLab explorer: a live widget for analysts, nothing at all in batch runs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench.data import load_dataset
from workbench.params import NotebookParams
from workbench.paths import PROJ_ROOT
from workbench.quality.params import DataQualityParams
from workbench.report import Report
from workbench.widgets import (
    column_profile,
    configure_lab,
    front_end_attached,
    lab_overrides_path,
    table_explorer,
)


def test_column_profile_counts():
    df = pd.DataFrame({"region": ["华东", "华东", "华南", None]})
    prof = column_profile(df, "region")
    assert prof["value"].tolist() == ["华东", "华南"] and prof["count"].tolist() == [2, 1]
    assert prof["share"].tolist() == [0.5, 0.25]


def test_explorer_silent_in_batch_and_live_in_lab(tiny):
    ds = load_dataset(tiny)
    rpt = Report(NotebookParams())
    assert table_explorer(ds, rpt, interactive=False) is None
    box = table_explorer(ds, rpt, interactive=True)
    pick_table, pick_col = box.children[0].children
    assert list(pick_table.options) == ["channels", "customers", "orders"]
    pick_table.value = "orders"
    assert "amount" in pick_col.options


# ------------------------------------------------------------------ widget state saved; batch runs silent
def test_configure_lab_sets_save_state_and_keeps_other_settings(tmp_path):
    path = lab_overrides_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                                "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": False}}), encoding="utf-8")
    assert configure_lab(tmp_path) == path == tmp_path / "share/jupyter/lab/settings/overrides.json"
    got = json.loads(path.read_text(encoding="utf-8"))
    assert got == {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                   "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}


def test_make_install_saves_widget_state_in_the_projects_jupyterlab():
    """What `make install` leaves in .venv: JupyterLab's overrides.json with the widget manager's saveState on
    (``-o``: the installed packages are taken as they are, nothing is pip-installed)."""
    venv = Path(sys.prefix)
    res = subprocess.run(["make", "-o", str(venv / ".installed"), f"BIN={venv / 'bin'}", "install"], cwd=PROJ_ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    settings = json.loads(lab_overrides_path(venv).read_text(encoding="utf-8"))
    assert settings["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    # the plugin id and key are the ones the installed widget manager declares
    schema = venv / "share/jupyter/labextensions/@jupyter-widgets/jupyterlab-manager/schemas" \
        / "@jupyter-widgets/jupyterlab-manager/plugin.json"
    assert "saveState" in json.loads(schema.read_text(encoding="utf-8"))["properties"]


def test_front_end_attached(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert not front_end_attached({})  # papermill, nbconvert, the runner
    assert front_end_attached({"__vsc_ipynb_file__": "/x/a.ipynb"})  # VS Code
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/notebooks/00_data_quality.ipynb")  # JupyterLab, Notebook 7
    assert front_end_attached({})


def test_interactive_is_off_in_a_batch_kernel_unless_asked_for(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    cell = {"interactive": True, "In": ["", "interactive = True\n"]}
    assert DataQualityParams.from_namespace(cell).interactive is False  # papermill with the notebook's default
    asked = {**cell, "In": [*cell["In"], "# Parameters\ninteractive = True\n"]}  # papermill -p interactive True
    assert DataQualityParams.from_namespace(asked).interactive is True
    monkeypatch.setenv("JPY_SESSION_NAME", "notebooks/00_data_quality.ipynb")
    assert DataQualityParams.from_namespace(cell).interactive is True  # JupyterLab
    assert DataQualityParams.from_namespace({**cell, "interactive": False}).interactive is False


@pytest.mark.slow
def test_project_jupyterlab_serves_save_state_on(tmp_path):
    """The project's JupyterLab (as `make lab` starts it) reads the override: the widget manager's setting
    defaults to saving widget state, and the file browser at the root lists notebooks/, params/, reports/."""
    import secrets
    import socket
    import time
    import urllib.request

    configure_lab()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    server = subprocess.Popen([str(Path(sys.prefix) / "bin" / "jupyter"), "lab", "--notebook-dir=.",
                               "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                               f"--IdentityProvider.token={token}", "--ServerApp.allow_root=True"],
                              cwd=PROJ_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(path):
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()

    try:
        for _ in range(120):
            try:
                status, _ = get("/lab")
                break
            except OSError:
                time.sleep(1)
        assert status == 200
        _, body = get("/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin")
        assert json.loads(body)["schema"]["properties"]["saveState"]["default"] is True
        _, body = get("/api/contents")
        assert {"notebooks", "params", "reports"} <= {c["name"] for c in json.loads(body)["content"]}
    finally:
        server.terminate()
        server.wait(timeout=30)
