"""Incremental runs: a notebook's published result is reused when nothing it depends on changed.

The habit of make and Quarto's ``freeze``: each executed notebook is recorded in
``run.json`` with a *key*, the hash of everything its result depends on:

- the notebook file (its bytes),
- its resolved parameters (the params section and shared keys; not the runner's own
  paths such as the output folder),
- the data: a fingerprint of every file in the dataset folder (names and bytes) and, in
  a fan-out, the patch value,
- the workbench code (every file of the package, templates included) and the versions
  of the packages the notebooks use,
- its language,
- for a notebook that reads other notebooks' results (the executive summary), their keys.

A later run whose task has the same key links the earlier run's page, result tables
and executed notebook into its own folder instead of executing ("reused from run X");
``--force`` executes everything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

RUNNER_INTERNAL = ("output_dir", "dataset_cache", "run_tables_dir", "previous_run_dir", "interactive")
"""Parameters that name where a run writes, not what it computes."""

_PACKAGE_DIR = Path(__file__).parent
_CODE_SUFFIXES = {".py", ".j2", ".css", ".json", ".yaml", ".txt", ".otf"}


@cache
def code_fingerprint() -> str:
    """SHA-256 over every file of the workbench package (path and bytes), once per process."""
    h = hashlib.sha256()
    for p in sorted(_PACKAGE_DIR.rglob("*")):
        if p.is_file() and p.suffix in _CODE_SUFFIXES and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(_PACKAGE_DIR)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def data_fingerprint(folder: Path) -> str:
    """SHA-256 over the files of a dataset folder (names and bytes; hidden files and sub-folders skipped)."""
    h = hashlib.sha256()
    for p in sorted(Path(folder).iterdir()):
        if p.is_file() and not p.name.startswith((".", "~$")) and p.name != "import_report.json":
            h.update(p.name.encode())
            with open(p, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()


def file_sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def task_key(*, notebook_sha: str, parameters: dict, data: str, code: str, packages: dict,
             patch: str | None = None, upstream: list[str] | tuple = ()) -> str:
    """The key of one notebook execution (see the module docstring)."""
    params = {k: v for k, v in parameters.items() if k not in RUNNER_INTERNAL}
    blob = json.dumps({"nb": notebook_sha, "params": params, "data": data, "code": code, "packages": packages,
                       "patch": patch, "upstream": sorted(upstream)}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class ReuseIndex:
    """The published runs' executions by key: where an earlier identical result lives.

    Parameters
    ----------
    out_dir : Path
        The reports folder; every ``<run>/run.json`` in it is read once.
    """

    def __init__(self, out_dir: Path):
        self.entries: dict[str, dict] = {}
        runs = sorted((p for p in Path(out_dir).glob("*/run.json")
                       if not p.parent.is_symlink() and not p.parent.name.startswith(".")), reverse=True)
        for rj in runs:  # newest first: the first seen wins
            try:
                info = json.loads(rj.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            groups = [("", info.get("notebooks") or [])]
            for patch in (info.get("fan_out") or {}).get("patches", []):
                groups.append((patch.get("folder", ""), patch.get("notebooks") or []))
            for folder, notebooks in groups:
                for nb in notebooks:
                    for lang, key in (nb.get("keys") or {}).items():
                        if key and nb.get("status") in ("ok", "skipped") and key not in self.entries:
                            self.entries[key] = {"run_id": info.get("run_id"), "run_dir": rj.parent,
                                                 "folder": folder, "lang": lang, "result": nb}

    def get(self, key: str) -> dict | None:
        """The earlier execution with this key, when its files are still there."""
        e = self.entries.get(key)
        if e is None:
            return None
        if e["result"].get("status") == "ok":
            page = _page_of(e["result"], e["lang"])
            if not page or not (e["run_dir"] / e["folder"] / page).exists():
                return None
        return e

    def __len__(self) -> int:
        return len(self.entries)


def _page_of(result: dict, lang: str) -> str | None:
    """The page of ``result`` in ``lang`` (``pages`` of run.json)."""
    return (result.get("pages") or {}).get(lang)


def link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst`` (same file system, no copy), else copy it."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def bring(entry: dict, name: str, stem: str, staging_folder: Path, tables: bool) -> str | None:
    """Link an earlier execution's page, executed notebook (and result tables) into ``staging_folder``.

    ``name`` is the page's stem in this run (``20_channel_evaluation`` or ``…zh``). Returns
    the page's file name, or ``None`` when the earlier one had none (a skipped notebook).
    """
    src_root = entry["run_dir"] / entry["folder"]
    result = entry["result"]
    page = None
    if result.get("status") == "ok":
        src_page = src_root / _page_of(result, entry["lang"])
        page = f"{name}.html"
        link_or_copy(src_page, staging_folder / page)
        src_nb = src_root / "notebooks" / f"{Path(src_page.name).stem}.ipynb"
        if src_nb.exists():
            link_or_copy(src_nb, staging_folder / "notebooks" / f"{name}.ipynb")
    if tables:
        src_tables = src_root / "tables" / stem
        if src_tables.is_dir():
            for f in src_tables.iterdir():
                if f.is_file():
                    link_or_copy(f, staging_folder / "tables" / stem / f.name)
    return page
