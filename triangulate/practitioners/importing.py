"""Bulk import and export of insights (CSV or XLSX), with a template to fill in.

Validation first, writing second: every problem is collected as Problem(file, row, column, message, fix)
(rows counted as a spreadsheet shows them, header = row 1) and the import is refused as a whole. An
accepted file is written in one transaction. The same file twice adds nothing (the file's checksum is
kept in ImportBatch), and a row whose insight already exists (same ward, date, author and text) only
updates that coder's coding — which is also how a second coder's rows join the first coder's insight.
The file shape is documented in `schemas/insight_files.py`; the export uses the same shape, so an export
can be edited and imported again.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from schemas import ImportBatch, Insight, InsightCode, InsightPlace, Issue, User
from schemas.insight_files import (
    COLUMN_HELP,
    COLUMNS,
    MAX_TEXT,
    NOT_CODED,
    REQUIRED,
    CodeSpec,
    InsightFields,
    format_codes,
    parse_codes,
)
from triangulate.core import audit, exports, places, upload_limits
from triangulate.core.db import session_scope
from triangulate.core.errors import ImportFailed, Problem, TriangulateError
from triangulate.core.permissions import Actor, can, require
from triangulate.practitioners import insights

MAX_ROWS = 20_000
MAX_BYTES = 40 * 1024 * 1024
FIX = {
    "ward": "use a Glasgow ward code (S13…) or its name, e.g. Govan",
    "date": "write the date as 2025-03-14 or 14/03/2025, not in the future",
    "author": "give the name or username of whoever wrote the insight",
    "role_service": "give the role or service, e.g. Health visiting",
    "evidence_type": "use one of: direct observation; caseload pattern; a family's story; partner report",
    "families": "give a whole number of families, or leave it blank",
    "confidence": "use low, medium or high, or leave it blank",
    "text": f"write the insight; keep it under {MAX_TEXT:,} characters (split long notes into two rows)",
    "codes": "write issue:stance:severity separated by ';' using codes from the codebook, "
             "e.g. housing:problem:3; food:worsening:2",
    "coder": "give the username of the person who coded the row, or leave it blank",
}
# Officers import only their own insights and codings; only roles holding this permission may name
# another author or coder (a researcher compiling returns from several practitioners).
ACT_FOR_OTHERS = "insights.import_for_others"
_FIELD_TO_COLUMN = {"observed_on": "date"}


@dataclass
class ParsedRow:
    row: int
    fields: InsightFields
    ward_code: str
    codes: list[CodeSpec]
    coder: str
    iz_codes: tuple[str, ...] = ()  # the optional `area` column, resolved in the row's ward


@dataclass
class ImportReport:
    filename: str
    rows: int = 0
    insights_added: int = 0
    insights_existing: int = 0
    codings_changed: int = 0
    already_imported: bool = False
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.already_imported:
            return f"{self.filename} was imported before; nothing changed."
        return (f"{self.filename}: {self.rows} rows read, {self.insights_added} new insights, "
                f"{self.insights_existing} already there, {self.codings_changed} codings added or changed.")


# --------------------------------------------------------------------------- reading files
def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """The file as strings (blank cells are ''), header normalised to lower_snake_case."""
    suffix = Path(filename).suffix.lower()
    problem = lambda msg, fix: ImportFailed([Problem(filename, None, None, msg, fix)])  # noqa: E731
    if not data:
        raise problem("the file is empty", "choose the filled-in template (CSV or XLSX)")
    upload_limits.check_spreadsheet(data, filename, MAX_ROWS, MAX_BYTES)
    try:
        if suffix in (".xlsx", ".xlsm"):
            if data[:2] != b"PK":
                raise problem("this is not an Excel .xlsx workbook", "save it as .xlsx or as CSV (UTF-8)")
            frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl").fillna("")
        elif suffix in (".csv", ".txt"):
            text = _decode(data)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
        else:
            raise problem(f"files of type {suffix or '(none)'} cannot be imported", "upload a .csv or .xlsx file")
    except ImportFailed:
        raise
    except (ValueError, pd.errors.ParserError, KeyError, OSError) as exc:
        raise problem(f"the file could not be read as a table ({str(exc).splitlines()[0][:200]})",
                      "save it again from Excel as .xlsx or CSV (UTF-8) with the template's header row") from None
    except Exception as exc:  # openpyxl raises several undocumented errors on broken workbooks
        raise problem(f"the workbook could not be opened ({type(exc).__name__})",
                      "open it in Excel and save it again as .xlsx") from None
    frame.columns = [str(c).strip().lower().replace(" ", "_").replace("/", "_") for c in frame.columns]
    return frame.astype(str).apply(lambda col: col.str.strip())


def _own_names(actor: Actor) -> set[str]:
    return {actor.username.lower(), actor.name.lower()}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# --------------------------------------------------------------------------- validation
def validate(engine: Engine, actor: Actor, data: bytes, filename: str) -> tuple[list[ParsedRow], list[str]]:
    """Parse and check every row; raise ImportFailed listing all problems. Returns rows and ignored columns."""
    frame = read_table(data, filename)
    problems: list[Problem] = []
    missing = [c for c in REQUIRED if c not in frame.columns]
    for column in missing:
        problems.append(Problem(filename, 1, column, f"the required column '{column}' is missing",
                                f"add a '{column}' column ({COLUMN_HELP[column]}); download the template"))
    if missing:
        raise ImportFailed(problems)
    if frame.empty:
        raise ImportFailed([Problem(filename, 2, None, "the file has a header but no insights",
                                    "add one insight per row under the header")])
    if len(frame) > MAX_ROWS:
        raise ImportFailed([Problem(filename, None, None, f"the file has {len(frame):,} rows; the limit is "
                                    f"{MAX_ROWS:,}", "split it into several files")])
    ignored = [c for c in frame.columns if c not in COLUMNS]
    from datetime import date as _date

    with session_scope(engine) as session:
        gazetteer = places.Gazetteer.load(session)
        issues_by_code = insights.active_issues_by_code(session)
        users = {u.username: u for u in session.exec(select(User))}
    parsed: list[ParsedRow] = []
    seen: dict[tuple[str, str], tuple[int, list]] = {}
    for index, record in enumerate(frame.to_dict("records")):
        row = index + 2
        get = lambda c: record.get(c, "")  # noqa: E731
        if not any(str(v).strip() for v in record.values()):
            continue  # blank lines between blocks are common in spreadsheets
        fields = None
        author_cell = get("author")
        if not can(actor, ACT_FOR_OTHERS):
            if author_cell and author_cell.lower() not in _own_names(actor):
                problems.append(Problem(filename, row, "author", f"{author_cell!r} is not you: your role may import "
                                        "only insights you wrote", "leave the author blank or write your own name"))
            author_cell = actor.name
        try:
            fields = InsightFields(ward=get("ward"), observed_on=get("date"), author=author_cell,
                                   role_service=get("role_service"), evidence_type=get("evidence_type"),
                                   families=get("families") or None, confidence=get("confidence"), text=get("text"))
        except ValidationError as exc:
            for err in exc.errors():
                column = _FIELD_TO_COLUMN.get(str(err["loc"][0]), str(err["loc"][0]))
                message = err["msg"].removeprefix("Value error, ")
                if err["type"] in ("string_too_short", "missing"):
                    message = "this required cell is empty"
                elif column == "text" and err["type"] == "string_too_long":
                    message = f"the insight is {len(get('text')):,} characters, over the {MAX_TEXT:,} limit"
                elif column == "families":
                    message = f"{get('families')!r} is not a whole number of families (0–100,000)"
                problems.append(Problem(filename, row, column, message, FIX.get(column, "correct the cell")))
        ward_code, iz_codes = None, ()
        if get("ward"):
            try:
                ward_code = gazetteer.resolve_ward(get("ward"))
                iz_codes = places.area_codes(gazetteer, get("area"), ward_code)
            except TriangulateError as exc:
                column = "ward" if ward_code is None else "area"
                problems.append(Problem(filename, row, column, *places.split_fix(str(exc))))
        if fields and fields.observed_on > _date.today():
            problems.append(Problem(filename, row, "date", "the date is in the future", FIX["date"]))
        coder = (get("coder") or actor.username).lower()
        try:
            codes = parse_codes(get("codes"))
            problem = insights.check_codes(codes, issues_by_code, allow_not_coded=coder == insights.CONSENSUS)
            if problem:
                problems.append(Problem(filename, row, "codes", problem, FIX["codes"]))
        except ValueError as exc:
            codes = []
            problems.append(Problem(filename, row, "codes", str(exc), FIX["codes"]))
        if coder == insights.CONSENSUS and not can(actor, "insights.settle"):
            problems.append(Problem(filename, row, "coder", "only leads and researchers may import consensus "
                                    "codings", "leave the coder blank or use your username"))
        elif coder not in (actor.username, insights.CONSENSUS) and not can(actor, ACT_FOR_OTHERS):
            problems.append(Problem(filename, row, "coder", f"{coder!r} is not you: your role may import only "
                                    "your own codings", "leave the coder blank or use your username"))
        elif coder != actor.username and coder != insights.CONSENSUS and not coder.replace(".", "").replace(
                "-", "").replace("_", "").isalnum():
            problems.append(Problem(filename, row, "coder", f"{coder!r} is not a username", FIX["coder"]))
        if fields is None or ward_code is None:
            continue
        author = users.get(fields.author.lower()) if can(actor, ACT_FOR_OTHERS) else None
        author_name = author.display_name if author else fields.author
        key = (insights.content_hash(ward_code, fields.observed_on, author_name, fields.text), coder)
        if key in seen and seen[key][1] != codes:
            problems.append(Problem(filename, row, "codes", f"this insight and coder appear already in row "
                                    f"{seen[key][0]} with different codes", "keep one row per insight and coder"))
        seen.setdefault(key, (row, codes))
        parsed.append(ParsedRow(row, fields.model_copy(update={"author": author_name}), ward_code, codes, coder,
                                iz_codes))
    if problems:
        raise ImportFailed(problems)
    return parsed, ignored


# --------------------------------------------------------------------------- import
def import_file(engine: Engine, actor: Actor, data: bytes, filename: str, illustrative: bool = False,
                progress=None) -> ImportReport:
    """Validate then write in one transaction. `progress(done, total)` is called while writing."""
    require(actor, "insights.import")
    rows, ignored = validate(engine, actor, data, filename)
    checksum = hashlib.sha256(data).hexdigest()
    report = ImportReport(filename=Path(filename).name, rows=len(rows), ignored_columns=ignored)
    try:
        return _write(engine, actor, rows, checksum, report, illustrative, progress)
    except IntegrityError:
        # A simultaneous import of the same file won the unique (kind, checksum): everything here was
        # rolled back; answer as a repeated import does.
        if not _imported_before(engine, checksum):
            raise
        report.already_imported = True
        report.insights_added = report.insights_existing = report.codings_changed = 0
        return report


def _imported_before(engine: Engine, checksum: str) -> bool:
    with session_scope(engine) as session:
        return session.exec(select(ImportBatch.id).where(ImportBatch.kind == "insights",
                                                         ImportBatch.checksum == checksum)).first() is not None


def _write(engine: Engine, actor: Actor, rows: list[ParsedRow], checksum: str, report: ImportReport,
           illustrative: bool, progress) -> ImportReport:
    with session_scope(engine) as session:
        if session.exec(select(ImportBatch).where(ImportBatch.kind == "insights",
                                                  ImportBatch.checksum == checksum)).first():
            report.already_imported = True
            return report
        # Claim the file first: a simultaneous import of it waits here and then fails on the unique key,
        # instead of doing all the work twice.
        batch = ImportBatch(kind="insights", filename=report.filename, checksum=checksum, rows=len(rows),
                            imported_by=actor.username)
        session.add(batch)
        session.flush()
        users = {u.display_name.lower(): u for u in session.exec(select(User))}
        acting_for_others = can(actor, ACT_FOR_OTHERS)
        own_account = session.get(User, actor.id) if actor.id is not None else None
        added: list[int] = []
        codings: list[dict] = []
        issues_by_code = insights.active_issues_by_code(session)
        hashes = {insights.content_hash(r.ward_code, r.fields.observed_on, r.fields.author, r.fields.text)
                  for r in rows}
        existing: dict[str, Insight] = {}
        hash_list = list(hashes)
        for start in range(0, len(hash_list), 500):
            for insight in session.exec(select(Insight).where(Insight.content_hash.in_(hash_list[start:start + 500]))):
                existing.setdefault(insight.content_hash, insight)
        counted: set[int] = set()
        for n, parsed in enumerate(rows, start=1):
            f = parsed.fields
            digest = insights.content_hash(parsed.ward_code, f.observed_on, f.author, f.text)
            insight = existing.get(digest)
            if insight is not None and not acting_for_others and insight.author_id not in (None, actor.id):
                # same ward, date, name and text as someone else's insight: never touch theirs
                insight = None
            if insight is None:
                author = users.get(f.author.lower()) if acting_for_others else own_account
                insight = Insight(ward_code=parsed.ward_code, author_id=author.id if author else None,
                                  author_name=f.author, role_service=f.role_service, observed_on=f.observed_on,
                                  text=f.text, evidence_type=f.evidence_type, families=f.families,
                                  confidence=f.confidence, illustrative=illustrative, content_hash=digest)
                session.add(insight)
                session.flush()
                existing[digest] = insight
                report.insights_added += 1
                added.append(insight.id)
                counted.add(insight.id)
            elif insight.id not in counted:
                report.insights_existing += 1
                counted.add(insight.id)
            _add_places(session, insight.id, parsed.iz_codes)
            if parsed.codes or parsed.coder == actor.username:
                changed = insights._set_codes(session, insight.id, parsed.coder, parsed.codes, issues_by_code,
                                              is_consensus=parsed.coder == insights.CONSENSUS)
                if changed:
                    report.codings_changed += changed
                    codings.append({"insight": insight.id, "coder": parsed.coder,
                                    "codes": format_codes(parsed.codes)})
            if progress and (n % 200 == 0 or n == len(rows)):
                progress(n, len(rows))
        batch.report = {"added": report.insights_added, "existing": report.insights_existing,
                        "codings": report.codings_changed, "illustrative": illustrative}
        session.add(batch)
        audit.record(session, actor, "import", "insights", report.filename, rows=len(rows),
                     added=report.insights_added, codings=report.codings_changed, illustrative=illustrative,
                     insights_added=added, codings_changed=codings)
    return report


def _add_places(session, insight_id: int, iz_codes: tuple[str, ...]) -> None:
    if not iz_codes:
        return
    have = set(session.exec(select(InsightPlace.iz_code).where(InsightPlace.insight_id == insight_id)).all())
    for iz in iz_codes:
        if iz not in have:
            session.add(InsightPlace(insight_id=insight_id, iz_code=iz, source="import"))


# --------------------------------------------------------------------------- template and export
EXAMPLES = [
    {"ward": "Govan", "date": "2025-03-14", "author": "A. Example", "role_service": "Community engagement officer",
     "evidence_type": "caseload pattern", "families": "6", "confidence": "high",
     "text": "Example only: three families this month showed me mould in the children's bedrooms.",
     "codes": "housing:problem:3", "coder": "", "area": "Ibrox"},
    {"ward": "S13002975", "date": "14/03/2025", "author": "B. Example", "role_service": "Health visiting",
     "evidence_type": "a family's story", "families": "", "confidence": "medium",
     "text": "Example only: a mum said the nursery hours end before her shift does.",
     "codes": "childcare:problem:2; income_work:problem:1", "coder": "", "area": ""},
]


def template_csv() -> bytes:
    return exports.csv_bytes(pd.DataFrame(EXAMPLES, columns=list(COLUMNS)), bom=True)


def template_xlsx(engine: Engine) -> bytes:
    """The template with two more sheets: how to fill each column, and the codebook's codes."""
    with session_scope(engine) as session:
        codes = [(i.code, i.label, i.definition) for i in session.exec(
            select(Issue).where(Issue.status == "active").order_by(Issue.sort_order))]
    return exports.xlsx_bytes({
        "insights": pd.DataFrame(EXAMPLES, columns=list(COLUMNS)),
        "how to fill": pd.DataFrame([{"column": c, "required": "yes" if c in REQUIRED else "no",
                                      "how to fill it": COLUMN_HELP[c]} for c in COLUMNS]),
        "codebook": pd.DataFrame(codes, columns=["code", "label", "definition"])})


