"""Numbers commands: import-indicators, wards, indicators."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from triangulate import core, numbers
from triangulate.cli.common import actor_for, engine_for
from triangulate.core import ImportFailed, TriangulateError

META_FIELDS = ("key", "title", "source", "publisher", "period", "definition", "unit", "polarity", "licence",
               "aggregation", "denominator_label", "notes")


def register(sub) -> None:
    p = sub.add_parser("import-indicators", help="import indicator values from CSV/XLSX (long, wide, "
                                                 "statistics.gov.scot or Stat-Xplore)")
    p.add_argument("file")
    p.add_argument("--meta", help="JSON or YAML file with the indicator metadata (default: FILE.meta.json/.yaml "
                                  "next to the file, if there is one)")
    for name in META_FIELDS:
        p.add_argument(f"--{name.replace('_', '-')}", dest=f"meta_{name}", default=None)
    p.add_argument("--issues", dest="meta_issue_codes", default=None,
                   help="codebook issue codes the indicator informs, comma-separated (e.g. housing,fuel)")
    p.add_argument("--sheet", help="the XLSX sheet to import when there are several")
    p.add_argument("--area-level", choices=["ward", "intermediate_zone", "datazone"],
                   help="the level of the areas named in the file, when names are ambiguous")
    p.add_argument("--measurement", help="statistics.gov.scot: the Measurement to import (e.g. Count)")
    p.add_argument("--skip-outside", action="store_true", help="skip rows for areas outside Glasgow City")
    p.add_argument("--dry-run", action="store_true", help="validate and report only")
    p.set_defaults(handler=_import)

    p = sub.add_parser("wards", help="one row per ward: code, name and the key indicators (rates as fractions)")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--output", "-o", help="write to this file instead of standard output")
    p.set_defaults(handler=_wards)

    p = sub.add_parser("indicators", help="list the loaded indicators with their metadata")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(handler=_indicators)


def _load_meta(args) -> dict:
    meta: dict = {}
    path = Path(args.meta) if args.meta else None
    if path is None:
        for suffix in (".meta.json", ".meta.yaml", ".meta.yml"):
            candidate = Path(args.file).with_suffix(suffix)
            if candidate.exists():
                path = candidate
                break
    if path is not None:
        text = path.read_text(encoding="utf-8")
        try:
            if path.suffix == ".json":
                meta = json.loads(text)
            else:
                import yaml

                meta = yaml.safe_load(text) or {}
        except (ValueError, Exception) as exc:
            raise TriangulateError(f"{path}: the metadata is not valid {path.suffix[1:].upper()} ({exc}).") from exc
        if not isinstance(meta, dict):
            raise TriangulateError(f"{path}: the metadata must be a mapping of field: value.")
    for name in (*META_FIELDS, "issue_codes"):
        value = getattr(args, f"meta_{name}", None)
        if value is not None:
            meta[name] = value
    return meta


def _import(args) -> int:
    engine = engine_for(args)
    actor = actor_for(args, engine)
    data = Path(args.file).read_bytes()
    name = Path(args.file).name
    options = dict(meta=_load_meta(args) or None, sheet=args.sheet, area_level=args.area_level,
                   measurement=args.measurement, skip_outside=args.skip_outside)
    if args.dry_run:
        plan = numbers.plan_indicator_import(engine, name, data, **options)
        if plan.problems:
            raise ImportFailed(plan.problems)
        print(f"{name}: {plan.format}; {len(plan.rows)} values would be added "
              f"({', '.join(sorted(plan.metas))}). Nothing saved (dry run).")
        for note in plan.notes:
            print(f"  {note}")
        for key, meta in sorted(plan.metas.items()):
            print(f"Metadata that would be stored for {key} (change any field with its flag, e.g. --title):")
            for field_name, value in meta.model_dump().items():
                if value not in (None, "", []):
                    print(f"  {field_name}: {value}")
        return 0
    try:
        result = numbers.import_indicators(engine, actor, name, data, **options)
    except ImportFailed as exc:
        print(f"error: import failed, nothing was saved ({len(exc.problems)} problem(s)):", file=sys.stderr)
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    if result.already_imported:
        print(f"{name}: already imported; nothing added.")
    else:
        print(f"{name}: added {result.added} values for {', '.join(result.indicators)} "
              f"(periods: {', '.join(result.periods)}); {result.skipped} already stored.")
    for note in result.notes:
        print(f"  {note}")
    return 0


def _wards(args) -> int:
    engine = engine_for(args)
    df = numbers.wards_summary(engine)
    if df.empty:
        raise TriangulateError("No wards are loaded. Run `python -m triangulate init --demo` first.")
    text = core.csv_text(df) if args.format == "csv" else df.to_json(orient="records", indent=2)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _indicators(args) -> int:
    engine = engine_for(args)
    df = numbers.indicators_frame(engine)
    cols = ["key", "title", "source", "publisher", "period", "unit", "polarity", "aggregation", "licence",
            "issue_codes", "periods", "levels", "n_values", "definition"]
    df = df[[c for c in cols if c in df]]
    if args.format == "csv":
        df = df.assign(**{c: df[c].map(lambda v: "; ".join(v)) for c in ("issue_codes", "periods", "levels")
                          if c in df})
        sys.stdout.write(core.csv_text(df))
    else:
        sys.stdout.write(df.to_json(orient="records", indent=2) + "\n")
    return 0
