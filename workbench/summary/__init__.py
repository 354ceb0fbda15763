"""Executive summary and continuous improvement (``90_executive_summary``).

- :mod:`~workbench.summary.findings`: headline findings and recommended actions,
  read from the run's result tables;
- :mod:`~workbench.summary.compare`: period over period, only changes beyond noise;
- :mod:`~workbench.summary.actions`: did our actions work (difference-in-differences,
  interrupted time series);
- :mod:`~workbench.summary.show`: the report's text, link lists and figures.
"""

from workbench.summary import actions, compare, findings, show
from workbench.summary.params import SummaryParams

__all__ = ["SummaryParams", "actions", "compare", "findings", "show"]
