"""``workbench`` command line: a thin shell over the Python API.

    workbench sample   --out DIR [--seed N] [--scale X] [--lead-scale X] [--regions N] [--reps N]
    workbench validate --data DIR
    workbench run      [--params FILE] [--data DIR] [--only NAME ...] [--jobs N] [--out DIR] [--for DIM=all]
                       [--quiet]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from workbench.exceptions import DataError, WorkbenchError


def _cmd_sample(args) -> int:
    from workbench.sample import generate_sample

    truth = generate_sample(args.out, seed=args.seed, scale=args.scale, lead_scale=args.lead_scale,
                            regions=args.regions, reps=args.reps)
    n = truth.get("row_counts", {}).get("orders")
    print(f"Sample company written to {args.out}" + (f" ({n:,} order lines)" if n else ""))
    return 0


def _cmd_validate(args) -> int:
    from workbench.data.loader import format_issues, load_dataset

    try:
        ds = load_dataset(args.data, strict=False)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, df in sorted(ds.tables.items()):
        f = ds.files[name]
        enc = f" ({f.encoding})" if f.encoding else ""
        print(f"  {name:<20} {len(df):>10,} rows  {f.path.name}{enc}")
    if ds.issues:
        print(format_issues(ds.issues, header=f"{len(ds.errors)} error(s), {len(ds.warnings)} warning(s):"))
    if ds.errors:
        print(f"validate: {args.data} has {len(ds.errors)} error(s)", file=sys.stderr)
        return 1
    print(f"validate: {args.data} is usable ({len(ds.tables)} tables)")
    return 0


def _check_params_file(path: Path | None) -> None:
    """A params path that is a folder or not UTF-8 fails here with a message, not a traceback."""
    from workbench.exceptions import ParamsError

    if path is None or not path.exists():
        return  # the runner says "does not exist"
    if path.is_dir():
        found = sorted(p.name for p in path.glob("*.y*ml"))
        raise ParamsError(f"--params {path}: is a folder; expected a params YAML file"
                          + (f", e.g. {path / found[0]} (the folder holds {', '.join(found)})" if found else
                             " such as params/sample.yaml"))
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            raw.decode("gb18030")
            enc = "GBK/GB18030 (as Notepad or Excel on a Chinese Windows saves it)"
        except UnicodeDecodeError:
            enc = "an unknown encoding"
        raise ParamsError(f"--params {path}: the file is not UTF-8 but {enc}; save it as UTF-8 "
                          "(in Notepad: Save As, Encoding UTF-8) and run again") from None


def _cmd_run(args) -> int:
    from workbench.runner import run

    _check_params_file(args.params)
    result = run(args.params, data_dir=args.data, only=args.only, jobs=args.jobs, out_dir=args.out,
                 fan_out=args.fan_out, timeout_minutes=args.timeout_minutes, wait=not args.no_wait,
                 force=args.force, scheduler=args.scheduler, quiet=args.quiet)
    if not args.quiet:  # quiet: the runner's final line already names the index
        print(result.index)
    return 0 if result.ok else 1


def _cmd_import(args) -> int:
    from workbench import importers

    common = dict(out=args.out, force=args.force, currency=args.currency, name=args.name)
    try:
        if args.source == "zoho":
            report = importers.import_zoho(args.files, deals=args.deals, leads=args.leads, accounts=args.accounts,
                                           contacts=args.contacts, mapping=args.mapping, sheet=args.sheet, **common)
        elif args.source == "fxiaoke":
            report = importers.import_fxiaoke(args.files, customers=args.customers, opportunities=args.opportunities,
                                              orders=args.orders, order_products=args.order_products,
                                              leads=args.leads, mapping=args.mapping, sheet=args.sheet, **common)
        else:
            report = importers.import_mapping(args.mapping, input=args.input, **common)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"Nothing was written to {args.out}.", file=sys.stderr)
        return 2
    print(report.to_text())
    print(f"import: {args.out} is ready (report in {args.out / 'import_report.json'}); "
          f"next: workbench validate --data {args.out}")
    return 0


def _add_import(sub) -> None:
    imp = sub.add_parser("import", help="turn CRM exports or any CSV/XLSX into a dataset folder")
    srcs = imp.add_subparsers(dest="source", required=True)

    def common(p, mapping_help: str, mapping_required: bool = False) -> None:
        p.add_argument("--out", required=True, type=Path, help="dataset folder to write (atomically)")
        p.add_argument("--mapping", type=Path, required=mapping_required, default=None, help=mapping_help)
        p.add_argument("--force", action="store_true", help="replace the output folder if it exists")
        p.add_argument("--currency", default=None, help="currency of the amounts, for dataset.yaml (e.g. CNY)")
        p.add_argument("--name", default=None, help="dataset name, for dataset.yaml")
        p.set_defaults(func=_cmd_import)

    z = srcs.add_parser("zoho", help="Zoho CRM module exports (Deals, Leads, Accounts, Contacts; CSV or XLSX)")
    z.add_argument("files", nargs="*", type=Path, help="exports; the module is told from the headers")
    for m in ("deals", "leads", "accounts", "contacts"):
        z.add_argument(f"--{m}", type=Path, default=None, help=f"the {m.capitalize()} export")
    z.add_argument("--sheet", default=None, help="sheet of the XLSX exports to read")
    common(z, "mapping file with aliases for renamed columns and value maps (optional)")

    f = srcs.add_parser("fxiaoke", help="纷享销客 Fxiaoke exports (客户, 商机, 销售订单, 订单产品, 线索; XLSX or CSV)")
    f.add_argument("files", nargs="*", type=Path, help="exports; the object is told from the headers")
    for m, zh in (("customers", "客户"), ("opportunities", "商机"), ("orders", "销售订单"),
                  ("order-products", "订单产品 (order product lines)"), ("leads", "线索")):
        f.add_argument(f"--{m}", type=Path, default=None, help=f"the {zh} export")
    f.add_argument("--sheet", default=None, help="sheet of the XLSX exports to read")
    common(f, "mapping file with aliases for renamed labels and value maps (optional)")

    g = srcs.add_parser("mapping", help="any CSV/XLSX through a mapping file (see params/mappings/)")
    g.add_argument("--input", type=Path, default=Path("."), help="folder of the files the mapping names, or the one file")
    common(g, "the mapping file (YAML)", mapping_required=True)


def build_parser() -> argparse.ArgumentParser:
    from workbench import __version__

    p = argparse.ArgumentParser(
        prog="workbench", description="Sales channel workbench",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  workbench validate --data data/sample\n"
               "  workbench run --params params/sample.yaml --jobs 2\n"
               "  workbench run --params params/sample.yaml --only channel_evaluation --force\n"
               "  workbench run --params params/sample.yaml --for region=all --scheduler tcp://127.0.0.1:8786\n"
               "  workbench import zoho Deals.csv Accounts.xlsx --out data/acme\n"
               "  workbench sample --out /tmp/big --scale 25")
    p.add_argument("--version", action="version", version=f"workbench {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress of the package")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="write the bundled sample company (deterministic)")
    s.add_argument("--out", required=True, type=Path, help="dataset folder to write")
    s.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    s.add_argument("--scale", type=float, default=1.0, help="size factor; 25 gives over 1,000,000 order lines")
    s.add_argument("--lead-scale", type=float, default=None,
                   help="size factor of the leads alone (default: --scale); 50 gives about 500,000 leads")
    s.add_argument("--regions", type=int, default=None,
                   help="split the seven regions into this many sub-regions (benchmarks, fan-out)")
    s.add_argument("--reps", type=int, default=None, help="split the sixty reps into this many (benchmarks)")
    s.set_defaults(func=_cmd_sample)

    v = sub.add_parser("validate", help="check a dataset folder against the data model")
    v.add_argument("--data", required=True, type=Path, help="dataset folder")
    v.set_defaults(func=_cmd_validate)

    r = sub.add_parser("run", help="run the notebooks and publish HTML reports")
    r.add_argument("--params", type=Path, default=None, help="params YAML (default: built-in defaults)")
    r.add_argument("--data", type=Path, default=None, help="dataset folder (overrides the params file)")
    r.add_argument("--only", nargs="+", default=None, metavar="NAME", help="notebooks to run (stem or name)")
    r.add_argument("--jobs", type=int, default=1, help="notebooks run in parallel")
    r.add_argument("--out", type=Path, default=None, help="reports folder (default reports/)")
    r.add_argument("--for", dest="fan_out", default=None, metavar="DIM=VALUES",
                   help="one report per value: region=all, channel=CH01,CH02, team=all")
    r.add_argument("--timeout-minutes", type=float, default=None, metavar="N",
                   help="stop a notebook still running after N minutes (default 30); the others go on")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="execute the notebooks on this Dask scheduler's workers (see docs/scheduling.md)")
    r.add_argument("--force", action="store_true",
                   help="execute every notebook, even those whose earlier result could be reused")
    r.add_argument("--no-wait", action="store_true",
                   help="fail at once when another run is publishing into the same reports folder")
    r.add_argument("-q", "--quiet", action="store_true",
                   help="print only failures and the final line (for cron); no progress lines")
    r.set_defaults(func=_cmd_run)

    _add_import(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return args.func(args)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if args.command == "run" and "nothing was published" not in str(exc):
            print("Nothing was published; the last good report is unchanged.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was published; the last good report is unchanged.", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a folder that vanished: one line, not a traceback
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        if args.command == "run":
            print("Nothing was published; the last good report is unchanged.", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
