"""Shared pieces of the hostile-input suite (tests/test_hostile_*.py).

- `db_fingerprint(engine)`: a hash of every table's rows in primary-key order, on SQLite and PostgreSQL.
  Equal fingerprints before and after a refused import prove the database is unchanged.
- `HOSTILE`: HTML/JavaScript, SQL-injection, Markdown, bidi/zero-width and very long strings.
- `tried(importer)`: counts the generated inputs each importer saw; the counts are printed in the terminal
  summary ("hostile inputs tried: …", `report_counts`) and written to tests/artifacts/hostile_counts.json.
- `base_data(engine)`: the small reference data every importer needs (codebook, wards, data zones, users);
  `ready(engine)` loads it once per engine.
- `attempt(engine, importer, run, filename)`: one generated input; a refusal must be documented and leave the
  database unchanged (then it returns `REFUSED`), anything else raised fails the test.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

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


def report_counts(terminalreporter) -> None:
    """Print and save the counts at the end of a run (called by tests/conftest.py's terminal summary)."""
    if not COUNTS:
        return
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(dict(sorted(COUNTS.items())), indent=2) + "\n")
    terminalreporter.write_sep("-", "hostile inputs tried")
    for name, n in sorted(COUNTS.items()):
        terminalreporter.write_line(f"hostile inputs tried: {n:>6} {name}")
    terminalreporter.write_line(f"(saved to {ARTIFACT.relative_to(ARTIFACT.parents[2])})")


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


REFUSED = object()  # what `attempt` returns for an input that was refused as it should be


def attempt(engine, importer: str, run, filename: str | None = None, *, refusal=ImportFailed,
            names_file: bool = True):
    """Count one input for `importer` and `run()` it: its result, or REFUSED after a documented `refusal` that
    left the database unchanged (`engine` None: no database involved), each problem naming `filename` exactly
    unless `names_file` is False (the transcript pipeline redacts the name itself). Any other exception fails
    the test."""
    before = db_fingerprint(engine) if engine is not None else None
    tried(importer)
    try:
        return run()
    except refusal as exc:
        assert_documented(exc, filename)
        if filename is not None and names_file:
            assert all(p.file == filename for p in getattr(exc, "problems", ())), exc
        if engine is not None:
            assert db_fingerprint(engine) == before, f"a refused input to the {importer} changed the database"
        return REFUSED
    except Exception as exc:
        raise AssertionError(f"undocumented {type(exc).__name__} for {filename}: {exc!r}") from exc


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


def ready(engine) -> None:
    """`base_data` once per engine: the engine fixture outlives a test's generated examples."""
    if not getattr(engine, "_hostile_ready", False):
        base_data(engine)
        engine._hostile_ready = True
