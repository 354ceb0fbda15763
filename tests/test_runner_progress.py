"""Progress while notebooks run ("cell n of m, elapsed", throttled) and quiet runs for cron."""

import re

import nbformat as nbf
import pytest
from runner_notebooks import write_notebook

from workbench import runner
from workbench.notebooks import NotebookSpec
from workbench.params import NotebookParams
from workbench.runner.execute import Progress, _elapsed

pytestmark = pytest.mark.slow

OK = "import workbench as wb\nparams = wb.NotebookParams.from_namespace(globals())\nrpt = wb.Report(params)\n" \
     "rpt.headline('fine')"
SLOW = "import time\ntime.sleep(1.5)"


def _nb(path, *cells):
    write_notebook(path, *cells, titles=[("en", "# Title")])


@pytest.fixture
def env(tmp_path, tiny, monkeypatch):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    _nb(nbdir / "01_slow.ipynb", OK, SLOW, SLOW, SLOW, SLOW)  # 5 cells of its own, 4 of them slow
    _nb(nbdir / "02_fail.ipynb", OK, "raise ValueError('planted')")
    monkeypatch.setattr(runner, "NOTEBOOKS", {"01_slow": NotebookSpec("01_slow", "Slow", "慢", NotebookParams),
                                              "02_fail": NotebookSpec("02_fail", "Fail", "败", NotebookParams)})
    monkeypatch.setattr(runner, "PROGRESS_EVERY", 1.0)  # a line a second at most (10 s by default)
    said = []
    monkeypatch.setattr(runner, "_say", said.append)
    return {"nbdir": nbdir, "out": tmp_path / "reports", "data": tiny, "said": said}


def _cells(lines, name):
    """(cell, of) of each progress line of notebook ``name``."""
    return [(int(m[1]), int(m[2])) for line in lines
            if (m := re.fullmatch(rf"  {name}: cell (\d+) of (\d+), \d+ s elapsed", line))]


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_lines_while_a_slow_notebook_runs(env, jobs):
    res = runner.run(None, data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"], jobs=jobs,
                     force=True)
    said = env["said"]
    by = {r.stem: r for r in res.notebooks}
    assert by["01_slow"].status == "ok" and by["02_fail"].status == "failed"
    # papermill adds the injected parameters cell: 1 + 1 + 5 code cells
    assert "  01_slow: started, 7 code cells" in said
    cells = _cells(said, "01_slow")
    assert cells, said
    assert {of for _, of in cells} == {7}
    # the slow cells are the last four: every line falls inside the notebook, in order
    numbers = [n for n, _ in cells]
    assert numbers == sorted(numbers) and 1 <= numbers[0] and numbers[-1] <= 7 and numbers[-1] >= 4
    # throttled: at most one line a second over the notebook's own seconds (plus the start)
    assert len(cells) <= by["01_slow"].seconds / 1.0 + 1
    # the end is the runner's own line
    assert any(re.fullmatch(r"  \[\d/2\] 01_slow: ok in [\d.]+ s", line) for line in said)


def test_quiet_prints_only_failures_and_the_final_line(env):
    res = runner.run(None, data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"], quiet=True,
                     force=True)
    said = env["said"]
    assert res.status == "failed"
    assert not _cells(said, "01_slow") and not any("started" in line for line in said)
    assert not any(line.startswith(("Validating", "Running")) for line in said)
    assert len(said) == 3, said
    assert re.fullmatch(r"  \[\d/2\] 02_fail: failed in [\d.]+ s — cell \d+: ValueError: planted", said[0])
    assert said[1] == f"Run {res.run_id}: failed. Index: {res.path / 'index.html'}"
    assert said[2].startswith("  'latest' was not moved")


def test_quiet_ok_run_says_one_line(env):
    (env["nbdir"] / "02_fail.ipynb").unlink()
    res = runner.run(None, data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"], quiet=True)
    assert res.status == "ok" and env["said"] == [f"Run {res.run_id}: ok. Index: {res.path / 'index.html'}"]


def test_progress_ticks_during_one_long_cell():
    """A cell that runs for long still gets its lines; a notebook quicker than ``every`` gets none."""

    class Man:
        def __init__(self, cells):
            self.nb = nbf.v4.new_notebook(cells=cells)

        def cell_start(self, cell, cell_index=None, **kw):
            pass

    lines = []
    p = Progress("nb", lines.append, every=0.2)
    man = Man([nbf.v4.new_markdown_cell("x"), nbf.v4.new_code_cell("a"), nbf.v4.new_code_cell("b")])
    p.watch(man)
    man.cell_start(man.nb.cells[2], 2)
    import time

    time.sleep(0.7)
    p.stop()
    assert lines[0] == "  nb: started, 2 code cells"
    assert 2 <= len(lines) - 1 <= 4 and all(line.startswith("  nb: cell 2 of 2, ") for line in lines[1:])
    assert _elapsed(65) == "1 min 05 s" and _elapsed(9.7) == "9 s"
