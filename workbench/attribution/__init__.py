"""Multi-touch attribution: which channels assist, not only which close (issue 16).

- :mod:`~workbench.attribution.paths` — touches ordered into journeys, distinct paths, summaries;
- :mod:`~workbench.attribution.heuristics` — first/last touch, linear, time decay, position based.

Use from a notebook as ``import workbench.attribution as at``.
"""

from __future__ import annotations

from workbench.attribution.heuristics import HEURISTIC_MODELS, heuristic_credit, touch_weights
from workbench.attribution.paths import Journeys, build_journeys, path_summary

__all__ = [
    "HEURISTIC_MODELS",
    "Journeys",
    "build_journeys",
    "heuristic_credit",
    "path_summary",
    "touch_weights",
]
