"""Speaker labels, speaker keys and header lines, as researchers write them; lines of text → speaker turns.

Recognised turn openers: `Name:` (also `**Name:**`, `NAME:`, `Name (00:01):`), `Name - text`, role labels
(`Interviewer:`, `I:`, `R:`, `Q`/`A` with or without colon, `Participant 38:`, `P3:`), initials (`MD …`) once a
key or a repeated pattern establishes them (one letter too: `F`/`M`/`Q`/`A` openers when repeated), a label
alone on its line with a time after it (`Speaker 1  0:03`, as Otter and Teams write it), `<v Name>` voice tags,
and a timestamp before or after the label. Key lines (`Key: I = Interviewer, R = Respondent`,
`MD - Michelle Drumm`, `I = Interviewer`) and header lines (`Date: …`, `Location: …`, `Interviewer: Jane
Smith`) before the conversation starts are read as metadata, never as turns.

Everything here works on lines of text (a .docx's paragraphs and table rows arrive as `Line`s too) and
returns plain data: `transcripts.parse` builds the transcript from it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_PARTICLE = r"(?:de|da|di|du|del|van|von|der|le|la|bin|of)"
# Zoom and Teams name a guest by the device they joined on: `Toni's iPhone`, `Gary's phone`.
_DEVICE = r"(?<=['’]s)[ \t](?:i(?:Phone|Pad)|phone|tablet|laptop|mobile)\b"
_NAME = rf"(?:[A-Z][\w'’.\-]*|i(?:Phone|Pad)\b)(?:[ \t](?:[A-Z0-9][\w'’.\-]*|{_PARTICLE})|{_DEVICE}){{0,4}}"
_B = r"(?:\*\*|__)?"  # optional markdown bold around a label
# Teams writes a work account's display name surname first: `Meikle, Kirsteen`
_SURNAME_FIRST = r"[A-Z][\w'’\-]+,[ \t][A-Z][\w'’\-]+"
STAMP = re.compile(rf"^\s*[\[(]?({TIME})[\])]?\s*(?:[-–|]\s*)?")
# A qualifier in brackets after a label says who the speaker is there as: `Siobhan (HV):`, `Marek (WRO) -`,
# `**Hamid (interpreter):**`, `Jace (8):`. No colon inside, so `Name (00:01:23):` stays a time stamp.
_QUAL = r"(?:[ \t]*\((?P<qual>[^():\n]{1,30})\))?"
# ... or after a dash, before the colon: `Long - Interpreter:`, `Nicky - Link Worker:` (kept only when it names a role)
_DASH_QUAL = r"(?:[ \t]+[-–][ \t]+(?P<dqual>[A-Za-z][A-Za-z/ ]{1,24}?))?"
COLON_LABEL = re.compile(rf"^{_B}(?P<name>{_SURNAME_FIRST}|{_NAME}){_QUAL}{_DASH_QUAL}{_B}[ \t]*"
                         rf"(?:[\[(](?P<time>{TIME})[\])])?[ \t]*{_B}[ \t]*[:：]{_B}[ \t]*(?P<text>.*)$")
TIME_LABEL = re.compile(rf"^{_B}(?P<name>{_NAME}){_B}[ \t]+[\[(]?(?P<time>{TIME})[\])]?:?\s*$")
# `Peer mentor:`, `Young person:`: a capitalised phrase with lower-case words, accepted only when it recurs.
PHRASE_LABEL = re.compile(rf"^{_B}(?P<name>[A-Z][a-z'’\-]+(?:[ \t][a-z][a-z'’\-]+){{1,2}}){_B}[ \t]*[:：]{_B}[ \t]*"
                          rf"(?P<text>.*)$")
DASH_LABEL = re.compile(rf"^{_B}(?P<name>{_NAME}){_QUAL}{_B}[ \t]+[-–—][ \t]+(?P<text>\S.*)$")
# Initials as a label: `MD`, `P3`, and mixed case as researchers write Mc/Mac names or tell two Ks apart (`KMcL`, `KMu`)
INITIALS_WORD = r"(?:[A-Z]{1,5}\d{0,2}|(?=[A-Za-z]{3,5}\b)[A-Z][a-z]?[A-Z][A-Za-z]{0,3})"
INITIALS = re.compile(rf"^(?P<key>{INITIALS_WORD})(?:[ \t]*[:.\-–][ \t]+|\t+|[ \t]+)(?P<text>\S.*)$")
LOWER_LABEL = re.compile(r"^(?P<name>[a-z][a-z'’\-]+(?:[ \t][a-z][a-z'’.\-]*){0,2})[ \t]*:[ \t]+(?P<text>\S.*)$")
VOICE = re.compile(r"^<v(?:\.[\w.]+)?\s+(?P<name>[^>]+)>(?P<text>.*?)(?:</v>)?\s*$")
# A speaker already pseudonymised (`[PERSON 2]: …`, as Triangulate exports a redacted transcript).
PLACEHOLDER_LABEL = re.compile(r"^(?P<name>\[(?:PERSON|REDACTED) \d{1,4}\])[ \t]*[:：][ \t]*(?P<text>.*)$")

# Role words: labels that name a role, not a person (never pseudonymised; they say who is asking).
FACILITATOR_WORDS = {"interviewer", "int", "iv", "ivr", "facilitator", "co-facilitator", "cofacilitator",
                     "moderator", "host", "co-host", "chair", "chairperson", "researcher", "q", "question",
                     "questioner", "i", "note taker", "notetaker", "note-taker", "fieldworker",
                     # not residents either: they speak for or alongside the interview, not as the resident
                     "interpreter", "translator", "co-researcher"}
RESPONDENT_WORDS = {"interviewee", "ie", "respondent", "resp", "participant", "r", "a", "answer", "p",
                    "resident", "parent", "carer", "young person", "service user", "group member"}
AUDIENCE_WORDS = {"audience", "audience member", "floor", "f", "m", "female", "male", "man", "woman",
                  "voice", "unidentified", "unidentified speaker", "several", "all", "group", "everyone",
                  "multiple", "inaudible", "crosstalk"}
NEUTRAL_WORDS = {"speaker", "unknown", "unlabelled", "person", "other"}
ROLE_WORDS = FACILITATOR_WORDS | RESPONDENT_WORDS | AUDIENCE_WORDS | NEUTRAL_WORDS
_ROLE = re.compile(r"^(?P<word>" + "|".join(sorted((re.escape(w) for w in ROLE_WORDS), key=len, reverse=True))
                   + r")(?:[ \t]*#?\d{1,3}[a-z]?)?$", re.I)
# Words that open sentences: a `So: …` or `The answer - …` line is prose, not a speaker.
STARTERS = {"so", "and", "but", "well", "the", "this", "that", "it", "we", "they", "he", "she", "you", "i'm",
            "yes", "no", "yeah", "aye", "ok", "okay", "right", "hello", "hi", "thanks", "thank", "welcome",
            "good", "what", "how", "why", "when", "where", "who", "do", "did", "is", "are", "can", "could",
            "would", "tell", "there", "then", "now", "just", "not", "my", "our", "your", "a", "an", "in", "on",
            "at", "for", "if", "as", "because", "also", "mm", "mmm", "um", "erm", "uh", "oh", "sure", "great",
            "money", "honestly", "see", "aye,", "nae", "naw", "one", "two", "first", "second", "lovely"}
NOT_SPEAKERS = {"note", "notes", "nb", "n.b", "ps", "key", "date", "time", "title", "location", "duration",
                "update", "example", "source", "re", "subject", "tip", "warning", "important", "summary",
                "transcript", "interview", "section", "part", "page", "topic", "theme", "link", "url", "email",
                "tel", "phone", "address", "venue", "length", "project", "file", "recording", "session",
                "end", "start", "break", "pause", "edit", "comment", "comments", "translation", "recorded",
                "created", "meeting", "platform"}
COMMON_CAPS = {"OK", "TV", "UK", "NHS", "GP", "UC", "PIP", "DWP", "ESA", "JSA", "SCP", "CAB", "ID", "PE",
               "CV", "GCSE", "SQA", "NI", "HMRC", "BBC", "FAQ", "USA", "EU", "AND", "THE", "SO", "NO", "YES",
               "HI", "MR", "MRS", "MS", "DR", "PHD", "CEO", "IT", "AI", "ASN", "ADHD", "ASD", "ASC", "SDS",
               "SAMH", "SASW", "SSSC", "OSS", "HR", "MP", "MSP", "TA", "BSL", "ESOL", "LGBT", "COVID",
               "ALL", "FOR", "BUT", "WE", "MY", "OH", "UM", "ER", "AH"}

# Header keys -> metadata field. Role keys (interviewer, participant, …) are headers only with a name as value.
HEADER_KEYS = {
    "title": "title", "interview title": "title", "interview": "interview", "interview id": "interview",
    "interview no": "interview", "interview number": "interview", "date": "date", "interview date": "date",
    "date of interview": "date", "held on": "date", "time": "time", "location": "location",
    "venue": "location", "place": "location", "setting": "location", "duration": "duration",
    "length": "duration", "transcribed by": "transcribed_by", "transcriber": "transcribed_by",
    "transcription": "transcribed_by", "ward": "ward", "ward code": "ward", "method": "method",
    "consent": "consent_basis", "consent basis": "consent_basis", "lawful basis": "consent_basis",
    "consent_basis": "consent_basis", "lawful_basis": "consent_basis", "project": "project",
    "study": "project", "recording": "recording", "audio file": "recording", "file": "recording",
    "session": "session", "language": "language", "participant id": "participant_id",
    "respondent id": "participant_id", "ref": "interview", "reference": "interview", "ref no": "interview",
    "interview ref": "interview", "transcript ref": "interview", "transcript id": "interview",
    "date recorded": "date", "meeting": "title",
    # role keys: the value is a person (or a team) — metadata and always-redact names
    "interviewer": "facilitator", "interviewers": "facilitator", "facilitator": "facilitator",
    "facilitators": "facilitator", "facilitated by": "facilitator", "moderator": "facilitator",
    "host": "facilitator", "hosts": "facilitator", "chair": "facilitator", "researcher": "facilitator",
    "note taker": "note_taker", "notetaker": "note_taker", "interviewee": "participants",
    "respondent": "participants", "participant": "participants", "participants": "participants",
    "present": "participants", "attendees": "participants", "speakers": "participants",
    "interpreter": "facilitator", "translator": "facilitator", "co-facilitator": "facilitator",
    "note-taker": "note_taker", "audio": "recording", "video": "recording", "audio recording": "recording",
}
ROLE_HEADER_KEYS = {k for k, v in HEADER_KEYS.items() if v in ("facilitator", "participants", "note_taker")}
NOT_SPEAKERS |= {k for k in HEADER_KEYS if k not in ROLE_HEADER_KEYS}  # a stray `Consent:` line is not a person
# (a qualifier in brackets after the key is part of no key: `Interpreter (Dari): Farid Noori`)
_HEADER = re.compile(rf"^{_B}(?P<key>[A-Za-z][A-Za-z /_'’.-]{{1,30}}?)(?:\s*\([^()]{{1,30}}\))?{_B}\s*[:：]\s*{_B}"
                     rf"\s*(?P<value>.*?)\s*{_B}\s*$")
_TITLES = r"(?:(?:Dr|Prof|Professor|Mr|Mrs|Ms|Miss|Mx|Cllr|Councillor|Rev|Sir|Dame)\.?\s+)"
PERSON = re.compile(rf"^{_TITLES}?[A-Z][\w'’\-]*\.?(?:\s+(?:[A-Z][\w'’\-]*\.?|{_PARTICLE})){{0,4}}$")
_ORG_WORDS = {"team", "group", "council", "service", "services", "project", "association", "university",
              "nhs", "ltd", "limited", "trust", "centre", "center", "partnership", "school", "college",
              "network", "charity", "committee", "board", "department", "unit",
              "research", "community", "staff", "panel", "otter", "rev", "transcription", "transcripts", "hub",
              "library", "club", "nursery", "academy"}  # not "hall" or "church": surnames too
_KEY_PREFIX = re.compile(r"^\s*(?:speaker\s+key|key\s+to\s+speakers|key|speakers|legend|participants)\s*[:\-–]\s*",
                         re.I)
_KEY_PAIR = re.compile(r"^(?P<label>[A-Z][A-Za-z]{0,4}\d{0,3}|(?:Participant|Respondent|Speaker|Interviewer|"
                       r"Interviewee|Resident|Parent)\s*\d{1,3})\s*(?P<sep>=|:|[-–—])\s*(?P<value>\S.*?)\s*$")
_KEY_BARE = re.compile(r"^(?P<label>[A-Z]{2,5})\s+(?P<value>[A-Z].*?)\s*$")
_ROLE_IN_VALUE = re.compile(r"\b(interviewer|interviewee|respondent|participant|facilitator|co-facilitator|"
                            r"moderator|host|chair|chairperson|researcher|audience|floor|questioner|note ?taker|"
                            r"resident|parent|carer|presenter|speaker)\b", re.I)


@dataclass
class Line:
    """One line of text, a Word paragraph, or a Word table row (then `speaker` comes from its column)."""

    number: int
    text: str
    speaker: str | None = None
    start_s: float | None = None
    heading: bool = False
    row: bool = False


@dataclass
class Labelled:
    """What `read_lines` found: turns (speaker, text, line, start_s) and what the preamble said."""

    turns: list[tuple[str, str, int, float | None]] = field(default_factory=list)
    key_names: dict[str, str] = field(default_factory=dict)  # label -> full name
    key_roles: dict[str, str] = field(default_factory=dict)  # label -> role word from the key
    header: dict[str, str] = field(default_factory=dict)  # metadata field -> value (as written)
    header_names: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unlisted_lines: list[int] = field(default_factory=list)  # header lines under keys no list has
    heading_lines: set[int] = field(default_factory=set)  # section headings, kept in place as "Unlabelled"
    qualifiers: dict[str, str] = field(default_factory=dict)  # label -> `(HV)` written after it, first seen


# --------------------------------------------------------------------------- small helpers
def seconds(stamp: str | None) -> float | None:
    if not stamp:
        return None
    total = 0.0
    for part in stamp.replace(",", ".").split(":"):
        total = total * 60 + float(part)
    return total


_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def strip_markdown(text: str) -> str:
    if "](" in text:
        text = _LINK.sub(r"\1", text)  # links keep their words
    return text.replace("**", "").replace("__", "").strip()


@lru_cache(maxsize=4096)
def role_word(label: str) -> str | None:
    """The role word a label names ('participant' for 'Participant 38', 'p' for 'P3'), or None."""
    match = _ROLE.match(label.strip().strip("*_").rstrip(":").strip())
    return match.group("word").lower() if match else None


def is_role_label(label: str) -> bool:
    """A label that names no one (a role, or a speaker already pseudonymised): never pseudonymised again."""
    return (role_word(label) is not None or label.strip().lower() in ("unlabelled", "unknown")
            or bool(PLACEHOLDER_LABEL.match(label.strip() + ":")))


def is_person_name(value: str) -> bool:
    """A person's name as written in a key or header (`Jane Smith`, `Prof Marie Connolly`), not a team."""
    value = value.strip().strip(".,;")
    if not value or len(value) > 60 or not PERSON.match(value) or any(ch.isdigit() for ch in value):
        return False
    words = [w.strip(".").lower() for w in value.split()]
    return (words[0] not in STARTERS and not (set(words) & _ORG_WORDS) and role_word(value) is None
            and not value.isupper())


