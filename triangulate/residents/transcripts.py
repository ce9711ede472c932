"""Read interview and focus-group transcripts into speaker turns, with timestamps, metadata and roles.

Formats: .txt, .md (optional YAML front matter), .docx (paragraphs and tables, in document order), .vtt
(Teams/Zoom, with `<v Name>` voice tags) and .srt. Speaker labels, keys and header lines are read as
researchers write them (see `transcript_labels`); each speaker gets a suggested role (`transcript_roles`)
that the researcher confirms. Uploads are bounded before they are parsed (`transcript_bounds`).

Nothing here touches the database: `parse(filename, data)` returns a `ParsedTranscript` or raises
`ImportFailed` whose problems name the file, the line and the fix. Personal data is still in the turns;
`triangulate.residents.nlp` redacts it before anything is stored.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

import yaml

from triangulate.core.errors import ImportFailed, Problem
from triangulate.residents import bounds
from triangulate.residents.bounds import (  # noqa: F401 (public limits)
    MAX_BYTES,
    MAX_CUES,
    MAX_DOCX_ENTRIES,
    MAX_DOCX_UNZIPPED_BYTES,
    MAX_DOCX_XML_TAGS,
    MAX_LINE_CHARS,
    MAX_LINES,
    MAX_TEXT_BYTES,
    MAX_TURNS,
    MAX_WORDS,
)
from triangulate.residents.introductions import introduced_staff
from triangulate.residents.labels import (  # noqa: F401
    STARTERS,
    Line,
    is_initials,
    is_person_name,
    is_role_label,
    qualifier_role,
    read_lines,
    split_names,
)
from triangulate.residents.labels import TIME as _TIME
from triangulate.residents.labels import seconds as _seconds
from triangulate.residents.roles import FACILITATOR, RESIDENT, UNKNOWN, infer_roles, pattern_note  # noqa: F401

FORMATS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".vtt": "vtt",
           ".srt": "srt"}
METHODS = ("interview", "focus group", "drop-in")
UNLABELLED_CHOICES = ("resident", "skip")  # what to do with a file that has no speaker labels
_VTT_TIMING = re.compile(rf"^\s*({_TIME})\s+-->\s+({_TIME})(\s+.*)?$")
METADATA_KEYS = {  # front-matter key -> metadata field (header lines: transcript_labels.HEADER_KEYS)
    "ward": "ward", "ward code": "ward", "date": "date", "held on": "date", "method": "method",
    "consent": "consent_basis", "consent basis": "consent_basis", "lawful basis": "consent_basis",
    "consent_basis": "consent_basis", "lawful_basis": "consent_basis", "facilitator": "facilitator",
    "facilitated by": "facilitator", "facilitators": "facilitator", "interviewer": "facilitator",
    "hosts": "facilitator", "title": "title", "interview": "interview", "location": "location",
    "venue": "location", "duration": "duration", "length": "duration", "transcribed by": "transcribed_by",
    "transcribed_by": "transcribed_by", "transcriber": "transcribed_by", "time": "time", "project": "project",
    "participants": "participants", "note_taker": "note_taker", "recording": "recording", "session": "session",
    "language": "language", "participant_id": "participant_id", "interpreted": "interpreted",
}
# Given names that are also ordinary words: matching them in any case would redact "will", "hope", "may".
WORD_NAMES = {"will", "rose", "hope", "grace", "faith", "joy", "may", "june", "april", "august", "bill", "mark",
              "pat", "sue", "jack", "frank", "rob", "hazel", "holly", "ivy", "iris", "amber", "ruby", "pearl",
              "dawn", "summer", "autumn", "heather", "daisy", "lily", "poppy", "sky", "hunter", "chase", "drew",
              "gene", "art", "ray", "guy", "penny", "sandy", "rusty", "cliff", "dale", "glen", "heath", "lane",
              "wade", "reed", "page", "carol", "brook", "river", "storm", "angel", "star", "melody", "sunny",
              "misty", "bob", "nick", "don", "ben", "rich", "max", "sage", "rowan", "jade", "crystal", "honey",
              "robin", "jay", "kit", "mason", "taylor", "miller", "baker", "cook", "wood", "hill",
              "bell", "young", "brown", "white", "green", "black", "gray", "grey", "king", "long", "little",
              "shepherd", "love", "law", "ward", "watt"}


class NoSpeakerLabels(ImportFailed):
    """The file has no speaker labels and the caller has not chosen how to treat it: the page catches this
    and offers the choice (`unlabelled="resident"` or `"skip"`), the CLI names `--unlabelled`."""


class TranscriptSkipped(ImportFailed):
    """The caller chose `unlabelled="skip"` and this file has no speaker labels: nothing is imported."""


@dataclass
class Turn:
    speaker: str  # as written in the file ("Unlabelled" when the file gives none)
    text: str
    line: int  # 1-based line (or cue/row number) where the turn starts
    start_s: float | None = None
    end_s: float | None = None


@dataclass
class ParsedTranscript:
    filename: str
    format: str
    checksum: str  # sha256 of the file's bytes: importing the same file twice adds nothing
    turns: list[Turn]
    metadata: dict = field(default_factory=dict)
    speaker_names: dict = field(default_factory=dict)  # label -> full name, from a speaker key
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)
    # Every person's name the file itself gives (speaker key, name labels, front-matter speakers/hosts,
    # header lines, facilitator): always redacted in this transcript, whatever NER thinks of them.
    names: list[str] = field(default_factory=list)
    roles: dict = field(default_factory=dict)  # label -> "resident" | "facilitator" | "unknown"
    key_roles: dict = field(default_factory=dict)  # label -> role word a key line gives ("interviewer")
    hosts: list[str] = field(default_factory=list)  # front matter `hosts`: facilitators of a podcast
    unlabelled: str | None = None  # the caller's choice for a file with no speaker labels
    # Names that are also a place or an ordinary word: name -> "place" | "word" (the researcher checks them).
    name_clashes: dict = field(default_factory=dict)

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(t.speaker for t in self.turns))

    def speaker_stats(self) -> list[dict]:
        stats: dict[str, dict] = {}
        for turn in self.turns:
            row = stats.setdefault(turn.speaker, {"speaker": turn.speaker, "turns": 0, "words": 0,
                                                  "full_name": self.speaker_names.get(turn.speaker, ""),
                                                  "role": self.roles.get(turn.speaker, UNKNOWN)})
            row["turns"] += 1
            row["words"] += len(turn.text.split())
        return list(stats.values())

    @property
    def word_count(self) -> int:
        return sum(len(t.text.split()) for t in self.turns)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def suggest_roles(parsed: ParsedTranscript, facilitator: str | None = None) -> dict[str, str]:
    """Each speaker's suggested role; `facilitator` (the name typed in the upload form) joins the file's own."""
    return infer_roles(parsed, facilitator)


def suggest_is_resident(label: str, metadata: dict | None = None) -> bool:
    """One label on its own (no pattern to go on): only respondent-like labels are suggested as residents."""
    probe = ParsedTranscript("", "", "", [Turn(label, "", 1)], dict(metadata or {}))
    return infer_roles(probe).get(label) == RESIDENT


# --------------------------------------------------------------------------- bytes -> text
def decode(filename: str, data: bytes) -> tuple[str, str]:
    """The file's text and the encoding found: UTF-8 (with or without BOM), UTF-16 with BOM, cp1252, …"""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise ImportFailed([Problem(filename, _line_of_byte(data, data.index(b"\x00")), None,
                                    "this looks like binary data, not text (it contains NUL bytes)",
                                    "export the transcript as plain text (.txt, UTF-8), .docx, .vtt or .srt")])
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "utf_16", "iso8859_15", "mac_roman"]).best()
    if best is None:
        raise ImportFailed([Problem(filename, None, None, "could not tell which text encoding this file uses",
                                    "save it again as UTF-8 text (in Word: Save As → Plain Text → UTF-8)")])
    text = str(best)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > max(3, len(text) // 100):
        raise ImportFailed([Problem(filename, None, None, "this looks like binary data, not text",
                                    "export the transcript as plain text (.txt, UTF-8), .docx, .vtt or .srt")])
    return text, best.encoding


def _line_of_byte(data: bytes, index: int) -> int:
    return data.count(b"\n", 0, index) + 1


# --------------------------------------------------------------------------- metadata
def _normalise_metadata(raw: dict) -> dict:
    meta: dict = {}
    for key, value in raw.items():
        key_low = str(key).strip().lower()
        field_name = METADATA_KEYS.get(key_low) or METADATA_KEYS.get(key_low.replace("_", " "))
        if field_name is None or value in (None, "", []):
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value if v not in (None, ""))
            if not value:
                continue
        if field_name == "date":
            value = _as_date(value)
            if value is None:
                continue
        elif field_name == "method":
            value = _as_method(str(value))
            if value is None:
                continue
        else:
            value = str(value).strip()
        meta.setdefault(field_name, value)
    return meta


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    # "Tuesday 12th March 2025", "12/03/25", "March 12, 2025": a year must be there, day before month.
    if not re.search(r"\b\d{4}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2}\b", text) or len(text) > 60:
        return None
    from dateutil import parser as date_parser

    try:
        return date_parser.parse(re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text), dayfirst=True, fuzzy=True).date()
    except (ValueError, OverflowError, TypeError):
        return None


