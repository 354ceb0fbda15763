"""Multi-touch attribution: which channels assist, not only which close (issue 16).

- :mod:`~workbench.attribution.paths` — touches ordered into journeys, distinct paths, summaries;
- :mod:`~workbench.attribution.heuristics` — first/last touch, linear, time decay, position based;
- :mod:`~workbench.attribution.markov` — k-order Markov removal effects and the choice of order;
- :mod:`~workbench.attribution.shapley` — Shapley values over channel sets;
- :mod:`~workbench.attribution.bootstrap` — every model side by side with bootstrap intervals.

Use from a notebook as ``import workbench.attribution as at``.
"""

from __future__ import annotations

from workbench.attribution.bootstrap import (
    ATTRIBUTION_COLUMNS,
    MODELS,
    attribute,
    bootstrap_replicates,
)
from workbench.attribution.heuristics import HEURISTIC_MODELS, heuristic_credit, touch_weights
from workbench.attribution.markov import MarkovDesign, MarkovResult, markov_credit, markov_order_fit
from workbench.attribution.paths import Journeys, build_journeys, path_summary
from workbench.attribution.shapley import MAX_SHAPLEY_CHANNELS, ShapleyDesign, shapley_credit

__all__ = [
    "ATTRIBUTION_COLUMNS",
    "HEURISTIC_MODELS",
    "MAX_SHAPLEY_CHANNELS",
    "MODELS",
    "Journeys",
    "MarkovDesign",
    "MarkovResult",
    "ShapleyDesign",
    "attribute",
    "bootstrap_replicates",
    "build_journeys",
    "heuristic_credit",
    "markov_credit",
    "markov_order_fit",
    "path_summary",
    "shapley_credit",
    "touch_weights",
]
