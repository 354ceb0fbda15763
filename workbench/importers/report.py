"""What an import did (:class:`ImportReport`) and the error an import stops with (:class:`MappingError`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.exceptions import DataError

if TYPE_CHECKING:
    from workbench.data.read import RawFile

log = logging.getLogger(__name__)


MAX_SHOWN = 5


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


class MappingError(DataError):
    """A source that cannot be mapped onto the data model (names file, column and values)."""


@dataclass
class ImportReport:
    """What an import did, for the person who ran it and for ``import_report.json``."""

    source: str
    output: str | None = None
    files: list[dict] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    dropped: list[dict] = field(default_factory=list)
    mapped: list[dict] = field(default_factory=list)
    filled: list[dict] = field(default_factory=list)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    unmapped: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    validation: list[str] = field(default_factory=list)
    currency: str | None = None
    converted: list[dict] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)
    crm_ids: dict[str, str] = field(default_factory=dict)
    """``{table.column: CRM field}``: columns written with the CRM's own record ids (``dataset.yaml``'s ``crm_ids``)."""

    def reconcile(self, tables: Mapping[str, Any]) -> None:
        """Per table written: rows and ``amount`` written, and rows and money dropped on the way.

        Rows read from a source are the rows written plus the rows dropped, for tables
        with one row per source line (tables built with ``one_row_per`` merge rows).
        """
        self.audit = []
        for t, df in tables.items():
            drops = [d for d in self.dropped if d["table"] == t]
            money = None
            if "amount" in getattr(df, "columns", ()):
                money = round(float(pd.to_numeric(df["amount"], errors="coerce").sum()), 2)
            dropped_money = [d.get("money") for d in drops if d.get("money") is not None]
            self.audit.append({
                "table": t, "rows_written": len(df), "rows_dropped": sum(d["rows"] for d in drops),
                "money_written": money, "money_dropped": round(sum(dropped_money), 2) if dropped_money else
                (0.0 if money is not None else None)})

    def add_file(self, src: RawFile, role: str) -> None:
        self.files.append({
            "file": src.label, "role": role, "format": src.format, "encoding": src.encoding,
            "sheet": src.sheet if len(src.sheets) > 1 else None, "header_line": src.header_row + 1,
            "rows_read": len(src.frame),
        })

    def drop(self, table: str, file: str | None, reason: str, rows: int, examples: Iterable = (),
             money: float | None = None) -> None:
        """Record ``rows`` rows not written to ``table``, and why (with their ``amount`` total, if any)."""
        if rows:
            self.dropped.append({"table": table, "file": file, "reason": reason, "rows": int(rows),
                                 "examples": [str(e) for e in list(examples)[:MAX_SHOWN]],
                                 "money": None if money is None else round(float(money), 2)})

    def map(self, file: str | None, column: str, target: str, counts: Mapping[str, tuple[Any, int]]) -> None:
        """Record a value map: ``counts`` is ``{source value: (canonical value, rows)}``."""
        if counts:
            self.mapped.append({
                "file": file, "column": column, "to": target,
                "values": {str(k): {"to": (None if v is None else str(v)), "rows": int(n)}
                           for k, (v, n) in counts.items()},
            })

    def fill(self, table: str, column: str, value: Any, rows: int, reason: str) -> None:
        if rows:
            self.filled.append({"table": table, "column": column, "value": str(value), "rows": int(rows),
                                "reason": reason})

    def warn(self, message: str) -> None:
        log.info("warning: %s", message)  # shown with the report; not twice on the console
        self.warnings.append(message)

    @property
    def rows_read(self) -> int:
        return sum(f["rows_read"] for f in self.files)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"

    def to_text(self) -> str:
        """A short readable account, as ``workbench import`` prints it."""
        lines = [f"Import from {self.source}" + (f" into {self.output}" if self.output else "")]
        for f in self.files:
            where = f" sheet '{f['sheet']}'" if f["sheet"] else ""
            enc = f", {f['encoding']}" if f["encoding"] else ""
            lines.append(f"  read    {f['file']}{where} as {f['role']}: {f['rows_read']:,} rows "
                         f"(header on line {f['header_line']}{enc})")
        audit = {a["table"]: a for a in self.audit}
        for t, n in self.tables.items():
            a = audit.get(t)
            extra = ""
            if a and a["rows_dropped"]:
                extra += f" ({a['rows_dropped']:,} dropped)"
            if a and a["money_written"] is not None:
                extra += f"; amount {a['money_written']:,.2f}" + (
                    f" ({a['money_dropped']:,.2f} dropped)" if a["money_dropped"] else "")
            lines.append(f"  wrote   {t}: {n:,} rows{extra}")
        for d in self.dropped:
            ex = f" e.g. {', '.join(d['examples'])}" if d["examples"] else ""
            money = f" (amount {d['money']:,.2f})" if d.get("money") else ""
            lines.append(f"  dropped {d['rows']:,} row(s){money} of {d['file'] or d['table']}: {d['reason']}{ex}")
        for m in self.mapped:
            pairs = list(m["values"].items())
            shown = ", ".join(f"{k} → {v['to'] if v['to'] is not None else '(blank)'} ({v['rows']:,})"
                              for k, v in pairs[:8])
            more = f", and {len(pairs) - 8} more" if len(pairs) > 8 else ""
            lines.append(f"  mapped  {m['file']} '{m['column']}' → {m['to']}: {shown}{more}")
        for f in self.filled:
            lines.append(f"  filled  {f['table']}.{f['column']} = {f['value']!r} in {f['rows']:,} row(s): {f['reason']}")
        for file, cols in self.unmapped.items():
            if cols:
                shown = ", ".join(cols[:12]) + (f" and {len(cols) - 12} more" if len(cols) > 12 else "")
                lines.append(f"  unmapped columns of {file}: {shown}")
        for w in self.warnings:
            lines.append(f"  warning {w}")
        for c in self.converted:
            lines.append(f"  converted {c['rows']:,} {c['table']} row(s) in {c['from']} to {c['to']} at "
                         f"1 {c['to']} = {c['rate']} {c['from']} ({c['column']})")
        for v in self.validation:
            lines.append(f"  check   {v}")
        return "\n".join(lines)
