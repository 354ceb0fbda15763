"""What comments say, in Chinese and English: themes, their share among detractors and promoters,
example verbatims, and the complaints that need a follow-up.

How a comment is read
---------------------
1. Its language is told from its script: Chinese characters -> ``zh``; Latin
   letters with at least one common English word -> ``en``; kana, hangul,
   Cyrillic, Arabic, Thai, Devanagari or Latin text without an English word
   (French, Spanish ...) -> ``other``; blank -> ``empty``. ``other`` and ``empty``
   comments are counted in a note and not themed.
2. Chinese comments are segmented with jieba (a maintained Chinese word
   segmenter, its own :class:`jieba.Tokenizer` so the global one is untouched),
   in search mode (``cut_for_search``, which also yields the words inside a long
   word: 价格合理 -> 价格, 合理) and without the HMM (theme words are dictionary
   words; the HMM only guesses unknown ones). A theme is mentioned when a token is
   one of its words. Comments are cut into clauses at punctuation first (no word
   spans a comma), and only the distinct clauses containing a theme word as a
   substring are segmented: a fast pre-filter, after which segmentation rejects
   substrings that are not words (价 inside 评价).
3. English comments are lower-cased and matched against each theme's regular
   expressions on word boundaries (``deliver\\w*`` matches delivered, delivery).

The lexicons are :data:`THEMES` (extend them with ``theme_words`` in params; a new
key adds a theme). A comment can mention several themes.

Tables
------
``comment_themes``
    per theme: mentions, the share of commented responses mentioning it among
    detractors and among promoters, the difference with its 95% Newcombe
    interval and Fisher's exact p-value (Holm-adjusted over the themes), and
    example verbatims. When detractors or promoters have fewer than
    ``min_responses`` commented responses, their share and the difference are
    left out (``insufficient``).
``follow_ups``
    responses of the last ``follow_up_days`` days with a comment and an NPS of
    at most ``follow_up_max_nps`` or a CSAT of at most ``follow_up_max_csat``,
    lowest score and most recent first, with their themes and whether the
    customer can be contacted (a ``customer_id``).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from workbench.feedback.labels import GROUP_LABELS, LANG_LABELS
from workbench.reporting import Notes as Section

log = logging.getLogger(__name__)

THEMES: dict[str, dict] = {
    "delivery": {
        "label": ("delivery", "物流配送"),
        "zh": ["物流", "快递", "快递员", "配送", "发货", "到货", "送货", "包装", "外箱", "破损", "延误", "运输",
               "签收"],
        "en": [r"deliver\w*", r"ship(ped|ping|ment)?", r"courier", r"arriv\w*", r"packag\w*", r"pack(ed|ing)",
               r"box(es)?", r"parcel", r"dispatch\w*", r"logistics"],
    },
    "price": {
        "label": ("price", "价格"),
        "zh": ["价格", "价钱", "便宜", "贵", "降价", "涨价", "保价", "报价", "优惠", "折扣", "性价比", "划算",
               "实惠", "促销", "活动", "续约"],
        "en": [r"pric(e|es|ed|ing)", r"expensive", r"overpriced", r"cheap\w*", r"discount\w*", r"value for money",
               r"deal", r"quote[sd]?", r"cost(s|ly)?"],
    },
    "after_sales": {
        "label": ("after-sales", "售后"),
        "zh": ["售后", "客服", "退货", "换货", "退换", "保修", "维修", "工单", "退款", "推诿", "配件"],
        "en": [r"after[- ]?sales?", r"support", r"return(s|ed)?", r"exchang\w*", r"warrant\w*", r"refund\w*",
               r"repair\w*", r"customer service"],
    },
    "quality": {
        "label": ("product quality", "产品质量"),
        "zh": ["质量", "做工", "识别", "指纹", "续航", "电池", "断网", "离线", "画质", "夜视", "故障", "避障",
               "清扫", "灵敏", "失灵", "耐用", "卡顿"],
        "en": [r"quality", r"build", r"batter(y|ies)", r"wi-?fi", r"offline", r"fingerprints?", r"camera",
               r"image", r"night vision", r"recogni[sz]\w*", r"obstacles?", r"clean(s|ed|ing)?", r"defect\w*",
               r"broke(n)?", r"faulty", r"reliab\w*", r"app"],
    },
    "installation": {
        "label": ("installation", "安装"),
        "zh": ["安装", "师傅", "装好", "预约", "上门安装"],
        "en": [r"install\w*", r"technician", r"set ?up"],
    },
    "service": {
        "label": ("sales service", "销售服务"),
        "zh": ["销售", "推销", "电话", "顾问", "回访", "赠品", "承诺", "下单"],
        "en": [r"sales? calls?", r"calls?", r"advisor", r"phone", r"follow-up", r"gift", r"promised", r"told",
               r"sales ?(person|rep)", r"ordering"],
    },
}
"""Theme lexicons: a label (en, zh), Chinese words (matched as jieba tokens) and English regular
expressions (matched on word boundaries of the lower-cased text)."""

EN_FUNCTION_WORDS = (r"\b(?:the|and|is|was|were|to|a|an|it|of|for|not|very|too|my|i|we|our|in|on|with|but|no|"
                     r"this|that|so|good|great|bad|fast|slow|late|nice|poor|would|could|did|does)\b")
_OTHER_SCRIPTS = r"[\u3040-\u30ff\uac00-\ud7af\u0400-\u04ff\u0600-\u06ff\u0e00-\u0e7f\u0900-\u097f]"
_CJK = r"[\u4e00-\u9fff]"
_CLAUSE_BREAK = r"[，。！？；：、,.!?;:\s…（）()【】\[\]《》“”\"'‘’~～]+"
_LATIN = r"[A-Za-z]"
ZH_STOPWORDS = set("的 了 是 很 也 就 都 和 还 又 在 有 我 我们 你 他 她 它 这 那 不 没 没有 太 给 说 要 能 会 一个 "
                   "比 更 多 才 让 被 把 及 与 或 等 着 吗 吧 呢 啊 好".split())
EN_STOPWORDS = set("the and is was were to a an it of for not very too my i we our in on with but no this that so "
                   "me you they he she be been have has had did does would could than then there their at by as "
                   "from after before all any more most much only own same just can will".split())

THEME_COLUMNS = ["theme", "label_en", "label_zh", "mentions", "share_all", "n_detractors", "share_detractors",
                 "n_promoters", "share_promoters", "diff", "diff_low", "diff_high", "p_value", "p_adjusted",
                 "insufficient", "examples"]
THEME_SHOWN = ["label", "mentions", "share_all", "share_detractors", "share_promoters", "diff", "diff_low",
               "diff_high", "p_adjusted"]
VERBATIM_COLUMNS = ["theme", "label", "nps_group", "date", "channel", "nps", "comment"]
FOLLOW_COLUMNS = ["priority", "response_id", "date", "customer_id", "channel", "nps", "csat", "themes", "comment",
                  "contactable"]


@dataclass
class CommentAnalysis(Section):
    """Languages, theme flags and the theme, verbatim and follow-up tables."""

    languages: pd.DataFrame = field(default_factory=pd.DataFrame)
    flags: pd.DataFrame = field(default_factory=pd.DataFrame)  # one bool column per theme, response index
    themes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=THEME_COLUMNS))
    verbatims: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VERBATIM_COLUMNS))
    follow_ups: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FOLLOW_COLUMNS))
    unthemed_terms: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["term", "lang", "count"]))
    labels: dict = field(default_factory=dict)
    readable: pd.Series = field(default_factory=lambda: pd.Series(dtype=bool))  # a zh or en comment


# ----------------------------------------------------------------------------- lexicons and language


def lexicon(extra: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """:data:`THEMES` plus ``extra`` words (``{theme: [word, ...]}``): a word with a Chinese character joins
    the Chinese list, any other word the English regular expressions; a new theme is added."""
    out = {k: {"label": v["label"], "zh": list(v["zh"]), "en": list(v["en"])} for k, v in THEMES.items()}
    for theme, words in (extra or {}).items():
        entry = out.setdefault(theme, {"label": (theme, theme), "zh": [], "en": []})
        for w in words:
            w = str(w).strip()
            (entry["zh"] if re.search(_CJK, w) else entry["en"]).append(w if re.search(_CJK, w) else w.lower())
    return out


def _non_capturing(pattern: str) -> str:
    """``(ed|ing)`` -> ``(?:ed|ing)``: pandas warns about capturing groups in ``str.contains``."""
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


def detect_language(comments: pd.Series) -> pd.Series:
    """``zh``, ``en``, ``other`` or ``empty`` per comment (see the module docstring)."""
    text = comments.astype("str").fillna("")
    blank = text.str.strip().eq("") | comments.isna()
    other_script = text.str.contains(_OTHER_SCRIPTS, regex=True)
    cjk = text.str.contains(_CJK, regex=True)
    latin = text.str.contains(_LATIN, regex=True)
    english = text.str.lower().str.contains(EN_FUNCTION_WORDS, regex=True)
    lang = np.select([blank, other_script, cjk, latin & english], ["empty", "other", "zh", "en"], default="other")
    return pd.Series(lang, index=comments.index, dtype="str")


@cache
def _tokenizer(words: tuple[str, ...]):
    """A private jieba tokenizer with the theme words in its dictionary (built once per lexicon)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict ..." to stderr at DEBUG
    tk = jieba.Tokenizer()
    tk.initialize()
    for w in words:
        tk.add_word(w, freq=50_000)
    return tk


