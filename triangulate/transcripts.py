"""Read interview and focus-group transcripts into speaker turns, with timestamps and metadata.

Formats: .txt, .md (optional YAML front matter), .docx (paragraphs and tables), .vtt (Teams/Zoom, with
`<v Name>` voice tags) and .srt. Speaker turns are recognised from `Name:` labels (also `**Name:**`),
`Interviewer:`/`Interviewee:`, `Q:`/`A:`, and a speaker key such as `MD - Michelle Drumm` followed by turns
opening with the initials (`MD …`); paragraphs with no label continue the previous speaker.

Nothing here touches the database: `parse(filename, data)` returns a `ParsedTranscript` or raises
`ImportFailed` whose problems name the file, the line and the fix. Personal data is still in the turns;
`triangulate.nlp` redacts it before anything is stored.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

import yaml

from triangulate.errors import ImportFailed, Problem

MAX_BYTES = 50 * 1024 * 1024  # a clear limit: a longer file is almost certainly not a transcript
FORMATS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".vtt": "vtt",
           ".srt": "srt"}
METHODS = ("interview", "focus group", "drop-in")
METADATA_KEYS = {  # header line / front-matter key -> metadata field
    "ward": "ward", "ward code": "ward", "date": "date", "held on": "date", "method": "method",
    "consent": "consent_basis", "consent basis": "consent_basis", "lawful basis": "consent_basis",
    "consent_basis": "consent_basis", "lawful_basis": "consent_basis", "facilitator": "facilitator",
    "facilitated by": "facilitator", "facilitators": "facilitator", "interviewer": "facilitator",
    "hosts": "facilitator", "title": "title",
}
# Labels that name a role, not a person: never pseudonymised, and a hint to who is the facilitator.
FACILITATOR_LABELS = {"interviewer", "facilitator", "q", "researcher", "host", "moderator", "chair",
                      "co-facilitator", "note taker", "notetaker"}
ROLE_LABEL = re.compile(r"^(interviewer|interviewee|facilitator|co-facilitator|q|a|researcher|host|moderator|"
                        r"chair|respondent|participant|resident|parent|speaker|p|r|man|woman|note ?taker|"
                        r"unlabelled|unknown|group|all|several)(\s*\d+)?$", re.I)

_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_STAMP = re.compile(rf"^\s*[\[(]?({_TIME})[\])]?\s*")
_VTT_TIMING = re.compile(rf"^\s*({_TIME})\s+-->\s+({_TIME})(\s+.*)?$")
# `Name:` — up to five words, each starting with a capital (or `P1`, `Q`, `A`), optionally in bold.
_LABEL = re.compile(r"^\s*(?:\*\*|__)?(?P<name>[A-Z][\w'’.\-]*(?:[ \t][A-Z0-9][\w'’.\-]*){0,4}|[A-Z]\d{0,2})"
                    r"(?:\*\*|__)?\s*(?:\((?P<time>" + _TIME + r")\))?\s*:(?:\*\*|__)?[ \t]*(?P<text>.*)$")
_KEY_LINE = re.compile(r"^\s*(?P<key>[A-Z]{1,5})\s*(?:[-–—=:]\s*|\s+)(?P<name>[A-Z][\w'’.\-]+(?:\s+[A-Z][\w'’.\-]*){0,4})\s*$")
_INITIALS_TURN = re.compile(r"^\s*(?P<key>[A-Z]{2,5})(?:\s+|\t+|\s*[-–:]\s+)(?P<text>\S.*)$")
_COMMON_CAPS = {"OK", "TV", "UK", "NHS", "GP", "A", "I", "UC", "PIP", "DWP", "ESA", "JSA", "SCP", "CAB", "ID",
                "PE", "CV", "GCSE", "SQA", "NI", "HMRC", "BBC", "FAQ", "USA", "EU", "AND", "THE", "SO", "NO",
                "YES", "HI", "MR", "MRS", "MS", "DR"}


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
    speaker_names: dict = field(default_factory=dict)  # initials -> full name, from a speaker key
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)
    # Every person's name the file itself gives (speaker key, name labels, front-matter speakers/hosts,
    # facilitator): always redacted in this transcript, whatever NER thinks of them.
    names: list[str] = field(default_factory=list)

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(t.speaker for t in self.turns))

    def speaker_stats(self) -> list[dict]:
        stats: dict[str, dict] = {}
        for turn in self.turns:
            row = stats.setdefault(turn.speaker, {"speaker": turn.speaker, "turns": 0, "words": 0,
                                                  "full_name": self.speaker_names.get(turn.speaker, "")})
            row["turns"] += 1
            row["words"] += len(turn.text.split())
        return list(stats.values())

    @property
    def word_count(self) -> int:
        return sum(len(t.text.split()) for t in self.turns)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_role_label(label: str) -> bool:
    return bool(ROLE_LABEL.match(label.strip()))


def suggest_is_resident(label: str, metadata: dict | None = None) -> bool:
    """A first guess the researcher confirms: interviewers, hosts and named facilitators are not residents."""
    low = label.strip().lower()
    if low in ("unlabelled", "unknown") or low in FACILITATOR_LABELS:
        return False
    if low.startswith(("interviewer", "facilitator", "researcher", "host", "moderator")):
        return False
    for name in re.split(r"[;,]| and ", (metadata or {}).get("facilitator", "")):
        name = name.strip().lower()
        if name and (low == name or low.split()[0] == name.split()[0]
                     or low == "".join(word[0] for word in name.split())):
            return False
    return True


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


def _seconds(stamp: str | None) -> float | None:
    if not stamp:
        return None
    parts = stamp.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


# --------------------------------------------------------------------------- metadata
def _normalise_metadata(raw: dict) -> dict:
    meta: dict = {}
    for key, value in raw.items():
        field_name = METADATA_KEYS.get(str(key).strip().lower())
        if field_name is None or value in (None, ""):
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
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
                                            "fix the lines between the two `---` lines, e.g. `ward: Govan`")])
            if not isinstance(raw, dict):
                raw = {}
            return raw, "\n".join(lines[index + 1:]), index + 1
    return {}, text, 0


def _header_metadata(lines: list[str], offset: int) -> tuple[dict, int]:
    """`Ward: Govan` style lines at the very top of a plain-text file (only the known keys)."""
    raw: dict = {}
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if not line:
            if raw:
                break
            index += 1
            continue
        match = re.match(r"^([A-Za-z _]{2,20}):\s*(.+)$", line)
        key = match.group(1).strip().lower() if match else ""
        if key not in METADATA_KEYS or key == "interviewer":  # "Interviewer: …" at the top is a turn
            break
        raw[match.group(1)] = match.group(2)
        index += 1
    if not raw:
        return {}, 0
    return raw, index


# --------------------------------------------------------------------------- plain text / markdown
def _strip_markdown(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)  # links keep their words
    return text.replace("**", "").replace("__", "").strip()


def _speaker_key(lines: list[tuple[int, str]]) -> tuple[dict, set[int]]:
    """A block of `MD - Michelle Drumm` lines before the talk starts (as in the Iriss.fm transcripts)."""
    key: dict[str, str] = {}
    used: set[int] = set()
    for number, line in lines[:40]:
        if not line.strip():
            continue
        match = _KEY_LINE.match(line)
        if match and len(line.split()) <= 8 and not line.rstrip().endswith((".", "?", "!")):
            key[match.group("key")] = _strip_markdown(match.group("name"))
            used.add(number)
            continue
        break
    if len(key) == 1 and not re.search(r"[-–—=]", dict(lines)[next(iter(used))]):
        return {}, set()  # one line such as "MD Hello there" is more likely talk than a key
    return key, used


def parse_lines(filename: str, text: str, line_offset: int = 0) -> tuple[list[Turn], dict]:
    """Speaker turns from lines of text (also used for .docx paragraphs). Returns (turns, speaker key)."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = [(i + 1 + line_offset, line) for i, line in enumerate(raw_lines)]
    content = [(n, line) for n, line in numbered if line.strip()]
    key, key_lines = _speaker_key(content)
    # Initials that open many lines count as speakers even when the key spells them differently
    # (the Iriss key says `NP - Neil Mapes` and the turns open `NM …`).
    openers: dict[str, int] = {}
    for _, line in content:
        match = _INITIALS_TURN.match(line)
        if match and match.group("key") not in _COMMON_CAPS:
            openers[match.group("key")] = openers.get(match.group("key"), 0) + 1
    initials = set(key) | {k for k, count in openers.items() if count >= 3 and (key or count >= 5)}
    by_initials = {"".join(w[0] for w in name.split()).upper(): name for name in key.values()}
    for opener in openers:
        if opener in by_initials and opener not in key:  # key `NP - Neil Mapes`, turns `NM …`
            initials.add(opener)
            key[opener] = by_initials[opener]
    # `Name:` labels: accept a label when it recurs or is a role, so "Note: …" in prose is not a speaker.
    label_counts: dict[str, int] = {}
    for _, line in content:
        stamp = _STAMP.match(line)
        match = _LABEL.match(line[stamp.end():] if stamp else line)
        if match:
            label_counts[match.group("name")] = label_counts.get(match.group("name"), 0) + 1

    # A file written in `Name:` style (several labelled lines) takes a one-off speaker too.
    label_style = sum(label_counts.values()) >= 2

    def label_ok(name: str) -> bool:
        return (is_role_label(name) or label_counts.get(name, 0) >= 2 or name in key.values()
                or (label_style and len(name.split()) <= 3))

    turns: list[Turn] = []
    current: str | None = None
    for number, line in content:
        if number in key_lines:
            continue
        stamp = None
        body = line
        stamp_match = _STAMP.match(body)
        if stamp_match and stamp_match.end() < len(body):
            stamp = _seconds(stamp_match.group(1))
            body = body[stamp_match.end():]
        speaker = None
        label = _LABEL.match(body)
        if label and label_ok(label.group("name")):
            speaker = _strip_markdown(label.group("name"))
            if label.group("time"):
                stamp = _seconds(label.group("time"))
            body = label.group("text")
            after = _STAMP.match(body)
            if after and stamp is None and after.end() < len(body):
                stamp = _seconds(after.group(1))
                body = body[after.end():]
        elif initials:
            match = _INITIALS_TURN.match(body)
            if match and match.group("key") in initials:
                speaker = match.group("key")
                body = match.group("text")
        body = _strip_markdown(body.strip().lstrip("#>").strip())
        if not body:
            if speaker:
                current = speaker
            continue
        if speaker:
            current = speaker
        turns.append(Turn(speaker=current or "Unlabelled", text=body, line=number, start_s=stamp))
    return turns, key


