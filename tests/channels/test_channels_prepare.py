"""Messy lead exports: every bad row is counted in a note and handled as stated, never a traceback."""

import numpy as np
import pandas as pd
import pytest

from workbench.channels import prepare_leads
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import UNKNOWN, normalise_status

STAGES = pd.DataFrame({"stage": ["初步接洽", "需求确认", "方案报价", "商务谈判", "赢单"], "order": [1, 2, 3, 4, 5]})


def _leads(rows):
    cols = ["lead_id", "created_date", "channel_id", "status", "stage", "closed_date", "amount", "rep_id"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("created_date", "closed_date"):
        df[c] = pd.to_datetime(df[c])
    return df


def _messy():
    return _leads([
        ("L1", "2026-01-05", "CH1", "Won", "赢单", "2026-02-01", 100.0, "R1"),
        ("L2", "2026-01-06", "CH1", "closed lost", "方案报价", "2026-01-20", 50.0, "R1"),
        ("L3", "2026-01-07", "", "open", "初步接洽", None, None, "R2"),                 # blank source
        ("L4", "2026-01-08", "Unknown", "输单", "需求确认", "2026-01-30", None, "R2"),   # "unknown" source
        ("L5", "2026-01-09", "CH2", "won", "赢单", "2026-01-01", 80.0, "R3"),          # closed before created
        ("L6", "2026-01-10", "CH2", "lost", "Qualification", None, None, "R3"),        # no close date, odd stage
        ("L7", "2026-01-11", "CH2", "Parked", "初步接洽", None, None, "R3"),            # status outside the three
        ("L7", "2026-01-12", "CH2", "won", "赢单", "2026-02-01", 10.0, "R3"),          # duplicate id
        ("L8", None, "CH2", "open", "初步接洽", None, None, "R3"),                       # no created date
        ("L9", "2026-01-13", "CH2", "open", "需求确认", "2026-01-20", None, "R3"),       # open with a close date
        ("L10", "2026-03-01", "CH3", "lost", None, "2026-03-09", None, None),          # no stage at all
    ])


def test_messy_export_is_cleaned_with_a_note_for_each_problem():
    p = ChannelParams()
    tables = {"leads": _messy(), "stages": STAGES,
              "channels": pd.DataFrame({"channel_id": ["CH1", "CH2", "CH3", "CH4"], "name": ["直销", "经销", "电销", "空"]})}
    ld = prepare_leads(tables, p, as_of="2026-06-30")
    lf = ld.leads.set_index("lead_id")
    # dropped: the duplicate L7 row, L8 (no created date), the first L7 (status outside) -> L7 gone entirely
    assert ld.counts == {"rows_read": 11, "no_id": 0, "duplicate_id": 1, "no_created": 1, "future": 0,
                         "bad_status": 1, "kept": 8}
    assert sorted(lf.index) == ["L1", "L10", "L2", "L3", "L4", "L5", "L6", "L9"]
    assert lf.loc["L1", "status"] == "won" and lf.loc["L2", "status"] == "lost" and lf.loc["L4", "status"] == "lost"
    # a blank source is the (blank) bucket; a literal "Unknown" stays a source of its own
    assert lf.loc["L3", "channel_id"] == UNKNOWN == "(blank)" and lf.loc["L4", "channel_id"] == "Unknown"
    assert not lf.loc["L3", "known_source"] and lf.loc["L1", "known_source"]
    # closed before created: still won, but no time to close
    assert lf.loc["L5", "won"] and np.isnan(lf.loc["L5", "duration_days"]) and pd.isna(lf.loc["L5", "closed_date"])
    # closed without a date: counts as lost, not in time to close
    assert lf.loc["L6", "status"] == "lost" and np.isnan(lf.loc["L6", "duration_days"])
    # open with a close date: the date is ignored, open for 168 days on 2026-06-30 (18 + 28 + 31 + 30 + 31 + 30)
    assert pd.isna(lf.loc["L9", "closed_date"]) and lf.loc["L9", "duration_days"] == 168 and not lf.loc["L9", "event"]
    assert lf.loc["L1", "duration_days"] == 27 and lf.loc["L1", "event"]
    # stages: won -> every stage; unknown name and no stage -> 0
    assert lf.loc["L1", "reach"] == 5 and lf.loc["L2", "reach"] == 3 and lf.loc["L6", "reach"] == 0
    assert lf.loc["L10", "reach"] == 0 and not lf.loc["L10", "stage_known"]
    assert ld.won_stage  # the last stage is 赢单
    text = " | ".join(n.text("en") for n in ld.notes)
    for piece in ("1 lead(s) repeat an earlier lead_id", "1 lead(s) have no created date",
                  "status outside open / won / lost ('Parked' ×1)", "1 lead(s) (12.5%) have no source",
                  "1 lead(s) were closed before they were created", "1 closed lead(s)",
                  "1 open lead(s) carry a close date", "'Qualification' ×1", "channel(s) have no leads: CH4 空"):
        assert piece in text, piece


def test_statuses_through_the_loaders_alias_table():
    s = pd.Series(["Won", " closed-won ", "赢单", "Engaging", "LOST", "丢单", None, "Prospecting", "On hold"])
    got = normalise_status(s)
    assert got.tolist()[:6] == ["won", "won", "won", "open", "lost", "lost"]
    assert pd.isna(got.iloc[6]) and got.iloc[7] == "open" and pd.isna(got.iloc[8])
    assert normalise_status(s, {"leads.status": {"On hold": "open"}}).iloc[8] == "open"
    import workbench.channels.prepare as prep

    assert not hasattr(prep, "STATUS_SYNONYMS")  # one alias table, at the load boundary


def test_cohorts_and_maturity():
    leads = _leads([
        ("A", "2026-01-31", "CH1", "won", None, "2026-02-10", None, None),
        ("B", "2026-02-01", "CH1", "lost", None, "2026-02-10", None, None),
        ("C", "2026-03-15", "CH1", "open", None, None, None, None),
    ])
    ld = prepare_leads({"leads": leads}, ChannelParams(mature_after_days=30), as_of="2026-03-31")
    lf = ld.leads.set_index("lead_id")
    # February ends 2026-02-28 = 31 days before 2026-03-31: mature; March is not
    assert lf["cohort"].tolist() == ["2026-01", "2026-02", "2026-03"]
    assert lf["mature"].tolist() == [True, True, False]
    q = prepare_leads({"leads": leads}, ChannelParams(cohort="quarter", mature_after_days=0), as_of="2026-03-31")
    assert q.leads["cohort"].unique().tolist() == ["2026Q1"] and q.leads["mature"].all()
    assert "No stages table" in q.notes[0].en


def test_spend_for_a_channel_without_leads_or_orders_is_named():
    leads = _leads([("A", "2026-01-05", "CH1", "won", None, "2026-01-10", 1.0, None)])
    spend = pd.DataFrame({"period": ["2026-01", "2026-01"], "channel_id": ["CH1", "CH9"], "amount": [10.0, 5.0]})
    ld = prepare_leads({"leads": leads, "spend": spend}, ChannelParams(), as_of="2026-06-30")
    assert ld.spend_only == ["CH9"]
    assert any("Spend is recorded for CH9" in n.en.format(**n.values) for n in ld.notes)


def test_missing_required_column_is_a_clear_error():
    with pytest.raises(ValueError, match="required column\\(s\\) missing: status"):
        prepare_leads({"leads": pd.DataFrame({"lead_id": ["a"], "created_date": ["2026-01-01"],
                                              "channel_id": ["x"]})}, ChannelParams())
    with pytest.raises(ValueError, match="leads table is absent"):
        prepare_leads({}, ChannelParams())


def test_params_reject_unknown_keys_and_bad_values():
    from workbench.exceptions import ParamsError
    from workbench.params import validate

    with pytest.raises(ParamsError, match="did you mean 'min_leads'"):
        validate(ChannelParams, {"min_lead": 3}, where="test")
    with pytest.raises(ParamsError, match="what_if_levels"):
        validate(ChannelParams, {"what_if_levels": [1.0, -1]}, where="test")
    with pytest.raises(ParamsError, match="status_map"):  # statuses are mapped where data comes in
        validate(ChannelParams, {"status_map": {"Engaging": "open"}}, where="test")
