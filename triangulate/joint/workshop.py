"""Notes captured per issue during a workshop session, saved as they are typed in (one row each)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import Issue, User, Ward, WorkshopNote
from triangulate.core import audit
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.errors import NotFound, TriangulateError
from triangulate.core.permissions import Actor, require


def add_note(engine: Engine, actor: Actor, ward_code: str, issue_code: str | None, text: str) -> int:
    require(actor, "workshop.write")
    text = text.strip()
    if not text:
        raise TriangulateError("The note is empty; type what the room said before saving.")
    with session_scope(engine) as session:
        if session.get(Ward, ward_code) is None:
            raise NotFound(f"No ward with code {ward_code!r}.")
        issue_id = None
        if issue_code:
            issue = session.exec(select(Issue).where(Issue.code == issue_code)).first()
            if issue is None:
                raise NotFound(f"No issue with code {issue_code!r}.")
            issue_id = issue.id
        note = WorkshopNote(ward_code=ward_code, issue_id=issue_id, text=text, author=actor.username)
        session.add(note)
        session.flush()
        audit.record(session, actor, "create", "workshop_note", note.id, ward=ward_code, issue=issue_code)
        return note.id


def delete_note(engine: Engine, actor: Actor, note_id: int) -> None:
    require(actor, "workshop.write")
    with session_scope(engine) as session:
        note = get_or_not_found(session, WorkshopNote, note_id, f"No workshop note with id {note_id}.")
        audit.record(session, actor, "delete", "workshop_note", note_id, text=note.text)
        session.delete(note)


WHOLE_WARD = "The ward as a whole"  # a note not about one issue


def notes(engine: Engine, actor: Actor, ward_code: str, issue_code: str | None = None) -> pd.DataFrame:
    """The notes for a ward (optionally one issue), oldest first, as they were said: id, issue_code, issue
    (its label, in words), text, author (username), by (the author's display name) and created_at (for anyone
    who reads the matrix: the room's notes sit beside it)."""
    require(actor, "matrix.read")
    with session_scope(engine) as session:
        issues = {i.id: i for i in session.exec(select(Issue))}
        names = {u.username: u.display_name for u in session.exec(select(User)) if u.display_name}
        query = select(WorkshopNote).where(WorkshopNote.ward_code == ward_code).order_by(WorkshopNote.created_at,
                                                                                         WorkshopNote.id)
        rows = [{"id": n.id, "issue_code": issues[n.issue_id].code if n.issue_id in issues else "",
                 "issue": issues[n.issue_id].label if n.issue_id in issues else WHOLE_WARD, "text": n.text,
                 "author": n.author, "by": names.get(n.author, n.author), "created_at": n.created_at}
                for n in session.exec(query)]
    frame = pd.DataFrame(rows, columns=["id", "issue_code", "issue", "text", "author", "by", "created_at"])
    if issue_code is not None:
        frame = frame[frame["issue_code"] == issue_code].reset_index(drop=True)
    return frame
