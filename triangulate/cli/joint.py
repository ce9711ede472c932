"""Joint display commands: `matrix` (one row per issue: the three strand levels and the verdict) and `report`."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from triangulate import core, joint
from triangulate.cli.common import actor_for, engine_for, write_out

COLUMNS = ["issue_code", "issue", "numbers", "practitioners", "residents", "numbers–practitioners",
           "numbers–residents", "practitioners–residents", "verdict", "why"]


def register(sub) -> None:
    p = sub.add_parser("matrix", help="a ward's joint display: the three strand levels and the verdict per issue")
    p.add_argument("--ward", required=True, help="ward name or code, e.g. Govan or S13002971")
    p.add_argument("--area", help="an area inside the ward: an intermediate zone or data zone (name or code, e.g. "
                                  "Ibrox or S02001859) or a named neighbourhood; evidence placed there only")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(handler=_matrix)

    p = sub.add_parser("report", help="a ward's workshop report (.html, .pdf or .xlsx by the file's extension)")
    p.add_argument("--ward", required=True, help="ward name or code")
    p.add_argument("--area", help="an area inside the ward (IZ, DZ or neighbourhood): the report for that area")
    p.add_argument("--out", required=True, help="report file: report.html, report.pdf or report.xlsx")
    p.set_defaults(handler=_report)


def _matrix(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    ward_code = joint.ward_code_for(engine, args.ward)
    area = _area(engine, ward_code, args)
    frame = joint.matrix(engine, actor, [ward_code], area=area)
    place = ["area_code", "area"] if "area" in frame.columns else []
    frame = frame[["ward_code", "ward", *place] + COLUMNS]
    if (frame["residents"] == "not analysed").any():  # never stale in silence
        waiting = joint.waiting_segments(engine)
        print(f"warning: residents not analysed: {sum(waiting.values())} resident segment(s) "
              f"({waiting.get(ward_code, 0)} in this ward) wait for `python -m triangulate analyse`.", file=sys.stderr)
    if args.format == "json":
        text = json.dumps(frame.to_dict("records"), ensure_ascii=False, indent=2) + "\n"
    else:
        text = core.csv_text(frame)
    where = frame["area"].iloc[0] + ", " if place else ""
    write_out(text, args.out, f"Wrote {len(frame)} issues for {where}{frame['ward'].iloc[0]} to {args.out}.")
    return 0


def _area(engine, ward_code: str, args):
    """The --area inside the ward (None without one); a data zone answers for its IZ, said on stderr."""
    if not getattr(args, "area", None):
        return None
    area, note = joint.resolve_area_in_ward(engine, ward_code, args.area)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return area


def _report(args) -> int:
    started = time.perf_counter()
    fmt = joint.report_format_for(args.out)
    engine = engine_for(args)
    actor = actor_for(args, engine)
    ward_code = joint.ward_code_for(engine, args.ward)
    data = joint.export_report(engine, actor, ward_code, fmt, area=_area(engine, ward_code, args))
    Path(args.out).write_bytes(data)
    print(f"Wrote {args.out} ({len(data) / 1024:.0f} KB) in {time.perf_counter() - started:.1f} s.", file=sys.stderr)
    return 0
