"""Competitor analysis (``40_competitor_analysis``): price position, market share, win/loss against
competitors, feature comparison and a SWOT written from the data.

Use it as ``import workbench.competitors as comp``: ``cx = comp.prepare(ds, params)`` merges
competitor spellings once; each module's ``analyse`` returns a section with its tables and the
notes a reader must see (``rpt.notes(section)``); tables are shown by :mod:`views`, figures by
:mod:`plots`, words come from :data:`LABELS`.
"""

from workbench.competitors import (
           features,
           names,
           plots,
           prices,
           share,
           summary,
           swot,
           views,
           winloss,
)
from workbench.competitors.base import ALL, Section
from workbench.competitors.labels import LABELS
from workbench.competitors.params import CompetitorParams
from workbench.competitors.prepare import CompetitorData, prepare

__all__ = ["ALL", "LABELS", "CompetitorData", "CompetitorParams", "Section", "features", "names", "plots",
           "prepare", "prices", "share", "summary", "swot", "views", "winloss"]
