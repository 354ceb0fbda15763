"""The house plotting theme: one look for every figure, CJK glyphs included.

The Chinese font (Noto Sans CJK SC, SIL Open Font License) comes from the
``mplfonts`` package, a declared dependency, so a fresh ``make reports`` renders
Chinese labels without any system font: no boxes.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import matplotlib
import matplotlib.font_manager as fm
import seaborn as sns

log = logging.getLogger(__name__)
# "findfont: Failed to find font weight bold" would print into reports; one regular weight is by design.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

CJK_FAMILY = "Noto Sans CJK SC"
LATIN_FAMILY = "DejaVu Sans"
# Colour-blind-safe palette (Okabe-Ito), first colour for "us" / the focus series.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GOOD, WARN, BAD, NEUTRAL = "#009E73", "#E69F00", "#D55E00", "#999999"


@cache
def cjk_font_path() -> Path:
    """Path of the bundled Noto Sans CJK SC font, registered with matplotlib."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.exists():  # pragma: no cover - only if the mplfonts wheel changes layout
        raise FileNotFoundError(f"CJK font not found at {path}; reinstall the 'mplfonts' package")
    fm.fontManager.addfont(str(path))
    return path


def apply(lang: str = "en") -> None:
    """Set the house theme; Chinese reports put the CJK font first, English ones fall back to it."""
    cjk_font_path()
    families = [CJK_FAMILY, LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, CJK_FAMILY]
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=PALETTE,
        rc={
            "font.family": families,
            "axes.unicode_minus": False,
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "figure.figsize": (8, 4.2),
            "axes.titleweight": "normal",  # the bundled CJK font has one weight
            "axes.titlepad": 10,
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            # names from the data ("A$ Partner $", "$\\sqrt{x}$ Store") are text, never TeX
            "text.parse_math": False,
        },
    )
    try:  # inline PNGs embed in the HTML: the report reads offline
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except ImportError:  # pragma: no cover - outside IPython
        pass
    matplotlib.rcParams["font.family"] = families


def error_bars(value, low, high):
    """``[value - low, high - value]`` for matplotlib's ``xerr``/``yerr``, clipped at 0: an interval
    bound that a rounding error puts on the wrong side of its estimate must not break a figure."""
    import numpy as np

    value, low, high = (np.asarray(v, dtype=float) for v in (value, low, high))
    return [np.maximum(value - low, 0), np.maximum(high - value, 0)]
