"""Figures of the KPI review: pure functions returning a matplotlib Figure, titles in the report's language."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from workbench import theme
from workbench.kpi import periods as P
from workbench.kpi.labels import kpi_name
from workbench.theme import BAD, GOOD, NEUTRAL, PALETTE, WARN


def _txt(rpt, en: str, zh: str, **values) -> str:
    """A sentence in the report's language as plain text (figures are not HTML)."""
    return html.unescape(rpt.text(en, zh, **values))


def _lvl(rpt, level: str) -> str:
    """A level's name inside a sentence (lower case in English)."""
    t = rpt.t(level)
    return t if rpt.lang == "zh" else t.lower()


LIGHT_COLOURS = {"green": GOOD, "amber": WARN, "red": BAD, "grey": "#dddddd"}


def _empty(ax, rpt, en="Nothing to show.", zh="没有可显示的内容。"):
    ax.text(0.5, 0.5, _txt(rpt, en, zh), ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def attainment_heatmap(att: pd.DataFrame, rpt, kpi: str = "revenue", level: str = "region", periods: int = 12):
    """Keys x periods coloured by traffic light, attainment written in each cell."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    d = att.loc[(att["kpi"] == kpi) & (att["level"] == level)]
    per = sorted(d["period"].unique())[-periods:]
    d = d.loc[d["period"].isin(per)]
    keys = sorted(d["key"].unique())
    fig, ax = plt.subplots(figsize=(max(6, 0.62 * len(per) + 2), 0.42 * max(len(keys), 2) + 1.4))
    if d.empty:
        _empty(ax, rpt)
        return fig
    codes = {"grey": 0, "red": 1, "amber": 2, "green": 3}
    grid = d.pivot_table(index="key", columns="period", values="light", aggfunc="first").reindex(index=keys, columns=per)
    vals = d.pivot_table(index="key", columns="period", values="attainment", aggfunc="first").reindex(index=keys, columns=per)
    z = grid.apply(lambda c: c.map(codes)).fillna(0).to_numpy(dtype=float)
    ax.imshow(z, cmap=ListedColormap([LIGHT_COLOURS[k] for k in ("grey", "red", "amber", "green")]), vmin=0, vmax=3,
              aspect="auto")
    for i in range(len(keys)):
        for j in range(len(per)):
            v = vals.iat[i, j]
            if pd.notna(v):
                ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=7.5, color="black")
    ax.set_xticks(range(len(per)), [p[2:] for p in per], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(keys)), keys, fontsize=9)
    ax.grid(False)
    ax.set_title(_txt(rpt, "{kpi} attainment by {level} and period", "按{level}和期间的{kpi}达成率",
                          kpi=kpi_name(rpt, kpi), level=_lvl(rpt, level)))
    return fig


def gap_split(gap: pd.DataFrame, rpt):
    """Per key: the gap against target split into volume (vs plan), price and mix."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.5 * max(len(gap), 2) + 1.4))
    if gap.empty or gap["gap_vs_target"].isna().all():
        _empty(ax, rpt)
        return fig
    g = gap.loc[gap["gap_vs_target"].notna()].sort_values("gap_vs_target")
    y = np.arange(len(g))
    parts = [("volume_vs_target", PALETTE[0]), ("price", PALETTE[1]), ("mix", PALETTE[2])]
    pos = np.zeros(len(g))
    neg = np.zeros(len(g))
    for col, colour in parts:
        v = g[col].to_numpy(dtype=float) / 1e3
        left = np.where(v >= 0, pos, neg)
        ax.barh(y, v, left=left, color=colour, label=rpt.t(col), height=0.6)
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)
    ax.scatter(g["gap_vs_target"] / 1e3, y, color="black", zorder=3, s=18, label=rpt.t("gap_vs_target"))
    ax.axvline(0, color=NEUTRAL, lw=1)
    ax.set_yticks(y, g["key"])
    unit = "元" if rpt.currency.upper() in ("CNY", "RMB") else rpt.currency
    ax.set_xlabel(_txt(rpt, "thousand {cur}", "千{unit}", cur=rpt.currency, unit=unit))
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(_txt(rpt, "Gap to revenue target: volume, price, mix", "收入目标差距拆解：销量、价格、结构"))
    return fig


