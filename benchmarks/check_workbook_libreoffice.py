"""Open a report's workbook in LibreOffice and compare every cell with what openpyxl reads.

Not a test (LibreOffice is not one of the project's dependencies): a check of the workbook
writer's bulk SpreadsheetML rows (``workbench/reporting/excel_xml.py``) against a second,
independent reader. LibreOffice (``soffice``, e.g. ``apt-get install libreoffice-calc-nogui``)
opens the workbook and saves it again as ``.xlsx``; every cell of every sheet of its copy must
equal the cell of ours (numbers to 12 significant digits, blank and empty text alike).

Usage::

    python benchmarks/check_workbook_libreoffice.py reports/latest/tables/10_customer_segmentation/*.xlsx
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def differences(ours: Path, theirs: Path, show: int = 10) -> tuple[int, int]:
    """(cells compared, cells that differ) between two workbooks, sheet by sheet."""
    from openpyxl import load_workbook

    a, b = load_workbook(ours, read_only=True), load_workbook(theirs, read_only=True)
    if a.sheetnames != b.sheetnames:
        raise SystemExit(f"{ours.name}: sheets differ: {a.sheetnames} against {b.sheetnames}")
    cells = bad = 0
    for name in a.sheetnames:
        ra, rb = list(a[name].iter_rows(values_only=True)), list(b[name].iter_rows(values_only=True))
        if len(ra) != len(rb):
            print(f"  {name}: {len(ra)} rows against {len(rb)}")
            bad += 1
            continue
        for i, (x, y) in enumerate(zip(ra, rb, strict=True)):
            width = max(len(x), len(y))
            for j, (u, v) in enumerate(zip([*x, *[None] * (width - len(x))], [*y, *[None] * (width - len(y))],
                                           strict=True)):
                cells += 1
                same = u == v or (u in (None, "") and v in (None, "")) or (
                    isinstance(u, float) and isinstance(v, (int, float)) and math.isclose(u, v, rel_tol=1e-12))
                if not same:
                    bad += 1
                    if bad <= show:
                        print(f"  {name}!R{i + 1}C{j + 1}: ours {u!r}, LibreOffice {v!r}")
    return cells, bad


def main(paths: list[str]) -> int:
    soffice = shutil.which("soffice")
    if soffice is None:
        print("soffice not found: install LibreOffice (apt-get install libreoffice-calc-nogui)", file=sys.stderr)
        return 2
    failed = 0
    for p in map(Path, paths):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            subprocess.run([soffice, "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
                            str(out), str(p)], check=True, capture_output=True, timeout=3600)
            cells, bad = differences(p, out / p.name)
        print(f"{p}: {cells:,} cells compared, {bad} differ")
        failed += bad > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
