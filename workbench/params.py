"""Typed parameters: one schema per notebook, validated before any work starts.

A run is configured by a YAML file under ``params/`` (see ``params/sample.yaml``)::

    data_dir: data/sample        # shared by every notebook
    lang: zh
    notebooks:
      00_data_quality:
        stale_after_days: 45     # only that notebook's own keys

The runner validates the whole file with :func:`load_run_config` (unknown or
misspelt keys fail with a did-you-mean) before it starts a kernel; a notebook
validates its injected parameters with ``<Model>.from_namespace(globals())``.
Each model's fields are exactly the names of its notebook's ``parameters`` cell
(a test checks this), so papermill's "unknown parameter is only a warning" trap
cannot hide a typo.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from workbench.exceptions import ParamsError


def _iso_date(v: str) -> str:
    if v:
        try:
            day = dt.date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"as_of must be a date YYYY-MM-DD or empty, got {v!r}") from None
        if day > dt.date.today():
            # an analysis date ahead of today would call every recent period incomplete or stale
            raise ValueError(f"as_of {v} is in the future (today is {dt.date.today()}); "
                             "give a past date, or leave it empty for the latest date in the data")
    return v


def _plausible_from(v: str) -> str:
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        raise ValueError(f"plausible_from must be a date YYYY-MM-DD, got {v!r}") from None
    return v


AsOf = Annotated[str, AfterValidator(_iso_date)]


class NotebookParams(BaseModel):
    """Parameters every notebook takes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: str = Field("data/sample", description="dataset folder, relative to the project root")
    lang: Literal["en", "zh"] = Field("en", description="report language: en or zh")
    mask_pii: bool = Field(False, description="mask customer names, phones and e-mails")
    as_of: AsOf = Field("", description="analysis date YYYY-MM-DD; empty = latest date in the data")
    output_dir: str = Field("", description="where result tables are written; empty = nowhere")
    interactive: bool = Field(
        True, description="ipywidgets in JupyterLab (00_data_quality's table explorer); batch runs "
                          "(the runner, plain papermill) turn it off")
    dataset_cache: str = Field("", description="internal: the runner's validated dataset (pickle)")

    @classmethod
    def from_namespace(cls, namespace: dict[str, Any]) -> NotebookParams:
        """Validate the values a notebook's parameters cell (plus papermill's injection) defined.

        What papermill injected (``-p name value`` or ``-f file.yaml``) is read from the cell it
        added (``# Parameters``): a name that is not a parameter of this notebook fails with a
        did-you-mean, where papermill itself only warns. ``-f`` may be a project params file:
        its shared keys apply and its ``notebooks.<stem>`` section is this notebook's.
        """
        where = f"{cls.__name__} (notebook parameters)"
        values = {k: namespace[k] for k in cls.model_fields if k in namespace}
        injected = _injected_names(namespace.get("In"))
        if values.get("interactive") and "interactive" not in injected:
            from workbench.widgets import front_end_attached

            # a batch run (papermill, nbconvert) never waits on, nor stores, a widget nobody sees
            values["interactive"] = front_end_attached(namespace)
        if injected:
            section = {}
            if "notebooks" in injected and isinstance(namespace.get("notebooks"), dict):
                stem = _stem_of(cls)
                section = dict(namespace["notebooks"].get(stem) or {}) if stem else {}
                where = f"{cls.__name__} (notebooks.{stem} of the params file)"
            run_keys = set(RunConfig.model_fields) - set(cls.model_fields)
            unknown = sorted(n for n in injected | set(section) if n not in cls.model_fields and n not in run_keys)
            if unknown:
                valid = sorted(cls.model_fields)
                raise ParamsError(f"{where}: {', '.join(repr(u) + _hint(u, valid) for u in unknown)} "
                                  f"is not a parameter of this notebook. Valid parameters are: {', '.join(valid)}")
            values.update(section)
            _check_load_options(namespace, injected, where)
        return validate(cls, values, where=where)


LOAD_KEYS = ("value_aliases", "keep_duplicate_lines", "plausible_from")
"""Keys of a params file that change how the data is read (:meth:`RunConfig.load_options`)."""


def _check_load_options(namespace: dict[str, Any], injected: set[str], where: str) -> None:
    """Refuse params-file keys that change how the data is read: a notebook run by papermill loads the
    folder itself, so they would be silently ignored and its tables would differ from ``workbench run``'s.
    ``<data_dir>/dataset.yaml`` holds the same settings and is read on every path."""
    set_here = [k for k in LOAD_KEYS if k in injected
                and namespace.get(k) != RunConfig.model_fields[k].get_default(call_default_factory=True)]
    if set_here:
        raise ParamsError(
            f"{where}: {', '.join(set_here)} change(s) how the data is read, which only `workbench run` applies; "
            f"a notebook run by papermill or in JupyterLab would ignore it. Put it in the data folder's "
            f"dataset.yaml, read on every path (value_aliases, duplicate_lines: keep or drop, plausible_from), "
            f"or run `workbench run --params <file> --only <notebook>`")


def _injected_names(history) -> set[str]:
    """Names assigned in papermill's injected-parameters cell(s) of this kernel's history."""
    import ast

    names: set[str] = set()
    for src in history or []:
        if not isinstance(src, str) or not src.lstrip().startswith("# Parameters"):
            continue
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _stem_of(model: type) -> str | None:
    """The notebook whose params model is ``model``."""
    from workbench.notebooks import NOTEBOOKS

    for spec in NOTEBOOKS.values():
        try:
            if spec.params is model:
                return spec.stem
        except (ImportError, AttributeError):
            continue
    return None


