"""Render the redaction benchmark's hand-written conversations into transcript files and their labels.

Each split (dev/, heldout/) has one `source.txt` of hand-written conversations with
inline marks:

    {Jayden|child|c1}      personal data: exact text | category | person id (person id "-" for none)
    <Govan|place>          a look-alike that must stay: exact text | kind

and one block per file:

    === file: govan_damp_interview.txt | layout: interviewer_interviewee
    header: Interview: Damp and repairs          (header lines; `@f1` is replaced by person f1's full name)
    person: f1 | facilitator | Lorna Baird | label=Lorna
    person: r1 | resident | Michelle Drumm
    person: c1 | third | Jayden Drumm            (people talked about, never speakers)
    f1: turn text with marks…
    r1: …

`render()` lays the turns out in the block's layout (see LAYOUTS) and writes, beside each file,
`<file>.labels.json` (schema in README.md). The rendered files and labels are committed; run this again
after editing a source: `python bench/data/redaction/build.py [dev|heldout]`. .docx files
are made with python-docx; the harness calls `ensure_built()` when one is missing.

The builder is strict on purpose: a gold string that also occurs unmarked in the same file (a "Rose"
that is once a person and once a flower) is an error, so each label means exactly one thing.
"""
from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPLITS = ("dev", "heldout")
NAME_CATEGORIES = ("full_name", "first_name", "child_name", "nickname", "surname", "lower_case", "dialect",
                   "possessive")
OTHER_CATEGORIES = ("address", "phone", "email", "postcode", "ni_number", "dob")
CATEGORY = {"full": "full_name", "first": "first_name", "child": "child_name", "nick": "nickname",
            "sur": "surname", "lower": "lower_case", "dialect": "dialect", "poss": "possessive",
            "addr": "address", "phone": "phone", "email": "email", "pc": "postcode", "ni": "ni_number",
            "dob": "dob"}
KINDS = ("place", "service", "benefit", "brand", "filler", "org", "word", "other")
ROLE_LABELS = {"interviewer_interviewee": ("Interviewer", "Interviewee"), "respondent": ("Interviewer", "Respondent"),
               "ir_key": ("I", "R"), "qa": ("Q", "A"), "qa_nocolon": ("Q", "A")}
LAYOUTS = {
    "interviewer_interviewee": ".txt", "respondent": ".txt", "ir_key": ".txt", "qa": ".txt",
    "qa_nocolon": ".txt", "initials": ".txt", "named": ".txt", "bold": ".md", "dash": ".txt", "yaml": ".md",
    "stamp_before": ".txt", "stamp_after": ".txt", "stamp_otter": ".txt", "vtt": ".vtt", "srt": ".srt",
    "docx_para": ".docx", "docx_table2": ".docx", "docx_table3": ".docx",
}
ROLE_WORDS = re.compile(r"^(Adviser|Interviewer|Interviewee|Respondent|Facilitator|Moderator|Chair|Q|A|I|R|P\d+|"
                        r"Participant \d+|Speaker \d+|Parent \d+)$")
_MARK = re.compile(r"\{([^{}|]+)\|(\w+)\|([\w-]+)\}|<([^<>|]+)\|(\w+)>")


@dataclass
class Person:
    pid: str
    role: str  # resident / facilitator / third
    name: str
    label: str = ""
    key: str = ""  # initials for the `initials` layout


@dataclass
class Conversation:
    file: str
    layout: str
    headers: list[str] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    turns: list[tuple[str, str]] = field(default_factory=list)  # (person id, marked text)
    options: dict = field(default_factory=dict)


