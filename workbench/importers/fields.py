"""Finding an export's columns by their aliases, header names, and the vendor mapping file (overrides).

A required column that is missing stops the import naming what is missing, the
aliases tried and the columns seen; a column another field of the export is known
by is never offered as its substitute.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PField

from workbench.importers.read import SourceFile
from workbench.importers.report import MappingError


def norm(name: Any) -> str:
    """Header or value key for matching: case, spaces, ``_`` / ``-`` and full-width brackets ignored.

    ``"Deal_Name"``, ``"deal name"`` and ``" Deal  Name "`` are one name;
    ``"Account Name.id"`` keeps its ``.id``; ``"赢率（%）"`` equals ``"赢率(%)"``.
    """
    text = str(name).replace("\ufeff", "").strip().casefold()
    text = text.translate(str.maketrans({"（": "(", "）": ")", "：": ":", "　": " "}))
    return re.sub(r"[\s_\-]+", " ", text).strip()


def norm_series(s: pd.Series) -> pd.Series:
    """:func:`norm` of every cell, computed once per distinct value."""
    codes, uniques = pd.factorize(s)
    normed = np.array([norm(u) for u in uniques] + [None], dtype=object)
    return pd.Series(normed[codes], index=s.index, dtype=object)


def snake(name: Any) -> str:
    """A source header as a canonical-looking extra column name (``Ship Mode`` → ``ship_mode``)."""
    return re.sub(r"[\s\-.]+", "_", str(name).strip().lower()).strip("_")


def closest(wanted: Iterable[str], found: Iterable[str], n: int = 3) -> list[str]:
    """Columns of ``found`` whose names are closest to any of ``wanted`` (best first)."""
    found = list(found)
    keys = {norm(c): c for c in found}
    scored: dict[str, float] = {}
    for w in wanted:
        for k in difflib.get_close_matches(norm(w), list(keys), n=n, cutoff=0.45):
            ratio = difflib.SequenceMatcher(None, norm(w), k).ratio()
            scored[keys[k]] = max(scored.get(keys[k], 0.0), ratio)
        w_n = norm(w)
        # A renamed label usually keeps the old words: "Stage" → "Sales Stage".
        for k, c in keys.items():
            if len(w_n) >= 3 and len(k) >= 3 and (f" {w_n} " in f" {k} " or f" {k} " in f" {w_n} "):
                scored[c] = max(scored.get(c, 0.0), 0.9)
        # Chinese labels: a shared two-character word (客户, 金额, 日期) is a strong hint.
        if any("\u4e00" <= ch <= "\u9fff" for ch in w_n):
            for k, c in keys.items():
                bigrams = {w_n[i:i + 2] for i in range(len(w_n) - 1)}
                if any(b in k for b in bigrams):
                    scored[c] = max(scored.get(c, 0.0), 0.5)
    return [c for c, _ in sorted(scored.items(), key=lambda kv: -kv[1])][:n]


@dataclass(frozen=True)
class Field:
    """A column an importer looks for, under any of its aliases (label, API name, Chinese label)."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False


def resolve_fields(
    src: SourceFile,
    fields: Iterable[Field],
    extra_aliases: Mapping[str, str | list[str]] | None = None,
    *,
    what: str = "export",
    mapping_hint: str = "",
) -> dict[str, str]:
    """Find each field's column in ``src``.

    Parameters
    ----------
    src : SourceFile
    fields : iterable of Field
    extra_aliases : mapping, optional
        ``{field: header or [headers]}`` from a user mapping file; tried before the defaults.
    what : str
        What the file is (``"Zoho Deals export"``), for messages.
    mapping_hint : str
        The YAML path where a user adds an alias, e.g. ``columns: {deals: {...}}``.

    Returns
    -------
    dict
        ``{field name: source column}`` for the fields found.

    Raises
    ------
    MappingError
        Required fields not found: each is named with the aliases tried, the columns
        found and the closest candidates.
    """
    extra_aliases = extra_aliases or {}
    by_norm: dict[str, str] = {}
    for c in src.frame.columns:
        by_norm.setdefault(norm(c), c)
    found: dict[str, str] = {}
    missing: list[tuple[Field, list[str]]] = []
    for f in fields:
        extra = extra_aliases.get(f.name, [])
        aliases = ([extra] if isinstance(extra, str) else list(extra)) + list(f.aliases)
        col = next((by_norm[norm(a)] for a in aliases if norm(a) in by_norm), None)
        if col is not None:
            found[f.name] = col
        elif f.required:
            missing.append((f, aliases))
        elif extra:
            missing.append((f, aliases))  # the user named a column that is not there
    if missing:
        cols = list(src.frame.columns)
        # A column another field of this export is known by (预计成交日期 is the expected close
        # date) is never offered for a missing one (创建时间): that would be wrong data.
        others = {norm(a) for f in fields for a in f.aliases}
        free = [c for c in cols if c not in found.values() and norm(c) not in others]
        parts = []
        for f, aliases in missing:
            cand = closest(aliases, free)
            parts.append(
                f"'{f.name}' (looked for {', '.join(repr(a) for a in aliases[:6])}"
                + (" ..." if len(aliases) > 6 else "") + ")"
                + (f"; closest: {', '.join(repr(c) for c in cand)}" if cand else "; not in the file"))
        example_field = missing[0][0].name
        example_col = (closest(missing[0][1], free) or ["<your column>"])[0]
        raise MappingError(
            f"{src.label}: the {what} lacks {len(missing)} required column(s): " + "; ".join(parts)
            + f". Columns found: {', '.join(cols)}."
            + (f" If a column was renamed, name it in a mapping file, e.g. {mapping_hint}"
               f"{{{example_field}: '{example_col}'}}" + "}" * mapping_hint.count("{") if mapping_hint else ""),
        )
    return found