def _parse_text(filename: str, text: str, fmt: str) -> ParsedTranscript:
    raw_meta, body, consumed = _front_matter(filename, text)
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header, used = _header_metadata(lines, consumed)
    raw_meta = {**header, **raw_meta}
    body = "\n".join(lines[used:])
    turns, key = parse_lines(filename, body, consumed + used)
    meta = _normalise_metadata(raw_meta)
    parsed = ParsedTranscript(filename, fmt, "", turns, meta, key)
    for field_name in ("speakers", "hosts", "participants", "interviewees", "facilitators"):
        value = raw_meta.get(field_name)
        for name in (value if isinstance(value, list) else str(value or "").split(",")):
            parsed.names.append(str(name).strip())
    return parsed


# --------------------------------------------------------------------------- .docx
def _parse_docx(filename: str, data: bytes) -> ParsedTranscript:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for a damaged package
        raise ImportFailed([Problem(filename, None, None, f"this is not a readable Word document ({type(exc).__name__})",
                                    "open it in Word and save it again as .docx, or export it as .txt")])
    lines: list[str] = []
    table_turns: list[Turn] = []
    row_number = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                row_number += 1
                cells = [c.text.strip() for c in row.cells]
                cells = [c for i, c in enumerate(cells) if c and (i == 0 or c != cells[i - 1])]  # merged cells
                turn = _table_row_turn(cells, row_number)
                if turn is not None:
                    table_turns.append(turn)
        else:
            lines.append(block.text)
    raw_meta, used = _header_metadata(lines, 0)
    text_turns, key = parse_lines(filename, "\n".join(lines[used:]), used)
    props = document.core_properties
    if props.title and "title" not in raw_meta:
        raw_meta["title"] = props.title
    meta = _normalise_metadata(raw_meta)
    # A transcript laid out as a table (speaker | words, or time | speaker | words) is common in Word.
    turns = text_turns + table_turns if table_turns else text_turns
    return ParsedTranscript(filename, "docx", "", turns, meta, key)


