"""Roles and what each may do, enforced here in the library rather than by hiding buttons.

Every library function that reads sensitive text or writes takes the acting user (an `Actor`) and calls
`require(actor, PERMISSION)` before touching the database.
"""
from __future__ import annotations

from dataclasses import dataclass

from triangulate.core.errors import PermissionDenied

ROLES = ("admin", "lead", "researcher", "officer", "viewer")

ROLE_DESCRIPTIONS = {
    "admin": "Everything, including users, audit log, backup and erasure.",
    "lead": "Reads everything; writes workshop notes, data needs, hypotheses, reports and thresholds; "
            "settles codings.",
    "researcher": "Uploads, redacts and analyses transcripts; maps topics to issues; imports indicators; "
                  "reads, imports, codes, settles and exports insights; exports reports.",
    "officer": "Records, edits, imports and exports own insights; reads and codes every insight.",
    "viewer": "Aggregates and redacted quotes only.",
}

# permission -> roles that hold it (admin holds every permission)
PERMISSIONS: dict[str, frozenset[str]] = {
    # numbers
    "indicators.import": frozenset({"researcher"}),
    # codebook
    "codebook.edit": frozenset({"researcher"}),
    "places.edit": frozenset({"researcher"}),  # add or remove a local place name in the gazetteer
    # practitioners
    "insights.create": frozenset({"officer"}),
    "insights.edit_own": frozenset({"officer"}),
    "insights.edit_any": frozenset(),
    "insights.delete_own": frozenset({"officer"}),
    "insights.code": frozenset({"officer", "researcher"}),
    "insights.settle": frozenset({"lead", "researcher"}),
    "insights.read_text": frozenset({"lead", "researcher", "officer"}),
    "insights.import": frozenset({"officer", "researcher"}),
    "insights.import_for_others": frozenset({"researcher"}),  # author/coder columns naming someone else
    "insights.export": frozenset({"lead", "researcher", "officer"}),  # officers: their own insights only
    "insights.export_any": frozenset({"lead", "researcher"}),
    # residents
    "transcripts.upload": frozenset({"researcher"}),
    "transcripts.read": frozenset({"lead", "researcher"}),  # whole redacted transcripts
    "transcripts.read_raw": frozenset({"researcher"}),  # unredacted text, only if retained
    "transcripts.delete": frozenset({"researcher"}),
    "transcripts.analyse": frozenset({"researcher"}),
    "topics.map": frozenset({"researcher"}),
    "quotes.read": frozenset({"lead", "researcher", "officer", "viewer"}),  # redacted segments
    "segments.code": frozenset({"researcher"}),  # a person's issue codes on resident segments
    "segments.settle": frozenset({"lead", "researcher"}),  # the agreed code where coders differ
    "machine_check.run": frozenset({"researcher"}),  # blind-code a sample to measure the machine
    "machine_check.read": frozenset({"lead", "researcher", "viewer"}),  # agreement figures and flags
    # joint display and workshop outputs
    "matrix.read": frozenset({"lead", "researcher", "officer", "viewer"}),
    "settings.thresholds": frozenset({"lead"}),
    "workshop.write": frozenset({"lead"}),
    "dataneeds.write": frozenset({"lead"}),
    "hypotheses.write": frozenset({"lead"}),
    "reports.export": frozenset({"lead", "researcher"}),
    # administration
    "users.manage": frozenset(),
    "audit.read": frozenset(),
    "backup": frozenset(),
    "retention.manage": frozenset(),
}


@dataclass(frozen=True)
class Actor:
    """The acting user as the library sees it."""

    username: str
    role: str
    id: int | None = None
    display_name: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.username


# Loads the embedded data set and runs migrations; never a signed-in person.
SYSTEM = Actor(username="system", role="admin", display_name="Triangulate (system)")


def can(actor: Actor | None, permission: str) -> bool:
    if actor is None:
        return False
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return actor.role == "admin" or actor.role in PERMISSIONS[permission]


def require(actor: Actor | None, permission: str) -> None:
    if not can(actor, permission):
        who = f"{actor.username} ({actor.role})" if actor else "Nobody signed in"
        raise PermissionDenied(f"{who} may not do this ({permission}). Ask an admin for a role that may.")
