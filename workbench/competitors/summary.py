"""The competitor report's headline: the newest undercut, our share and rank, and the SWOT count."""

from __future__ import annotations

import pandas as pd

from workbench.competitors.base import ALL


def headline(cx, prices=None, share=None, winloss=None, swot=None) -> dict:
    """``{"en": ..., "zh": ..., **values}`` for ``rpt.headline(**headline(...))``.

    Parts, each only when its section is on: the newest undercut (or the count of
    standing ones); our share and rank in the latest period (all regions) and the
    number of share changes beyond noise; win rate of closed leads; SWOT points.
    """
    en, zh, values = [], [], {}
    if prices is not None and prices.ok:
        u = prices.undercuts
        new = u.loc[u["status"].eq("new")].sort_values("since", ascending=False)
        if len(new):
            r = new.iloc[0]
            en.append("{u_comp} has undercut us on {u_cat} since {u_since} (price index {u_idx}, n = {u_n})")
            zh.append("{u_comp} 自 {u_since} 起在{u_cat}上低价竞争（价格指数 {u_idx}，n = {u_n}）")
            values.update(u_comp=r["competitor"], u_cat=r["category"], u_since=f"{r['since']:%Y-%m-%d}",
                          u_idx=f"{r['price_index']:.1f}", u_n=int(r["n_obs"]))
        elif len(u):
            en.append("{u_k} competitor categories priced below ours")
            zh.append("{u_k} 个竞品品类定价低于本公司")
            values.update(u_k=len(u))
        else:
            en.append("no competitor undercuts us")
            zh.append("没有竞品低价竞争")
    if share is not None and share.ok and share.own:
        t = share.table
        us = t.loc[t["is_us"] & t["region"].eq(ALL) & t["period"].eq(share.latest)]
        if len(us):
            r = us.iloc[0]
            flagged = int(t["beyond_noise"].sum())
            en.append("our market share {s_share} (rank {s_rank}) in {s_period}, {s_flag} change(s) beyond noise")
            zh.append("{s_period} 本公司市场份额 {s_share}（排名第 {s_rank}），{s_flag} 处变化超出噪声")
            values.update(s_share=f"{100 * r['share']:.1f}%", s_rank=int(r["rank"]), s_period=share.latest,
                          s_flag=flagged)
    if winloss is not None and winloss.ok and pd.notna(winloss.overall_rate):
        en.append("win rate {w_rate} of {w_n} closed leads")
        zh.append("已结束线索 {w_n} 条，赢单率 {w_rate}")
        values.update(w_rate=f"{100 * winloss.overall_rate:.1f}%", w_n=winloss.n_closed)
    if swot is not None and swot.ok:
        en.append("{k_swot} SWOT points")
        zh.append("SWOT 要点 {k_swot} 条")
        values.update(k_swot=len(swot.table))
    if not en:
        return {"en": "No competitor data to analyse.", "zh": "没有可分析的竞品数据。"}
    text_en = "; ".join(en)
    return {"en": text_en[0].upper() + text_en[1:] + ".", "zh": "；".join(zh) + "。", **values}
