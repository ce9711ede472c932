"""The codebook: issues, their hierarchy, definitions and seed keywords."""
from __future__ import annotations

import uuid

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Issue
from triangulate import audit
from triangulate.config import PACKAGE_DATA
from triangulate.db import session_scope
from triangulate.permissions import Actor, require

DEFAULT_CODEBOOK = PACKAGE_DATA / "codebook_default.yaml"


def default_tree() -> list[dict]:
    return yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))


def load_default(engine: Engine, actor: Actor) -> int:
    """Add the default codebook's issues that are not there yet (by code). Returns how many were added."""
    require(actor, "codebook.edit")
    added = 0
    with session_scope(engine) as session:
        existing = {i.code for i in session.exec(select(Issue))}
        order = 0

        def add(node: dict, parent_id: int | None) -> None:
            nonlocal added, order
            order += 1
            if node["code"] in existing:
                issue = session.exec(select(Issue).where(Issue.code == node["code"])).one()
            else:
                issue = Issue(code=node["code"], label=node["label"], definition=node.get("definition", ""),
                              keywords=list(node.get("keywords", [])), parent_id=parent_id,
                              guid=str(uuid.uuid4()), sort_order=order)
                session.add(issue)
                session.flush()
                added += 1
            for child in node.get("children", []):
                add(child, issue.id)

        for node in default_tree():
            add(node, None)
        if added:
            audit.record(session, actor, "create", "codebook", "default", issues_added=added)
    return added


def issues(session: Session, include_retired: bool = False) -> list[Issue]:
    query = select(Issue).order_by(Issue.sort_order, Issue.id)
    if not include_retired:
        query = query.where(Issue.status == "active")
    return list(session.exec(query))


def leaf_issues(session: Session) -> list[Issue]:
    """Active issues with no active children: the rows of the joint display."""
    all_issues = issues(session)
    parents = {i.parent_id for i in all_issues if i.parent_id is not None}
    return [i for i in all_issues if i.id not in parents]
