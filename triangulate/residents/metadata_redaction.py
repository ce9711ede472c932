"""Names outside the text: titles, file names, the facilitator and other metadata, redacted like the turns.

A title the researcher types ("Govan interview McAllister"), a file name ("govan_interview_mcallister.docx")
or a facilitator ("Claire Boyle") is shown to every viewer under each quote, so it goes through the same
redaction as the transcript (`nlp.process` with the transcript's names and lists) and, because file names
are often lower case and NER misses lower-case names, every word that is a token of a person the transcript
names or redacted is replaced too (any case). Pseudonyms are the transcript's own: "McAllister" in the title
becomes the `[PERSON 2]` it is in the text.

The default title names no one: "Interview, Govan, 14/10/2024".
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import PurePath

from triangulate.residents import gazetteer, nlp

# A speaker label that is a role, never a person: the label redaction registers no pseudonym for it.
_LABEL_SPEAKER = "Interviewer"
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Words that make a facilitator entry a team or a service rather than a person ("Community research team").
_NOT_A_PERSON = {"team", "research", "researcher", "researchers", "community", "staff", "worker", "workers",
                 "service", "services", "council", "project", "officer", "officers", "hub", "group", "centre",
                 "center", "trust", "association", "programme", "program", "the", "of", "unit", "partnership",
                 "volunteers", "volunteer", "network", "forum", "department", "advice", "housing", "nhs", "city"}
PERSON_FIELDS = {"facilitator", "transcribed_by", "interviewer", "hosts", "speakers", "note_taker", "moderator"}
_PLACEHOLDER = re.compile(r"^\[([A-Z ]+) (\d+)\]$")
_TITLE_WORDS = {"mr", "mrs", "ms", "miss", "dr", "wee", "auld", "big", "old", "young"}
_TITLES = re.compile(rf"^({'|'.join(sorted(_TITLE_WORDS))})\.?\s+", re.I)


def _key(text: str) -> str:
    """How a mention is matched to one the transcript already has: no possessive, title or case."""
    text = re.sub(r"['’]s$", "", " ".join(text.split())).strip(" .,;:")
    return _TITLES.sub("", text).casefold()


def neutral_title(method: str | None, ward_name: str | None, held_on: date | None) -> str:
    """A title that names no one: method, ward and date ("Interview, Govan, 14/10/2024")."""
    parts = [(method or "interview").capitalize(), ward_name if isinstance(ward_name, str) else "",
             held_on.strftime("%d/%m/%Y") if isinstance(held_on, date) else ""]
    return ", ".join(p for p in parts if p)


def person_names(text: str | None) -> list[str]:
    """The people in a facilitator entry ("Claire Boyle; Sam Reid and Jo Kerr"), leaving teams and services."""
    out = []
    for part in re.split(r"[;,/&+]|\band\b", text or ""):
        words = _WORD.findall(part)
        if 1 <= len(words) <= 4 and not any(w.lower() in _NOT_A_PERSON for w in words) \
                and not nlp.is_place(" ".join(words)) and not all(gazetteer.is_everyday_word(w) for w in words):
            out.append(" ".join(part.split()))
    return out


def _known_tokens(item) -> dict[str, str]:
    """Casefolded word -> the name it came from, for every person the transcript names or redacted."""
    allow = {a.lower() for a in item.allow}
    sources = [*item.all_names, *item.parsed.speaker_names.values()]
    sources += [label for label, stored in item.speaker_map.items() if label != stored]
    # Always-list terms are matched whole (any case) by the redaction itself: their words alone ("Big") are not names.
    sources += [r.original for r in item.redactions if r.category == "PERSON"]
    out: dict[str, str] = {}
    for source in sources:
        for word in _WORD.findall(source):
            low = word.casefold()
            if len(word) > 2 and low not in allow and not gazetteer.is_everyday_word(low) and low not in _TITLE_WORDS \
                    and not nlp.is_place(word):
                out.setdefault(low, source)
    return out


class _Pseudonyms:
    """The transcript's own pseudonyms for what a label mentions; a new number for someone it never named."""

    def __init__(self, item) -> None:
        self.by_text: dict[tuple[str, str], str] = {}
        self.by_word: dict[tuple[str, str], str] = {}
        self.used: dict[str, int] = {}

        def remember(category: str, text: str, placeholder: str) -> None:
            self.by_text.setdefault((category, text.casefold()), placeholder)
            for word in _WORD.findall(text):
                self.by_word.setdefault((category, word.casefold()), placeholder)
            found = _PLACEHOLDER.match(placeholder)
            if found:
                self.used[found.group(1)] = max(self.used.get(found.group(1), 0), int(found.group(2)))

        for r in item.redactions:
            remember(r.category, _key(r.original), r.pseudonym)
        for label, stored in item.speaker_map.items():
            if label != stored:
                remember("PERSON", label, stored)
                full = item.parsed.speaker_names.get(label)
                if full:
                    remember("PERSON", full, stored)

    def __call__(self, category: str, text: str) -> str:
        key = (category, _key(text))
        if key in self.by_text:
            return self.by_text[key]
        for word in _WORD.findall(key[1]):
            if (category, word) in self.by_word:
                return self.by_word[(category, word)]
        self.used[category] = self.used.get(category, 0) + 1
        placeholder = f"[{category} {self.used[category]}]"
        self.by_text[key] = placeholder
        return placeholder


