"""Building canonical tables from resolved exports: the :class:`Export` view, stages, channels,
reps, record ids, line identity and links by name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.aliases import BLANK
from workbench.data.schema import TABLES
from workbench.importers.fields import (
    Field,
    VendorOverrides,
    norm,
    resolve_fields,
    unmapped_columns,
)
from workbench.importers.read import SourceFile
from workbench.importers.report import MAX_SHOWN, ImportReport, MappingError
from workbench.importers.values import (
    _text,
    clean_ids,
    coerce_kind,
    guess_channel_type,
    map_values,
    parse_money,
    raise_bad,
)


class Export:
    """One vendor export with its columns resolved; cells keep the source row index.

    Parameters
    ----------
    module : str
        The module or object (``deals``, ``opportunities`` ...).
    src : SourceFile
    fields : iterable of Field
    ov : VendorOverrides
    report : ImportReport
    what : str
        How messages name the file (``"Zoho Deals export"``).
    """

    def __init__(self, module: str, src: SourceFile, fields: Iterable[Field], ov: VendorOverrides,
                 report: ImportReport, what: str):
        self.module, self.src, self.ov, self.report, self.what = module, src, ov, report, what
        self.cols = resolve_fields(src, fields, ov.columns.get(module), what=what,
                                   mapping_hint=f"columns: {{{module}: ")
        report.add_file(src, what)
        report.columns[src.label] = dict(self.cols)
        report.unmapped[src.label] = unmapped_columns(src, self.cols.values())

    @property
    def index(self) -> pd.Index:
        return self.src.frame.index

    def has(self, f: str) -> bool:
        return f in self.cols

    def raw(self, f: str) -> pd.Series:
        return self.src.frame[self.cols[f]]

    def blank(self) -> pd.Series:
        return pd.Series(pd.NA, index=self.index, dtype=object)

    def get(self, f: str, table: str, column: str) -> pd.Series:
        """Field ``f`` coerced to the kind of ``table.column`` (all missing when absent)."""
        if f not in self.cols:
            return self.blank()
        return coerce_kind(self.raw(f), table, column, src=self.src, source_column=self.cols[f],
                           date_formats=self.ov.date_formats, tz=self.ov.timezone)

    def text(self, f: str) -> pd.Series:
        return _text(self.raw(f)) if f in self.cols else self.blank()

    def ids(self, f: str) -> pd.Series:
        if f not in self.cols:
            return self.blank()
        raw = self.raw(f)
        if pd.api.types.is_string_dtype(raw) and raw.str.startswith("[").fillna(False).any():
            # API exports write a list of one id: ["1001"]
            raw = _text(raw).str.replace(r'^\[\s*"?\'?|"?\'?\s*\]$', "", regex=True)
        return clean_ids(raw, src=self.src, column=self.cols[f])

    def mapped(self, f: str, target: str, table: str = "customers", column: str = "name") -> pd.Series:
        """Field ``f`` through the user's value map for ``target`` (unknown values kept)."""
        if f not in self.cols:
            return self.blank()
        raw = self.raw(f)
        if target in self.ov.values:
            raw = map_values(raw, self.ov.values[target], src=self.src, column=self.cols[f], target=target,
                             unknown="keep", report=self.report)
        return coerce_kind(raw, table, column, src=self.src, source_column=self.cols[f])

    def number(self, f: str) -> pd.Series:
        if f not in self.cols:
            return self.blank()
        v, bad = parse_money(self.raw(f), src=self.src, column=self.cols[f])
        raise_bad(bad, self.raw(f), src=self.src, column=self.cols[f], expected="numbers")
        return v

    def lines(self, mask: pd.Series) -> str:
        pos = pd.RangeIndex(len(self.index))[mask.reindex(self.index, fill_value=False).to_numpy()]
        return ", ".join(map(str, self.src.lines(pos[:MAX_SHOWN]))) + (" ..." if len(pos) > MAX_SHOWN else "")


def merged_values(ov: VendorOverrides, field: str, defaults: Mapping | None = None) -> dict:
    """Default value map for ``field`` with the user's entries on top."""
    merged = dict(defaults or {})
    merged.update(ov.values.get(field, {}))
    return merged


