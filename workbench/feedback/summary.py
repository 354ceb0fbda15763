"""The market feedback report's headline: overall NPS, the lowest channel, CSAT and the follow-ups."""

from __future__ import annotations


def headline(scores, comments=None) -> dict:
    """``{"en": ..., "zh": ..., **values}`` for ``rpt.headline(**headline(...))``.

    The lowest channel is the one with the lowest NPS among channels with enough responses. When the
    whole survey has fewer than ``min_responses`` answers, the headline says so instead of an estimate.
    """
    en, zh, v = [], [], {}
    if scores.ok and scores.nps_ok:
        o = scores.nps.loc[scores.nps["dimension"].eq("overall")].iloc[0]
        if o["insufficient"]:
            en.append("too few responses for an NPS (n = {n})")
            zh.append("NPS 样本不足（n = {n}）")
            v.update(n=int(o["n"]))
        else:
            en.append("NPS {nps} (95% CI {lo} to {hi}, n = {n})")
            zh.append("NPS {nps}（95% 区间 {lo} 至 {hi}，n = {n}）")
            v.update(nps=f"{o['nps']:.1f}", lo=f"{o['ci_low']:.1f}", hi=f"{o['ci_high']:.1f}", n=int(o["n"]))
        ch = scores.nps.loc[scores.nps["dimension"].eq("channel") & ~scores.nps["insufficient"].astype(bool)]
        if len(ch) > 1:
            w = ch.sort_values("nps").iloc[0]
            en.append("lowest channel {ch}: NPS {ch_nps} (n = {ch_n})")
            zh.append("最低渠道 {ch}：NPS {ch_nps}（n = {ch_n}）")
            v.update(ch=w["group"], ch_nps=f"{w['nps']:.1f}", ch_n=int(w["n"]))
    if scores.ok and scores.csat_ok:
        o = scores.csat.loc[scores.csat["dimension"].eq("overall")].iloc[0]
        if o["insufficient"]:
            en.append("too few responses for a mean CSAT (n = {csat_n})")
            zh.append("满意度样本不足（n = {csat_n}）")
        else:
            en.append("mean CSAT {csat} of 5 (n = {csat_n})")
            zh.append("平均满意度 {csat}/5（n = {csat_n}）")
            v.update(csat=f"{o['mean_csat']:.2f}")
        v.update(csat_n=int(o["n"]))
    if comments is not None and comments.ok:
        en.append("{k} complaints to follow up")
        zh.append("待跟进投诉 {k} 条")
        v.update(k=len(comments.follow_ups))
    if not en:
        return {"en": "No feedback scores to analyse.", "zh": "没有可分析的反馈评分。"}
    text_en = "; ".join(en)
    return {"en": text_en[0].upper() + text_en[1:] + ".", "zh": "；".join(zh) + "。", **v}
