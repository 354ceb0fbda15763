"""What a notebook shows: tables, sentences, notes and headlines, safely and in the reader's language.

Text from the data never becomes markup: every value is HTML-escaped before it
is shown, in tables and in prose (a customer named ``<script>`` shows as text).
Numbers are formatted for people (thousands separators, percentages, currency).
Result tables that a report shows are written as CSV (UTF-8 with BOM, so Excel
opens Chinese text) under ``output_dir`` when the runner sets it.
"""

from __future__ import annotations

import html
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

from workbench import i18n, theme
from workbench.params import NotebookParams

log = logging.getLogger(__name__)

CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
MAX_ROWS = 60
ENUM_COLUMNS = {"status", "tier_name"}  # columns holding the workbench's own words, translated


# ----------------------------------------------------------------------------- number formats


def fmt_int(v) -> str:
    """``1234567`` -> ``1,234,567``; missing -> ``–``."""
    return "–" if _missing(v) else f"{int(round(float(v))):,}"


def fmt_num(v, digits: int = 1) -> str:
    """A number with thousands separators and ``digits`` decimals."""
    return "–" if _missing(v) else f"{float(v):,.{digits}f}"


def fmt_pct(v, digits: int = 1) -> str:
    """A share 0..1 as a percentage: ``0.1234`` -> ``12.3%``."""
    return "–" if _missing(v) else f"{100 * float(v):.{digits}f}%"


def fmt_money(v, currency: str = "CNY", digits: int = 0) -> str:
    """``1234567.8`` -> ``¥1,234,568`` (negative as ``-¥1,234``)."""
    if _missing(v):
        return "–"
    sym = CURRENCY_SYMBOLS.get(currency.upper(), currency.upper() + " ")
    x = float(v)
    return f"{'-' if x < 0 else ''}{sym}{abs(x):,.{digits}f}"


def fmt_date(v) -> str:
    return "–" if _missing(v) else pd.Timestamp(v).strftime("%Y-%m-%d")


def _missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _default_format(s: pd.Series) -> str:
    name = str(s.name).lower()
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        if any(k in name for k in ("share", "rate", "completeness", "attainment", "pct", "ci_low", "ci_high")):
            return "pct"
        if name in ("rows", "rows_read", "count", "n") or name.endswith(("_rows", "_cells", "_keys", "_count")):
            return "int"
        return "num"
    return "text"


