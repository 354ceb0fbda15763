"""Plain papermill is a supported path: misspelt parameters fail, project params files apply."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT

pytestmark = pytest.mark.slow
PAPERMILL = str(Path(sys.executable).parent / "papermill")


def _papermill(tmp_path, *args):
    return subprocess.run([PAPERMILL, str(NOTEBOOKS_DIR / "00_data_quality.ipynb"), str(tmp_path / "out.ipynb"),
                           "--cwd", str(PROJ_ROOT), "-k", "python3", *args],
                          capture_output=True, text=True, timeout=600)


def test_misspelt_parameter_fails_with_did_you_mean(tmp_path):
    res = _papermill(tmp_path, "-p", "stale_after_day", "10")
    assert res.returncode != 0
    assert "'stale_after_day' (did you mean 'stale_after_days'?) is not a parameter" in res.stderr + res.stdout


def test_project_params_file_applies_its_section(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("data_dir: data/sample\nlang: zh\nextra_langs: [en]\n"
                      "notebooks:\n  00_data_quality:\n    top_fixes: 3\n", encoding="utf-8")
    tables = tmp_path / "tables"
    res = _papermill(tmp_path, "-f", str(params), "-p", "output_dir", str(tables), "-p", "interactive", "False")
    assert res.returncode == 0, res.stderr[-2000:]
    fixes = pd.read_csv(tables / "fix_list.csv", encoding="utf-8-sig")
    assert len(fixes) == 3  # the section's top_fixes, not the default 10
