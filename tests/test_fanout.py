"""Fan-out: slices hold exactly their patch's rows; one failing patch leaves the others published."""

import json
import os

import pytest
from conftest import write

from workbench import fanout, runner
from workbench.data import load_dataset
from workbench.exceptions import RunError


@pytest.fixture
def shop(tmp_path):
    d = tmp_path / "shop"
    write(d, "channels.csv", "channel_id,name,type\nCH1,直销,direct\nCH2,天猫,ecommerce\n")
    write(d, "customers.csv", "customer_id,name,region,acquisition_channel_id\nC1,甲,华东,CH1\nC2,乙,华南,CH2\nC3,丙,华南,CH1\n")
    write(d, "reps.csv", "rep_id,name,team,region,channel_id\nR1,张三,华东一组,华东,CH1\nR2,李四,华南一组,华南,CH1\n")
    write(d, "orders.csv", "order_id,order_date,customer_id,amount,channel_id,rep_id,region\n"
          "O1,2026-03-01,C1,100,CH1,R1,华东\nO2,2026-03-02,C2,200,CH2,,华南\nO3,2026-03-03,C3,300,CH1,R2,华南\n"
          "O4,2026-03-04,C1,50,CH2,,华东\n")
    write(d, "leads.csv", "lead_id,created_date,channel_id,status,rep_id,customer_id\n"
          "L1,2026-01-01,CH1,won,R1,C1\nL2,2026-01-02,CH1,lost,R2,\nL3,2026-01-03,CH2,open,,C2\n")
    write(d, "targets.csv", "period,kpi,level,key,target\n2026-03,revenue,company,,1000\n"
          "2026-03,revenue,region,华东,200\n2026-03,revenue,region,华南,300\n2026-03,revenue,rep,R1,100\n"
          "2026-03,revenue,team,华南一组,250\n2026-03,revenue,channel,CH1,400\n")
    return load_dataset(d)


def test_parse_for():
    assert fanout.parse_for("region=all") == ("region", None)
    assert fanout.parse_for("channel = CH1, CH2") == ("channel", ["CH1", "CH2"])
    with pytest.raises(RunError, match="unknown dimension 'city'"):
        fanout.parse_for("city=all")
    with pytest.raises(RunError, match="expected DIMENSION=all"):
        fanout.parse_for("region")


def test_values(shop):
    assert fanout.patch_values(shop, "region") == ["华东", "华南"]
    assert fanout.patch_values(shop, "channel") == ["CH1", "CH2"]
    assert fanout.patch_values(shop, "team") == ["华东一组", "华南一组"]


def test_region_slice(shop):
    s = fanout.filter_dataset(shop, "region", "华南")
    assert s["orders"]["order_id"].tolist() == ["O2", "O3"]
    assert sorted(s["customers"]["customer_id"]) == ["C2", "C3"]
    assert s["reps"]["rep_id"].tolist() == ["R2"]
    assert sorted(s["leads"]["lead_id"]) == ["L2", "L3"]  # by its rep, and by its customer
    assert sorted(zip(s["targets"]["level"], s["targets"]["key"], strict=True)) == [
        ("region", "华南"), ("team", "华南一组")]
    assert len(s["channels"]) == 2 and "华南" in s.meta.name
    assert len(shop["orders"]) == 4  # the full dataset is untouched


def test_channel_and_team_slices(shop):
    c = fanout.filter_dataset(shop, "channel", "CH2")
    assert c["orders"]["order_id"].tolist() == ["O2", "O4"] and c["leads"]["lead_id"].tolist() == ["L3"]
    assert sorted(c["customers"]["customer_id"]) == ["C1", "C2"]  # ordered in CH2, or acquired through it
    t = fanout.filter_dataset(shop, "team", "华东一组")
    assert t["orders"]["order_id"].tolist() == ["O1"] and t["leads"]["lead_id"].tolist() == ["L1"]
    assert sorted(zip(t["targets"]["level"], t["targets"]["key"], strict=True)) == [("rep", "R1")]


def test_no_data_patch(shop):
    assert not fanout.patch_has_data(fanout.filter_dataset(shop, "region", "火星"))


@pytest.mark.slow
def test_fanout_run_isolates_a_failing_patch(tmp_path, monkeypatch, shop):
    import nbformat as nbf

    from workbench.notebooks import NotebookSpec
    from workbench.params import NotebookParams

    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = "\n".join(f"{k} = {v!r}  # help" for k, v in NotebookParams().model_dump().items())
    nb.cells = [nbf.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
                nbf.v4.new_code_cell("import workbench as wb\nparams = wb.NotebookParams.from_namespace(globals())\n"
                                     "ds = wb.load(params)\nrpt = wb.Report(params)\n"
                                     "rpt.headline('{n} orders', n=len(ds['orders']))"),
                nbf.v4.new_code_cell("if '华南' in ds.meta.name:\n    raise ValueError('planted failure in 华南')")]
    nbf.write(nb, nbdir / "01_x.ipynb")
    monkeypatch.setattr(runner, "NOTEBOOKS", {"01_x": NotebookSpec("01_x", "X", "X", NotebookParams)})
    out = tmp_path / "reports"
    res = runner.run(None, data_dir=shop.root, out_dir=out, notebooks_dir=nbdir, jobs=2, progress=False,
                     fan_out="region=all")
    assert res.status == "failed" and not (out / "latest").exists()
    info = json.loads((res.path / "run.json").read_text(encoding="utf-8"))
    patches = {p["value"]: p for p in info["fan_out"]["patches"]}
    assert patches["华东"]["status"] == "ok" and patches["华南"]["status"] == "failed"
    assert patches["华东"]["notebooks"][0]["headline"] == "2 orders"
    assert "planted failure" in patches["华南"]["notebooks"][0]["error"]["evalue"]
    assert (res.path / "patches" / "华东" / "01_x.html").exists()  # the good patch is published
    top = (res.path / "index.html").read_text(encoding="utf-8")
    assert 'href="patches/华东/01_x.html"' in top and "planted failure" in top
    assert (res.path / "patches" / "华南" / "index.html").exists()
    assert os.listdir(out / runner.STAGING) == []


@pytest.mark.slow
def test_fanout_over_the_sample_regions(tmp_path):
    """One complete report per region of the sample company, all linked from one index."""
    from workbench.sample import generate_sample

    data = tmp_path / "sample"
    generate_sample(data, seed=5, scale=0.1)
    regions = fanout.patch_values(load_dataset(data), "region")
    assert len(regions) == 7
    res = runner.run(None, data_dir=data, out_dir=tmp_path / "reports", only=["data_quality"], jobs=2,
                     progress=False, fan_out="region=all")
    # the other notebooks never ran: this --only run cannot stand as the complete latest
    assert res.status == "ok" and not (tmp_path / "reports" / "latest").exists()
    top = (res.path / "index.html").read_text(encoding="utf-8")
    for region in regions:
        page = res.path / "patches" / fanout.slug(region) / "00_data_quality.html"
        assert page.exists() and f'href="patches/{fanout.slug(region)}/00_data_quality.html"' in top
        tables = res.path / "patches" / fanout.slug(region) / "tables" / "00_data_quality"
        assert (tables / "table_overview.csv").exists()
