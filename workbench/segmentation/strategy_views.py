"""The segmentation report's strategy sections: tier migration, the playbook, the CRM list and
the CRM's own import layouts.

Views as in :mod:`workbench.segmentation.views` (report first, the section's result tables saved
through :meth:`workbench.reporting.Report.table`, one HTML block returned), with its helpers.
"""

from __future__ import annotations

import pandas as pd

from workbench.reporting import count
from workbench.segmentation import clusters as clusters_mod
from workbench.segmentation import plots, strategy
from workbench.segmentation.labels import HEADER_KEYS, code_label
from workbench.segmentation.labels import name as label_name
from workbench.segmentation.params import SegmentationParams
from workbench.segmentation.prepare import Prepared
from workbench.segmentation.views import NO_DATA, _caption, _join, _problem_note, show_table


def show_migration(report, prep: Prepared, value: pd.DataFrame, params: SegmentationParams):
    """The ``tier_transitions`` table, its matrix and how many top-tier customers slipped or grew."""
    if not prep.ok:
        report.save(pd.DataFrame(columns=strategy.TRANSITION_COLUMNS), "tier_transitions")
        return report.note(*NO_DATA)
    trans, problem = strategy.tier_migration(prep, value, params)
    if problem is not None:
        report.save(pd.DataFrame(columns=strategy.TRANSITION_COLUMNS), "tier_transitions")
        return _problem_note(report, problem)
    top = params.tier_names[0]
    was_top = trans.loc[trans["previous_tier"] == top]
    slipped = int(was_top.loc[was_top["movement"] == "down", "customers"].sum())
    grew = int(trans.loc[trans["movement"] == "up", "customers"].sum())
    down = int(trans.loc[trans["movement"] == "down", "customers"].sum())
    new_top = int(trans.loc[(trans["previous_tier"] == "(new)") & (trans["current_tier"] == top), "customers"].sum())
    parts = [report.say(
        "Compared with {prev} ({days} days earlier, same rules on the data known then): {slipped} of {was} "
        "customers of the top value tier ({tier}) slipped to a lower tier; {grew} customers moved up a value tier and "
        "{down} moved down; {new_top} customers without a purchase by then are already in the top tier.",
        "与 {prev}（{days} 天前，按相同规则和当时已知的数据）相比：最高价值层级（{tier_zh}）的 {was} 个客户中有 {slipped} "
        "个降到更低层级；{grew} 个客户价值层级上升，{down} 个下降；当时尚无购买的客户中已有 {new_top} 个进入最高层级。",
        prev=trans.attrs["previous_date"], days=params.migration_days, slipped=slipped,
        was=int(was_top["customers"].sum()), tier=label_name("tier", top, "en"), tier_zh=label_name("tier", top, "zh"),
        grew=grew, down=down, new_top=new_top)]
    if trans.attrs.get("value_only"):
        parts.append(report.note("Both periods are tiered on current value alone (no CLV model at one of the dates).",
                                 "两期均仅按当前价值划分价值层级（其中一期无法建立 CLV 模型）。"))
    moves = trans.loc[trans["movement"] != "same"].sort_values(["customers", "previous_tier"],
                                                                ascending=[False, True])
    parts += [report.figure(plots.plot_transitions(trans, params.tier_names, report)),
              show_table(report, trans, name="tier_transitions", shown=moves,
                         caption=_caption(report, "The largest moves between value tiers (the matrix above shows every "
                                             "transition).", "价值层级之间人数最多的变动（上方矩阵显示全部迁移）。"))]
    return _join(*parts)


def show_playbook(report, plays: pd.DataFrame, params: SegmentationParams):
    """One row per play: who it applies to, how many customers and the value at stake."""
    if plays.empty:
        return report.note(*NO_DATA)
    tab = strategy.strategy_table(plays, params)
    shown = tab.copy()
    lang = report.lang
    if lang == "zh":
        shown["action"] = shown["action_zh"]
    colon, comma = ("：", "、") if lang == "zh" else (": ", ", ")
    rules = []
    for p in params.playbook:
        cond = [f"{report.t(HEADER_KEYS.get(k, k))}{colon}{comma.join(code_label(report, k, v) for v in p[k])}"
                for k in ("tier", "potential", "rfm_segment") if k in p]
        rules.append(" · ".join(cond) if cond else ("其余客户" if lang == "zh" else "everyone else"))
    shown["rule"] = pd.Series(rules + [""] * (len(shown) - len(rules)), index=shown.index)
    return _join(show_table(report, tab, name="strategy", shown=shown, max_rows=len(shown),
                            columns=["play", "customers", "share_customers", "revenue_window", "value_at_stake",
                                     "mean_p_alive"]),
                 show_table(report, shown, name=None, columns=["play", "rule", "action"], max_rows=len(shown),
                            formats={"rule": "text", "action": "text"}),
                 report.say("Each customer gets the first play that matches, in this order. Value at stake = their "
                            "predicted value over {m} months (CLV).",
                            "每个客户按顺序匹配第一条适用的策略。涉及预测价值 = 这些客户未来 {m} 个月的预测价值（CLV）。",
                            m=params.clv_horizon_months))


