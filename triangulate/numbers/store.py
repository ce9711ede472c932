"""Writing indicators and their values (used inside a caller's transaction; no commit here)."""
from __future__ import annotations

import math
import re

import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, select

from schemas import Indicator, IndicatorIssue, IndicatorValue
from schemas.indicator_files import IndicatorMeta

_YEAR = re.compile(r"(19|20)\d{2}")


def period_sort_key(label: str) -> tuple:
    """Order period labels by their last year ('2021/22' → 2022, 'FYE 2020' → 2020); provisional after final."""
    years = [int(m.group(0)) for m in _YEAR.finditer(label or "")]
    year = max(years) if years else -1
    if "/" in (label or "") and years and len(years) == 1:
        # '2021/22' names the financial year ending in 2022
        tail = re.search(r"/(\d{2})\b", label)
        if tail:
            year = int(str(years[0])[:2] + tail.group(1))
    return (year, "provisional" in (label or "").lower() or "(p)" in (label or "").lower(), label or "")


def upsert_indicator(session: Session, meta: IndicatorMeta) -> Indicator:
    """Create the indicator, or return the existing one (its metadata is kept; a later period moves `period`)."""
    indicator = session.exec(select(Indicator).where(Indicator.key == meta.key)).first()
    if indicator is None:
        fields = meta.model_dump(exclude={"issue_codes"})
        indicator = Indicator(**fields)
        session.add(indicator)
        session.flush()
        for code in dict.fromkeys(meta.issue_codes):
            session.add(IndicatorIssue(indicator_id=indicator.id, issue_code=code))
    elif meta.period and period_sort_key(meta.period) > period_sort_key(indicator.period):
        indicator.period = meta.period
        session.add(indicator)
    return indicator


def _clean(v):
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def add_values(session: Session, indicator_id: int, rows: pd.DataFrame, batch_id: int | None) -> int:
    """Insert rows (area_code, area_level, period, [breakdown], value, numerator, denominator, suppressed)
    that are not stored yet for this indicator. Returns how many were added."""
    existing = set(session.exec(
        select(IndicatorValue.area_code, IndicatorValue.period, IndicatorValue.breakdown)
        .where(IndicatorValue.indicator_id == indicator_id)).all())
    records = []
    for r in rows.to_dict("records"):
        key = (r["area_code"], r["period"], r.get("breakdown") or "")
        if key in existing:
            continue
        existing.add(key)
        value = _clean(r.get("value"))
        records.append(dict(indicator_id=indicator_id, area_code=r["area_code"], area_level=r["area_level"],
                            period=r["period"], breakdown=key[2], value=value,
                            numerator=_clean(r.get("numerator")), denominator=_clean(r.get("denominator")),
                            suppressed=bool(r.get("suppressed")) or value is None, batch_id=batch_id))
    if records:
        session.execute(insert(IndicatorValue), records)
    return len(records)
