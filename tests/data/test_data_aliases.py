"""Value aliases at the load boundary: Closed Won, 赢单 ... mapped; an unmapped value named with hints."""

import pytest
from conftest import write

from workbench.data import load_dataset
from workbench.data.aliases import aliases_for, map_values, suggest, value_key
from workbench.exceptions import DataError

LEADS = "lead_id,created_date,channel_id,status\n"


def _leads(statuses):
    return LEADS + "".join(f"L{i},2026-01-01,CH1,{s}\n" for i, s in enumerate(statuses))


def test_status_spellings_map_to_canonical_statuses(tmp_path):
    spellings = ["Closed Won", "Won", "赢单", "成交", "Closed Lost", "输单", "丢单", "无效", "进行中", "OPEN"]
    write(tmp_path, "leads.csv", _leads(spellings))
    ds = load_dataset(tmp_path)  # the whole table loads
    assert ds["leads"]["status"].tolist() == ["won"] * 4 + ["lost"] * 4 + ["open"] * 2
    (note,) = [i for i in ds.issues if i.kind == "value_mapped"]
    assert note.count == 8  # Won and OPEN differ only in case
    assert ds.audit_reasons.set_index("reason").loc["value_mapped", "rows"] == 8


def test_unmapped_status_names_the_value_and_what_it_could_have_meant(tmp_path):
    write(tmp_path, "leads.csv", _leads(["won", "Clsoed Won", "Clsoed Won", "maybe"]))
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    (issue,) = err.value.issues
    msg = str(issue)
    assert issue.kind == "invalid" and issue.count == 3 and issue.rows == [3, 4, 5]
    assert "'Clsoed Won' (2 rows; did you mean closedwon → won" in msg and "'maybe' (1 row)" in msg
    assert "value_aliases" in msg


def test_params_value_aliases_extend_the_table(tmp_path):
    write(tmp_path, "leads.csv", _leads(["Gewonnen", "verloren"]))
    ds = load_dataset(tmp_path, value_aliases={"leads.status": {"Gewonnen": "won"}, "status": {"Verloren": "lost"}})
    assert ds["leads"]["status"].tolist() == ["won", "lost"]


def test_dataset_yaml_value_aliases_and_channel_types(tmp_path):
    write(tmp_path, "channels.csv", "channel_id,name,type\nCH1,伙伴,渠道伙伴\nCH2,店,Retail\nCH3,x,Kiosk\n")
    write(tmp_path, "dataset.yaml", "value_aliases:\n  channels.type:\n    kiosk: retail\n")
    ds = load_dataset(tmp_path)
    assert ds["channels"]["type"].tolist() == ["partner", "retail", "retail"]


def test_map_values_and_suggest_directly():
    import pandas as pd

    aliases = aliases_for("leads", "status")
    mapped, unmapped = map_values(pd.Series(["Closed-Won", None, "WON", "zzz"]), ("open", "won", "lost"), aliases)
    assert mapped.tolist()[0] == "won" and pd.isna(mapped[1]) and mapped[2] == "won" and pd.isna(mapped[3])
    assert unmapped.tolist() == [False, False, False, True]
    assert value_key(" Closed_Won ") == value_key("closed won")
    assert suggest("closd won", ("open", "won", "lost"), aliases)[0] == "closedwon → won"


def test_value_aliases_on_an_id_column_rename_only_the_listed_values(tiny):
    write(tiny, "orders.csv", "order_id,order_date,customer_id,amount,channel_id\n"
          "O1,2026-03-05,C1,10,Web\nO2,2026-03-06,C2,20,CH2\nO3,2026-03-07,C2,30,web \n")
    ds = load_dataset(tiny, value_aliases={"channel_id": {"web": "CH1"}})
    assert ds["orders"]["channel_id"].tolist() == ["CH1", "CH2", "CH1"]
    assert [i.kind for i in ds.issues] == ["value_mapped"]