def _table_row_turn(cells: list[str], row_number: int) -> Turn | None:
    if not cells:
        return None
    header_words = {"speaker", "name", "time", "timestamp", "text", "transcript", "what was said", "words"}
    if all(c.lower() in header_words for c in cells):
        return None
    stamp = None
    if len(cells) >= 3 and re.fullmatch(_TIME, cells[0]):
        stamp = _seconds(cells[0])
        cells = cells[1:]
    if len(cells) >= 2 and len(cells[0].split()) <= 5 and len(cells[0]) <= 60:
        return Turn(speaker=cells[0].rstrip(":"), text=" ".join(cells[1:]), line=row_number, start_s=stamp)
    return Turn(speaker="Unlabelled", text=" ".join(cells), line=row_number, start_s=stamp)


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


def _cue_turns(cues: list[tuple[int, float, float, str]]) -> list[Turn]:
    """Cues → turns; consecutive cues from one voice merge (Teams cuts a sentence into several cues)."""
    turns: list[Turn] = []
    for number, start, end, raw in cues:
        voice = _VOICE.search(raw)
        text = " ".join(_TAGS.sub("", raw).split())
        speaker = voice.group(1).strip() if voice else None
        if speaker is None:
            label = re.match(r"^\s*(?:-\s*)?\[?([A-Z][\w'’.\-]*(?: [A-Z][\w'’.\-]*){0,3})\]?:\s+(.*)$", text)
            if label:
                speaker, text = label.group(1), label.group(2)
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
        raise ImportFailed([Problem(filename, None, None, f"not a valid WebVTT file ({exc})",
                                    "export the captions again from Teams/Zoom, or save the transcript as .txt")])
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
                                    "correct the block's timing line, or delete it")])
    except (ValueError, OverflowError) as exc:
        raise ImportFailed([Problem(filename, None, None, f"malformed subtitle timing ({exc})",
                                    "write timings as HH:MM:SS,mmm --> HH:MM:SS,mmm")])
    index_lines = {}
    for match in re.finditer(r"(?m)^\s*(\d+)\s*$\n^.*-->", body):
        index_lines.setdefault(int(match.group(1)), body.count("\n", 0, match.start()) + 1)
    cues = [(index_lines.get(s.index, 0), s.start.total_seconds(), s.end.total_seconds(), s.content)
            for s in subtitles]
    return ParsedTranscript(filename, "srt", "", _cue_turns(cues), {}, {})