def show_crm_export(report, plays: pd.DataFrame, rfm: pd.DataFrame, attrs: pd.DataFrame, cl: clusters_mod.Clusters,
                    params: SegmentationParams):
    """The ``crm_export`` list (one row per customer) for re-import into the CRM."""
    if plays.empty:
        return report.note(*NO_DATA)
    exp = strategy.crm_export(plays, rfm, attrs, cl.labels if cl.ok else None, params)
    preview = exp.groupby("play", sort=False).head(1)
    parts = [show_table(report, exp, name="crm_export", shown=preview, max_rows=len(preview),
                        columns=["customer_id", "name", "rfm_segment", "tier", "play", "clv"],
                        caption=_caption(report, "The most valuable customer of each play.", "每项策略中价值最高的客户。"))]
    parts.append(report.say(
        "The full list ({n} customers) is the full table (CSV, opens in Excel) linked below the table: customer id"
        "{name}, RFM segment, value tier, potential, cluster and play (as codes and as English and Chinese names) and "
        "the recommended action in both languages, ready to import as customer tags. "
        "Filter it by RFM segment or play to get the list for one campaign.",
        "完整名单（{n} 个客户）见表格下方链接的完整数据（CSV，可直接用 Excel 打开）：包含客户编号"
        "{name_zh}、RFM 分群、价值层级、潜力、聚类和策略（代码及中英文名称）以及中英文建议动作，可作为客户标签导入 CRM；"
        "按 RFM 分群或策略筛选即可得到单次活动的名单。",
        n=len(exp),
        name="" if params.mask_pii else ", name", name_zh="" if params.mask_pii else "、客户名称"))
    if params.mask_pii:
        parts.append(report.note("Names are masked in this run, so the list carries customer ids only.",
                                 "本次运行已屏蔽客户名称，名单只包含客户编号。"))
    return _join(*parts)


_NOT_THEIR_IDS = {
    ("zoho", "other_source"): (
        "Zoho CRM: these customer ids are not Zoho Record Ids: the dataset came from {source}. No Zoho import file "
        "is written; match on Account Name instead, or import through the generic list above.",
        "Zoho CRM：这些客户编号不是 Zoho 的记录 ID：数据来自{source}。因此不生成 Zoho 导入文件；请改按客户名称匹配，"
        "或使用上方的通用名单导入。"),
    ("zoho", "no_source"): (
        "Zoho CRM: these customer ids are not Zoho Record Ids: the dataset was not imported from a CRM (it records no "
        "source; made-up data such as the bundled sample, or files written by hand). No Zoho import file is written; "
        "match on Account Name instead, or import through the generic list above.",
        "Zoho CRM：这些客户编号不是 Zoho 的记录 ID：该数据集不是从 CRM 导入的（未记录来源，例如自带的示例数据或手工整理的文件）。"
        "因此不生成 Zoho 导入文件；请改按客户名称匹配，或使用上方的通用名单导入。"),
    ("zoho", "no_crm_ids"): (
        "Zoho CRM: the dataset came from Zoho CRM, but its customer ids are not recorded as Account Record Ids. "
        "No Zoho import file is written; import the Accounts export again with its Record Id, or match on Account "
        "Name.",
        "Zoho CRM：数据来自 Zoho CRM，但客户编号未记录为客户（Accounts）的记录 ID。因此不生成 Zoho 导入文件；"
        "请重新导出包含记录 ID 的客户数据再导入，或按客户名称匹配。"),
    ("fxiaoke", "other_source"): (
        "Fxiaoke (纷享销客): these customer ids are not Fxiaoke 客户编号: the dataset came from {source}. No Fxiaoke "
        "import file is written; match on 客户名称 instead, or import through the generic list above.",
        "纷享销客：这些客户编号不是纷享销客的客户编号：数据来自{source}。因此不生成纷享销客导入文件；请改按客户名称匹配，"
        "或使用上方的通用名单导入。"),
    ("fxiaoke", "no_source"): (
        "Fxiaoke (纷享销客): these customer ids are not Fxiaoke 客户编号: the dataset was not imported from a CRM (it "
        "records no source; made-up data such as the bundled sample, or files written by hand). No Fxiaoke import "
        "file is written; match on 客户名称 instead, or import through the generic list above.",
        "纷享销客：这些客户编号不是纷享销客的客户编号：该数据集不是从 CRM 导入的（未记录来源，例如自带的示例数据或手工整理的文件）。"
        "因此不生成纷享销客导入文件；请改按客户名称匹配，或使用上方的通用名单导入。"),
    ("fxiaoke", "no_crm_ids"): (
        "Fxiaoke (纷享销客): the dataset came from Fxiaoke, but its customers carry no 客户编号 ({what}). No Fxiaoke "
        "import file is written; export the 客户 object again with its 客户编号 column, or match on 客户名称.",
        "纷享销客：数据来自纷享销客，但客户没有客户编号（{what}）。因此不生成纷享销客导入文件；请重新导出包含客户编号列的客户数据，"
        "或按客户名称匹配。"),
}
_ID_WHAT = {
    "_id": ("the ids are Fxiaoke data ids, _id", "现有编号为纷享销客的数据 ID（_id）"),
    None: ("the 客户 export had no id column, so customers are identified by their names",
           "客户导出文件没有编号列，客户以名称识别"),
}


