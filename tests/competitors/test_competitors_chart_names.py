"""Names from the data are text in charts, never TeX: ``A$ Partner #1 $`` must not crash a chart and
``$\\sqrt{x}$ Store`` must not render as a square root (theme.apply turns matplotlib's math parsing off)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from workbench import theme
from workbench.competitors import features, plots, share, winloss
from workbench.feedback import nps
from workbench.feedback import plots as fplots

NAMES = ["A$ Partner #1 $", "$\\sqrt{x}$ Store", "星辰智能"]


class _Rpt:
    def __init__(self, lang):
        self.lang = lang


def _drawn(fig):
    """Render the figure (TeX parsing would happen here) and return every text it holds."""
    fig.canvas.draw()
    out = []
    for ax in fig.axes:
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() + ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    plt.close(fig)
    return out


@pytest.fixture(params=["en", "zh"])
def lang(request):
    theme.apply(request.param)
    assert plt.rcParams["text.parse_math"] is False
    return request.param


def test_feature_charts_keep_names(lang):
    rows = [(c, d, s) for c in NAMES for d, s in (("price", 7.0), ("quality", 6.0), ("$x$ speed", 5.0))]
    tbl = features.feature_table(pd.DataFrame(rows, columns=["competitor", "dimension", "score"]), NAMES[2])
    fa = features.FeatureAnalysis(table=tbl, own=NAMES[2],
                                  matrix=tbl.pivot(index="competitor", columns="dimension", values="score"))
    for fig in (plots.feature_heatmap(fa, _Rpt(lang)), plots.feature_radar(fa, _Rpt(lang))):
        texts = _drawn(fig)
        assert set(NAMES) <= set(texts)
        assert "$x$ speed" in texts  # an unknown dimension is shown as the data spells it
        assert ("质量" in texts) if lang == "zh" else ("quality" in texts)  # our own words are translated


def test_share_and_win_rate_charts_keep_names(lang):
    ms = pd.DataFrame([(p, c, s) for p in ("2026-Q1", "2026-Q2") for c, s in zip(NAMES, (100, 80, 120), strict=True)],
                      columns=["period", "competitor", "sales"])
    tbl, _ = share.flag_changes(share.shares(ms, NAMES[2]), 4, 0.1)
    sa = share.ShareAnalysis(table=tbl, own=NAMES[2])
    assert set(NAMES) <= {t.split(" (")[0] for t in _drawn(plots.share_lines(sa, _Rpt(lang)))}
    closed = pd.DataFrame({"status": ["won", "lost"] * 30, "competitor": (NAMES[:2] * 30)})
    wl = winloss.WinLossAnalysis(table=winloss.win_rates(closed, 10), overall_rate=0.5)
    labels = _drawn(plots.win_rates(wl, _Rpt(lang), "none"))
    assert {"A$ Partner #1 $ (n = 30)", "$\\sqrt{x}$ Store (n = 30)"} <= set(labels)


def test_feedback_chart_keeps_names(lang):
    r = pd.DataFrame({"nps": np.tile([10.0, 9, 7, 3], 30), "channel": NAMES[0], "overall": "all"})
    r.loc[60:, "channel"] = NAMES[1]
    r["nps_group"] = nps.nps_group(r["nps"])
    t = nps.nps_table(r, ["overall", "channel"], 30)
    labels = _drawn(fplots.nps_by_group(t, "channel", _Rpt(lang)))
    assert {"A$ Partner #1 $ (n = 60)", "$\\sqrt{x}$ Store (n = 60)"} <= set(labels)
