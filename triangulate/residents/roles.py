"""Who is asking and who is answering: a first guess of each speaker's role that the researcher confirms.

"facilitator": an interviewer-like label (I, Q, Interviewer, Facilitator, Moderator, Host, Chair), a key line
saying so, or a speaker matching the facilitator named in the header, the front matter's `hosts` or the
upload form. "resident": a respondent-like label (R, A, Respondent, Interviewee, Participant 38, P3) or a key
saying so; and, once the asking side is declared, the other named speakers it interviews (the interview
pattern). In a file that declares no asking side, a clear question-asking pattern (one speaker asks at least
40 % of the time, twice as often as anyone else, in shorter turns) marks that speaker as the interviewer and
the ones they question as residents, which `pattern_note` tells the researcher to check. Everything else is
"unknown" and never pre-ticked: audience members (F/M, Q from the floor beside a chair), "Unlabelled" text,
speakers of a file with no declared facilitator and no clear pattern, a first name two people share.
"""
from __future__ import annotations

import re

from triangulate.residents import gazetteer
from triangulate.residents.introductions import introduced_staff, sits_in
from triangulate.residents.labels import (
    AUDIENCE_WORDS,
    FACILITATOR_WORDS,
    RESPONDENT_WORDS,
    initials_of,
    is_initials,
    qualifier_role,
    role_word,
    split_names,
    staff_in_list,
)

FACILITATOR, RESIDENT, UNKNOWN = "facilitator", "resident", "unknown"
_KEY_FACILITATOR = {"interviewer", "facilitator", "co-facilitator", "moderator", "host", "chair",
                    "chairperson", "researcher", "questioner", "notetaker"}
_KEY_RESIDENT = {"interviewee", "respondent", "participant", "resident", "parent", "carer"}
_KEY_AUDIENCE = {"audience", "floor"}


def _matches(label: str, full: str, person: str) -> bool:
    """Does a speaker (label as written, full name from a key) refer to this facilitator's name?"""
    person_low = person.lower()
    words = person_low.split()
    for candidate in filter(None, (label, full)):
        low = re.sub(r"\s*[(\[].*?[)\]]", "", candidate).strip().lower()  # `Laura Mitchell (Glasgow City Council)`
        if "," in low:  # Teams writes `Cowie, Pamela`
            surname, _, given = low.partition(",")
            low = f"{given.strip()} {surname.strip()}"
        if low == person_low or (len(words) > 1 and low == words[0] and len(low.split()) == 1):
            return True
        if len(words) > 1 and len(low.split()) == 1 and gazetteer.given_name_link(low, words[0]) >= 2:
            return True  # `Gav` for Gavin Shields, `Kev` for Kevin
        parts = low.split()
        if len(words) > 1 and len(parts) == 2 and parts[0] == words[0] and parts[1].rstrip(".") == words[-1][0]:
            return True  # `Gillian R` for Gillian Rennie
    return label.isupper() and len(label) >= 2 and label in _initials_forms(person)


def _initials_forms(person: str) -> set[str]:
    """Initials a file may use for a name: every part (`TLG` for Tommy-Lee Gilchrist), the given name's parts
    alone (`TL`) or one letter for it with the surname (`TG`)."""
    full = initials_of(person)
    forms = {full}
    words = person.split()
    if len(words) > 1 and "-" in words[0]:
        given = initials_of(words[0])
        forms |= {given, given[0] + initials_of(" ".join(words[1:]))}
    return forms


def infer_roles(parsed, facilitator: str | None = None) -> dict[str, str]:
    roles, audience, declared = _declared_roles(parsed, facilitator)
    if not declared:  # nothing says who asks: a clear pattern may (pattern_note tells the researcher to check)
        declared = _unlabelled_facilitator(parsed, roles, audience)
    _by_interview_pattern(parsed, roles, declared)
    return roles


def pattern_note(parsed, roles: dict[str, str], facilitator: str | None = None) -> str | None:
    """When `roles` (as `infer_roles` gave them) rest only on who asks the questions, say so: the researcher checks
    them before saving."""
    if _declared_roles(parsed, facilitator)[2]:
        return None
    askers = [s for s, r in roles.items() if r == FACILITATOR]
    answerers = [s for s, r in roles.items() if r == RESIDENT]
    if not askers or not answerers:
        return None
    return (f"Nothing in the file says who interviews, so roles were guessed from who asks the questions: "
            f"{', '.join(askers)} as interviewer, {', '.join(answerers)} as resident. Check them before saving.")