def _as_method(text: str) -> str | None:
    low = text.strip().lower().replace("_", " ")
    if "focus" in low or "group" in low:
        return "focus group"
    if "drop" in low:
        return "drop-in"
    if "interview" in low:
        return "interview"
    return None


def _front_matter(filename: str, text: str) -> tuple[dict, str, int]:
    """YAML front matter between `---` lines: (metadata, body, lines consumed)."""
    if not text.startswith("---"):
        return {}, text, 0
    lines = text.split("\n")
    for index in range(1, min(len(lines), 400)):
        if lines[index].strip() in ("---", "..."):
            try:
                raw = yaml.safe_load("\n".join(lines[1:index])) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                raise ImportFailed([Problem(filename, (mark.line + 2) if mark else 2, None,
                                            f"the YAML front matter is not valid ({getattr(exc, 'problem', exc)})",
                                            "fix the lines between the two `---` lines, e.g. `ward: Govan`")]) from exc
            except RecursionError:
                raise ImportFailed([Problem(filename, 2, None, "the YAML front matter is nested too deeply",
                                            "keep the front matter to simple `key: value` lines")]) from None
            if not isinstance(raw, dict):
                raw = {}
            return raw, "\n".join(lines[index + 1:]), index + 1
    return {}, text, 0


def _front_names(raw: dict, key: str) -> list[str]:
    value = raw.get(key)
    items = value if isinstance(value, list) else re.split(r"[;,]", str(value or ""))
    return [str(v).strip() for v in items if str(v or "").strip()]


