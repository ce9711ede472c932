"""Administration commands: backup, restore, apply-retention, users, erase-transcript, audit-export."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from triangulate import access
from triangulate.cli.common import actor_for, engine_for


def register(sub) -> None:
    p = sub.add_parser("backup", help="write the whole database to one .zip file")
    p.add_argument("out", type=Path, help="file to write, e.g. triangulate-2026-11-24.zip")
    p.set_defaults(handler=_backup)

    p = sub.add_parser("restore", help="restore a backup file into an empty database")
    p.add_argument("source", type=Path, metavar="IN", help="a .zip written by `backup`")
    p.add_argument("--force", action="store_true",
                   help="replace everything in a database that already holds data")
    p.add_argument("--accept-unsigned", action="store_true",
                   help="restore a backup not signed with this installation's key (recorded in the audit log)")
    p.set_defaults(handler=_restore)

    p = sub.add_parser("apply-retention", help="delete raw uploads older than the retention period")
    p.set_defaults(handler=_apply_retention)

    p = sub.add_parser("users", help="list the accounts, their roles and whether they can sign in")
    p.set_defaults(handler=_users)

    p = sub.add_parser("erase-transcript", help="delete a transcript and every trace derived from it")
    p.add_argument("transcript_id", type=int)
    p.set_defaults(handler=_erase_transcript)

    p = sub.add_parser("audit-export", help="write the audit log (optionally filtered) as CSV")
    p.add_argument("out", type=Path)
    p.add_argument("--actor")
    p.add_argument("--action")
    p.add_argument("--entity")
    p.add_argument("--since", type=date.fromisoformat, help="YYYY-MM-DD, inclusive")
    p.add_argument("--until", type=date.fromisoformat, help="YYYY-MM-DD, inclusive")
    p.set_defaults(handler=_audit_export)


def _progress(table: str, done: int, total: int) -> None:
    if table:
        print(f"  [{done + 1:>2}/{total}] {table}", file=sys.stderr)


def _backup(args) -> int:
    engine = engine_for(args)
    manifest = access.create_backup(engine, actor_for(args, engine), args.out, progress=_progress)
    rows = sum(t["rows"] for t in manifest["tables"])
    print(f"Backed up {rows} rows in {len(manifest['tables'])} tables to {args.out} "
          f"({args.out.stat().st_size / 1e6:.1f} MB, schema {manifest['alembic_revision']}).")
    return 0


def _restore(args) -> int:
    engine = engine_for(args)
    if not args.source.exists():
        raise FileNotFoundError(2, "No such file", str(args.source))
    manifest = access.restore_backup(engine, actor_for(args, engine), args.source, force=args.force,
                                     progress=_progress, accept_unsigned=args.accept_unsigned)
    rows = sum(t["rows"] for t in manifest["tables"])
    print(f"Restored {rows} rows from the backup made {manifest['created_at']} by {manifest['created_by']}.")
    return 0


def _apply_retention(args) -> int:
    engine = engine_for(args)
    deleted = access.apply_retention(engine, actor_for(args, engine))
    print(f"{access.retention_policy(engine).describe()} Deleted {deleted} raw upload(s).")
    return 0


def _users(args) -> int:
    engine = engine_for(args)
    rows = access.accounts(engine, actor_for(args, engine))
    print(f"{'username':<20} {'role':<11} {'active':<7} {'locked':<7} {'sign-in':<22} name")
    for a in rows:
        print(f"{a.username:<20} {a.role:<11} {'yes' if a.active else 'no':<7} {'yes' if a.locked else 'no':<7} "
              f"{a.sign_in:<22} {a.display_name}")
    return 0


def _erase_transcript(args) -> int:
    engine = engine_for(args)
    report = access.erase_transcript(engine, actor_for(args, engine), args.transcript_id)
    print(report.summary())
    return 0


def _audit_export(args) -> int:
    engine = engine_for(args)
    flt = access.AuditFilter(actor=args.actor, action=args.action, entity=args.entity, since=args.since,
                             until=args.until, limit=10_000_000)
    args.out.write_text(access.audit_csv(engine, actor_for(args, engine), flt), encoding="utf-8")
    print(f"Wrote the audit log to {args.out}.")
    return 0
