"""Parameters of ``10_customer_segmentation``: score cut points, segment and tier rules, the playbook.

Every rule the report applies is a literal here (and in the notebook's parameters
cell), so an analyst can read, change and version it: the RFM score cut points,
the rules that map scores to named segments, the value and potential tiers, the
CLV model's windows and the playbook that turns a (value tier, potential, RFM segment) into
a recommended action. The validators check that rules are well-formed and that
every name the playbook refers to exists, and list the valid choices when not.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from workbench.params import NotebookParams

RANGE_KEYS = ("r", "f", "m")
SEGMENT_RULE_KEYS = ("rfm_segment", *RANGE_KEYS)
PLAY_KEYS = ("play", "tier", "potential", "rfm_segment", "action", "action_zh")
LEGACY_KEYS = {"segment": "rfm_segment"}  # the key before RFM segments and value tiers were named apart

DEFAULT_SEGMENT_RULES: list[dict[str, Any]] = [
    {"rfm_segment": "Champions", "r": [4, 5], "f": [4, 5]},
    {"rfm_segment": "Loyal", "r": [3, 5], "f": [3, 5]},
    {"rfm_segment": "Potential loyalists", "r": [4, 5], "f": [2, 2]},
    {"rfm_segment": "New", "r": [4, 5], "f": [1, 1]},
    {"rfm_segment": "Need attention", "r": [3, 3], "f": [1, 2]},
    {"rfm_segment": "At risk", "r": [1, 2], "f": [3, 5]},
    {"rfm_segment": "Hibernating", "r": [2, 2], "f": [1, 2]},
    {"rfm_segment": "Lost", "r": [1, 1], "f": [1, 2]},
]
DEFAULT_TIER_RULES: list[dict[str, Any]] = [
    {"tier": "VIP", "top_share": 0.05},
    {"tier": "key", "top_share": 0.2},
    {"tier": "regular", "top_share": 0.6},
    {"tier": "low value", "top_share": 1.0},
]
DEFAULT_POTENTIAL_RULES: list[dict[str, Any]] = [
    {"potential": "high", "top_share": 0.2},
    {"potential": "medium", "top_share": 0.5},
    {"potential": "low", "top_share": 1.0},
]
DEFAULT_PLAYBOOK: list[dict[str, Any]] = [
    {"play": "vip_save", "tier": ["VIP"], "rfm_segment": ["Need attention", "At risk", "Hibernating", "Lost"],
     "action": "Senior account manager calls within a week, finds out what changed and offers a tailored retention plan",
     "action_zh": "一周内由资深客户经理致电，了解变化原因并提供定制挽留方案"},
    {"play": "vip_care", "tier": ["VIP"],
     "action": "Named account manager, custom service and exclusive offers, quarterly business review",
     "action_zh": "专属客户经理、定制服务与专享优惠，每季度业务回顾"},
    {"play": "key_winback", "tier": ["key"], "rfm_segment": ["At risk", "Hibernating", "Lost"],
     "action": "Win-back call by the account's rep with a targeted offer",
     "action_zh": "由负责销售致电挽回，并提供针对性优惠"},
    {"play": "grow_potential", "potential": ["high"],
     "action": "Proactive follow-up, product trials and cross-sell of the next category",
     "action_zh": "主动跟进，提供新品试用并交叉销售其他品类"},
    {"play": "reward_loyal", "rfm_segment": ["Champions", "Loyal"],
     "action": "Loyalty rewards, referral programme and early access to new products",
     "action_zh": "忠诚度奖励、老带新推荐计划和新品优先体验"},
    {"play": "nurture_new", "rfm_segment": ["New", "Potential loyalists"],
     "action": "Onboarding sequence and a second-purchase incentive within 30 days",
     "action_zh": "新客引导流程，并在 30 天内提供复购激励"},
    {"play": "win_back", "rfm_segment": ["Need attention", "At risk"],
     "action": "Win-back campaign: reminder plus a time-limited offer",
     "action_zh": "召回活动：提醒加限时优惠"},
    {"play": "low_cost_reactivation", "rfm_segment": ["Hibernating", "Lost"],
     "action": "Low-cost reactivation by e-mail or SMS only, no paid outreach",
     "action_zh": "仅通过邮件或短信低成本唤醒，不投入付费触达"},
    {"play": "keep_in_touch", "action": "Regular newsletter and standard service",
     "action_zh": "常规资讯推送与标准服务"},
]
CRM_TAG_KEYS = ("tier", "potential", "rfm_segment", "play")
DEFAULT_CRM_TAGS: list[str] = ["tier", "rfm_segment", "play"]
DEFAULT_FXIAOKE_LEVELS: dict[str, str] = {"VIP": "A类", "key": "B类", "regular": "C类", "low value": "C类"}
"""Value tier -> option of Fxiaoke's 客户级别 field (the options a tenant set up; A类/B类/C类 is common)."""


