"""A campaign-members / touch-log export through params/mappings/touchpoints_campaign_members.yaml."""

import pandas as pd
import pytest

from workbench.data import load_dataset
from workbench.exceptions import DataError
from workbench.importers import MappingError, import_mapping
from workbench.paths import PROJ_ROOT

MAPPING = PROJ_ROOT / "params" / "mappings" / "touchpoints_campaign_members.yaml"

# A Zoho-style "Campaign Members" report: one member reached by one campaign per row.
EXPORT = """Campaign Name,Type,Member Status,Lead Id,Account Id,Modified Time
Spring feed ads,Advertisement,Responded,L1,,2026-03-02 10:15:00
Spring feed ads,Advertisement,Responded,L2,,2026-03-03 09:00:00
Call blitz,Telemarketing,Responded,L1,,2026-03-09 14:30:00
Expo 2026,Trade Show,Attended,,K7,2026-04-01 11:00:00
Partner day,Roadshow,Attended,L2,K7,2026-04-02 16:45:00
Partner day,Roadshow,Attended,L3,,
"""


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "campaign_members.csv").write_text(EXPORT, encoding="utf-8")
    return folder


def test_campaign_members_become_touchpoints(export, tmp_path):
    report = import_mapping(MAPPING, input=export, out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    tp = ds["touchpoints"]
    # the row without a time is dropped (drop_blank: [ts]) and reported
    assert report.tables == {"touchpoints": 5}
    assert [(d["reason"], d["rows"]) for d in report.dropped] == [("no ts (drop_blank)", 1)]
    assert tp["channel_id"].tolist() == ["CH08", "CH08", "CH07", "CH01", "Roadshow"]  # an unlisted type kept
    assert tp["lead_id"].tolist()[:3] == ["L1", "L2", "L1"] and pd.isna(tp["lead_id"].iloc[3])
    assert tp["customer_id"].tolist()[3:] == ["K7", "K7"]
    assert tp["ts"].tolist()[0] == pd.Timestamp("2026-03-02 10:15:00")
    assert tp["campaign"].tolist()[2] == "Call blitz"
    assert "cost" not in tp  # a campaign's cost is not a touch's cost: not mapped from this export


def test_a_touch_naming_neither_lead_nor_customer_is_an_error(export, tmp_path):
    text = EXPORT.replace("Call blitz,Telemarketing,Responded,L1,,", "Call blitz,Telemarketing,Responded,,,")
    (export / "campaign_members.csv").write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as e:  # the importer checks the staged dataset and writes nothing
        import_mapping(MAPPING, input=export, out=tmp_path / "ds")
    msg = str(e.value)
    assert "touchpoints.csv" in msg and "1 row(s) have none of lead_id, customer_id (row 4)" in msg
    assert not (tmp_path / "ds").exists()
    # the loader says the same of a file written by hand
    (tmp_path / "hand").mkdir()
    (tmp_path / "hand" / "touchpoints.csv").write_text(
        "lead_id,customer_id,ts,channel_id\nL1,,2026-03-02,CH08\n,,2026-03-03,CH07\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"1 row\(s\) have none of lead_id, customer_id \(row 3\)"):
        load_dataset(tmp_path / "hand")


def test_without_touchpoints_a_dataset_loads_as_before(tmp_path):
    (tmp_path / "channels.csv").write_text("channel_id,name\nCH01,直销\n", encoding="utf-8")
    ds = load_dataset(tmp_path)
    assert "touchpoints" not in ds and not ds.errors
