"""One call per notebook section: the funnel analysis bundle and the three matrices."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from workbench.channels import funnel as fn
from workbench.channels.diagnosis import Diagnosis, diagnose, feedback_by_channel
from workbench.channels.matrices import DIMENSIONS, Matrix, channel_matrix, window_lines
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import LeadData

log = logging.getLogger(__name__)


@dataclass
class FunnelResults:
    """Everything the funnel and diagnosis sections show."""

    conversion: pd.DataFrame
    tests: fn.ConversionTests
    funnel_plot: pd.DataFrame
    stages: pd.DataFrame
    stage_funnel: pd.DataFrame
    cohorts: pd.DataFrame
    time_to_close: fn.TimeToClose
    feedback: pd.DataFrame
    diagnosis: Diagnosis


def analyse_funnel(tables: dict[str, pd.DataFrame], ld: LeadData, params: ChannelParams) -> FunnelResults:
    """Conversion, tests, stages, cohorts, time to close, feedback and the diagnosis, in one pass.

    See :mod:`workbench.channels.funnel` and :mod:`workbench.channels.diagnosis` for definitions.
    """
    conv = fn.channel_conversion(ld, params)
    stages = fn.stage_conversion(ld, params)
    ttc = fn.time_to_close(ld, params)
    fb = feedback_by_channel(tables, params)
    diag = diagnose(ld, conv, stages, ttc, fb, params)
    return FunnelResults(conv, fn.conversion_tests(conv, params), fn.funnel_plot_data(conv), stages,
                         fn.stage_funnel(ld), fn.cohort_conversion(ld, params), ttc, fb, diag)


def channel_matrices(tables: dict[str, pd.DataFrame], params: ChannelParams,
                     as_of: pd.Timestamp) -> dict[str, Matrix]:
    """The channel × product, segment and region matrices (see :func:`channel_matrix`).

    The window's order lines are encoded once (:func:`~workbench.channels.matrices.window_lines`)
    for the three.
    """
    orders = tables.get("orders")
    lines = window_lines(orders, params, as_of) \
        if orders is not None and not orders.empty and "channel_id" in orders else None
    return {d: channel_matrix(tables, d, params, as_of, lines=lines) for d in DIMENSIONS}
