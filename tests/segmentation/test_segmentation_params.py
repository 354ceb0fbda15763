"""The params model: rules validated before any work, errors that name the key and the valid choices."""

import pytest

from workbench.exceptions import ParamsError
from workbench.params import validate
from workbench.segmentation.params import SegmentationParams


def test_defaults_are_consistent():
    p = SegmentationParams()
    assert p.tier_names == ["VIP", "key", "regular", "low value"] and len(p.rfm_segment_names) == 8
    assert p.playbook[-1].keys() == {"play", "action", "action_zh"}  # the catch-all comes last


@pytest.mark.parametrize("values, message", [
    ({"score_quantiles": [0.2, 0.4, 0.6]}, "four levels"),
    ({"recency_cuts": [30, 10, 90, 180]}, "strictly increasing"),
    ({"monetary_cuts": [1, 2]}, "four cut points"),
    ({"segment_rules": [{"rfm_segment": "A", "r": [4, 6]}]}, "1 <= low <= high <= 5"),
    ({"segment_rules": [{"rfm_segment": "A", "x": [1, 2]}]}, "Valid keys are: rfm_segment, r, f, m"),
    ({"tier_rules": [{"tier": "A", "top_share": 0.5}]}, "last rule must have top_share 1.0"),
    ({"tier_rules": [{"tier": "A", "top_share": 0.5}, {"tier": "A", "top_share": 1.0}]}, "unique"),
    ({"playbook": [{"play": "p", "tier": ["Gold"], "action": "x"}]}, "Valid options are: ['VIP', 'key'"),
    ({"playbook": [{"play": "p", "rfm_segment": ["Champs"], "action": "x"}]}, "unknown rfm_segment(s) ['Champs']"),
    ({"return_link_pattern": "(-R"}, "not a valid regular expression"),
    ({"k_min": 5, "k_max": 3}, "k_max (3) must be >= k_min (5)"),
])
def test_bad_params_fail_with_a_hint(values, message):
    with pytest.raises(ParamsError) as err:
        SegmentationParams.from_namespace(values)
    assert message in str(err.value)


def test_misspelt_key_in_a_params_file():
    with pytest.raises(ParamsError, match="did you mean 'segment_rules'"):
        validate(SegmentationParams, {"segment_rule": []}, where="notebooks.10_customer_segmentation")
