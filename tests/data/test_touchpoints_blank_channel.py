"""A touch without a channel does not refuse the dataset (issue 16 follow-up): like a lead without a source it is
kept as the channel ``(blank)``, counted in the audit, and the attribution report says so and credits it."""

import pandas as pd
from conftest import write

from workbench.attribution import compare, views
from workbench.attribution.labels import LABELS
from workbench.attribution.params import AttributionParams
from workbench.attribution.prepare import prepare
from workbench.data import load_dataset
from workbench.data.aliases import BLANK

LEADS = "lead_id,created_date,channel_id,status,closed_date,amount\n"
TOUCHES = "touch_id,lead_id,ts,channel_id\n"


def _dataset(folder):
    write(folder, "channels.csv", "channel_id,name,type\nCH1,直销,direct\nCH2,天猫,ecommerce\n")
    leads, touches = [], []
    for i in range(12):
        won = i % 3 == 0
        leads.append(f"L{i},2026-01-{i + 1:02d},CH1,{'won' if won else 'lost'},2026-02-{i + 1:02d},"
                     f"{100 if won else ''}")
        touches.append(f"T{i}a,L{i},2026-01-{i + 1:02d} 09:00,CH2")
        # the 2nd touch of every 4th lead has no channel: blank, or only spaces
        blank = "" if i % 8 == 0 else " "
        touches.append(f"T{i}b,L{i},2026-01-{i + 1:02d} 10:00,{blank if i % 4 == 0 else 'CH1'}")
    write(folder, "leads.csv", LEADS + "\n".join(leads) + "\n")
    write(folder, "touchpoints.csv", TOUCHES + "\n".join(touches) + "\n")
    return folder


def test_blank_channel_touches_load_as_a_blank_bucket_counted_in_the_audit(tmp_path):
    ds = load_dataset(_dataset(tmp_path))  # used to raise DataError: blank_required in touchpoints.channel_id
    tp = ds["touchpoints"]
    assert len(tp) == 24  # every touch still counts
    blank = tp["channel_id"].astype("str").eq(BLANK)
    assert tp.loc[blank, "touch_id"].tolist() == ["T0b", "T4b", "T8b"]
    assert ds.errors == []
    (w,) = [i for i in ds.warnings if i.kind == "blank_bucketed" and i.table == "touchpoints"]
    assert (w.column, w.count) == ("channel_id", 3)
    assert w.rows == [3, 11, 19]  # file lines of T0b, T4b, T8b (the header is line 1)
    audit = ds.audit.set_index("table").loc["touchpoints"]
    assert (audit["rows_read"], audit["rows_used"], audit["rows_dropped"], audit["rows_changed"]) == (24, 24, 0, 3)
    reasons = ds.audit_reasons
    r = reasons.loc[(reasons["table"] == "touchpoints") & (reasons["reason"] == "blank_bucketed")].iloc[0]
    assert (r["action"], r["column"], r["rows"]) == ("changed", "channel_id", 3)


def test_the_attribution_report_notes_and_credits_the_blank_channel(tmp_path):
    ds = load_dataset(_dataset(tmp_path))
    p = AttributionParams(as_of="2026-03-31", chosen_model="shapley", models=["last_touch", "linear", "shapley"],
                          n_boot=0, min_conversions=1)
    ad = prepare(ds, p)
    assert ad.ok and len(ad.touches) == 24 and (ad.touches["channel_id"] == BLANK).sum() == 3
    (note,) = [n for n in ad.notes if "no channel" in n.text("en")]
    assert note.values["n"].value == 3 and note.level == "warning"
    assert "3 个触点在文件中没有渠道" in note.text("zh") and "（空白）" in note.text("zh")
    res = compare.analyse(ad, p, ad.channel_names)
    assert res.models_ok
    credit = res.credit.loc[res.credit["model"] == "linear"].set_index("channel_id")["conversions"]
    # linear: the blank touches are the 2nd of 2 touches on L0 (won), L4 (lost), L8 (lost): half of L0's conversion
    assert credit[BLANK] == 0.5 and credit.sum() == 4
    ev = res.evidence.set_index("channel_id")
    assert (ev.loc[BLANK, "touched_journeys"], ev.loc[BLANK, "touched_conversion_rate"]) == (3, 1 / 3)


class _Rpt:
    lang = "zh"

    def t(self, key):
        return LABELS[key][1]


def test_the_blank_channel_is_named_in_the_readers_language():
    shift = pd.DataFrame({"channel_id": [BLANK, "CH1"], "channel_name": [BLANK, "直销"]})
    shown = views._blank_shown(_Rpt(), shift)
    assert shown["channel_id"].tolist() == ["（空白）", "CH1"] and shown["channel_name"].tolist() == ["（空白）", "直销"]
    assert shift["channel_id"].tolist() == [BLANK, "CH1"]  # the saved table keeps the code
    assert views._name({"CH1": "直销"}, _Rpt())(BLANK) == "（空白）"
