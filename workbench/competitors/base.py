"""What every competitor section shares: the value ``all`` of pooled rows, the section state and a BLAS guard.

Each analysis returns a :class:`Section` (the reporting layer's ``Notes``) whose ``ok`` is ``False``
when its table is absent or unusable (the notebook then shows only the notes, which say why and how
to switch the section on). The dataset is prepared once in :mod:`workbench.competitors.prepare`.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from workbench.reporting import Notes

log = logging.getLogger(__name__)

ALL = "all"
"""The ``channel_id`` / ``region`` value of rows that pool every channel or region."""


Section = Notes
"""A report section's state: on or off, and the notes a reader must see (the reporting layer's one type)."""


@contextmanager
def single_blas_thread():
    """Run linear algebra on one BLAS thread: on a busy machine a threaded BLAS slows these small
    matrices down a hundredfold instead of speeding them up."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
