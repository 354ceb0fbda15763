"""A messy real-style CRM export end to end through the loader: nothing lost, nothing invented."""

import numpy as np
import pandas as pd
import pytest
from conftest import write

from workbench import runner
from workbench.cli import main
from workbench.data import load_dataset
from workbench.data.aliases import BLANK


def _export(n=800, seed=3):
    rng = np.random.default_rng(seed)
    src = rng.choice(["Web", "Referral", "Trade show", "unknown", ""], size=n, p=[0.4, 0.3, 0.2, 0.05, 0.05])
    status = rng.choice(["Closed Won", "Closed Lost", "Open", "赢单", "丢单"], size=n)
    leads = pd.DataFrame({
        "Row ID": np.arange(1, n + 1),
        "lead_id": [f"L{i:05d}" for i in range(n)],
        "created_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D"),
        "channel_id": src, "status": status, "amount": rng.integers(1, 100, n) * 100.0,
    })
    # the same lead exported twice, only the Row ID differs
    twice = leads.iloc[[5, 17]].assign(**{"Row ID": [n + 1, n + 2]})
    return leads, pd.concat([leads, twice], ignore_index=True)


def test_messy_lead_export_loads_every_lead(tmp_path, capsys):
    leads, export = _export()
    export.to_csv(tmp_path / "leads.csv", index=False)
    write(tmp_path, "channels.csv", "channel_id,name,type\nWeb,官网,电商\nReferral,转介绍,渠道伙伴\n"
                                    "Trade show,展会,direct\nunknown,未知,other\n")
    ds = load_dataset(tmp_path)
    got = ds["leads"]
    assert len(got) == len(leads) and got["lead_id"].is_unique  # each lead once, none lost
    blanks = (leads["channel_id"] == "").sum()
    assert (got["channel_id"] == BLANK).sum() == blanks and (got["channel_id"] == "unknown").sum() == (
        leads["channel_id"] == "unknown").sum()
    won = leads["status"].isin(["Closed Won", "赢单"]).sum()
    assert (got["status"] == "won").sum() == won and set(got["status"]) == {"won", "lost", "open"}
    assert got.groupby("channel_id").size().sum() == len(leads)  # a table by source counts them all
    assert ds["channels"]["type"].tolist() == ["ecommerce", "partner", "direct", "other"]
    a = ds.audit.set_index("table").loc["leads"]
    assert (a["rows_read"], a["rows_used"], a["rows_dropped"]) == (len(export), len(leads), 2)
    assert a["money_read"] - a["money_dropped"] == a["money_used"] == leads["amount"].sum()
    assert not [i for i in ds.issues if i.kind == "orphan_key"]
    assert main(["validate", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"{blanks} row(s) have no channel_id; kept as '(blank)'" in out


@pytest.mark.slow
def test_messy_export_publishes_a_channel_report_counting_every_lead(tmp_path):
    """The case that used to stop the whole run (blank sources, Closed Won): now it publishes, and the
    channel report's cohort table counts every lead, the blank bucket and the literal unknown included."""
    leads, export = _export()
    data = tmp_path / "data"
    data.mkdir()
    export.to_csv(data / "leads.csv", index=False)
    write(data, "channels.csv", "channel_id,name,type\nWeb,官网,电商\nReferral,转介绍,渠道伙伴\n"
                                "Trade show,展会,direct\nunknown,未知,other\n")
    res = runner.run(None, data_dir=data, out_dir=tmp_path / "reports", only=["20_channel_evaluation"],
                     progress=False)
    (ch,) = [r for r in res.notebooks if r.stem == "20_channel_evaluation"]
    assert ch.status == "ok", ch.error
    cohorts = pd.read_csv(res.path / "tables" / "20_channel_evaluation" / "cohort_conversion.csv",
                          encoding="utf-8-sig")
    assert cohorts["leads"].sum() == len(leads)
    by = cohorts.groupby("channel_id")["leads"].sum()
    assert by[BLANK] == (leads["channel_id"] == "").sum() and by["unknown"] == (leads["channel_id"] == "unknown").sum()