# --------------------------------------------------------------------------- text, markdown and Word
def _from_lines(filename: str, fmt: str, lines: list[Line], raw_meta: dict) -> ParsedTranscript:
    """Turns, metadata, names and warnings from lines (text files and Word documents alike)."""
    front_people = [n for key in ("speakers", "hosts", "participants", "interviewees", "facilitators",
                                  "interviewers") for n in _front_names(raw_meta, key)]
    labelled = read_lines(lines, front_people)
    turns = [Turn(s, t, n, stamp) for s, t, n, stamp in labelled.turns]
    meta = _normalise_metadata({**{k: v for k, v in labelled.header.items()}, **raw_meta})
    if "title" not in meta and meta.get("interview"):
        meta["title"] = meta["interview"]
    parsed = ParsedTranscript(filename, fmt, "", turns, meta, dict(labelled.key_names), warnings=labelled.warnings,
                              key_roles=dict(labelled.key_roles), hosts=_front_names(raw_meta, "hosts"))
    parsed.names.extend(front_people)
    parsed.names.extend(labelled.header_names)
    return parsed


def _parse_text(filename: str, text: str, fmt: str) -> ParsedTranscript:
    raw_meta, body, consumed = _front_matter(filename, text)
    lines = [Line(consumed + i + 1, line) for i, line in enumerate(body.split("\n"))]
    return _from_lines(filename, fmt, lines, raw_meta)


