"""The programme's "data we need, not data we have": needs proposed from silences and no-data cells.

`propose` reads the joint display and suggests, for every silence and every strand with no data, what is
missing; nothing is stored until a lead accepts a proposal (`accept`), after which it can be edited,
given an owner and moved through its statuses. Proposals already on the register are not proposed again.

Below the ward (a matrix computed for areas, with area_code and area columns), a silence or no-data cell
proposes a need for that area: "No resident voice from Ibrox on childcare". An area's need is its own
entry on the register, next to the ward's.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import DataNeed, Issue, Ward
from triangulate.core import audit, exports
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.errors import NotFound, TriangulateError
from triangulate.core.permissions import Actor, require
from triangulate.joint import convergence as cv
from triangulate.joint.ward_rows import ward_issue_frame

STATUSES = ("proposed", "accepted", "in progress", "met", "dropped")
STRANDS = ("numbers", "practitioners", "residents")

_NO_DATA = {
    "numbers": "No indicator for {issue} is linked with ward values for {ward}: find or commission a ward-level "
               "measure (or link an existing indicator to this issue).",
    "practitioners": "No officer insights have been recorded for {ward}: ask the ward's community engagement "
                     "officers, link workers and health visitors to record what they see on {issue}.",
    "residents": "No resident interviews or focus groups have been transcribed for {ward}: plan conversations "
                 "with residents that give room to {issue}.",
}
_SILENT = {
    "numbers": "The numbers show nothing distinctive on {issue} in {ward} ({level}) while {others}: is there an "
               "indicator that would capture what they describe?",
    "practitioners": "Officers in {ward} have not raised {issue} while {others}: ask officers whether they see it, "
                     "and add it to the insight prompts.",
    "residents": "Residents in {ward} have not talked about {issue} while {others}: include it in the next "
                 "conversations (a topic guide question), without leading.",
}


_NO_DATA_AREA = {
    "numbers": "No indicator for {issue} has values below the ward for {area} ({ward}): find a data-zone or "
               "intermediate-zone measure (or link one already loaded to this issue).",
    "practitioners": "No officer voice from {area} on {issue}: no insight is placed in {area} ({ward}); ask "
                     "officers working there what they see, and record the area with each insight.",
    "residents": "No resident voice from {area} on {issue}: no resident conversation is placed in {area} ({ward}); "
                 "hold one there, or record where participants live.",
}
_SILENT_AREA = {
    "numbers": "The numbers show nothing distinctive on {issue} in {area} ({level}) while {others}: is there a "
               "small-area indicator that would capture what they describe?",
    "practitioners": "Officers in {area} have not raised {issue} while {others}: ask officers working there "
                     "whether they see it.",
    "residents": "Residents in {area} have not talked about {issue} while {others}: include it in the next "
                 "conversations there (a topic guide question), without leading.",
}


@dataclass
class Proposal:
    ward_code: str
    ward: str
    issue_code: str
    issue: str
    strand: str
    reason: str  # "no data" or "silence"
    description: str
    area_code: str = ""  # an area below the ward ("" = the whole ward)
    area: str = ""


def propose(engine: Engine, actor: Actor, ward_codes: list[str] | None = None,
            matrix: pd.DataFrame | None = None) -> list[Proposal]:
    """Proposals from the current verdicts (not stored), minus those already on the register."""
    require(actor, "matrix.read")
    m = matrix if matrix is not None else cv.matrix(engine, actor, ward_codes)
    with session_scope(engine) as session:
        issue_code = {i.id: i.code for i in session.exec(select(Issue))}
        known = {(n.ward_code, n.area_code or "", issue_code.get(n.issue_id), n.strand)
                 for n in session.exec(select(DataNeed))}
    out: list[Proposal] = []
    for row in m.itertuples(index=False):
        rd = row._asdict()
        levels = {s: rd[s] for s in STRANDS}
        issue = rd["issue"].lower()
        area_code, area = rd.get("area_code") or "", rd.get("area") or ""
        no_data, silent = (_NO_DATA_AREA, _SILENT_AREA) if area_code else (_NO_DATA, _SILENT)
        for strand in STRANDS:
            if (rd["ward_code"], area_code, rd["issue_code"], strand) in known:
                continue
            if levels[strand] == "no data":
                text = no_data[strand].format(issue=issue, ward=rd["ward"], area=area)
                out.append(Proposal(rd["ward_code"], rd["ward"], rd["issue_code"], rd["issue"], strand, "no data", text,
                                    area_code, area))
                continue
            # a silence: this strand is quiet while another flags the issue
            loud = [f"{cv.SUBJECT[o]} flag it ({levels[o]})" for o in STRANDS
                    if o != strand and levels[o] != "no data"
                    and cv.reading(levels[o], rd[f"{o}_prominence"]).startswith("concern")]
            if loud and cv.reading(levels[strand], rd[f"{strand}_prominence"]) == "quiet":
                text = silent[strand].format(issue=issue, ward=rd["ward"], area=area, level=levels[strand],
                                             others=" and ".join(loud))
                out.append(Proposal(rd["ward_code"], rd["ward"], rd["issue_code"], rd["issue"], strand, "silence", text,
                                    area_code, area))
    # silences first: they are what the workshop discusses; no-data gaps are a collection plan
    return sorted(out, key=lambda p: (p.ward, p.area, p.reason != "silence", p.issue, p.strand))


def proposals_frame(proposals: list[Proposal]) -> pd.DataFrame:
    return pd.DataFrame([asdict(p) for p in proposals],
                        columns=["ward_code", "ward", "issue_code", "issue", "strand", "reason", "description",
                                 "area_code", "area"])


def _issue_id(session, code: str) -> int:
    issue = session.exec(select(Issue).where(Issue.code == code)).first()
    if issue is None:
        raise NotFound(f"No issue with code {code!r} in the codebook.")
    return issue.id


def _check(strand: str, status: str) -> None:
    if strand not in STRANDS:
        raise TriangulateError(f"Strand must be one of {', '.join(STRANDS)}, not {strand!r}.")
    if status not in STATUSES:
        raise TriangulateError(f"Status must be one of {', '.join(STATUSES)}, not {status!r}.")


def accept(engine: Engine, actor: Actor, ward_code: str, issue_code: str, strand: str, description: str,
           owner: str = "", status: str = "accepted", area_code: str = "", area_name: str = "") -> int:
    """Put a need on the register (once per ward, area, issue and strand). Returns its id. `area_code` names an
    area below the ward (an IZ code or a neighbourhood's name; empty for the whole ward)."""
    require(actor, "dataneeds.write")
    _check(strand, status)
    if not description.strip():
        raise TriangulateError("Describe what is missing before saving the data need.")
    with session_scope(engine) as session:
        if session.get(Ward, ward_code) is None:
            raise NotFound(f"No ward with code {ward_code!r}.")
        issue_id = _issue_id(session, issue_code)
        existing = session.exec(select(DataNeed).where(DataNeed.ward_code == ward_code, DataNeed.issue_id == issue_id,
                                                       DataNeed.strand == strand,
                                                       DataNeed.area_code == area_code.strip())).first()
        if existing is not None:
            return existing.id
        need = DataNeed(ward_code=ward_code, issue_id=issue_id, strand=strand, description=description.strip(),
                        owner=owner.strip(), status=status, created_by=actor.username, area_code=area_code.strip(),
                        area_name=(area_name or area_code).strip())
        session.add(need)
        session.flush()
        audit.record(session, actor, "create", "data_need", need.id, ward=ward_code, issue=issue_code, strand=strand,
                     **({"area": area_code.strip()} if area_code.strip() else {}))
        return need.id


def update(engine: Engine, actor: Actor, need_id: int, **changes) -> None:
    """Edit description, owner or status; the audit event keeps what changed."""
    require(actor, "dataneeds.write")
    allowed = {"description", "owner", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise TriangulateError(f"Only {', '.join(sorted(allowed))} can be edited, not {', '.join(sorted(unknown))}.")
    if "status" in changes:
        _check("numbers", changes["status"])
    with session_scope(engine) as session:
        need = get_or_not_found(session, DataNeed, need_id, f"No data need with id {need_id}.")
        audit.apply_edit(session, actor, need, changes, "data_need", need_id)


def register(engine: Engine, actor: Actor, ward_codes: list[str] | None = None) -> pd.DataFrame:
    """The register as a table (aggregate planning data; readable by anyone who reads the matrix)."""
    require(actor, "matrix.read")
    frame = ward_issue_frame(engine, DataNeed, ["area_name", "area_code", "strand", "description", "owner", "status",
                                                "created_by", "created_at", "updated_at"], ward_codes)
    frame.insert(3, "area", frame.pop("area_name").where(lambda names: names.astype(bool), frame["area_code"]))
    return frame[["id", "ward", "ward_code", "area", "area_code", "issue", "issue_code", "strand", "description",
                  "owner", "status", "created_by", "created_at", "updated_at"]]


def export(engine: Engine, actor: Actor, fmt: str, ward_codes: list[str] | None = None) -> bytes:
    """The register as CSV or XLSX bytes (audited)."""
    require(actor, "matrix.read")
    frame = register(engine, actor, ward_codes)
    for col in ("created_at", "updated_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_localize(None) if len(frame) else frame[col]
    if fmt == "csv":
        data = exports.csv_bytes(frame)
    elif fmt == "xlsx":
        data = exports.xlsx_bytes({"Data needs": frame})
    else:
        raise TriangulateError(f"Export format must be csv or xlsx, not {fmt!r}.")
    with session_scope(engine) as session:
        audit.record(session, actor, "export", "data_needs", fmt, rows=len(frame))
    return data
