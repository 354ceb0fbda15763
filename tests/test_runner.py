"""The runner: staging, atomic publish, failure isolation, skip notes, run.json, offline HTML."""

import json
import os

import pytest
from conftest import write
from runner_notebooks import write_notebook

from workbench import runner
from workbench.exceptions import DataError, RunError
from workbench.notebooks import NotebookSpec
from workbench.params import NotebookParams

pytestmark = pytest.mark.slow

OK_CELL = """import workbench as wb
params = wb.NotebookParams.from_namespace(globals())
ds = wb.load(params)
rpt = wb.Report(params)
rpt.headline("{n} order lines from {c}", n=len(ds["orders"]), c=ds["customers"].loc[1, "name"])"""
TABLE_CELL = 'rpt.table(ds["customers"], name="customers_out")'


def _nb(path, *cells):
    write_notebook(path, *cells, titles=[("en", "# English title"), ("zh", "# 中文标题")])


@pytest.fixture
def env(tmp_path, tiny, monkeypatch):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    _nb(nbdir / "01_ok.ipynb", OK_CELL, TABLE_CELL)
    _nb(nbdir / "02_fail.ipynb", OK_CELL, "raise ValueError('planted failure')")
    _nb(nbdir / "03_leads.ipynb", OK_CELL)
    specs = {
        "01_ok": NotebookSpec("01_ok", "OK", "成功", NotebookParams),
        "02_fail": NotebookSpec("02_fail", "Fails", "失败", NotebookParams),
        "03_leads": NotebookSpec("03_leads", "Needs leads", "需要线索", NotebookParams, ("leads",)),
    }
    monkeypatch.setattr(runner, "NOTEBOOKS", specs)
    return {"nbdir": nbdir, "out": tmp_path / "reports", "data": tiny}


def _run(env, **kw):
    return runner.run(None, data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"],
                      progress=False, **kw)


def test_failure_isolated_and_latest_untouched(env):
    fail_nb = env["nbdir"] / "02_fail.ipynb"
    hidden = fail_nb.rename(fail_nb.with_suffix(".hidden"))
    good = _run(env)  # 01_ok, and 03_leads skipped: a complete run
    hidden.rename(fail_nb)
    assert good.status == "ok"
    latest = env["out"] / "latest"
    assert os.readlink(latest) == good.run_id

    res = _run(env, jobs=2)
    assert res.status == "failed"
    by = {r.stem: r for r in res.notebooks}
    assert by["01_ok"].status == "ok" and by["01_ok"].headline == "3 order lines from <script>alert(1)</script>"
    assert by["02_fail"].status == "failed"
    assert by["02_fail"].error["ename"] == "ValueError" and "planted failure" in by["02_fail"].error["evalue"]
    assert "planted failure" in by["02_fail"].error["traceback"] and "\x1b[" not in by["02_fail"].error["traceback"]
    assert by["03_leads"].status == "skipped" and "leads" in by["03_leads"].reason
    # the failed run is kept under its own id, latest still points at the good one
    assert res.path.is_dir() and os.readlink(latest) == good.run_id
    index = (res.path / "index.html").read_text(encoding="utf-8")
    assert "planted failure" in index and "ValueError" in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index and "<script>alert" not in index
    history = (env["out"] / "index.html").read_text(encoding="utf-8")
    assert good.run_id in history and res.run_id in history
    assert not any((env["out"] / runner.STAGING).iterdir())  # nothing left half-made