def split_names(value: str) -> list[str]:
    # a second role in brackets names a second person: `Yvonne Carswell (co-facilitator: Dev Sharma)`; other notes
    # in brackets go: `Yvonne Kinloch (nursery manager, joined later)` holds one name, not two parts
    value = re.sub(r"\s*\([^():]{2,60}:\s*([^()]+)\)", r", \1", strip_markdown(value))
    # a bracket that opens with a name and goes on in words names someone too: `(Gillian from the nursery sat in)`
    value = re.sub(r"\s*\(\s*(?:(?:with|and|plus)\s+)?([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)\s+"
                   r"(?:from|fae|of|at|sat|joined|came|also|taking|doing|on|as)\b[^()]*\)", r", \1", value)
    value = re.sub(r"\s*\([^()]*\)", " ", value)
    parts = re.split(r"\s*(?:[;,/&]|\band\b|\bwith\b)\s*", value)
    out = []
    for part in parts:
        part = re.sub(r"\s*\(.*?\)\s*", " ", part).strip()
        part = re.sub(r"^[A-Za-z][\w -]{1,25}:\s*", "", part)  # `Maureen Carty / Co-facilitator: Chiamaka Eze`
        part = re.sub(r"(?:\s+(?:present|also|too|attending|sitting in|sat in|listening|observing))+$", "", part)
        if is_person_name(part):
            out.append(re.sub(rf"^{_TITLES}", "", part).strip())
    return out