# --------------------------------------------------------------------------- entry point
def parse(filename: str, data: bytes) -> ParsedTranscript:
    """Parse one file. Raises ImportFailed (file, line, fix) for anything that is not a usable transcript."""
    name = PurePath(filename).name or "transcript"
    suffix = PurePath(name).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise ImportFailed([Problem(name, None, None, f"{suffix or 'no extension'} is not a transcript format "
                                    "Triangulate reads", "upload .txt, .md, .docx, .vtt or .srt")])
    if len(data) > MAX_BYTES:
        raise ImportFailed([Problem(name, None, None, f"the file is {len(data) / 1e6:.0f} MB; the limit is "
                                    f"{MAX_BYTES // (1024 * 1024)} MB", "split it into several transcripts")])
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
        if fmt == "vtt":
            parsed = _parse_vtt(name, text)
        elif fmt == "srt":
            parsed = _parse_srt(name, text)
        else:
            parsed = _parse_text(name, text, fmt)
    parsed.checksum = checksum(data)
    parsed.encoding = encoding
    if not parsed.turns:
        what = "only tables with no text" if fmt == "docx" else "no text"
        raise ImportFailed([Problem(name, None, None, f"the transcript has {what} to analyse",
                                    "check that this is the transcript and not an empty template")])
    from triangulate.nlp import is_place

    placed = [t for t in parsed.turns if t.speaker != "Unlabelled" and is_place(t.speaker)]
    if placed:
        # Place names are never redacted, so a person labelled "Govan:" would keep their label in clear.
        raise ImportFailed([Problem(name, placed[0].line, None, f"the speaker {placed[0].speaker!r} is named like "
                                    "a place", "if this is a person, relabel the turns (e.g. 'Resident 1:'); if it "
                                    "is a heading, remove the colon after it")])
    parsed.names.extend(parsed.speaker_names.values())
    parsed.names.extend(re.split(r"[;,]| and ", parsed.metadata.get("facilitator", "")))
    parsed.names.extend(s for s in parsed.speakers if s != "Unlabelled" and not is_role_label(s))
    parsed.names = list(dict.fromkeys(n.strip() for n in parsed.names if n and n.strip()))
    if not parsed.metadata.get("title"):
        parsed.metadata["title"] = PurePath(name).stem.replace("_", " ").replace("-", " ").strip().capitalize()
    if all(t.speaker == "Unlabelled" for t in parsed.turns):
        parsed.warnings.append("No speaker labels were found: every paragraph is one unlabelled turn. Mark "
                               "'Unlabelled' as a resident only if the whole text is residents' words.")
    return parsed


def parse_many(files: list[tuple[str, bytes]]) -> list[ParsedTranscript]:
    """Parse several files; every file's problems are collected before anything is raised."""
    parsed, problems = [], []
    for name, data in files:
        try:
            parsed.append(parse(name, data))
        except ImportFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ImportFailed(problems)
    return parsed
