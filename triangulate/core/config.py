"""Where things live. Everything configurable comes from the environment, with defaults that work."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DATA = Path(__file__).resolve().parents[1] / "data"


def data_dir() -> Path:
    """Folder for the default SQLite file, fitted topic models and raw uploads."""
    path = Path(os.environ.get("TRIANGULATE_DATA_DIR", PROJECT_ROOT / "data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """`DATABASE_URL` if set (PostgreSQL for several users), else a SQLite file in the data folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Hosted providers still hand out postgres:// URLs; SQLAlchemy wants the driver named.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{data_dir() / 'triangulate.db'}"
