"""The one note type: something a reader must see (a section off, data left out, a caveat).

Compute code collects notes without knowing the language; a report shows them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

LEVELS = ("info", "warning", "off")


@dataclass
class Note:
    """One visible note: an English and a Chinese template and their values.

    Parameters
    ----------
    en, zh : str
        Templates with ``{name}`` fields; values are formatted and escaped by the report.
    values : dict
        The fields' values (numbers, :class:`workbench.reporting.Value`, text from the data).
    level : {"info", "warning", "off"}
        ``off``: the section it belongs to is switched off.
    """

    en: str
    zh: str
    values: dict = field(default_factory=dict)
    level: str = "info"

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"Invalid note level {self.level!r}. Valid options are: {list(LEVELS)}")

    def text(self, lang: str = "en") -> str:
        """The note in ``lang`` with its values filled in plainly (for logs and tests; not escaped)."""
        from workbench.reporting.formats import Formatter

        f = Formatter(lang)
        return (self.zh if lang == "zh" else self.en).format(**{k: f.value(v) for k, v in self.values.items()})

    def __str__(self) -> str:
        return self.text("en")


@dataclass
class Notes:
    """A section's state: on or off, and the notes a reader must see (areas subclass it)."""

    ok: bool = True
    notes: list[Note] = field(default_factory=list)

    def note(self, en: str, zh: str, level: str = "info", **values) -> Note:
        """Add a note (the section stays on)."""
        n = Note(en, zh, values, level)
        self.notes.append(n)
        log.info(n.text("en"))
        return n

    def off(self, en: str, zh: str, **values) -> Note:
        """Switch the section off, saying why."""
        self.ok = False
        return self.note(en, zh, level="off", **values)
