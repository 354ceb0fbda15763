"""Plan a run: which notebooks, with which parameters, and which earlier results can be reused.

Nothing here starts a kernel. :class:`Plan` holds what the run was asked to do and what it
depends on (the data's fingerprint, the workbench code, the package versions); its
:meth:`Plan.tasks` turns the validated dataset into one task per notebook, language and
fan-out patch, and :meth:`Plan.split_reused` sets aside those an earlier run already made.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from workbench import paths, reuse

# NOTEBOOKS, load_dataset, _package_versions, previous_run: looked up on the package at call time
from workbench import runner as _pkg
from workbench.exceptions import RunError
from workbench.notebooks import NotebookSpec
from workbench.runner.cache import write_cache
from workbench.runner.lock import STAGING, writing
from workbench.runner.pages import index_name, langs_of
from workbench.runner.results import NotebookResult, Patch

PACKAGES = ("workbench", "pandas", "numpy", "statsmodels", "scipy", "matplotlib", "seaborn",
            "papermill", "nbconvert", "ipykernel", "pyarrow", "openpyxl", "pydantic")


def select_notebooks(only: list[str] | None, notebooks_dir: Path) -> list[NotebookSpec]:
    """The registered notebooks present in ``notebooks_dir``, restricted to ``only`` (stems or names)."""
    present = [s for s in _pkg.NOTEBOOKS.values() if (notebooks_dir / f"{s.stem}.ipynb").exists()]
    if not only:
        return present
    chosen = []
    for name in only:
        match = [s for s in present if s.stem == name or s.stem.split("_", 1)[-1] == name]
        if not match:
            names = [s.stem for s in present]
            hint = difflib.get_close_matches(name, names + [n.split("_", 1)[-1] for n in names], n=1)
            raise RunError(f"--only {name}: no such notebook" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                           + f". Notebooks: {', '.join(names)}")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def _package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _new_run_id(out_dir: Path, label: str) -> str:
    base = dt.datetime.now().strftime("%Y%m%d-%H%M%S") + (f"-{label}" if label else "")
    run_id, i = base, 1
    while (out_dir / run_id).exists() or (out_dir / STAGING / run_id).exists():
        i += 1
        run_id = f"{base}-{i}"
    return run_id


def _other_href(stem: str, lang: str, cfg) -> str | None:
    """The same report in the run's other language (``None`` when the run has one language)."""
    other = next((x for x in langs_of(cfg) if x != lang), None)
    return None if other is None else (f"{stem}.html" if other == cfg.lang else f"{stem}.{other}.html")


def _params(cfg, spec, lang, data_path, output_dir="", cache="", run_tables_dir=None, previous_run_dir=None):
    """One notebook's validated parameters in a run (the runner's paths included)."""
    extra = {}
    fields = spec.params.model_fields
    if "run_tables_dir" in fields and run_tables_dir is not None:
        extra["run_tables_dir"] = str(run_tables_dir)
    if "previous_run_dir" in fields:
        extra["previous_run_dir"] = str(previous_run_dir) if previous_run_dir else ""
    return cfg.notebook_params(spec.stem, spec.params, output_dir=str(output_dir), lang=lang, interactive=False,
                               data_dir=str(data_path), dataset_cache=str(cache), **extra)


def _keys(cfg, specs, data_path, notebooks_dir, fps, patch_value=None) -> dict[tuple[str, str], str]:
    """The reuse key of every (notebook, language) of a run (see :mod:`workbench.reuse`)."""
    keys: dict[tuple[str, str], str] = {}
    for spec in sorted(specs, key=lambda s: s.phase):
        nb_sha = reuse.file_sha(notebooks_dir / f"{spec.stem}.ipynb")
        upstream = [k for (stem, _), k in keys.items() if _pkg.NOTEBOOKS.get(stem, spec).phase < spec.phase]
        for lang in langs_of(cfg):
            p = _params(cfg, spec, lang, data_path)
            keys[(spec.stem, lang)] = reuse.task_key(
                notebook_sha=nb_sha, parameters=p.model_dump(), data=fps["data"], code=fps["code"],
                packages=fps["packages"], patch=patch_value, upstream=upstream)
    return keys


def _reuse_one(task: dict, entry: dict) -> NotebookResult:
    """An earlier identical execution, linked into this run instead of executing."""
    old = entry["result"]
    with writing(Path(task["staging"])):
        page = reuse.bring(entry, task["name"], task["stem"], Path(task["staging"]), tables=task["primary"])
    headline = (old.get("headlines") or {}).get(entry["lang"]) or old.get("headline")
    return NotebookResult(task["stem"], task["title"], "ok", seconds=0.0, headline=headline, html=page,
                          tables=list(old.get("tables") or []),
                          reused_from=old.get("reused_from") or entry["run_id"])  # the run that executed it


