"""Issue 12.13: the README's table of rights is the code's (read from the README, compared with permissions.py)."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import actor
from triangulate.core.permissions import PERMISSIONS, ROLES, can

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_rights() -> dict[str, set[str]]:
    """permission -> roles ticked, from the README table whose header starts with '| permission |'."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| permission |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rights: dict[str, set[str]] = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rights[cells[0].strip("`")] = {role for role, cell in zip(header, cells) if role in ROLES and cell == "✓"}
    return rights


def test_the_readme_table_lists_every_permission_and_every_role():
    rights = readme_rights()
    assert set(rights) == set(PERMISSIONS)
    header = README.read_text(encoding="utf-8").split("| permission |", 1)[1].splitlines()[0]
    assert [c.strip() for c in header.strip("|").split("|")][:len(ROLES)] == list(ROLES)


def test_the_readme_table_agrees_with_the_code_for_every_role_and_right():
    rights = readme_rights()
    disagreements = [(p, role) for p in PERMISSIONS for role in ROLES
                     if can(actor(role), p) != (role in rights[p])]
    assert disagreements == []


def test_an_officer_exports_only_their_own_insights(demo_engine):
    from sqlmodel import select

    from schemas import Insight, User
    from triangulate.access import auth
    from triangulate.core import db
    from triangulate.practitioners import importing as insight_import
    with db.session_scope(demo_engine) as s:
        officer = auth.actor_of(s.exec(select(User).where(User.username == "officer")).one())
        mine = {i.id for i in s.exec(select(Insight).where(Insight.author_id == officer.id))}
        total = len(s.exec(select(Insight)).all())
    exported = set(insight_import.export_frame(demo_engine, officer)["id"].astype(int))
    assert exported == mine and len(mine) < total
    assert len(set(insight_import.export_frame(demo_engine, actor("lead"))["id"])) == total
