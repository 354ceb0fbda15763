"""The report object of one notebook run: text, notes, headline, tables and figures.

Views (``workbench/<area>/views.py``) take the report first and only render:
``rpt.table(df, "channel_conversion", formats=...)`` saves the result table
(canonical, language-independent) and returns a :class:`TableView`, an object an
analyst can inspect in JupyterLab (``.data``, ``.styler``) that renders the same
in the notebook and in the published HTML. Every saved table is also a sheet of the
report's Excel workbook, which ``rpt.finish()`` (the notebook's last cell) writes once.

Text from the data never becomes markup: every value is HTML-escaped, in tables
and in sentences, and matplotlib does not parse ``$...$`` in any label
(``text.parse_math`` is off in :func:`workbench.theme.apply`).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from workbench.reporting import excel
from workbench.reporting.export import write_csv
from workbench.reporting.formats import (
    MISSING,
    NUMERIC_KINDS,
    Formatter,
    Value,
    is_missing,
    kind_of,
)
from workbench.reporting.labels import COMMON, Catalogue
from workbench.reporting.notes import Note, Notes
from workbench.reporting.spill import Spill, release_after_each_cell, release_memory

log = logging.getLogger(__name__)

MAX_ROWS = 20
"""Rows a table shows inline by default; the saved CSV (linked) has them all."""

MONEY_PERIOD_HEADERS = {"money_month": "unit_month", "money_year": "unit_year", "money_quarter": "unit_quarter"}


class UndeclaredTable(ValueError):
    """A notebook saved a result table (or columns) its NotebookSpec does not declare."""


def _guess_kind(s: pd.Series, name: str = "") -> str:
    """The kind of a column nobody declared: from its dtype (and never a percentage by guess).

    A column of ids or codes by its name (``customer_id``, ``rfm_code``) is text: ``1234``,
    never ``1,234``.
    """
    if name and excel.is_id_column(name):
        return "text"
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_integer_dtype(s):
        return "count"
    if pd.api.types.is_float_dtype(s):
        vals = s.dropna()
        if len(vals) and (vals == vals.round()).all():
            return "count"
        return "num"
    return "text"


class TableView:
    """A table as a report shows it: the rows, their kinds, localised headers, and a footer.

    Attributes
    ----------
    data : DataFrame
        The rows shown, with their raw values (inspect or filter them in JupyterLab).
    kinds : dict
        Column -> format kind (see :mod:`workbench.reporting.formats`).
    headers : dict
        Column -> header text in the report's language (units included).
    """

    def __init__(self, data: pd.DataFrame, kinds: dict[str, str], headers: dict[str, str], fmt: Formatter,
                 caption: str = "", foot: str = "", cell_text: dict | None = None):
        self.data = data
        self.kinds = kinds
        self.headers = headers
        self.caption = caption
        self.foot = foot  # trusted HTML built by the report
        self._fmt = fmt
        self._cell_text = cell_text or {}

    def cell(self, column: str, v) -> str:
        """The text of one cell (not escaped)."""
        if column in self._cell_text and not is_missing(v):
            return self._cell_text[column](v)
        kind = self.kinds[column]
        if kind in MONEY_PERIOD_HEADERS:  # the header says the period: "Revenue (¥, per month)"
            kind = "money"
        return self._fmt(v, kind)

    @property
    def styler(self):
        """A pandas ``Styler`` of the shown rows: formatted, escaped, headers localised, no index."""
        df = self.data
        sty = df.style.format({c: (lambda v, c=c: html.escape(self.cell(c, v))) for c in df.columns})
        sty = sty.relabel_index([html.escape(self.headers[c]) for c in df.columns], axis="columns")
        sty = sty.hide(axis="index")
        classes = pd.DataFrame(
            {c: [self._td_class(c, v) for v in df[c]] for c in df.columns}, index=df.index, columns=df.columns)
        sty = sty.set_td_classes(classes)
        styles = {c: [{"selector": "th", "props": [("text-align", "right")]}]
                  for c in df.columns if self.kinds[c] in NUMERIC_KINDS}
        if styles:
            sty = sty.set_table_styles(styles, overwrite=False)
        return sty.set_table_attributes('class="wb-table"')

    def _td_class(self, c: str, v) -> str:
        k = self.kinds[c]
        if k == "light":
            return f"txt wb-light wb-light-{'grey' if is_missing(v) else html.escape(str(v))}"
        return "num" if k in NUMERIC_KINDS else "date" if k == "date" else "txt"

    def to_html(self) -> str:
        cap = f'<div class="wb-caption">{html.escape(self.caption)}</div>' if self.caption else ""
        body = self.styler.to_html(doctype_html=False, exclude_styles=False)
        return f'{cap}<div class="wb-table-wrap">{body}</div><div class="wb-foot">{self.foot}</div>'

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"TableView({len(self.data)} rows x {len(self.data.columns)} columns)"


class Markup:
    """Trusted HTML the report built (escaped values inside), shown as is."""

    def __init__(self, markup: str, metadata: dict | None = None):
        self.markup = markup
        self.metadata = metadata

    def _repr_html_(self):
        return self.markup

    @property
    def data(self) -> str:  # the IPython.display.HTML attribute older views read
        return self.markup

    def __str__(self) -> str:
        return self.markup


class Report:
    """The display side of one notebook run, bound to its area's labels, language and output folder.

    Parameters
    ----------
    params : NotebookParams
        Validated notebook parameters (``lang``, ``output_dir``).
    labels : Catalogue, optional
        The area's label catalogue (``workbench.channels.labels.LABELS``); common words otherwise.
    currency : str
        ISO code of money amounts (from ``dataset.yaml``).
    tables : dict, optional
        Declared result tables ``{name: columns}``; default: the notebook's ``NotebookSpec.tables``.
    """

    def __init__(self, params, labels: Catalogue | None = None, currency: str = "CNY",
                 tables: Mapping[str, Iterable[str]] | None = None):
        from workbench import theme

        self.params = params
        self.lang = params.lang
        self.currency = currency
        self.labels = labels if labels is not None else COMMON
        self.fmt = Formatter(self.lang, currency)
        self.output_dir = Path(params.output_dir) if getattr(params, "output_dir", "") else None
        spec = _spec_of(type(params))
        self.stem = spec.stem if spec is not None else (self.output_dir.name if self.output_dir else "report")
        self.title = spec.title(self.lang) if spec is not None else self.stem
        self.declared = dict(tables) if tables is not None else (dict(spec.tables) if spec is not None else {})
        self.declared_kinds = _declared_kinds(spec)
        self.tables_written: list[str] = []
        self.sheets: dict[str, excel.Sheet] = {}
        """The saved result tables as the workbook shows them, in the order they were saved."""
        self._spill = Spill()  # long saved tables wait for the workbook on disk (reporting.spill)
        if self.output_dir is not None:
            release_after_each_cell()  # a batch run's kernel gives Arrow's freed memory back after each cell
        self.workbook_path: Path | None = None
        theme.apply(self.lang)

    # -- words ---------------------------------------------------------------------------------
    def t(self, key: str) -> str:
        """The label of ``key`` in the report's language (the key itself when unknown)."""
        return self.labels.t(key, self.lang)

    def text(self, en: str, zh: str | None = None, **values) -> str:
        """Escaped HTML of a sentence in the report's language, its ``{name}`` values formatted.

        Values may be :class:`~workbench.reporting.formats.Value` (formatted by kind), numbers,
        dates or text from the data (escaped, never markup).
        """
        template = zh if (self.lang == "zh" and zh) else en
        safe = {k: html.escape(self.fmt.value(v)) for k, v in values.items()}
        return template.format(**safe)

    def say(self, en: str, zh: str | None = None, **values) -> Markup:
        """A paragraph (see :meth:`text`)."""
        return Markup(f'<p class="wb-say">{self.text(en, zh, **values)}</p>')

    def note(self, en: str | Note, zh: str | None = None, **values) -> Markup:
        """A visible note box; ``en`` may be a :class:`Note`."""
        if isinstance(en, Note):
            en, zh, values, level = en.en, en.zh, en.values, en.level
        else:
            level = values.pop("level", "info")
        label = self.t("section_off") if level == "off" else self.t("note")
        colon = "：" if self.lang == "zh" else ": "
        return Markup(f'<div class="wb-note wb-note-{level}"><b>{html.escape(label)}{colon}</b>'
                      f'{self.text(en, zh, **values)}</div>')

    def notes(self, notes: Notes | Iterable[Note] | None) -> Markup | None:
        """Every note as a note box; nothing when there is none."""
        items = notes.notes if isinstance(notes, Notes) else list(notes or [])
        bad = [n for n in items if not isinstance(n, Note)]
        if bad:  # a programming error, named: not a blank page or a cryptic AttributeError
            raise TypeError(f"Report.notes takes reporting.Note objects, got {type(bad[0]).__name__}: {bad[0]!r}")
        if not items:
            return None
        return Markup("".join(self.note(n).markup for n in items))

    def headline(self, en: str, zh: str | None = None, **values):
        """Show the notebook's headline; the runner copies it to the index page."""
        from IPython.display import HTML, display

        body = self.text(en, zh, **values)
        display(HTML(f'<div class="wb-headline">{body}</div>'),
                metadata={"workbench": {"headline": html.unescape(body)}})

    # -- tables --------------------------------------------------------------------------------
    def save(self, df: pd.DataFrame, name: str, *, formats: Mapping[str, str] | None = None,
             headers: Mapping[str, str] | None = None, values: Iterable[str] = (),
             caption: str | None = None) -> Path | None:
        """Write the result table ``name`` as CSV (UTF-8 with BOM); a no-op in an interactive run.

        The table also becomes a sheet of the report's Excel workbook, written by
        :meth:`finish`. ``formats``, ``headers``, ``values`` and ``caption`` are those of
        :meth:`table` (which passes them); a table saved alone gets the kinds its
        declaration gives (``KINDS`` beside ``TABLES``) or else kinds guessed from its
        column names and values (:func:`workbench.reporting.excel.guess_kind`).

        Raises :class:`UndeclaredTable` when the notebook's spec declares its tables and this
        one, or one of its columns, is not among them.
        """
        cols = list(self.declared.get(name, ()))
        if df.empty and cols and set(df.columns) <= set(cols):
            df = df.reindex(columns=cols)  # an empty result still has its declared header
        self.check_declared(df, name)
        if self.output_dir is None:
            return None
        kinds = self.column_kinds(df, name, formats)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / f"{name}.csv"
        write_csv(df, path, kinds)  # formulas neutralised, CR-safe, no scientific notation, money to cents
        self.tables_written.append(name)
        header_keys = dict(headers or {})
        coded = [c for c in values if c in df.columns]
        desc = caption or (self.t(name) if self.t(name) != name else "")
        headers_shown = {c: self._header(header_keys.get(c, c), kinds[c]) for c in df.columns}
        cell_text = {c: (lambda v: self.t(str(v))) for c in coded}
        data = self._spill.keep(df, name)  # a long table waits for the workbook on disk
        if data is df:
            self.sheets[name] = excel.Sheet(name, df.copy(deep=False), kinds, headers_shown, desc, cell_text)
        else:  # its XML size taken while it is in memory
            self.sheets[name] = excel.Sheet(name, data, kinds, headers_shown, desc, cell_text,
                                            size_hint=excel.size_hint(df))
            release_memory()  # the CSV's and the spilled copy's Arrow buffers, back to the system
        log.info("wrote result table %s (%d rows)", path, len(df))
        return path

    def column_kinds(self, df: pd.DataFrame, name: str, formats: Mapping[str, str] | None = None) -> dict[str, str]:
        """The kind of every column of a saved table: declared by the view (``formats``), by the
        table's declaration (``KINDS``), or guessed from its name and values (ids and periods
        text, see :func:`workbench.reporting.excel.guess_kind`).

        A guess only chooses the workbook's number format and the CSV's rounding of money;
        the value stays the value. The HTML view never shows a guessed share.
        """
        formats = dict(formats or {})
        declared = self.declared_kinds.get(name, {})
        out = {}
        for c in df.columns:
            if c in formats:
                out[c] = kind_of(formats[c])
            elif c in declared:
                out[c] = kind_of(declared[c])
            else:
                out[c] = excel.guess_kind(c, df[c])
        return out

    def finish(self) -> Markup | None:
        """Write the report's Excel workbook, one sheet per saved result table; the last cell.

        The workbook is ``<output_dir>/<stem>.<lang>.xlsx`` (headers in the report's language);
        the CSV files stay the canonical tables. Returns the link to the workbook (shown at the
        end of the page, and repeated by the page's table of contents), or ``None`` in an
        interactive run or when the notebook saved no table.
        """
        if self.output_dir is None or not self.sheets:
            return None
        path = self.output_dir / excel.workbook_name(self.stem, self.lang)
        excel.write_workbook(path, list(self.sheets.values()), self.fmt, about=self._about(),
                             about_title=self.t("xlsx_about"),
                             sheet_list_headers=[self.t(k) for k in ("xlsx_sheet", "table", "rows", "description")],
                             about_notes=[self.t("xlsx_note_numbers").format(currency=self.fmt.symbol.strip()),
                                          self.t("xlsx_note_sizes")],
                             truncated_note=self.t("xlsx_truncated"))
        self.workbook_path = path
        log.info("wrote workbook %s (%d sheets)", path, len(self.sheets))
        href = f"tables/{self.output_dir.name}/{path.name}"
        words = self.t("xlsx_link").format(n=len(self.sheets))
        return Markup(f'<p class="wb-workbook"><a class="wb-workbook" href="{html.escape(href, quote=True)}" '
                      f'download>{html.escape(words)}</a></p>')

    def _about(self) -> list[tuple[str, str]]:
        """The About sheet's lines: title, when, data, parameters."""
        import datetime as dt

        p = self.params
        internal = {"lang", "output_dir", "dataset_cache", "interactive", "run_tables_dir", "previous_run_dir"}
        dump = p.model_dump() if hasattr(p, "model_dump") else {}
        shown = "; ".join(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}"
                          for k, v in dump.items() if k not in internal and k not in ("data_dir", "as_of"))
        return [
            (self.t("xlsx_report"), self.title),
            (self.t("generated"), dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
            (self.t("dataset"), str(getattr(p, "data_dir", ""))),
            (self.t("as_of"), str(getattr(p, "as_of", "") or self.t("xlsx_latest_date"))),
            (self.t("xlsx_currency"), self.currency),
            (self.t("parameters"), shown),
        ]

    def check_declared(self, df: pd.DataFrame, name: str) -> None:
        if not self.declared:
            return
        if name not in self.declared:
            raise UndeclaredTable(f"Result table {name!r} is not declared in the notebook's NotebookSpec "
                                  f"(workbench/notebooks.py). Declared: {sorted(self.declared)}")
        cols = list(self.declared[name])
        if cols and list(df.columns) != cols:
            extra = [c for c in df.columns if c not in cols]
            missing = [c for c in cols if c not in df.columns]
            raise UndeclaredTable(f"Result table {name!r}: columns differ from its declaration "
                                  f"(undeclared: {extra}, missing: {missing}, or another order)")

    def table(self, df: pd.DataFrame, name: str | None = None, *, columns: list[str] | None = None,
              formats: Mapping[str, str] | None = None, shown: pd.DataFrame | None = None,
              caption: str | None = None, max_rows: int = MAX_ROWS, empty: tuple[str, str] | None = None,
              headers: Mapping[str, str] | None = None, values: Iterable[str] = ()) -> TableView | Markup:
        """Save ``df`` as the result table ``name`` (when given) and show it.

        Parameters
        ----------
        df : DataFrame
            The result table as computed (saved as it is).
        name : str, optional
            Result-table name; ``None`` shows without saving.
        columns : list of str, optional
            The columns shown (the saved table keeps all), in this order.
        formats : dict, optional
            Column -> kind (``share``, ``pp``, ``money_month`` ...). Undeclared numeric columns
            show as counts or plain numbers, never as percentages by guess.
        shown : DataFrame, optional
            Rows to show instead of ``df`` (e.g. sorted, or the latest periods).
        max_rows : int
            Rows shown inline; the footer links to the full CSV.
        empty : (en, zh), optional
            The note shown instead of an empty table.
        headers : dict, optional
            Column -> label key overriding the column's own key.
        values : iterable of str
            Text columns whose values are the workbench's own codes, shown by their label.
        """
        if name:
            self.save(df, name, formats=formats, headers=headers, values=values, caption=caption)
        view = df if shown is None else shown
        if view is None or view.empty:
            en, zh = empty or (COMMON["nothing_to_show"])
            return self.note(en, zh)
        if columns:
            view = view[[c for c in columns if c in view.columns]]
        n = len(view)
        view = view.head(max_rows)
        formats = dict(formats or {})
        kinds = {c: kind_of(formats[c]) if c in formats else _guess_kind(view[c], c) for c in view.columns}
        header_keys = dict(headers or {})
        hdr = {c: self._header(header_keys.get(c, c), kinds[c]) for c in view.columns}
        coded = set(values)
        cell_text = {c: (lambda v: self.t(str(v))) for c in coded if c in view.columns}
        return TableView(view, kinds, hdr, self.fmt, caption or "", self._foot(n, len(view), name), cell_text)

    def _header(self, key: str, kind: str) -> str:
        text = self.t(str(key))
        unit = MONEY_PERIOD_HEADERS.get(kind)
        if kind.startswith("money") and self.fmt.symbol.strip() not in text:
            text += f" ({self.fmt.symbol.strip()}{', ' + self.t(unit) if unit else ''})"
        return text

    def _foot(self, total: int, shown: int, name: str | None) -> str:
        if shown < total:
            words = self.t("table_cut").format(k=f"{shown:,}", n=f"{total:,}")
        else:
            words = self.t("table_row") if total == 1 else self.t("table_rows").format(n=f"{total:,}")
        parts = [html.escape(words)]
        if name and self.output_dir is not None:
            href = f"tables/{self.output_dir.name}/{name}.csv"
            parts.append(f'<a href="{html.escape(href, quote=True)}">{html.escape(self.t("full_table"))}</a>')
        return " ".join(parts)

    # -- figures -------------------------------------------------------------------------------
    def figure(self, fig, alt: str | None = None) -> Markup:
        """A matplotlib figure as an embedded PNG (reads offline) with alt text; the figure is freed."""
        import base64
        import io

        import matplotlib.pyplot as plt

        if alt is None:
            alt = " / ".join(t for t in (ax.get_title() for ax in fig.axes) if t) or "figure"
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        plt.close(fig)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        return Markup(f'<img class="wb-fig" alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{data}">')

    # -- old names (areas not yet on the catalogue) ----------------------------------------------
    def table_html(self, df, formats=None, caption=None, max_rows=60, name=None, total=None) -> str:
        """HTML of a table without saving it (kept for views not yet moved to :meth:`table`)."""
        view = self.table(df, None, formats=_legacy_formats(formats), caption=caption, max_rows=max_rows)
        if isinstance(view, TableView) and name:
            view.foot = self._foot(total if total is not None else len(df), min(len(df), max_rows), name)
        return view.to_html() if isinstance(view, TableView) else view.markup


def _legacy_formats(formats):
    """The old format names (``int``, ``pct``, ``num``) in the new kinds."""
    return {c: kind_of(k) for c, k in (formats or {}).items()}


def _spec_of(params_type):
    """The NotebookSpec whose params model is ``params_type`` (``None`` when there is none)."""
    try:
        from workbench.notebooks import NOTEBOOKS
    except ImportError:  # pragma: no cover
        return None
    for spec in NOTEBOOKS.values():
        try:
            if spec.params is params_type:
                return spec
        except (ImportError, AttributeError):
            continue
    return None


def _declared_tables(params_type) -> dict:
    spec = _spec_of(params_type)
    return dict(spec.tables) if spec is not None else {}


def _declared_kinds(spec) -> dict[str, dict[str, str]]:
    """``KINDS = {table: {column: kind}}`` beside a spec's ``TABLES``, when its module has one."""
    if spec is None or not isinstance(getattr(spec, "tables_path", None), str) or not spec.tables_path:
        return {}
    import importlib

    try:
        return dict(getattr(importlib.import_module(spec.tables_path), "KINDS", {}) or {})
    except ImportError:  # pragma: no cover
        return {}


__all__ = ["Report", "TableView", "Markup", "UndeclaredTable", "MAX_ROWS", "Value", "MISSING"]
