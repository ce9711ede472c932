"""The shape of the library, checked from its source: public faces, import cycles, complexity, and the acting user.

(a) Pages, `ui`, `app.py` and the command line import only what a strand package's face names (its `__all__`),
    and hold no database queries of their own.
(b) No import cycle among the library's modules at module level.
(c) No library function above cyclomatic complexity 25 (radon).
(d) In the spirit of datasette's permission test: every function a face offers either takes the acting user
    (`actor`) and checks it with `require`, or is on the commented allow-list below as touching no person's data.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "triangulate"
FACES = ("core", "codebook", "numbers", "practitioners", "residents", "joint", "access", "jobs")
# Modules of triangulate that are faces in themselves (a module, not a package, with its own `__all__`).
MODULE_FACES = ("demo", "warmup")
MAX_COMPLEXITY = 25


def _face(name: str):
    return importlib.import_module(f"triangulate.{name}")


def _views() -> list[Path]:
    return sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py", *LIBRARY.glob("cli/*.py")])


def _library_files() -> list[Path]:
    return sorted(p for p in LIBRARY.rglob("*.py") if "migrations" not in p.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# --------------------------------------------------------------------------- (a) public faces only
_SQLALCHEMY_TYPES = ("sqlalchemy.exc", "sqlalchemy.engine")  # errors to catch and the Engine type: no queries
def _face_problems(path: Path) -> list[str]:
    """Every use of triangulate in a view file that goes around a face."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_cli = path.parent == LIBRARY / "cli"
    bound: dict[str, str] = {}  # local name -> face it is bound to
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in ("triangulate", "sqlmodel")]
        elif isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if node.module == "triangulate":
                for a in node.names:
                    if a.name in FACES or a.name in MODULE_FACES:
                        bound[a.asname or a.name] = a.name
                    else:
                        problems.append(f"from triangulate import {a.name} (not a face)")
            elif node.module.startswith("triangulate.cli") and in_cli:
                continue  # the command line's own helpers
            elif top == "triangulate":
                face = node.module.removeprefix("triangulate.")
                if face not in FACES:
                    problems.append(f"from {node.module} import … (a private module)")
                    continue
                public = set(_face(face).__all__)
                problems += [f"from {node.module} import {a.name} (not in its __all__)"
                             for a in node.names if a.name not in public]
            elif top == "sqlmodel" or (top == "sqlalchemy" and node.module not in _SQLALCHEMY_TYPES):
                problems.append(f"from {node.module} import … (queries belong in the library)")
            elif node.module == "schemas":
                problems.append(f"from schemas import {', '.join(a.name for a in node.names)} (tables: queries "
                                "belong in the library)")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            face = bound[node.value.id]
            if node.attr not in _face(face).__all__:
                problems.append(f"{node.value.id}.{node.attr} (not in triangulate.{face}.__all__, line {node.lineno})")
    return problems


@pytest.mark.parametrize("path", _views(), ids=lambda p: str(p.relative_to(ROOT)))
def test_views_use_only_public_faces(path):
    assert _face_problems(path) == [], f"{path.relative_to(ROOT)} goes around a package's public face"


