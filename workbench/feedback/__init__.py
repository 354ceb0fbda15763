"""Market feedback (``50_market_feedback``): NPS and CSAT with intervals and tested changes, drivers of
satisfaction, comment themes in Chinese and English, and the complaints to follow up.

Use it as ``import workbench.feedback as fbk``: ``fd = fbk.nps.prepare(ds, params)`` once, then
``fbk.nps.analyse``, ``fbk.comments.analyse`` and ``fbk.drivers.analyse``; figures are in :mod:`plots`.
"""

from workbench.competitors.base import show_notes, show_table
from workbench.feedback import comments, drivers, nps, plots, summary
from workbench.feedback.params import FeedbackParams

__all__ = ["FeedbackParams", "comments", "drivers", "nps", "plots", "show_notes", "show_table", "summary"]
