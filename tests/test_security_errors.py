"""Issue 12.12: errors from the disk, the database or a hostile file become a message naming the fix."""
from __future__ import annotations

import errno
import shutil
import sqlite3
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from triangulate.codebook import qdc
from triangulate.core import db
from triangulate.core.errors import ImportFailed, explain


def test_a_codebook_nested_3000_deep_is_refused_with_a_fix():
    opening = "".join(f'<Code guid="{uuid.uuid4()}" name="c{n}" isCodable="true">' for n in range(3000))
    xml = f'<CodeBook xmlns="{qdc.NAMESPACE}"><Codes>{opening}{"</Code>" * 3000}</Codes></CodeBook>'
    with pytest.raises(ImportFailed, match="nested more than"):
        qdc.parse(xml.encode(), "deep.qdc")


def test_a_read_only_database_says_so(tmp_path, migrated_sqlite_template):
    path = tmp_path / "ro.db"
    shutil.copy(migrated_sqlite_template, path)
    engine = db.make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(OperationalError) as raised, engine.begin() as conn:
        conn.execute(text("INSERT INTO setting (key, value, updated_by, updated_at) "
                          "VALUES ('k', '{}', 'x', '2026-01-01')"))
    assert "read-only" in explain(raised.value) and "TRIANGULATE_DATA_DIR" in explain(raised.value)


def test_a_cli_command_on_an_unopenable_database_prints_the_fix(tmp_path, capsys):
    from triangulate.cli import main
    missing = tmp_path / "no" / "such" / "folder" / "t.db"
    assert main(["--database-url", f"sqlite:///{missing}", "users"]) == 1
    assert "read-only" in capsys.readouterr().err
    db.get_engine.cache_clear()


def test_a_very_long_search_pattern_on_sqlite_says_shorten_it(sqlite_engine):
    with pytest.raises(OperationalError) as raised, sqlite_engine.connect() as conn:
        conn.execute(text("SELECT 'a' LIKE :p"), {"p": "%" + "a_" * 50_000 + "%"})
    assert "search for a few words" in explain(raised.value)


def test_a_full_disk_says_free_some_space():
    full = OperationalError("INSERT …", {}, sqlite3.OperationalError("database or disk is full"))
    assert "free some space" in explain(full)
    assert "free some space" in explain(OSError(errno.ENOSPC, "No space left on device", "/data/models/3"))


def test_a_read_only_data_folder_names_the_folder_and_the_setting():
    message = explain(PermissionError(errno.EACCES, "Permission denied", "/srv/triangulate/data/models"))
    assert "/srv/triangulate/data/models" in message and "TRIANGULATE_DATA_DIR" in message


def test_a_nul_in_a_search_on_postgres_says_remove_it(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL refuses NUL in text; SQLite does not")
    from sqlalchemy.exc import DBAPIError
    with pytest.raises(DBAPIError) as raised, engine.connect() as conn:
        conn.execute(text("SELECT :q LIKE 'a'"), {"q": "mould\x00"})
    assert "NUL character" in explain(raised.value)


def test_a_real_bug_is_not_disguised():
    assert explain(ValueError("something else")) is None
