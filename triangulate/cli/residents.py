"""Residents' voice from the command line: import transcripts, analyse them, export the topics."""
from __future__ import annotations

import sys
from pathlib import Path

from triangulate import core, joint, residents
from triangulate.cli.common import actor_for, engine_for, import_named_file, write_out
from triangulate.core import ImportFailed, Problem


def register(sub) -> None:
    p = sub.add_parser("import-transcript", help="parse, redact and store one or more transcripts")
    p.add_argument("files", nargs="+", metavar="FILE", help=".txt, .md, .docx, .vtt or .srt")
    p.add_argument("--ward", help="ward name or code (default: the file's own `ward:` line)")
    p.add_argument("--resident", action="append", default=None, metavar="SPEAKER",
                   help="a speaker who is a resident, as written in the file (repeat; default: the suggestion)")
    p.add_argument("--method", choices=["interview", "focus group", "drop-in"])
    p.add_argument("--consent-basis", help="consent / lawful basis recorded for this conversation")
    p.add_argument("--facilitator")
    p.add_argument("--unlabelled", choices=["resident", "skip"], default=None,
                   help="a file with no speaker labels: read every paragraph as residents' words, or skip the "
                        "file (default: refuse it)")
    p.add_argument("--show-redactions", action="store_true", help="print the redaction report before saving")
    p.set_defaults(handler=_import)

    p = sub.add_parser("analyse", help="fit topics over resident segments and map them to issues")
    p.add_argument("--force", action="store_true", help="refit even if no segment changed")
    p.set_defaults(handler=_analyse)

    p = sub.add_parser("topics", help="the current topics with their issues and sizes per ward")
    p.add_argument("--format", choices=["csv", "table"], default="table")
    p.set_defaults(handler=_topics)
    register_coding(sub)


def _import(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    files = [(Path(f).name, Path(f).read_bytes()) for f in args.files]
    # every file checked before any is saved; spaCy runs once over all of them
    items = residents.previews(engine, actor, files, unlabelled=args.unlabelled, skipped=_say_skipped)
    problems = []
    for item in items:
        for warning in item.parsed.warnings:
            print(f"{item.filename}: warning: {warning}", file=sys.stderr)
        if args.resident is None:
            problems.extend(_no_suggested_residents(item, args.facilitator))
    if problems:
        raise ImportFailed(problems)
    meta = {k: v for k, v in {"method": args.method, "consent_basis": args.consent_basis,
                               "facilitator": args.facilitator}.items() if v is not None}
    for item in items:
        if args.show_redactions:
            print(item.redaction_frame().to_string(index=False), file=sys.stderr)
        try:
            saved = residents.save_transcripts(engine, actor, item, ward=args.ward, residents=args.resident, **meta)
        except ImportFailed as exc:
            problems.extend(exc.problems)
            continue
        if saved.created:
            print(f"{item.filename}: saved as transcript {saved.transcript_id}: {saved.resident_segments} resident "
                  f"segments of {saved.segments}, {saved.redactions} redactions.")
        else:
            print(f"{item.filename}: already imported (transcript {saved.transcript_id}); nothing added.")
    if problems:
        raise ImportFailed(problems)
    return 0


def _say_skipped(skipped) -> None:
    for problem in skipped.problems:
        print(f"{problem.file}: {problem.message}. Fix: {problem.fix}.", file=sys.stderr)


def _no_suggested_residents(item, facilitator: str | None) -> list:
    """Nothing is pre-ticked unless a key or the pattern marks respondents: then the researcher names them."""
    roles = item.suggested_roles(facilitator)
    if any(r == "resident" for r in roles.values()):
        return []
    listed = ", ".join(f"{s} ({r})" for s, r in roles.items())
    return [Problem(item.filename, None, "speakers", f"no speaker is marked as a resident by a key or the "
                    f"pattern (speakers: {listed})", "name each resident as written in the file with "
                    "--resident LABEL (repeat it), or the interviewer with --facilitator NAME, or add a key "
                    "line such as 'Key: I = Interviewer, R = Respondent' to the file")]


def _analyse(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    result = residents.analyse(engine, actor, force=args.force,
                               progress=lambda f, msg: print(f"[{f:4.0%}] {msg}", file=sys.stderr))
    print(result.describe())
    return 0


def _topics(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    if args.format == "csv":
        sys.stdout.write(residents.topics_csv(engine, actor))
    else:
        frame = residents.topics_frame(engine, actor)
        print(frame.to_string(index=False) if not frame.empty else "No topics yet: run `analyse`.")
    return 0


# --------------------------------------------------------------------------- people's codes (issue 11)
def register_coding(sub) -> None:
    p = sub.add_parser("segments", help="every transcript segment with its issue (one row per segment)")
    p.add_argument("--format", choices=["csv"], default="csv")
    p.add_argument("--ward", help="only this ward (name or code)")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(handler=_segments)

    p = sub.add_parser("code-segments", help="save manual issue codes from a CSV of segment_id,issue_code "
                                             "(`none` allowed; several rows per segment for several issues)")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=_code_segments)


def _segments(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    ward_code = joint.ward_code_for(engine, args.ward) if args.ward else None
    frame = residents.segments_frame(engine, actor, ward_code)
    # a cell starting with = + - @ is neutralised, as in every export
    write_out(core.csv_text(frame), args.out, f"Wrote {len(frame)} segments to {args.out}.")
    return 0


def _code_segments(args) -> int:
    return import_named_file(args, residents.import_codes, lambda result: result.summary(), "nothing was saved")