def read_source(path: Path) -> list[Conversation]:
    out: list[Conversation] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("==="):
            parts = dict(p.strip().split(":", 1) for p in line[3:].split("|"))
            parts = {k.strip(): v.strip() for k, v in parts.items()}
            out.append(Conversation(parts.pop("file"), parts.pop("layout"), options=parts))
            if out[-1].layout not in LAYOUTS:
                raise SystemExit(f"{path}:{number}: unknown layout {out[-1].layout}")
            continue
        conv = out[-1]
        if line.startswith("header:"):
            conv.headers.append(line[7:].strip())
        elif line.startswith("person:"):
            fields = [f.strip() for f in line[7:].split("|")]
            extra = dict(f.split("=", 1) for f in fields[3:])
            person = Person(fields[0], fields[1], fields[2], extra.get("label", ""), extra.get("key", ""))
            person.label = person.label or person.name.split()[0]
            person.key = person.key or "".join(w[0] for w in person.name.split()).upper()
            conv.people[person.pid] = person
        else:
            pid, text = line.split(":", 1)
            if pid.strip() not in conv.people:
                raise SystemExit(f"{path}:{number}: unknown speaker {pid!r} in {conv.file}")
            conv.turns.append((pid.strip(), text.strip()))
    return out


def strip_marks(marked: str) -> tuple[str, list[dict], list[dict]]:
    """Plain text plus the marked personal-data spans and look-alikes with their offsets."""
    plain, spans, keeps, pos = [], [], [], 0
    length = 0
    for m in _MARK.finditer(marked):
        plain.append(marked[pos:m.start()])
        length += m.start() - pos
        if m.group(1):
            text, cat, pid = m.group(1), m.group(2), m.group(3)
            if cat not in CATEGORY:
                raise SystemExit(f"unknown category {cat!r} in {marked[:60]!r}")
            spans.append({"text": text, "category": CATEGORY[cat], "person": None if pid == "-" else pid,
                          "start": length, "end": length + len(text)})
        else:
            text, kind = m.group(4), m.group(5)
            if kind not in KINDS:
                raise SystemExit(f"unknown kind {kind!r} in {marked[:60]!r}")
            keeps.append({"text": text, "kind": kind, "start": length, "end": length + len(text)})
        plain.append(text)
        length += len(text)
        pos = m.end()
    plain.append(marked[pos:])
    text = "".join(plain)
    if re.search(r"[{}<>|]", text):
        raise SystemExit(f"stray mark character in {text[:80]!r}")
    return text, spans, keeps


