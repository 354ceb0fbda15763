"""The one arithmetic-expression evaluator: mapping files (``Quantity * UnitPrice``) and custom KPI
formulas in params (``won / leads``) both use it.

An expression is parsed with :mod:`ast` and evaluated by walking the tree. Only numbers, names,
``+ - * /``, unary signs and parentheses are allowed, so a params or mapping file cannot run code.
A name holding spaces is written in backticks: ```Sales` - `Profit```.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable

import numpy as np

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


class ExpressionError(ValueError):
    """An expression that is not plain arithmetic over names and numbers."""


def parse(expr: str) -> tuple[ast.Expression, dict[str, str]]:
    """The checked tree of ``expr`` and the names its backticked parts stand for."""
    quoted: dict[str, str] = {}

    def _sub(m: re.Match) -> str:
        key = f"__c{len(quoted)}"
        quoted[key] = m.group(1)
        return key

    try:
        tree = ast.parse(re.sub(r"`([^`]+)`", _sub, str(expr)), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"expression {expr!r} is not valid arithmetic: {exc.msg}") from None
    for node in ast.walk(tree):
        ok = (isinstance(node, (ast.Expression, ast.Name, ast.Load))
              or (isinstance(node, ast.BinOp) and type(node.op) in _OPS)
              or isinstance(node, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd))
              or (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)))
              or (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
                  and not isinstance(node.value, bool)))
        if not ok:
            raise ExpressionError(f"expression {expr!r}: only numbers, names, + - * / and parentheses are "
                                  f"allowed, not {type(node).__name__}")
    return tree, quoted


def names(expr: str) -> set[str]:
    """The names an expression uses (backticks removed)."""
    tree, quoted = parse(expr)
    return {quoted.get(n.id, n.id) for n in ast.walk(tree) if isinstance(n, ast.Name)}


def has_division(expr: str) -> bool:
    """True when the expression divides (its values do not add up over keys and periods)."""
    tree, _ = parse(expr)
    return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in ast.walk(tree))


def evaluate(expr: str, resolve: Callable[[str], object], *, zero_division_nan: bool = False):
    """The value of ``expr`` with each name replaced by ``resolve(name)`` (a number, array or Series).

    ``zero_division_nan``: ``x / 0`` gives NaN (KPI formulas) instead of inf.
    """
    tree, quoted = parse(expr)

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if zero_division_nan and isinstance(node.op, ast.Div):
                a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
                with np.errstate(divide="ignore", invalid="ignore"):
                    return np.where(b != 0, a / np.where(b != 0, b, 1), np.nan)
            return _OPS[type(node.op)](a, b)
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Constant):
            return node.value
        return resolve(quoted.get(node.id, node.id))

    return ev(tree)