def stages_table(leads: pd.DataFrame, defaults: Iterable[tuple], ov: VendorOverrides) -> pd.DataFrame:
    """The stages seen in ``leads``, ordered: the user's order, else the vendor's, else by win probability.

    ``defaults`` holds ``(stage, order, probability, status)``. Open stages come first,
    then the won stage; lost stages are left out (a lead's stage is the furthest it
    reached, as in the sample company); ``order`` is renumbered 1..n. A stage nobody gave a status
    is a closing stage only when every lead at it is won (or every one lost): leads
    keep the furthest stage they reached, so an open stage may hold lost leads.
    """
    seen = leads["stage"].dropna().unique().tolist()
    known = {norm(s): (o, p, st) for s, o, p, st in defaults}
    user = {norm(s.stage): (s.order, s.probability, s.status) for s in ov.stages}
    prob = None
    if "probability" in leads:
        prob = leads.dropna(subset=["stage"]).groupby("stage")["probability"].median()
    statuses = leads.dropna(subset=["stage"]).groupby("stage")["status"].agg(lambda x: set(x.dropna()))
    rank = {"open": 0, "won": 1, "lost": 2}
    rows = []
    for s in seen:
        order, p, st = user.get(norm(s)) or known.get(norm(s)) or (None, None, None)
        if st is None and norm(s) in known:
            st = known[norm(s)][2]
        if st is None:
            got = statuses.get(s, set())
            st = next(iter(got)) if len(got) == 1 and got <= {"won", "lost"} else "open"
        if p is None and prob is not None and s in prob.index and pd.notna(prob[s]):
            p = float(prob[s])
        if st != "open" and st != "won":
            continue  # a closing stage (lost, dropped) is not a stage of the pipeline
        # A stage without a known order sits among its kind by its win probability (0..1 → 0..10).
        key = order if order is not None else (p if p is not None else 0.5) * 10
        rows.append({"stage": s, "order": order, "probability": p, "_key": rank.get(st, 0) * 1000 + key})
    df = pd.DataFrame(rows, columns=["stage", "order", "probability", "_key"])
    df = df.sort_values(["_key", "stage"]).reset_index(drop=True)
    df["order"] = range(1, len(df) + 1)
    return frame("stages", df[["stage", "order", "probability"]])


def channels_table(used: Iterable, ov: VendorOverrides, types: Mapping[str, str], unknown: str,
                   unknown_name: str) -> pd.DataFrame | None:
    """One row per channel id used; its name is the source label, its type from ``types``, else from the
    words of its name (:func:`guess_channel_type`), else other."""
    used = pd.Series(list(used), dtype=object).dropna()
    used = used[used.ne(BLANK)].unique()  # the bucket of blanks is no channel
    if not len(used):
        return None
    rev = {str(v): k for k, v in ov.values.get("channel_id", {}).items()}
    t = {norm(k): v for k, v in types.items()}
    t.update({norm(k): v for k, v in ov.channel_types.items()})
    rows = []
    for c in used:
        label = rev.get(str(c), c)
        name = unknown_name if c == unknown and c not in rev else label
        typ = (t.get(norm(c)) or t.get(norm(label)) or (None if c == unknown else guess_channel_type(label))
               or guess_channel_type(c) or "other")
        rows.append({"channel_id": c, "name": name, "type": typ})
    return frame("channels", pd.DataFrame(rows).sort_values("channel_id"))


def leave_blank(leads: pd.DataFrame, blank: pd.Series, ov: VendorOverrides, report: ImportReport,
                reason: str) -> None:
    """Leads without a channel go to the loader's bucket of blanks (``(blank)``), unless the user names a fill.

    Filling them with ``unknown`` would merge them with a lead source that literally
    reads ``unknown``; the mapping file's ``defaults: {channel_id: ...}`` still fills
    them when that is what the user wants.
    """
    n = int(blank.sum())
    if n:
        fill = ov.defaults.get("channel_id", BLANK)
        leads.loc[blank, "channel_id"] = fill
        report.fill("leads", "channel_id", fill, n, reason)


def reps_table(owners: Iterable[pd.DataFrame], report: ImportReport) -> pd.DataFrame | None:
    """Reps from owner columns (``rep_id``, ``name``, optional ``team``): the most frequent name per id."""
    reps = pd.concat(list(owners), ignore_index=True)
    reps = reps.loc[reps["rep_id"].notna()]
    if not len(reps):
        return None
    out = {"rep_id": pd.Series(reps["rep_id"].unique())}
    for col in ("name", "team"):
        if col in reps and reps[col].notna().any():
            sub = reps.dropna(subset=[col])
            counts = sub.groupby(["rep_id", col]).size().sort_values(ascending=False)
            best = counts.reset_index().drop_duplicates("rep_id").set_index("rep_id")[col]
            out[col] = out["rep_id"].map(best)
            if col == "name":
                many = sub.groupby("rep_id")[col].nunique()
                if (many > 1).any():
                    report.warn(f"{int((many > 1).sum())} owner id(s) carry more than one name (renamed users?); "
                                f"the most frequent name is kept")
    return frame("reps", out)


