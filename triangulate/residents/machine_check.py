"""Check the machine: a researcher codes a random, stratified sample of resident segments blind, and the
tool measures how far the machine's issues agree with the researcher's, per issue, keeping the history.

- **Sample**: resident segments whose effective issue came from the machine (issue_source model, topic,
  similarity or none: never a person's code, never a segment not analysed yet), in strata by the machine's
  issue (`none` is a stratum too). Every stratum gets an equal share (so each issue the machine uses is
  checked, not only the common ones), capped at its size; what is left goes in proportion to the strata
  not yet exhausted. The random generator's seed is kept: the same seed on the same segments draws the
  same sample.
- **Blind**: `next_item` gives the segment's text and the turn before it, never the machine's issue. The
  researcher's answer is also saved as their manual code (source "check"): a person's code is the ground
  truth and teaches the machine; the machine's issue at sampling time stays on the check item.
- **Figures** (`finish`, kept in `MachineCheck.results`): each coded item is weighted by its stratum's size
  over the coded items drawn from it, so the figures estimate the whole corpus, not the sample. For each
  issue (and `none`): the machine says it or not, the researcher's codes include it or not; precision,
  recall and F1 from the weighted counts, and Cohen's κ of those two yes/no ratings
  (`agreement.cohen_kappa`, weighted). Overall: κ between the machine's issue and the researcher's (the
  machine's when it is among the researcher's codes, else the researcher's first), accuracy (the machine's
  issue is among the researcher's codes) and macro-F1 over issues.
- **Flags**: an issue's residents' verdicts are *verified* when the latest finished check with at least
  `machine_check_min_segments` checked segments on that issue (researcher's or machine's) has κ ≥
  `machine_check_min_kappa`; *below threshold* when κ is lower or undefined; *unchecked* otherwise.
"""
from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import Issue, MachineCheck, MachineCheckItem, Segment, TopicModel, Transcript, utcnow
from triangulate.core import audit
from triangulate.core.db import get_or_not_found, session_scope
from triangulate.core.errors import NotFound, TriangulateError
from triangulate.core.permissions import Actor, require
from triangulate.joint import thresholds as th
from triangulate.practitioners.agreement import cohen_kappa
from triangulate.residents import coding

MACHINE_SOURCES = ("model", "topic", "similarity", "none")
NONE = coding.NONE
STATUSES = ("verified", "below threshold", "unchecked")


