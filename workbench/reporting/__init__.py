"""The one reporting layer every analysis area uses.

- :mod:`~workbench.reporting.formats`: one formatter per kind of number (share, pp, money with
  its period, count, p-value, model parameter ...), in English and Chinese, through Babel.
- :mod:`~workbench.reporting.labels`: one label catalogue per area, no global registry.
- :mod:`~workbench.reporting.notes`: the one note type.
- :mod:`~workbench.reporting.report`: the report of a notebook run: sentences, notes, headline,
  table views (inspectable objects), figures, result tables checked against their declaration.
- :mod:`~workbench.reporting.page`: the published HTML page: title, table of contents, language
  switch, link to the workbook.
- :mod:`~workbench.reporting.export`: result tables as safe CSV (the canonical form);
  :mod:`~workbench.reporting.excel`: a report's tables as one Excel workbook in its language
  (``Report.finish()``, the notebook's last cell).

docs/reporting.md describes the layer and the area template.
"""

from workbench.reporting.formats import Formatter, Value, count, money, p_value, param, pp, share
from workbench.reporting.labels import AREAS, COMMON, Catalogue, area_catalogue, conflicts
from workbench.reporting.notes import Note, Notes
from workbench.reporting.report import MAX_ROWS, Markup, Report, TableView, UndeclaredTable

__all__ = ["Formatter", "Value", "count", "money", "p_value", "param", "pp", "share", "AREAS", "COMMON",
           "Catalogue", "area_catalogue", "conflicts", "Note", "Notes", "MAX_ROWS", "Markup", "Report",
           "TableView", "UndeclaredTable"]
