"""The errors the workbench reports to its users.

Every error carries a message a sales-operations analyst can act on: which file,
column or parameter, which rows, and what was expected.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of the errors the workbench reports to its users."""


class DataError(WorkbenchError):
    """Input data that cannot be used as it is (names file, column, rows, expectation)."""

    def __init__(self, message: str, issues: list | None = None):
        super().__init__(message)
        self.issues = list(issues or [])


class ParamsError(WorkbenchError):
    """Parameters that do not fit their schema (unknown key, wrong type, bad value)."""


class RunError(WorkbenchError):
    """A run that could not complete or publish."""