def show_crm_layouts(report, layouts: dict[str, strategy.CrmLayout], params: SegmentationParams):
    """The customer list in Zoho CRM's and Fxiaoke's import layouts, or why a layout is not written.

    The files keep the CRMs' own column headers (not translated) and values in the language of
    ``zoho_lang`` / ``fxiaoke_lang``.
    """
    parts = []
    for crm in ("zoho", "fxiaoke"):
        lay = layouts.get(crm)
        if lay is None or lay.reason == "no_customers":
            continue
        if not lay.ok:
            en, zh = _NOT_THEIR_IDS[(crm, lay.reason)]
            source = code_label(report, "crm_source", lay.source) if lay.source else ""
            what_en, what_zh = _ID_WHAT.get(lay.id_field, _ID_WHAT[None])
            parts.append(report.note(en, zh, source=source, what=what_zh if report.lang == "zh" else what_en))
            continue
        parts.append(_show_layout(report, lay, params))
    return _join(*parts) if parts else None


def _show_layout(report, lay: strategy.CrmLayout, params: SegmentationParams):
    tab = lay.table
    name = f"crm_import_{lay.crm}"
    shown = tab.head(5)
    out = []
    if lay.crm == "zoho":
        out.append(report.say(
            "Zoho CRM: {n} accounts, keyed by the Zoho Record Id they were exported with. Import the full table "
            "(CSV, linked below) in Accounts > Import > update existing accounts, matching on Record Id; map Tag to "
            "Tags (tags separated by ;) and the Workbench columns to custom fields an admin creates once: "
            "Workbench Tier, Workbench Potential, Workbench RFM Segment, Workbench Play, Workbench Action.",
            "Zoho CRM：{n} 个客户，以导出时的 Zoho 记录 ID 为键。请在客户（Accounts）模块中导入下方链接的完整表格（CSV），"
            "选择更新已有记录并按记录 ID 匹配；标签列对应标签字段（多个标签以 ; 分隔），其余列对应管理员预先创建的自定义字段"
            "（字段名见表头）。",
            n=count(len(tab))))
    else:
        sep = "；" if report.lang == "zh" else "; "
        levels = sep.join(f"{code_label(report, 'tier', t)} → {v}" for t, v in params.fxiaoke_levels.items())
        out.append(report.say(
            "Fxiaoke (纷享销客): {n} customers, keyed by their 客户编号. Import the full table (CSV, linked below) "
            "into the 客户 object, updating existing records by 客户编号. 客户级别 from the value tier ({levels}; "
            "parameter fxiaoke_levels), 标签 separated by ;.",
            "纷享销客：{n} 个客户，以客户编号为键。请将下方链接的完整表格（CSV）导入客户对象，选择按客户编号更新已有数据。"
            "客户级别由价值层级对应（{levels}；可在参数中修改），多个标签以 ; 分隔。",
            n=count(len(tab)), levels=levels))
        if lay.unknown_levels:
            out.append(report.note(
                "客户级别 value(s) {levels} of fxiaoke_levels are not among the levels the imported customers carry: "
                "Fxiaoke rejects a level that is not an option of the field. Set fxiaoke_levels to your options.",
                "参数中设置的客户级别 {levels} 不在导入客户现有的级别中：纷享销客会拒绝不属于该字段选项的值，"
                "请按贵司的选项修改参数中的客户级别对应。",
                levels="、".join(lay.unknown_levels)))
        if lay.unmapped_tiers:
            out.append(report.note(
                "Value tier(s) {tiers} have no 客户级别 in fxiaoke_levels: their 客户级别 is left blank.",
                "参数未给价值层级 {tiers} 指定客户级别：其客户级别留空。",
                tiers="、".join(code_label(report, "tier", t) for t in lay.unmapped_tiers)))
    if lay.left_out:
        out.append(report.note(
            "{k} customer(s) have no id the CRM can match (known only from an opportunity or order, or an id "
            "masked because it looked like personal data) and are not in the file.",
            "{k} 个客户没有可供 CRM 匹配的编号（只出现在商机或订单中，或编号形似个人信息已被屏蔽），未写入该文件。",
            k=count(lay.left_out)))
    out.append(report.table(tab, name, shown=shown, max_rows=len(shown), formats={c: "text" for c in tab.columns},
                            caption=_caption(report, "The first rows; the headers are the CRM's own field names.",
                                             "前几行；表头为该 CRM 的字段名，不作翻译。")))
    if params.mask_pii:
        out.append(report.note(
            "Names are masked in this run, so the name column is empty: leave it unmapped in the CRM's import.",
            "本次运行已屏蔽客户名称，名称列为空：在 CRM 导入时不要映射该列。"))
    return _join(*out)