def test_face_check_catches_a_private_import(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("from triangulate.residents import store\nfrom triangulate import joint\n"
                    "from sqlmodel import select\njoint.judge\njoint.matrix\n", encoding="utf-8")
    problems = _face_problems(page)
    assert any("store (not in its __all__)" in p for p in problems)
    assert any("joint.judge" in p for p in problems)
    assert any("sqlmodel" in p for p in problems)
    assert not any("joint.matrix" in p for p in problems)


@pytest.mark.parametrize("name", FACES)
def test_every_face_name_resolves_and_no_name_hides_behind_a_module(name):
    face = _face(name)
    submodules = {m.name for m in pkgutil.iter_modules(face.__path__)}
    assert face.__all__, f"triangulate.{name} names nothing"
    for public in face.__all__:
        assert public not in submodules, f"{name}.{public}: a loaded submodule of that name would hide it"
        getattr(face, public)  # raises if the module or the attribute is gone
    with pytest.raises(AttributeError):
        face.not_a_public_name  # noqa: B018


def test_module_faces_name_what_they_offer():
    for name in MODULE_FACES:
        module = _face(name)
        assert all(hasattr(module, n) for n in module.__all__)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package
        return False


def _private_reaches(path: Path) -> list[str]:
    """Names with a leading underscore one library module takes from another (imported, or as module.attribute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("triangulate"):
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__"):
                    found.append(f"from {node.module} import {a.name}")
                elif _is_module(f"{node.module}.{a.name}"):
                    modules.add(a.asname or a.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules \
                and node.attr.startswith("_") and not node.attr.startswith("__"):
            found.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
    return found


# Reaches allowed while a module is being rewritten: path -> ["module._name (line n)"]. None now.
REACHES_BEING_REWRITTEN: dict[str, list[str]] = {}


def test_no_module_reaches_into_another_modules_private_names():
    reaches = {str(p.relative_to(ROOT)): found for p in _library_files() if (found := _private_reaches(p))}
    assert {path: [r.split(" (line")[0] for r in found] for path, found in reaches.items()} == \
        {path: [r.split(" (line")[0] for r in found] for path, found in REACHES_BEING_REWRITTEN.items()}


# --------------------------------------------------------------------------- (b) no import cycles
def _module_level_imports(path: Path) -> set[str]:
    """The triangulate modules `path` imports when it is imported (not inside functions or TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()

    def visit(statements):
        for node in statements:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, (ast.If, ast.Try, ast.With)):
                visit(getattr(node, "body", []))
                visit(getattr(node, "orelse", []))
                visit(getattr(node, "finalbody", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)  # kept below only if it is a module

    visit(tree.body)
    return found


def _import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _library_files()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for target in _module_level_imports(path):
            if target in modules and target != name:
                edges.add(target)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def test_no_import_cycles_among_library_modules():
    graph = _import_graph()
    assert len(graph) > 60 and any(graph.values())  # the walk found the library and its imports
    assert _cycles(graph) == []


# What each package may import at module level (docs/architecture.md says why). `_face` is the faces' helper.
MAY_IMPORT = {
    "core": {"_face"},
    "codebook": {"_face", "core"},
    "numbers": {"_face", "core", "codebook"},
    "practitioners": {"_face", "core", "codebook"},
    "residents": {"_face", "core", "codebook", "practitioners", "joint"},  # the machine check: κ and thresholds
    "joint": {"_face", "core", "codebook", "numbers", "practitioners"},
    "access": {"_face", "core", "jobs"},  # erasure also drops a job's report files that may quote the text
    "demo": {"core", "codebook", "numbers", "practitioners", "residents", "access"},
    "warmup": {"core", "practitioners", "residents"},  # loads their models in the background at server start
    "jobs": {"_face", "core", "residents", "joint", "access"},  # runs their long work in a worker
}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else parts[-1]


def test_packages_import_only_what_the_architecture_allows():
    graph = _import_graph()
    used: dict[str, set[str]] = {}
    for module, targets in graph.items():
        for target in targets:
            if _package(module) != _package(target):
                used.setdefault(_package(module), set()).add(_package(target))
    beyond = {p: sorted(targets - MAY_IMPORT[p]) for p, targets in used.items()
              if p in MAY_IMPORT and targets - MAY_IMPORT[p]}
    assert beyond == {}


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# --------------------------------------------------------------------------- (c) complexity
# Functions allowed above 25 while being rewritten: "module:function" -> a ceiling they may not grow past, the
# entry to go when the function is back at 25 or below. None now.
BEING_REWRITTEN: dict[str, int] = {}


def _functions(blocks, prefix=""):
    for block in blocks:
        if hasattr(block, "methods"):
            continue  # a class: radon lists its methods on their own (Class.method), and a class's total is no target
        name = f"{prefix}{block.fullname}"
        yield name, block
        yield from _functions(getattr(block, "closures", []), f"{name}.")


def _complexities() -> dict[str, int]:
    out = {}
    for path in _library_files():
        for name, block in _functions(cc_visit(path.read_text(encoding="utf-8"))):
            out[f"{_module_name(path)}:{name}"] = block.complexity
    return out


def test_every_library_function_has_complexity_of_25_or_less():
    figures = _complexities()
    assert len(figures) > 500
    too_complex = {name: c for name, c in figures.items()
                   if c > MAX_COMPLEXITY and name not in BEING_REWRITTEN}
    assert too_complex == {}
    grown = {name: figures.get(name) for name, ceiling in BEING_REWRITTEN.items()
             if figures.get(name) is not None and figures[name] > ceiling}
    assert grown == {}
    done = [name for name in BEING_REWRITTEN if figures.get(name, 0) <= MAX_COMPLEXITY]
    assert done == [], "back at 25 or below (or gone): remove from BEING_REWRITTEN"


# --------------------------------------------------------------------------- (d) the acting user
# Face functions that touch no person's data, so take no actor. Each with the reason.
NO_PERSONAL_DATA = {
    # core: formatting, infrastructure and the error model
    "core": {"coder_values_in_words", "codes_in_words", "csv_bytes", "csv_text", "escape_markdown", "explain",
             "headed", "label", "readable_spec", "wrap", "wrapped_axis",  # pure formatting of what they are given
             "is_empty", "upgrade",  # the database itself: is it set up, migrate it
             # the gazetteer: public place names and researchers' local names for places (no person in them)
             "areas_in_ward", "local_names", "resolve_area", "resolve_ward", "suggest_area"},
    # codebook: the shared list of issues (no person in it); its writes take the actor (checked below)
    "codebook": {"export_qdc", "flat_tree", "leaf_issues", "list_issues", "parse_qdc"},
    # numbers: published statistics about areas, no person in them; the indicator import takes the actor
    "numbers": {"all_wards_indicator_frame", "booster_chart", "booster_default_period", "booster_periods",
                "booster_ranking", "booster_wards", "comparison_chart", "data_zone_fits", "datazone_map",
                "datazone_values", "fmt", "gap_chart", "indicator_over_time", "indicators_frame",
                "indicators_with_trends", "issue_trends", "loaded_data_summary", "ranking_chart", "trend_against_city",
                "trend_chart", "ward_indicator_table", "ward_map", "ward_names", "wards_summary",
                # the same below the ward: values per intermediate zone, the pockets ranking and their maps (the
                # maps draw evidence counts the caller already read under matrix.read)
                "booster_pockets", "datazones", "indicators_below_ward", "iz_indicator_frame", "iz_indicator_table",
                "pockets_map", "ward_iz_map",
                "plan_indicator_import"},  # checks a file in memory; nothing stored
    "practitioners": {
        "any_illustrative",  # one flag: is any insight the demo's illustrative set
        "roles_in_use",  # the role/service names insights were filed under, for a filter: no text
        "issue_ward_totals",  # sums a crosstab the caller already read under `matrix.read`
        "read_table", "insights_csv", "insights_xlsx",  # a file or frame the caller already holds
        "template_csv", "template_xlsx",  # empty templates (the codebook's issues)
        "suggest_issues",  # compares the typed text with the codebook's issues; reads no stored insight
    },
    "residents": {
        "current_model",  # the topic model's settings and date
        "mark_redactions", "normal_guid", "span_of",  # pure text helpers
        "neutral_title", "person_names",  # metadata redaction of what the caller typed
        # on an upload preview the caller obtained from `preview` under transcripts.upload; nothing stored
        "parse_transcript", "suggest_roles",  # parse the caller's own file in memory; nothing stored
        "redaction_summary", "redo", "review_filters", "review_metadata", "review_redactions", "review_speakers",
        "review_turns", "still_redacted",
    },
    "joint": {
        "explain_thresholds", "load_thresholds",  # the settings
        "indicator_chart", "indicator_frame", "area_indicator_frame",  # published statistics
        # areas below the ward: the gazetteer's public place names for a ward, and a name resolved to one
        "area_choices", "resolve_area_in_ward",
        # join evidence counts per IZ the caller read under matrix.read (`evidence_per_iz`) onto published
        # statistics; they read nothing themselves
        "pockets_table", "ward_iz_table",
        "matrix_chart", "proposals_frame", "reading", "report_format_for",  # pure: on what the caller holds
        "waiting_segments",  # counts of unanalysed segments per ward
        "ward_code_for",  # a ward's code from its name
    },
    "jobs": {
        "sweep", "workers_alive",  # job bookkeeping: marks stale jobs failed, counts live workers
        "run_next", "serve",  # the worker process: each job runs as the user who queued it, who was checked then
    },
    "access": {
        "sign_in", "oidc_sign_in", "identity_from_claims", "actor_of",  # signing in: there is no actor yet
        "active_account",  # the command line's --as-user: whoever runs it operates the machine and its database
        "auto_provision", "retention_policy", "key_location",  # settings
        "read_manifest",  # a backup file's manifest: table names and counts
        "audit_per_day",  # counts the rows the caller read under audit.read
    },
}


# Face functions that take the actor without calling `require`, and why.
ACTOR_WITHOUT_REQUIRE = {
    # a job is seen and cancelled by the person who queued it or an admin (`jobs.may_manage`), whatever the role
    ("jobs", "cancel"), ("jobs", "get"), ("jobs", "latest"), ("jobs", "visible"), ("jobs", "may_manage"),
    ("core", "can"), ("core", "may_read_insight_text"), ("core", "require"),  # the rights themselves
    ("access", "current_actor"),  # re-reads the signed-in account (still active? role changed?): any role may
}


def _calls(function: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
    return names


def _checks_actor(function, seen: set | None = None) -> bool:
    """Does the function call `require` itself, or through a function of the library it calls with the actor?"""
    seen = seen if seen is not None else set()
    if function in seen:
        return False
    seen.add(function)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    calls = _calls(tree)
    if "require" in calls:
        return True
    module = inspect.getmodule(function)
    for name in calls:
        other = getattr(module, name, None)
        if inspect.isfunction(other) and other.__module__.startswith("triangulate.") \
                and "actor" in inspect.signature(other).parameters and _checks_actor(other, seen):
            return True
    return False


def _face_functions():
    for face in FACES:
        module = _face(face)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield face, name, obj


def test_allow_list_names_only_real_face_functions():
    functions = {(face, name) for face, name, _ in _face_functions()}
    stale = {(face, name) for face, names in NO_PERSONAL_DATA.items() for name in names} - functions
    assert stale == set()


@pytest.mark.parametrize("face,name,function", list(_face_functions()), ids=lambda v: v if isinstance(v, str) else "")
def test_face_functions_take_the_actor_and_check_it(face, name, function):
    if (face, name) in ACTOR_WITHOUT_REQUIRE:
        assert "actor" in inspect.signature(function).parameters
        return
    if name in NO_PERSONAL_DATA.get(face, set()):
        assert "actor" not in inspect.signature(function).parameters or _checks_actor(function), \
            f"{face}.{name} takes an actor it never checks"
        return
    assert "actor" in inspect.signature(function).parameters, \
        f"{face}.{name} reads or writes people's data but takes no acting user (or belongs on the allow-list)"
    assert _checks_actor(function), f"{face}.{name} takes an actor but never calls require(...)"


def test_the_library_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in _library_files()
                 if "streamlit" in _module_level_imports(p) or "import streamlit" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_faces_load_nothing_until_a_name_is_used():
    """A library module importing a sibling must not pull in the whole strand through its package's face."""
    code = ("import sys, triangulate.residents, triangulate.joint, triangulate.core; "
            "loaded = sorted(m for m in sys.modules if m.startswith('triangulate.') and m.count('.') > 1); "
            "print(loaded); assert loaded == ['triangulate.core.errors'] or loaded == [], loaded; "
            "from triangulate import joint; joint.VERDICTS; "
            "assert 'triangulate.joint.convergence' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_method_is_data_that_survives_python_OO():
    """The joint display shows the truth table from `convergence.METHOD`; -OO strips docstrings, not data."""
    code = ("from triangulate import joint; t = joint.METHOD['pairs'].text; "
            "assert '| quiet        | concern_high | silence' in t, t; print(len(t))")
    result = subprocess.run([sys.executable, "-OO", "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    pages = "\n".join(p.read_text(encoding="utf-8") for p in _views())
    assert "__doc__" not in pages and "Evidence —" not in pages  # no page parses prose