def _parse_docx(filename: str, data: bytes) -> ParsedTranscript:
    from triangulate.residents import docx as transcript_docx

    lines, props, notes = transcript_docx.read(filename, data)
    for line in lines:
        if len(line.text) > MAX_LINE_CHARS:
            raise bounds.refuse(filename, f"paragraph {line.number} has {len(line.text):,} characters; the limit "
                                f"is {MAX_LINE_CHARS:,}", "put paragraph breaks between speakers' turns",
                                line=line.number)
    if len(lines) > MAX_LINES:
        raise bounds.refuse(filename, f"the document has {len(lines):,} paragraphs and rows; the limit is "
                            f"{MAX_LINES:,}", "split it into several transcripts (one conversation per file)")
    words = sum(line.text.count(" ") + 1 for line in lines if line.text)
    if words > MAX_WORDS:  # refused before the labels are read: that is the slow part of a long document
        raise bounds.refuse(filename, f"the transcript has about {words:,} words; the limit is {MAX_WORDS:,}",
                            "split it into several transcripts (one conversation per file)")
    parsed = _from_lines(filename, "docx", lines, {})
    if props.get("title") and "title" not in parsed.metadata:
        parsed.metadata["title"] = props["title"]
    parsed.warnings.extend(notes)
    return parsed


# --------------------------------------------------------------------------- .vtt / .srt
def _check_vtt(filename: str, text: str) -> list[Problem]:
    """webvtt-py silently drops a cue with a broken timing line: find those ourselves, with line numbers."""
    problems = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        problems.append(Problem(filename, 1, None, "a .vtt file must start with the line WEBVTT",
                                "add WEBVTT as the first line, or save the file as .txt if it is not subtitles"))
        return problems
    block: list[tuple[int, str]] = []

    def check(block: list[tuple[int, str]]) -> None:
        if not block:
            return
        first = block[0][1].strip()
        if first.startswith(("NOTE", "STYLE", "REGION", "WEBVTT")):
            return
        timing = [(n, line) for n, line in block[:2] if "-->" in line]
        if not timing:
            problems.append(Problem(filename, block[0][0], None, "this cue has no timing line (start --> end)",
                                    "add a line such as 00:01:02.000 --> 00:01:05.000 before the cue text, "
                                    "or delete the stray text"))
            return
        number, line = timing[0]
        match = _VTT_TIMING.match(line)
        if not match:
            problems.append(Problem(filename, number, None, f"malformed cue timing {line.strip()[:60]!r}",
                                    "write timings as HH:MM:SS.mmm --> HH:MM:SS.mmm"))
        elif (_seconds(match.group(2)) or 0) < (_seconds(match.group(1)) or 0):
            problems.append(Problem(filename, number, None, "this cue ends before it starts",
                                    "swap or correct the two times"))

    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line))
        else:
            check(block)
            block = []
    check(block)
    return problems


_VOICE = re.compile(r"<v(?:\.[\w.]+)?\s+([^>]+)>")
_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")


# `LIAM (YW): …`: the bracket says who they are (`Parent 4:` and `Speaker 12:` too: a number after the word);
# `Long - Interpreter: …` says it after a dash; `Toni's iPhone: …` is the device a guest joined on
_CUE_LABEL = re.compile(r"^\s*(?:-\s*)?\[?((?:[A-Z][\w'’\-]+, (?=[A-Z]))?"  # Teams' `Crawford, Jackie:`
                        r"[A-Z][\w'’.\-]*(?: (?:[A-Z][\w'’.\-]*|\d{1,3}))*?"
                        r"(?:['’]s (?:iPhone|iPad|phone|tablet|laptop))?"
                        r"(?: ?\([^()]{1,30}\))?(?: [-–] ([A-Z][A-Za-z/ ]{1,24}?))?)\]?:\s+(.*)$")


def _cue_turns(cues: list[tuple[int, float, float, str]]) -> list[Turn]:
    """Cues → turns; consecutive cues from one voice merge (Teams cuts a sentence into several cues)."""
    turns: list[Turn] = []
    for number, start, end, raw in cues:
        voice = _VOICE.search(raw)
        text = " ".join(_TAGS.sub("", raw).split())
        speaker = voice.group(1).strip() if voice else None
        if speaker is None:
            label = _CUE_LABEL.match(text)
            if label and not (label.group(2) and qualifier_role(label.group(2)) != "facilitator") and \
                    label.group(1).split(",")[0].lower() not in STARTERS:  # not "Right, Sarah: …"
                speaker, text = label.group(1), label.group(3)
        if not text:
            continue
        if turns and (speaker is None or speaker == turns[-1].speaker):
            turns[-1].text += " " + text
            turns[-1].end_s = end
            continue
        turns.append(Turn(speaker=speaker or "Unlabelled", text=text, line=number, start_s=start, end_s=end))
    return turns


