"""Read one exported file as raw cells: the one reader of the loader and the importers.

Stable API (the importers build on it; change only by adding)::

    read_file(path, hints=(), sheet=None) -> RawFile
        .csv/.tsv/.txt (any of , ; tab | as delimiter, detected), .csv.gz,
        .xlsx/.xlsm/.xls (python-calamine; openpyxl when calamine is absent)
        and .parquet. ``hints`` are header names the caller expects: they find
        the header row below a title row and choose the sheet of a workbook.
    RawFile: path, frame, format, encoding, sep, sheet, sheets, header_row,
        line_numbers, sha256, size_bytes; .label, .lines(positions)
    detect_encoding(path) -> str          utf-8-sig, utf-8, gb18030 or detected
    sniff_sep(lines) -> str               the delimiter of a few text lines
    header_key(name) -> str               case, spaces, _ and - ignored
    NA_VALUES                             cells read as missing

Every failure is a :class:`~workbench.exceptions.DataError` whose message names
the file and says what was expected: a folder, a missing or empty file, an
unsupported suffix, a corrupt or renamed workbook (``BadZipFile``,
``CalamineError``), text that is not CSV. No traceback of a parser reaches the user.

``frame`` holds the source headers as written (stripped, BOM removed, repeated
names suffixed ``.1``), every CSV cell as text, Excel cells as the objects the
reader returns; rows that are blank in every cell are left out.
``line_numbers`` gives, per row of ``frame``, the line (CSV) or sheet row (Excel)
a spreadsheet shows for it (1-based; the row number for Parquet).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import hashlib
import importlib.util
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.exceptions import DataError

log = logging.getLogger(__name__)

NA_VALUES = ["", "NULL", "null", "None", "NaN", "nan", "N/A", "n/a", "#N/A", "NA", "?", "-", "--"]
HEADER_SCAN_ROWS = 10
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet",)
SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES + (".csv.gz",)
SEPARATORS = (",", ";", "\t", "|")
_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class RawFile:
    """One file read as raw cells, with where and how it was read."""

    path: Path
    frame: pd.DataFrame
    format: str  # csv | xlsx | xls | parquet
    encoding: str | None
    sep: str | None
    sheet: str | None
    header_row: int  # 0-based line (or sheet row) of the header
    line_numbers: np.ndarray  # per row of frame: the 1-based line or sheet row
    sha256: str
    size_bytes: int
    sheets: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The file name, with the sheet when the workbook has several."""
        return self.path.name + (f" [{self.sheet}]" if self.sheet and len(self.sheets) > 1 else "")

    def lines(self, positions: Iterable[int]) -> list[int]:
        """1-based line (or sheet row) numbers of 0-based rows of ``frame``."""
        return [int(self.line_numbers[int(p)]) for p in positions]


def header_key(name) -> str:
    """A header as compared: case, BOM, spaces, ``_`` and ``-`` ignored; full-width brackets as ASCII."""
    text = str(name).replace("\ufeff", "").strip().casefold()
    text = text.translate(str.maketrans({"（": "(", "）": ")", "：": ":", "　": " "}))
    return re.sub(r"[\s_\-]+", "", text)


def detect_encoding(path: Path, raw: bytes | None = None) -> str:
    """Encoding of a text file: ``utf-8-sig`` (BOM), ``utf-8``, ``gb18030`` or a detected one."""
    raw = Path(path).read_bytes() if raw is None else raw
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if _decodes(raw, "utf-8"):
        return "utf-8"
    # GB18030 is a superset of GBK and GB2312: it decodes what Excel on a Chinese Windows writes.
    if _decodes(raw, "gb18030"):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:1_000_000]).best()
    if best is None:
        raise DataError(f"{Path(path).name}: cannot tell the text encoding; expected UTF-8, UTF-8 with BOM or GB18030/GBK")
    return best.encoding


_CHUNK = 1 << 23
_ASCII_COMPATIBLE = {"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312"}


