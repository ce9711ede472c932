"""Every threshold the joint display uses, in one object a lead can read, edit and save.

The signal rules (`signals.py`) and the convergence coding (`convergence.py`) read nothing else, so the
"why" of every verdict can quote the numbers it was judged against. Saved as one row of the Setting
table (key `joint.thresholds`); each save is audited with what changed.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from schemas import Setting
from triangulate.core import audit
from triangulate.core.db import session_scope
from triangulate.core.permissions import Actor, require

SETTING_KEY = "joint.thresholds"


class Thresholds(BaseModel):
    """The joint display's rules, with the defaults the demo was designed against."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    # numbers
    numbers_elevated_sd: float = Field(
        0.5, gt=0, le=5,
        description="The ward is 'elevated' when its mean standardised gap to the city (in standard deviations "
                    "of the 23 ward values, worse direction positive) is at least this; 'lower' at minus this.")
    numbers_use_parent_indicators: bool = Field(
        False,
        description="When an issue has no indicator of its own, use the indicators linked to its parent issue "
                    "(e.g. 'Costs of living' for 'Food insecurity').")
    # practitioners
    stance_weight_problem: float = Field(1.0, ge=0, le=3, description="Weight of an insight coded 'problem'.")
    stance_weight_worsening: float = Field(1.0, ge=0, le=3, description="Weight of an insight coded 'worsening'.")
    stance_weight_improving: float = Field(
        0.5, ge=0, le=3, description="Weight of an insight coded 'improving' (still a problem, easing).")
    stance_weight_not_a_problem: float = Field(
        1.0, ge=0, le=3, description="Weight of an insight coded 'not a problem' (counts against).")
    practitioners_strong_score: float = Field(
        5.0, gt=0, le=100,
        description="Officers raise an issue 'strongly' when the sum of stance weight × severity (1–3) over the "
                    "ward's insights on it reaches this (e.g. two insights at severity 3 = 6).")
    # residents
    residents_prominent_min_segments: int = Field(
        3, ge=1, le=100,
        description="Residents' talk is 'prominent' only with at least this many segments on the issue.")
    residents_prominent_ratio: float = Field(
        1.5, gt=0, le=20,
        description="…and the ward's share of resident segments on the issue is at least this many times the "
                    "city-wide share…")
    residents_prominent_share: float = Field(
        0.12, gt=0, le=1,
        description="…or at least this share of the ward's resident segments (so an issue every ward talks about "
                    "can still be prominent).")
    # examples (the protocol's second element of comparison)
    examples_per_strand: int = Field(
        15, ge=3, le=100, description="How many of a strand's most frequent specific examples are compared.")
    min_shared_examples: int = Field(
        2, ge=1, le=20, description="Officers and residents 'share examples' when at least this many coincide.")
    min_shared_examples_numbers: int = Field(
        1, ge=1, le=20,
        description="The numbers' examples are indicator names (a few words), so fewer need to coincide with a "
                    "qualitative strand's.")
    # residents: how far the machine's issues are verified (machine_check.py)
    machine_check_min_kappa: float = Field(
        0.6, ge=0, le=1,
        description="An issue's residents' verdicts count as verified when the latest machine check's Cohen's κ "
                    "between a researcher and the machine on that issue is at least this (0.6: 'substantial').")
    machine_check_min_segments: int = Field(
        5, ge=1, le=1000,
        description="…over at least this many checked segments that the researcher or the machine put on the "
                    "issue; fewer, and the issue counts as unchecked.")


def explain() -> list[dict]:
    """Each threshold with its value's meaning, for the thresholds page and the report."""
    return [{"setting": name, "default": field.default, "meaning": field.description}
            for name, field in Thresholds.model_fields.items()]


def load(engine: Engine) -> Thresholds:
    """The saved thresholds, or the defaults."""
    with session_scope(engine) as session:
        row = session.get(Setting, SETTING_KEY)
        return Thresholds.model_validate(row.value) if row else Thresholds()


def save(engine: Engine, actor: Actor, thresholds: Thresholds) -> Thresholds:
    """Save (a lead's decision); the audit event records each changed value, old and new."""
    require(actor, "settings.thresholds")
    thresholds = Thresholds.model_validate(thresholds.model_dump())
    with session_scope(engine) as session:
        row = session.get(Setting, SETTING_KEY)
        before = Thresholds.model_validate(row.value) if row else Thresholds()
        changed = {k: {"from": v, "to": getattr(thresholds, k)}
                   for k, v in before.model_dump().items() if getattr(thresholds, k) != v}
        if row is None:
            row = Setting(key=SETTING_KEY)
        row.value = thresholds.model_dump()
        row.updated_by = actor.username
        from schemas.tables import utcnow

        row.updated_at = utcnow()
        session.add(row)
        audit.record(session, actor, "setting", "thresholds", SETTING_KEY, changed=changed)
    return thresholds


def reset(engine: Engine, actor: Actor) -> Thresholds:
    return save(engine, actor, Thresholds())
