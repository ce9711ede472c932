"""Who did what to which record, when. Written in the same transaction as the change it describes."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from schemas import AuditEvent
from triangulate.permissions import Actor


def record(session: Session, actor: Actor, action: str, entity: str = "", entity_id: Any = "",
           **detail: Any) -> AuditEvent:
    event = AuditEvent(actor=actor.username, action=action, entity=entity,
                       entity_id=str(entity_id) if entity_id is not None else "", detail=detail)
    session.add(event)
    return event