def export_frame(engine: Engine, actor: Actor, filters: insights.Filters | None = None) -> pd.DataFrame:
    """One row per insight and coder, in the import shape (plus the insight id), for CSV or XLSX."""
    require(actor, "insights.export")
    listing = insights.list_frame(engine, actor, filters)
    if not can(actor, "insights.export_any"):  # an officer's export holds their own insights only
        listing = listing[listing["mine"].astype(bool)]
    ids = [int(i) for i in listing["id"]]
    by_coder: dict[int, dict[str, list[CodeSpec]]] = {}
    with session_scope(engine) as session:
        for start in range(0, len(ids), 500):
            rows = session.exec(select(InsightCode, Issue.code).join(Issue, Issue.id == InsightCode.issue_id)
                                .where(InsightCode.insight_id.in_(ids[start:start + 500]))
                                .order_by(Issue.sort_order)).all()
            for c, issue_code in rows:
                by_coder.setdefault(c.insight_id, {}).setdefault(c.coder, []).append(
                    CodeSpec(issue=issue_code, stance=c.stance if c.stance != NOT_CODED else NOT_CODED,
                             severity=c.severity))
        areas = insights.places_of(session, ids)
        audit.record(session, actor, "export", "insights", "", rows=len(ids))
    records = []
    for item in listing.to_dict("records"):
        base = {"id": item["id"], "ward": item["ward_code"], "date": item["observed_on"].isoformat(),
                "author": item["author"], "role_service": item["role_service"],
                "evidence_type": item["evidence_type"],
                "families": "" if pd.isna(item["families"]) else int(item["families"]),
                "confidence": item["confidence"], "text": item["text"], "illustrative": item["illustrative"]}
        base["area"] = "; ".join(sorted(areas.get(item["id"], [])))
        coders = by_coder.get(item["id"]) or {"": []}
        for coder, specs in coders.items():
            records.append(base | {"codes": format_codes(specs), "coder": coder})
    return pd.DataFrame.from_records(records, columns=["id", *COLUMNS, "illustrative"])


def to_csv(frame: pd.DataFrame) -> bytes:
    return exports.csv_bytes(frame, bom=True)


def to_xlsx(frame: pd.DataFrame, sheet: str = "insights") -> bytes:
    return exports.xlsx_bytes({sheet: frame})


DEMO_FILE = Path(__file__).resolve().parents[1] / "data" / "demo" / "insights.csv"


def load_demo(engine: Engine, actor: Actor) -> ImportReport:
    """The fictional officer insights of the demo, marked illustrative, through the ordinary importer."""
    return import_file(engine, actor, DEMO_FILE.read_bytes(), DEMO_FILE.name, illustrative=True)
