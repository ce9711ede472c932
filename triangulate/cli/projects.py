"""REFI-QDA projects from the command line: import a coded .qdpx, export everything as one."""
from __future__ import annotations

import sys
from pathlib import Path

from triangulate import residents
from triangulate.cli.common import actor_for, engine_for
from triangulate.core import TriangulateError


def register(sub) -> None:
    p = sub.add_parser("import-project", help="import a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or "
                                              "QualCoder: transcripts (redacted) with the researchers' codes")
    p.add_argument("file", metavar="FILE.qdpx")
    p.add_argument("--ward", help="ward for every transcript (default: each source's own ward attribute)")
    p.add_argument("--map", action="append", default=[], metavar="CODE=ISSUE",
                   help="map a project code (its name) to a codebook issue code, or to 'skip'; codes that match "
                        "nothing are added as new issues (repeat)")
    p.add_argument("--unlabelled", choices=["resident", "skip"], default=None,
                   help="sources with no speaker labels: all residents' words, or leave them out")
    p.add_argument("--dry-run", action="store_true", help="read, redact and check everything; save nothing")
    p.set_defaults(handler=_import)

    p = sub.add_parser("export-project", help="export redacted transcripts, codebook and codes as a .qdpx")
    p.add_argument("--out", required=True, metavar="FILE.qdpx")
    p.set_defaults(handler=_export)


def _import(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    name = Path(args.file).name
    pp = residents.preview_project(engine, actor, name, Path(args.file).read_bytes(), unlabelled=args.unlabelled,
                                   progress=lambda f, msg: print(f"[{f:4.0%}] {msg}", file=sys.stderr))
    by_name = {code.name.strip().lower(): code for code, _ in pp.project.all_codes()}
    code_map = {}
    for item in args.map:
        left, _, right = item.partition("=")
        code = by_name.get(left.strip().lower())
        if code is None or not right.strip():
            raise TriangulateError(f"--map {item!r}: write CODE=ISSUE with a code the project has "
                                   f"({', '.join(sorted(c.name for c, _ in pp.project.all_codes())[:10])}, …)")
        code_map[code.guid] = residents.LEAVE_CODE_OUT if right.strip().lower() == "skip" else right.strip()
    for line in pp.left_out:
        print(f"{name}: left out: {line}", file=sys.stderr)
    for sp in pp.sources:
        coded = sp.coded_spans(sp.residents)
        for warning in [*sp.preview.parsed.warnings, *sp.warnings]:
            print(f"{name}: {sp.source.name}: warning: {warning}", file=sys.stderr)
        print(f"{sp.source.name}: {len(sp.preview.parsed.turns)} turns, {len(sp.preview.redactions)} redactions, "
              f"{len(coded)} coded segments or spans", file=sys.stderr)
    for code, _ in pp.project.all_codes():
        guid = residents.normal_guid(code.guid)
        choice = code_map.get(code.guid, pp.code_map.get(guid))
        print(f"code {code.name!r} → {choice}", file=sys.stderr)
    if args.dry_run:
        print(f"{name}: {len(pp.sources)} transcript(s) checked; nothing saved (dry run).")
        return 0
    saved = residents.save_project(engine, actor, pp, ward=args.ward, code_map=code_map)
    print(f"{name}: {len(saved.transcripts)} transcript(s) saved ({', '.join(map(str, saved.transcripts))}), "
          f"{len(saved.already)} already imported, {saved.codes} codes, new issues: "
          f"{', '.join(saved.new_issues) or 'none'}.")
    return 0


def _export(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    data = residents.export_project(engine, actor)
    Path(args.out).write_bytes(data)
    print(f"Wrote {args.out} ({len(data) / 1024:.0f} KB).")
    return 0
