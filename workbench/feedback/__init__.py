"""Market feedback (``50_market_feedback``): NPS and CSAT with intervals and tested changes, drivers of
satisfaction, comment themes in Chinese and English, and the complaints to follow up.

Use it as ``import workbench.feedback as fbk``: ``fd = fbk.prepare(ds, params)`` once, then
``fbk.nps.analyse``, ``fbk.comments.analyse`` and ``fbk.drivers.analyse``; tables are shown by
:mod:`views`, figures by :mod:`plots`, words come from :data:`LABELS`.
"""

from workbench._lazy import attach as _attach

# Imported on first use (the modules too: ``fbk.nps``): the runner imports
# ``workbench.feedback.params`` to validate parameters, without scipy, statsmodels or matplotlib.
__getattr__, __dir__ = _attach(__name__, {
    "labels": ["LABELS"],
    "params": ["FeedbackParams"],
    "prepare": ["FeedbackData", "prepare"],
})

__all__ = ["LABELS", "FeedbackData", "FeedbackParams", "comments", "drivers", "nps", "plots", "prepare", "summary",
           "views"]
