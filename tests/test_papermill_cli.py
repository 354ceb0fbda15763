"""Plain papermill is a supported path: misspelt parameters fail, project params files apply."""

import json
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


# -------------------------------------------------------------------------- papermill CLI = workbench run
SAME = {  # two cheap notebooks, each with a value of its own section that differs from its default
    "00_data_quality": {"top_fixes": 5, "stale_after_days": 30},
    "50_market_feedback": {"period": "month", "min_responses": 20},
}
SHARED = {"data_dir": "data/sample", "lang": "en", "as_of": "2026-03-31"}


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.name: pd.read_csv(p, encoding="utf-8-sig", keep_default_na=False) for p in sorted(folder.glob("*.csv"))}


def _assert_same_tables(got: Path, want: Path, how: str):
    a, b = _tables(got), _tables(want)
    assert sorted(a) == sorted(b) and len(b) >= 5, f"{how}: other result tables than the runner's"
    for name in b:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=False, rtol=1e-9, obj=f"{how}: {name}")


@pytest.fixture(scope="module")
def runner_tables(tmp_path_factory):
    """``workbench run --only`` of the two notebooks, English only, into a tmp reports folder."""
    import yaml

    tmp = tmp_path_factory.mktemp("runner")
    params = tmp / "p.yaml"
    params.write_text(yaml.safe_dump({**SHARED, "notebooks": SAME}, allow_unicode=True), encoding="utf-8")
    res = subprocess.run([str(Path(sys.executable).parent / "workbench"), "run", "--params", str(params),
                          "--only", *SAME, "--out", str(tmp / "reports"), "--jobs", "1"],
                         cwd=PROJ_ROOT, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    (run,) = [p for p in (tmp / "reports").iterdir() if (p / "run.json").exists()]  # latest waits for a whole run
    return params, run / "tables"


@pytest.mark.parametrize("stem", list(SAME))
@pytest.mark.parametrize("how", ["-p", "-f"])
def test_papermill_cli_gives_the_runners_tables(runner_tables, tmp_path, stem, how):
    """The same values through ``papermill -p ...`` or ``papermill -f params.yaml`` write the runner's
    result tables, value for value; ``interactive`` is left at the notebook's own default (True)."""
    params, want = runner_tables
    tables = tmp_path / "tables"
    if how == "-p":
        args = [a for k, v in {**SHARED, **SAME[stem]}.items() for a in ("-p", k, str(v))]
    else:
        args = ["-f", str(params)]
    res = subprocess.run([PAPERMILL, str(NOTEBOOKS_DIR / f"{stem}.ipynb"), str(tmp_path / "out.ipynb"),
                          "-k", "python3", *args, "-p", "output_dir", str(tables)],
                         cwd=PROJ_ROOT, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    _assert_same_tables(tables, want / stem, f"papermill {how} {stem}")
    # the notebook's own interactive=True does not reach a batch kernel: no widget shown, none stored
    out = (tmp_path / "out.ipynb").read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget" not in out and "widgets" not in json.loads(out)["metadata"]
