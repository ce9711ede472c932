"""Who did what to which record, when. Written in the same transaction as the change it describes."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from schemas import AuditEvent, utcnow
from triangulate.core.permissions import Actor


def record(session: Session, actor: Actor, action: str, entity: str = "", entity_id: Any = "",
           **detail: Any) -> AuditEvent:
    event = AuditEvent(actor=actor.username, action=action, entity=entity,
                       entity_id=str(entity_id) if entity_id is not None else "", detail=detail)
    session.add(event)
    return event


def apply_edit(session: Session, actor: Actor, row: Any, changes: dict[str, Any], entity: str,
               entity_id: Any) -> bool:
    """Set `changes` on `row` (strings stripped), stamp `updated_at`, and record only what really changed.
    Returns False, writing nothing, when nothing differs."""
    diff = {k: {"from": getattr(row, k), "to": v} for k, v in changes.items() if getattr(row, k) != v}
    if not diff:
        return False
    for k, v in changes.items():
        setattr(row, k, v.strip() if isinstance(v, str) else v)
    row.updated_at = utcnow()
    session.add(row)
    record(session, actor, "edit", entity, entity_id, changed=diff)
    return True
