"""Base measures and KPI formulas: built-in KPIs and custom ones defined in params.

A KPI is arithmetic over *measures*, sums and counts that add up across keys
(revenue, orders, won leads ...). Custom formulas are parsed with :mod:`ast` and
evaluated by walking the tree: only numbers, measure names, ``+ - * /`` and
parentheses are allowed, so a params file cannot run code.
"""

from __future__ import annotations

import numpy as np

from workbench import expr

MEASURES: dict[str, str] = {
    "revenue": "net order amount (returns netted)",
    "sales": "positive order amounts",
    "returns": "returned amount (positive number)",
    "cost": "cost of goods of lines that carry a cost",
    "costed_revenue": "net amount of lines that carry a cost",
    "quantity": "units (returns netted)",
    "lines": "order lines",
    "costed_lines": "order lines that carry a cost",
    "orders": "distinct orders with a positive line",
    "customers": "distinct ordering customers",
    "new_customers": "customers created (or first ordering) in the period",
    "leads": "leads created in the period (creation cohort)",
    "won": "leads of the cohort won so far",
    "lost": "leads of the cohort lost so far",
    "open": "leads of the cohort still open",
    "won_value": "amount of the cohort's won leads",
    "responses": "feedback responses",
    "csat_n": "responses with a CSAT score",
    "csat_sum": "sum of CSAT scores",
    "nps_n": "responses with an NPS score",
    "promoters": "NPS 9-10",
    "detractors": "NPS 0-6",
}
"""Measure name -> meaning; the names a custom KPI formula may use."""

# name: (formula, additive, higher_is_better, display format, sample-size measure, source table)
BUILTIN_KPIS: dict[str, tuple[str, bool, bool, str, str, str]] = {
    "revenue": ("revenue", True, True, "money", "orders", "orders"),
    "orders": ("orders", True, True, "int", "orders", "orders"),
    "new_customers": ("new_customers", True, True, "int", "new_customers", "orders"),
    "conversion_rate": ("won / leads", False, True, "pct", "leads", "leads"),
    "margin": ("(costed_revenue - cost) / costed_revenue", False, True, "pct", "costed_lines", "orders"),
    "csat": ("csat_sum / csat_n", False, True, "num2", "csat_n", "feedback"),
    "nps": ("100 * (promoters - detractors) / nps_n", False, True, "num", "nps_n", "feedback"),
}

_LEAD_MEASURES = {"leads", "won", "lost", "open", "won_value"}
_FEEDBACK_MEASURES = {"responses", "csat_n", "csat_sum", "nps_n", "promoters", "detractors"}


def check_formula(formula: str) -> set[str]:
    """The measures a formula uses; raises ``ValueError`` naming what is not allowed
    (the evaluator is :mod:`workbench.expr`, the one mapping files use too)."""
    used = expr.names(formula)
    unknown = sorted(used - set(MEASURES))
    if unknown:
        raise ValueError(f"unknown measure '{unknown[0]}' in formula; valid measures: {', '.join(MEASURES)}")
    return used


def is_additive(formula: str) -> bool:
    """True when a formula has no division: its values add up over periods and keys."""
    return not expr.has_division(formula)


def evaluate(formula: str, columns) -> np.ndarray:
    """Evaluate ``formula`` with measure arrays from ``columns`` (a mapping); x/0 gives NaN."""
    check_formula(formula)
    out = expr.evaluate(formula, lambda name: np.asarray(columns[name], dtype=float), zero_division_nan=True)
    return np.asarray(out, dtype=float)


def source_of(formula: str) -> str:
    """The table a formula's measures come from: ``orders``, ``leads``, ``feedback`` or ``mixed``."""
    names = check_formula(formula)
    kinds = {"leads" if n in _LEAD_MEASURES else "feedback" if n in _FEEDBACK_MEASURES else "orders" for n in names}
    return kinds.pop() if len(kinds) == 1 else "mixed"
