"""Shared pieces of the hostile-input suite (tests/test_hostile_*.py).

- `db_fingerprint(engine)`: a hash of every table's rows in primary-key order, on SQLite and PostgreSQL.
  Equal fingerprints before and after a refused import prove the database is unchanged.
- `HOSTILE`: HTML/JavaScript, SQL-injection, Markdown, bidi/zero-width and very long strings.
- `tried(importer)`: counts the generated inputs each importer saw; the counts are printed in the terminal
  summary ("hostile inputs tried: …") and written to tests/artifacts/hostile_counts.json.
- `base_data(engine)`: the small reference data every importer needs (codebook, wards, data zones, users).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import strategies as st
from sqlalchemy import MetaData

from schemas import DataZone, User, Ward
from triangulate.codebook import issues as codebook
from triangulate.core.db import session_scope
from triangulate.core.errors import ImportFailed, TriangulateError
from triangulate.core.permissions import SYSTEM

ARTIFACT = Path(__file__).resolve().parent / "artifacts" / "hostile_counts.json"

LONG = ("Damp in the back bedroom again. " * 400)[:10_000]
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE insight; --",
    "Robert'); DROP TABLE students;--",
    "\" onmouseover=\"alert(1)\" data-x=\"",
    "<a href='javascript:alert(1)'>click</a>",
    "[click me](javascript:alert(1)) ![x](http://evil.example/x.png)",
    "**bold** _it_ `code` # heading <b>b</b> &amp; &lt;",
    "\u202egnp.exe\u202c the mould \u2066isolate\u2069",  # right-to-left override, bidi isolates
    "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom",
    "مرحبا — שלום — résumé — 👩‍👧 — Ωmega",
    "${7*7} {{7*7}} %s %n \\x00 \\\\",
    "1; SELECT pg_sleep(5); --",
    LONG,
]
SHORT_HOSTILE = [h for h in HOSTILE if len(h) <= 200]

# Text a user can type: any Unicode except lone surrogates (which no file encoding can carry).
typed_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
hostile_text = st.one_of(st.sampled_from(HOSTILE), typed_text,
                         st.builds(lambda a, b: a + b, st.sampled_from(SHORT_HOSTILE), typed_text))

SETTINGS = dict(deadline=None, derandomize=False)
# The hostile tests' own settings: no deadline (a loaded machine is slow) and fixtures shared across examples.
FAST = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                    HealthCheck.data_too_large])

GOVAN, CALTON, SPRINGBURN = "S13002971", "S13002975", "S13002983"

# --------------------------------------------------------------------------- counting
COUNTS: Counter = Counter()


def tried(importer: str) -> None:
    COUNTS[importer] += 1


class _HostileReport:
    """A plugin registered at run time: prints and saves the counts at the end of the run."""

    def pytest_terminal_summary(self, terminalreporter):
        if not COUNTS:
            return
        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        ARTIFACT.write_text(json.dumps(dict(sorted(COUNTS.items())), indent=2) + "\n")
        terminalreporter.write_sep("-", "hostile inputs tried")
        for name, n in sorted(COUNTS.items()):
            terminalreporter.write_line(f"hostile inputs tried: {n:>6} {name}")
        terminalreporter.write_line(f"(saved to {ARTIFACT.relative_to(ARTIFACT.parents[2])})")


@pytest.fixture(scope="session", autouse=True)
def hostile_counter(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("hostile-counts"):
        manager.register(_HostileReport(), "hostile-counts")
    yield COUNTS


# --------------------------------------------------------------------------- the database fingerprint
_QUERIES: dict[str, list[tuple[str, str]]] = {}


def _queries(engine) -> list[tuple[str, str]]:
    """One `SELECT * … ORDER BY primary key` per table (all columns when a table has no key), names sorted."""
    key = str(engine.url)
    if key not in _QUERIES:
        meta = MetaData()
        meta.reflect(engine)
        quote = engine.dialect.identifier_preparer.quote
        queries = []
        for name, table in sorted(meta.tables.items()):
            order = ", ".join(quote(c.name) for c in (list(table.primary_key.columns) or list(table.columns)))
            queries.append((name, f"SELECT * FROM {quote(name)} ORDER BY {order}"))
        _QUERIES[key] = queries
    return _QUERIES[key]


def db_fingerprint(engine) -> str:
    """sha256 over every table (names sorted) and its rows ordered by primary key, on SQLite and PostgreSQL."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for name, sql in _queries(engine):
            digest.update(f"\x1e{name}\x1f".encode())
            for row in conn.exec_driver_sql(sql):
                digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
                digest.update(b"\x1f")
    return digest.hexdigest()


def assert_documented(exc: BaseException, filename: str | None = None) -> None:
    """A refusal must be a TriangulateError; an import refusal names the file and says how to fix it."""
    assert isinstance(exc, TriangulateError), f"undocumented {type(exc).__name__}: {exc}"
    if isinstance(exc, ImportFailed):
        assert exc.problems, "ImportFailed without problems"
        for p in exc.problems:
            assert p.message and p.fix, p
            if filename is not None:
                assert p.file, p


# --------------------------------------------------------------------------- reference data
def base_data(engine) -> None:
    """Default codebook, four wards, a few data zones (with an ambiguous name) and one account per role."""
    codebook.load_default(engine, SYSTEM)
    with session_scope(engine) as s:
        s.add_all([Ward(code=GOVAN, name="Govan", booster=True), Ward(code=CALTON, name="Calton", booster=True),
                   Ward(code=SPRINGBURN, name="Springburn/Robroyston"),
                   Ward(code="S13002980", name="Drumchapel/Anniesland")])
        s.flush()
        s.add_all([DataZone(code="S01010206", name="Govan - 01", iz_code="S02001933", iz_name="Govan",
                            ward_code=GOVAN, population=800),
                   DataZone(code="S01010207", name="Govan - 02", iz_code="S02001933", iz_name="Govan",
                            ward_code=GOVAN, population=750),
                   DataZone(code="S01010300", name="Calton - 01", iz_code="S02001950", iz_name="Calton",
                            ward_code=CALTON, population=900)])
        for role in ("admin", "lead", "researcher", "officer", "viewer"):
            s.add(User(username=role, role=role, display_name=role.title()))
