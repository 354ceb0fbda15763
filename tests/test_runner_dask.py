"""Scale-out on Dask: a real scheduler and two real workers (separate processes, started as a user
would with ``dask scheduler`` / ``dask worker``, on 127.0.0.1 only); one worker is killed in the
middle of a fan-out and the run still publishes whole."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from runner_notebooks import write_notebook

from workbench import runner
from workbench.exceptions import RunError
from workbench.notebooks import NotebookSpec
from workbench.params import NotebookParams

pytestmark = pytest.mark.slow
pytest.importorskip("distributed")

DASK = str(Path(sys.executable).parent / "dask")
BODY = """import time
import workbench as wb
params = wb.NotebookParams.from_namespace(globals())
ds = wb.load(params)
time.sleep(6)  # long enough for a worker to be killed while it runs this
rpt = wb.Report(params)
rpt.headline("{n} order lines", n=len(ds["orders"]))
rpt.table(ds["orders"], name="orders_out")"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args):
    return subprocess.Popen([DASK, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def cluster():
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = {"scheduler": _start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"])}
    for name in ("w1", "w2"):
        procs[name] = _start(["worker", address, "--name", name, "--nthreads", "1", "--no-nanny",
                              "--host", "127.0.0.1", "--no-dashboard"])
    try:
        deadline = time.monotonic() + 90
        client = None
        while time.monotonic() < deadline:
            try:
                client = client or Client(address, timeout="5s", set_as_default=False)
                if len(client.scheduler_info()["workers"]) == 2:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("the Dask scheduler and two workers did not come up within 90 s")
        yield {"address": address, "procs": procs, "client": client}
        client.close()
    finally:
        for p in procs.values():
            _stop(p)


@pytest.fixture
def env(tmp_path, tiny, monkeypatch):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    write_notebook(nbdir / "01_slow.ipynb", BODY)
    monkeypatch.setattr(runner, "NOTEBOOKS", {"01_slow": NotebookSpec("01_slow", "Slow", "慢", NotebookParams)})
    return {"nbdir": nbdir, "out": tmp_path / "reports", "data": tiny}


def test_fan_out_on_dask_survives_a_killed_worker(cluster, env):
    result = {}

    def go():
        result["res"] = runner.run(None, data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"],
                                   progress=False, fan_out="region=all", scheduler=cluster["address"])

    t = threading.Thread(target=go)
    t.start()
    client = cluster["client"]
    deadline = time.monotonic() + 120
    killed = None
    while time.monotonic() < deadline and killed is None:  # both workers busy: kill the first one
        busy = {w: keys for w, keys in client.processing().items() if keys}
        names = {w: info.get("name") for w, info in client.scheduler_info()["workers"].items()}
        if len(busy) == 2:
            time.sleep(1.5)  # the notebook is running in its kernel
            victim = next(w for w in busy if names[w] == "w1")
            os.killpg(cluster["procs"]["w1"].pid, signal.SIGKILL)
            killed = victim
        time.sleep(0.2)
    assert killed, "the two regions never ran at the same time on the two workers"
    t.join(timeout=300)
    res = result["res"]
    assert res.status == "ok", [(r.stem, r.error) for r in res.notebooks]
    assert len(res.notebooks) == 2 and all(r.status == "ok" for r in res.notebooks)
    pages = sorted(p.relative_to(res.path).as_posix() for p in res.path.glob("patches/*/01_slow.html"))
    assert len(pages) == 2
    heads = sorted(r.headline for r in res.notebooks)
    assert heads == ["1 order lines", "2 order lines"]  # 华南: O2; 华东: O1 and O3
    assert os.readlink(env["out"] / "latest") == res.run_id
    assert len(client.scheduler_info()["workers"]) == 1  # the other worker did the killed one's task


def test_unreachable_scheduler_is_a_clear_error(env):
    with pytest.raises(RunError, match="no Dask scheduler answered"):
        runner.run(None, data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"], progress=False,
                   scheduler=f"tcp://127.0.0.1:{_free_port()}")