# --------------------------------------------------------------------------- sampling
def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """How many to draw per stratum: equal shares capped at each stratum's size, the rest in proportion."""
    take = {s: 0 for s in sizes}
    left = min(n, sum(sizes.values()))
    while left > 0:
        open_strata = [s for s in sorted(sizes) if take[s] < sizes[s]]
        share = max(1, left // len(open_strata))
        for s in open_strata:
            extra = min(share, sizes[s] - take[s], left)
            take[s] += extra
            left -= extra
            if left == 0:
                break
    return {s: k for s, k in take.items() if k}


def _population(session: Session, ward_codes) -> list[tuple[int, int | None, str]]:
    query = (select(Segment.id, Segment.issue_id, Segment.issue_source)
             .join(Transcript, Transcript.id == Segment.transcript_id)
             .where(Segment.speaker_role == "resident", Segment.issue_source.in_(MACHINE_SOURCES)))
    if ward_codes:
        query = query.where(Transcript.ward_code.in_(list(ward_codes)))
    return [tuple(r) for r in session.exec(query.order_by(Segment.id)).all()]


def start(engine: Engine, actor: Actor, size: int = 50, ward_codes: list[str] | None = None,
          seed: int | None = None) -> int:
    """Draw a new blind sample; returns the check's id."""
    require(actor, "machine_check.run")
    if not 1 <= int(size) <= 2000:
        raise TriangulateError("Choose a sample of 1 to 2,000 segments (50–100 is a good first check).")
    seed = int(seed) if seed is not None else secrets.randbelow(2 ** 31)
    with session_scope(engine) as session:
        book = coding.codebook_of(session)
        population = _population(session, ward_codes)
        if not population:
            raise TriangulateError("No resident segment has an issue from the machine yet: upload transcripts and "
                                   "run the analysis first (segments people coded are not checked again).")
        strata: dict[str, list[tuple[int, int | None, str]]] = {}
        for row in population:
            strata.setdefault(book.code(book.survivor(row[1])), []).append(row)
        rng = np.random.default_rng(seed)
        drawn = []
        for stratum, k in allocate({s: len(v) for s, v in strata.items()}, int(size)).items():
            members = strata[stratum]
            for index in sorted(rng.choice(len(members), size=k, replace=False).tolist()):
                drawn.append((stratum, members[index]))
        order = rng.permutation(len(drawn)).tolist()  # strata interleaved: nothing to guess from the order
        current = session.exec(select(TopicModel.id).where(TopicModel.is_current.is_(True))
                               .order_by(TopicModel.id.desc())).first()
        check = MachineCheck(started_by=actor.username, seed=seed, ward_codes=sorted(ward_codes or []),
                             strata={s: len(v) for s, v in strata.items()}, model_id=current)
        session.add(check)
        session.flush()
        for position, index in enumerate(order):
            stratum, (seg_id, issue_id, source) = drawn[index]
            session.add(MachineCheckItem(check_id=check.id, segment_id=seg_id, position=position, stratum=stratum,
                                         machine_issue_id=book.survivor(issue_id), machine_source=source))
        audit.record(session, actor, "create", "machine_check", check.id, size=len(drawn), seed=seed,
                     wards=sorted(ward_codes or []), strata=len(strata))
        return check.id


# --------------------------------------------------------------------------- coding the sample blind
@dataclass
class BlindItem:
    check_id: int
    item_id: int
    segment_id: int
    position: int  # 1-based
    total: int
    coded: int
    text: str
    before: str  # the turn before, for context ("" at the start of a transcript)


def _check(session: Session, check_id: int) -> MachineCheck:
    return get_or_not_found(session, MachineCheck, int(check_id), f"There is no machine check {check_id}.")


def open_check(engine: Engine, actor: Actor) -> int | None:
    """The actor's latest unfinished check, if any."""
    require(actor, "machine_check.run")
    with Session(engine) as session:
        return session.exec(select(MachineCheck.id).where(MachineCheck.started_by == actor.username,
                                                          MachineCheck.status == "open")
                            .order_by(MachineCheck.id.desc())).first()


def progress(engine: Engine, actor: Actor, check_id: int) -> tuple[int, int]:
    """(coded, total) items of a check."""
    require(actor, "machine_check.read")
    with Session(engine) as session:
        items = session.exec(select(MachineCheckItem.coded_at).where(MachineCheckItem.check_id == int(check_id))).all()
    return sum(c is not None for c in items), len(items)


def next_item(engine: Engine, actor: Actor, check_id: int) -> BlindItem | None:
    """The first item not yet coded (None when every item is), without the machine's issue."""
    require(actor, "machine_check.run")
    with Session(engine) as session:
        _check(session, check_id)
        items = session.exec(select(MachineCheckItem).where(MachineCheckItem.check_id == int(check_id))
                             .order_by(MachineCheckItem.position)).all()
        todo = next((i for i in items if i.coded_at is None), None)
        if todo is None:
            return None
        segment = session.get(Segment, todo.segment_id)
        before = session.exec(select(Segment.text).where(Segment.transcript_id == segment.transcript_id,
                                                         Segment.order < segment.order)
                              .order_by(Segment.order.desc())).first()
    return BlindItem(int(check_id), todo.id, segment.id, todo.position + 1, len(items),
                     sum(i.coded_at is not None for i in items), segment.text, before or "")


def answer(engine: Engine, actor: Actor, check_id: int, item_id: int, issue_codes) -> None:
    """The researcher's codes for one sampled segment (issues, or `none`); also saved as their manual code."""
    require(actor, "machine_check.run")
    with session_scope(engine) as session:
        check = _check(session, check_id)
        if check.status != "open":
            raise TriangulateError(f"Machine check {check_id} is finished; start a new one to code more segments.")
        item = session.get(MachineCheckItem, int(item_id))
        if item is None or item.check_id != check.id:
            raise NotFound(f"Segment item {item_id} is not part of machine check {check_id} (was it erased?).")
        book = coding.codebook_of(session)
        issue_ids = coding.issue_ids_of(book, issue_codes)
        item.human_issue_ids = [i for i in issue_ids if i is not None]
        item.coded_at = utcnow()
        session.add(item)
        coding.replace_codes(session, actor.username, item.segment_id, issue_ids, None, "check")
        coding.sync_statuses(session, book, [item.segment_id])
        audit.record(session, actor, "code", "machine_check_item", item.id, check=check.id,
                     issues=[book.code(i) for i in issue_ids])


# --------------------------------------------------------------------------- figures
def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b > 0 else None


def figures(items: list[tuple[str, str, tuple[str, ...]]], strata: dict[str, int]) -> dict:
    """Agreement from coded items (stratum, machine code, researcher's codes), codes as strings ("none").

    Pure: the same items give the same figures. See the module docstring for the rules."""
    drawn = Counter(s for s, _, _ in items)
    weights = np.array([strata.get(s, drawn[s]) / drawn[s] for s, _, _ in items], dtype=float)
    classes = sorted({m for _, m, _ in items} | {c for _, _, h in items for c in h})
    per_issue = {}
    for c in classes:
        machine = np.array([m == c for _, m, _ in items])
        human = np.array([c in h for _, _, h in items])
        tp, fp, fn = (float(weights[machine & human].sum()), float(weights[machine & ~human].sum()),
                      float(weights[~machine & human].sum()))
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        f1 = (round(2 * precision * recall / (precision + recall), 4)
              if precision and recall else (0.0 if precision is not None and recall is not None else None))
        kappa = cohen_kappa(machine.tolist(), human.tolist(), labels=[False, True], sample_weight=weights)
        per_issue[c] = {"segments": int((machine | human).sum()), "machine": int(machine.sum()),
                        "researcher": int(human.sum()), "both": int((machine & human).sum()),
                        "precision": precision, "recall": recall, "f1": f1,
                        "kappa": None if kappa is None else round(kappa, 4)}
    hits = np.array([m in h for _, m, h in items])
    human_label = [m if m in h else h[0] for _, m, h in items]
    overall = cohen_kappa([m for _, m, _ in items], human_label, sample_weight=weights) if items else None
    f1s = [v["f1"] for c, v in per_issue.items() if c != NONE and v["f1"] is not None]
    return {"items": len(items), "population": int(sum(strata.values())),
            "accuracy": _ratio(float(weights[hits].sum()), float(weights.sum())) if items else None,
            "kappa": None if overall is None else round(overall, 4),
            "macro_f1": round(float(np.mean(f1s)), 4) if f1s else None, "issues": per_issue}


def finish(engine: Engine, actor: Actor, check_id: int) -> dict:
    """Compute and keep the figures of the items coded so far; the check is then closed."""
    require(actor, "machine_check.run")
    with session_scope(engine) as session:
        check = _check(session, check_id)
        if check.status != "open":
            raise TriangulateError(f"Machine check {check_id} is already finished.")
        book = coding.codebook_of(session)
        coded = session.exec(select(MachineCheckItem).where(MachineCheckItem.check_id == check.id,
                                                            MachineCheckItem.coded_at.is_not(None))
                             .order_by(MachineCheckItem.position)).all()
        if not coded:
            raise TriangulateError("Code at least one segment before finishing the check.")
        items = [(i.stratum, book.code(book.survivor(i.machine_issue_id)),
                  tuple(book.code(book.survivor(h)) for h in i.human_issue_ids) or (NONE,)) for i in coded]
        results = figures(items, check.strata)
        check.results, check.status, check.finished_at = results, "finished", utcnow()
        session.add(check)
        audit.record(session, actor, "finish", "machine_check", check.id, items=results["items"],
                     kappa=results["kappa"], macro_f1=results["macro_f1"])
    return results


# --------------------------------------------------------------------------- reading the history
def _finished(session: Session) -> list[MachineCheck]:
    return list(session.exec(select(MachineCheck).where(MachineCheck.status == "finished")
                             .order_by(MachineCheck.finished_at.desc(), MachineCheck.id.desc())))


def history(engine: Engine, actor: Actor) -> pd.DataFrame:
    """One row per finished check, latest first."""
    require(actor, "machine_check.read")
    columns = ["check_id", "finished", "by", "wards", "segments checked", "of", "kappa", "accuracy", "macro_f1"]
    with Session(engine) as session:
        rows = [[c.id, c.finished_at, c.started_by, ", ".join(c.ward_codes) or "all", c.results.get("items"),
                 c.results.get("population"), c.results.get("kappa"), c.results.get("accuracy"),
                 c.results.get("macro_f1")] for c in _finished(session)]
    return pd.DataFrame(rows, columns=columns)


def issue_figures(engine: Engine, actor: Actor, check_id: int | None = None) -> pd.DataFrame:
    """Per-issue figures of one finished check (the latest by default)."""
    require(actor, "machine_check.read")
    columns = ["issue_code", "issue", "segments", "researcher", "machine", "both", "precision", "recall", "f1",
               "kappa"]
    with Session(engine) as session:
        checks = _finished(session)
        check = next((c for c in checks if check_id is None or c.id == int(check_id)), None)
        labels = {i.code: i.label for i in session.exec(select(Issue))}
    if check is None:
        return pd.DataFrame(columns=columns)
    rows = [{"issue_code": c, "issue": labels.get(c, "about no issue" if c == NONE else c), **v}
            for c, v in check.results.get("issues", {}).items()]
    return pd.DataFrame(rows, columns=columns).sort_values("issue_code").reset_index(drop=True)


@dataclass
class IssueCheck:
    issue_code: str
    status: str  # verified / below threshold / unchecked
    kappa: float | None = None
    f1: float | None = None
    precision: float | None = None
    recall: float | None = None
    segments: int = 0
    check_id: int | None = None
    checked_on: str = ""
    min_kappa: float = 0.6

    @property
    def short(self) -> str:
        if self.status == "verified":
            return f"✓ verified (κ {self.kappa:.2f})"
        if self.status == "below threshold":
            return "⚠ below threshold (κ " + ("undefined" if self.kappa is None else f"{self.kappa:.2f}") + ")"
        return "⚠ unchecked"

    @property
    def sentence(self) -> str:
        if self.status == "unchecked":
            return ("Machine's issues unchecked: no machine check has covered this issue on enough segments yet, "
                    "so the residents' verdict rests on unverified assignments.")
        figures = (f"κ {'undefined' if self.kappa is None else f'{self.kappa:.2f}'}, F1 "
                   f"{'–' if self.f1 is None else f'{self.f1:.2f}'} on {self.segments} checked segments "
                   f"(check {self.check_id}, {self.checked_on})")
        if self.status == "verified":
            return f"Machine's issues verified: {figures}."
        return f"Machine's issues below the agreement threshold (κ ≥ {self.min_kappa:.2f} needed): {figures}."


def flags(engine: Engine, actor: Actor, thresholds: th.Thresholds | None = None) -> dict[str, IssueCheck]:
    """Per active issue: verified, below threshold or unchecked, from the latest check that covered it."""
    require(actor, "machine_check.read")
    t = thresholds or th.load(engine)
    with Session(engine) as session:
        checks = _finished(session)
        codes = [i.code for i in session.exec(select(Issue).where(Issue.status == "active"))]
    out = {}
    for code in codes:
        found = IssueCheck(code, "unchecked", min_kappa=t.machine_check_min_kappa)
        for check in checks:
            v = check.results.get("issues", {}).get(code)
            if v and v["segments"] >= t.machine_check_min_segments:
                ok = v["kappa"] is not None and v["kappa"] >= t.machine_check_min_kappa
                found = IssueCheck(code, "verified" if ok else "below threshold", v["kappa"], v["f1"], v["precision"],
                                   v["recall"], v["segments"], check.id, f"{check.finished_at:%d %b %Y}",
                                   t.machine_check_min_kappa)
                break
        out[code] = found
    return out
