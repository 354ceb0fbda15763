"""Multi-touch attribution: which channels assist, not only which close (issue 16).

- :mod:`~workbench.attribution.paths` — touches ordered into journeys, distinct paths, summaries;
- :mod:`~workbench.attribution.heuristics` — first/last touch, linear, time decay, position based;
- :mod:`~workbench.attribution.markov` — k-order Markov removal effects and the choice of order;
- :mod:`~workbench.attribution.shapley` — Shapley values over channel sets;
- :mod:`~workbench.attribution.bootstrap` — every model side by side with bootstrap intervals.

Use from a notebook as ``import workbench.attribution as at``.
"""

from __future__ import annotations

from workbench._lazy import attach as _attach

# Imported on first use: the runner imports ``workbench.attribution.params`` to validate parameters,
# and that must not pull in the models (scipy) with it.
__getattr__, __dir__ = _attach(__name__, {
    "bootstrap": ["ATTRIBUTION_COLUMNS", "MODELS", "attribute", "bootstrap_replicates"],
    "heuristics": ["HEURISTIC_MODELS", "heuristic_credit", "touch_weights"],
    "markov": ["MarkovDesign", "MarkovResult", "markov_credit", "markov_order_fit"],
    "paths": ["Journeys", "build_journeys", "path_summary"],
    "shapley": ["MAX_SHAPLEY_CHANNELS", "ShapleyDesign", "shapley_credit"],
})

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
