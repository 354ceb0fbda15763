"""Competitor analysis (``40_competitor_analysis``): price position, market share, win/loss against
competitors, feature comparison and a SWOT written from the data.

Use it as ``import workbench.competitors as comp``: ``cx = comp.prepare(ds, params)`` merges
competitor spellings once; each module's ``analyse`` returns a section with its tables and the
notes a reader must see (``rpt.notes(section)``); tables are shown by :mod:`views`, figures by
:mod:`plots`, words come from :data:`LABELS`.
"""

from workbench._lazy import attach as _attach

# Imported on first use (the modules too: ``comp.views``): the runner imports
# ``workbench.competitors.params`` to validate parameters, without scipy, statsmodels or matplotlib.
__getattr__, __dir__ = _attach(__name__, {
    "base": ["ALL", "Section"],
    "labels": ["LABELS"],
    "params": ["CompetitorParams"],
    "prepare": ["CompetitorData", "prepare"],
})

__all__ = ["ALL", "LABELS", "CompetitorData", "CompetitorParams", "Section", "features", "names", "plots",
           "prepare", "prices", "share", "summary", "swot", "views", "winloss"]
