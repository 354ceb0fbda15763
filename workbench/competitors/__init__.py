"""Competitor analysis (``40_competitor_analysis``): price position, market share, win/loss against
competitors, feature comparison and a SWOT written from the data.

Use it as ``import workbench.competitors as comp``: ``cx = comp.prepare(ds, params)`` merges
competitor spellings once; each module's ``analyse`` returns a section with its tables and the
notes a reader must see (``comp.show_notes(section, rpt)``); figures are in :mod:`plots`.
"""

from workbench.competitors import features, names, plots, prices, share, summary, swot, winloss
from workbench.competitors.base import ALL, CompetitorData, Section, prepare, show_notes, show_table
from workbench.competitors.params import CompetitorParams

__all__ = ["ALL", "CompetitorData", "CompetitorParams", "Section", "features", "names", "plots", "prepare",
           "prices", "share", "show_notes", "show_table", "summary", "swot", "winloss"]