def test_run_json_tables_and_offline_html(env):
    res = _run(env, only=["01_ok"])
    info = json.loads((res.path / "run.json").read_text(encoding="utf-8"))
    assert info["status"] == "ok" and info["run_id"] == res.run_id
    assert set(info["dataset"]["fingerprint"]) == {"orders", "customers", "channels"}
    assert info["dataset"]["fingerprint"]["orders"]["rows"] == 3
    assert info["packages"]["pandas"].startswith("3.")
    nb = info["notebooks"][0]
    assert nb["tables"] == ["customers_out"] and nb["timings"]["execute"] > 0
    csv = (res.path / "tables" / "01_ok" / "customers_out.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and "星辰科技有限公司".encode() in csv
    page = (res.path / "01_ok.html").read_text(encoding="utf-8")
    assert "English title" in page and "中文标题" not in page  # only the reader's language
    assert "<script src=" not in page and "cdn" not in page.lower()  # reads offline
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "import workbench" not in page  # no code in reports
    assert (res.path / "notebooks" / "01_ok.ipynb").exists()


def test_data_error_publishes_nothing(env):
    for other in ("02_fail", "03_leads"):
        (env["nbdir"] / f"{other}.ipynb").unlink()
    good = _run(env)
    write(env["data"], "orders.csv", "order_id,order_date,customer_id,amount\nO1,someday,C1,1\n")
    before = sorted(p.name for p in env["out"].iterdir())
    with pytest.raises(DataError, match=r"orders\.csv, column 'order_date'.*row 2"):
        _run(env, only=["01_ok"])
    assert sorted(p.name for p in env["out"].iterdir()) == before
    assert os.readlink(env["out"] / "latest") == good.run_id


def test_unknown_notebook_name(env):
    with pytest.raises(RunError, match="did you mean '01_ok'"):
        _run(env, only=["01_okk"])


def test_extra_language_published_beside_primary(env, tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("lang: en\nextra_langs: [zh]\n", encoding="utf-8")
    res = runner.run(params, data_dir=env["data"], out_dir=env["out"], notebooks_dir=env["nbdir"],
                     only=["01_ok"], progress=False)
    assert res.status == "ok"
    nb = next(r for r in res.notebooks if r.stem == "01_ok")
    assert nb.html == "01_ok.html" and nb.translations == {"zh": "01_ok.zh.html"}
    zh = (res.path / "01_ok.zh.html").read_text(encoding="utf-8")
    assert "中文标题" in zh and "English title" not in zh and '<html lang="zh">' in zh
    en = (res.path / "01_ok.html").read_text(encoding="utf-8")
    # a real page title, the switch to the other language, the index in the page's own language
    assert "<title>OK</title>" in en and "<title>成功</title>" in zh
    assert '<a class="wb-lang" href="01_ok.zh.html" hreflang="zh"' in en
    assert 'href="01_ok.html"' in zh and 'href="index.zh.html"' in zh
    index = (res.path / "index.html").read_text(encoding="utf-8")
    index_zh = (res.path / "index.zh.html").read_text(encoding="utf-8")
    assert 'href="01_ok.zh.html"' in index and 'href="index.zh.html"' in index
    # the Chinese index names the report in Chinese, links the Chinese page first, and shows its headline
    assert '<a href="01_ok.zh.html">成功</a>' in index_zh and 'href="index.html"' in index_zh
    assert nb.headlines["zh"] == "3 order lines from <script>alert(1)</script>"
    assert "3 order lines from &lt;script&gt;alert(1)&lt;/script&gt;" in index_zh  # escaped
    assert sorted(p.name for p in (res.path / "tables").iterdir()) == ["01_ok"]


def test_previous_run_matches_the_series_across_params_files(tmp_path):
    from workbench.params import RunConfig

    def fake_run(run_id, params_file, series=None, status="ok"):
        d = tmp_path / run_id
        (d / "tables").mkdir(parents=True)
        info = {"run_id": run_id, "status": status, "params_file": params_file}
        if series is not None:
            info["series"] = series
        (d / "run.json").write_text(json.dumps(info), encoding="utf-8")
        return d

    oct_ = fake_run("20261102-060000-2026-10", "params/2026-10.yaml", series="monthly")
    fake_run("20261103-060000-2026-10", "params/2026-10.yaml", series="monthly", status="failed")
    legacy = fake_run("20261001-060000-x", "params/x.yaml")  # written before series existed
    nov = RunConfig(series="monthly")
    assert nov.series_key("params/2026-11.yaml") == "monthly"
    assert runner.previous_run(tmp_path, nov.series_key("params/2026-11.yaml")) == oct_  # newest ok run
    # without a series the params file is the key, as before (and old run.json files still match)
    assert RunConfig().series_key("params/x.yaml") == "params/x.yaml"
    assert runner.previous_run(tmp_path, "params/x.yaml") == legacy
    assert runner.previous_run(tmp_path, "params/other.yaml") is None
