"""One name per competitor: spellings merged with the ``competitor_aliases`` mapping of the params.

A CRM free-text field spells one competitor several ways (``优居科技``, ``优居``,
``Youju Tech``). Names are compared after trimming, folding case, collapsing
white space and turning full-width letters into half-width ones, so ``youju  TECH``
matches the alias ``Youju Tech`` without its own entry. Spellings that only
differ in that way (and are not in the mapping) are merged into their most
frequent spelling. Names that look like an unmapped variant of another one
(one contains the other, or they are close) are listed as suggestions for the
mapping, never merged silently.
"""

from __future__ import annotations

import difflib
import logging
import unicodedata

import pandas as pd

from workbench.competitors.labels import HOW_LABELS, TABLE_LABELS

log = logging.getLogger(__name__)

COMPETITOR_COLUMNS: dict[str, str] = {
    "leads": "competitor",
    "competitor_prices": "competitor",
    "market_share": "competitor",
    "competitor_features": "competitor",
}
"""The columns that name a competitor, per table."""

SUGGEST_CUTOFF = 0.75  # difflib ratio above which two unmapped names look like one


def name_key(s: pd.Series) -> pd.Series:
    """The comparison key of names: NFKC (full-width to half-width), trimmed, one space, case-folded."""
    text = s.astype("str")
    text = text.map(lambda v: unicodedata.normalize("NFKC", v), na_action="ignore")
    return text.str.split().str.join(" ").str.casefold()


def _key(name: str) -> str:
    return name_key(pd.Series([name])).iloc[0]


def alias_lookup(aliases: dict[str, list[str]]) -> dict[str, str]:
    """``{comparison key of a spelling: canonical name}``, the canonical name mapping to itself."""
    out: dict[str, str] = {}
    for canonical, spellings in aliases.items():
        for s in [canonical, *spellings]:
            out[_key(str(s))] = canonical
    return out


def normalise_names(
    s: pd.Series, aliases: dict[str, list[str]], extra_names: tuple[str, ...] = ()
) -> tuple[pd.Series, pd.DataFrame]:
    """Map every spelling to one canonical name.

    Parameters
    ----------
    s : Series of str
        Names as found in the data (missing stays missing).
    aliases : dict
        ``{canonical: [spelling, ...]}`` from the params.
    extra_names : tuple of str
        Names that are canonical without an alias entry (our own ``company_name``).

    Returns
    -------
    names : Series of str
        Canonical names, same index as ``s``.
    mapping : DataFrame
        ``raw, canonical, rows, how`` for every raw spelling that changed
        (``how`` is ``alias`` or ``spelling``: case, spaces or full-width letters).
    """
    lookup = alias_lookup(aliases)
    for n in extra_names:
        lookup.setdefault(_key(n), n)
    present = s.dropna()
    if present.empty:
        return s.astype("str"), pd.DataFrame(columns=["raw", "canonical", "rows", "how"])
    counts = present.value_counts()
    raw = pd.Series(counts.index, dtype="str")
    keys = name_key(raw)
    canon = keys.map(lookup).astype("str")
    how = pd.Series("alias", index=raw.index, dtype="str").where(canon.notna())
    # unmapped: the most frequent spelling of each comparison key wins
    freq = pd.DataFrame({"raw": raw, "key": keys, "n": counts.to_numpy()})
    top = freq.sort_values(["n", "raw"], ascending=[False, True]).drop_duplicates("key").set_index("key")["raw"]
    fallback = keys.map(top)
    how = how.fillna(pd.Series("spelling", index=raw.index).where(fallback.ne(raw)))
    canon = canon.fillna(fallback)
    table = dict(zip(raw, canon, strict=True))
    out = s.map(table).astype("str")
    changed = raw.ne(canon)
    mapping = pd.DataFrame({
        "raw": raw[changed].to_numpy(), "canonical": canon[changed].to_numpy(),
        "rows": counts.to_numpy()[changed.to_numpy()], "how": how[changed].to_numpy(),
    })
    return out, mapping.sort_values(["canonical", "rows"], ascending=[True, False]).reset_index(drop=True)


def suggest_aliases(names: pd.Series, own: str | None = None) -> pd.DataFrame:
    """Pairs of canonical names that look like one competitor spelt two ways.

    One name containing the other (``优居`` in ``优居科技``) or a close match
    (difflib ratio at least :data:`SUGGEST_CUTOFF`) is suggested; ``own`` (our
    name) is never paired. Returns ``name, looks_like, rows``.
    """
    counts = names.dropna().value_counts()
    cand = [n for n in counts.index if n != own]
    keys = {n: _key(n) for n in cand}
    rows = []
    for i, a in enumerate(cand):
        for b in cand[i + 1:]:
            ka, kb = keys[a], keys[b]
            if min(len(ka), len(kb)) < 2:
                continue
            similar = ka in kb or kb in ka or difflib.SequenceMatcher(None, ka, kb).ratio() >= SUGGEST_CUTOFF
            if similar:
                small, big = (a, b) if counts[a] <= counts[b] else (b, a)
                rows.append((small, big, int(counts[small])))
    return pd.DataFrame(rows, columns=["name", "looks_like", "rows"])




def localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A display copy of the name mapping with ``how`` in ``lang``."""
    out = df.copy()
    if "how" in out:
        out["how"] = out["how"].map(lambda v: HOW_LABELS.get(v, (v, v))[1 if lang == "zh" else 0])
    if "table" in out:
        out["table"] = out["table"].map(lambda v: TABLE_LABELS.get(v, (v, v))[1 if lang == "zh" else 0])
    return out
