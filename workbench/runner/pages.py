"""The pages of a run: report pages exported from executed notebooks, and the index pages."""

from __future__ import annotations

from pathlib import Path

import yaml

from workbench import runner as _pkg  # NOTEBOOKS is looked up at call time (tests replace it)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

UI = {
    "en": dict(title="Sales channel workbench: reports", history="All runs", latest="Latest complete run",
               dataset="Dataset", generated="Generated", status="Status", duration="Time", report="Report",
               headline="Headline", ok="ok", failed="failed", skipped="skipped", running="running",
               cell="Cell", tables="Result tables", parameters="Parameters", fingerprint="Data fingerprint",
               packages="Package versions", table="Table", file="File", rows="Rows", run="Run",
               reports="Reports ok", data_notes="Notes on the data", data_notes_count="{n} notes on the data.",
               failed_note="At least one report failed; 'latest' still points at the last complete run.",
               back="All patches of this run", patch="Patch", region="Region", channel="Channel", team="Team",
               fanout_title="Reports per {dim}", reused="reused from run {run} (nothing it depends on changed)",
               incomplete_note="An --only run: reports it did not run and whose last results are out of date are "
                               "missing, so 'latest' was not moved to this run."),
    "zh": dict(title="销售渠道分析工作台：报告", history="全部运行记录", latest="最新完整运行",
               dataset="数据集", generated="生成时间", status="状态", duration="耗时", report="报告",
               headline="要点", ok="成功", failed="失败", skipped="已跳过", running="运行中",
               cell="单元格", tables="结果表", parameters="参数", fingerprint="数据指纹",
               packages="软件包版本", table="数据表", file="文件", rows="行数", run="运行",
               reports="成功报告数", data_notes="数据说明", data_notes_count="共 {n} 条数据说明，逐条解释见",
               failed_note="至少一份报告失败；latest 仍指向上一次完整运行。",
               back="本次运行的全部分片", patch="分片", region="区域", channel="渠道", team="团队",
               fanout_title="按{dim}分发的报告", reused="沿用运行 {run} 的结果（其依赖均未变化）",
               incomplete_note="这是一次 --only 运行：未运行且上次结果已过期的报告缺失，因此 latest 未指向本次运行。"),
}

_EXPORTER = None


def _exporter():
    """One HTML exporter per process (building it costs more than using it)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(
            template_name="report",
            extra_template_basedirs=[str(TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
    return _EXPORTER


def export_html(nb, lang: str, run_label: str, title: str | None = None, other_href: str | None = None,
                index_href: str = "index.html") -> str:
    """The report page of an executed notebook: no code, the reader's language only, offline.

    The page has ``title`` as its title, a table of contents of its sections, a link back to
    ``index_href`` (the index in the same language) and, when ``other_href`` is given, a link
    to the same report in the other language.
    """
    from nbconvert.preprocessors import TagRemovePreprocessor

    from workbench.reporting import page as wb_page

    other = "zh" if lang == "en" else "en"
    pre = TagRemovePreprocessor(remove_cell_tags={f"lang-{other}", "remove-cell"}, enabled=True)
    nb, _ = pre.preprocess(nb, {})
    nb.metadata.pop("widgets", None)  # widget state needs a CDN renderer: drop it
    exporter = _exporter()
    resources = {
        "workbench_css": _css(),
        "workbench_index_href": index_href,
        "workbench_index_label": UI[lang]["title"],
        "workbench_run_label": run_label,
        "workbench_lang_switch": wb_page.language_switch(lang, other_href),
        "metadata": {"name": title or UI[lang]["title"]},  # the page's <title>
    }
    exporter.language_code = lang  # ISO 639-1 <html lang=...>: fonts (CSS :lang(zh)), screen readers
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return wb_page.insert_toc(body, lang)


def headline_of(nb) -> str | None:
    """The headline a notebook displayed through :meth:`workbench.report.Report.headline`."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("workbench")
            if meta and meta.get("headline"):
                return meta["headline"]
    return None


def langs_of(cfg) -> list[str]:
    """The languages a run publishes: its own first, then ``extra_langs``."""
    return [cfg.lang, *[x for x in cfg.extra_langs if x != cfg.lang]]


def index_name(lang: str, primary: str) -> str:
    """``index.html`` in the run's own language, ``index.<lang>.html`` in another."""
    return "index.html" if lang == primary else f"index.{lang}.html"


def _css() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def _env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)


def _index_rows(run_json: dict, lang: str, primary: str) -> list[dict]:
    """Per notebook: the title, page and headline in ``lang``, and links to the other languages."""
    rows = []
    for nb in run_json["notebooks"]:
        spec = _pkg.NOTEBOOKS.get(nb["stem"])
        pages = {primary: nb.get("html"), **(nb.get("translations") or {})}
        headline = nb.get("headline") if lang == primary else (nb.get("headlines") or {}).get(lang)
        rows.append({**nb, "title": spec.title(lang) if spec else nb["title"], "href": pages.get(lang),
                     "others": {k: v for k, v in pages.items() if k != lang and v}, "headline": headline})
    return rows


def write_index(run_dir: Path, run_json: dict, lang: str, back_href: str = "../index.html",
                primary: str | None = None) -> Path:
    """The run's index page in ``lang``: per notebook status, headline, duration and link; run facts.

    The run's own language is ``index.html``; another is ``index.<lang>.html``, linking to the
    reports in that language.
    """
    primary = primary or lang
    tpl = _env().get_template("index.html.j2")
    langs = [primary, *[x for x in {**{primary: 1}, **_langs_in(run_json)} if x != primary]]
    switch = {x: index_name(x, primary) for x in langs if x != lang}
    page = tpl.render(run=_Obj(run_json), rows=_index_rows(run_json, lang, primary), L=UI[lang], lang=lang,
                      css=_css(), back_href=back_href, switch=switch,
                      params_text=yaml.safe_dump(run_json["parameters"], allow_unicode=True, sort_keys=False))
    path = run_dir / index_name(lang, primary)
    path.write_text(page, encoding="utf-8")
    return path


def _langs_in(run_json: dict) -> dict:
    return {k: 1 for nb in run_json["notebooks"] for k in (nb.get("translations") or {})}


def write_fanout_index(run_dir: Path, run_json: dict, lang: str) -> Path:
    """The index of a fan-out run: one row per patch, its status and a link per report."""
    tpl = _env().get_template("fanout.html.j2")
    page = tpl.render(run=_Obj(run_json), L=UI[lang], lang=lang, css=_css(),
                      params_text=yaml.safe_dump(run_json["parameters"], allow_unicode=True, sort_keys=False))
    path = run_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def history_page(runs: list[dict], latest: str | None, lang: str) -> str:
    """``reports/index.html``: every published run (``runs``, newest first) with its status."""
    return _env().get_template("history.html.j2").render(runs=runs, L=UI[lang], lang=lang, css=_css(),
                                                         latest=latest)


class _Obj(dict):
    """A dict whose keys also read as attributes in templates (``run.status``)."""

    def __getattr__(self, k):
        v = self[k] if k in self else None
        if isinstance(v, dict):
            return _Obj(v)
        if isinstance(v, list):
            return [_Obj(x) if isinstance(x, dict) else x for x in v]
        return v
