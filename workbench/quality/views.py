"""What the data quality report shows: one function per section; each takes the report first and renders.

Every ``show_*`` saves the section's result table (canonical columns and codes, the same
in every language) and returns what the notebook displays: a table view, a figure, a
note, or nothing for a section that has nothing to say. Issue codes, statuses, tiers
and schema kinds are shown by their label in :mod:`workbench.quality.labels`.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from workbench.data.schema import CATEGORY, TABLES
from workbench.quality import plots
from workbench.quality.overview import missing_tables_report
from workbench.quality.prepare import PLAN_TABLES
from workbench.reporting.report import Markup

FIX_COLUMNS = ["rank", "tier", "table", "column", "problem", "rows_affected", "share", "impact", "how_to_fix"]
"""Fix-list columns shown in the report (the result table keeps them all)."""

OVERVIEW_COLUMNS = ["table", "status", "file", "encoding", "rows_read", "rows", "duplicate_rows", "date_from",
                    "date_to", "days_since_last", "completeness", "invalid_cells", "orphan_rows", "score"]
"""Overview columns shown in the report (the result table keeps them all)."""

COMPLETENESS_ROWS = 20
"""Incomplete columns listed inline (worst first); the CSV has every column."""

_EXAMPLES_RE = re.compile(r"e\.g\. (.+?)(?:; set to missing)?$")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _where(table, column) -> str:
    return f"{table}.{column}" if isinstance(column, str) and column else str(table)


def _ref(table: str, column) -> str:
    """``customers.customer_id`` for a foreign key column, from the data model."""
    spec = TABLES.get(table)
    for fk in spec.foreign_keys if spec is not None else ():
        if fk.column == column:
            return f"{fk.ref_table}.{fk.ref_column}"
    return str(column)


AUDIT_SHOWN = ["table", "file", "rows_read", "rows_used", "rows_dropped", "rows_changed", "money_read",
               "money_used", "money_dropped", "reconciled"]
AUDIT_HEADERS = {"rows_used": "audit_rows_used", "rows_dropped": "audit_rows_dropped",
                 "rows_changed": "audit_rows_changed", "money_read": "audit_money_read",
                 "money_used": "audit_money_used", "money_dropped": "audit_money_dropped",
                 "reconciled": "audit_reconciled", "reason": "audit_reason", "action": "audit_action",
                 "rows": "audit_rows", "money": "audit_money"}


def show_audit(rpt, ds):
    """Every row accounted for: per table rows and money read, used, dropped or changed, and why.

    Saves ``row_audit`` and ``row_audit_reasons`` (the loader's audit, :attr:`Dataset.audit`)."""
    audit = ds.audit.reset_index(drop=True)
    reasons = ds.audit_reasons.reset_index(drop=True)
    money = {c: "money" for c in ("money_read", "money_used", "money_dropped", "money")}
    counts = {c: "count" for c in ("rows_read", "rows_used", "rows_dropped", "rows_changed", "rows")}
    shown = audit.loc[(audit["rows_dropped"] > 0) | (audit["rows_changed"] > 0) | ~audit["reconciled"].astype(bool)]
    no_money = shown["money_column"].isna()  # a table without amounts shows "–", not ¥0
    shown = shown.assign(**{c: shown[c].where(~no_money) for c in ("money_read", "money_used", "money_dropped")})
    t1 = rpt.table(audit, "row_audit", shown=shown if len(shown) else audit, columns=AUDIT_SHOWN,
                   formats={**money, **counts, "reconciled": "bool"}, headers=AUDIT_HEADERS, max_rows=20)
    has_money = set(audit.loc[audit["money_column"].notna(), "table"])
    view = reasons.assign(reason=[f"audit_{r}" for r in reasons["reason"]],
                          action=[f"audit_{a}" for a in reasons["action"]],
                          money=reasons["money"].where(reasons["table"].isin(has_money)))
    t2 = rpt.table(reasons, "row_audit_reasons", shown=view, formats={**money, **counts},
                   headers=AUDIT_HEADERS, values=["reason", "action"],
                   empty=("No row was dropped or changed.", "没有行被删除或修改。"))
    total_read = int(audit["rows_read"].sum())
    total_used = int(audit["rows_used"].sum())
    say = rpt.say("{read} rows read, {used} used; every difference is listed by reason below. Tables whose rows "
                  "were all used as read are not shown.",
                  "共读取 {read} 行，使用 {used} 行；差异均按原因列于下表。所有行均原样使用的数据表未列出。",
                  read=total_read, used=total_used)
    parts = [say, t1, t2]
    return Markup("".join(p.to_html() if hasattr(p, "to_html") else str(p) for p in parts))


def show_errors(rpt, ds):
    """A visible note listing the data errors (only in interactive use: a published run stops on them)."""
    if not ds.errors:
        return None
    items = "; ".join(f"{_where(i.table or i.file or '', i.column)}: {rpt.t(i.kind)}" for i in ds.errors[:10])
    if len(ds.errors) == 1:
        return rpt.note("1 error stops the other reports until fixed: {items}",
                        "1 个错误会使其他报告停止运行，请先修复：{items}", items=items, level="warning")
    return rpt.note("{n} errors stop the other reports until fixed: {items}",
                    "{n} 个错误会使其他报告停止运行，请先修复：{items}", n=len(ds.errors), items=items,
                    level="warning")


def _problem(rpt, row) -> str:
    label = rpt.t(row.kind)
    if row.blocking:
        return rpt.t("problem_blocking").format(label=label)
    if row.kind == "orphan_key":
        return rpt.t("problem_orphan_key").format(label=label, ref=_ref(row.table, row.column))
    if row.kind in ("stale", "misnamed_file"):
        return rpt.t(f"problem_{row.kind}").format(label=label)
    return label


def _advice(rpt, row) -> str:
    key = "stale_plan" if row.kind == "stale" and row.table in PLAN_TABLES else row.kind
    text = rpt.t(f"advice_{key}")
    if text == f"advice_{key}":
        text = rpt.t("advice_other")
    ref = _ref(row.table, row.column).split(".")[0] if row.kind == "orphan_key" else ""
    return text.format(table=row.table, ref_table=ref)


def show_fix_list(rpt, fixes: pd.DataFrame):
    """The fix list: ranked by impact, problems and advice from the labels, tiers by their label."""
    shown = fixes.copy()
    shown["problem"] = [_problem(rpt, r) for r in fixes.itertuples(index=False)]
    shown["how_to_fix"] = [_advice(rpt, r) for r in fixes.itertuples(index=False)]
    shown["tier"] = [f"tier_{t}" for t in fixes["tier"]]
    return rpt.table(fixes, "fix_list", shown=shown, columns=FIX_COLUMNS, values=["tier"],
                     formats={"rank": "count", "rows_affected": "count", "share": "share", "impact": "param"},
                     max_rows=len(fixes),
                     empty=("No problems found.", "未发现问题。"))


def show_overview(rpt, overview: pd.DataFrame):
    """Tables at a glance: status, rows, period covered, completeness and score."""
    return rpt.table(overview, "table_overview", columns=OVERVIEW_COLUMNS, values=["status"],
                     formats={"rows_read": "count", "rows": "count", "duplicate_rows": "count",
                              "days_since_last": "count", "completeness": "share", "invalid_cells": "count",
                              "orphan_rows": "count", "score": "num"},
                     max_rows=len(overview))


def show_scores(rpt, overview: pd.DataFrame):
    """The score per table as bars."""
    return rpt.figure(plots.plot_scores(rpt, overview))


def show_completeness_chart(rpt, completeness: pd.DataFrame):
    """Completeness (filled / rows) of the incomplete columns, worst first."""
    return rpt.figure(plots.plot_completeness(rpt, completeness))


def show_completeness(rpt, completeness: pd.DataFrame):
    """The incomplete columns, worst first (the CSV lists every column of every loaded table)."""
    present = completeness.loc[completeness["present"]]
    gaps = completeness.loc[completeness["present"] & (completeness["completeness"] < 1)]
    gaps = gaps.sort_values(["completeness", "table", "column"], kind="stable").copy()
    gaps["kind"] = "kind_" + gaps["kind"].astype(str)
    head = rpt.say("{complete} of {n} columns present are complete; the incomplete ones, worst first:",
                   "在已有的 {n} 个字段中，{complete} 个已填写完整；未填写完整的字段如下（最差的在前）：",
                   complete=int((present["completeness"] >= 1).sum()), n=len(present))
    view = rpt.table(completeness, "column_completeness", shown=gaps, values=["kind"],
                     columns=["table", "column", "kind", "required", "rows", "filled", "missing", "unreadable",
                              "completeness"],
                     headers={"unreadable": "unreadable_cells"},
                     formats={"rows": "count", "filled": "count", "missing": "count", "unreadable": "count",
                              "completeness": "share"},
                     max_rows=COMPLETENESS_ROWS,
                     empty=("Every column is complete.", "所有字段都已填写完整。"))
    return Markup(head.markup + _markup(view))


def _markup(view) -> str:
    return view.to_html() if hasattr(view, "to_html") else str(view)


def _expected(rpt, row) -> str:
    """What the value should be, from the data model (not the loader's English sentence)."""
    spec = TABLES.get(row.table)
    col = spec.column(row.column) if spec is not None and isinstance(row.column, str) and \
        row.column in spec.column_names else None
    if row.kind == "out_of_range" and col is not None:
        return rpt.t("expect_range").format(lo=_num(col.min, "−∞"), hi=_num(col.max, "∞"))
    if row.kind == "invalid" and col is not None:
        if col.kind == CATEGORY and col.allowed:
            return rpt.t("expect_one_of").format(values=", ".join(col.allowed))
        return rpt.t(f"expect_{col.kind}")
    if row.kind == "implausible_date":
        m = _DATE_RE.search(str(row.expected or ""))
        return rpt.t("expect_date_until").format(date=m.group(0) if m else "–")
    if row.kind == "blank_required":
        return rpt.t("expect_value")
    if row.kind == "closed_before_created":
        return rpt.t("expect_closed_after_created")
    return "–"


def _num(v, default: str) -> str:
    if v is None:
        return default
    return f"{v:g}"


def _examples(message) -> str:
    m = _EXAMPLES_RE.search(str(message or ""))
    return m.group(1) if m else ""


def show_invalid_values(rpt, invalid: pd.DataFrame):
    """Unreadable, out-of-range, blank-required and implausible values; a sentence when there are none."""
    shown = invalid.copy()
    shown["expected"] = [_expected(rpt, r) for r in invalid.itertuples(index=False)]
    shown["examples"] = [_examples(m) for m in invalid["message"]]
    return rpt.table(invalid, "invalid_values", shown=shown, values=["kind", "level"],
                     columns=["table", "column", "kind", "level", "count", "share", "expected", "examples",
                              "example_rows"],
                     formats={"count": "count", "share": "share"},
                     empty=("No invalid values found.", "未发现无效值。"))


def show_duplicates(rpt, dups: pd.DataFrame):
    """Exact duplicate rows, duplicate keys and possible duplicate customers."""
    return rpt.table(dups, "duplicates", values=["kind"],
                     columns=["table", "kind", "column", "count", "ids", "names", "example_rows"],
                     formats={"count": "count"},
                     empty=("No duplicates found.", "未发现重复记录。"))


def show_orphans(rpt, orphans: pd.DataFrame):
    """The foreign keys with orphans (the CSV lists every key checked, clean ones included)."""
    bad = orphans.loc[orphans["orphan_rows"] > 0].sort_values("orphan_rows", ascending=False, kind="stable")
    head = rpt.say("{checked} links between tables checked; {bad} hold values the referenced table lacks.",
                   "共检查 {checked} 个表间关联；其中 {bad} 个含有被引用表中不存在的值。",
                   checked=len(orphans), bad=len(bad))
    view = rpt.table(orphans, "orphans", shown=bad,
                     columns=["table", "column", "ref_table", "ref_column", "rows", "orphan_rows", "share",
                              "distinct_values", "examples"],
                     formats={"rows": "count", "orphan_rows": "count", "share": "share", "distinct_values": "count"},
                     empty=("Every value of a foreign key is found in its referenced table.",
                            "所有外键值都能在被引用表中找到。"))
    return Markup(head.markup + _markup(view))


def show_freshness(rpt, fresh: pd.DataFrame):
    """Last date of each table against the reference date; stale ones flagged."""
    return rpt.table(fresh, "freshness",
                     formats={"implausible_dates": "count", "days_since_last": "count", "stale": "bool"},
                     max_rows=len(fresh), empty=("No table has a date column.", "没有带日期字段的数据表。"))


def show_missing_tables(rpt, ds):
    """Tables of the data model not supplied, and the reports that need them; nothing when all are there.

    The section has its own heading, so that an empty section leaves no trace on the page.
    """
    missing = missing_tables_report(ds)
    rpt.save(missing, "missing_tables")
    if missing.empty:
        return None
    title = html.escape(rpt.t("dq_missing_tables"))
    intro = rpt.say("Tables of the data model for which no file was found, and the reports that switch "
                    "sections off without them.",
                    "数据模型中未找到文件的数据表，以及因此关闭部分内容的报告。")
    from workbench.notebooks import NOTEBOOKS

    shown = missing.copy()
    shown["needed_by"] = [", ".join(NOTEBOOKS[s].title(rpt.lang) for s in str(v).split(", ") if s in NOTEBOOKS)
                          for v in missing["needed_by"].fillna("")]
    view = rpt.table(missing, None, shown=shown, columns=["table", "required_columns", "possible_file", "needed_by"],
                     max_rows=len(missing))
    return Markup(f'<h2 id="tables-not-supplied">{title}</h2>' + intro.markup + _markup(view))