_NOTED_NAME = re.compile(r"([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})\s*\(([^()]{1,80})\)")


def staff_in_list(value: str) -> list[str]:
    """The people a list of who was there marks as staff by the note after their name: `Present: Heather Dunsmuir
    (researcher), Tunde Okonkwo (Family Support Worker, St Cuthbert's Primary), 3 parents`."""
    out = []
    for name, note in _NOTED_NAME.findall(strip_markdown(value)):
        # the note's first part says who they are: "(parent, works as a teacher)" is a parent; when it says neither,
        # the rest may ("(Early Years, Glasgow City Council)")
        parts = [qualifier_role(part) for part in note.split(",")]
        role = parts[0] or next((r for r in parts[1:] if r), None)
        if is_person_name(name) and role == "facilitator":
            out.append(re.sub(rf"^{_TITLES}", "", name).strip())
    return out


def is_initials(label: str) -> bool:
    return re.fullmatch(INITIALS_WORD, label) is not None


def initials_of(name: str) -> str:
    words = [w for w in re.sub(rf"^{_TITLES}", "", name).replace("-", " ").split() if w[:1].isupper()]
    return "".join(w[0] for w in words).upper()


# --------------------------------------------------------------------------- preamble: header and key lines
def header_line(text: str) -> tuple[str, str] | None:
    """(metadata field, value) for a header line such as `Date: 12 March 2025` or `Interviewer: Jane Smith`."""
    match = _HEADER.match(text.strip())
    if not match:
        return None
    key = _header_key(match.group("key"))
    field_name = HEADER_KEYS.get(key) or HEADER_KEYS.get(key.replace(" ", "_"))
    value = strip_markdown(match.group("value"))
    if field_name is None or not value:
        return None
    if key in ROLE_HEADER_KEYS:
        if not _names_a_role(key, field_name, value):
            return None
    elif len(value.split()) > 40 or (field_name != "title" and value.split()[0].lower() in STARTERS
                                     and _reads_as_speech(value)):
        return None  # `Interview: So how are you finding things?` is someone speaking under a mistyped label
    return field_name, value


def _names_a_role(key: str, field_name: str, value: str) -> bool:
    """Does a role key's value name who held it? `Interviewer: Jane Smith` is a header; `Interviewer: Hello,
    thanks for coming.` is a turn."""
    bare = re.sub(r"\s*\([^()]*\)", "", value)  # `Gillian Tennant (lead), Nadeem Akhtar (co-facilitator)`
    names = [n for n in re.split(r"\s*(?:[;,/&]|\band\b)\s*", bare) if n]
    ids = all(re.fullmatch(r"(?:[A-Z][a-z]*\s*)?\d{1,4}[a-z]?|[A-Z]\d{1,3}", n) for n in names)
    people = all(is_person_name(n) for n in names)
    plural_ok = ("," not in value or key.endswith("s") or key in ("present", "facilitated by")
                 or len(names) > 1 and people)
    teamish = (field_name == "facilitator" and len(value.split()) <= 6 and not re.search(r"[.?!…]$", value)
               and bool({w.lower().strip(",") for w in value.split()} & _ORG_WORDS))  # "Community research team"
    # `Participant: R09 (mother, 34); two of her children present`: a participant code, then a note
    coded = bool(re.match(r"[A-Z]{1,4}[-_ ]?\d{1,4}[a-z]?(?:\s*[(;,]|$)", value))
    return coded or plural_ok and (ids or people or teamish)


