"""Backup to one file and restore from it: every table round-trips, on SQLite and PostgreSQL."""
import io
import json
import shutil
import zipfile
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlmodel import select as sm_select

from schemas import AuditEvent, DataZone, Indicator, IndicatorIssue, IndicatorValue, Issue, Setting, Ward
from tests import conftest
from tests import security_data as data
from tests.conftest import actor
from triangulate.access import backup, retention
from triangulate.core import db
from triangulate.core.db import session_scope
from triangulate.core.errors import PermissionDenied, TriangulateError


@pytest.fixture
def fresh_engine(engine, request, tmp_path, migrated_sqlite_template):
    """A second empty migrated database on the same backend as `engine`."""
    backend = "sqlite" if engine.dialect.name == "sqlite" else "postgres"
    with conftest.empty_database(backend, tmp_path / "restored.db", migrated_sqlite_template, request) as eng:
        yield eng


def fill_every_table(engine, tmp_path):
    ids = data.base(engine)
    t = data.transcript(engine, "Govan focus group", [data.SECRET, "Naïve “quotes” — and ünïcödé ✓"], "c1")
    data.transcript(engine, "Calton drop-in", [data.OTHER], "c2", ward="S13002975")
    data.topic_model(engine, t["segments"], ids["housing"], tmp_path / "model")
    data.notes_quoting(engine, ids["housing"])
    data.insight(engine, ids["officer"], "Kids coming to school hungry on Mondays.", ids["housing"])
    with session_scope(engine) as s:
        # a child issue whose parent has a LATER id: restore must not trip over the self-reference
        child = Issue(code="damp", label="Damp and mould", guid="g-damp")
        s.add(child)
        s.flush()
        parent = Issue(code="homes", label="Homes", guid="g-homes")
        s.add(parent)
        s.flush()
        child.parent_id = parent.id
        s.add(child)
        ind = Indicator(key="overcrowding", title="Overcrowded households", source="SIMD 2020v2",
                        publisher="Scottish Government", period="2011", unit="fraction")
        s.add(ind)
        s.flush()
        s.add(IndicatorIssue(indicator_id=ind.id, issue_code="housing"))
        s.add(DataZone(code="S01010206", name="Govan - 01", iz_code="S02001900", iz_name="Govan",
                       ward_code=data.GOVAN, population=812, overlap_share=0.97))
        s.add(IndicatorValue(indicator_id=ind.id, area_code="S01010206", area_level="datazone", period="2011",
                             value=0.1234567890123, numerator=12.0, denominator=97.0))
        s.add(IndicatorValue(indicator_id=ind.id, area_code="S01010207", area_level="datazone", period="2011",
                             suppressed=True))
        s.add(Setting(key="thresholds", value={"elevated": 0.5, "nested": {"a": [1, 2.5, None]}}))
    retention.set_policy(engine, actor("admin"), True, 14)


def snapshot(engine, skip_restore_event=True) -> dict:
    out = {}
    with engine.connect() as conn:
        for table in backup.tables():
            order = list(table.primary_key.columns) or list(table.columns)
            rows = [dict(r) for r in conn.execute(select(table).order_by(*order)).mappings()]
            if table.name == "auditevent" and skip_restore_event:
                rows = [r for r in rows if r["detail"].get("what") != "restore"]
            out[table.name] = rows
    return out


def test_round_trip_restores_every_table_exactly(engine, fresh_engine, tmp_path):
    fill_every_table(engine, tmp_path)
    path = tmp_path / "backup.zip"
    manifest = backup.backup(engine, actor("admin"), path)
    assert zipfile.is_zipfile(path)
    assert manifest["alembic_revision"] == backup.code_revision(engine)
    before = snapshot(engine)
    assert all(before[name] for name in ("segment", "embedding", "rawupload", "segmenttopic", "insightcode",
                                         "indicatorvalue", "issue", "setting", "topicissue", "auditevent"))

    backup.restore(fresh_engine, actor("admin"), path)
    after = snapshot(fresh_engine)
    assert after == before
    with session_scope(fresh_engine) as s:
        restore_event = s.exec(sm_select(AuditEvent).where(AuditEvent.action == "import")).one()
        assert restore_event.detail["what"] == "restore"
        # sequences moved past the restored ids: new rows do not collide
        s.add(Ward(code="S13002999", name="New ward"))
        s.add(Issue(code="new", label="New", guid="g-new"))
    with session_scope(fresh_engine) as s:
        ids = [i.id for i in s.exec(sm_select(Issue))]
        assert len(ids) == len(set(ids)) == len(before["issue"]) + 1