def _check_increasing(name: str, values: list[float], lo: float | None = None, hi: float | None = None) -> None:
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError(f"{name} must be strictly increasing, got {values}")
    if lo is not None and any(v <= lo for v in values):
        raise ValueError(f"{name} must be > {lo}, got {values}")
    if hi is not None and any(v >= hi for v in values):
        raise ValueError(f"{name} must be < {hi}, got {values}")


def _check_share_rules(name: str, key: str, rules: list[dict[str, Any]]) -> None:
    if not rules:
        raise ValueError(f"{name} needs at least one rule")
    for rule in rules:
        bad = sorted(set(rule) - {key, "top_share"})
        if bad or key not in rule or "top_share" not in rule:
            raise ValueError(f"{name}: every rule is {{'{key}': name, 'top_share': 0..1}}, got {rule}")
        if not isinstance(rule[key], str) or not rule[key]:
            raise ValueError(f"{name}: '{key}' must be a non-empty name, got {rule[key]!r}")
    shares = [float(r["top_share"]) for r in rules]
    if any(not 0 < s <= 1 for s in shares) or any(b <= a for a, b in zip(shares, shares[1:], strict=False)):
        raise ValueError(f"{name}: top_share must increase within (0, 1], got {shares}")
    if shares[-1] != 1.0:
        raise ValueError(f"{name}: the last rule must have top_share 1.0 so that every customer gets one, got {shares[-1]}")
    names = [r[key] for r in rules]
    if len(set(names)) != len(names):
        raise ValueError(f"{name}: names must be unique, got {names}")