def line_ids(src: SourceFile) -> pd.Series:
    """The ``line_id`` of each row: its line in the source, or the first line it repeats in every column.

    A table without a key (order lines) tells two rows apart only by every column of
    its file (the loader's rule). Writing the source line keeps two real lines that
    agree on the model's columns but differ elsewhere (a description, a Row ID) apart;
    a line that repeats an earlier one cell for cell gets that line's number, so the
    loader still sees, counts and reports it as the exact duplicate it is.
    """
    n = len(src.frame)
    if not n:
        return pd.Series([], index=src.frame.index, dtype="int64")
    try:
        key = pd.util.hash_pandas_object(src.frame, index=False).to_numpy()
    except TypeError:  # spreadsheet cells of a kind pandas cannot hash (lists, dicts): compare their text
        key = pd.util.hash_pandas_object(src.frame.astype(str), index=False).to_numpy()
    first = pd.Series(np.arange(n)).groupby(key).transform("min").to_numpy()
    return pd.Series(np.asarray(src.lines(first), dtype="int64"), index=src.frame.index)


def frame(table: str, data: Mapping[str, Any], index=None) -> pd.DataFrame:
    """A canonical table: its columns in model order, extras after them."""
    df = pd.DataFrame(dict(data), index=index)
    order = [c for c in TABLES[table].column_names if c in df.columns]
    return df[order + [c for c in df.columns if c not in order]].reset_index(drop=True)


def drop_rows(df: pd.DataFrame, mask: pd.Series, *, report: ImportReport, table: str, file: str | None,
              reason: str, id_column: str | None = None) -> pd.DataFrame:
    """Drop rows and record them (count, reason, a few ids, the money they held) in the report."""
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return df
    examples = df.loc[mask, id_column].head(MAX_SHOWN).tolist() if id_column and id_column in df else []
    money = None
    if "amount" in df:  # what the dropped rows were worth, so money read reconciles with money written
        money = float(pd.to_numeric(df.loc[mask, "amount"], errors="coerce").sum())
    report.drop(table, file, reason, int(mask.sum()), examples, money)
    return df.loc[~mask]


def check_record_ids(df: pd.DataFrame, id_col: str, *, src: SourceFile, source_column: str,
                     report: ImportReport, table: str) -> pd.DataFrame:
    """One row per record id: exact repeats are dropped (reported); different rows sharing an id stop the import."""
    ids = df[id_col]
    dup = ids.notna() & ids.duplicated(keep=False)
    if not dup.any():
        return df
    raw_cols = [c for c in src.frame.columns]
    raw = src.frame.loc[df.index, raw_cols]
    exact = raw.duplicated(keep="first") & dup
    df = drop_rows(df, exact, report=report, table=table, file=src.label,
                   reason=f"exact repeat of an earlier row (same {source_column})", id_column=id_col)
    ids = df[id_col]
    conflict = ids.notna() & ids.duplicated(keep=False)
    if conflict.any():
        pos = [src.frame.index.get_loc(i) for i in df.index[conflict][:MAX_SHOWN]]
        shown = ", ".join(map(str, ids[conflict].drop_duplicates().head(MAX_SHOWN)))
        raise MappingError(
            f"{src.label}, column '{source_column}': {int(ids[conflict].nunique())} record id(s) appear on "
            f"{int(conflict.sum())} rows with different values, e.g. {shown} (lines "
            f"{', '.join(map(str, src.lines(pos)))}); an export holds one row per record: was it "
            f"concatenated from two exports taken at different times?")
    return df


def link_by_name(names: pd.Series, directory: pd.DataFrame, *, report: ImportReport, what: str,
                 target: str) -> pd.Series:
    """Ids for names through ``directory`` (``id``, ``name``); an ambiguous name links to nothing.

    Used only when an export has no id column: the report lists the ambiguous names
    (two records share them) and the names not found.
    """
    d = directory.dropna(subset=["name"])
    per_name = d.groupby(d["name"].map(norm))["id"].agg(["first", "nunique"])
    keys = names.map(norm, na_action="ignore")
    unique = per_name.loc[per_name["nunique"] == 1, "first"]
    ids = keys.map(unique)
    ambiguous = keys.isin(per_name.index[per_name["nunique"] > 1])
    if ambiguous.any():
        listed = names[ambiguous].value_counts()
        report.warn(
            f"{what}: linked to {target} by name (no id column); {len(listed)} name(s) belong to more than one "
            f"{target} and were left unlinked on {int(ambiguous.sum())} row(s): "
            + ", ".join(f"{n} ({c})" for n, c in listed.head(10).items())
            + ("" if len(listed) <= 10 else f" and {len(listed) - 10} more")
            + ". Export the id column to link them")
    return ids
