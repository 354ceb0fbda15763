"""Real data: UCI restaurant consumer ratings, an outlet playing a channel (../shared; skipped when absent)."""

import pandas as pd
import pytest

import workbench.feedback as fbk
from workbench.data import load_dataset

pytestmark = pytest.mark.real


def test_restaurant_ratings_as_csat_by_outlet(real_data, tmp_path):
    raw = pd.read_csv(real_data / "uci_restaurant_consumer_ratings" / "rating_final.csv", dtype=str)
    assert len(raw) == 1161 and raw["userID"].nunique() == 138 and raw["placeID"].nunique() == 130
    assert raw["rating"].value_counts().to_dict() == {"2": 486, "1": 421, "0": 254}  # the README's counts
    fb = pd.DataFrame({"response_id": [f"R{i}" for i in range(len(raw))], "date": "2012-01-01",
                       "customer_id": raw["userID"], "channel_id": raw["placeID"],
                       "csat": raw["rating"].astype(int) + 1})  # rating 0/1/2 -> CSAT 1/2/3
    fb.to_csv(tmp_path / "feedback.csv", index=False)
    ds = load_dataset(tmp_path)
    params = fbk.FeedbackParams(min_responses=5)
    fd = fbk.nps.prepare(ds, params)
    sc = fbk.nps.analyse(fd, params)
    assert not sc.nps_ok and any("nps holds no score" in n.text("en") for n in sc.notes)
    ch = sc.csat.loc[sc.csat["dimension"].eq("channel")].set_index("group")
    # an independent computation on the raw file
    r = raw.assign(rating=raw["rating"].astype(int))
    expect = r.groupby("placeID")["rating"].agg(["size", "mean"])
    assert len(ch) == 130
    assert ch["n"].to_dict() == expect["size"].to_dict()
    enough = ch["n"] >= 5  # fewer than min_responses: no estimate at all
    assert (ch.loc[enough, "mean_csat"] - 1).round(12).to_dict() == \
        expect.loc[expect["size"] >= 5, "mean"].round(12).to_dict()
    assert ch.loc[~enough, ["mean_csat", "ci_low", "ci_high", "satisfied_share"]].isna().all().all()
    overall = sc.csat.loc[sc.csat["dimension"].eq("overall")].iloc[0]
    assert overall["n"] == 1161 and overall["mean_csat"] == pytest.approx(1 + (421 + 2 * 486) / 1161)
    # 'satisfied' at CSAT 3 (rating 2): 486 of 1,161
    sat = fbk.nps.csat_table(fd.responses, ["overall"], 5, satisfied_min=3).iloc[0]
    assert sat["satisfied"] == 486
    small = ch.loc[ch["insufficient"]]
    assert (small["n"] < 5).all() and len(small) == int((expect["size"] < 5).sum())
