"""Competitor names: one name per competitor, from the params mapping; look-alikes suggested, never merged."""

import pandas as pd
import pytest

from workbench.competitors.names import alias_lookup, normalise_names, suggest_aliases
from workbench.competitors.params import CompetitorParams
from workbench.exceptions import ParamsError
from workbench.params import validate


def test_three_spellings_merge_with_the_default_mapping():
    s = pd.Series(["优居科技", "优居", "Youju Tech", "youju  TECH", "智享家", None])
    out, mapping = normalise_names(s, CompetitorParams().competitor_aliases)
    assert out.tolist()[:5] == ["优居科技"] * 4 + ["智享家"]
    assert pd.isna(out.iloc[5])
    assert set(mapping["raw"]) == {"优居", "Youju Tech", "youju  TECH"}
    assert (mapping["canonical"] == "优居科技").all() and mapping["rows"].sum() == 3


def test_case_space_and_full_width_variants_merge_into_the_most_frequent_spelling():
    s = pd.Series(["Acme Ltd", "Acme Ltd", "ACME  LTD", "Ａｃｍｅ Ltd"])
    out, mapping = normalise_names(s, {})
    assert out.tolist() == ["Acme Ltd"] * 4
    assert set(mapping["how"]) == {"spelling"} and mapping["rows"].sum() == 2


def test_own_name_is_kept_and_mapped():
    out, _ = normalise_names(pd.Series(["星辰智能", " 星辰智能 "]), {}, ("星辰智能",))
    assert out.tolist() == ["星辰智能", "星辰智能"]


def test_look_alikes_are_suggested_not_merged():
    names = pd.Series(["优居科技"] * 5 + ["优居"] * 2 + ["海岚电子"] * 3 + ["星辰智能"])
    sug = suggest_aliases(names, own="星辰智能")
    assert sug.to_dict("records") == [{"name": "优居", "looks_like": "优居科技", "rows": 2}]


def test_a_spelling_mapped_twice_is_a_params_error():
    with pytest.raises(ParamsError, match="mapped to both"):
        validate(CompetitorParams, {"competitor_aliases": {"A": ["x"], "B": ["X "]}}, where="test")
    assert alias_lookup({"A": ["x"]}) == {"a": "A", "x": "A"}
