"""Backup to one file and restore from it, on SQLite and PostgreSQL alike (and across the two).

The file is a zip archive:
- `manifest.json`: format and version, when and by whom, the Alembic revision of the schema, and for every
  table its row count and the SHA-256 of its data file;
- `tables/<table>.jsonl`: one JSON object per row, tables in foreign-key dependency order; bytes as
  base64, dates and times as ISO 8601 (with their UTC offset).

Restore checks every checksum and the schema revision before it writes anything, then writes everything in
ONE transaction into an empty database (or, with `force=True`, a database it first wipes in that same
transaction), so a failed restore leaves the database exactly as it was. PostgreSQL sequences are moved
past the restored ids.

The manifest is signed: `manifest.sig` holds an HMAC-SHA256 of manifest.json (which holds every table's
SHA-256) under a key kept outside the database — `TRIANGULATE_BACKUP_KEY` if set, else the file named by
`TRIANGULATE_BACKUP_KEY_FILE`, else `backup.key` in the data folder (made on first use, readable by its
owner only). Anyone can recompute a checksum; only someone holding the key can sign, so an edited backup
(a planted admin account) is refused. An admin may still restore an unsigned or mis-signed file by forcing
it (`accept_unsigned`); the audit event says so and lists what changed.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import secrets
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Date, DateTime, Integer, LargeBinary, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.schema import Table
from sqlmodel import Session

import schemas
from schemas import utcnow
from triangulate.core import audit, db
from triangulate.core.errors import TriangulateError
from triangulate.core.permissions import Actor, require

FORMAT = "triangulate-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
BATCH = 1000

Progress = Callable[[str, int, int], None]  # (table, tables done, tables in all)


class BackupInvalid(TriangulateError):
    pass


# --------------------------------------------------------------------------- signing key
def key_location() -> str:
    """Where the signing key comes from, for messages and docs."""
    if os.environ.get("TRIANGULATE_BACKUP_KEY"):
        return "the TRIANGULATE_BACKUP_KEY environment variable"
    return str(_key_file())


def _key_file() -> Path:
    from triangulate.core.config import data_dir

    named = os.environ.get("TRIANGULATE_BACKUP_KEY_FILE")
    return Path(named) if named else data_dir() / "backup.key"


def signing_key() -> bytes:
    """The backup signing key; made (32 random bytes, owner-only file) the first time it is needed."""
    if os.environ.get("TRIANGULATE_BACKUP_KEY"):
        return os.environ["TRIANGULATE_BACKUP_KEY"].encode("utf-8")
    path = _key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        except FileExistsError:
            pass  # another process made it first; use theirs
    return path.read_text().strip().encode("utf-8")


def _sign(manifest_bytes: bytes) -> str:
    return hmac.new(signing_key(), manifest_bytes, hashlib.sha256).hexdigest()


def signature_status(archive: zipfile.ZipFile) -> str:
    """'signed' (by this installation's key), 'unsigned' or 'mis-signed'."""
    try:
        given = archive.read(SIGNATURE).decode("ascii", "replace").strip()
    except KeyError:
        return "unsigned"
    return "signed" if hmac.compare_digest(given, _sign(archive.read(MANIFEST))) else "mis-signed"


def tables() -> list[Table]:
    """Every table of the data model, parents before children. Not the data version (`core.db`): it belongs
    to the database, not to the data, and a restore moves it on like any other write."""
    return [t for t in schemas.metadata.sorted_tables if t.name != db.VERSION_TABLE]


def code_revision(engine: Engine) -> str:
    return ScriptDirectory.from_config(db.alembic_config(engine)).get_current_head()


def database_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


# --------------------------------------------------------------------------- values
def _kind(column) -> str:
    kind = column.type
    impl = getattr(kind, "impl", kind)
    if isinstance(impl, LargeBinary):
        return "bytes"
    if isinstance(impl, DateTime):
        return "datetime"
    if isinstance(impl, Date):
        return "date"
    return "plain"


def _encode(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind in ("datetime", "date"):
        return value.isoformat()
    return value


def _decode(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    return value


# --------------------------------------------------------------------------- backup
def backup(engine: Engine, actor: Actor, out: str | Path | IO[bytes], progress: Progress | None = None) -> dict:
    """Write every table to one zip file (a path or a binary file object); returns the manifest.

    The backup's own audit event is written first, in the transaction that reads, so the file holds a
    consistent snapshot that includes the record of its making.
    """
    require(actor, "backup")
    all_tables = tables()
    manifest: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION,
                                "created_at": utcnow().isoformat(), "created_by": actor.username,
                                "source_dialect": engine.dialect.name, "tables": []}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            manifest["alembic_revision"] = database_revision(conn)
            if manifest["alembic_revision"] != code_revision(engine):
                raise TriangulateError("The database is not at the newest schema; run `python -m triangulate "
                                       "init` to upgrade it, then back it up.")
            with Session(bind=conn) as session:
                where = str(Path(out).resolve()) if isinstance(out, (str, Path)) else ""
                audit.record(session, actor, "export", "database", "", what="backup",
                             tables=len(all_tables), path=where)
                session.flush()
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for done, table in enumerate(all_tables):
                    if progress:
                        progress(table.name, done, len(all_tables))
                    manifest["tables"].append(_write_table(conn, archive, table))
                manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
                archive.writestr(MANIFEST, manifest_bytes)
                archive.writestr(SIGNATURE, _sign(manifest_bytes))
    if progress:
        progress("", len(all_tables), len(all_tables))
    return manifest


def _write_table(conn: Connection, archive: zipfile.ZipFile, table: Table) -> dict:
    kinds = {c.name: _kind(c) for c in table.columns}
    order = list(table.primary_key.columns) or list(table.columns)
    digest, rows = hashlib.sha256(), 0
    name = f"tables/{table.name}.jsonl"
    with archive.open(name, "w", force_zip64=True) as handle:
        result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
        for row in result.mappings():
            line = json.dumps({k: _encode(v, kinds[k]) for k, v in row.items()}, ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8") + b"\n"
            digest.update(line)
            handle.write(line)
            rows += 1
    return {"name": table.name, "file": name, "rows": rows, "sha256": digest.hexdigest()}


# --------------------------------------------------------------------------- restore
def read_manifest(source: str | Path | IO[bytes]) -> dict:
    """The manifest of a backup file, after checking the file's shape and every checksum."""
    try:
        with zipfile.ZipFile(source) as archive:
            return _checked_manifest(archive) | {"signature": signature_status(archive)}
    except zipfile.BadZipFile as exc:
        raise BackupInvalid("This is not a Triangulate backup (not a zip file). Choose the .zip file that "
                            "`backup` wrote.") from exc


def _checked_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError as exc:
        raise BackupInvalid("The file has no manifest.json: it is not a Triangulate backup.") from exc
    except ValueError as exc:
        raise BackupInvalid("The backup's manifest.json is damaged; use another backup file.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupInvalid("The file is not a Triangulate backup (its manifest says otherwise).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupInvalid(f"Backup format version {manifest.get('format_version')} is not supported by this "
                            f"version of Triangulate (it reads version {FORMAT_VERSION}).")
    known = {t.name for t in tables()}
    for entry in manifest.get("tables", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("rows"), int) \
                or not isinstance(entry.get("file"), str):
            raise BackupInvalid("The backup's manifest.json is damaged (a table entry is malformed).")
        if entry.get("name") not in known:
            raise BackupInvalid(f"The backup holds a table this version does not know: {entry.get('name')!r}.")
        digest = hashlib.sha256()
        try:
            with archive.open(entry["file"]) as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        except KeyError as exc:
            raise BackupInvalid(f"The backup is missing {entry['file']}; it is incomplete.") from exc
        if digest.hexdigest() != entry.get("sha256"):
            raise BackupInvalid(f"{entry['file']} does not match its checksum: the backup is damaged.")
    return manifest


def restore(engine: Engine, actor: Actor, source: str | Path | IO[bytes], force: bool = False,
            progress: Progress | None = None, accept_unsigned: bool = False) -> dict:
    """Restore a backup into an empty database, or with `force=True` replace everything in it.

    A backup not signed with this installation's key is refused unless `accept_unsigned` (an admin's
    decision, audited). All or nothing: one transaction. Returns the manifest.
    """
    require(actor, "backup")
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise BackupInvalid("This is not a Triangulate backup (not a zip file). Choose the .zip file that "
                            "`backup` wrote.") from exc
    with archive:
        manifest = _checked_manifest(archive)
        signature = signature_status(archive)
        if signature != "signed" and not accept_unsigned:
            raise BackupInvalid(
                f"This backup is {signature}: it was not signed with this installation's backup key "
                f"({key_location()}), so it may have been edited (for example to add an account). Restore a "
                "backup this installation made, or — if you know where this file came from — restore it "
                "anyway as an admin (CLI: --accept-unsigned); that choice is recorded in the audit log.")
        entries = {e["name"]: e for e in manifest.get("tables", [])}
        all_tables = tables()
        with engine.begin() as conn:
            revision = database_revision(conn)
            if revision != manifest.get("alembic_revision"):
                raise BackupInvalid(f"The backup is of schema revision {manifest.get('alembic_revision')!r} and "
                                    f"this database is at {revision!r}. Restore it with the version of "
                                    "Triangulate that made it, or into a database at the same revision.")
            before = {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in all_tables}
            occupied = [name for name, rows in before.items() if rows]
            if occupied and not force:
                raise TriangulateError(f"The database already holds data ({', '.join(occupied[:5])}…). Restore "
                                       "into an empty database, or confirm replacing everything (--force).")
            for table in reversed(all_tables):
                conn.execute(delete(table))
            for done, table in enumerate(all_tables):
                if progress:
                    progress(table.name, done, len(all_tables))
                if table.name in entries:
                    try:
                        _load_table(conn, archive, table, entries[table.name])
                    except (StatementError, DBAPIError) as exc:
                        raise BackupInvalid(f"The rows of table {table.name!r} in the backup do not fit this "
                                            f"database ({type(getattr(exc, 'orig', exc)).__name__}); nothing "
                                            "was changed. Use an untouched backup file.") from exc
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, all_tables)
            with Session(bind=conn) as session:
                changed = {name: {"from": before[name], "to": entries.get(name, {}).get("rows", 0)}
                           for name in before if before[name] != entries.get(name, {}).get("rows", 0)}
                audit.record(session, actor, "import", "database", "", what="restore", force=force,
                             signature=signature, accepted_unsigned=signature != "signed", rows_changed=changed,
                             backup_created_at=manifest.get("created_at"),
                             backup_created_by=manifest.get("created_by"),
                             rows=sum(e.get("rows", 0) for e in entries.values()))
                session.flush()
    if progress:
        progress("", len(all_tables), len(all_tables))
    return manifest


def _load_table(conn: Connection, archive: zipfile.ZipFile, table: Table, entry: dict) -> None:
    kinds = {c.name: _kind(c) for c in table.columns}
    # A row may point at a later row of its own table (an issue's parent): insert those links afterwards.
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    pk = list(table.primary_key.columns)
    deferred: list[dict] = []
    batch: list[dict] = []
    loaded = 0
    with archive.open(entry["file"]) as handle:
        for number, line in enumerate(io.TextIOWrapper(handle, encoding="utf-8"), start=1):
            try:
                raw = json.loads(line)
                if not isinstance(raw, dict):
                    raise ValueError("a row is not a JSON object")
                unknown = set(raw) - set(kinds)
                if unknown:
                    raise ValueError(f"unknown column(s) {', '.join(sorted(unknown))}")
                row = {k: _decode(v, kinds[k]) for k, v in raw.items()}
            except (ValueError, TypeError) as exc:
                raise BackupInvalid(f"{entry['file']}, line {number}: {exc}. The backup is damaged.") from exc
            links = {name: row[name] for name in self_refs if row.get(name) is not None}
            if links:
                deferred.append({**{c.name: row[c.name] for c in pk}, **links})
                row.update({name: None for name in links})
            batch.append(row)
            loaded += 1
            if len(batch) >= BATCH:
                conn.execute(insert(table), batch)
                batch = []
    if batch:
        conn.execute(insert(table), batch)
    if loaded != entry["rows"]:
        raise BackupInvalid(f"{entry['file']} holds a different number of rows from its manifest entry.")
    for links in deferred:
        where = [c == links[c.name] for c in pk]
        conn.execute(update(table).where(*where).values({k: v for k, v in links.items()
                                                         if k not in {c.name for c in pk}}))


def _reset_sequences(conn: Connection, all_tables: list[Table]) -> None:
    """Restored rows keep their ids; move each id sequence past the largest so new rows do not collide."""
    quote = conn.dialect.identifier_preparer.quote
    for table in all_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        column = pk[0].name
        conn.execute(text(
            f"SELECT setval(seq, COALESCE((SELECT MAX({quote(column)}) FROM {quote(table.name)}), 0) + 1, false) "
            "FROM (SELECT pg_get_serial_sequence(:table, :column) AS seq) s WHERE seq IS NOT NULL"),
            {"table": quote(table.name), "column": column})


# --------------------------------------------------------------------------- backups this app wrote
def written_backups(engine: Engine, actor: Actor) -> list[dict]:
    """Backup files this installation wrote to disk (from the audit log) that are still there, newest first:
    after an erasure they still hold the erased text."""
    require(actor, "backup")
    from schemas import AuditEvent

    found, seen = [], set()
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "export",
                                                       AuditEvent.entity == "database")
                              .order_by(AuditEvent.at.desc())).scalars()
        for event in events:
            path = (event.detail or {}).get("path")
            if path and path not in seen and Path(path).is_file():
                seen.add(path)
                found.append({"path": path, "made_at": event.at, "made_by": event.actor,
                              "megabytes": round(Path(path).stat().st_size / 1e6, 1)})
    return found


def delete_backup_file(engine: Engine, actor: Actor, path: str) -> None:
    """Delete one backup file this app wrote (only those `written_backups` lists); audited."""
    if path not in {b["path"] for b in written_backups(engine, actor)}:
        raise TriangulateError("That file is not a backup this app wrote, or it is already gone.")
    Path(path).unlink()
    with db.session_scope(engine) as session:
        audit.record(session, actor, "delete", "backup file", "", path=path)
