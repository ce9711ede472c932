"""Retention of raw (unredacted) uploads: kept only if the project turns it on, deleted after N days.

The setting lives in the `Setting` table under `retention`:
`{"keep_raw_uploads": bool, "raw_upload_days": int}`. The residents strand asks `keep_raw_uploads(engine)`
before storing a `RawUpload`; `apply_retention` (the admin screen's "apply now", or
`python -m triangulate apply-retention` from a daily cron job) deletes those older than N days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from schemas import RawUpload, Setting, utcnow
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.errors import TriangulateError
from triangulate.core.permissions import Actor, require

KEY = "retention"
DEFAULT_DAYS = 30
MAX_DAYS = 3650


@dataclass(frozen=True)
class RetentionPolicy:
    keep_raw_uploads: bool = False
    raw_upload_days: int = DEFAULT_DAYS

    def describe(self) -> str:
        if not self.keep_raw_uploads:
            return "Raw uploads are not kept: only redacted text is stored."
        return f"Raw uploads are kept for {self.raw_upload_days} day(s), then deleted."


def policy(engine: Engine) -> RetentionPolicy:
    """The policy in force (not sensitive: anyone may read it)."""
    with session_scope(engine) as session:
        setting = session.get(Setting, KEY)
        value = setting.value if setting else {}
    return RetentionPolicy(keep_raw_uploads=bool(value.get("keep_raw_uploads", False)),
                           raw_upload_days=int(value.get("raw_upload_days", DEFAULT_DAYS)))


def keep_raw_uploads(engine: Engine) -> bool:
    return policy(engine).keep_raw_uploads


def set_policy(engine: Engine, actor: Actor, keep_raw_uploads: bool, raw_upload_days: int) -> RetentionPolicy:
    require(actor, "retention.manage")
    if isinstance(raw_upload_days, bool) or not isinstance(raw_upload_days, int) \
            or not 1 <= raw_upload_days <= MAX_DAYS:
        raise TriangulateError(f"Retention is a whole number of days from 1 to {MAX_DAYS}; "
                               f"got {raw_upload_days!r}.")
    new = RetentionPolicy(bool(keep_raw_uploads), raw_upload_days)
    with session_scope(engine) as session:
        setting = session.get(Setting, KEY)
        before = dict(setting.value) if setting else {}
        if setting is None:
            setting = Setting(key=KEY)
        setting.value = {"keep_raw_uploads": new.keep_raw_uploads, "raw_upload_days": new.raw_upload_days}
        setting.updated_by, setting.updated_at = actor.username, utcnow()
        session.add(setting)
        audit.record(session, actor, "setting", "setting", KEY, before=before, after=setting.value)
    return new


def _cutoff(engine: Engine, now: datetime | None) -> datetime:
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now - timedelta(days=policy(engine).raw_upload_days)


def due(engine: Engine, actor: Actor, now: datetime | None = None) -> int:
    """How many raw uploads `apply_retention` would delete now."""
    require(actor, "retention.manage")
    cutoff = _cutoff(engine, now)
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(RawUpload)
                               .where(RawUpload.uploaded_at < cutoff)).scalar_one()


def apply_retention(engine: Engine, actor: Actor, now: datetime | None = None) -> int:
    """Delete raw uploads older than the retention period; returns how many. Audited (ids, no content).

    Applies whether or not new uploads are kept, so turning retention off never leaves old ones behind.
    """
    require(actor, "retention.manage")
    cutoff = _cutoff(engine, now)
    with session_scope(engine) as session:
        ids = list(session.execute(select(RawUpload.id).where(RawUpload.uploaded_at < cutoff)).scalars())
        if ids:  # nothing due, nothing to record (this also runs at every server start)
            session.execute(delete(RawUpload).where(RawUpload.id.in_(ids)))
            audit.record(session, actor, "delete", "rawupload", "", reason="retention", deleted=len(ids),
                         ids=ids[:1000], cutoff=cutoff.isoformat())
    return len(ids)
