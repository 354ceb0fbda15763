"""Publish a run: fold translations into their reports, write run.json and the index pages in
staging, then one rename into place, ``latest`` and the history page.

Every byte of a run is written before the rename (the history page too, as a temporary
file), so a full disk stops a run before anything is published; what follows the rename
are a symlink and two renames.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

from workbench.runner.lock import STAGING, writing
from workbench.runner.pages import history_page, langs_of, write_fanout_index, write_index
from workbench.runner.plan import _new_run_id, _reuse_one
from workbench.runner.results import NotebookResult, Patch, RunResult


def fold_translations(tasks: list[dict], patches: list[Patch], primary: str) -> None:
    """Fold each translation's result into its primary result (pages, headlines, keys, status).

    A translation whose result tables differ from the primary's fails the report: result tables
    are a contract, the same in every language.
    """
    for t in tasks:
        results = patches[t["patch"]].results
        if t["name"] not in results:
            continue
        if t["primary"]:
            res = results[t["name"]]
            res.keys[t["lang"]] = t["key"]
            if res.html:
                res.pages[t["lang"]] = res.html
            res.headlines[t["lang"]] = res.headline
            continue
        alt, main = results.pop(t["name"]), results.get(t["stem"])
        if main is None:
            continue
        main.keys[t["lang"]] = t["key"]
        if alt.html:
            main.translations[t["lang"]] = alt.html
            main.pages[t["lang"]] = alt.html
        main.headlines[t["lang"]] = alt.headline
        if alt.status == "failed" and main.status != "failed":
            main.status, main.error = "failed", alt.error
        if alt.status == "ok" and not alt.reused_from:  # the translation's Excel workbook is published too
            _bring_workbooks(Path(t["parameters"]["output_dir"]), patches[t["patch"]].folder / "tables" / t["stem"])
        if alt.status == "ok" and main.status == "ok" and not alt.reused_from and not main.reused_from:
            differ = _tables_differ(Path(t["parameters"]["output_dir"]),
                                    patches[t["patch"]].folder / "tables" / t["stem"])
            if differ:
                main.status = "failed"
                main.error = {"cell": None, "ename": "TablesDifferByLanguage",
                              "evalue": f"result tables differ between {primary} and {t['lang']}: "
                                        + ", ".join(differ)}


def _bring_workbooks(src: Path, dest: Path) -> None:
    """Copy a translation's ``<stem>.<lang>.xlsx`` beside the primary's tables (CSVs are compared, not copied)."""
    import shutil

    if not src.is_dir() or src.resolve() == dest.resolve():
        return
    for f in src.glob("*.xlsx"):
        with writing(dest):
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest / f.name)


def _tables_differ(a: Path, b: Path) -> list[str]:
    """Names of the result tables that differ between two folders (or exist in one only)."""
    names = {p.name for p in a.glob("*.csv")} | {p.name for p in b.glob("*.csv")}
    return sorted(n[:-4] for n in names
                  if not ((a / n).exists() and (b / n).exists() and (a / n).read_bytes() == (b / n).read_bytes()))


def _publish_reused(plan, keys, found) -> RunResult:
    """Publish a run whose every report is reused: no validation, no kernel (the data's files are
    byte for byte those the reused reports were made from)."""
    import shutil

    cfg, specs = plan.cfg, plan.every
    run_id = _new_run_id(plan.out_dir, plan.label)
    staging = plan.out_dir / STAGING / run_id
    with writing(staging):
        (staging / "notebooks").mkdir(parents=True)
    try:
        patch = Patch(None, staging, None)
        for spec in specs:
            for lang in langs_of(cfg):
                primary = lang == cfg.lang
                task = {"stem": spec.stem, "name": spec.stem if primary else f"{spec.stem}.{lang}",
                        "title": spec.title(cfg.lang), "staging": str(staging), "primary": primary}
                res = _reuse_one(task, found[(spec.stem, lang)])
                main = patch.results.setdefault(spec.stem, res) if primary else patch.results[spec.stem]
                main.keys[lang] = keys[(spec.stem, lang)]
                main.pages[lang] = res.html
                main.headlines[lang] = res.headline
                if not primary:
                    main.translations[lang] = res.html
        first = found[(specs[0].stem, cfg.lang)]
        plan.say(f"Nothing changed since run {first['run_id']}: "
                 f"{len(specs)} report(s) reused, none executed (--force executes them).")
        src = json.loads((first["run_dir"] / "run.json").read_text(encoding="utf-8"))
        return publish(plan, [patch], src["dataset"], src.get("data_notes", []), run_id, staging,
                       time.perf_counter())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def publish(plan, patches: list[Patch], dataset: dict, data_notes: list, run_id: str, staging: Path,
            t_phase: float, incomplete=(), warn=None) -> RunResult:
    """run.json, the index pages, one rename into place, then ``latest`` and the history page."""
    cfg, specs, out_dir, dimension = plan.cfg, plan.every, plan.out_dir, plan.dimension
    warn = warn or plan.say

    def ordered(patch) -> list[NotebookResult]:
        return [patch.results[s.stem] for s in specs if s.stem in patch.results]

    everything = [r for patch in patches for r in ordered(patch)]
    status = "failed" if any(r.status == "failed" for r in everything) else "ok"
    run_json = {
        "run_id": run_id,
        "status": status,
        "complete": not incomplete,
        "started": plan.started,
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - plan.t_start, 3),
        "params_file": str(plan.params_file) if plan.params_file else None,
        "series": cfg.series_key(plan.params_file),
        "parameters": cfg.model_dump(),
        "dataset": dataset,
        "data_notes": data_notes,
        "packages": plan.fps["packages"],
        "reused": sum(1 for r in everything if r.reused_from),
        "notebooks": [asdict(r) for r in ordered(patches[0])] if not dimension else [],
    }
    moves = status == "ok" and not incomplete
    history_tmp = out_dir / ".index.html.tmp"
    final = out_dir / run_id
    was = _latest_target(out_dir)
    try:
        with writing(staging):
            _write_pages(run_json, patches, dimension, staging, cfg, ordered)
            (staging / "run.json").write_text(json.dumps(run_json, ensure_ascii=False, indent=2, default=str),
                                              encoding="utf-8")
        with writing(history_tmp):
            history_tmp.write_text(_history(out_dir, cfg.lang, pending=run_json,
                                            latest=run_id if moves else _latest_target(out_dir)), encoding="utf-8")
        os.replace(staging, final)  # one rename: the run appears whole or not at all
        try:
            if moves:
                point_latest(out_dir, run_id)
            os.replace(history_tmp, out_dir / "index.html")
        except BaseException:
            os.replace(final, staging)  # back into staging, which the caller removes: nothing was published
            if moves and was and _latest_target(out_dir) != was:
                point_latest(out_dir, was)
            raise
    except BaseException:
        history_tmp.unlink(missing_ok=True)
        raise
    plan.timing["publish"] = round(time.perf_counter() - t_phase, 3)  # pages, run.json, rename, history
    seconds = round(time.perf_counter() - plan.t_start, 3)
    warn(f"Run {run_id}: {status}. Index: {final / 'index.html'}")
    if incomplete:
        warn(f"  'latest' was not moved: this --only run lacks {', '.join(incomplete)}, whose last results are "
             f"out of date; run them too (or without --only). latest: {_latest_target(out_dir) or 'none yet'}.")
    elif status != "ok":
        warn("  'latest' was not moved; it still points at the last complete run "
             f"({_latest_target(out_dir) or 'none yet'}).")
    return RunResult(run_id, status, final, everything, seconds, plan.timing)


def _write_pages(run_json, patches, dimension, staging, cfg, ordered) -> None:
    """The index pages of the run (and of each fan-out patch) in every language of the run."""
    if not dimension:
        for lang in langs_of(cfg):
            write_index(staging, run_json, lang, primary=cfg.lang)
        return
    run_json["fan_out"] = {"dimension": dimension, "patches": []}
    for patch in patches:
        res = ordered(patch)
        p_status = "failed" if any(r.status == "failed" for r in res) else (
            "skipped" if all(r.status == "skipped" for r in res) else "ok")
        entry = {"value": patch.value, "folder": patch.rel, "status": p_status,
                 "notebooks": [asdict(r) for r in res]}
        run_json["fan_out"]["patches"].append(entry)
        patch_json = {**run_json, "run_id": f"{run_json['run_id']} · {patch.value}", "status": p_status,
                      "dataset": {**run_json["dataset"], "name": patch.ds.meta.name},
                      "notebooks": entry["notebooks"], "fan_out": None}
        for lang in langs_of(cfg):
            write_index(patch.folder, patch_json, lang, back_href="../../index.html", primary=cfg.lang)
    write_fanout_index(staging, run_json, cfg.lang)


def previous_run(out_dir: Path, series: str | None, dimension: str | None = None, value: str | None = None) -> Path | None:
    """The newest published, complete run of the same series (and the same patch).

    ``series`` is the params file's ``series`` or, without one, the params file path
    (:meth:`workbench.params.RunConfig.series_key`); runs written before ``series``
    existed match on their params file. Returns the folder holding that run's (or
    patch's) ``tables/``, or ``None``.
    """
    from workbench import fanout

    for info, folder in _published(out_dir):
        if info.get("series", info.get("params_file")) != series or info.get("status") != "ok":
            continue
        fo = info.get("fan_out") or {}
        if (fo.get("dimension") if fo else None) != dimension:
            continue
        folder = folder if value is None else folder / "patches" / fanout.slug(value)
        if (folder / "tables").is_dir():
            return folder
    return None


def _published(out_dir: Path):
    """``(run.json contents, run folder)`` of every published run, newest first (unreadable ones skipped)."""
    for rj in sorted(out_dir.glob("*/run.json"), reverse=True):
        if rj.parent.is_symlink() or rj.parent.name.startswith("."):
            continue
        try:
            yield json.loads(rj.read_text(encoding="utf-8")), rj.parent
        except (OSError, json.JSONDecodeError):
            continue


def point_latest(out_dir: Path, run_id: str) -> None:
    """Point ``reports/latest`` at ``run_id`` atomically (a new symlink renamed over the old)."""
    tmp = out_dir / f".latest-{run_id}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run_id, tmp)
    os.replace(tmp, out_dir / "latest")


def _latest_target(out_dir: Path) -> str | None:
    link = out_dir / "latest"
    return os.readlink(link) if link.is_symlink() else None


def _history_row(info: dict, folder_name: str) -> dict:
    nbs = info.get("notebooks", []) or [
        n for p in (info.get("fan_out") or {}).get("patches", []) for n in p.get("notebooks", [])]
    return {"run_id": info.get("run_id", folder_name), "status": info.get("status", "failed"),
            "dataset": info.get("dataset", {}).get("name", ""), "finished": info.get("finished", ""),
            "ok": sum(n.get("status") == "ok" for n in nbs), "total": len(nbs)}


def _history(out_dir: Path, lang: str, pending: dict | None = None, latest: str | None = None) -> str:
    """The history page's HTML: every published run and, first, ``pending`` (about to be published)."""
    runs = [_history_row(info, folder.name) for info, folder in _published(out_dir)]
    if pending is not None:
        runs.insert(0, _history_row(pending, pending["run_id"]))
    return history_page(runs, latest if pending is not None else _latest_target(out_dir), lang)


def write_history(out_dir: Path, lang: str) -> Path:
    """``reports/index.html``: every published run, newest first, with its status."""
    path = out_dir / "index.html"
    tmp = out_dir / ".index.html.tmp"
    with writing(tmp):
        tmp.write_text(_history(out_dir, lang), encoding="utf-8")
    os.replace(tmp, path)
    return path