def occurrences(needle: str, haystack: str) -> list[tuple[int, int]]:
    """Word-bounded, case-sensitive occurrences (the harness uses the same rule)."""
    return [(m.start(), m.end()) for m in re.finditer(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", haystack)]


def gold_occurrences(text: str, strings) -> list[tuple[str, int, int]]:
    """Occurrences of the gold strings in one turn, leaving out those inside a longer one ("Jayden" in
    "Jayden's", "Kerr" in "Shona Kerr"): each stretch of personal data counts once, as its longest label."""
    found = [(s, a, b) for s in strings for a, b in occurrences(s, text)]
    return [(s, a, b) for s, a, b in found
            if not any(a2 <= a and b <= b2 and (b2 - a2) > (b - a) for _, a2, b2 in found)]


def keep_occurrences(text: str, needle: str, gold_strings) -> list[tuple[int, int]]:
    """A look-alike counts wherever it occurs outside personal data ("Govan" in "14 Govan Road" does not)."""
    gold = gold_occurrences(text, gold_strings)
    return [(a, b) for a, b in occurrences(needle, text) if not any(a2 < b and a < b2 for _, a2, b2 in gold)]


# --------------------------------------------------------------------------- layouts
def _stamp(seconds: float, hours: bool = True) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" if hours else f"{s // 60}:{s % 60:02d}"


def _is_name_label(label: str, person: Person) -> bool:
    return bool(set(label.lower().split()) & set(person.name.lower().split()))


def labels_for(conv: Conversation) -> dict[str, str]:
    if conv.layout in ROLE_LABELS:
        fac, res = ROLE_LABELS[conv.layout]
        return {p.pid: fac if p.role == "facilitator" else res for p in conv.people.values()}
    if conv.layout == "initials":
        return {p.pid: p.key for p in conv.people.values()}
    return {p.pid: p.label for p in conv.people.values()}


def render_text(conv: Conversation, plain_turns: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """The file's text (for text layouts) and the header lines that must not become turns."""
    labels = labels_for(conv)
    speakers = [p for p in conv.people.values() if p.role != "third"]
    headers = [expand(h, conv) for h in conv.headers]
    lines: list[str] = []
    layout = conv.layout
    if layout == "yaml":
        lines.append("---")
        for h in headers:
            key, value = h.split(":", 1)
            lines.append(f"{key.strip().lower()}: {value.strip()}")
        hosts = [p.name for p in speakers if p.role == "facilitator"]
        residents = [p.name for p in speakers if p.role == "resident"]
        lines += ["hosts:"] + [f"  - {n}" for n in hosts] + ["speakers:"] + [f"  - {n}" for n in residents]
        lines += ["---", ""]
        headers_out: list[str] = []  # front matter is not header lines in the body
    else:
        lines += headers
        headers_out = list(headers)
        if headers:
            lines.append("")
    if layout == "ir_key":
        lines += ["Key: I = Interviewer, R = Respondent", ""]
        headers_out.append("Key: I = Interviewer, R = Respondent")
    if layout == "initials":
        for p in speakers:
            lines.append(f"{p.key} - {p.name}")
            headers_out.append(f"{p.key} - {p.name}")  # a key line is not a turn either
        lines.append("")
    clock = float(conv.options.get("start", 4))
    cue = 0
    if layout == "vtt":
        lines = ["WEBVTT", ""]
        headers_out = []
    for pid, text in plain_turns:
        label = labels[pid]
        seconds = clock
        clock += 2 + len(text.split()) / 2.6
        if layout in ("interviewer_interviewee", "respondent", "ir_key", "qa", "named", "yaml"):
            lines.append(f"{label}: {text}")
        elif layout == "qa_nocolon" or layout == "initials":
            lines.append(f"{label} {text}")
        elif layout == "bold":
            lines += [f"**{label}:** {text}", ""]
        elif layout == "dash":
            lines.append(f"{label} - {text}")
        elif layout == "stamp_before":
            lines.append(f"[{_stamp(seconds)}] {label}: {text}")
        elif layout == "stamp_after":
            lines.append(f"{label} ({_stamp(seconds)}): {text}")
        elif layout == "stamp_otter":
            lines += [f"{label}  {_stamp(seconds, hours=False)}", text, ""]
        elif layout in ("vtt", "srt"):
            # Teams cuts long turns into several cues at sentence ends; the same voice continues.
            pieces = _cue_pieces(text)
            step = (clock - seconds) / len(pieces)
            for k, piece in enumerate(pieces):
                cue += 1
                a, b = seconds + k * step, seconds + (k + 1) * step - 0.2
                if layout == "vtt":  # Teams writes a cue identifier above each timing line
                    lines += [f"5c0e7f2a-91d4-4b7e-a3c6-{cue:012d}/{cue % 7 + 11}-0", f"{_vtt(a)} --> {_vtt(b)}",
                              f"<v {label}>{piece}</v>", ""]
                else:
                    lines += [str(cue), f"{_vtt(a).replace('.', ',')} --> {_vtt(b).replace('.', ',')}",
                              f"{label}: {piece}", ""]
    return "\n".join(lines).rstrip() + "\n", headers_out


def _vtt(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms % 3600000 // 60000:02d}:{ms % 60000 // 1000:02d}.{ms % 1000:03d}"


def _cue_pieces(text: str) -> list[str]:
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    pieces, current = [], ""
    for s in sentences:
        if current and len(current.split()) + len(s.split()) > 24:
            pieces.append(current)
            current = s
        else:
            current = f"{current} {s}".strip()
    return pieces + ([current] if current else [])


def render_docx(conv: Conversation, plain_turns: list[tuple[str, str]]) -> tuple[bytes, list[str]]:
    import docx
    from docx.shared import Pt

    labels = labels_for(conv)
    document = docx.Document()
    document.core_properties.author = ""
    headers = [expand(h, conv) for h in conv.headers]
    if conv.options.get("heading"):
        document.add_heading(conv.options["heading"], level=1)
    for h in headers:
        document.add_paragraph(h)
    clock = float(conv.options.get("start", 4))
    if conv.layout == "docx_para":
        document.add_paragraph("")
        for pid, text in plain_turns:
            document.add_paragraph(f"{labels[pid]}: {text}")
    else:
        three = conv.layout == "docx_table3"
        table = document.add_table(rows=1, cols=3 if three else 2)
        table.style = "Table Grid"
        titles = ["Time", "Speaker", "What was said"] if three else ["Speaker", "What was said"]
        for cell, title in zip(table.rows[0].cells, titles):
            cell.text = title
        for pid, text in plain_turns:
            row = table.add_row().cells
            values = ([_stamp(clock)] if three else []) + [labels[pid], text]
            clock += 2 + len(text.split()) / 2.6
            for cell, value in zip(row, values):
                cell.text = value
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(10)
        if conv.options.get("closing"):
            document.add_paragraph(conv.options["closing"])
    import datetime
    import zipfile

    stamp = datetime.datetime(2025, 1, 1)
    props = document.core_properties
    props.created = props.modified = stamp
    props.last_modified_by = props.author = ""
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    # Same bytes on every build: fixed timestamps inside the zip too, so a rebuild shows no change.
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0)), src.read(info.filename),
                         compress_type=zipfile.ZIP_DEFLATED)
    return fixed.getvalue(), headers


def expand(header: str, conv: Conversation) -> str:
    return re.sub(r"@(\w+)", lambda m: conv.people[m.group(1)].name, header)


def header_people(conv: Conversation) -> set[str]:
    return {m.group(1) for h in conv.headers for m in re.finditer(r"@(\w+)", h)}


# --------------------------------------------------------------------------- labels
def given_names(conv: Conversation) -> list[str]:
    """Every person name the file itself gives: name labels, key lines, front matter, header lines."""
    names: list[str] = []
    labels = labels_for(conv)
    in_headers = header_people(conv)
    for p in conv.people.values():
        if ROLE_WORDS.match(p.name):
            continue  # a role or a number stands in for the name
        if p.pid in in_headers:
            names.append(p.name)
        elif p.role == "third":
            continue
        elif conv.layout in ("initials", "yaml"):
            names.append(p.name)  # key lines / front matter spell the whole name
        elif _is_name_label(labels[p.pid], p):
            names.append(labels[p.pid])
    return list(dict.fromkeys(names))


def _is_given(text: str, given: list[str]) -> bool:
    tokens = {t.lower() for g in given for t in g.split()}
    words = [re.sub(r"['’]s$", "", w).lower() for w in re.findall(r"[\w'’]+", text)]
    words = [w for w in words if w not in ("wee", "big", "auld", "mr", "mrs", "ms", "miss")]
    return bool(words) and all(w in tokens for w in words)


def build_labels(conv: Conversation, split: str, plain: list[tuple[str, str, list, list]],
                 headers: list[str]) -> dict:
    given = given_names(conv)
    span_index: dict[tuple, dict] = {}
    keep_index: dict[tuple, dict] = {}
    texts = [t for _, t, _, _ in plain]
    for _, _text, spans, keeps in plain:
        for s in spans:
            span_index.setdefault((s["text"], s["category"], s["person"]), {
                "text": s["text"], "category": s["category"], "person": s["person"],
                "given": bool(s["person"]) and s["category"] in NAME_CATEGORIES and _is_given(s["text"], given)})
        for k in keeps:
            keep_index.setdefault((k["text"], k["kind"]), {"text": k["text"], "kind": k["kind"]})
    # Occurrences are counted the way the harness finds them; unmarked repeats are a source error.
    strings = sorted({e["text"] for e in span_index.values()})
    counts: dict[str, int] = {}
    for _, text, spans, _ in plain:
        for needle, a, b in gold_occurrences(text, strings):
            if not any(s["start"] == a and s["end"] == b for s in spans):
                raise SystemExit(f"{conv.file}: {needle!r} also occurs unmarked: {text[max(0, a - 30):b + 30]!r}")
            counts[needle] = counts.get(needle, 0) + 1
    for entry in span_index.values():
        entry["occurrences"] = counts.get(entry["text"], 0)
    for entry in keep_index.values():
        entry["occurrences"] = sum(len(keep_occurrences(text, entry["text"], strings)) for _, text, _, _ in plain)
    # Any unmarked word of a person's name is a source error (a missed label would poison the recall).
    tokens = {t for p in conv.people.values() if not ROLE_WORDS.match(p.name)
              for t in re.findall(r"[\w'’-]+", p.name) if len(t) > 2 and t not in ("Mrs", "Miss")}
    for _, text, spans, keeps in plain:
        for token in tokens:
            for a, b in occurrences(token, text) + occurrences(token.lower(), text):
                if not any(m["start"] <= a and b <= m["end"] for m in spans + keeps):
                    raise SystemExit(f"{conv.file}: unmarked name {token!r}: {text[max(0, a - 30):b + 30]!r}")
    # Gold turns, keyed by a snippet unique in the file (survives any parse).
    turns = []
    for index, (pid, text, _, _) in enumerate(plain):
        snippet = _snippet(text, texts, index)
        if snippet is None:
            raise SystemExit(f"{conv.file}: turn {index + 1} is not unique: {text!r}")
        turns.append({"snippet": snippet, "role": conv.people[pid].role, "person": pid})
    by_text: dict[str, set] = {}
    for e in span_index.values():
        by_text.setdefault(e["text"], set()).add((e["category"], e["person"]))
    clash = [t for t, v in by_text.items() if len(v) > 1]
    if clash:
        raise SystemExit(f"{conv.file}: one string, two labels: {clash}")
    labels = labels_for(conv)
    people = {p.pid: {"name": p.name, "role": p.role, "label": labels[p.pid] if p.role != "third" else None,
                      "given_by_file": _is_given(p.name.split()[0], given)} for p in conv.people.values()}
    return {"file": conv.file, "split": split, "layout": conv.layout, "given_names": given, "people": people,
            "form_facilitator": conv.options.get("form_facilitator"),
            "headers": headers, "turns": turns,
            "spans": sorted(span_index.values(), key=lambda e: (e["category"], e["text"])),
            "keep": sorted(keep_index.values(), key=lambda e: (e["kind"], e["text"]))}


def _snippet(text: str, texts: list[str], index: int) -> str | None:
    others = [t for k, t in enumerate(texts) if k != index]
    words = text.split()
    for n in range(min(6, len(words)), len(words) + 1):
        candidate = " ".join(words[:n])
        if not any(candidate in o for o in others):
            return candidate
    return None


def render(split: str, docx_only: bool = False, out: Path | None = None) -> list[Path]:
    """Write a split's files and labels (into `out` instead of the split's folder when given)."""
    source = HERE / split / "source.txt"
    folder = out or HERE / split
    written = []
    for conv in read_source(source):
        if not conv.file.endswith(LAYOUTS[conv.layout]):
            raise SystemExit(f"{conv.file}: layout {conv.layout} writes {LAYOUTS[conv.layout]} files")
        plain = []
        for pid, marked in conv.turns:
            text, spans, keeps = strip_marks(marked)
            plain.append((pid, text, spans, keeps))
        pairs = [(pid, text) for pid, text, _, _ in plain]
        target = folder / conv.file
        if conv.layout.startswith("docx"):
            data, headers = render_docx(conv, pairs)
            if not (docx_only and target.exists()):
                target.write_bytes(data)
        else:
            body, headers = render_text(conv, pairs)
            if not docx_only:
                target.write_text(body, encoding="utf-8")
        if not docx_only:
            labels = build_labels(conv, split, plain, headers)
            (folder / (conv.file + ".labels.json")).write_text(json.dumps(labels, indent=1, ensure_ascii=False) + "\n",
                                                             encoding="utf-8")
        written.append(target)
    return written


def ensure_built(split: str) -> None:
    """Make any missing .docx of a split (the text files and labels are committed)."""
    folder = HERE / split
    if (folder / "source.txt").exists():
        wanted = [c.file for c in read_source(folder / "source.txt") if c.layout.startswith("docx")]
        if any(not (folder / f).exists() for f in wanted):
            render(split, docx_only=True)


if __name__ == "__main__":
    for name in sys.argv[1:] or SPLITS:
        if (HERE / name / "source.txt").exists():
            files = render(name)
            print(f"{name}: {len(files)} files")
