"""Project paths, anchored at the repository root (cookiecutter-data-science style)."""

from __future__ import annotations

from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
PARAMS_DIR = PROJ_ROOT / "params"
DATA_DIR = PROJ_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
REPORTS_DIR = PROJ_ROOT / "reports"


def resolve(path: str | Path, base: Path = PROJ_ROOT) -> Path:
    """A user-given path: absolute as given, relative to ``base`` (the project root) otherwise."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base / p)
