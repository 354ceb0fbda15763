"""Project paths, anchored at the repository root (cookiecutter-data-science style)."""

from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
PARAMS_DIR = PROJ_ROOT / "params"
DATA_DIR = PROJ_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
REPORTS_DIR = PROJ_ROOT / os.environ.get("WORKBENCH_REPORTS_DIR", "reports")
"""Where runs are published and read back: ``reports/``, or the folder ``WORKBENCH_REPORTS_DIR`` names
(absolute, or relative to the project root)."""
LATEST = "latest"
"""The link (or, where links cannot be made, the folder) in the reports folder to the latest complete run."""


def resolve(path: str | Path, base: Path = PROJ_ROOT) -> Path:
    """A user-given path: absolute as given, relative to ``base`` (the project root) otherwise."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base / p)


def latest_run(reports_dir: str | Path | None = None) -> Path | None:
    """The latest complete published run that holds result tables (``reports/latest``, resolved to its
    own folder so that what cites it stays true when ``latest`` moves on), or ``None``.

    Parameters
    ----------
    reports_dir : path, optional
        The reports folder; default :data:`REPORTS_DIR`.
    """
    latest = Path(reports_dir or REPORTS_DIR) / LATEST
    if not latest.exists():
        return None
    run = latest.resolve()
    return run if (run / "tables").is_dir() else None
