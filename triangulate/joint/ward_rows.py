"""Tables of rows kept per ward and issue (data needs, hypotheses), read with the ward's name and the issue's code and
label: one reader for both registers."""
from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from schemas import Issue, Ward
from triangulate.core.db import session_scope


def ward_issue_frame(engine: Engine, table, fields: list[str], ward_codes: list[str] | None = None) -> pd.DataFrame:
    """Every row of `table` (all wards when ward_codes is None) by ward and id: id, ward, ward_code, issue,
    issue_code, then `fields`. Library-internal: the callers check the acting user."""
    columns = ["id", "ward", "ward_code", "issue", "issue_code", *fields]
    with session_scope(engine) as session:
        issues = {i.id: (i.code, i.label) for i in session.exec(select(Issue))}
        wards = {w.code: w.name for w in session.exec(select(Ward))}
        query = select(table).order_by(table.ward_code, table.id)
        if ward_codes is not None:
            query = query.where(table.ward_code.in_(ward_codes))
        rows = [{"id": r.id, "ward": wards.get(r.ward_code, r.ward_code), "ward_code": r.ward_code,
                 "issue": issues.get(r.issue_id, ("", ""))[1], "issue_code": issues.get(r.issue_id, ("", ""))[0],
                 **{f: getattr(r, f) for f in fields}} for r in session.exec(query)]
    return pd.DataFrame(rows, columns=columns)