def _parse_vtt(filename: str, text: str) -> ParsedTranscript:
    import webvtt

    problems = _check_vtt(filename, text)
    if problems:
        raise ImportFailed(problems)
    lines = text.split("\n")
    try:
        captions = list(webvtt.from_string(text.lstrip("\ufeff")))
    except Exception as exc:  # webvtt-py's MalformedFileError and friends
        fix = "export the captions again from Teams/Zoom, or save the transcript as .txt"
        raise ImportFailed([Problem(filename, None, None, f"not a valid WebVTT file ({exc})", fix)]) from exc
    timing_lines = [i + 1 for i, line in enumerate(lines) if "-->" in line]
    cues = [(timing_lines[i] if i < len(timing_lines) else 0, _seconds(c.start), _seconds(c.end), c.raw_text)
            for i, c in enumerate(captions)]
    raw_meta, _, _ = _front_matter(filename, "")
    return ParsedTranscript(filename, "vtt", "", _cue_turns(cues), _normalise_metadata(raw_meta), {})


def _parse_srt(filename: str, text: str) -> ParsedTranscript:
    import srt

    body = text.lstrip("\ufeff")
    try:
        subtitles = list(srt.parse(body))
    except srt.SRTParseError as exc:
        at = getattr(exc, "expected_start", 0) or 0
        at += len(body[at:]) - len(body[at:].lstrip())  # the first character of the block that failed
        raise ImportFailed([Problem(filename, body.count("\n", 0, at) + 1, None,
                                    "malformed subtitle block (expected a number, then HH:MM:SS,mmm --> HH:MM:SS,mmm)",
                                    "correct the block's timing line, or delete it")]) from exc
    except (ValueError, OverflowError) as exc:
        raise ImportFailed([Problem(filename, None, None, f"malformed subtitle timing ({exc})",
                                    "write timings as HH:MM:SS,mmm --> HH:MM:SS,mmm")]) from exc
    index_lines = {}
    for match in re.finditer(r"(?m)^\s*(\d+)\s*$\n^.*-->", body):
        index_lines.setdefault(int(match.group(1)), body.count("\n", 0, match.start()) + 1)
    cues = [(index_lines.get(s.index, 0), s.start.total_seconds(), s.end.total_seconds(), s.content)
            for s in subtitles]
    return ParsedTranscript(filename, "srt", "", _cue_turns(cues), {}, {})


# --------------------------------------------------------------------------- entry point
def parse(filename: str, data: bytes, *, unlabelled: str | None = None) -> ParsedTranscript:
    """Parse one file. Raises ImportFailed (file, line, fix) for anything that is not a usable transcript.

    `unlabelled`: what to do when the file has no speaker labels at all — None refuses it (the researcher
    must choose), "resident" reads every paragraph as residents' words, "skip" raises TranscriptSkipped.
    """
    name = PurePath(filename).name or "transcript"
    suffix = PurePath(name).suffix.lower()
    fmt = FORMATS.get(suffix)
    if unlabelled not in (None, *UNLABELLED_CHOICES):
        raise ValueError(f"unlabelled must be one of {UNLABELLED_CHOICES} or None, not {unlabelled!r}")
    if fmt is None:
        raise ImportFailed([Problem(name, None, None, f"{suffix or 'no extension'} is not a transcript format "
                                    "Triangulate reads", "upload .txt, .md, .docx, .vtt or .srt")])
    bounds.check_size(name, data, fmt)
    if not data.strip():
        raise ImportFailed([Problem(name, 1, None, "the file is empty", "choose the file that holds the transcript")])
    encoding = "utf-8"
    if fmt == "docx":
        if not data.startswith(b"PK"):
            raise ImportFailed([Problem(name, None, None, "this is not a .docx file (a .docx is a zip package)",
                                        "open it in Word and save as .docx, or rename it to its real type")])
        parsed = _parse_docx(name, data)
    else:
        text, encoding = decode(name, data)
        if "\x00" in text:  # NUL past the first 8 KiB or in UTF-16: binary, and PostgreSQL text cannot hold it
            raise ImportFailed([Problem(name, text.count("\n", 0, text.index("\x00")) + 1, None,
                                        "this looks like binary data, not text (it contains NUL characters)",
                                        "export the transcript as plain text (.txt, UTF-8), .docx, .vtt or .srt")])
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        bounds.check_text(name, text, fmt)
        if fmt == "vtt":
            parsed = _parse_vtt(name, text)
        elif fmt == "srt":
            parsed = _parse_srt(name, text)
        else:
            parsed = _parse_text(name, text, fmt)
    parsed.checksum = checksum(data)
    parsed.encoding = encoding
    bounds.check_turns(name, parsed.turns)
    _refuse_empty(name, fmt, parsed)
    _finish_names(parsed)
    if not parsed.metadata.get("title"):
        parsed.metadata["title"] = PurePath(name).stem.replace("_", " ").replace("-", " ").strip().capitalize()
    _unlabelled(name, parsed, unlabelled)
    parsed.roles = suggest_roles(parsed)
    parsed.warnings.extend(_bad_input_warnings(parsed))
    return parsed