def segment(texts, words: tuple[str, ...] = ()) -> list[list[str]]:
    """jieba search-mode tokens of each text (no HMM), with ``words`` added to the dictionary."""
    tk = _tokenizer(tuple(sorted(set(words))))
    return [tk.lcut_for_search(t, HMM=False) for t in texts]


def tag_themes(comments: pd.Series, lang: pd.Series, lex: dict[str, dict]) -> pd.DataFrame:
    """One bool column per theme: does the comment mention it (``zh`` and ``en`` comments only)."""
    flags = pd.DataFrame(False, index=comments.index, columns=list(lex))
    text = comments.astype("str").fillna("")
    en = lang.eq("en")
    if en.any():
        low = text[en].str.lower()
        for theme, entry in lex.items():
            if entry["en"]:
                pat = r"\b(?:" + "|".join(f"(?:{_non_capturing(p)})" for p in entry["en"]) + r")\b"
                flags.loc[en, theme] = low.str.contains(pat, regex=True).to_numpy()
    zh = lang.eq("zh")
    words = tuple(w for entry in lex.values() for w in entry["zh"])
    if zh.any() and words:
        union = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
        # Segment clause by clause: a word never spans punctuation, and clauses repeat across comments
        # far more than whole comments do, so each distinct clause holding a theme word is cut once.
        clauses = text[zh].str.split(_CLAUSE_BREAK, regex=True).explode()
        clauses = clauses[clauses.str.contains(union, regex=True).fillna(False).astype(bool)]
        if len(clauses):
            uniq = pd.unique(clauses.to_numpy())
            sets = {theme: set(entry["zh"]) for theme, entry in lex.items()}
            hit = pd.DataFrame([[bool(sets[t].intersection(tok)) for t in lex] for tok in segment(uniq, words)],
                               index=uniq, columns=list(lex))
            got = (pd.DataFrame(hit.reindex(clauses.to_numpy()).to_numpy(dtype=bool), index=clauses.index,
                                columns=list(lex)).groupby(level=0).any())
            flags.loc[got.index] = flags.loc[got.index].to_numpy() | got.to_numpy()
    return flags