def _decodes(raw: bytes, encoding: str) -> bool:
    """True when ``raw`` is valid ``encoding`` text; decoded in 8 MB pieces, so a file of
    ten million lines is never held as one Python string (twice its size in memory)."""
    dec = codecs.getincrementaldecoder(encoding)()
    view = memoryview(raw)
    try:
        for start in range(0, len(raw), _CHUNK):
            dec.decode(view[start:start + _CHUNK], final=start + _CHUNK >= len(raw))
        if not len(raw):
            dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _head(raw: bytes, encoding: str, n_lines: int) -> list[str]:
    """The first ``n_lines`` lines of the text, decoding only the bytes they need."""
    size = 1 << 16
    while size < len(raw):
        lines = raw[:size].decode(encoding, errors="ignore").splitlines()
        if len(lines) > n_lines:  # the last line may be cut: it is not among the first n_lines
            return lines[:n_lines]
        size *= 8
    return raw.decode(encoding).splitlines()[:n_lines]


def _ascii_compatible(encoding: str) -> bool:
    """Line breaks are the bytes ``\\n`` and ``\\r`` and never part of a multi-byte character."""
    name = codecs.lookup(encoding).name
    return name in _ASCII_COMPATIBLE or "\n\r\n".encode(encoding) == b"\n\r\n"


def sniff_sep(lines: list[str]) -> str:
    """The delimiter that splits most lines into the same number of fields (a title line may not)."""
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        counts = [ln.count(sep) for ln in lines if ln.strip()]
        positive = [c for c in counts if c > 0]
        if not positive:
            continue
        mode = max(set(positive), key=positive.count)
        score = (positive.count(mode), mode)
        if score > best_score:
            best, best_score = sep, score
    return best


def _pick_header(rows: list[list], hints: set[str]) -> int:
    """Index of the row most like a header among the first rows."""
    best, best_score = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = {header_key(v) for v in row if v is not None and not (isinstance(v, float) and np.isnan(v))}
        score = len(cells & hints)
        if score > best_score:
            best, best_score = i, score
    if best_score == 0 and rows:  # nothing known: the first row that fills most cells
        filled = [sum(v is not None and str(v).strip() != "" for v in r) for r in rows[:HEADER_SCAN_ROWS]]
        best = int(np.argmax(filled))
    return best


def _dedupe(names: list[str]) -> list[str]:
    """Repeated headers as pandas spells them: ``A``, ``A.1``, ``A.2``."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}.{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


def _finish(df: pd.DataFrame, lines: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Headers stripped, nameless empty columns and all-blank rows left out."""
    cols = [str(c).replace("\ufeff", "").strip() for c in df.columns]
    df.columns = cols
    keep = [not (c == "" or c.startswith("Unnamed:") or c == "nan") or df.iloc[:, i].notna().any()
            for i, c in enumerate(cols)]
    df = df.loc[:, keep]
    if len(df):
        empty = df.isna().all(axis=1)
        if empty.any():
            df, lines = df.loc[~empty.to_numpy()], lines[~empty.to_numpy()]
    return df.reset_index(drop=True), np.asarray(lines, dtype="int64")


