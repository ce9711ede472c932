"""The codebook: issues, their hierarchy, definitions and seed keywords, and how people change it.

An issue's `code` is its stable identifier (indicators, insights, topics and data needs point at it);
its label, definition, keywords, colour and parent can change freely. Changes follow what the
qualitative-analysis tools do (NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette):

- add / edit (rename is an edit of the label) / move under another parent (no cycles);
- merge: every coding, topic→issue link, segment, indicator link, hypothesis, data need and workshop
  note of the merged issue moves to the survivor, whose keywords gain the merged one's; the merged
  issue is retired with `merged_into_id` set, so history still reads;
- retire: kept for history (old codings stay), hidden from pickers; `restore` brings it back.

REFI-QDA codebook (.qdc) exchange lives in `triangulate.codebook.qdc`.
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import DataNeed, Hypothesis, IndicatorIssue, InsightCode, Issue, Segment, TopicIssue, WorkshopNote
from triangulate.core import audit
from triangulate.core.config import PACKAGE_DATA
from triangulate.core.db import session_scope
from triangulate.core.errors import NotFound, TriangulateError
from triangulate.core.permissions import Actor, require

DEFAULT_CODEBOOK = PACKAGE_DATA / "codebook_default.yaml"
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
COLOUR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")


class CodebookError(TriangulateError):
    """A codebook change that would break the codebook; the message says what to do instead."""


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


# --------------------------------------------------------------------------- reading
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


def by_code(session: Session, code: str) -> Issue:
    issue = session.exec(select(Issue).where(Issue.code == code)).first()
    if issue is None:
        raise NotFound(f"There is no issue with code {code!r} in the codebook.")
    return issue


def tree(session: Session, include_retired: bool = False) -> list[dict]:
    """Nested dicts {issue, children} in codebook order (roots first)."""
    rows = issues(session, include_retired)
    ids = {i.id for i in rows}
    children: dict[int | None, list[Issue]] = {}
    for issue in rows:
        parent = issue.parent_id if issue.parent_id in ids else None
        children.setdefault(parent, []).append(issue)

    def build(parent_id):
        return [{"issue": i, "children": build(i.id)} for i in children.get(parent_id, [])]

    return build(None)


def flat_tree(session: Session, include_retired: bool = False) -> list[tuple[int, Issue]]:
    """(depth, issue) in tree order: what a tree view or an indented picker draws."""
    out: list[tuple[int, Issue]] = []

    def walk(nodes, depth):
        for node in nodes:
            out.append((depth, node["issue"]))
            walk(node["children"], depth + 1)

    walk(tree(session, include_retired), 0)
    return out


def issue_text(issue: Issue) -> str:
    """What the suggestions embed for an issue: label, definition and seed keywords."""
    keywords = ", ".join(issue.keywords or [])
    return f"{issue.label}. {issue.definition} Keywords: {keywords}".strip()


def content_hash(rows: list[Issue]) -> str:
    """Changes whenever anything that suggestions or exports depend on changes."""
    payload = [(i.id, i.code, i.label, i.definition, list(i.keywords or []), i.parent_id, i.status)
               for i in sorted(rows, key=lambda r: r.id or 0)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- changing
def _clean_keywords(keywords) -> list[str]:
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    seen: dict[str, str] = {}
    for word in keywords or []:
        word = str(word).strip()
        if word and word.lower() not in seen:
            seen[word.lower()] = word
    return list(seen.values())


def _check_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise CodebookError("An issue needs a label (a short name people will recognise).")
    if len(label) > 120:
        raise CodebookError("Keep the label under 120 characters; put detail in the definition.")
    return label


def _check_colour(colour: str | None) -> str | None:
    if colour in (None, ""):
        return None
    if not COLOUR_PATTERN.match(colour):
        raise CodebookError(f"Colour {colour!r} is not a #RRGGBB colour such as #1f77b4.")
    return colour.upper()


def slug(label: str, taken: set[str]) -> str:
    """A code for a label from another tool, unique among `taken`."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:36] or "issue"
    if not base[0].isalpha():
        base = f"i_{base}"[:36]
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _parent(session: Session, parent_code: str | None) -> int | None:
    if not parent_code:
        return None
    parent = by_code(session, parent_code)
    if parent.status != "active":
        raise CodebookError(f"{parent.label!r} is retired; choose an active parent.")
    return parent.id


def add_issue(engine: Engine, actor: Actor, code: str, label: str, definition: str = "",
              keywords=(), parent_code: str | None = None, colour: str | None = None) -> Issue:
    require(actor, "codebook.edit")
    code = (code or "").strip().lower()
    if not CODE_PATTERN.match(code):
        raise CodebookError(f"Code {code!r} must be 2–40 lower-case letters, digits or '_' and start with a "
                            "letter (for example 'school_costs').")
    label = _check_label(label)
    with session_scope(engine) as session:
        if session.exec(select(Issue).where(Issue.code == code)).first():
            raise CodebookError(f"The code {code!r} is already used; choose another or edit that issue.")
        last = session.exec(select(Issue.sort_order).order_by(Issue.sort_order.desc())).first() or 0
        issue = Issue(code=code, label=label, definition=(definition or "").strip(),
                      keywords=_clean_keywords(keywords), parent_id=_parent(session, parent_code),
                      colour=_check_colour(colour), guid=str(uuid.uuid4()), sort_order=last + 1)
        session.add(issue)
        session.flush()
        audit.record(session, actor, "create", "issue", issue.id, code=code, label=label)
        return issue


_UNSET = object()


