"""One catalogue per area, one meaning per key, and every area of one shape."""

import importlib
from pathlib import Path

import pytest

from workbench.reporting import AREAS, COMMON, Catalogue, area_catalogue, conflicts
from workbench.reporting.checks import english_words

PKG = Path(importlib.import_module("workbench").__file__).parent
TEMPLATE = ("params", "prepare", "labels", "plots", "views")


def test_catalogue_lookup_and_parents():
    cat = Catalogue("x", {"leads_month": ("Leads per month", "月线索数")})
    assert cat.t("leads_month", "zh") == "月线索数"
    assert cat.t("leads", "zh") == COMMON["leads"][1]  # from COMMON
    assert cat.t("no_such_key", "zh") == "no_such_key"
    with pytest.raises(ValueError, match="not \\(english, chinese\\) pairs"):
        Catalogue("bad", {"a": "only english"})


def test_conflicts_found():
    a = Catalogue("a", {"segment": ("Segment", "分群")})
    b = Catalogue("b", {"segment": ("Segment", "层级")})
    c = Catalogue("c", {"leads": ("Leads", "线索")})
    found = conflicts([a, b, c])
    assert len(found) == 2 and any(f.startswith("segment: a") for f in found)


@pytest.mark.parametrize("area", AREAS)
def test_every_area_has_the_template_and_a_catalogue(area):
    folder = PKG / area
    assert folder.is_dir(), f"workbench/{area}/ should be a package"
    missing = [m for m in TEMPLATE if not (folder / f"{m}.py").exists()]
    assert not missing, f"workbench/{area}/ lacks {missing} (see docs/reporting.md)"
    assert isinstance(area_catalogue(area), Catalogue)


def test_no_key_has_two_meanings():
    assert conflicts([area_catalogue(a) for a in AREAS]) == []


def test_no_global_first_wins_registry():
    src = "\n".join(p.read_text(encoding="utf-8") for p in PKG.rglob("*.py"))
    assert "i18n.register(" not in src


def test_english_word_check():
    page = "<p>渠道 <b>转化率</b> Acme Store NPS 42 unknown</p><style>.x{color:red}</style>"
    assert english_words(page, names=["Acme Store"]) == {"unknown": 1}
