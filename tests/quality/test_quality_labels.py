"""Every code a data quality table can hold has an English and a Chinese label."""

from __future__ import annotations

import re

import pytest

from workbench import quality as q
from workbench.data.schema import TABLES
from workbench.paths import PROJ_ROOT
from workbench.reporting.labels import conflicts

CJK = re.compile(r"[\u4e00-\u9fff]")
LOADER = PROJ_ROOT / "workbench" / "data" / "loader.py"
PACKAGE = PROJ_ROOT / "workbench" / "quality"


def loader_codes() -> set[str]:
    """Issue kinds the loader can emit: the second argument of every ``Issue(...)``, and the kinds
    a loop hands to ``Issue(level, reason, ...)`` as ``(mask, "date_in_future", what)``."""
    src = LOADER.read_text(encoding="utf-8")
    codes = set(re.findall(r'Issue\(\s*(?:"[a-z]+"|[^,()]+?(?:\([^()]*\))?[^,()]*?),\s*"([a-z_]+)"', src, re.S))
    return codes | set(re.findall(r'\(\w+, "([a-z_]+)", f?"', src))


def package_codes() -> set[str]:
    """Kinds the quality package writes itself: ``"kind": "..."`` and the kind argument of ``add(...)``."""
    codes: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        src = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'"kind":\s*"([a-z_]+)"', src))
        codes |= set(re.findall(r'add\(\s*[^,]+,\s*[^,]+,\s*"([a-z_]+)"', src, re.S))
    return codes


def test_code_enumeration_finds_the_known_codes():
    # guards the regular expressions: they must see codes from both sources
    assert {"missing_column", "out_of_range", "invalid", "orphan_key", "exact_duplicate", "unknown_file",
            "closed_before_created", "ambiguous_table", "date_in_future", "date_too_early"} <= loader_codes()
    assert {"implausible_date", "possible_duplicate_customer", "misnamed_file", "stale",
            "missing_values"} <= package_codes()


@pytest.mark.parametrize("code", sorted(loader_codes() | package_codes() | (set(q.KIND_WEIGHTS) - {"error"})))
def test_every_issue_code_has_en_and_zh_label_and_advice(code):
    en, zh = q.LABELS[code]
    assert en and en != code and "_" not in en
    assert CJK.search(zh), zh
    fix_en, fix_zh = q.LABELS[f"advice_{code}"]
    assert fix_en and CJK.search(fix_zh)
    assert q.issue_label(code, "zh") == zh


def test_schema_kinds_statuses_tiers_levels_are_labelled():
    kinds = {c.kind for spec in TABLES.values() for c in spec.columns}
    keys = {f"kind_{k}" for k in kinds} | {"loaded", "rejected", "absent", "error", "warning", "note"}
    keys |= {f"tier_{t}" for t in (1, 2, 3)}
    for key in keys:
        assert CJK.search(q.LABELS.t(key, "zh")), key


def test_every_result_column_has_a_label(tmp_path):
    from workbench.data.loader import load_dataset

    (tmp_path / "orders.csv").write_text("order_id,order_date,customer_id,amount\nO1,2026-01-01,C1,1\n")
    ds = load_dataset(tmp_path, strict=False)
    frames = [q.fix_list(ds), q.table_overview(ds), q.column_completeness(ds), q.invalid_values(ds),
              q.duplicates(ds), q.orphans(ds), q.freshness(ds), q.missing_tables_report(ds)]
    for col in {c for f in frames for c in f.columns} - {"unreadable"}:  # shown as unreadable_cells
        assert CJK.search(q.LABELS.t(col, "zh")), col


def test_no_key_has_two_meanings():
    assert conflicts([q.LABELS]) == []


def test_chinese_labels_have_no_english_words():
    from workbench.reporting.checks import ALLOWED_TERMS, english_words

    model = set(TABLES) | {c for s in TABLES.values() for c in s.column_names}
    for key, (_, zh) in q.LABELS.own.items():
        text = re.sub(r"\{[a-z_]+\}", " ", zh)  # placeholders are filled with numbers and names
        assert english_words(text, model, allowed=ALLOWED_TERMS | {"parquet", "utf"}) == {}, (key, zh)
