"""The Excel workbook of a report: time to write it, cells per second, file size.

    python benchmarks/bench_excel.py benchmarks/out/sample_x25                  # segmentation, 1M lines
    python benchmarks/bench_excel.py data/sample --notebook 20_channel_evaluation
    python benchmarks/bench_excel.py benchmarks/out/sample_x25 --sheets /tmp/seg.pkl   # reuse the sheets

Runs the notebook's code cells in this process up to ``rpt.finish()`` (the analysis, not
timed), keeps the sheets ``finish`` would write, then times
:func:`workbench.reporting.excel.write_workbook` on them exactly as ``finish`` calls it.
``--sheets FILE`` saves the sheets after the first run and reads them on later ones (code
columns' labels kept as a table). ``--rows N`` scales the long sheets to their first N rows
(to check that the cost is linear in cells). Prints wall and CPU seconds and the load average,
since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.reporting import excel  # noqa: E402
from workbench.reporting.formats import Formatter  # noqa: E402


def finish_inputs(notebook: str, data_dir: str) -> dict:
    """The sheets and About lines ``rpt.finish()`` of ``notebook`` would write, on ``data_dir``."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    nb = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    out = tempfile.mkdtemp(prefix="bench_excel_")
    g: dict = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        if "rpt.finish()" in src:
            break
        if "parameters" in (cell.get("metadata", {}).get("tags") or []):
            src += f"\ndata_dir = {data_dir!r}\noutput_dir = {out!r}\ninteractive = False\n"
        exec(compile(src, notebook, "exec"), g)  # noqa: S102 - the project's own notebook
    rpt = g["rpt"]
    sheets = [dict(table=s.table, data=s.data, kinds=s.kinds, headers=s.headers, description=s.description,
                   labels={c: {v: f(v) for v in s.data[c].dropna().unique()} for c, f in s.cell_text.items()})
              for s in rpt.sheets.values()]
    kw = dict(about=rpt._about(), about_title=rpt.t("xlsx_about"),
              sheet_list_headers=[rpt.t(k) for k in ("xlsx_sheet", "table", "rows", "description")],
              about_notes=[rpt.t("xlsx_note_numbers").format(currency=rpt.fmt.symbol.strip()),
                           rpt.t("xlsx_note_sizes")],
              truncated_note=rpt.t("xlsx_truncated"))
    return dict(sheets=sheets, fmt=(rpt.fmt.lang, rpt.currency), kw=kw)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir")
    ap.add_argument("--notebook", default="10_customer_segmentation")
    ap.add_argument("--sheets", help="pickle of the sheets: written if absent, else read")
    ap.add_argument("--rows", type=int, help="cut every sheet to its first ROWS rows")
    ap.add_argument("--out", default=None, help="where the workbook goes (default: a temporary folder)")
    args = ap.parse_args(argv)

    if args.sheets and Path(args.sheets).exists():
        with open(args.sheets, "rb") as f:
            inputs = pickle.load(f)
    else:
        t = time.perf_counter()
        inputs = finish_inputs(args.notebook, args.data_dir)
        print(f"analysis (not timed): {time.perf_counter() - t:.1f} s", flush=True)
        if args.sheets:
            with open(args.sheets, "wb") as f:
                pickle.dump(inputs, f)
    sheets = [excel.Sheet(s["table"], s["data"].iloc[:args.rows] if args.rows else s["data"], s["kinds"],
                          s["headers"], s["description"], {c: (lambda v, m=m: m[v]) for c, m in s["labels"].items()})
              for s in inputs["sheets"]]
    cells = sum(min(len(s.data), excel.MAX_ROWS) * len(s.data.columns) for s in sheets)
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_excel_")) / f"{args.notebook}.{inputs['fmt'][0]}.xlsx"
    load = os.getloadavg()
    t, c = time.perf_counter(), time.process_time()
    excel.write_workbook(out, sheets, Formatter(*inputs["fmt"]), **inputs["kw"])
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"{args.notebook} on {args.data_dir}: {len(sheets)} sheets, {cells:,} cells; wrote {out} "
          f"({out.stat().st_size / 1e6:.1f} MB) in {wall:.1f} s wall, {cpu:.1f} s CPU = {cells / wall:,.0f} cells/s; "
          f"load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
