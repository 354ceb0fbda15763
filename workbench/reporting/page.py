"""The published page of a report: its title, table of contents, workbook link and language switch.

nbconvert renders the notebook (``workbench/templates/report``); this module builds
what the template places around it. The table of contents is made from the
page's own ``h2``/``h3`` headings (nbconvert gives each an ``id``), so it lists
exactly the sections the reader's language shows.
"""

from __future__ import annotations

import html
import re

from workbench.reporting.labels import COMMON

_HEADING = re.compile(r'<h([23])\s+id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_WORKBOOK = re.compile(r'<a\b[^>]*\bclass="wb-workbook"[^>]*>')  # nbconvert may reorder attributes
_HREF = re.compile(r'\bhref="([^"]+)"')


def headings(page: str) -> list[tuple[int, str, str]]:
    """``(level, id, text)`` of every h2/h3 with an id, in page order (anchor links removed)."""
    out = []
    for level, anchor, inner in _HEADING.findall(page):
        text = html.unescape(_TAGS.sub("", inner)).replace("¶", "").strip()
        if text:
            out.append((int(level), anchor, text))
    return out


def workbook_link(lang: str, href: str) -> str:
    """The link to the report's Excel workbook ("Excel workbook" / "Excel 工作簿")."""
    return (f'<a class="wb-workbook" href="{html.escape(href, quote=True)}" download>'
            f'{html.escape(COMMON.t("excel_workbook", lang))}</a>')


def workbook_href(page: str) -> str | None:
    """The href of the workbook link :meth:`workbench.reporting.Report.finish` put on ``page``, if any."""
    m = _WORKBOOK.search(page)
    href = _HREF.search(m.group(0)) if m else None
    return html.unescape(href.group(1)) if href else None


def toc_html(page: str, lang: str, workbook: str | None = None) -> str:
    """A table of contents of ``page``'s sections, with the link to the ``workbook`` when given.

    Empty when the page has fewer than three sections and no workbook.
    """
    items = headings(page)
    link = f'<div class="wb-toc-workbook">{workbook_link(lang, workbook)}</div>' if workbook else ""
    if len(items) < 3 and not link:
        return ""
    lis = "".join(
        f'<li class="wb-toc-{level}"><a href="#{html.escape(anchor, quote=True)}">{html.escape(text)}</a></li>'
        for level, anchor, text in items) if len(items) >= 3 else ""
    title = COMMON.t("contents", lang)
    body = f"<b>{html.escape(title)}</b><ul>{lis}</ul>" if lis else ""
    return f'<nav class="wb-toc" aria-label="{html.escape(title)}">{body}{link}</nav>'


def insert_toc(page: str, lang: str, workbook: str | None = None) -> str:
    """``page`` with its table of contents placed before the first section heading.

    ``workbook`` is the href of the report's Excel workbook; by default the one the page
    itself links at its end (:meth:`~workbench.reporting.Report.finish`), so the contents
    lead to it too.
    """
    toc = toc_html(page, lang, workbook if workbook is not None else workbook_href(page))
    if not toc:
        return page
    first = _HEADING.search(page)
    if first is None:  # no section heading: the contents (the workbook link) go first in the body
        at = page.find(">", page.find("<body")) + 1 if "<body" in page else 0
        return page[:at] + toc + page[at:]
    # the heading sits inside its cell's markup; the ToC goes before that cell's wrapper
    cell = page.rfind('<div class="jp-Cell', 0, first.start())
    at = cell if cell >= 0 else first.start()
    return page[:at] + toc + page[at:]


def language_switch(lang: str, other_href: str | None) -> str:
    """The link to the same report in the other language (nothing when it was not published)."""
    if not other_href:
        return ""
    label = COMMON.t("other_language", lang)
    other = "en" if lang == "zh" else "zh"
    return (f'<a class="wb-lang" hreflang="{other}" lang="{"zh-CN" if other == "zh" else "en"}" '
            f'href="{html.escape(other_href, quote=True)}">{html.escape(label)}</a>')
