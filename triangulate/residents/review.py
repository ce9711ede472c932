"""What a researcher checks before saving a transcript: every turn as it will be stored, every redaction.

Built from a `residents.Preview` (nothing here touches the database), for the upload page and the command
line alike:

- `turns(item, residents)`: each turn's whole text as it will be stored, with the place of every
  redaction in that text (`Mark.start`/`end` are offsets in the stored text) and the original words;
- `redactions(item, rule=, category=, pseudonym=)`: all of them, filterable;
- `speakers(item, facilitator)`: each speaker with their role suggestion, who is ticked as a resident (only
  what `Preview.suggested_residents` says) and a sample line as stored;
- `metadata(item)`: the header lines the file carried (title, date, location, …), redacted like the text.

The researcher's corrections (keep a word in clear, redact another) go through `residents.redo`, which
re-runs the redaction for that file only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd

from triangulate.residents import metadata_redaction, nlp

SAMPLE_CHARS = 160


@dataclass
class Mark:
    start: int  # offsets in the turn's stored (redacted) text
    end: int
    redaction: nlp.Redaction


@dataclass
class ReviewTurn:
    index: int
    line: int
    speaker: str  # as written in the file
    stored_speaker: str  # as it will be stored (a pseudonym for a named person)
    role: str  # resident / facilitator, from the researcher's current choice
    start_s: float | None
    text: str  # exactly what will be stored
    marks: list[Mark] = field(default_factory=list)

    def pieces(self) -> list[tuple[str, nlp.Redaction | None]]:
        """The stored text cut into plain stretches and redactions, in order (for highlighting)."""
        out, cursor = [], 0
        for mark in self.marks:
            if mark.start > cursor:
                out.append((self.text[cursor:mark.start], None))
            out.append((self.text[mark.start:mark.end], mark.redaction))
            cursor = mark.end
        if cursor < len(self.text):
            out.append((self.text[cursor:], None))
        return out


def stored_marks(turn: nlp.ProcessedTurn, original: str) -> tuple[str, list[Mark]]:
    """The turn's stored text rebuilt from its original and its redactions, with where each pseudonym lands.

    Follows `ProcessedTurn.redact_slice`: a redaction overlapping an earlier one adds nothing."""
    out: list[str] = []
    marks: list[Mark] = []
    cursor, length = 0, 0
    for r in sorted(turn.redactions, key=lambda r: (r.start, -r.end)):
        if r.start < cursor:
            cursor = max(cursor, r.end)
            continue
        out.append(original[cursor:r.start])
        length += r.start - cursor
        marks.append(Mark(length, length + len(r.pseudonym), r))
        out.append(r.pseudonym)
        length += len(r.pseudonym)
        cursor = r.end
    out.append(original[cursor:])
    text = "".join(out)
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    marks = [Mark(m.start - lead, m.end - lead, m.redaction) for m in marks]
    return text, marks


def turns(item, residents: set[str] | list[str] | None = None, facilitator: str | None = None) -> list[ReviewTurn]:
    """Every turn as it will be stored. `residents`: labels as written; None takes the suggestion."""
    chosen = set(item.suggested_residents(facilitator) if residents is None else residents)
    out = []
    for index, (parsed, processed) in enumerate(zip(item.parsed.turns, item.turns)):
        text, marks = stored_marks(processed, parsed.text)
        if text != processed.text:  # the redactor changed how it builds text: show its text, unmarked
            text, marks = processed.text, []
        out.append(ReviewTurn(index, parsed.line, parsed.speaker, processed.speaker,
                              "resident" if parsed.speaker in chosen else "facilitator", parsed.start_s, text, marks))
    return out


REDACTION_COLUMNS = ["line", "turn", "found", "replaced by", "rule", "category"]


def redactions(item, *, rule: str | list[str] | None = None, category: str | list[str] | None = None,
               pseudonym: str | list[str] | None = None, found: str | None = None) -> pd.DataFrame:
    """Every redaction (the original words are for this review only and never stored), filtered by rule,
    category, pseudonym or a piece of the found text."""
    frame = item.redaction_frame()
    for column, wanted in (("rule", rule), ("category", category), ("replaced by", pseudonym)):
        if wanted:
            frame = frame[frame[column].isin([wanted] if isinstance(wanted, str) else list(wanted))]
    if found and found.strip():
        frame = frame[frame["found"].str.contains(found.strip(), case=False, regex=False)]
    return frame.reset_index(drop=True)


def filters(item) -> dict[str, list[str]]:
    """The values each redaction filter can take in this file."""
    frame = item.redaction_frame()
    return {"rule": sorted(set(frame["rule"])), "category": sorted(set(frame["category"])),
            "pseudonym": sorted(set(frame["replaced by"]), key=_placeholder_order)}


def _placeholder_order(text: str) -> tuple:
    head, _, number = text.strip("[]").rpartition(" ")
    return (head, int(number)) if number.isdigit() else (text, 0)


def speakers(item, facilitator: str | None = None) -> pd.DataFrame:
    """Speakers with their role suggestion, whether they start ticked as residents, and a sample line."""
    frame = item.speakers_frame(facilitator)
    roles = getattr(item.parsed, "roles", None) or {}
    samples: dict[str, str] = {}
    for parsed, processed in zip(item.parsed.turns, item.turns):
        words = processed.text.split()
        best = samples.get(parsed.speaker)
        if best is None or (len(best.split()) < 6 and len(words) > len(best.split())):
            samples[parsed.speaker] = processed.text
    suggested = set(item.suggested_residents(facilitator))
    frame["role"] = [roles.get(s) or ("resident" if s in suggested else "not a resident")
                     for s in frame["speaker in file"]]
    frame["sample line (as stored)"] = [_shorten(samples.get(s, "")) for s in frame["speaker in file"]]
    return frame


def _shorten(text: str) -> str:
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS].rsplit(" ", 1)[0] + " …"


def metadata(item) -> pd.DataFrame:
    """The header lines the file carried, as fields (redacted like the text): never speakers."""
    values = metadata_redaction.redact_metadata(item)
    stem = PurePath(item.filename).stem.replace("_", " ").replace("-", " ").strip().capitalize()
    if values.get("title") and item.parsed.metadata.get("title") == stem:
        del values["title"]  # the parser's stand-in from the file name, not a header line
    return pd.DataFrame([{"field": k.replace("_", " "), "value": v} for k, v in values.items()],
                        columns=["field", "value"])


def still_redacted(item, words: list[str]) -> list[str]:
    """Of `words` the researcher asked to keep in clear, those a redaction still covers (e.g. a part of a
    longer name, or a pattern such as a phone number): the page says so rather than pretending."""
    found = {r.original.strip().lower() for r in item.redactions}
    out = []
    for word in words:
        low = word.strip().lower()
        if low and any(low == f or low in f.split() for f in found):
            out.append(word)
    return out
