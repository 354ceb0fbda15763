"""A run whose reports folder fills up: one clear line, nothing published, nothing left that breaks the
next run. On a real small file system (a 3 MB tmpfs, mounted as root; skipped otherwise)."""

import os
import subprocess

import pytest
from runner_notebooks import write_notebook

from workbench import runner
from workbench.exceptions import RunError
from workbench.notebooks import NotebookSpec
from workbench.params import NotebookParams

pytestmark = pytest.mark.slow

BODY = """import workbench as wb
import pandas as pd
params = wb.NotebookParams.from_namespace(globals())
ds = wb.load(params)
rpt = wb.Report(params)
rpt.headline("{n} order lines", n=len(ds["orders"]))
rpt.table(ds["orders"], name="orders_out")"""
BIG = """big = pd.DataFrame({"n": range(300_000)}).astype(str)
big.to_csv(params.output_dir + "/big.csv") if params.output_dir else None"""


_nb = write_notebook


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs, unmounted afterwards whatever happens."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mnt
    finally:
        if subprocess.run(["umount", str(mnt)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.fixture
def env(tmp_path, tiny, monkeypatch):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    _nb(nbdir / "01_a.ipynb", BODY)
    _nb(nbdir / "02_b.ipynb", BODY)
    monkeypatch.setattr(runner, "NOTEBOOKS", {"01_a": NotebookSpec("01_a", "A", "甲", NotebookParams),
                                              "02_b": NotebookSpec("02_b", "B", "乙", NotebookParams)})
    return {"nbdir": nbdir, "data": tiny}


def _state(out):
    """What a reader sees: the runs, where latest points, the history page."""
    return (sorted(p.name for p in out.iterdir() if not p.name.startswith(".")), os.readlink(out / "latest"),
            (out / "index.html").read_bytes())


def _free(path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _size(folder) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _run(env, out, **kw):
    return runner.run(None, data_dir=env["data"], out_dir=out, notebooks_dir=env["nbdir"], progress=False, **kw)


def _leftovers(out):
    return sorted(p.name for p in (out / runner.STAGING).iterdir()) + sorted(
        p.name for p in out.iterdir() if p.name.startswith((".latest-", ".index")))


@pytest.mark.parametrize("where", ["kernel", "runner"])
def test_full_disk_publishes_nothing_and_the_next_run_succeeds(small_disk, env, where):
    out = small_disk / "reports"
    first = _run(env, out)
    assert first.status == "ok"
    before = _state(out)
    filler = small_disk / "filler"
    if where == "kernel":  # a notebook's result table does not fit: the kernel meets the full disk
        _nb(env["nbdir"] / "02_b.ipynb", BODY, BIG)  # about 2.4 MB of CSV
        room = _size(first.path) + 300_000  # the run's usual files fit, the big table does not
        filler.write_bytes(b"\0" * max(_free(small_disk) - room, 0))
    else:  # the runner's own writes (cache, notebooks, pages, run.json) do not fit
        filler.write_bytes(b"\0" * max(_free(small_disk) - 40_000, 0))

    with pytest.raises(RunError) as err:
        _run(env, out, force=True)
    msg = str(err.value)
    assert msg.startswith("no space left on device while writing ") and "\n" not in msg
    assert msg.endswith("; nothing was published, latest unchanged")
    assert str(out) in msg  # names a path in the reports folder
    assert _state(out) == before  # nothing published: the same runs, latest and history page
    assert _leftovers(out) == []  # its staging folder was removed at once

    filler.unlink()  # make room; the next run publishes
    if where == "kernel":
        _nb(env["nbdir"] / "02_b.ipynb", BODY)
    again = _run(env, out, force=True)
    assert again.status == "ok" and os.readlink(out / "latest") == again.run_id
    history = (out / "index.html").read_text(encoding="utf-8")
    assert first.run_id in history and again.run_id in history
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [*before[0], again.run_id])


def test_full_disk_is_one_line_on_the_command_line(monkeypatch, capsys, tmp_path):
    from workbench.cli import main

    def full(*a, **k):
        raise runner.DiskFull(tmp_path / "reports" / ".staging" / "x" / "01_a.html")

    monkeypatch.setattr(runner, "run", full)
    assert main(["run", "--out", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: no space left on device while writing {tmp_path}/reports/.staging/x/01_a.html; "
                   "nothing was published, latest unchanged"]


def test_disk_full_survives_a_process_boundary(tmp_path):
    import pickle

    exc = pickle.loads(pickle.dumps(runner.DiskFull(tmp_path / "x.html")))
    assert isinstance(exc, RunError) and exc.path == str(tmp_path / "x.html")
    assert str(exc).count("no space left") == 1