# ----------------------------------------------------------------------------- tables


def theme_table(resp: pd.DataFrame, lang: pd.Series, flags: pd.DataFrame, lex: dict[str, dict],
                verbatims: pd.DataFrame | None = None, min_responses: int = 30) -> pd.DataFrame:
    """The ``comment_themes`` table (see the module docstring)."""
    readable = lang.isin(["zh", "en"])
    det = readable & resp["nps_group"].eq("detractor")
    pro = readable & resp["nps_group"].eq("promoter")
    n_all, n_det, n_pro = int(readable.sum()), int(det.sum()), int(pro.sum())
    few_det, few_pro = n_det < min_responses, n_pro < min_responses
    rows = []
    for theme in lex:
        f = flags[theme]
        a, b = int((f & det).sum()), int((f & pro).sum())
        sd = a / n_det if not few_det else np.nan
        sp = b / n_pro if not few_pro else np.nan
        if not (few_det or few_pro):
            lo, hi = confint_proportions_2indep(a, n_det, b, n_pro, method="newcomb", compare="diff")
            p = stats.fisher_exact([[a, n_det - a], [b, n_pro - b]])[1]
        else:
            lo = hi = p = np.nan
        rows.append((theme, lex[theme]["label"][0], lex[theme]["label"][1], int((f & readable).sum()),
                     (f & readable).sum() / n_all if n_all else np.nan, n_det, sd, n_pro, sp, sd - sp, lo, hi, p))
    t = pd.DataFrame(rows, columns=THEME_COLUMNS[:-3])
    t["p_adjusted"] = np.nan
    ok = t["p_value"].notna()
    if ok.any():
        t.loc[ok, "p_adjusted"] = multipletests(t.loc[ok, "p_value"], method="holm")[1]
    t["insufficient"] = few_det or few_pro
    if verbatims is not None and len(verbatims):
        ex = verbatims.groupby("theme")["comment"].agg(lambda s: " | ".join(s))
        t["examples"] = t["theme"].map(ex)
    else:
        t["examples"] = np.nan
    return t.sort_values("mentions", ascending=False)[THEME_COLUMNS].reset_index(drop=True)


