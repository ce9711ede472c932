"""Agreement between coders, per issue, and settling disagreements as a consensus coding.

The unit is an insight coded by two or more people (any issue). For each issue, a coder's value on an
insight is the stance they gave it (problem / not_a_problem / improving / worsening) or "absent" if they
coded the insight but not with this issue; a coder who did not code the insight at all is missing.
Per issue we report:

- percent agreement: share of units where every coder gave the same value;
- Cohen's κ (scikit-learn `cohen_kappa_score`) for two coders — with more than two coders, for the pair
  that co-coded most units (named in `kappa_pair`);
- Krippendorff's α, nominal (the `krippendorff` package), for any number of coders and missing codings.

κ and α are undefined when every value is the same (no variation): they are then None, as NVivo and
ATLAS.ti also leave them blank. Consensus codings (coder "consensus") are not coders here; settling
records one with `settle`, and `insights.coded_frame` then uses it instead of the individual codings.
"""
from __future__ import annotations

import warnings
from collections import Counter
from itertools import combinations

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import Insight, InsightCode, Issue
from schemas.insight_files import NOT_CODED, STANCES, CodeSpec
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.errors import TriangulateError
from triangulate.core.permissions import Actor, require
from triangulate.practitioners import insights

ABSENT = "absent"
CATEGORIES = (ABSENT, *STANCES)


def _codings(engine: Engine, ward_codes=None) -> tuple[pd.DataFrame, dict[int, str], dict[str, str]]:
    with session_scope(engine) as session:
        query = (select(InsightCode.insight_id, InsightCode.coder, Issue.code, InsightCode.stance,
                        InsightCode.severity, Insight.ward_code)
                 .join(Issue, Issue.id == InsightCode.issue_id).join(Insight, Insight.id == InsightCode.insight_id)
                 .where(InsightCode.is_consensus == False))  # noqa: E712
        if ward_codes:
            query = query.where(Insight.ward_code.in_(list(ward_codes)))
        rows = session.exec(query).all()
        consensus = session.exec(select(InsightCode.insight_id, Issue.code, InsightCode.stance)
                                 .join(Issue, Issue.id == InsightCode.issue_id)
                                 .where(InsightCode.is_consensus == True)).all()  # noqa: E712
        labels = {i.code: i.label for i in session.exec(select(Issue))}
    frame = pd.DataFrame.from_records([tuple(r) for r in rows],
                                      columns=["insight_id", "coder", "issue_code", "stance", "severity", "ward_code"])
    settled = {(i, c): s for i, c, s in consensus}
    return frame, settled, labels