_SPEECH_WORDS = re.compile(r"\b(?:i|i'm|i've|i'd|you|you're|we|we're|me|my|us|our)\b", re.I)
_SPEECH = re.compile(r"[.?!…][\"'’”)\]]*$|" + _SPEECH_WORDS.pattern, re.I)


def _reads_as_speech(value: str) -> bool:
    """A header's value that reads as something said (a sentence's end, or I/you/we), not as a label or a title
    ("Money advice and Universal Credit deductions")."""
    return bool(_SPEECH.search(value))


# Keys a list cannot foresee ("Support worker present", "Led by", "Age group"): whose they are, when they name someone
_STAFF_KEY = re.compile(r"\b(?:workers?|officers?|visitors?|staff|advis[eo]rs?|practitioners?|lead|led|conducted|"
                        r"run|hosted|chaired|facilitat\w*|interview(?:er|ers|ed)|research\w*|coordinator|"
                        r"co-ordinator|manager|nurse|teacher|interpreter|translator|observer|notes|note[- ]?tak\w*|"
                        r"welfare rights|co-?fac|by)\b", re.I)
_RESIDENT_KEY = re.compile(r"\b(?:participants?|respondents?|interviewees?|residents?|parents?|mums?|mothers?|dads?|"
                           r"fathers?|carers?|gran\w*|family|families|clients?|service users?|young (?:person|people)|"
                           r"child|children|tenants?|claimants?|pupils?|members?)\b", re.I)


# Keys that list who was there; the note beside each name says whether staff (`(nursery manager)`) or not
_PRESENT_KEY = re.compile(r"\b(?:present|in the room|attend\w*|with|joined by|also)\b", re.I)
_BY_HEADER = re.compile(r"^(?P<verb>facilitated|interviewed|conducted|led|hosted|chaired|run|moderated|"
                        r"transcribed|typed(?: up)?|corrections?|corrected|checked|recorded)\b[^:]{0,40}?\bby\s+"
                        r"(?P<value>\S.*)$", re.I)
_DASH_HEADER = re.compile(r"^(?P<key>[A-Za-z][A-Za-z /'’-]{1,40}?)(?:\s*\([^()]{1,30}\))?\s+[-–—]\s+(?P<value>\S.*)$")
_BARE_HEADER = re.compile(r"^(?P<key>date|duration|length|venue|location|time|ref|reference)\s+(?P<value>\S.*)$",
                          re.I)
_WHEN_HEADER = re.compile(r"^(?:recorded|held|interviewed|took place)(?:\s+on)?\s+(?P<value>\d.{0,60})$", re.I)
# between headers on one line: `|`, `;`, a tab, a wide gap, or a full stop before the next `Key:`
# (`Facilitator: Struan Baxter. Note-taker: Ayesha Qureshi`, `Interviewer: Gavin Nisbet (research team). Health
# visitor present: Ruth Abernethy`)
_SEGMENT_BREAK = re.compile(r"\s+\|\s+|\s*;\s+|\t+|\s{3,}|(?<=[a-z)])\.\s+(?=[A-Z][A-Za-z -]{1,25}:\s)")


def loose_header(text: str, openers: Counter) -> tuple[str, str] | None:
    """(field, value) for the header lines people write without `Key: value` above a dialogue: `Facilitated by
    Stuart Gibb`, `Facilitator - Craig Tennent`, `Interpreter (Tigrinya) - Yonas Haile`, `Interview - Damp
    (case 4)`, `Duration 44'30"`."""
    line = strip_markdown(text).strip()
    by = _BY_HEADER.match(line)
    if by and split_names(by.group("value")):
        field_name = "transcribed_by" if re.match(r"transcri|typed|correct|check", by.group("verb"), re.I) else (
            "recording" if by.group("verb").lower() == "recorded" else "facilitator")
        return field_name, by.group("value")
    dash = _DASH_HEADER.match(line)
    if dash and openers.get(_header_key(dash.group("key")), 0) <= 1:
        key, value = _header_key(dash.group("key")), dash.group("value").strip()
        listed = HEADER_KEYS.get(key)
        if listed and listed not in ("facilitator", "participants", "note_taker"):
            return listed, value
        if (listed or _STAFF_KEY.search(key) or _RESIDENT_KEY.search(key) or role_word(key)) and split_names(value) \
                and not _SPEECH_WORDS.search(value):
            staff = listed in ("facilitator", "note_taker") or _STAFF_KEY.search(key) or \
                role_word(key) in FACILITATOR_WORDS
            return ("facilitator" if staff else "participants"), value
    when = _WHEN_HEADER.match(line)
    if when and _DATE_IN_TEXT.match(when.group("value")):
        return "date", when.group("value")  # `Recorded 20 Nov 2025 at Arden community hub`
    bare = _BARE_HEADER.match(line)
    if bare and not _SPEECH_WORDS.search(bare.group("value")) and len(bare.group("value").split()) <= 8:
        return HEADER_KEYS.get(bare.group("key").lower(), f"other: {bare.group('key').lower()}"), bare.group("value")
    return None


def header_segments(text: str, openers: Counter) -> list[tuple[str, str]] | None:
    """Several headers on one line (`Interviewer: Beth Lamont | Welfare rights officer present: Hugh Dalgleish`,
    `Facilitator: Ishbel Carmichael ; Interpreter: Tomas Duzda`): each part a header, or None."""
    parts = [p for p in _SEGMENT_BREAK.split(strip_markdown(text).strip()) if p.strip()]
    if len(parts) < 2:
        return None
    heads = [header_line(p) or unlisted_header(p, openers) or loose_header(p, openers) for p in parts]
    return heads if all(heads) else None


def header_openers(lines: list[Line]) -> Counter:
    """How many lines each `Key:` opens (lower case): a speaker opens many, a header key one."""
    found = (_HEADER.match(_opening(ln)) for ln in lines)
    return Counter(_header_key(m.group("key")) for m in found if m)


def _opening(ln: Line) -> str:
    """The line as a `Key: value` reader sees it: a table row's speaker cell first, a time stamp left out."""
    return f"{ln.speaker}: {ln.text}".strip() if ln.row and ln.speaker else _strip_stamp(ln.text.strip())[0]


def _header_key(raw: str) -> str:
    return re.sub(r"\s+", " ", raw.strip().lower().replace("_", " "))


def unlisted_header(text: str, openers: Counter) -> tuple[str, str] | None:
    """(field, value) for a header line under a key `HEADER_KEYS` does not list (`Support worker present: Ann
    Boyle`, `Age group: 25-34`), above the dialogue: a `Key: value` line whose key opens no other line of the file,
    is no role and names no one, with a value that does not read as speech. A key about staff or residents is a
    header only when its value names people (the facilitator or the participants); any other key is kept as
    `other: <key>` (not stored, but read as metadata, not as somebody's words)."""
    match = _HEADER.match(text.strip())
    if not match:
        return None
    raw, value = match.group("key").strip(), strip_markdown(match.group("value")).strip()
    key = _header_key(raw)
    if (not value or openers.get(key, 0) > 1 or len(value.split()) > 20
            or _SPEECH_WORDS.search(value) or (re.search(r"[.?!…]$", value) and len(value.split()) > 8)):
        return None
    if role_word(raw) or key in ROLE_HEADER_KEYS:
        return _role_header(raw, key, value)
    return _described_header(raw, key, value)