def pick_verbatims(resp: pd.DataFrame, flags: pd.DataFrame, lex: dict[str, dict], k: int) -> pd.DataFrame:
    """Up to ``k`` distinct example comments per theme: detractors first (about two thirds), then promoters,
    most recent first."""
    rows = []
    base = resp.assign(_c=resp["comment"].astype("str"))
    n_det = max(1, int(np.ceil(2 * k / 3)))
    for theme in lex:
        m = base.loc[flags[theme]].sort_values("date", ascending=False)
        det = m.loc[m["nps_group"].eq("detractor")].drop_duplicates("_c").head(n_det)
        pro = m.loc[m["nps_group"].eq("promoter")].drop_duplicates("_c").head(k - len(det))
        pick = pd.concat([det, pro])
        if len(pick) < k:
            rest = m.loc[~m.index.isin(pick.index) & ~m["_c"].isin(pick["_c"])].drop_duplicates("_c")
            pick = pd.concat([pick, rest.head(k - len(pick))])
        for r in pick.itertuples():
            rows.append((theme, lex[theme]["label"][0], r.nps_group, r.date, getattr(r, "channel", np.nan),
                         r.nps, r.comment))
    return pd.DataFrame(rows, columns=VERBATIM_COLUMNS)


def follow_ups(resp: pd.DataFrame, lang: pd.Series, flags: pd.DataFrame, lex: dict[str, dict], as_of,
               max_nps: int, max_csat: int, days: int, limit: int) -> pd.DataFrame:
    """The ``follow_ups`` table (see the module docstring); ``priority`` 1 = first to call."""
    recent = resp["date"] >= pd.Timestamp(as_of) - pd.Timedelta(days=days)
    bad = resp["nps"].le(max_nps) | resp["csat"].le(max_csat)
    has_comment = lang.ne("empty")
    m = resp.loc[recent & bad & has_comment].copy()
    if m.empty:
        return pd.DataFrame(columns=FOLLOW_COLUMNS)
    names = np.array([lex[t]["label"][0] for t in flags.columns])
    f = flags.loc[m.index].to_numpy(dtype=bool)
    m["themes"] = [", ".join(names[row]) for row in f]
    m["contactable"] = m["customer_id"].notna() if "customer_id" in m else False
    # lowest score first: NPS on its 0-10 scale, CSAT mapped onto it for responses without NPS
    m["_score"] = m["nps"].fillna((m["csat"] - 1) * 2.5)
    m = m.sort_values(["_score", "date"], ascending=[True, False]).head(limit)
    m["priority"] = np.arange(1, len(m) + 1)
    if "channel" not in m:
        m["channel"] = np.nan
    if "customer_id" not in m:
        m["customer_id"] = np.nan
    return m[FOLLOW_COLUMNS].reset_index(drop=True)


def top_terms(comments: pd.Series, lang: pd.Series, words: tuple[str, ...], n: int = 15) -> pd.DataFrame:
    """The most frequent words of comments that mention no theme (to extend the lexicons): ``term, lang, count``."""
    rows = []
    zh = comments[lang.eq("zh")]
    if len(zh):
        cnt = Counter(t for toks in segment(zh.astype("str").tolist(), words) for t in toks
                      if len(t) > 1 and re.search(_CJK, t) and t not in ZH_STOPWORDS)
        rows += [(t, "zh", c) for t, c in cnt.most_common(n)]
    en = comments[lang.eq("en")]
    if len(en):
        cnt = Counter(w for s in en.astype("str").str.lower() for w in re.findall(r"[a-z][a-z'-]+", s)
                      if w not in EN_STOPWORDS and len(w) > 2)
        rows += [(t, "en", c) for t, c in cnt.most_common(n)]
    return pd.DataFrame(rows, columns=["term", "lang", "count"])


