"""The shape of a transcript upload: the metadata a researcher gives (or the file's front matter carries).

A .md transcript may start with YAML front matter using these keys, e.g.

    ---
    title: Govan parents' focus group
    ward: Govan            # ward name or GSS code (S13002971)
    date: 2025-03-12
    method: focus group    # interview / focus group / drop-in
    consent_basis: Written consent; public task (UK GDPR 6(1)(e))
    facilitator: Community research team
    ---

A .txt or .docx may carry the same keys as `Key: value` lines at the top. Turns follow: `Name: words`,
`Q:`/`A:`, `Interviewer:`/`Interviewee:`, or a speaker key (`MD - Michelle Drumm`) then `MD words`.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator

Method = Literal["interview", "focus group", "drop-in"]


class TranscriptMetadata(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    ward: str = Field(min_length=1, description="ward name or GSS code")
    held_on: date | None = None
    method: Method = "interview"
    consent_basis: str = Field(default="", max_length=500)
    facilitator: str = Field(default="", max_length=200)

    @field_validator("title", "ward", "consent_basis", "facilitator")
    @classmethod
    def _strip(cls, value: str) -> str:
        if "\x00" in value:  # PostgreSQL text cannot hold NUL; refuse it before the write
            raise ValueError("contains a NUL character (binary data), which cannot be stored")
        return value.strip()


class SpeakerChoice(BaseModel):
    """The researcher's decision about one speaker label as written in the file."""

    label: str = Field(min_length=1)
    is_resident: bool