def _read_text(path: Path, raw: bytes, hints: set[str]) -> tuple[pd.DataFrame, str, str, int, np.ndarray]:
    encoding = detect_encoding(path, raw)
    # The whole file is decoded only when the fast parser cannot read it or blank lines need
    # counting: a ten-million-line file as one string, and its list of lines, take gigabytes.
    text = None
    try:
        if not _ascii_compatible(encoding):
            text = raw.decode(encoding)
        start = (text[:10_000] if text is not None
                 else raw[:40_000].decode(encoding, errors="ignore")[:10_000])
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(f"{path.name}: cannot be decoded as {encoding}: {exc}") from None
    if "\x00" in start:
        raise DataError(f"{path.name}: is a binary file, not CSV text (a workbook renamed to .csv?); "
                        "expected comma- or semicolon-separated text")
    head = text.splitlines()[:HEADER_SCAN_ROWS] if text is not None else _head(raw, encoding, HEADER_SCAN_ROWS)
    sep = sniff_sep(head)
    rows = [r for r in csv.reader(head, delimiter=sep)]
    nonblank = [i for i, r in enumerate(rows) if any(c.strip() for c in r)]
    header_at = _pick_header([[c if c.strip() else None for c in rows[i]] for i in nonblank], hints) if nonblank else 0
    skip = nonblank[header_at] if nonblank else 0
    opts = dict(skiprows=skip, dtype=str, sep=sep, keep_default_na=False, na_values=NA_VALUES)
    try:
        df = pd.read_csv(io.BytesIO(raw), encoding=encoding, engine="pyarrow", **opts)
        exact = True
    except Exception as exc:  # pyarrow.ArrowInvalid and friends: the C parser names the bad line
        log.debug("pyarrow could not parse %s (%s); using the C parser", path.name, exc)
        try:
            text = raw.decode(encoding) if text is None else text
        except (UnicodeDecodeError, LookupError) as exc2:
            raise DataError(f"{path.name}: cannot be decoded as {encoding}: {exc2}") from None
        try:
            df = pd.read_csv(io.StringIO(text), skip_blank_lines=True, **opts)
        except pd.errors.ParserError as exc2:
            raise DataError(
                f"{path.name}: cannot be read as {_SEP_NAMES.get(sep, repr(sep))}-separated text: {exc2}") from None
        exact = True
    if len(df.columns) == 1 and len(df) and any(s in str(df.columns[0]) for s in SEPARATORS if s != sep):
        raise DataError(f"{path.name}: every line is one field; the delimiter could not be told "
                        f"(tried {', '.join(_SEP_NAMES.values())})")
    lines = np.arange(len(df), dtype="int64") + skip + 2
    if text is not None:
        blank_lines = "\n\n" in text or "\n\r\n" in text
    else:
        blank_lines = b"\n\n" in raw or b"\n\r\n" in raw
    if not exact or blank_lines:
        # blank lines were skipped: number the rows by the non-blank lines below the header
        # (when a quoted cell spans lines the counts differ and the arithmetic above stays)
        text = raw.decode(encoding) if text is None else text
        physical = [i + 1 for i, ln in enumerate(text.splitlines()) if i > skip and ln.strip()]
        if len(physical) == len(df):
            lines = np.asarray(physical, dtype="int64")
    return df, encoding, sep, skip, lines


def _excel_engine() -> str:
    # calamine reads xlsx and old xls, several times faster than openpyxl; openpyxl stays the
    # fallback for xlsx so the workbench works without it.
    return "calamine" if importlib.util.find_spec("python_calamine") else "openpyxl"


def _corrupt_workbook(path: Path, exc: Exception) -> DataError:
    kind = path.suffix.lower()
    return DataError(
        f"{path.name}: is not a readable {kind[1:].upper()} workbook ({type(exc).__name__}: {exc}); "
        f"the file is damaged or is another format renamed to {kind}. Open it in Excel or WPS and "
        "save it again as .xlsx, or export CSV")