def edit_issue(engine: Engine, actor: Actor, code: str, *, label=None, definition=None, keywords=None,
               colour=_UNSET, parent_code=_UNSET) -> Issue:
    """Change any of label, definition, keywords, colour, parent (pass parent_code=None for a root)."""
    require(actor, "codebook.edit")
    with session_scope(engine) as session:
        issue = by_code(session, code)
        before = {"label": issue.label, "definition": issue.definition, "keywords": list(issue.keywords),
                  "colour": issue.colour, "parent_id": issue.parent_id}
        if label is not None:
            issue.label = _check_label(label)
        if definition is not None:
            issue.definition = definition.strip()
        if keywords is not None:
            issue.keywords = _clean_keywords(keywords)
        if colour is not _UNSET:
            issue.colour = _check_colour(colour)
        if parent_code is not _UNSET:
            new_parent = _parent(session, parent_code)
            _refuse_cycle(session, issue, new_parent)
            issue.parent_id = new_parent
        after = {"label": issue.label, "definition": issue.definition, "keywords": list(issue.keywords),
                 "colour": issue.colour, "parent_id": issue.parent_id}
        changed = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
        session.add(issue)
        if changed:
            audit.record(session, actor, "edit", "issue", issue.id, code=code, changes=changed)
        return issue


def rename(engine: Engine, actor: Actor, code: str, new_label: str) -> Issue:
    return edit_issue(engine, actor, code, label=new_label)


def _refuse_cycle(session: Session, issue: Issue, new_parent_id: int | None) -> None:
    seen = set()
    current = new_parent_id
    while current is not None and current not in seen:
        if current == issue.id:
            raise CodebookError(f"{issue.label!r} cannot sit under one of its own sub-issues.")
        seen.add(current)
        current = session.get(Issue, current).parent_id


def retire(engine: Engine, actor: Actor, code: str) -> Issue:
    """Hide an issue from pickers; its codings stay for history. Refused while it has active sub-issues."""
    require(actor, "codebook.edit")
    with session_scope(engine) as session:
        issue = by_code(session, code)
        kids = session.exec(select(Issue).where(Issue.parent_id == issue.id, Issue.status == "active")).all()
        if kids:
            raise CodebookError(f"{issue.label!r} still has active sub-issues ({', '.join(k.label for k in kids)}); "
                                "retire or move them first.")
        issue.status = "retired"
        session.add(issue)
        audit.record(session, actor, "retire", "issue", issue.id, code=code)
        return issue


def restore(engine: Engine, actor: Actor, code: str) -> Issue:
    require(actor, "codebook.edit")
    with session_scope(engine) as session:
        issue = by_code(session, code)
        if issue.merged_into_id:
            raise CodebookError(f"{issue.label!r} was merged into another issue; its codings moved there.")
        issue.status = "active"
        session.add(issue)
        audit.record(session, actor, "restore", "issue", issue.id, code=code)
        return issue


def merge(engine: Engine, actor: Actor, source_code: str, target_code: str) -> dict:
    """Merge `source` into `target` (the survivor). Returns how many records moved, by kind."""
    require(actor, "codebook.edit")
    if source_code == target_code:
        raise CodebookError("Choose two different issues to merge.")
    moved = {"codings": 0, "codings_dropped_as_duplicates": 0, "topic_links": 0, "segments": 0,
             "indicator_links": 0, "hypotheses": 0, "data_needs": 0, "workshop_notes": 0, "sub_issues": 0}
    with session_scope(engine) as session:
        source, target = by_code(session, source_code), by_code(session, target_code)
        if target.status != "active":
            raise CodebookError(f"{target.label!r} is retired; merge into an active issue.")
        _refuse_cycle(session, source, target.id)  # target must not be under source
        # Codings: a coder who coded the same insight with both keeps the survivor's coding.
        held = {(c.insight_id, c.coder) for c in session.exec(select(InsightCode).where(
            InsightCode.issue_id == target.id))}
        for coding in session.exec(select(InsightCode).where(InsightCode.issue_id == source.id)).all():
            if (coding.insight_id, coding.coder) in held:
                session.delete(coding)
                moved["codings_dropped_as_duplicates"] += 1
            else:
                coding.issue_id = target.id
                session.add(coding)
                held.add((coding.insight_id, coding.coder))
                moved["codings"] += 1
        for model, key in ((TopicIssue, "topic_links"), (Segment, "segments"), (Hypothesis, "hypotheses"),
                           (DataNeed, "data_needs"), (WorkshopNote, "workshop_notes")):
            for row in session.exec(select(model).where(model.issue_id == source.id)).all():
                row.issue_id = target.id
                session.add(row)
                moved[key] += 1
        linked = {link.indicator_id for link in session.exec(select(IndicatorIssue).where(
            IndicatorIssue.issue_code == target.code))}
        for link in session.exec(select(IndicatorIssue).where(IndicatorIssue.issue_code == source.code)).all():
            indicator_id = link.indicator_id
            session.delete(link)
            if indicator_id not in linked:
                session.add(IndicatorIssue(indicator_id=indicator_id, issue_code=target.code))
                linked.add(indicator_id)
                moved["indicator_links"] += 1
        for child in session.exec(select(Issue).where(Issue.parent_id == source.id)).all():
            child.parent_id = target.id
            session.add(child)
            moved["sub_issues"] += 1
        target.keywords = _clean_keywords(list(target.keywords) + list(source.keywords))
        source.status = "retired"
        source.merged_into_id = target.id
        session.add_all([source, target])
        audit.record(session, actor, "merge", "issue", source.id, source=source.code, target=target.code,
                     moved=moved)
    return moved
