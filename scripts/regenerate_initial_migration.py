"""Development only, until the first release: rebuild migration 0001 from schemas/tables.py.

After the first release, schema changes get a new revision instead:
    PYTHONPATH=. .venv/bin/python scripts/regenerate_initial_migration.py --new "add something"
"""
import sys
import tempfile
from pathlib import Path

from alembic import command

from triangulate.core.db import MIGRATIONS, alembic_config, make_engine

versions = MIGRATIONS / "versions"
with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.db'}")
    cfg = alembic_config(engine)
    if len(sys.argv) > 2 and sys.argv[1] == "--new":
        command.upgrade(cfg, "head")
        command.revision(cfg, message=sys.argv[2], autogenerate=True)
    else:
        for old in versions.glob("0001_*.py"):
            old.unlink()
        command.revision(cfg, message="whole data model", autogenerate=True, rev_id="0001")
