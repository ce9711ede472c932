"""Alembic environment: the engine comes from the caller (triangulate.core.db.upgrade) or DATABASE_URL."""
from alembic import context

import schemas
from triangulate.core.db import make_engine

config = context.config
target_metadata = schemas.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