def forecast_bars(fc: pd.DataFrame, rpt, level: str = "region"):
    """Expected attainment at period end with its interval, coloured by light, P(hit) written beside."""
    import matplotlib.pyplot as plt

    d = fc.loc[(fc["level"] == level) & fc["target"].notna() & fc["forecast_mean"].notna()]
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(d), 2) + 1.4))
    if d.empty:
        _empty(ax, rpt)
        return fig
    d = d.sort_values("expected_attainment")
    y = np.arange(len(d))
    t = d["target"].to_numpy(dtype=float)
    mean = d["forecast_mean"].to_numpy(dtype=float) / t
    lo = d["forecast_low"].to_numpy(dtype=float) / t
    hi = d["forecast_high"].to_numpy(dtype=float) / t
    ax.barh(y, mean * 100, color=[LIGHT_COLOURS.get(c, NEUTRAL) for c in d["light"]], height=0.6)
    ax.errorbar(mean * 100, y, xerr=theme.error_bars(mean * 100, lo * 100, hi * 100), fmt="none", ecolor="black", lw=1)
    ax.barh(y, d["actual_to_date"].to_numpy(dtype=float) / t * 100, color="none", edgecolor="black", hatch="//",
            height=0.6, lw=0.5, label=rpt.t("actual_to_date"))
    for yi, (h, p) in enumerate(zip(hi, d["p_hit"], strict=True)):
        ax.text(h * 100 + 1, yi, f"P={p:.0%}" if pd.notna(p) else "", va="center", fontsize=8)
    ax.axvline(100, color="black", lw=1, ls="--")
    ax.set_yticks(y, d["key"].replace("", rpt.t("company")))
    ax.set_xlabel(rpt.t("expected_attainment") + " (%)")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(_txt(rpt, "Will {level}s hit the {period} target? (standing on {cutoff})",
                          "各{level}能否完成 {period} 目标？（基准日 {cutoff}）", level=_lvl(rpt, level),
                          period=str(d["period"].iloc[0]), cutoff=pd.Timestamp(d["cutoff"].iloc[0]).date().isoformat()))
    return fig


