"""Market feedback (``50_market_feedback``): NPS and CSAT with intervals and tested changes, drivers of
satisfaction, comment themes in Chinese and English, and the complaints to follow up.

Use it as ``import workbench.feedback as fbk``: ``fd = fbk.prepare(ds, params)`` once, then
``fbk.nps.analyse``, ``fbk.comments.analyse`` and ``fbk.drivers.analyse``; tables are shown by
:mod:`views`, figures by :mod:`plots`, words come from :data:`LABELS`.
"""

from workbench.feedback import comments, drivers, nps, plots, summary, views
from workbench.feedback.labels import LABELS
from workbench.feedback.params import FeedbackParams
from workbench.feedback.prepare import FeedbackData, prepare

__all__ = ["LABELS", "FeedbackData", "FeedbackParams", "comments", "drivers", "nps", "plots", "prepare", "summary",
           "views"]
