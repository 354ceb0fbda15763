"""Executive summary and continuous improvement (``90_executive_summary``).

- :mod:`~workbench.summary.sources`: the result tables of the other notebooks it reads;
- :mod:`~workbench.summary.findings`: headline findings and recommended actions (value per
  year), read from those tables;
- :mod:`~workbench.summary.compare`: period over period, only changes beyond noise;
- :mod:`~workbench.summary.actions`: did our actions work (difference-in-differences,
  interrupted time series);
- :mod:`~workbench.summary.prepare`: what this run is compared with;
- :mod:`~workbench.summary.fmt`, :mod:`~workbench.summary.labels`, :mod:`~workbench.summary.plots`,
  :mod:`~workbench.summary.views`: number formats, labels, the figure and what the report shows.
"""

from workbench._lazy import attach as _attach

# Imported on first use (the modules too: ``summary.views``): the runner imports
# ``workbench.summary.params`` to validate parameters, without scipy, statsmodels or matplotlib.
__getattr__, __dir__ = _attach(__name__, {
    "labels": ["LABELS", "report_labels"],
    "params": ["SummaryParams"],
})

__all__ = ["LABELS", "SummaryParams", "actions", "compare", "findings", "fmt", "plots", "prepare", "report_labels",
           "sources", "views"]