def test_backup_file_holds_bytes_as_base64_and_dates_as_iso(engine, tmp_path):
    fill_every_table(engine, tmp_path)
    buffer = io.BytesIO()
    backup.backup(engine, actor("admin"), buffer)
    with zipfile.ZipFile(buffer) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = [t["name"] for t in manifest["tables"]]
        raw = json.loads(archive.read("tables/rawupload.jsonl").splitlines()[0])
        transcript = json.loads(archive.read("tables/transcript.jsonl").splitlines()[0])
    assert names.index("transcript") < names.index("segment") < names.index("segmenttopic")
    assert b"Mary Brogan" in __import__("base64").b64decode(raw["content"])
    assert transcript["held_on"] == "2026-10-02"
    assert datetime.fromisoformat(transcript["uploaded_at"]).tzinfo is not None


def test_restore_refuses_a_database_with_data_unless_forced(engine, fresh_engine, tmp_path):
    fill_every_table(engine, tmp_path)
    path = tmp_path / "backup.zip"
    backup.backup(engine, actor("admin"), path)
    with session_scope(fresh_engine) as s:
        s.add(Ward(code="S13009999", name="Somewhere else"))
    with pytest.raises(TriangulateError, match="already holds data"):
        backup.restore(fresh_engine, actor("admin"), path)
    backup.restore(fresh_engine, actor("admin"), path, force=True)
    assert snapshot(fresh_engine) == snapshot(engine)


def test_a_damaged_backup_changes_nothing(engine, fresh_engine, tmp_path):
    fill_every_table(engine, tmp_path)
    path = tmp_path / "backup.zip"
    backup.backup(engine, actor("admin"), path)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "tables/segment.jsonl":
                content = content.replace(b"Zebra", b"Zebre")
            dst.writestr(item, content)
    with session_scope(fresh_engine) as s:
        s.add(Ward(code="S13009999", name="Somewhere else"))
    before = snapshot(fresh_engine, skip_restore_event=False)
    with pytest.raises(backup.BackupInvalid, match="checksum"):
        backup.restore(fresh_engine, actor("admin"), damaged, force=True)
    with pytest.raises(backup.BackupInvalid, match="not a zip"):
        backup.restore(fresh_engine, actor("admin"), io.BytesIO(b"PK not really"), force=True)
    assert snapshot(fresh_engine, skip_restore_event=False) == before