class SegmentationParams(NotebookParams):
    """``10_customer_segmentation``: RFM, value and potential tiers, CLV, clusters, migration and playbook.

    The analysis date is the shared ``as_of`` (empty: the last order date).
    """

    return_link_pattern: str = Field(
        "-R$", description="regex removed from a credit note's order_id to find the order it reverses; empty = no linking")
    ignore_customer_ids: list[str] = Field(
        default_factory=list, description="placeholder customer ids (walk-in, guest) left out of every analysis")
    score_quantiles: list[float] = Field(
        default_factory=lambda: [0.2, 0.4, 0.6, 0.8],
        description="four quantile levels that cut a dimension into scores 1..5 when it has no fixed cuts")
    recency_cuts: list[float] = Field(
        default_factory=list, description="four fixed recency cut points in days (empty = quantiles)")
    frequency_cuts: list[float] = Field(
        default_factory=lambda: [1.0, 2.0, 3.0, 5.0],
        description="four fixed order-count cut points (empty = quantiles); 1,2,3,5 scores 1 order as 1, 6+ as 5")
    monetary_cuts: list[float] = Field(
        default_factory=list, description="four fixed net-revenue cut points (empty = quantiles)")
    segment_rules: list[dict[str, Any]] = Field(
        default_factory=lambda: [dict(r) for r in DEFAULT_SEGMENT_RULES],
        description="ordered rules {rfm_segment, r, f, m: [low, high]}; the first match names the RFM segment")
    value_window_days: int = Field(365, ge=1, le=3650, description="current value = net revenue of this many days")
    tier_rules: list[dict[str, Any]] = Field(
        default_factory=lambda: [dict(r) for r in DEFAULT_TIER_RULES],
        description="value tiers {tier, top_share}: customers ranked by current plus predicted value")
    potential_rules: list[dict[str, Any]] = Field(
        default_factory=lambda: [dict(r) for r in DEFAULT_POTENTIAL_RULES],
        description="potential tiers {potential, top_share}: customers ranked by predicted value (CLV)")
    clv_horizon_months: int = Field(12, ge=1, le=60, description="months of future purchases in the CLV")
    discount_rate: float = Field(0.10, ge=0, le=1, description="annual discount rate of future revenue")
    holdout_days: int = Field(180, ge=7, le=1095, description="days at the end held out to check the CLV model")
    min_repeat_buyers: int = Field(30, ge=5, description="fewer repeat buyers than this: no CLV model")
    clv_penalizer: float = Field(0.001, ge=0, le=1, description="L2 penalty of the BG/NBD and Gamma-Gamma fits")
    migration_days: int = Field(180, ge=7, le=1095, description="the previous period's tiers are taken this many days earlier")
    k_min: int = Field(3, ge=2, le=20, description="fewest clusters tried")
    k_max: int = Field(8, ge=2, le=20, description="most clusters tried")
    n_bootstrap: int = Field(10, ge=2, le=100, description="bootstrap refits of the stability check")
    cluster_sample: int = Field(5000, ge=500, description="customers sampled to choose k and check stability")
    min_group_size: int = Field(30, ge=1, description="groups with fewer customers are flagged as too small to compare")
    seed: int = Field(42, description="random seed of clustering and bootstraps")
    playbook: list[dict[str, Any]] = Field(
        default_factory=lambda: [dict(p) for p in DEFAULT_PLAYBOOK],
        description="ordered plays {play, tier, potential, rfm_segment, action, action_zh}; the first match applies")
    crm_tags: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CRM_TAGS),
        description="what the Zoho and Fxiaoke import files carry as tags: any of tier, potential, rfm_segment, play")
    zoho_lang: str = Field("en", pattern="^(en|zh)$",
                           description="language of the tags and Workbench field values in the Zoho import file")
    fxiaoke_lang: str = Field("zh", pattern="^(en|zh)$", description="language of the tags in the Fxiaoke import file")
    fxiaoke_levels: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_FXIAOKE_LEVELS),
        description="value tier -> 客户级别 option of your Fxiaoke tenant (a tier left out: 客户级别 left blank)")

    @field_validator("score_quantiles")
    @classmethod
    def _quantiles(cls, v: list[float]) -> list[float]:
        if len(v) != 4:
            raise ValueError(f"score_quantiles needs four levels for scores 1..5, got {len(v)}")
        _check_increasing("score_quantiles", v, 0.0, 1.0)
        return v

    @field_validator("recency_cuts", "frequency_cuts", "monetary_cuts")
    @classmethod
    def _cuts(cls, v: list[float], info) -> list[float]:
        if v and len(v) != 4:
            raise ValueError(f"{info.field_name} needs four cut points for scores 1..5 (or none for quantiles), got {len(v)}")
        _check_increasing(info.field_name, v)
        return v

    @field_validator("return_link_pattern")
    @classmethod
    def _pattern(cls, v: str) -> str:
        import re

        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"return_link_pattern is not a valid regular expression: {exc}") from None
        return v

    @field_validator("segment_rules", "playbook", mode="before")
    @classmethod
    def _legacy_keys(cls, v):
        if isinstance(v, list):
            return [{LEGACY_KEYS.get(k, k): x for k, x in rule.items()} if isinstance(rule, dict) else rule
                    for rule in v]
        return v

    @field_validator("segment_rules")
    @classmethod
    def _segment_rules(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not v:
            raise ValueError("segment_rules needs at least one rule")
        names = []
        for rule in v:
            bad = sorted(set(rule) - set(SEGMENT_RULE_KEYS))
            if bad:
                raise ValueError(f"segment_rules: unknown key(s) {bad} in {rule}. Valid keys are: {', '.join(SEGMENT_RULE_KEYS)}")
            if not isinstance(rule.get("rfm_segment"), str) or not rule["rfm_segment"]:
                raise ValueError(f"segment_rules: every rule needs an 'rfm_segment' name, got {rule}")
            for k in RANGE_KEYS:
                if k in rule:
                    rng = rule[k]
                    if (not isinstance(rng, list | tuple) or len(rng) != 2
                            or not all(isinstance(x, int) and 1 <= x <= 5 for x in rng) or rng[0] > rng[1]):
                        raise ValueError(f"segment_rules: '{k}' of {rule['rfm_segment']!r} must be [low, high] "
                                         f"with 1 <= low <= high <= 5, got {rng!r}")
            names.append(rule["rfm_segment"])
        if len(set(names)) != len(names):
            raise ValueError(f"segment_rules: RFM segment names must be unique, got {names}")
        return v

    @field_validator("tier_rules")
    @classmethod
    def _tiers(cls, v):
        _check_share_rules("tier_rules", "tier", v)
        return v

    @field_validator("potential_rules")
    @classmethod
    def _potentials(cls, v):
        _check_share_rules("potential_rules", "potential", v)
        return v

    @model_validator(mode="after")
    def _cross_checks(self):
        if self.k_max < self.k_min:
            raise ValueError(f"k_max ({self.k_max}) must be >= k_min ({self.k_min})")
        valid = {
            "tier": self.tier_names,
            "potential": self.potential_names,
            "rfm_segment": self.rfm_segment_names,
        }
        plays = []
        if not self.playbook:
            raise ValueError("playbook needs at least one play")
        for play in self.playbook:
            bad = sorted(set(play) - set(PLAY_KEYS))
            if bad:
                raise ValueError(f"playbook: unknown key(s) {bad} in {play}. Valid keys are: {', '.join(PLAY_KEYS)}")
            for k in ("play", "action"):
                if not isinstance(play.get(k), str) or not play[k]:
                    raise ValueError(f"playbook: every play needs a '{k}' text, got {play}")
            for key, names in valid.items():
                if key in play:
                    wanted = play[key]
                    if not isinstance(wanted, list) or not wanted:
                        raise ValueError(f"playbook: '{key}' of play {play['play']!r} must be a non-empty list")
                    unknown = [w for w in wanted if w not in names]
                    if unknown:
                        raise ValueError(f"playbook: play {play['play']!r} names unknown {key}(s) {unknown}. "
                                         f"Valid options are: {names}")
            plays.append(play["play"])
        if len(set(plays)) != len(plays):
            raise ValueError(f"playbook: play names must be unique, got {plays}")
        bad = [t for t in self.crm_tags if t not in CRM_TAG_KEYS]
        if bad or len(set(self.crm_tags)) != len(self.crm_tags):
            raise ValueError(f"crm_tags: unknown or repeated {bad or self.crm_tags}. Valid options are: {list(CRM_TAG_KEYS)}")
        # A tier without a level (tier_rules changed, fxiaoke_levels not) leaves 客户级别 blank and the
        # report says so; it does not stop the run.
        blank = [t for t, v in self.fxiaoke_levels.items() if not isinstance(v, str) or not v.strip()]
        if blank:
            raise ValueError(f"fxiaoke_levels: tier(s) {blank} map to an empty 客户级别; leave such a tier out instead")
        return self

    @property
    def tier_names(self) -> list[str]:
        """Tier names from best to worst."""
        return [r["tier"] for r in self.tier_rules]

    @property
    def potential_names(self) -> list[str]:
        """Potential names from highest to lowest."""
        return [r["potential"] for r in self.potential_rules]

    @property
    def rfm_segment_names(self) -> list[str]:
        """RFM segment names in rule order."""
        return [r["rfm_segment"] for r in self.segment_rules]
