"""Practitioners' commands: import-insights, export-insights, export-codebook, import-codebook."""
from __future__ import annotations

from pathlib import Path

from triangulate import codebook, practitioners
from triangulate.cli.common import actor_for, engine_for, import_named_file
from triangulate.core import TriangulateError


def register(sub) -> None:
    p = sub.add_parser("import-insights", help="import officer insights from a CSV or XLSX file")
    p.add_argument("file", type=Path)
    p.add_argument("--illustrative", action="store_true", help="mark the insights as fictional demo data")
    p.set_defaults(handler=_import_insights)

    p = sub.add_parser("export-insights", help="export insights with their codes (CSV or XLSX by extension)")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(handler=_export_insights)

    p = sub.add_parser("insights-template", help="write the insights import template (CSV or XLSX)")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(handler=_template)

    p = sub.add_parser("export-codebook", help="export the codebook as a REFI-QDA .qdc file")
    p.add_argument("--format", choices=["qdc"], default="qdc")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(handler=_export_codebook)

    p = sub.add_parser("import-codebook", help="import a REFI-QDA .qdc codebook (matched by GUID)")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=_import_codebook)


def _import_insights(args) -> int:
    return import_named_file(args, practitioners.import_file, lambda report: report.summary(),
                             illustrative=args.illustrative)


def _export_insights(args) -> int:
    engine = engine_for(args)
    frame = practitioners.export_frame(engine, actor_for(args, engine))
    suffix = args.out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise TriangulateError("Use --out with a .csv or .xlsx file name.")
    data = practitioners.insights_csv(frame) if suffix == ".csv" else practitioners.insights_xlsx(frame)
    args.out.write_bytes(data)
    print(f"Wrote {len(frame)} rows to {args.out}.")
    return 0


def _template(args) -> int:
    engine = engine_for(args)
    data = (practitioners.template_xlsx(engine) if args.out.suffix.lower() == ".xlsx"
            else practitioners.template_csv())
    args.out.write_bytes(data)
    print(f"Wrote the template to {args.out}.")
    return 0


def _export_codebook(args) -> int:
    engine = engine_for(args)
    args.out.write_bytes(codebook.export_qdc(engine))
    print(f"Wrote the codebook to {args.out} (REFI-QDA codebook 1.0).")
    return 0


def _import_codebook(args) -> int:
    return import_named_file(args, codebook.import_qdc, lambda report: (
        f"{args.file.name} was imported before; nothing changed." if report["already"] else
        f"Codebook imported: {report['added']} added, {report['updated']} updated, {report['unchanged']} unchanged."))
