"""Sales channel workbench: the logic behind the notebooks.

Notebooks use this package as ``import workbench as wb``: validate parameters
(``wb.DataQualityParams.from_namespace(globals())``), load data (``wb.load``),
compute with the analysis modules (``wb.quality`` ...) and show results with a
:class:`wb.Report`.
"""

from workbench import quality, widgets
from workbench.params import DataQualityParams, NotebookParams
from workbench.report import Report
from workbench.runner import load_for_notebook as load

__version__ = "0.1.0"
__all__ = ["quality", "widgets", "DataQualityParams", "NotebookParams", "Report", "load"]