def _declared_roles(parsed, facilitator: str | None) -> tuple[dict[str, str], set[str], bool]:
    """Roles that labels, keys, headers, the form and interpreting say (others ""), the audience, and whether
    the asking side is declared."""
    names = parsed.speaker_names
    key_roles = getattr(parsed, "key_roles", {}) or {}
    people = _named_staff(parsed, facilitator)
    roles: dict[str, str] = {}
    audience: set[str] = set()
    labels_low = {role_word(s) for s in parsed.speakers}
    has_chair = bool(labels_low & (FACILITATOR_WORDS - {"q", "question", "questioner"}))
    for s in parsed.speakers:
        roles[s], from_floor = _declared_role(parsed, s, key_roles.get(s, ""), names.get(s, ""), people, has_chair)
        if from_floor:
            audience.add(s)
    # `INT` is an interviewer in one file and an interpreter in another: the one passing "She says…" on interprets
    interpreters = _interpreters(parsed, [s for s, r in roles.items() if not r or role_word(s) == "int"])
    for s in interpreters:
        roles[s] = FACILITATOR
    # staff someone introduces in speech ("this is Morven, she's fae the money advice, she's sitting in")
    introduced = introduced_staff(parsed, [s for s, r in roles.items() if not r and s not in audience],
                                  staff=[s for s, r in roles.items() if r == FACILITATOR])
    # a number is no declaration: `P4` may say she is the family support worker sitting in
    introduced |= introduced_staff(parsed, [s for s, r in roles.items() if r == RESIDENT and _NUMBERED.fullmatch(s)],
                                   self_only=True)
    for s in introduced:
        roles[s] = FACILITATOR
    # an interpreter, or a worker sitting in, is not the asking side: someone else still interviews (the form may
    # name `Speaker 1`, who says "I'm just sitting in on the visit": the health visitor under another number asks)
    helpers = set(interpreters) | set(introduced) | _form_named_sitting_in(parsed, people, roles)
    declared = any(r == FACILITATOR for s, r in roles.items() if s not in helpers) or (
        bool(people) and _unlabelled_facilitator(parsed, roles, audience)) or (
        bool(interpreters) and _asker_beside_interpreter(parsed, roles, audience))
    return roles, audience, declared


def _form_named_sitting_in(parsed, people: list[str], roles: dict[str, str]) -> set[str]:
    """Labels the form or header names as facilitator whose speaker says they only sit in."""
    return {s for s in parsed.speakers if s in people and roles.get(s) == FACILITATOR and sits_in(parsed, s)}


def _named_staff(parsed, facilitator: str | None) -> list[str]:
    """The facilitators the file's header, its front matter's hosts and the upload form name, and note-takers."""
    people = split_names(parsed.metadata.get("facilitator", "") or "")
    people += split_names(parsed.metadata.get("note_taker", "") or "")  # staff too: never a resident
    people += split_names(facilitator or "")
    if facilitator and facilitator.strip() in parsed.speakers:
        people.append(facilitator.strip())  # the form names the label itself: `Speaker 2` of an Otter export
    people += staff_in_list(parsed.metadata.get("participants", "") or "")  # `Present: Tunde O (school FSW)`
    return people + [h for h in getattr(parsed, "hosts", []) if h]


def _unlabelled_facilitator(parsed, roles: dict[str, str], audience: set[str]) -> bool:
    """A facilitator is named (form, header) but speaks under no label of theirs (`Speaker 1` in an Otter export):
    the one who asks the questions is them (marked in `roles`; True), and the ones they ask are residents."""
    asker = _question_asker(parsed, [s for s, r in roles.items() if not r and s not in audience
                                     and s != "Unlabelled"], several=True)
    if asker:
        roles[asker] = FACILITATOR
    return asker is not None


def _asker_beside_interpreter(parsed, roles: dict[str, str], audience: set[str]) -> bool:
    """In an interpreted interview the resident may say little in their own voice: of the others, the one who
    asks most (at least 40 % of their turns, more than anyone else) is the interviewer (marked; True)."""
    shares = {}
    for s, r in roles.items():
        turns = [t.text for t in parsed.turns if t.speaker == s]
        if not r and s not in audience and s != "Unlabelled" and len(turns) >= 2:
            shares[s] = sum(1 for t in turns if "?" in t) / len(turns)
    if not shares:
        return False
    best = max(shares, key=shares.get)
    if shares[best] < 0.4 or any(v >= shares[best] for s, v in shares.items() if s != best):
        return False
    roles[best] = FACILITATOR
    return True


def _by_interview_pattern(parsed, roles: dict[str, str], declared: bool) -> None:
    """Speakers nothing declares: the ones the declared asking side talks to are residents, unless two people
    share their first name; with no asking side declared, nobody is."""
    ambiguous = _shared_first_names(parsed)
    for s, role in roles.items():
        if role:
            continue
        if s in ambiguous or role_word(s) in ("speaker", "person", "other", "unknown"):
            roles[s] = UNKNOWN if not declared or s in ambiguous else RESIDENT
        else:
            roles[s] = RESIDENT if declared else UNKNOWN


