"""Values that cannot be true never pass quietly: inf, 1e308, dates in 2099 or 1900, a future as_of."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import write

from workbench.data import load_dataset
from workbench.exceptions import DataError, ParamsError
from workbench.params import RunConfig, validate

HEAD = "order_id,order_date,customer_id,amount\n"
TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("amount", ["inf", "-inf", "1e308", "1e400", "123456789012345678", "Infinity"])
def test_non_finite_or_absurd_amounts_are_errors(tmp_path, amount):
    write(tmp_path, "orders.csv", HEAD + f"O1,2026-03-05,C1,100\nO2,2026-03-06,C2,{amount}\n")
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path, today=TODAY)
    (issue,) = err.value.issues
    assert (issue.kind, issue.column, issue.rows) == ("impossible_value", "amount", [3])
    assert "cannot be true" in str(issue)


def test_non_finite_numbers_from_parquet_are_errors(tmp_path):
    pd.DataFrame({"response_id": ["R1", "R2"], "date": ["2026-01-01"] * 2, "nps": [9.0, np.inf]}).to_parquet(
        tmp_path / "feedback.parquet")
    ds = load_dataset(tmp_path, strict=False, today=TODAY)
    assert [(i.kind, i.column) for i in ds.errors] == [("impossible_value", "nps")]
    assert "feedback" not in ds.tables


def test_large_but_real_amounts_pass(tmp_path):
    write(tmp_path, "orders.csv", HEAD + "O1,2026-03-05,C1,\"¥1,234,567,890.12\"\n")
    assert load_dataset(tmp_path, today=TODAY)["orders"]["amount"].iloc[0] == pytest.approx(1_234_567_890.12)


def test_future_and_ancient_dates_are_flagged_and_left_out_of_the_analysis_date(tmp_path):
    write(tmp_path, "orders.csv", HEAD + "O1,2026-03-05,C1,100\nO2,2099-12-31,C2,5\nO3,2099-12-31,C3,5\n"
                                         "O4,1900-01-01,C1,1\nO5,2026-11-30,C1,2\n")
    ds = load_dataset(tmp_path, today=TODAY)
    o = ds["orders"]
    assert o["order_id"].tolist() == ["O1", "O5"]  # the run date itself is fine
    assert o["order_date"].max() == pd.Timestamp("2026-11-30")  # what "latest date in the data" now sees
    kinds = {(i.kind, i.count, tuple(i.rows)) for i in ds.warnings}
    assert kinds == {("date_in_future", 2, (3, 4)), ("date_too_early", 1, (5,))}
    r = ds.audit_reasons
    assert r.loc[r["reason"] == "implausible_date", "rows"].sum() == 3


def test_plausible_from_is_a_parameter(tmp_path):
    write(tmp_path, "orders.csv", HEAD + "O1,1985-06-01,C1,100\nO2,2026-03-05,C1,1\n")
    assert len(load_dataset(tmp_path, today=TODAY)["orders"]) == 1
    assert len(load_dataset(tmp_path, today=TODAY, plausible_from="1980-01-01")["orders"]) == 2


def test_implausible_optional_date_is_set_missing_not_dropped(tmp_path):
    write(tmp_path, "leads.csv", "lead_id,created_date,channel_id,status,closed_date\n"
                                 "L1,2026-01-01,CH1,won,2099-01-01\nL2,2026-01-01,CH1,lost,2026-02-01\n")
    ds = load_dataset(tmp_path, today=TODAY)
    assert len(ds["leads"]) == 2 and ds["leads"]["closed_date"].isna().tolist() == [True, False]
    assert ds.audit.set_index("table").loc["leads", "rows_changed"] == 1


def test_planned_dates_may_lie_ahead(tmp_path):
    write(tmp_path, "actions.csv", "action_id,start_date,description\nA1,2027-01-01,新渠道培训\n")
    assert len(load_dataset(tmp_path, today=TODAY)["actions"]) == 1


def test_future_as_of_is_refused():
    with pytest.raises(ParamsError, match="in the future"):
        validate(RunConfig, {"as_of": "2099-01-01"}, where="p.yaml")
    assert validate(RunConfig, {"as_of": "2026-01-31"}, where="p.yaml").as_of == "2026-01-31"


def test_run_config_load_options():
    cfg = validate(RunConfig, {"value_aliases": {"leads.status": {"Gewonnen": "won"}},
                               "keep_duplicate_lines": False, "plausible_from": "2000-01-01"}, where="p.yaml")
    assert cfg.load_options() == {"value_aliases": {"leads.status": {"Gewonnen": "won"}},
                                  "keep_duplicate_lines": False, "plausible_from": "2000-01-01"}
    with pytest.raises(ParamsError, match="plausible_from"):
        validate(RunConfig, {"plausible_from": "soon"}, where="p.yaml")
