"""The one expression evaluator shared by mapping files and KPI formulas."""

import numpy as np
import pandas as pd
import pytest

from workbench import expr
from workbench.importers import values as importer_values
from workbench.kpi import formula


def test_arithmetic_over_names_and_backticks():
    cols = {"Sales": pd.Series([10.0, 20.0]), "Profit": pd.Series([1.0, 4.0]), "q": pd.Series([2.0, 3.0])}
    got = expr.evaluate("(`Sales` - `Profit`) * q / 2 + -1", cols.__getitem__)
    assert got.tolist() == [(10 - 1) * 2 / 2 - 1, (20 - 4) * 3 / 2 - 1]
    assert expr.names("`Unit Price` * Quantity") == {"Unit Price", "Quantity"}
    assert expr.has_division("won / leads") and not expr.has_division("a + b")


@pytest.mark.parametrize("bad", ["__import__('os').system('x')", "a ** 2", "a if b else c", "[a]", "a.b", "True + 1"])
def test_anything_but_arithmetic_is_refused(bad):
    with pytest.raises(expr.ExpressionError):
        expr.evaluate(bad, lambda n: 1.0)


def test_both_callers_use_it():
    # a KPI formula: x / 0 is NaN; an unknown measure is named
    out = formula.evaluate("won / leads", {"won": np.array([1.0, 2.0]), "leads": np.array([2.0, 0.0])})
    assert out[0] == 0.5 and np.isnan(out[1])
    with pytest.raises(ValueError, match="unknown measure 'wins'"):
        formula.check_formula("wins / leads")
    # a mapping file expression: the same refusal, as a mapping error
    with pytest.raises(importer_values.MappingError, match="only numbers, names"):
        importer_values.eval_expression("a ** 2", lambda n: 1.0)