def _refuse_empty(name: str, fmt: str, parsed: ParsedTranscript) -> None:
    if parsed.turns:
        return
    if parsed.metadata or parsed.speaker_names:
        found = ", ".join(sorted(k for k in parsed.metadata)) or "a speaker key"
        raise ImportFailed([Problem(name, None, None, f"the file has only header lines ({found}) and no "
                                    "conversation", "check that this is the whole transcript, not its cover sheet")])
    what = "only tables with no text" if fmt == "docx" else "no text"
    raise ImportFailed([Problem(name, None, None, f"the transcript has {what} to analyse",
                                "check that this is the transcript and not an empty template")])


def _finish_names(parsed: ParsedTranscript) -> None:
    """Every person's name the file gives, once: key names, header/front-matter people, name labels."""
    parsed.names.extend(parsed.speaker_names.values())
    parsed.names.extend(split_names(parsed.metadata.get("facilitator", "")))
    parsed.names.extend(n for s in parsed.speakers if s != "Unlabelled" and not is_initials(s)
                        for n in split_names(s))  # `Laura Mitchell (Glasgow City Council)` → Laura Mitchell
    keep = []
    for n in parsed.names:
        n = re.sub(r"^(?:Dr|Prof|Professor|Mr|Mrs|Ms|Miss|Mx|Cllr|Rev)\.?\s+", "", (n or "").strip())
        if n and not is_role_label(n) and not any(ch.isdigit() for ch in n) and len(n) <= 80:
            keep.append(n)
    parsed.names = list(dict.fromkeys(keep))


def _unlabelled(name: str, parsed: ParsedTranscript, choice: str | None) -> None:
    if any(t.speaker != "Unlabelled" for t in parsed.turns):
        share = sum(len(t.text.split()) for t in parsed.turns if t.speaker == "Unlabelled") / max(1, parsed.word_count)
        if share > 0.2:
            parsed.warnings.append(f"{share:.0%} of the words have no speaker label; they are shown as "
                                   "'Unlabelled' and are not residents' words unless you tick 'Unlabelled'.")
        return
    if choice is None:
        raise NoSpeakerLabels([Problem(name, parsed.turns[0].line, None, "no speaker labels were found, so the "
                                    "interviewer's words cannot be told from the residents'",
                                    "add a label at the start of each turn ('Interviewer: …', 'Resident: …', or "
                                    "initials with a key line such as 'Key: I = Interviewer, R = Respondent'), "
                                    "or choose how to treat an unlabelled file: all residents' words "
                                    "(--unlabelled resident) or skip it (--unlabelled skip)")])
    if choice == "skip":
        raise TranscriptSkipped([Problem(name, None, None, "skipped: the file has no speaker labels",
                                         "add speaker labels and upload it again, or import it with "
                                         "--unlabelled resident if every word is a resident's")])
    parsed.unlabelled = "resident"
    parsed.warnings.append("No speaker labels were found: every paragraph is read as residents' words, as you "
                           "chose. Remove any interviewer's questions before saving.")


