"""The published page: table of contents from the page's own headings, language switch."""

from workbench.reporting import page

PAGE = """<html><body><div class="jp-Cell jp-MarkdownCell"><h1 id="T">Title</h1></div>
<div class="jp-Cell jp-MarkdownCell"><h2 id="1.-Conversion">1. Conversion<a class="anchor-link" href="#1.-Conversion">¶</a></h2></div>
<div class="jp-Cell"><h3 id="Tests">Are &lt;they&gt; real?</h3></div>
<div class="jp-Cell"><h2 id="2.-Stages">2. Stages</h2></div></body></html>"""


def test_headings_in_order_without_anchor_marks():
    assert page.headings(PAGE) == [(2, "1.-Conversion", "1. Conversion"), (3, "Tests", "Are <they> real?"),
                                   (2, "2.-Stages", "2. Stages")]


def test_toc_inserted_before_the_first_section_and_escaped():
    out = page.insert_toc(PAGE, "zh")
    toc_at, first_section = out.index('<nav class="wb-toc"'), out.index('<h2 id="1.-Conversion"')
    assert toc_at < first_section and out.index('<h1 id="T">') < toc_at
    assert "<b>目录</b>" in out and 'href="#Tests">Are &lt;they&gt; real?</a>' in out
    assert out.count("<li") == 3


def test_short_pages_get_no_toc():
    two = PAGE.replace('<div class="jp-Cell"><h2 id="2.-Stages">2. Stages</h2></div>', "")
    assert page.insert_toc(two, "en") == two


def test_language_switch():
    assert page.language_switch("en", None) == ""
    link = page.language_switch("zh", "x.html")
    assert 'href="x.html"' in link and ">English<" in link and 'hreflang="en"' in link