def unmapped_columns(src: SourceFile, used: Iterable[str]) -> list[str]:
    used = set(used)
    return [c for c in src.frame.columns if c not in used]


class StageRow(BaseModel):
    """One sales stage: its place in the pipeline and win probability."""

    model_config = ConfigDict(extra="forbid")

    stage: str
    order: float = PField(..., ge=1)
    probability: float | None = PField(None, ge=0, le=1)
    status: str | None = PField(None, description="open, won or lost: the status a deal at this stage has")


class VendorOverrides(BaseModel):
    """A user mapping file for the Zoho and Fxiaoke importers: aliases and values they add."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, dict[str, str | list[str]]] = PField(
        default_factory=dict, description="{module: {field: header or [headers]}}, tried before the defaults")
    values: dict[str, dict[str, Any]] = PField(
        default_factory=dict, description="{field: {source value: canonical value}}, added to the defaults")
    stages: list[StageRow] = PField(default_factory=list, description="order and probability of stages")
    channel_types: dict[str, str] = PField(default_factory=dict, description="{channel: type}")
    defaults: dict[str, str] = PField(default_factory=dict, description="fill values, e.g. channel_id: unknown")
    date_formats: list[str] | None = None
    timezone: str | None = None
    name: str | None = None
    currency: str | None = None
    company_name: str | None = None
    fiscal_year_start: int | None = PField(None, ge=1, le=12)


def load_yaml(path: str | Path) -> dict:
    """A YAML mapping file as a dict (UTF-8; errors name the file)."""
    path = Path(path)
    if not path.exists():
        raise MappingError(f"{path}: mapping file does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path.name}: not valid YAML: {exc}") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MappingError(f"{path.name}: expected a mapping (key: value) at the top level")
    return raw


def validation_message(exc: ValidationError, model: type[BaseModel], where: str) -> str:
    """A pydantic error as one line per problem, with a 'did you mean' for misspelt keys."""
    msgs = []
    for e in exc.errors():
        loc = ".".join(map(str, e["loc"]))
        if e["type"] == "extra_forbidden":
            key = str(e["loc"][-1])
            valid = list(model.model_fields) if len(e["loc"]) == 1 else []
            hint = difflib.get_close_matches(key, valid, n=1) if valid else []
            msgs.append(f"unknown key '{loc}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                        + (f"; valid keys: {', '.join(valid)}" if valid else ""))
        else:
            msgs.append(f"{loc}: {e['msg']}")
    return f"{where}: " + "; ".join(msgs)


def load_overrides(source: str | Path | Mapping | None, *, modules: Mapping[str, Iterable[str]],
                   value_fields: Iterable[str]) -> VendorOverrides:
    """Read and check a vendor mapping file: unknown modules, fields and keys are errors with hints."""
    if source is None:
        return VendorOverrides()
    where = Path(source).name if isinstance(source, str | Path) else "mapping"
    raw = load_yaml(source) if isinstance(source, str | Path) else dict(source)
    try:
        ov = VendorOverrides(**raw)
    except ValidationError as exc:
        raise MappingError(validation_message(exc, VendorOverrides, where)) from None
    for module, fields in ov.columns.items():
        if module not in modules:
            hint = difflib.get_close_matches(module, list(modules), n=1)
            raise MappingError(f"{where}: columns: unknown module '{module}'"
                               + (f" (did you mean '{hint[0]}'?)" if hint else "")
                               + f"; modules: {', '.join(modules)}")
        known = list(modules[module])
        for f in fields:
            if f not in known:
                hint = difflib.get_close_matches(f, known, n=1)
                raise MappingError(f"{where}: columns.{module}: unknown field '{f}'"
                                   + (f" (did you mean '{hint[0]}'?)" if hint else "")
                                   + f"; fields: {', '.join(known)}")
    value_fields = list(value_fields)
    for f in ov.values:
        if f not in value_fields:
            hint = difflib.get_close_matches(f, value_fields, n=1)
            raise MappingError(f"{where}: values: unknown field '{f}'"
                               + (f" (did you mean '{hint[0]}'?)" if hint else "")
                               + f"; fields with value maps: {', '.join(value_fields)}")
    from workbench.data.schema import CHANNEL_TYPES

    for ch, typ in ov.channel_types.items():
        if typ not in CHANNEL_TYPES:
            raise MappingError(f"{where}: channel_types: '{ch}' has type '{typ}'; valid types: {', '.join(CHANNEL_TYPES)}")
    for s in ov.stages:
        if s.status is not None and s.status not in ("open", "won", "lost"):
            raise MappingError(f"{where}: stages: '{s.stage}' has status '{s.status}'; expected open, won or lost")
    return ov
