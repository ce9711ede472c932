"""The workshop's "what if …" hypotheses: linked to a ward and an issue, each with its test of change,
owner, status and notes, as the programme's workstreams run them."""
from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import Hypothesis, Issue, Ward
from triangulate.core import audit
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.errors import NotFound, TriangulateError
from triangulate.core.permissions import Actor, require
from triangulate.joint.ward_rows import ward_issue_frame

STATUSES = ("proposed", "testing", "supported", "not supported", "dropped")
EDITABLE = ("statement", "test_of_change", "owner", "status", "notes", "issue_code")


def _issue_id(session, code: str | None) -> int | None:
    if not code:
        return None
    issue = session.exec(select(Issue).where(Issue.code == code)).first()
    if issue is None:
        raise NotFound(f"No issue with code {code!r} in the codebook.")
    return issue.id


def add(engine: Engine, actor: Actor, ward_code: str, statement: str, issue_code: str | None = None,
        test_of_change: str = "", owner: str = "", status: str = "proposed", notes: str = "") -> int:
    require(actor, "hypotheses.write")
    statement = statement.strip()
    if not statement:
        raise TriangulateError("Write the hypothesis first, e.g. “What if the nursery opened until 6 pm?”.")
    if status not in STATUSES:
        raise TriangulateError(f"Status must be one of {', '.join(STATUSES)}, not {status!r}.")
    with session_scope(engine) as session:
        if session.get(Ward, ward_code) is None:
            raise NotFound(f"No ward with code {ward_code!r}.")
        row = Hypothesis(ward_code=ward_code, issue_id=_issue_id(session, issue_code), statement=statement,
                         test_of_change=test_of_change.strip(), owner=owner.strip(), status=status,
                         notes=notes.strip(), created_by=actor.username)
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "hypothesis", row.id, ward=ward_code, issue=issue_code)
        return row.id


def update(engine: Engine, actor: Actor, hypothesis_id: int, **changes) -> None:
    require(actor, "hypotheses.write")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TriangulateError(f"Only {', '.join(EDITABLE)} can be edited, not {', '.join(sorted(unknown))}.")
    if "status" in changes and changes["status"] not in STATUSES:
        raise TriangulateError(f"Status must be one of {', '.join(STATUSES)}, not {changes['status']!r}.")
    if "statement" in changes and not str(changes["statement"]).strip():
        raise TriangulateError("A hypothesis cannot be empty.")
    with session_scope(engine) as session:
        row = get_or_not_found(session, Hypothesis, hypothesis_id, f"No hypothesis with id {hypothesis_id}.")
        if "issue_code" in changes:
            changes["issue_id"] = _issue_id(session, changes.pop("issue_code"))
        audit.apply_edit(session, actor, row, changes, "hypothesis", hypothesis_id)


def log(engine: Engine, actor: Actor, ward_codes: list[str] | None = None) -> pd.DataFrame:
    """The hypotheses for the wards (all when None): readable by anyone who reads the matrix."""
    require(actor, "matrix.read")
    return ward_issue_frame(engine, Hypothesis, ["statement", "test_of_change", "owner", "status", "notes",
                                                 "created_by", "created_at", "updated_at"], ward_codes)