def _bad_input_warnings(parsed: ParsedTranscript) -> list[str]:
    """What the researcher must check before saving (the choice is theirs; nothing is saved yet)."""
    labels = [s for s in parsed.speakers if s != "Unlabelled"]
    notes = _key_warnings(parsed, labels) + _shared_first_name_warnings(parsed) + _name_clash_warnings(parsed)
    notes += [note] if (note := pattern_note(parsed, parsed.roles)) else []
    staff = [s for s in labels if parsed.roles.get(s) == FACILITATOR]
    for label, said in introduced_staff(parsed, staff).items():
        notes.append(f"{label} read as staff, not a resident, from what was said: \"{said[:160]}\". Tick them "
                     "if they are a resident.")
    audience = [s for s in labels if parsed.roles.get(s) == UNKNOWN and s in ("F", "M", "Q")]
    if audience:
        notes.append(f"{', '.join(audience)} read as audience members (questions from the floor), not the "
                     "chair: tick them only if they are residents.")
    return notes


def _key_warnings(parsed: ParsedTranscript, labels: list[str]) -> list[str]:
    """Labels that are initials with no key, and key entries no turn uses."""
    notes = []
    used = set(parsed.speakers)
    if labels and all(is_initials(s) and len(s) >= 2 for s in labels) and not (
            parsed.speaker_names or parsed.key_roles):
        notes.append(f"Speakers are given only as initials ({', '.join(labels)}) and the file has no key saying "
                     "who they are: tick the residents yourself, or add a key line at the top (e.g. "
                     "'Key: MD = Interviewer, JW = Respondent') and upload again.")
    for label in dict.fromkeys([*parsed.key_roles, *parsed.speaker_names]):
        if label not in used:
            full = parsed.speaker_names.get(label) or parsed.key_roles.get(label)
            other = [k for k, v in parsed.speaker_names.items() if v == full and k in used and k != label]
            if other:
                notes.append(f"The key names {label} ({full}) but the turns open with {other[0]}: read as the "
                             "same person.")
            else:
                notes.append(f"The key names {label} ({full}) but no turn opens with {label}: check the key "
                             "or the labels (the name is still redacted wherever it appears).")
    return notes


def _shared_first_name_warnings(parsed: ParsedTranscript) -> list[str]:
    notes = []
    firsts: dict[str, list[str]] = {}
    for person in parsed.names:
        if len(person.split()) > 1:
            firsts.setdefault(person.split()[0].lower(), []).append(person)
    for people in firsts.values():
        if len(set(people)) > 1:
            notes.append(f"Two people share the first name {people[0].split()[0]} ({', '.join(sorted(set(people)))}): "
                         "a label or mention with the first name alone cannot be told apart; check their turns "
                         "and redactions (a speaker labelled with that first name alone is left for you to confirm).")
    return notes


def _name_clash_warnings(parsed: ParsedTranscript) -> list[str]:
    """Names that are also places or ordinary words (noted in parsed.name_clashes as well)."""
    from triangulate.residents.nlp import is_place

    notes = []
    for person in parsed.names:
        for part in dict.fromkeys([person, *person.split()]):
            if is_place(part):
                parsed.name_clashes[part] = "place"
            elif part.lower() in WORD_NAMES:
                parsed.name_clashes[part] = "word"
    places = [p for p, kind in parsed.name_clashes.items() if kind == "place"]
    words = [p for p, kind in parsed.name_clashes.items() if kind == "word"]
    if places:
        notes.append(f"{', '.join(places)}: a person's name in this file and also a place. It is redacted as a "
                     "name wherever it appears, place mentions included. If it is not a person, remove the colon "
                     "after it (or relabel the speaker, e.g. 'Resident 1:') and upload again.")
    if words:
        notes.append(f"{', '.join(words)}: a person's name in this file and also an ordinary word: check in the "
                     "preview that only the name was redacted (add the word to the allow list if not).")
    return notes


def parse_many(files: list[tuple[str, bytes]], **options) -> list[ParsedTranscript]:
    """Parse several files; every file's problems are collected before anything is raised."""
    parsed, problems = [], []
    for name, data in files:
        try:
            parsed.append(parse(name, data, **options))
        except TranscriptSkipped:
            continue
        except ImportFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ImportFailed(problems)
    return parsed