def _noted(value: str) -> bool:
    """A value that notes facts rather than says something: a code, an age, a bracket (`R09 (mother, 34)`)."""
    return bool(re.search(r"\d|\(", value)) and len(value.split()) > 1


def _role_header(raw: str, key: str, value: str) -> tuple[str, str] | None:
    """A role's own line above the dialogue: whom it names, or notes about them; never talk."""
    if _reads_as_talk(value) or re.search(r"[.?!…]$", value):
        return None  # `Participant: Fine, aye.` speaking
    staff = role_word(raw) in FACILITATOR_WORDS or HEADER_KEYS.get(key) in ("facilitator", "note_taker")
    if split_names(value):
        return ("facilitator" if staff else "participants"), value
    if _noted(value) or (key in _HEADER_NOUNS and len(value.split()) >= 3):
        return f"other: {key}", value  # `Participant: R09 (mother, 34)`, `Group: Roma families, school and money`
    return None


# Keys that head a line once above the talk ("Group: Roma families, school and money"); a `Group:` that speaks
# opens many lines, and only a key that opens one line comes here
_HEADER_NOUNS = {"group", "workshop", "event", "area", "neighbourhood", "setting", "format", "mode", "theme",
                 "purpose", "organisation", "funder", "programme", "round", "wave", "site", "context", "focus"}


def _described_header(raw: str, key: str, value: str) -> tuple[str, str] | None:
    """Any other key: `Led by: Fiona Grant`, `Role of participant: class teacher`, `School: (primary)`, `Also in
    the room: Yvonne Kinloch (nursery manager)`; not a person speaking once (`Jean: Aye`, `Mum: Fine.`)."""
    if key in ("recorded", "recorded on") and _DATE_IN_TEXT.fullmatch(value):
        return "date", value  # `Recorded: 12/11/2024` says when (`Recorded on: a phone` does not)
    staff, residents = bool(_STAFF_KEY.search(key)), bool(_RESIDENT_KEY.search(key))
    if not (staff or residents) and _PRESENT_KEY.search(key):
        described = " ".join([*re.findall(r"\(([^()]*)\)", value), value.partition(",")[2]])
        residents = bool(_RESIDENT_KEY.search(described))  # `(mum, works at the school)` is a mum
        staff = bool(_STAFF_KEY.search(described) or (_ORGANISATION.search(described) and not residents))
    if split_names(value) and (staff or residents):
        return ("facilitator" if staff else "participants"), value
    one_word = len(raw.split()) == 1
    if one_word and key not in NOT_SPEAKERS and key not in _HEADER_NOUNS and not _noted(value):
        return None  # `Jean: Aye` is Jean speaking once; `Topic: School costs` is a header
    if not one_word and is_person_name(raw) and not (staff or residents):
        return None  # `Big Tam: Aye` too
    return f"other: {key}", value


def key_pairs(text: str) -> list[tuple[str, str]] | None:
    """`I = Interviewer, R = Respondent` / `MD - Michelle Drumm` → [(label, value)], or None if not a key line."""
    line = strip_markdown(text).strip()
    prefixed = bool(_KEY_PREFIX.match(line))
    body = _KEY_PREFIX.sub("", line)
    if not body or len(body) > 300 or body.rstrip().endswith(("?", "!")):
        return None
    parts = [p.strip() for p in re.split(r"\s*[;,]\s*|\t+|\s{3,}", body) if p.strip()]
    pairs = []
    for part in parts:
        match = _KEY_PAIR.match(part)
        bare = False
        if not match:
            match = _KEY_BARE.match(part)
            bare = True
        if not match:
            return None
        label, value = match.group("label"), match.group("value").strip().rstrip(".")
        value_name = re.sub(r"\s*[(\[].*?[)\]]\s*", " ", value).strip()
        role = _ROLE_IN_VALUE.search(value)
        if role and len(value.split()) <= 6:
            pairs.append((label, value))
        elif is_person_name(value_name) and (not bare or initials_of(value_name) == label
                                              or len(label) >= 2):
            if match.groupdict().get("sep") == ":" and not prefixed and len(label) > 2:
                return None  # `Jean: Tam Smith` is a turn, not a key
            pairs.append((label, value))
        else:
            return None
    return pairs or None


def read_key_value(value: str) -> tuple[str | None, str | None]:
    """(role word, person name) from a key's value: `Interviewer (Jane Smith)`, `Michelle Drumm (host)`."""
    role = _ROLE_IN_VALUE.search(value)
    inner = re.findall(r"[(\[](.*?)[)\]]", value)
    outer = re.sub(r"\s*[(\[].*?[)\]]\s*", " ", value).strip()
    name = None
    for candidate in [outer, *inner]:
        candidate = re.sub(r"\s*,.*$", "", candidate).strip()
        if is_person_name(candidate):
            name = re.sub(rf"^{_TITLES}", "", candidate).strip()
            break
    return (role.group(1).lower().replace(" ", "") if role else None), name


# --------------------------------------------------------------------------- lines -> turns
@dataclass
class _Candidate:
    form: str  # "colon", "time", "dash", "initials", "voice"
    name: str
    text: str
    stamp: float | None
    qual: str = ""  # `(HV)` after the name: who the speaker is there as


def _candidates(body: str, *, stamped: bool = False) -> list[_Candidate]:
    """Every way this line could open a turn (the caller decides which labels the file establishes); after a time
    stamp, a label typed in lower case too (Zoom shows a guest as they typed their name: `roisin t:`)."""
    out = []
    lower = LOWER_LABEL.match(body) if stamped else None
    if lower:
        out.append(_Candidate("lower", lower.group("name"), lower.group("text"), None))
    voice = VOICE.match(body)
    if voice:
        out.append(_Candidate("voice", voice.group("name").strip(), voice.group("text"), None))
        return out
    placeholder = PLACEHOLDER_LABEL.match(body)
    if placeholder:
        return [_Candidate("placeholder", placeholder.group("name"), placeholder.group("text"), None)]
    head = body[:160]
    colon = ":" in head or "：" in head
    dash = "-" in head or "–" in head or "—" in head
    for form, pattern in (("colon", COLON_LABEL), ("phrase", PHRASE_LABEL), ("time", TIME_LABEL),
                          ("dash", DASH_LABEL)):
        if (form in ("colon", "phrase", "time") and not colon) or (form == "dash" and not dash) or (
                form == "time" and len(body) > 80):
            continue  # cheap guards: most lines of a long transcript match none of these
        match = pattern.match(body)
        if match:
            name = strip_markdown(match.group("name")).strip()
            text = match.group("text") if "text" in match.groupdict() else ""
            if form == "colon" and re.search(r"\s\d{1,2}$", name) and re.match(r"\d{2}\b", text):
                continue  # `At 10:30 we …` is a time in prose, not `At 10:` speaking
            dqual = match.groupdict().get("dqual")
            if dqual and qualifier_role(dqual) != "facilitator":
                continue  # `Mum - she said: …` is prose
            out.append(_Candidate(form, name, text, seconds(match.groupdict().get("time")),
                                  (match.groupdict().get("qual") or dqual or "").strip()))
    match = INITIALS.match(body)
    if match:
        out.append(_Candidate("initials", match.group("key"), match.group("text"), None))
    return out


