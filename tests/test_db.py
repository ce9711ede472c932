"""The database layer: migrations match the tables, SQLite settings, upgrades keep data."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import select

import schemas
from schemas import Ward
from triangulate.core import db


def test_migrations_create_exactly_the_tables_in_schemas(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), schemas.metadata)
    assert diff == [], f"schemas/ and the migrations differ; add a migration: {diff}"
    assert {"ward", "datazone", "indicatorvalue", "insightcode", "segment", "embedding", "topicissue",
            "hypothesis", "dataneed", "user", "auditevent"} <= set(inspect(engine).get_table_names())


def test_upgrade_is_repeatable_and_keeps_data(engine):
    with db.session_scope(engine) as session:
        session.add(Ward(code="S13002971", name="Govan"))
    db.upgrade(engine)  # already at head: must not touch the data
    with db.session_scope(engine) as session:
        assert session.exec(select(Ward.name)).all() == ["Govan"]


def test_sqlite_file_uses_wal_and_a_busy_timeout(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_failed_unit_of_work_leaves_nothing(engine):
    try:
        with db.session_scope(engine) as session:
            session.add(Ward(code="S13002971", name="Govan"))
            session.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with db.session_scope(engine) as session:
        assert session.exec(select(Ward)).all() == []


def test_database_url_default_is_sqlite_in_data_folder(monkeypatch, tmp_path):
    from triangulate.core import config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIANGULATE_DATA_DIR", str(tmp_path))
    assert config.database_url() == f"sqlite:///{tmp_path / 'triangulate.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/d")
    assert config.database_url() == "postgresql+psycopg://u@h/d"
