"""What each kind of job does, and queuing it: the analysis, a large upload's redaction and save, a report.

Queuing checks the same permission as doing the work inline; the worker then runs the library function as the
person who queued it (their account re-read when the job starts, so a deactivation or a demotion in between
refuses the work), and the library function checks the permission again.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from schemas import Job, Ward
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.errors import TriangulateError
from triangulate.core.permissions import Actor, require
from triangulate.jobs import queue

# An upload with more words than this is redacted and saved by a worker, not in the page (redaction takes
# about a minute per 100,000 words on one core: 20,000 words is some 12 s of a page doing nothing).
LARGE_UPLOAD_WORDS = 20_000


def _limit(default_s: int) -> int:
    """One limit for every kind can be set for a slow machine: TRIANGULATE_JOB_LIMIT_S."""
    value = os.environ.get("TRIANGULATE_JOB_LIMIT_S", "")
    return int(value) if value.isdigit() and int(value) > 0 else default_s


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    permission: str  # the permission the work itself needs (checked when queued and again when run)
    default_limit_s: int
    run: Callable[[Engine, Actor, Job, Callable], tuple[dict, bytes | None, str]]  # → result, output, message

    @property
    def time_limit_s(self) -> int:
        return _limit(self.default_limit_s)


# --------------------------------------------------------------------------- analysis
def _run_analysis(engine: Engine, actor: Actor, job: Job, progress) -> tuple[dict, bytes | None, str]:
    from triangulate.residents import topics

    result = topics.analyse(engine, actor, force=bool(job.params.get("force")), progress=progress)
    summary = result.describe()
    return ({"model_id": result.model_id, "method": result.method, "segments": result.n_segments,
             "topics": result.n_topics, "summary": summary}, None, summary)


def queue_analysis(engine: Engine, actor: Actor, *, force: bool = False) -> Job:
    """Queue the residents' topics analysis (`topics.analyse`); a waiting analysis is reused, not doubled."""
    require(actor, "transcripts.analyse")
    return queue.enqueue(engine, actor, "analysis", "Analysis of the resident segments", {"force": bool(force)},
                         time_limit_s=KINDS["analysis"].time_limit_s, coalesce=True)


def analysis_under_way(engine: Engine, actor: Actor) -> Job | None:
    """The oldest waiting or running analysis, whoever queued it (e.g. the demo's topics, queued by
    `init --demo` for the worker), without payload or output: for the pages that show topics to say they are
    coming. Anyone who may read the topics may know that."""
    from sqlalchemy import select
    from sqlalchemy.orm import defer

    require(actor, "quotes.read")
    with session_scope(engine) as session:
        job = session.execute(select(Job).options(defer(Job.payload), defer(Job.output))
                              .where(Job.kind == "analysis", Job.status.in_(queue.ACTIVE))
                              .order_by(Job.id)).scalars().first()
        if job is not None:
            session.expunge(job)
        return job


# --------------------------------------------------------------------------- a large upload
def _run_transcript(engine: Engine, actor: Actor, job: Job, progress) -> tuple[dict, bytes | None, str]:
    from triangulate.residents import store

    p = job.params
    if job.payload is None:
        raise TriangulateError("The upload's file is no longer held (it is deleted when a job ends); upload it "
                               "again.")
    progress(0.02, f"Reading the speaker turns of {p['display_name']}…")

    def redacting(done: int, total: int) -> None:
        progress(0.05 + 0.85 * done / max(total, 1), f"Finding personal data: turn {done:,} of {total:,}")

    private, data = unpack_upload(job.payload)
    item = store.preview(engine, actor, private["filename"], data, always=private["always"], allow=private["allow"],
                         names=private["names"], progress=redacting, **p["parse_options"])
    progress(0.92, "Saving the redacted transcript…")
    choices = dict(private["choices"])
    if choices.get("held_on"):
        choices["held_on"] = date.fromisoformat(choices["held_on"])
    saved = store.save(engine, actor, item, **choices)
    message = (f"Saved as transcript {saved.transcript_id}: {saved.resident_segments} resident segments, "
               f"{saved.redactions} redactions. Run the analysis on Topics to fold it in." if saved.created
               else f"This file was already stored as transcript {saved.transcript_id}; nothing was added.")
    return ({"transcript_id": saved.transcript_id, "created": saved.created, "segments": saved.segments,
             "resident_segments": saved.resident_segments, "redactions": saved.redactions}, None, message)