def _read_excel(path: Path, hints: set[str], sheet: str | None) -> tuple[pd.DataFrame, str, int, np.ndarray, tuple]:
    engine = _excel_engine()
    if engine == "openpyxl" and path.suffix.lower() == ".xls":
        raise DataError(f"{path.name}: an old .xls workbook needs python-calamine to be read; "
                        "save it as .xlsx or CSV")
    errors: tuple[type[BaseException], ...] = (zipfile.BadZipFile, OSError, ValueError, KeyError)
    if engine == "calamine":
        import python_calamine

        errors += (python_calamine.CalamineError,)
    try:
        with pd.ExcelFile(path, engine=engine) as book:
            names = [str(s) for s in book.sheet_names]
            if sheet is not None and sheet not in names:
                hint = difflib.get_close_matches(sheet, names, n=1)
                raise DataError(f"{path.name}: no sheet '{sheet}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                                + f"; sheets: {', '.join(names)}")
            scored = []
            for name in [sheet] if sheet is not None else names:
                cells = pd.read_excel(book, sheet_name=name, header=None, dtype=object, na_values=NA_VALUES,
                                      keep_default_na=False)
                if cells.dropna(how="all").empty:
                    continue
                rows = cells.head(HEADER_SCAN_ROWS).astype(object).where(cells.head(HEADER_SCAN_ROWS).notna(), None)
                row = _pick_header(rows.values.tolist(), hints)
                header = {header_key(v) for v in cells.iloc[row].tolist() if pd.notna(v)}
                scored.append((len(header & hints), name, row, cells))
    except DataError:
        raise
    except errors as exc:
        raise _corrupt_workbook(path, exc) from None
    if not scored:
        raise DataError(f"{path.name}: every sheet is empty; expected a header row and data rows")
    scored.sort(key=lambda t: -t[0])
    if sheet is None and len(scored) > 1 and scored[0][0] == scored[1][0]:
        tied = [n for sc, n, _, _ in scored if sc == scored[0][0]]
        raise DataError(
            f"{path.name}: {len(names)} sheets and {len(tied)} of them ({', '.join(tied)}) look "
            "equally like the table; name the sheet to read, or keep one sheet in the workbook")
    _, name, row, cells = scored[0]
    header = [h if h is not None and not (isinstance(h, float) and np.isnan(h)) else f"Unnamed: {i}"
              for i, h in enumerate(cells.iloc[row].tolist())]
    header = [str(h.isoformat() if hasattr(h, "isoformat") else h) for h in header]
    df = cells.iloc[row + 1:].reset_index(drop=True)
    df.columns = _dedupe(header)
    lines = np.arange(len(df), dtype="int64") + row + 2
    if len(names) > 1:
        log.info("%s: read sheet '%s' of %s", path.name, name, ", ".join(names))
    return df, name, row, lines, tuple(names)


def read_file(path: str | Path, hints: Iterable[str] = (), sheet: str | None = None) -> RawFile:
    """Read one exported file as raw cells.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.tsv``/``.txt`` (delimiter detected among ``,`` ``;`` tab ``|``),
        ``.csv.gz``, ``.xlsx``/``.xlsm``/``.xls`` or ``.parquet``.
    hints : iterable of str
        Header names the caller expects (compared through :func:`header_key`); they
        find the header row below a title row and choose the sheet of a workbook.
    sheet : str, optional
        The sheet to read; by default the one whose header matches ``hints`` best.

    Returns
    -------
    RawFile

    Raises
    ------
    DataError
        A missing, empty, unreadable or unsupported file, with what was expected.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file does not exist")
    if path.is_dir():
        raise DataError(f"{path}: is a folder; expected a CSV, XLSX, XLS or Parquet file")
    raw = path.read_bytes()
    size = len(raw)
    if size == 0:
        raise DataError(f"{path.name}: the file is empty; expected a header row and data rows")
    digest = hashlib.sha256(raw).hexdigest()
    hint_set = {header_key(h) for h in hints}
    suffixes = [s.lower() for s in path.suffixes]
    suffix = suffixes[-1] if suffixes else ""
    try:
        if suffix == ".gz":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as exc:
                raise DataError(f"{path.name}: is not a readable gzip file ({exc})") from None
            df, enc, sep, skip, lines = _read_text(path, raw, hint_set)
            fmt, sheet_name, sheets = "csv", None, ()
        elif suffix in CSV_SUFFIXES or not suffix:
            if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
                raise DataError(f"{path.name}: is an Excel workbook renamed to {suffix or 'no suffix'}; "
                                "name it .xlsx (or .xls), or export CSV")
            df, enc, sep, skip, lines = _read_text(path, raw, hint_set)
            fmt, sheet_name, sheets = "csv", None, ()
        elif suffix in EXCEL_SUFFIXES:
            df, sheet_name, skip, lines, sheets = _read_excel(path, hint_set, sheet)
            fmt, enc, sep = suffix[1:].replace("xlsm", "xlsx"), None, None
        elif suffix in PARQUET_SUFFIXES:
            try:
                df = pd.read_parquet(path)
            except Exception as exc:  # pyarrow raises its own types for a damaged file
                raise DataError(f"{path.name}: is not a readable Parquet file ({type(exc).__name__}: {exc})") from None
            lines = np.arange(len(df), dtype="int64") + 1
            fmt, enc, sep, sheet_name, sheets, skip = "parquet", None, None, None, (), 0
            return RawFile(path, df, fmt, enc, sep, sheet_name, skip, lines, digest, size, sheets)
        else:
            raise DataError(f"{path.name}: unsupported file type '{path.suffix}'; "
                            "expected .csv, .csv.gz, .xlsx, .xls or .parquet")
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: the file has no columns; expected a header row and data rows") from None
    except (pd.errors.ParserError, ValueError, OSError, KeyError, UnicodeDecodeError) as exc:
        raise DataError(f"{path.name}: cannot be read: {exc}") from None
    df, lines = _finish(df, lines)
    return RawFile(path, df, fmt, enc, sep, sheet_name, skip, lines, digest, size, sheets)