def _strip_stamp(text: str) -> tuple[str, float | None]:
    match = STAMP.match(text)
    if match and match.end() < len(text) and not re.match(r"\d", text[match.end():]):
        return text[match.end():], seconds(match.group(1))
    return text, None


def read_lines(lines: list[Line], known_names: list[str] = ()) -> Labelled:
    """Turns from lines; `known_names` (front matter speakers/hosts) are accepted as labels at once."""
    out = Labelled()
    content = [ln for ln in lines if ln.text.strip() or ln.row]
    consumed = _read_preamble(content, out)
    body = [ln for ln in content if ln.number not in consumed]
    parsed = [(ln, ln.text.strip(), None) if ln.row else (ln, *_strip_stamp(ln.text.strip())) for ln in body]
    cands = {ln.number: _candidates(text, stamped=stamp is not None) for ln, text, stamp in parsed
             if not ln.row and not ln.heading}

    counts = dict(Counter((cand.form, cand.name) for found in cands.values() for cand in found))
    accept = _acceptance(counts, _known_names(known_names, out), out, len(body))

    current: str | None = None
    pending_stamp: float | None = None
    for ln, text, stamp in parsed:
        speaker, text, stamp = _label_of(ln, text, stamp, cands.get(ln.number, []), accept, current,
                                         out.qualifiers)
        clean = strip_markdown(text.strip().lstrip("#>").strip()) if not ln.row else text.strip()
        if not clean:
            if speaker:
                current, pending_stamp = speaker, stamp
            continue
        if _is_heading(ln, speaker):
            out.turns.append(("Unlabelled", clean, ln.number, stamp))  # headings stay in place, nobody's words
            out.heading_lines.add(ln.number)
            continue
        if speaker:
            current = speaker
        if stamp is None and pending_stamp is not None and not speaker:
            stamp = pending_stamp
        pending_stamp = None
        out.turns.append((current or "Unlabelled", clean, ln.number, stamp))
    _set_aside_preamble(out)
    _roles_from_qualifiers(out)
    return out


def _roles_from_qualifiers(out: Labelled) -> None:
    """As if a key line said it: `Siobhan (HV)` is staff, `Jace (8)` is not; a key's own word wins."""
    for label, qual in out.qualifiers.items():
        role = qualifier_role(qual)
        if role and label not in out.key_roles:
            out.key_roles[label] = role


# Staff abbreviations written after a name: health visitor, welfare rights (officer/adviser), link/support/youth/
# family support worker, community engagement officer, teaching assistant, (home) school link worker.
_STAFF_ABBREVIATIONS = {"HV", "WRO", "WRA", "WR", "LW", "CLW", "SW", "YW", "FSW", "CEO", "TA", "CAB", "CA", "GP",
                        "DN", "OT", "CPN", "EP", "FW", "HSLW", "SLW"}


# An organisation or service after a name (`Pam (GHA Tenancy Support)`, `Dev Chaudhry (Link Worker)`): staff
_ORGANISATION = re.compile(r"\b(?:support|services?|team|council|housing|association|trust|project|network|charity|"
                           r"centre|NHS|GHA|HSCP|DWP|CAB|uni|university|college|school|nursery|church|foundation|"
                           r"partnership|hub|org|ltd|HA|GCC|GGC|advice|inclusion|welfare rights)\b", re.I)
_GUEST = re.compile(r"\b(?:guest|external|unverified)\b", re.I)


def qualifier_role(qual: str) -> str | None:
    """The role a label's bracketed qualifier says: "facilitator" for staff (`HV`, `youth worker`, `interpreter`,
    `notes`), "participant" for a resident (`mum`, `8`, `P3`); None when it says neither (`Dari`)."""
    qual = qual.strip()
    if _GUEST.search(qual):
        return None  # Teams' `(Guest)`: anyone joining from outside, residents included
    from triangulate.residents import gazetteer

    if qual in _STAFF_ABBREVIATIONS or _ORGANISATION.search(qual) or role_word(qual) in FACILITATOR_WORDS or \
            _STAFF_KEY.search(qual) or gazetteer.is_organisation(qual):  # `Claire Rafferty (Home-Start)`
        return "facilitator"
    if re.fullmatch(r"\d{1,2}(?:\s*(?:yrs?|years?(?: old)?))?", qual) or role_word(qual) in RESPONDENT_WORDS \
            or _RESIDENT_KEY.search(qual):
        return "participant"
    return None


_DATE_IN_TEXT = re.compile(
    r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Z][a-z]{2,8}\.?,?\s+\d{4}|[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?"
    r"\s+\d{4}|\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})\b|\d{4}-\d{2}-\d{2})")


def _set_aside_preamble(out: Labelled) -> None:
    """Unlabelled lines above the first labelled turn that do not read as talk (a title, `Recorded 28/10/2026,
    pantry back shop`, `4 dads; names changed at the group's request`) are the file's header, not speech: set
    aside as metadata, their people's names kept for redaction and a date for "Held on"; the researcher is told
    which lines."""
    first = next((i for i, turn in enumerate(out.turns) if turn[0] != "Unlabelled"), 0)
    lead = 0
    while lead < first and (out.turns[lead][2] in out.heading_lines or not _reads_as_talk(out.turns[lead][1])):
        lead += 1
    aside = [turn for turn in out.turns[:lead] if turn[2] not in out.heading_lines]  # headings stay in place
    if not aside:
        return
    for i, (_speaker, text, _number, _stamp) in enumerate(aside):
        out.header_names.extend(_names_in_header(text))
        date = _DATE_IN_TEXT.search(text)
        if date and "date" not in out.header:
            out.header["date"] = date.group(0)
        if i == 0 and len(text.split()) <= 14:
            out.header.setdefault("title", text)
        if re.search(r"\binterpret", text, re.I):
            out.header.setdefault("interpreted", "yes")  # `(Romanian interpreter present)`: roles look for one
    numbers = ", ".join(str(turn[2]) for turn in aside)
    aside_lines = {turn[2] for turn in aside}
    out.turns = [turn for i, turn in enumerate(out.turns) if i >= lead or turn[2] not in aside_lines]
    out.warnings.append(f"Line(s) {numbers}, above the first labelled turn, read as the file's header (a title or "
                        "notes, not speech) and left out of the text; if one is somebody speaking, give it a "
                        "speaker label.")


