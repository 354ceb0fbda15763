"""Blanks where a value classifies a row are a bucket of their own; blank ids stay errors."""

import pytest
from conftest import write

from workbench.data import load_dataset
from workbench.data.aliases import BLANK
from workbench.data.schema import TABLES
from workbench.exceptions import DataError

LEADS = "lead_id,created_date,channel_id,status\n"


def test_blank_lead_source_is_kept_as_blank_bucket_with_a_warning(tmp_path):
    rows = ["L1,2026-01-01,CH1,won", "L2,2026-01-02,,open", "L3,2026-01-03,unknown,lost", "L4,2026-01-04, ,open"]
    write(tmp_path, "leads.csv", LEADS + "\n".join(rows) + "\n")
    ds = load_dataset(tmp_path)
    leads = ds["leads"]
    assert len(leads) == 4  # every lead still counts
    assert leads["channel_id"].tolist() == ["CH1", BLANK, "unknown", BLANK]  # a literal unknown stays itself
    (w,) = [i for i in ds.warnings if i.kind == "blank_bucketed"]
    assert (w.column, w.count, w.rows) == ("channel_id", 2, [3, 5])
    assert ds.errors == []
    r = ds.audit_reasons.set_index("reason").loc["blank_bucketed"]
    assert (r["action"], r["rows"]) == ("changed", 2)


def test_blank_bucket_is_not_an_orphan(tiny):
    write(tiny, "orders.csv", "order_id,order_date,customer_id,amount,channel_id\n"
          "O1,2026-03-05,C1,10,CH1\nO2,2026-03-06,C2,20,\n")
    ds = load_dataset(tiny)
    assert ds["orders"]["channel_id"].tolist() == ["CH1", BLANK]
    assert [i.kind for i in ds.warnings] == ["blank_bucketed"]


def test_a_column_blank_in_every_row_stays_missing(tiny):
    write(tiny, "orders.csv", "order_id,order_date,customer_id,amount,channel_id\nO1,2026-03-05,C1,10,\n")
    ds = load_dataset(tiny)
    assert ds["orders"]["channel_id"].isna().all() and not ds.has_column("orders", "channel_id")


def test_blank_identifying_key_remains_an_error(tmp_path):
    write(tmp_path, "leads.csv", LEADS + "L1,2026-01-01,CH1,won\n,2026-01-02,CH1,open\n")
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    (issue,) = err.value.issues
    assert (issue.column, issue.kind, issue.rows) == ("lead_id", "blank_required", [3])


def test_schema_buckets_classifiers_not_identifiers():
    bucketed = {(t, c.name) for t, s in TABLES.items() for c in s.columns if c.bucket_blank}
    assert {("leads", "channel_id"), ("orders", "channel_id"), ("reps", "team")} <= bucketed
    keys = {(t, k) for t, s in TABLES.items() for k in s.key}
    assert not bucketed & keys
    assert not any(c.bucket_blank for c in TABLES["orders"].columns if c.name in ("order_id", "customer_id"))


def test_docs_list_every_bucketed_column():
    from workbench.paths import PROJ_ROOT

    doc = (PROJ_ROOT / "docs" / "data_model.md").read_text(encoding="utf-8")
    for t, s in TABLES.items():
        section = doc.split(f"### `{t}`", 1)[1].split("\n### ", 1)[0]
        for c in s.columns:
            assert (f"| `{c.name}` |" in section and "blank kept as (blank)" in section.split(f"| `{c.name}` |", 1)[1]
                    .split("\n", 1)[0]) == c.bucket_blank, (t, c.name)
