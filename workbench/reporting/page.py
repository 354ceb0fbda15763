"""The published page of a report: its title, table of contents and language switch.

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


def headings(page: str) -> list[tuple[int, str, str]]:
    """``(level, id, text)`` of every h2/h3 with an id, in page order (anchor links removed)."""
    out = []
    for level, anchor, inner in _HEADING.findall(page):
        text = html.unescape(_TAGS.sub("", inner)).replace("¶", "").strip()
        if text:
            out.append((int(level), anchor, text))
    return out


def toc_html(page: str, lang: str) -> str:
    """A table of contents of ``page``'s sections; empty when it has fewer than three."""
    items = headings(page)
    if len(items) < 3:
        return ""
    lis = "".join(
        f'<li class="wb-toc-{level}"><a href="#{html.escape(anchor, quote=True)}">{html.escape(text)}</a></li>'
        for level, anchor, text in items)
    title = COMMON.t("contents", lang)
    return f'<nav class="wb-toc" aria-label="{html.escape(title)}"><b>{html.escape(title)}</b><ul>{lis}</ul></nav>'


def insert_toc(page: str, lang: str) -> str:
    """``page`` with its table of contents placed before the first section heading."""
    toc = toc_html(page, lang)
    if not toc:
        return page
    first = _HEADING.search(page)
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