def _reads_as_talk(text: str) -> bool:
    words = text.split()
    return (not words or bool(_SPEECH_WORDS.search(text)) or "?" in text
            or words[0].lower().strip(",.!") in STARTERS)


def _names_in_header(text: str) -> list[str]:
    """People a free-form header line names: after `by`, a colon or a dash (`Corrections by Carly-Jane Imlach`)."""
    from triangulate.residents import gazetteer  # here: it reads the place lists on first use

    found = []
    for match in re.finditer(r"(?:\bby\s+|:\s*|\s[-–—]\s+)([^:;|]+)", strip_markdown(text)):
        # `04/12/2026 - Parkhead Hub, interview room 2` names a place: a name whose first word is a place is one
        found.extend(n for n in split_names(match.group(1)) if not gazetteer.is_place(n.split()[0])
                     and not gazetteer.is_kept(n))
    return found


def _is_heading(ln: Line, speaker: str | None) -> bool:
    return ln.heading or (not ln.row and not speaker and bool(re.match(r"#{1,6}\s", ln.text.lstrip())))


def _known_names(known_names, out: Labelled) -> set[str]:
    """Names the file declares (front matter, key, header), lower-case, with their first names."""
    known = {n.lower() for n in [*known_names, *out.key_names.values(), *out.header_names]}
    return known | {n.split()[0].lower() for n in known if n.split()}


def _label_of(ln: Line, text: str, stamp: float | None, cands: list[_Candidate], accept, current: str | None,
              qualifiers: dict[str, str]) -> tuple[str | None, str, float | None]:
    """The speaker a line opens with (if any), the rest of its text and its time stamp; a label's bracketed
    qualifier goes into `qualifiers` (the first one written for that label)."""
    if ln.row:  # a table row: its speaker column decides; an empty one continues the previous speaker
        return ln.speaker or current, text, ln.start_s if ln.start_s is not None else stamp
    if ln.heading:
        return None, text, stamp
    for cand in cands:
        if accept(cand):
            if cand.qual:
                qualifiers.setdefault(cand.name, cand.qual)
            text = cand.text
            if cand.stamp is not None:
                stamp = cand.stamp
            after, after_stamp = _strip_stamp(text.strip())
            if after_stamp is not None and stamp is None:
                text, stamp = after, after_stamp
            return cand.name, text, stamp
    return None, text, stamp


def _ok_name(name: str) -> bool:
    first = name.split()[0].lower().strip(".")
    return first not in STARTERS and name.lower() not in NOT_SPEAKERS and first not in NOT_SPEAKERS


def _colon_style(counts: dict[tuple[str, str], int], n_lines: int) -> bool:
    """Does the file label its turns `Name: …` (enough recurring or role labels, or most lines)?"""
    colon_recurring = [n for (f, n), c in counts.items() if f in ("colon", "time") and c >= 2 and _ok_name(n)]
    colon_roles = [n for (f, n), c in counts.items() if f == "colon" and role_word(n)]
    if len(colon_recurring) + len(colon_roles) >= 2 or (colon_recurring and sum(
            counts[(f, n)] for (f, n) in counts if f == "colon") >= 3):
        return True
    colon_lines = sum(c for (f, n), c in counts.items() if f == "colon" and _ok_name(n) and len(n.split()) <= 3)
    return colon_lines >= 2 and colon_lines >= 0.5 * n_lines


def _accepted_initials(counts: dict[tuple[str, str], int], out: Labelled, key_labels: set[str]) -> set[str]:
    """The initials that open turns as speakers: the key's, and those that recur enough."""
    openers = {n: c for (f, n), c in counts.items() if f == "initials"}
    initials: set[str] = set(key_labels)
    by_initials = {initials_of(name): name for name in out.key_names.values()}
    for opener in openers:
        if opener in by_initials and opener not in key_labels and len(opener) >= 2:
            initials.add(opener)  # key `NP - Neil Mapes`, turns `NM …`: read NM as Neil Mapes
            out.key_names[opener] = by_initials[opener]
    multi = [k for k, c in openers.items() if len(k) >= 2 and c >= 3 and k not in COMMON_CAPS]
    for opener, count in openers.items():
        if opener in COMMON_CAPS or opener in initials:
            continue
        if len(opener) >= 2 and count >= 3 and (key_labels or len(multi) >= 2 or count >= 5):
            initials.add(opener)
        elif opener in ("F", "M") and openers.get("F", 0) + openers.get("M", 0) >= 2:
            initials.add(opener)  # audience members (female/male) from the floor
        elif opener in ("Q", "A") and openers.get("Q", 0) >= 2 and openers.get("A", 0) >= 2:
            initials.add(opener)
    return initials


def _verdict_by_form(cand: _Candidate, counts: dict[tuple[str, str], int], initials: set[str]) -> bool | None:
    """What the form alone decides (None: the name decides): voice tags and placeholders always, initials when
    established, a lower-case label after a stamp when it recurs, and a label with a bracketed qualifier said again
    and again (`Money Advice Drumchapel (Guest) (00:02:15):`, though "Money" opens prose)."""
    if cand.form in ("voice", "placeholder"):
        return True
    if cand.form == "initials":
        return cand.name in initials
    if cand.form == "lower":
        return counts.get(("lower", cand.name), 0) >= 2 and _ok_name(cand.name)
    if cand.qual and counts.get((cand.form, cand.name), 0) >= 2 and len(cand.name.split()) <= 4:
        return True
    return None


def _acceptance(counts: dict[tuple[str, str], int], known: set[str], out: Labelled, n_lines: int):
    """Which candidate labels the file establishes: role words, recurring labels, key labels, known names."""
    colon_style = _colon_style(counts, n_lines)
    dash_recurring = {n for (f, n), c in counts.items() if f == "dash" and c >= 2 and _ok_name(n)
                      and len(n.split()) <= 3}
    dash_style = len(dash_recurring) >= 2
    key_labels = set(out.key_names) | set(out.key_roles)
    initials = _accepted_initials(counts, out, key_labels)
    colon_initial = {n for (f, n), c in counts.items() if f == "colon" and is_initials(n)}

    def established(name: str, low: str) -> bool:
        return role_word(name) is not None or name in key_labels or low in known

    def accept(cand: _Candidate) -> bool:
        name, low = cand.name, cand.name.lower()
        verdict = _verdict_by_form(cand, counts, initials)
        if verdict is not None:
            return verdict
        if cand.form == "dash":
            return established(name, low) or (dash_style and name in dash_recurring)
        if cand.form == "phrase" and counts.get(("phrase", name), 0) >= 2 and qualifier_role(name) == "facilitator":
            return True  # `Link worker:` again and again is a job speaking, whatever a `Link:` header is
        if not _ok_name(name) and low not in known and role_word(name) is None:
            return False
        if cand.form == "phrase":
            return role_word(name) is not None or counts.get(("phrase", name), 0) >= 2
        if cand.form == "time":
            return counts.get(("time", name), 0) >= 2 or low in known or role_word(name) is not None
        if established(name, low) or name in colon_initial:
            return True
        if counts.get(("colon", name), 0) >= 2:
            return len(name.split()) <= 4
        return bool(colon_style) and len(name.split()) <= 3

    return accept


