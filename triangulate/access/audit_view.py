"""Reading the audit log: filters (who, what, which record, when), a daily count, CSV export."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from schemas import AuditEvent
from triangulate.core import audit, exports
from triangulate.core.db import session_scope
from triangulate.core.permissions import Actor, require

COLUMNS = ["at", "actor", "action", "entity", "entity_id", "detail"]
DEFAULT_LIMIT = 5000


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive (the whole day)
    limit: int = DEFAULT_LIMIT


def _where(flt: AuditFilter) -> list:
    clauses = []
    if flt.actor:
        clauses.append(AuditEvent.actor == flt.actor)
    if flt.action:
        clauses.append(AuditEvent.action == flt.action)
    if flt.entity:
        clauses.append(AuditEvent.entity == flt.entity)
    if flt.since:
        clauses.append(AuditEvent.at >= datetime.combine(flt.since, time.min, tzinfo=UTC))
    if flt.until:
        clauses.append(AuditEvent.at < datetime.combine(flt.until + timedelta(days=1), time.min,
                                                        tzinfo=UTC))
    return clauses


def events(engine: Engine, actor: Actor, flt: AuditFilter = AuditFilter()) -> list[dict]:
    """Matching events, newest first, as plain rows (detail as a JSON string)."""
    require(actor, "audit.read")
    query = select(AuditEvent).where(*_where(flt)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    with session_scope(engine) as session:
        return [{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "entity": e.entity,
                 "entity_id": e.entity_id, "detail": json.dumps(e.detail, ensure_ascii=False, sort_keys=True)}
                for e in session.execute(query.limit(flt.limit)).scalars()]


def count(engine: Engine, actor: Actor, flt: AuditFilter = AuditFilter()) -> int:
    require(actor, "audit.read")
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(AuditEvent).where(*_where(flt))).scalar_one()


def choices(engine: Engine, actor: Actor) -> dict[str, list[str]]:
    """The distinct actors, actions and entities, for the filter boxes."""
    require(actor, "audit.read")
    with session_scope(engine) as session:
        return {name: sorted(v for v in session.execute(select(getattr(AuditEvent, name)).distinct()).scalars()
                             if v)
                for name in ("actor", "action", "entity")}


def per_day(rows: list[dict]) -> list[dict]:
    """Events per day and action, for a chart."""
    tally: dict[tuple[date, str], int] = {}
    for row in rows:
        key = (row["at"].date(), row["action"])
        tally[key] = tally.get(key, 0) + 1
    return [{"day": day.isoformat(), "action": action, "events": n} for (day, action), n in sorted(tally.items())]


def export_csv(engine: Engine, actor: Actor, flt: AuditFilter = AuditFilter()) -> str:
    """The filtered log as CSV (UTF-8). The export is itself audited, with the filter used."""
    rows = events(engine, actor, flt)
    frame = pd.DataFrame([{**row, "at": row["at"].isoformat()} for row in rows], columns=list(COLUMNS))
    with session_scope(engine) as session:
        audit.record(session, actor, "export", "auditevent", "", rows=len(rows),
                     filter={k: (v.isoformat() if isinstance(v, date) else v)
                             for k, v in flt.__dict__.items() if v not in (None, "")})
    return exports.csv_text(frame)
