"""Shared machinery of the importers: read an export, find its columns, map its values,
parse its dates and amounts, and write a dataset folder atomically with a report.

It lives in one module per step, and this module gathers their public names (so
``from workbench.importers.base import ...`` keeps working):

- :mod:`~workbench.importers.read`: :func:`read_source` (the loader's reader);
- :mod:`~workbench.importers.fields`: :class:`Field`, :func:`resolve_fields`, header
  names, the vendor mapping file (:class:`VendorOverrides`);
- :mod:`~workbench.importers.values`: value maps, dates, amounts, ids, expressions,
  channel types;
- :mod:`~workbench.importers.tables`: :class:`Export` and the shared canonical tables;
- :mod:`~workbench.importers.write`: :func:`write_dataset`;
- :mod:`~workbench.importers.report`: :class:`ImportReport`, :class:`MappingError`.

Every importer (Zoho CRM, Fxiaoke, a mapping file) does the same four things:

1. read each source file as raw cells (:func:`read_source`) through the loader's own
   reader (:mod:`workbench.data.read`): CSV in UTF-8, UTF-8 with BOM or GBK/GB18030,
   any of ``,`` ``;`` tab ``|`` as delimiter, ``.csv.gz``, XLSX or old XLS (the sheet
   whose header fits best); a title row above the header is skipped;
2. find the columns it needs by their aliases (:func:`resolve_fields`): a required one
   that is missing stops the import with the columns found and the closest candidates;
3. turn cells into canonical values: :func:`map_values` (picklists such as stage to
   status; an unknown value stops the import with a list and the YAML that maps it),
   :func:`parse_dates` (explicit formats, epoch milliseconds in a time zone),
   :func:`parse_money` (currency symbols, thousands separators, 万);
4. :func:`write_dataset`: write the tables into a staging folder next to the output,
   check it with :func:`~workbench.data.loader.load_dataset` (strict), save
   ``import_report.json`` and move the folder into place in one rename. An error at
   any step leaves nothing behind.

Everything an import did is recorded on an :class:`ImportReport`: rows read per file,
rows written per table, rows dropped and why, values mapped, blanks filled, columns
left unmapped, warnings.
"""

from __future__ import annotations

from workbench.importers.fields import (  # noqa: F401 - re-exported
    Field,
    StageRow,
    VendorOverrides,
    closest,
    load_overrides,
    load_yaml,
    norm,
    norm_series,
    resolve_fields,
    snake,
    unmapped_columns,
    validation_message,
)
from workbench.importers.read import (  # noqa: F401 - re-exported
    SourceFile,
    read_source,
)
from workbench.importers.report import (  # noqa: F401 - re-exported
    MAX_SHOWN,
    ImportReport,
    MappingError,
    _plural,
)
from workbench.importers.tables import (  # noqa: F401 - re-exported
    Export,
    channels_table,
    check_record_ids,
    drop_rows,
    frame,
    line_ids,
    link_by_name,
    merged_values,
    reps_table,
    stages_table,
)
from workbench.importers.values import (  # noqa: F401 - re-exported
    _CURRENCY_MARKS,
    _EPOCH_RE,
    DROP,
    TEXT_DATE_FORMATS,
    TYPE_WORDS,
    _key,
    _text,
    clean_ids,
    coerce_kind,
    eval_expression,
    guess_channel_type,
    is_drop,
    map_values,
    parse_dates,
    parse_money,
    raise_bad,
    status_values,
    to_probability,
)
from workbench.importers.write import (  # noqa: F401 - re-exported
    REPORT_FILE,
    check_output,
    write_csv,
    write_dataset,
)

__all__ = ['DROP', 'Export', 'Field', 'ImportReport', 'MAX_SHOWN', 'MappingError', 'REPORT_FILE', 'SourceFile', 'StageRow', 'TEXT_DATE_FORMATS', 'TYPE_WORDS', 'VendorOverrides', '_text', 'channels_table', 'check_output', 'check_record_ids', 'clean_ids', 'closest', 'coerce_kind', 'drop_rows', 'eval_expression', 'frame', 'guess_channel_type', 'is_drop', 'line_ids', 'link_by_name', 'load_overrides', 'load_yaml', 'map_values', 'merged_values', 'norm', 'norm_series', 'parse_dates', 'parse_money', 'raise_bad', 'read_source', 'reps_table', 'resolve_fields', 'snake', 'stages_table', 'status_values', 'to_probability', 'unmapped_columns', 'validation_message', 'write_csv', 'write_dataset']