def queue_transcript(engine: Engine, actor: Actor, filename: str, data: bytes, *, always: list[str] | None = None,
                     allow: list[str] | None = None, names: list[str] = (), parse_options: dict | None = None,
                     **choices) -> Job:
    """Queue the redaction and save of one upload (`store.preview` then `store.save` with `choices`: ward,
    residents, title, held_on, method, consent_basis, facilitator). The file is parsed now, so a file that is
    not a transcript is refused at once (ImportFailed, nothing queued); the raw bytes wait in the job only until
    it ends. The stored title, file name and audit entries never carry the raw file name."""
    from triangulate.residents import metadata_redaction, store, transcripts

    require(actor, "transcripts.upload")
    parse_options = dict(parse_options or {})
    parsed = transcripts.parse(filename, data, **parse_options)
    lists = store.redaction_lists(engine, actor) if always is None or allow is None else {}
    held_on = choices.get("held_on")
    if isinstance(held_on, date):
        choices["held_on"] = held_on.isoformat()
    if choices.get("residents") is not None:
        choices["residents"] = list(choices["residents"])
        unknown = set(choices["residents"]) - set(parsed.speakers)
        if unknown:
            raise TriangulateError(f"{filename}: no speaker called {', '.join(sorted(unknown))}; choose from "
                                   f"{', '.join(parsed.speakers)}.")
    # The job list shows this name to its owner: the file name as it will be stored (names in it redacted by
    # rule, without running the whole redaction here).
    always = list(lists.get("always", always or []))
    allow = list(lists.get("allow", allow or []))
    names = [n for n in names if n and n.strip()]
    unredacted = store.Preview(parsed, [], {}, always=always, allow=allow, names=names)
    display = metadata_redaction.redact_filename(unredacted, filename)
    # Everything that may name someone (the raw file name, the facilitator, typed names, the title) travels
    # with the raw bytes in the payload, which is cleared when the job ends; params keep the redacted name only.
    private = {"filename": filename, "always": always, "allow": allow, "names": names, "choices": choices}
    params = {"display_name": display, "words": parsed.word_count, "parse_options": parse_options}
    return queue.enqueue(engine, actor, "transcript", f"Redact and save {display} ({parsed.word_count:,} words)",
                         params, payload=pack_upload(private, data), time_limit_s=KINDS["transcript"].time_limit_s)


def pack_upload(private: dict, data: bytes) -> bytes:
    return json.dumps(private, default=str).encode("utf-8") + b"\n" + bytes(data)


def unpack_upload(payload: bytes) -> tuple[dict, bytes]:
    head, _, data = payload.partition(b"\n")
    return json.loads(head.decode("utf-8")), data


# --------------------------------------------------------------------------- report
def _run_report(engine: Engine, actor: Actor, job: Job, progress) -> tuple[dict, bytes | None, str]:
    from triangulate.joint import report

    ward_code = job.params["ward_code"]
    progress(0.05, "Comparing the three strands and rendering the charts…")
    files = report.export_all(engine, actor, ward_code)
    progress(0.95, "Packing the HTML, PDF and XLSX…")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for fmt, data in files.items():
            archive.writestr(fmt, data)
    sizes = {fmt: len(data) for fmt, data in files.items()}
    return {"ward_code": ward_code, "sizes": sizes}, buffer.getvalue(), "The report is ready to download."


def queue_report(engine: Engine, actor: Actor, ward_code: str) -> Job:
    """Queue the ward report in HTML, PDF and XLSX (`report.export_all`); only its owner downloads it."""
    require(actor, "reports.export")
    with session_scope(engine) as session:
        ward = get_or_not_found(session, Ward, ward_code, f"No ward {ward_code!r}; choose one of Glasgow's 23 wards.")
        name = ward.name
    return queue.enqueue(engine, actor, "report", f"Report for {name}", {"ward_code": ward_code},
                         time_limit_s=KINDS["report"].time_limit_s)


def report_files(engine: Engine, actor: Actor, job_id: int) -> dict[str, bytes]:
    """The finished report's files ({"html": …, "pdf": …, "xlsx": …}), for the person who queued it."""
    require(actor, "reports.export")
    job = queue.get(engine, actor, job_id)
    if job.kind != "report":
        raise TriangulateError(f"Job {job_id} is not a report.")
    if job.status != "done":
        raise TriangulateError(f"The report of job {job_id} is not ready ({job.status}).")
    if not job.output:
        raise TriangulateError("This report's files were removed (reports are kept for a day, and an erasure "
                               "removes them at once): prepare the report again.")
    with zipfile.ZipFile(io.BytesIO(job.output)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


KINDS: dict[str, Kind] = {
    "analysis": Kind("analysis", "Analysis", "transcripts.analyse", 3600, _run_analysis),
    "transcript": Kind("transcript", "Upload", "transcripts.upload", 1800, _run_transcript),
    "report": Kind("report", "Report", "reports.export", 600, _run_report),
}