def redact_label(item, text: str | None, *, names: list[str] = (), pseudonyms: _Pseudonyms | None = None) -> str:
    """`text` (a title, a file name's stem, a facilitator, a metadata value) with personal data replaced by
    the transcript's pseudonyms. `item` is a `residents.Preview`; `names` are more people to redact."""
    if not text or not text.strip():
        return text or ""
    pseudonyms = pseudonyms or _Pseudonyms(item)
    spaced = re.sub(r"[_.\-]", " ", text)  # "jean_smith" reads as two words; same length, same offsets
    turns, _ = nlp.process([spaced], [0], [_LABEL_SPEAKER], speaker_names=item.parsed.speaker_names,
                           names=[*item.all_names, *names], always=item.always, allow=item.allow)
    spans = [(r.start, r.end, r.category) for r in turns[0].redactions]
    known = _known_tokens(item)
    for name in names:
        for word in _WORD.findall(name):
            if len(word) > 2:
                known.setdefault(word.casefold(), name)
    for match in _WORD.finditer(spaced):
        word = re.sub(r"['’]s$", "", match.group())
        if word.casefold() in known and not any(match.start() < e and match.end() > s for s, e, _ in spans):
            spans.append((match.start(), match.start() + len(word), "PERSON"))
    placed: list[list] = []  # [start, end, placeholder]; "jean laird" is one person, not two
    for start, end, category in sorted(spans):
        if placed and start < placed[-1][1]:
            continue
        placeholder = pseudonyms(category, text[start:end])
        if placed and placed[-1][2] == placeholder and not spaced[placed[-1][1]:start].strip():
            placed[-1][1] = end
        else:
            placed.append([start, end, placeholder])
    out, cursor = [], 0
    for start, end, placeholder in placed:
        out.append(text[cursor:start])
        out.append(placeholder)
        cursor = end
    out.append(text[cursor:])
    return "".join(out).strip()


def redact_filename(item, filename: str, *, names: list[str] = ()) -> str:
    """The file name as stored: its stem redacted ("govan_interview_[PERSON 1].docx"), its extension kept."""
    path = PurePath(filename or "transcript")
    return redact_label(item, path.stem, names=names) + path.suffix.lower()


def redact_metadata(item, *, names: list[str] = ()) -> dict[str, str]:
    """The file's own header fields (title, location, facilitator, …) as they may be shown and stored."""
    pseudonyms = _Pseudonyms(item)
    out: dict[str, str] = {}
    for key, value in item.parsed.metadata.items():
        if isinstance(value, date):
            out[key] = value.strftime("%d/%m/%Y")
        elif key in ("method", "ward"):
            out[key] = str(value)
        else:  # a field that names people (facilitator, transcribed by) has every one of them redacted
            people = person_names(str(value)) if key in PERSON_FIELDS else []
            out[key] = redact_label(item, str(value), names=[*names, *people], pseudonyms=pseudonyms)
    return out
