"""The shape of an insights file (CSV or XLSX) and of one insight as the form sends it.

One row is one insight as coded by one coder. Two rows with the same ward, date, author and text are the
same insight coded by two people (that is how a team spreadsheet records double coding).

| column        | required | example                                   |
|---------------|----------|-------------------------------------------|
| ward          | yes      | S13002971 or Govan                        |
| date          | yes      | 2025-03-14 (or 14/03/2025)                |
| author        | yes      | Jo Reid (a username links it to the account) |
| role_service  | yes      | Community engagement officer              |
| evidence_type | yes      | direct observation / caseload pattern / a family's story / partner report |
| families      | no       | 12                                        |
| confidence    | no       | low / medium / high (default medium)      |
| text          | yes      | up to 10,000 characters                   |
| codes         | no       | housing:problem:3; food:worsening:2       |
| coder         | no       | username of whoever coded it (default: the importer) |
"""
from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.checks import one_of, storable

MAX_TEXT = 10_000
EVIDENCE_TYPES = ("direct observation", "caseload pattern", "a family's story", "partner report")
CONFIDENCE = ("low", "medium", "high")
STANCES = ("problem", "not_a_problem", "improving", "worsening")
STANCE_LABELS = {"problem": "a problem here", "not_a_problem": "not a problem here",
                 "improving": "improving", "worsening": "worsening"}
# Only a consensus coding may say "coders agreed this issue is not in the insight".
NOT_CODED = "not_coded"
SEVERITIES = (1, 2, 3)
COLUMNS = ("ward", "date", "author", "role_service", "evidence_type", "families", "confidence", "text",
           "codes", "coder", "area")
REQUIRED = ("ward", "date", "author", "role_service", "evidence_type", "text")
COLUMN_HELP = {
    "ward": "ward code (S13…) or name, e.g. Govan",
    "date": "date observed, YYYY-MM-DD or DD/MM/YYYY",
    "author": "who wrote the insight (a username links it to the account)",
    "role_service": "role or service, e.g. Health visiting",
    "evidence_type": "; ".join(EVIDENCE_TYPES),
    "families": "how many families it concerns (a whole number; may be blank)",
    "confidence": "low, medium or high (blank = medium)",
    "text": f"the insight, at most {MAX_TEXT:,} characters",
    "codes": "issue:stance:severity separated by ';', e.g. housing:problem:3; food:worsening:2. Stances: "
             + ", ".join(STANCES) + ". Severity 1–3 (blank = 2)",
    "coder": "username of whoever coded this row (blank = you)",
    "area": "optional: where in the ward, an IZ or data zone code or name or a neighbourhood, e.g. Ibrox or "
            "S02001859 (several separated by ';')",
}

_STANCE_ALIASES = {s: s for s in STANCES} | {
    "a problem": "problem", "a problem here": "problem", "not a problem": "not_a_problem",
    "not a problem here": "not_a_problem", "not-a-problem": "not_a_problem", "better": "improving",
    "worse": "worsening", "not coded": NOT_CODED, NOT_CODED: NOT_CODED}
_EVIDENCE_ALIASES = {"observation": "direct observation", "caseload": "caseload pattern",
                     "family story": "a family's story", "family's story": "a family's story",
                     "partner": "partner report"}


class CodeSpec(BaseModel):
    """One coding: an issue code, a stance and a severity (1–3)."""

    model_config = ConfigDict(frozen=True)
    issue: str
    stance: str
    severity: int = 2

    @field_validator("stance")
    @classmethod
    def _stance(cls, value: str) -> str:
        key = value.strip().lower().replace("_", " ") if value else ""
        stance = _STANCE_ALIASES.get(key) or _STANCE_ALIASES.get(value.strip().lower() if value else "")
        if stance is None:
            raise ValueError(f"stance {value!r} is not one of {', '.join(STANCES)}")
        return stance

    @field_validator("severity")
    @classmethod
    def _severity(cls, value: int) -> int:
        return one_of(value, SEVERITIES, "severity")


def parse_codes(cell: str) -> list[CodeSpec]:
    """'housing:problem:3; food:worsening' → CodeSpecs. Raises ValueError with a readable reason."""
    specs: list[CodeSpec] = []
    for part in re.split(r"[;\n]", cell or ""):
        part = part.strip()
        if not part:
            continue
        bits = [b.strip() for b in part.split(":")]
        if len(bits) not in (2, 3) or not bits[0]:
            raise ValueError(f"{part!r} is not issue:stance:severity")
        severity = 2
        if len(bits) == 3 and bits[2]:
            if not bits[2].isdigit():
                raise ValueError(f"severity {bits[2]!r} in {part!r} is not 1, 2 or 3")
            severity = int(bits[2])
        try:
            specs.append(CodeSpec(issue=bits[0].lower(), stance=bits[1], severity=severity))
        except ValueError as exc:
            raise ValueError(_first_error(exc)) from None
    issues = [s.issue for s in specs]
    if len(set(issues)) != len(issues):
        raise ValueError("the same issue appears twice; code each issue once per row")
    return specs


def format_codes(specs) -> str:
    return "; ".join(f"{s.issue}:{s.stance}:{s.severity}" for s in specs)


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(f"{text!r} is not a date like 2025-03-14 or 14/03/2025")


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        msg = errors()[0].get("msg", str(exc))
        return msg.removeprefix("Value error, ")
    return str(exc)


class InsightFields(BaseModel):
    """An insight's own fields, from the form or a file row, after cleaning."""

    ward: str = Field(min_length=1)
    observed_on: date
    author: str = Field(min_length=1, max_length=200)
    role_service: str = Field(min_length=1, max_length=200)
    evidence_type: str
    families: int | None = Field(default=None, ge=0, le=100_000)
    confidence: str = "medium"
    text: str = Field(min_length=1, max_length=MAX_TEXT)

    @field_validator("ward", "author", "role_service", "text", mode="before")
    @classmethod
    def _strip(cls, value):
        return str(storable(value)).strip() if value is not None else value

    @field_validator("evidence_type", mode="before")
    @classmethod
    def _evidence(cls, value):
        key = str(value or "").strip().lower().replace("’", "'")
        return one_of(_EVIDENCE_ALIASES.get(key, key), EVIDENCE_TYPES, "evidence type")

    @field_validator("confidence", mode="before")
    @classmethod
    def _confidence(cls, value):
        return one_of(str(value or "").strip().lower() or "medium", CONFIDENCE, "confidence")

    @field_validator("observed_on", mode="before")
    @classmethod
    def _date(cls, value):
        return parse_date(value)