def analyse(fd, params) -> CommentAnalysis:
    """The comments section from :class:`~workbench.feedback.nps.FeedbackData`, with notes."""
    out = CommentAnalysis()
    if not fd.ok:
        out.off("Comments are switched off: no feedback responses.", "评论分析已关闭：没有反馈记录。")
        return out
    r = fd.responses
    if "comment" not in r or r["comment"].isna().all():
        out.off("feedback.comment is empty: no themes, verbatims or follow-ups.",
                "feedback.comment 为空：无法分析主题、示例与跟进清单。")
        return out
    lex = lexicon(params.theme_words)
    out.labels = {k: v["label"] for k, v in lex.items()}
    lang = detect_language(r["comment"])
    counts = lang.value_counts()
    out.languages = pd.DataFrame({"language": counts.index, "responses": counts.to_numpy(),
                                  "share": counts.to_numpy() / len(lang)})
    if counts.get("empty", 0):
        out.note("{n} responses ({pct}) have an empty comment: they count in NPS and CSAT but not in the themes.",
                 "{n} 条反馈（{pct}）评论为空：计入 NPS 与满意度，但不参与主题分析。",
                 n=int(counts["empty"]), pct=f"{counts['empty'] / len(lang):.1%}")
    if counts.get("other", 0):
        ex = r.loc[lang.eq("other"), "comment"].astype("str").str.slice(0, 40).head(2).tolist()
        out.note("{n} comments are in a language the theme lexicons do not cover (neither Chinese nor English), "
                 "e.g. {ex}; they are listed in follow-ups when the score is low but are not themed.",
                 "{n} 条评论使用的语言不在主题词库范围内（非中文或英文），如 {ex}；评分较低时仍列入跟进清单，"
                 "但不参与主题分析。", n=int(counts["other"]), ex=" / ".join(f"“{e}”" for e in ex))
    if not lang.isin(["zh", "en"]).any():
        out.off("No comment in Chinese or English to theme.", "没有可做主题分析的中文或英文评论。")
        return out
    out.readable = lang.isin(["zh", "en"])
    out.flags = tag_themes(r["comment"], lang, lex)
    out.verbatims = pick_verbatims(r, out.flags, lex, params.verbatims_per_theme)
    out.themes = theme_table(r, lang, out.flags, lex, out.verbatims, params.min_responses)
    if out.themes["insufficient"].any():
        out.note("Fewer than {k} detractors or promoters wrote a readable comment ({d} and {p}): the shares of "
                 "the smaller group and the differences are not estimated.",
                 "写了可识别评论的贬损者或推荐者少于 {k} 人（分别为 {d} 与 {p}）：不估计人数不足一方的占比及差值。",
                 k=params.min_responses, d=int(out.themes["n_detractors"].iloc[0]),
                 p=int(out.themes["n_promoters"].iloc[0]))
    readable = lang.isin(["zh", "en"])
    unthemed = readable & ~out.flags.any(axis=1)
    if unthemed.any():
        out.note("{n} readable comments ({pct}) mention no theme; their most frequent words are listed to extend "
                 "the lexicons (theme_words in params).",
                 "{n} 条可识别的评论（{pct}）未提及任何主题；下方列出其高频词，可用于扩充词库（主题词参数）。",
                 n=int(unthemed.sum()), pct=f"{unthemed.sum() / readable.sum():.1%}")
        words = tuple(w for e in lex.values() for w in e["zh"])
        out.unthemed_terms = top_terms(r.loc[unthemed, "comment"], lang[unthemed], words)
    if r["nps"].notna().any() or r["csat"].notna().any():
        out.follow_ups = follow_ups(r, lang, out.flags, lex, fd.as_of, params.follow_up_max_nps,
                                    params.follow_up_max_csat, params.follow_up_days, params.follow_up_limit)
    return out


def localise(df: pd.DataFrame, lang: str, labels: dict | None = None) -> pd.DataFrame:
    """A display copy: theme labels, NPS groups and languages in ``lang``."""
    out = df.copy()
    k = 1 if lang == "zh" else 0
    if "label_en" in out:
        out["label"] = out["label_zh" if lang == "zh" else "label_en"]
    elif "theme" in out and labels:
        out["label"] = out["theme"].map(lambda v: labels.get(v, (v, v))[k])
    if "nps_group" in out:
        out["nps_group"] = out["nps_group"].map(lambda v: GROUP_LABELS.get(v, (v, v))[k], na_action="ignore")
    if "language" in out:
        out["language"] = out["language"].map(lambda v: LANG_LABELS.get(v, (v, v))[k])
    if "lang" in out:
        out["lang"] = out["lang"].map(lambda v: LANG_LABELS.get(v, (v, v))[k])
    if "themes" in out and labels and k == 1:
        en_to_zh = {v[0]: v[1] for v in labels.values()}
        out["themes"] = out["themes"].map(lambda s: "、".join(en_to_zh.get(x, x) for x in s.split(", ") if x),
                                          na_action="ignore")
    return out