def _read_preamble(content: list[Line], out: Labelled) -> set[int]:
    """Header and key lines before the conversation starts (the first 80 lines at most) → metadata."""
    consumed: set[int] = set()
    bare_keys: list[tuple[int, str, str]] = []
    openers = header_openers(content[:200])
    # where the dialogue starts: the first line opened by a key that opens others too (a speaker speaks again)
    start = next((ln.number for ln in content if (m := _HEADER.match(line := _opening(ln)))
                  and openers[_header_key(m.group("key"))] > 1
                  and not (header_line(line) or header_segments(line, openers))), None)
    talk = _dash_talk_start(content[:200])
    start = talk if start is None or (talk is not None and talk < start) else start
    unlisted = (openers, start)
    if content and not content[0].row and (content[0].heading or re.match(r"#{1,6}\s", content[0].text.lstrip())):
        out.header["title"] = strip_markdown(content[0].text.strip().lstrip("#").strip())  # the file's own title
        consumed.add(content[0].number)
    for ln in content[:80]:
        if ln.number not in consumed and _preamble_line(ln, out, consumed, bare_keys, unlisted):
            break  # the conversation has started
    if out.unlisted_lines:
        where = ", ".join(str(n) for n in out.unlisted_lines)
        out.warnings.append(f"Line(s) {where}, above the conversation, read as header lines (a key that opens no "
                            "other line, a value that is not speech) and left out of the text; if one is somebody "
                            "speaking, give that line a speaker label the file uses again.")
    # A lone `MD Hello there` is talk, not a key: a key without separators needs two lines or matching initials.
    lone = [b for b in bare_keys if initials_of(out.key_names.get(b[1], "")) != b[1]]
    if len(bare_keys) == 1 and lone:
        number, label, _ = lone[0]
        consumed.discard(number)
        out.key_names.pop(label, None)
        out.key_roles.pop(label, None)
    return consumed


def _dash_talk_start(lines: list[Line]) -> int | None:
    """The first `Name - words` or `MD words` line that is talk by a label opening other lines too: below it a
    `JQ - Cheers Ross.` is JQ speaking, not a key line (`MD - Michelle Drumm` names no one's words)."""
    found = [(ln.number, c.name, c.text) for ln in lines if not ln.row
             for c in _candidates(ln.text.strip())[:1] if c.form in ("dash", "initials")]
    counts = Counter(name for _, name, _ in found)
    return next((number for number, name, text in found if counts[name] > 1 and _reads_as_speech(text)), None)


def _preamble_line(ln: Line, out: Labelled, consumed: set[int], bare_keys: list[tuple[int, str, str]],
                   unlisted: tuple[Counter, int | None]) -> bool:
    """Read one line before the conversation as a header or key line (noting it in `consumed`); True when the
    conversation has started instead. `unlisted`: the file's key counts and the line its dialogue starts at, for
    header keys no list has (`unlisted_header`), read only above that line."""
    openers, start = unlisted
    above = start is None or ln.number < start
    if ln.row or ln.heading and not header_line(ln.text):
        return _preamble_row(ln, out, consumed, openers, above)
    text, _ = _strip_stamp(ln.text.strip())
    if re.fullmatch(r"\([^()]*:[^()]*\)", text):
        text = text[1:-1].strip()  # a note in brackets: `(also present: Wendy Cassidy, pantry coordinator)`
    heads = header_segments(text, openers) or [h for h in (header_line(text),) if h]  # one or several headers
    if heads:
        for head in heads:
            _add_header(out, *head)
        consumed.add(ln.number)
        return False
    if _KEY_PREFIX.match(strip_markdown(text)) and not _KEY_PREFIX.sub("", strip_markdown(text)).strip():
        consumed.add(ln.number)  # `Key:` alone on its line; the pairs follow
        return False
    pairs = above and key_pairs(text)
    if pairs:
        _read_key_pairs(ln.number, text, pairs, out, bare_keys)
        consumed.add(ln.number)
        return False
    head = above and (unlisted_header(text, openers) or loose_header(text, openers))
    if head:
        out.unlisted_lines.append(ln.number)
        _add_header(out, *head)
        consumed.add(ln.number)
        return False
    first = _candidates(text)
    return (any(c.form == "voice" or (c.form == "colon" and role_word(c.name)) for c in first)
            or any(c.form == "initials" and (c.name in out.key_names or c.name in out.key_roles) for c in first))


def _preamble_row(ln: Line, out: Labelled, consumed: set[int], openers: Counter, above: bool) -> bool:
    """A Word table row or heading before the conversation: a header (noted in `consumed`), or, for a row that
    is none, the conversation's start (True); a heading is passed over."""
    text = f"{ln.speaker}: {ln.text}" if ln.row and ln.speaker else ""
    head = text and (header_line(text) or (above and unlisted_header(text, openers)))
    if not head:
        return ln.row
    if head != header_line(text):
        out.unlisted_lines.append(ln.number)
    _add_header(out, *head)
    consumed.add(ln.number)
    return False


def _read_key_pairs(number: int, text: str, pairs, out: Labelled, bare_keys: list[tuple[int, str, str]]) -> None:
    """A key line's label = role or name pairs into the key; bare ones (`MD Mary Doyle`) noted for a second look."""
    for label, value in pairs:
        role, name = read_key_value(value)
        if role:
            out.key_roles[label] = role
        if name:
            out.key_names[label] = name
        if not role and not name:
            continue
        if _KEY_BARE.match(f"{label} {value}") and "=" not in text and not re.search(r"\s[-–—]\s", text):
            bare_keys.append((number, label, value))


def _add_header(out: Labelled, field_name: str, value: str) -> None:
    held = out.header.get(field_name)
    if held and field_name in ("facilitator", "participants") and value not in held:
        out.header[field_name] = f"{held}, {value}"  # `Interviewer:` and `Support worker present:` both staff
    out.header.setdefault(field_name, value)
    if re.search(r"\binterpret", f"{field_name} {value}", re.I):
        out.header.setdefault("interpreted", "yes")  # `Family interview (Tigrinya interpreter present)`
    if field_name in ("facilitator", "participants", "note_taker", "transcribed_by"):
        from triangulate.residents import gazetteer  # here: it reads the place lists on first use

        # `Young carers - Maryhill (YC-5)` names a place, not a participant to redact everywhere
        out.header_names.extend(n for n in split_names(value) if not gazetteer.is_place(n))