_QUESTIONER = ("q", "question", "questioner")
_NUMBERED = re.compile(r"(?:P|Participant |Parent |Respondent |R)\d{1,3}", re.I)


def _declared_role(parsed, s: str, key: str, name: str, people: list[str], has_chair: bool) -> tuple[str, bool]:
    """A speaker's role from what the file declares (its key, the facilitator's name, a role word), and whether
    they are in the audience; "" when nothing declares it (the pattern of turns decides)."""
    if s == "Unlabelled":
        return (RESIDENT if getattr(parsed, "unlabelled", None) == "resident" else UNKNOWN), False
    if key in _KEY_FACILITATOR:
        return FACILITATOR, False
    if key in _KEY_RESIDENT:
        return RESIDENT, False
    if key in _KEY_AUDIENCE or (key and key not in _KEY_FACILITATOR | _KEY_RESIDENT and not name):
        return UNKNOWN, True
    if any(_matches(s, name, p) for p in people):
        return FACILITATOR, False
    qualified = re.search(r"\(([^()]{1,40})\)\s*$|\s[-–—]\s+([^()]{2,40})$", s)  # `(GHA Support)`, `- Kinship Team`
    if qualified and qualifier_role(qualified.group(1) or qualified.group(2)) == "facilitator":
        return FACILITATOR, False
    word = role_word(s)
    if word in _QUESTIONER and has_chair:
        return UNKNOWN, True  # a question from the floor, beside a chair or host: not the chair's words
    if word in FACILITATOR_WORDS:
        return FACILITATOR, False
    if word in RESPONDENT_WORDS:
        return RESIDENT, False
    if word in AUDIENCE_WORDS:
        return UNKNOWN, True
    # a job: `Welfare Rights`, `Money Adviser` (not `Grace Church`, nor SW for Sandy Watt)
    if word is None and not is_initials(s) and qualifier_role(s) == "facilitator" and \
            not gazetteer.is_any_given_name((s.split() or [""])[0]):
        return FACILITATOR, False
    return "", False  # a name, initials or "Speaker 2": decided by the pattern below


_REPORTED = re.compile(r"(?:^|[.!?]\s+)\W*(?:she|he|they)(?:\s+is|['’]s|\s+are)?\s+"
                       r"(?:says?|saying|said|asks?|asking|wants? to say|tells? me|is telling)\b", re.I)


def _interpreters(parsed, candidates: list[str]) -> list[str]:
    """In a file that mentions interpreting, a speaker who mostly passes on what someone else says ("She says
    they came in 2019…") is the interpreter, not a resident."""
    said = " ".join([str(v) for v in parsed.metadata.values()] + [t.text for t in parsed.turns[:12]])
    if not (parsed.metadata.get("interpreted") or re.search(r"\binterpret", said, re.I)):
        return []
    out = []
    for s in candidates:
        turns = [t.text for t in parsed.turns if t.speaker == s]
        # (a sentence of its own opening "She says…", not "and she says to me")
        if len(turns) >= 3 and sum(1 for t in turns if _REPORTED.search(t)) >= 0.4 * len(turns):
            out.append(s)
    return out


def _shared_first_names(parsed) -> set[str]:
    """Labels that are a first name two people in this file share (`Andrew` with Andrew B and Andrew S)."""
    firsts: dict[str, set[str]] = {}
    for name in parsed.names:
        if len(name.split()) > 1:
            firsts.setdefault(name.split()[0].lower(), set()).add(name.lower())
    return {s for s in parsed.speakers if len(s.split()) == 1 and len(firsts.get(s.lower(), ())) > 1}


def _question_asker(parsed, candidates: list[str], several: bool = False) -> str | None:
    """In a two-person dialogue (or, with `several`, a group), the one who asks most of the questions, at least
    twice as often as anyone else, in shorter turns than the others', is the interviewer."""
    if len(candidates) < 2 or (len(candidates) != 2 and not several):
        return None
    stats = {}
    for s in candidates:
        turns = [t.text for t in parsed.turns if t.speaker == s]
        if len(turns) < 3:
            return None
        questions = sum(1 for t in turns if "?" in t)
        stats[s] = (questions / len(turns), sum(len(t.split()) for t in turns) / len(turns))
    best = max(stats, key=lambda s: stats[s][0])
    share, words = stats[best]
    others = [v for s, v in stats.items() if s != best]
    if share >= 0.4 and all(share >= 2 * q for q, _ in others) and words < sum(w for _, w in others) / len(others):
        return best
    return None