def test_a_backup_of_another_schema_revision_is_refused(engine, fresh_engine, tmp_path):
    data.base(engine)
    buffer = io.BytesIO()
    backup.backup(engine, actor("admin"), buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(content)
                manifest["alembic_revision"] = "0999"
                content = json.dumps(manifest).encode()
            dst.writestr(item, content)
    out.seek(0)
    with pytest.raises(backup.BackupInvalid, match="revision"):
        backup.restore(fresh_engine, actor("admin"), out, accept_unsigned=True)


@pytest.mark.parametrize("role", ["lead", "researcher", "officer", "viewer"])
def test_only_admins_back_up_and_restore(engine, tmp_path, role):
    with pytest.raises(PermissionDenied):
        backup.backup(engine, actor(role), tmp_path / "x.zip")
    with pytest.raises(PermissionDenied):
        backup.restore(engine, actor(role), tmp_path / "x.zip")
    with session_scope(engine) as s:
        assert s.exec(sm_select(func.count()).select_from(AuditEvent)).one() == 0


def test_sqlite_backup_restores_into_postgres(sqlite_engine, tmp_path, request):
    if not conftest.TEST_DATABASE_URL:
        pytest.skip("needs TEST_DATABASE_URL")
    from sqlalchemy import text
    fill_every_table(sqlite_engine, tmp_path)
    path = tmp_path / "backup.zip"
    backup.backup(sqlite_engine, actor("admin"), path)
    admin, name, url = conftest._postgres_copy(request.getfixturevalue("postgres_template"))
    pg = db.make_engine(url)
    try:
        backup.restore(pg, actor("admin"), path)
        assert snapshot(pg) == snapshot(sqlite_engine)
    finally:
        pg.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_cli_backup_then_restore(tmp_path, monkeypatch, capsys, migrated_sqlite_template):
    from triangulate.cli import main
    source, target = tmp_path / "a.db", tmp_path / "b.db"
    shutil.copy(migrated_sqlite_template, source)
    eng = db.make_engine(f"sqlite:///{source}")
    data.base(eng)
    eng.dispose()
    db.get_engine.cache_clear()
    out = tmp_path / "b.zip"
    assert main(["--database-url", f"sqlite:///{source}", "backup", str(out)]) == 0
    assert main(["--database-url", f"sqlite:///{target}", "restore", str(out)]) == 0
    assert main(["--database-url", f"sqlite:///{target}", "restore", str(out)]) == 1
    assert "already holds data" in capsys.readouterr().err
    assert main(["--database-url", f"sqlite:///{target}", "restore", str(out), "--force"]) == 0
    assert main(["--database-url", f"sqlite:///{target}", "users"]) == 0
    assert "priya" in capsys.readouterr().out
    db.get_engine.cache_clear()


def _rewrite(path, out, change):
    """Copy a backup, changing one table file, and fix its checksum so only the content is wrong."""
    import hashlib
    with zipfile.ZipFile(path) as src:
        manifest = json.loads(src.read("manifest.json"))
        files = {i.filename: src.read(i) for i in src.infolist()}
    for entry in manifest["tables"]:
        new = change(entry["name"], files[entry["file"]])
        if new is not None:
            files[entry["file"]] = new
            entry["sha256"] = hashlib.sha256(new).hexdigest()
            entry["rows"] = len(new.splitlines())
    files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as dst:
        for name, content in files.items():
            dst.writestr(name, content)


@pytest.mark.parametrize("change", [
    lambda name, content: content + content.splitlines()[0] + b"\n" if name == "ward" else None,  # duplicate key
    lambda name, content: b'["not", "an", "object"]\n' if name == "ward" else None,
    lambda name, content: content.replace(b'"code"', b'"kode"') if name == "ward" else None,
    lambda name, content: b'{"id": 1, "transcript_id": 1, "filename": "x", "content": "%%%", "uploaded_at": null}\n'
    if name == "rawupload" else None,
])
def test_a_well_formed_but_wrong_backup_is_refused_and_changes_nothing(engine, fresh_engine, tmp_path, change):
    fill_every_table(engine, tmp_path)
    path, bad = tmp_path / "backup.zip", tmp_path / "bad.zip"
    backup.backup(engine, actor("admin"), path)
    _rewrite(path, bad, change)
    with pytest.raises(backup.BackupInvalid):  # even an admin's forcing past the signature check
        backup.restore(fresh_engine, actor("admin"), bad, accept_unsigned=True)
    assert all(not rows for rows in snapshot(fresh_engine, skip_restore_event=False).values())


def _plant_admin(name, content):
    """What an attacker with the file but not the key would do: add an admin account."""
    if name != "user":
        return None
    row = json.loads(content.splitlines()[0])
    row.update(id=999, username="planted", role="admin", active=True, oidc_subject=None)
    return content + json.dumps(row).encode() + b"\n"


@pytest.mark.parametrize("signature", ["kept", "dropped"])
def test_a_backup_edited_without_the_key_is_refused_unless_an_admin_forces_it(engine, fresh_engine, tmp_path,
                                                                              signature):
    fill_every_table(engine, tmp_path)
    path, bad = tmp_path / "backup.zip", tmp_path / "bad.zip"
    backup.backup(engine, actor("admin"), path)
    assert backup.read_manifest(path)["signature"] == "signed"
    _rewrite(path, bad, _plant_admin)
    if signature == "dropped":
        with zipfile.ZipFile(bad) as src:
            files = {i.filename: src.read(i) for i in src.infolist() if i.filename != backup.SIGNATURE}
        with zipfile.ZipFile(bad, "w") as dst:
            for name, content in files.items():
                dst.writestr(name, content)
    status = "mis-signed" if signature == "kept" else "unsigned"
    assert backup.read_manifest(bad)["signature"] == status
    with pytest.raises(backup.BackupInvalid, match=status):
        backup.restore(fresh_engine, actor("admin"), bad)
    assert all(not rows for rows in snapshot(fresh_engine, skip_restore_event=False).values())
    backup.restore(fresh_engine, actor("admin"), bad, accept_unsigned=True)
    with session_scope(fresh_engine) as s:
        event = next(e for e in s.exec(sm_select(AuditEvent)) if e.detail.get("what") == "restore")
    assert event.detail["signature"] == status and event.detail["accepted_unsigned"] is True
    assert "user" in event.detail["rows_changed"]


def test_the_signing_key_lives_outside_the_database(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIANGULATE_BACKUP_KEY_FILE", str(tmp_path / "keys" / "backup.key"))
    data.base(engine)
    path = tmp_path / "backup.zip"
    backup.backup(engine, actor("admin"), path)
    key = (tmp_path / "keys" / "backup.key").read_text().strip()
    assert len(key) == 64 and (tmp_path / "keys" / "backup.key").stat().st_mode & 0o077 == 0
    with zipfile.ZipFile(path) as archive:
        assert all(key.encode() not in archive.read(n) for n in archive.namelist())
    monkeypatch.setenv("TRIANGULATE_BACKUP_KEY_FILE", str(tmp_path / "other.key"))  # another installation
    assert backup.read_manifest(path)["signature"] == "mis-signed"


def test_backups_the_app_wrote_are_listed_and_can_be_deleted(engine, tmp_path):
    data.base(engine)
    path = tmp_path / "before-erasure.zip"
    backup.backup(engine, actor("admin"), path)
    backup.backup(engine, actor("admin"), io.BytesIO())  # a download: nothing on disk to list
    listed = backup.written_backups(engine, actor("admin"))
    assert [b["path"] for b in listed] == [str(path.resolve())]
    with pytest.raises(TriangulateError):
        backup.delete_backup_file(engine, actor("admin"), str(tmp_path / "elsewhere.zip"))
    backup.delete_backup_file(engine, actor("admin"), listed[0]["path"])
    assert not path.exists() and backup.written_backups(engine, actor("admin")) == []
    with pytest.raises(PermissionDenied):
        backup.written_backups(engine, actor("lead"))