class Report:
    """The display helpers of one notebook run, bound to its params (language, output folder).

    Parameters
    ----------
    params : NotebookParams
        Validated notebook parameters.
    currency : str
        Currency code for money columns (from ``dataset.yaml``).
    """

    def __init__(self, params: NotebookParams, currency: str = "CNY"):
        self.params = params
        self.lang = params.lang
        self.currency = currency
        self.output_dir = Path(params.output_dir) if params.output_dir else None
        self.tables_written: list[str] = []
        theme.apply(self.lang)

    # -- text ----------------------------------------------------------------------------
    def t(self, key: str) -> str:
        """The label of ``key`` in the report's language."""
        return i18n.t(key, self.lang)

    def text(self, en: str, zh: str | None = None, **values) -> str:
        """Escaped HTML of a sentence in the report's language, with ``{name}`` values filled in.

        Values are formatted (numbers get separators) and escaped; the templates
        themselves are the project's own text.
        """
        template = zh if (self.lang == "zh" and zh) else en
        safe = {k: html.escape(self._fmt_value(v)) for k, v in values.items()}
        return template.format(**safe)

    def _fmt_value(self, v) -> str:
        if isinstance(v, str):
            return v
        if isinstance(v, (bool, np.bool_)):
            return self.t("yes") if v else self.t("no")
        if isinstance(v, (int, np.integer)):
            return fmt_int(v)
        if isinstance(v, (float, np.floating)):
            return fmt_num(v, 1) if not math.isnan(v) else "–"
        if isinstance(v, pd.Timestamp):
            return fmt_date(v)
        return str(v)

    def say(self, en: str, zh: str | None = None, **values):
        """Show a paragraph (see :meth:`text`)."""
        return _html(f'<p class="wb-say">{self.text(en, zh, **values)}</p>')

    def note(self, en: str, zh: str | None = None, **values):
        """Show a visible note box, e.g. a section switched off because a table is absent."""
        return _html(f'<div class="wb-note"><b>{html.escape(self.t("note"))}:</b> {self.text(en, zh, **values)}</div>')

    def headline(self, en: str, zh: str | None = None, **values):
        """Show the notebook's headline; the runner copies it to the index page."""
        body = self.text(en, zh, **values)
        from IPython.display import HTML, display

        plain = html.unescape(body)
        display(HTML(f'<div class="wb-headline">{body}</div>'), metadata={"workbench": {"headline": plain}})

    # -- tables --------------------------------------------------------------------------
    def save(self, df: pd.DataFrame, name: str) -> Path | None:
        """Write a result table as ``<output_dir>/<name>.csv`` (UTF-8 with BOM); no-op without output_dir."""
        if self.output_dir is None:
            return None
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / f"{name}.csv"
        df.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
        self.tables_written.append(name)
        log.info("wrote result table %s (%d rows)", path, len(df))
        return path

    def table(
        self,
        df: pd.DataFrame,
        name: str | None = None,
        formats: dict[str, str] | None = None,
        caption: str | None = None,
        max_rows: int = MAX_ROWS,
        columns: list[str] | None = None,
    ):
        """Show a table (escaped, formatted, headers translated); save it first when ``name`` is given.

        ``formats`` maps a column to ``int``, ``num``, ``num2``, ``pct``, ``money``, ``date``,
        ``bool`` or ``text``; other columns get a format from their dtype and name.
        ``columns`` limits what is shown; the saved result table keeps every column.
        """
        if name:
            self.save(df, name)
        shown = df[[c for c in columns if c in df.columns]] if columns else df
        return _html(self.table_html(shown, formats, caption, max_rows, name, total=len(df)))

    def table_html(self, df, formats=None, caption=None, max_rows=MAX_ROWS, name=None, total=None) -> str:
        """The HTML of :meth:`table`: every cell and header escaped, numbers right-aligned."""
        formats = formats or {}
        shown = df.head(max_rows)
        kinds = {c: formats.get(c) or _default_format(shown[c]) for c in shown.columns}
        numeric = {"int", "num", "num2", "pct", "money"}

        def cls(c):
            return "num" if kinds[c] in numeric else "date" if kinds[c] == "date" else "txt"

        head = "".join(
            f'<th class="{cls(c)}">{html.escape(self.t(str(c)))}</th>'
            for c in shown.columns
        )
        body = []
        for row in shown.itertuples(index=False, name=None):
            tds = "".join(
                f'<td class="{cls(c)}">{html.escape(self._cell(v, kinds[c], c))}</td>'
                for c, v in zip(shown.columns, row, strict=True)
            )
            body.append(f"<tr>{tds}</tr>")
        n = total if total is not None else len(df)
        foot = []
        if len(df) > max_rows:
            foot.append(self.text("Showing {k} of {n} rows.", "显示 {n} 行中的前 {k} 行。", k=max_rows, n=n))
        else:
            foot.append(self.text("{n} rows.", "共 {n} 行。", n=n))
        if name and self.output_dir is not None:
            foot.append(self.text("Full table: tables/{stem}/{name}.csv", "完整数据：tables/{stem}/{name}.csv",
                                  stem=self.output_dir.name, name=name))
        cap = f'<div class="wb-caption">{html.escape(caption)}</div>' if caption else ""
        table = f'<table class="wb-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        return f'{cap}<div class="wb-table-wrap">{table}</div><div class="wb-foot">{" ".join(foot)}</div>'

    def _cell(self, v, kind: str, column: str | None = None) -> str:
        if _missing(v):
            return "–"
        if column in ENUM_COLUMNS and isinstance(v, str):
            return self.t(v)  # the workbench's own status words, not data text
        if kind == "int":
            return fmt_int(v)
        if kind == "num":
            return fmt_num(v, 1)
        if kind == "num2":
            return fmt_num(v, 2)
        if kind == "pct":
            return fmt_pct(v)
        if kind == "money":
            return fmt_money(v, self.currency)
        if kind == "date":
            return fmt_date(v)
        if kind == "bool":
            return self.t("yes") if bool(v) else self.t("no")
        if isinstance(v, (list, tuple, set)):
            return ", ".join(map(str, v))
        return str(v)

    # -- figures -------------------------------------------------------------------------
    def figure(self, fig, alt: str | None = None):
        """Show a matplotlib figure as an embedded PNG (reads offline) with alt text, and free it.

        ``alt`` defaults to the figure's axes titles.
        """
        import base64
        import io

        import matplotlib.pyplot as plt

        if alt is None:
            alt = " / ".join(t for t in (ax.get_title() for ax in fig.axes) if t) or "figure"
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        plt.close(fig)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        return _html(f'<img class="wb-fig" alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{data}">')


def _html(markup: str):
    from IPython.display import HTML

    return HTML(markup)