def _skip_reason(cfg, missing=None, dimension=None, value=None) -> str:
    if missing:
        return (f"needs table(s) {', '.join(missing)}, absent from the dataset" if cfg.lang == "en"
                else f"缺少数据表 {', '.join(missing)}，已跳过")
    return (f"no orders or leads for {dimension} '{value}'" if cfg.lang == "en"
            else f"{dimension} '{value}' 没有订单或线索数据")


@dataclass
class Plan:
    """What one run does, decided before any kernel starts."""

    params_file: str | Path | None
    cfg: object  # workbench.params.RunConfig
    out_dir: Path
    notebooks_dir: Path
    say: object
    specs: list  # the notebooks to execute
    every: list  # those plus the ones an --only run completes its set with
    data_path: Path
    fps: dict  # data, code, packages
    index: reuse.ReuseIndex | None  # None with --force
    label: str
    fan_out: str | None = None  # as asked: region=all
    dimension: str | None = None
    wanted: list | None = None  # fan-out values asked for (None: all)
    limit_minutes: float = 30.0
    progress: bool = True  # "cell n of m" lines while notebooks run
    t_start: float = field(default_factory=time.perf_counter)
    started: str = field(default_factory=lambda: dt.datetime.now().isoformat(timespec="seconds"))
    timing: dict = field(default_factory=dict)

    @classmethod
    def make(cls, params_file, cfg, *, only, notebooks_dir, out_dir, fan_out, run_label, force, say, limit,
             progress, t_start, started) -> Plan:
        """Select the notebooks and fingerprint what their results depend on."""
        from workbench import fanout

        t0 = time.perf_counter()
        dimension, wanted = fanout.parse_for(fan_out) if fan_out else (None, None)
        specs = select_notebooks(only, notebooks_dir)
        if not specs:
            raise RunError(f"no notebooks to run in {notebooks_dir}")
        data_path = paths.resolve(cfg.data_dir)
        # the data: its files' bytes and how they are read (aliases, duplicate lines, plausible dates)
        fps = {"data": (reuse.data_fingerprint(data_path) if data_path.is_dir() else "")
               + json.dumps(cfg.load_options(), sort_keys=True, default=str),
               "code": reuse.code_fingerprint(), "packages": _pkg._package_versions()}
        label = run_label if run_label is not None else (Path(params_file).stem if params_file else "")
        if dimension:
            label = f"{label}-{dimension}" if label else dimension
        plan = cls(params_file, cfg, out_dir, notebooks_dir, say, specs,
                   # an --only run is completed from unchanged results of earlier runs, so latest stays whole
                   select_notebooks(None, notebooks_dir) if only else specs,
                   data_path, fps, None if force else reuse.ReuseIndex(out_dir), label, fan_out, dimension, wanted,
                   limit, progress, t_start, started)
        plan.timing["plan"] = round(time.perf_counter() - t0, 3)
        return plan

    @property
    def several(self) -> bool:
        """Whether the run may execute more than one notebook (worth a process pool)."""
        return len(self.specs) * len(langs_of(self.cfg)) > 1 or bool(self.dimension)

    def all_reused(self) -> tuple[dict, dict] | None:
        """``(keys, found)`` when every report of the run can be reused (nothing to execute), else ``None``."""
        if self.index is None or not len(self.index) or self.dimension:
            return None
        t0 = time.perf_counter()
        keys = _keys(self.cfg, self.every, self.data_path, self.notebooks_dir, self.fps)
        found = {k: self.index.get(v) for k, v in keys.items()}
        self.timing["plan"] = round(self.timing["plan"] + time.perf_counter() - t0, 3)
        if all(e is not None and e["result"].get("status") == "ok" for e in found.values()):
            return keys, found
        return None

    def load(self):
        """The validated dataset and the fan-out values (DataError, RunError: nothing is executed)."""
        from workbench import fanout

        t0 = time.perf_counter()
        self.say(f"Validating data in {self.data_path} ...")
        ds = _pkg.load_dataset(self.data_path, strict=True, **self.cfg.load_options())
        values = None
        if self.dimension:
            values = self.wanted if self.wanted is not None else fanout.patch_values(ds, self.dimension)
            if not values:
                raise RunError(f"--for {self.fan_out}: the data has no {self.dimension} values to fan out over")
        self.timing["validate_load"] = round(time.perf_counter() - t0, 3)
        self.say(f"  {len(ds.tables)} tables, {sum(len(t) for t in ds.tables.values()):,} rows; "
                 f"{len(ds.warnings)} warning(s) (see the data quality report)")
        return ds, values

    def tasks(self, ds, values, run_id: str, staging: Path) -> tuple[list[Patch], list[dict]]:
        """The run's patches and one task per notebook, language and patch (skipped ones recorded)."""
        from workbench import fanout

        cfg, selected = self.cfg, {s.stem for s in self.specs}
        if self.dimension:
            folders = fanout.unique_slugs(values)  # "CH:01" and "CH 01" never share a folder
            patches = [Patch(v, staging / "patches" / folders[v], fanout.filter_dataset(ds, self.dimension, v))
                       for v in values]
        else:
            patches = [Patch(None, staging, ds)]
        tasks = []
        for i, patch in enumerate(patches):
            (patch.folder / "notebooks").mkdir(parents=True, exist_ok=True)
            if self.dimension and not fanout.patch_has_data(patch.ds):
                reason = _skip_reason(cfg, dimension=self.dimension, value=patch.value)
                for spec in self.specs:
                    patch.results[spec.stem] = NotebookResult(spec.stem, spec.title(cfg.lang), "skipped",
                                                              reason=reason)
                self.say(f"  skip {self.dimension} {patch.value}: {reason}")
                continue
            cache = staging / "_cache" / f"dataset-{i}"
            t0 = time.perf_counter()
            with writing(cache):
                write_cache(patch.ds, cache)  # one file per table: a notebook reads the ones it uses
            self.timing["cache"] = round(self.timing.get("cache", 0.0) + time.perf_counter() - t0, 3)
            keys = _keys(cfg, self.every, self.data_path, self.notebooks_dir, self.fps, patch.value)
            # looked up once per patch (it reads every run.json), not once per notebook and language
            prev = (_pkg.previous_run(self.out_dir, cfg.series_key(self.params_file), self.dimension, patch.value)
                    if any("previous_run_dir" in spec.params.model_fields for spec in self.every) else None)
            for spec in self.every:
                missing = [t for t in spec.requires if not len(patch.ds.tables.get(t, ()))]
                if missing:
                    reason = _skip_reason(cfg, missing)
                    patch.results[spec.stem] = NotebookResult(spec.stem, spec.title(cfg.lang), "skipped",
                                                              reason=reason)
                    self.say(f"  skip {patch.rel}{spec.stem}: {reason}")
                    continue
                for lang in langs_of(cfg):
                    primary = lang == cfg.lang
                    tables = (patch.folder / "tables" / spec.stem if primary
                              else staging / "_cache" / f"{i}-{lang}" / spec.stem)
                    p = _params(cfg, spec, lang, self.data_path, output_dir=tables, cache=cache,
                                run_tables_dir=patch.folder / "tables", previous_run_dir=prev)
                    tasks.append({"patch": i, "stem": spec.stem, "phase": spec.phase,
                                  "name": spec.stem if primary else f"{spec.stem}.{lang}",
                                  "title": spec.title(lang), "input": str(self.notebooks_dir / f"{spec.stem}.ipynb"),
                                  "other_href": _other_href(spec.stem, lang, cfg),
                                  "index_href": index_name(lang, cfg.lang),
                                  "staging": str(patch.folder), "parameters": p.model_dump(), "lang": lang,
                                  "primary": primary, "timeout": self.limit_minutes * 60,
                                  "key": keys[(spec.stem, lang)], "fill": spec.stem not in selected,
                                  "progress": self.progress, "where": patch.value,
                                  "run_label": run_id if patch.value is None else f"{run_id} · {patch.value}"})
        return patches, tasks

    def split_reused(self, tasks: list[dict]) -> tuple[list[dict], dict, list[str]]:
        """``(tasks, found, stale)``: the tasks the run keeps, the earlier executions that serve some
        of them (by ``id(task)``), and the notebooks an ``--only`` run lacks because their last
        results are out of date (it does not execute notebooks it did not select)."""
        found = {id(t): self.index.get(t["key"]) if self.index is not None else None for t in tasks}
        found = {k: e for k, e in found.items() if e is not None and e["result"].get("status") == "ok"}
        stale = {t["stem"] for t in tasks if t["fill"] and id(t) not in found}
        return [t for t in tasks if not (t["fill"] and t["stem"] in stale)], found, sorted(stale)
