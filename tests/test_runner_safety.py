"""Runs an operator can trust: one at a time, killed runs leave nothing, time limits, clear refusals."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from conftest import write
from runner_notebooks import write_notebook

from workbench import fanout, runner
from workbench.exceptions import RunError
from workbench.notebooks import NotebookSpec
from workbench.params import NotebookParams
from workbench.paths import PROJ_ROOT

pytestmark = pytest.mark.slow

OK = "import workbench as wb\nparams = wb.NotebookParams.from_namespace(globals())\nrpt = wb.Report(params)\n" \
     "rpt.headline('fine')"


_nb = write_notebook


@pytest.fixture
def env(tmp_path, tiny, monkeypatch):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    _nb(nbdir / "01_ok.ipynb", OK)
    _nb(nbdir / "02_slow.ipynb", OK, "import time\ntime.sleep(600)")
    specs = {"01_ok": NotebookSpec("01_ok", "OK", "成功", NotebookParams),
             "02_slow": NotebookSpec("02_slow", "Slow", "慢", NotebookParams)}
    monkeypatch.setattr(runner, "NOTEBOOKS", specs)
    return {"nbdir": nbdir, "out": tmp_path / "reports", "data": tiny}


def _run(env, **kw):
    return runner.run(None, data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"],
                      progress=False, **kw)


def test_second_run_refused_or_waits_while_one_holds_the_folder(env):
    env["out"].mkdir()
    lock = runner.RunLock(env["out"], say=lambda m: None)
    with lock, pytest.raises(RunError, match="another run .*pid .* is publishing"):
        _run(env, only=["01_ok"], wait=False)
    # waiting: the holder lets go after a second, the waiting run then publishes
    said = []
    lock = runner.RunLock(env["out"], say=lambda m: None).__enter__()
    threading.Timer(1.0, lock.__exit__, (None, None, None)).start()
    t0 = time.monotonic()
    res = _run_with_say(env, said)
    assert res.status == "ok" and time.monotonic() - t0 >= 1.0
    assert any("waiting for it to end" in m for m in said)


def _run_with_say(env, said):
    orig = runner._say
    runner._say = said.append
    try:
        return runner.run(None, data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"],
                          only=["01_ok"], progress=True)
    finally:
        runner._say = orig


def test_notebook_over_its_time_limit_is_stopped_and_the_others_publish(env):
    t0 = time.monotonic()
    res = _run(env, timeout_minutes=0.5)  # 30 s: room for a busy machine
    assert time.monotonic() - t0 < 120
    by = {r.stem: r for r in res.notebooks}
    assert by["01_ok"].status == "ok"
    assert by["02_slow"].status == "failed" and "timed out after 0.5 min" in by["02_slow"].error["evalue"]
    assert res.status == "failed" and (res.path / "01_ok.html").exists()


def test_interrupt_leaves_nothing_and_latest_untouched(env, monkeypatch):
    (env["nbdir"] / "02_slow.ipynb").unlink()
    good = _run(env)

    def interrupted(task):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_run_one", interrupted)
    before = sorted(p.name for p in env["out"].iterdir())
    with pytest.raises(KeyboardInterrupt):
        _run(env, force=True)  # force: nothing reused, the notebook is executed (and interrupted)
    assert sorted(p.name for p in env["out"].iterdir()) == before
    assert not any((env["out"] / runner.STAGING).iterdir())
    assert os.readlink(env["out"] / "latest") == good.run_id


def test_killed_run_is_cleaned_by_the_next(env, tmp_path):
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f"""
        from workbench import runner
        from workbench.notebooks import NotebookSpec
        from workbench.params import NotebookParams
        runner.NOTEBOOKS = {{"02_slow": NotebookSpec("02_slow", "Slow", "慢", NotebookParams)}}
        runner.run(None, data_dir={str(env["data"])!r}, out_dir={str(env["out"])!r},
                   notebooks_dir={str(env["nbdir"])!r}, progress=False)
    """), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], cwd=PROJ_ROOT, start_new_session=True)
    staging = env["out"] / runner.STAGING
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (staging.is_dir() and any(staging.glob("*/notebooks"))):
        time.sleep(0.3)
    time.sleep(2)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its kernels, as a killed terminal would
    proc.wait(timeout=30)
    assert any(staging.iterdir()), "the killed run should have left its staging folder"
    (env["nbdir"] / "02_slow.ipynb").unlink()
    res = _run(env)
    assert res.status == "ok" and not any(staging.iterdir())
    assert os.readlink(env["out"] / "latest") == res.run_id


def test_unwritable_reports_folder_refused_before_validation(env):
    blocker = env["out"].parent / "a_file"
    blocker.write_text("x")
    write(env["data"], "orders.csv", "not,a,valid,table\n")  # would fail validation, later
    with pytest.raises(RunError, match="cannot be written"):
        runner.run(None, data_dir=env["data"], out_dir=blocker / "reports", notebooks_dir=env["nbdir"],
                   progress=False)


def test_fan_out_values_never_share_a_folder():
    folders = fanout.unique_slugs(["CH:01", "CH 01", "CH02"])
    assert len(set(folders.values())) == 3 and folders["CH02"] == "CH02"
    assert folders["CH:01"].startswith("CH_01~") and folders["CH 01"].startswith("CH_01~")