def _values(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """Units (insights with ≥2 coders) and, per issue, a coder × unit table of values."""
    coders_per = frame.groupby("insight_id")["coder"].apply(lambda s: sorted(set(s)))
    units = {i: c for i, c in coders_per.items() if len(c) >= 2}
    return frame[frame["insight_id"].isin(units)], units


def _matrix(sub: pd.DataFrame, units: dict[int, list[str]], issue_code: str):
    """{(coder, insight): value} for one issue over every unit."""
    coded = {(r.coder, r.insight_id): r.stance for r in sub[sub["issue_code"] == issue_code].itertuples()}
    return {(coder, unit): coded.get((coder, unit), ABSENT) for unit, cs in units.items() for coder in cs}


def _kappa(values: dict, coders: list[str], units: dict[int, list[str]]):
    pairs = Counter(p for cs in units.values() for p in combinations(cs, 2))
    if not pairs:
        return None, None
    (a, b), _ = pairs.most_common(1)[0]
    shared = [u for u, cs in units.items() if a in cs and b in cs]
    y1 = [values[(a, u)] for u in shared]
    y2 = [values[(b, u)] for u in shared]
    return cohen_kappa(y1, y2, labels=list(CATEGORIES)), (a, b)


def cohen_kappa(y1, y2, labels=None, sample_weight=None) -> float | None:
    """Cohen's κ of two raters' labels (scikit-learn); None when undefined (one value only, or no items).
    `sample_weight` weights items, e.g. by inverse sampling probability."""
    if len(y1) == 0 or len(set(y1) | set(y2)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kappa = cohen_kappa_score(y1, y2, labels=labels, sample_weight=sample_weight)
    return None if np.isnan(kappa) else float(kappa)


def _alpha(values: dict, coders: list[str], units: dict[int, list[str]]):
    import krippendorff

    unit_ids = list(units)
    code = {c: n for n, c in enumerate(CATEGORIES)}
    data = np.full((len(coders), len(unit_ids)), np.nan)
    for row, coder in enumerate(coders):
        for col, unit in enumerate(unit_ids):
            if (coder, unit) in values:
                data[row, col] = code[values[(coder, unit)]]
    observed = set(data[~np.isnan(data)].tolist())
    if len(observed) < 2:
        return None
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except (ValueError, ZeroDivisionError):
        return None


def by_issue(engine: Engine, actor: Actor, ward_codes=None) -> pd.DataFrame:
    """One row per issue that at least one double-coded insight touches."""
    require(actor, "insights.read_text")
    frame, settled, labels = _codings(engine, ward_codes)
    columns = ["issue_code", "issue", "units", "coders", "percent_agreement", "cohen_kappa", "kappa_pair",
               "krippendorff_alpha", "disagreements", "settled"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    sub, units = _values(frame)
    if not units:
        return pd.DataFrame(columns=columns)
    coders = sorted({c for cs in units.values() for c in cs})
    rows = []
    for issue_code in sorted(set(sub["issue_code"])):
        values = _matrix(sub, units, issue_code)
        agree = [len({values[(c, u)] for c in cs}) == 1 for u, cs in units.items()]
        disagree_units = [u for u, ok in zip(units, agree) if not ok]
        kappa, pair = _kappa(values, coders, units)
        rows.append({"issue_code": issue_code, "issue": labels.get(issue_code, issue_code), "units": len(units),
                     "coders": len({c for u, cs in units.items() for c in cs}),
                     "percent_agreement": round(100 * sum(agree) / len(agree), 1),
                     "cohen_kappa": None if kappa is None else round(kappa, 3),
                     "kappa_pair": " & ".join(pair) if pair else "",
                     "krippendorff_alpha": (lambda a: None if a is None else round(a, 3))(
                         _alpha(values, coders, units)),
                     "disagreements": len(disagree_units),
                     "settled": sum((u, issue_code) in settled for u in disagree_units)})
    return pd.DataFrame(rows, columns=columns).sort_values(["disagreements", "issue_code"], ascending=[False, True])


def disagreements(engine: Engine, actor: Actor, issue_code: str | None = None, ward_codes=None,
                  include_settled: bool = True) -> pd.DataFrame:
    """Insights where coders gave an issue different values, with each coder's value and the text."""
    require(actor, "insights.read_text")
    frame, settled, _ = _codings(engine, ward_codes)
    columns = ["insight_id", "ward_code", "issue_code", "values", "severities", "consensus", "text"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    sub, units = _values(frame)
    severities = {(r.coder, r.insight_id, r.issue_code): r.severity for r in sub.itertuples()}
    issue_codes = [issue_code] if issue_code else sorted(set(sub["issue_code"]))
    out = []
    for code in issue_codes:
        values = _matrix(sub, units, code)
        for unit, cs in units.items():
            if len({values[(c, unit)] for c in cs}) > 1:
                if not include_settled and (unit, code) in settled:
                    continue
                out.append({"insight_id": unit, "issue_code": code,
                            "values": "; ".join(f"{c}: {values[(c, unit)]}" for c in cs),
                            "severities": "; ".join(f"{c}: {severities[(c, unit, code)]}" for c in cs
                                                    if (c, unit, code) in severities),
                            "consensus": settled.get((unit, code), "")})
    result = pd.DataFrame(out, columns=[c for c in columns if c not in ("ward_code", "text")])
    if result.empty:
        return pd.DataFrame(columns=columns)
    with session_scope(engine) as session:
        texts = {i.id: (i.ward_code, i.text) for i in session.exec(
            select(Insight).where(Insight.id.in_(list(set(result["insight_id"])))))}
    result["ward_code"] = result["insight_id"].map(lambda i: texts[i][0])
    result["text"] = result["insight_id"].map(lambda i: texts[i][1])
    return result[columns]


def settle(engine: Engine, actor: Actor, insight_id: int, issue_code: str, stance: str, severity: int = 2) -> None:
    """Record the coding a meeting agreed for (insight, issue). `stance` may be 'not_coded': the issue is
    not in this insight. A later settle replaces an earlier one."""
    require(actor, "insights.settle")
    try:
        spec = CodeSpec(issue=issue_code, stance=stance, severity=severity)
    except ValueError as exc:
        raise TriangulateError(f"Cannot settle: {exc}") from None
    with session_scope(engine) as session:
        insight = session.get(Insight, int(insight_id))
        if insight is None:
            raise TriangulateError(f"There is no insight #{insight_id}.")
        issue = session.exec(select(Issue).where(Issue.code == spec.issue)).first()
        if issue is None:
            raise TriangulateError(f"There is no issue {issue_code!r} in the codebook.")
        row = session.exec(select(InsightCode).where(InsightCode.insight_id == insight.id,
                                                     InsightCode.issue_id == issue.id,
                                                     InsightCode.coder == insights.CONSENSUS)).first()
        if row is None:
            row = InsightCode(insight_id=insight.id, issue_id=issue.id, coder=insights.CONSENSUS,
                              is_consensus=True, stance=spec.stance, severity=spec.severity)
        else:
            row.stance, row.severity = spec.stance, spec.severity
        session.add(row)
        audit.record(session, actor, "settle", "insight", insight.id, issue=issue.code, stance=spec.stance,
                     severity=spec.severity)


SETTLE_CHOICES = (*STANCES, NOT_CODED)
