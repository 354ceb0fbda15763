"""Headline numbers of the data quality report."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from workbench.data.loader import Dataset
from workbench.quality.fixes import _fix_frame
from workbench.quality.freshness import DEFAULT_STALE_AFTER_DAYS
from workbench.quality.overview import _overview, _scores
from workbench.quality.prepare import _facts


def quality_summary(
    ds: Dataset, as_of: str | date | None = None, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
) -> dict:
    """Headline numbers for one sentence of text.

    Parameters
    ----------
    ds : Dataset
    as_of : str, date or Timestamp, optional
    stale_after_days : int

    Returns
    -------
    dict
        ``reference_date`` (Timestamp or NaT), ``tables_loaded``,
        ``tables_rejected``, ``tables_absent``, ``total_rows`` (rows of loaded
        tables), ``overall_score`` (mean of the table scores weighted by their
        rows, rows read for rejected tables; NaN without tables), ``errors`` and
        ``warnings`` (loader issues), ``problems`` (entries of the full fix list),
        ``worst_table`` and ``worst_score`` (lowest score; ties go to the larger
        table; None/NaN without tables), ``stale_tables`` (list).
    """
    f = _facts(ds, as_of)
    ov = _overview(ds, f, stale_after_days)
    sc = _scores(ov, stale_after_days)
    scored = sc.loc[sc["score"].notna()]
    weights = scored["rows"].fillna(0)
    overall = (
        float((scored["score"] * weights).sum() / weights.sum()) if weights.sum() > 0 else np.nan
    )
    worst = scored.assign(_neg=-weights).sort_values(["score", "_neg"], kind="stable").head(1)
    levels = pd.Series([i.level for i in ds.issues], dtype=object)
    return {
        "reference_date": f.ref,
        "tables_loaded": int(ov["loaded"].sum()),
        "tables_rejected": int((ov["status"] == "rejected").sum()),
        "tables_absent": int((~ov["present"]).sum()),
        "total_rows": int(ov["rows"].fillna(0).sum()),
        "overall_score": round(overall, 1) if not np.isnan(overall) else np.nan,
        "errors": int((levels == "error").sum()),
        "warnings": int((levels == "warning").sum()),
        "problems": len(_fix_frame(ds, f, stale_after_days)),
        "worst_table": worst.index[0] if len(worst) else None,
        "worst_score": float(worst["score"].iloc[0]) if len(worst) else np.nan,
        "stale_tables": ov.loc[ov["stale"].fillna(False), "table"].tolist(),
    }




def _plural_en(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def headline(ds: Dataset, as_of: str | date | None = None,
             stale_after_days: int = DEFAULT_STALE_AFTER_DAYS) -> dict:
    """The report's headline: ``{"en": ..., "zh": ..., **values}`` for :meth:`Report.headline`.

    Values: ``tables`` (loaded), ``rows``, ``score`` (overall, NaN without tables),
    ``problems`` (entries of the full fix list), ``stale`` (stale tables) and ``first``
    (where the top problem of the fix list sits, ``table.column``; empty when none).
    """
    from workbench.quality.fixes import fix_list
    from workbench.quality.labels import ISSUE_KINDS

    s = quality_summary(ds, as_of, stale_after_days)
    fixes = fix_list(ds, as_of, stale_after_days, top=1)
    tables, problems, stale = int(s["tables_loaded"]), int(s["problems"]), len(s["stale_tables"])
    en = (f"{{tables}} {_plural_en(tables, 'table', 'tables')}, {{rows}} rows; overall quality score "
          f"{{score}} / 100; {{problems}} {_plural_en(problems, 'problem', 'problems')} found, "
          f"{{stale}} stale {_plural_en(stale, 'table', 'tables')}.")
    zh = "共 {tables} 张数据表、{rows} 行；总体质量得分 {score} / 100；发现 {problems} 个问题，{stale} 张数据表过期。"
    first = ""
    if len(fixes):
        f = fixes.iloc[0]
        first = f["table"] + (f".{f['column']}" if isinstance(f["column"], str) and f["column"] else "")
        label_en, label_zh = ISSUE_KINDS.get(f["kind"], (f["kind"], f["kind"]))
        en += f" Fix first: {{first}} ({label_en.lower()})."
        zh += f"优先修复：{{first}}（{label_zh}）。"
    score = s["overall_score"]
    return {"en": en, "zh": zh, "tables": tables, "rows": int(s["total_rows"]),
            "score": float(score) if not pd.isna(score) else float("nan"), "problems": problems,
            "stale": stale, "first": first}