def reliability(rel: pd.DataFrame, scores: pd.DataFrame, rpt):
    """Predicted vs observed share won per probability bin, with Wilson intervals and counts."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 5))
    if rel.empty:
        _empty(ax, rpt)
        return fig
    ax.plot([0, 1], [0, 1], color=NEUTRAL, ls="--", lw=1)
    ax.errorbar(rel["predicted"], rel["observed"], yerr=theme.error_bars(rel["observed"], rel["ci_low"], rel["ci_high"]),
                fmt="o", color=PALETTE[0], capsize=3)
    for x, y, n in zip(rel["predicted"], rel["observed"], rel["n"], strict=True):
        ax.annotate(f"n={int(n)}", (x, y), textcoords="offset points", xytext=(6, -10), fontsize=7.5)
    b = scores.iloc[0]["brier"] if len(scores) else np.nan
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(rpt.t("predicted"))
    ax.set_ylabel(rpt.t("observed"))
    ax.set_title(_txt(rpt, "Reliability of learned win probabilities (Brier {b})",
                          "赢单概率可靠性（Brier {b}）", b=f"{b:.3f}"))
    return fig


def control_chart(points: pd.DataFrame, rpt, title: str, kind: str, signals: pd.DataFrame | None = None,
                  actions: pd.DataFrame | None = None, level: str | None = None, key: str | None = None):
    """A control chart: values, centre line and frozen limits, signalled points in red, actions as lines."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    x = np.arange(len(points))
    v = points["p" if kind != "XmR" else "x"].to_numpy(dtype=float)
    judged = points["judged"].to_numpy(dtype=bool)
    ax.plot(x, v, color=PALETTE[0], marker="o", ms=4, lw=1.2, zorder=2)
    ax.scatter(x[~judged], v[~judged], facecolor="white", edgecolor=PALETTE[0], zorder=3, s=22,
               label=_txt(rpt, "not judged (immature)", "未判定（未成熟）"))
    ax.step(x, points["ucl"], where="mid", color=BAD, lw=1, ls="--")
    ax.step(x, points["lcl"], where="mid", color=BAD, lw=1, ls="--")
    ax.plot(x, points["center"], color="black", lw=1)
    months = list(points["month"])
    if signals is not None and len(signals):
        for _, s in signals.iterrows():
            if s["first_period"] in months and s["last_period"] in months:
                i0, i1 = months.index(s["first_period"]), months.index(s["last_period"])
                ax.scatter(x[i0:i1 + 1], v[i0:i1 + 1], color=BAD, zorder=4, s=26)
    if actions is not None and level is not None and len(actions):
        a = actions.loc[(actions.get("level") == level) & (actions.get("key").astype("str") == str(key))]
        for _, r in a.iterrows():
            lab = P.month_label(int(P.month_of(pd.Series([r["start_date"]]))[0]))
            if lab in months:
                i = months.index(lab)
                ax.axvline(i, color=PALETTE[2], lw=1.5)
                ax.text(i + 0.1, ax.get_ylim()[1], str(r["action_id"]), color=PALETTE[2], va="top", fontsize=8)
    step = max(1, len(months) // 12)
    ax.set_xticks(x[::step], [m[2:] for m in months[::step]], rotation=45, ha="right", fontsize=8)
    if kind != "XmR":
        ax.yaxis.set_major_formatter(lambda y, _: f"{y:.0%}")
    else:
        ax.yaxis.set_major_formatter(lambda y, _: f"{y:,.0f}")
    ax.set_title(title)
    if (~judged).any():
        ax.legend(fontsize=8, loc="upper left")
    return fig


def leaderboard(lb: pd.DataFrame, rpt, top: int = 30):
    """Pooled win rate per rep with the raw rate's 95 % interval and the rank interval as labels."""
    import matplotlib.pyplot as plt

    d = lb.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.3 * max(len(d), 3) + 1.3))
    if d.empty:
        _empty(ax, rpt)
        return fig
    y = np.arange(len(d))
    ax.errorbar(d["win_rate"], y, xerr=theme.error_bars(d["win_rate"], d["win_rate_low"], d["win_rate_high"]),
                fmt="o", color=NEUTRAL, ms=3, lw=1, label=_txt(rpt, "raw rate, 95% interval", "原始赢单率及 95% 区间"))
    ax.scatter(d["win_rate_pooled"], y, color=PALETTE[0], zorder=3, s=22, label=rpt.t("win_rate_pooled"))
    labels = [f"{int(r)} ({int(lo)}–{int(hi)})  {rid} {nm if isinstance(nm, str) else ''}"
              for r, lo, hi, rid, nm in zip(d["rank"], d["rank_low"], d["rank_high"], d["rep_id"], d["name"], strict=True)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(_txt(rpt, "Win-rate leaderboard: rank (90% rank interval)", "赢单率排行榜：名次（90% 名次区间）"))
    return fig


def payout_curve(params, rpt, target: float = 100_000.0):
    """Pay of one rep with a given target as attainment goes from 0 to 250 %, for the plan and each what-if."""
    import matplotlib.pyplot as plt

    from workbench.kpi.incentives import commission
    from workbench.kpi.params import IncentivePlan

    att = np.linspace(0, 2.5, 251)
    fig, ax = plt.subplots(figsize=(7.5, 4))
    plans = {rpt.t("plan"): params.incentive_plan}
    for name, change in params.incentive_what_if.items():
        plans[rpt.t(name)] = IncentivePlan(**{**params.incentive_plan.model_dump(), **change})
    for i, (name, plan) in enumerate(plans.items()):
        pay, _, _ = commission(att * target, np.full(len(att), target), plan)
        ax.plot(att * 100, pay, label=name, color=PALETTE[i % len(PALETTE)], lw=2 if i == 0 else 1.2,
                ls="-" if i == 0 else "--")
    ax.axvline(100, color=NEUTRAL, lw=1)
    ax.set_xlabel(rpt.t("attainment") + " (%)")
    ax.set_ylabel(rpt.t("commission"))
    ax.legend(fontsize=8)
    ax.set_title(_txt(rpt, "Commission of one rep with a target of {t}", "目标为 {t} 时单人提成曲线",
                          t=rpt.fmt.money(target)))
    return fig