SHARED_KEYS = ("data_dir", "lang", "mask_pii", "as_of")


class RunConfig(BaseModel):
    """A ``params/*.yaml`` file: shared keys plus one section per notebook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: str = "data/sample"
    lang: Literal["en", "zh"] = "en"
    mask_pii: bool = False
    as_of: AsOf = ""
    extra_langs: list[Literal["en", "zh"]] = Field(
        default_factory=list, description="also publish every report in these languages (e.g. [zh])")
    series: str = Field(
        "", description="runs of one series are compared period over period (default: the params file); "
                        "give every month's params file the same series, e.g. monthly")
    value_aliases: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="extra spellings of values, {table.column: {spelling: value}}, e.g. "
                    "{leads.status: {Gewonnen: won}}; added to the built-in aliases and dataset.yaml's")
    keep_duplicate_lines: bool | None = Field(
        None, description="order lines equal in every column: keep them (true) or drop them as a double "
                          "import (false); empty = dataset.yaml's duplicate_lines, else keep")
    plausible_from: Annotated[str, AfterValidator(_plausible_from)] | None = Field(
        None, description="earliest believable date YYYY-MM-DD; empty = dataset.yaml's, else 1990-01-01")
    timeout_minutes: float = Field(
        30.0, gt=0, description="a notebook still running after this many minutes is stopped and shown as "
                                "failed; the others go on")
    scheduler: str = Field(
        "", description="address of a Dask scheduler (tcp://host:8786) that executes the notebooks; "
                        "empty = worker processes on this machine")
    notebooks: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def load_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`workbench.data.load_dataset` this file sets."""
        return {"value_aliases": dict(self.value_aliases), "keep_duplicate_lines": self.keep_duplicate_lines,
                "plausible_from": self.plausible_from}

    def series_key(self, params_file) -> str | None:
        """What :func:`workbench.runner.previous_run` matches: ``series``, else the params file path."""
        return self.series or (str(params_file) if params_file else None)

    def notebook_params(self, stem: str, model: type[NotebookParams], **runner_values) -> NotebookParams:
        """The validated parameters of one notebook: shared keys, its section, then the runner's."""
        values = {k: getattr(self, k) for k in SHARED_KEYS}
        values.update(self.notebooks.get(stem, {}))
        values.update(runner_values)
        return validate(model, values, where=f"notebooks.{stem}")


class _TextDatesLoader(yaml.SafeLoader):
    """YAML loader that keeps ``2026-03-31`` as text: dates are validated by the schemas."""


_TextDatesLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """Parse a YAML file with dates kept as text."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader)  # noqa: S506 - safe loader subclass


def _hint(bad: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(bad, valid, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate(model: type[BaseModel], values: dict[str, Any], where: str) -> BaseModel:
    """``model(**values)``, with errors that name the key, suggest a spelling and list valid keys."""
    try:
        return model(**values)
    except ValidationError as exc:
        valid = sorted(model.model_fields)
        lines = []
        for e in exc.errors():
            key = ".".join(str(p) for p in e["loc"])
            if e["type"] == "extra_forbidden":
                lines.append(f"unknown key '{key}'{_hint(key, valid)}. Valid keys are: {', '.join(valid)}")
            else:
                lines.append(f"'{key}': {e['msg']} (got {e.get('input')!r})")
        raise ParamsError(f"{where}: " + "; ".join(lines)) from None


def load_run_config(path: str | Path | None, registry: dict | None = None) -> RunConfig:
    """Read and validate a params YAML file, including every notebook section.

    Parameters
    ----------
    path : str or Path or None
        The YAML file; ``None`` gives the defaults.
    registry : dict, optional
        ``{stem: NotebookSpec}``; defaults to :data:`workbench.notebooks.NOTEBOOKS`.
    """
    from workbench.notebooks import NOTEBOOKS
    from workbench.paths import NOTEBOOKS_DIR

    registry = registry if registry is not None else NOTEBOOKS
    raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise ParamsError(f"{p}: params file does not exist")
        try:
            raw = read_yaml(p) or {}
        except yaml.YAMLError as exc:
            raise ParamsError(f"{p}: not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise ParamsError(f"{p}: expected a mapping of keys to values")
    where = str(path) if path else "defaults"
    cfg = validate(RunConfig, raw, where=where)
    # the project's notebooks that exist; a registry handed in (a test's, a plugin's) is taken as it is
    available = [s for s in registry if registry is not NOTEBOOKS or (NOTEBOOKS_DIR / f"{s}.ipynb").exists()]
    for stem, section in cfg.notebooks.items():
        if stem not in available:
            raise ParamsError(
                f"{where}: notebooks.{stem} is not a notebook{_hint(stem, available)}. "
                f"Valid notebooks are: {', '.join(available)}"
            )
        if not isinstance(section, dict):
            raise ParamsError(f"{where}: notebooks.{stem} must be a mapping of parameters")
        shared = [k for k in section if k in SHARED_KEYS]
        if shared:
            raise ParamsError(f"{where}: notebooks.{stem} sets shared key(s) {shared}; set them at the top level")
        cfg.notebook_params(stem, registry[stem].params)
    return cfg


from workbench.quality.params import DataQualityParams  # noqa: E402,F401  (moved; old import path)
