"""Staff introduced in speech: "this is Morven, she's fae the money advice, she's just sitting in".

Groups and home visits often have a worker in the room whom no header names: the facilitator (or a resident)
says who they are in the first minutes. A speaker whose name is said in one sentence with both a word of being
there (sitting in, come along, taking notes, on placement, at the door) and a word of a job or a service (adviser,
health visitor, fae the money advice, the kinship team) is staff, not a resident. Only the speaker the name
points at is affected; a resident's pal "fae the same close" is neither a job nor a service, and a worker
talked about who never speaks changes nothing. A speaker who says their own part ("I'm the health visitor") is
staff too; and under labels that carry no name (Otter's `Speaker 4`), the one who first speaks right after a worker
is introduced by name is that worker, unless the introducing turn goes on to ask the room something.
"""
from __future__ import annotations

import re

from triangulate.residents import gazetteer
from triangulate.residents.labels import is_initials, role_word

_TITLES = {"mr", "mrs", "ms", "miss", "dr"}
# being there: the introduced person is in the room (or joins it)
_PRESENT = re.compile(
    r"\b(?:this is|that['’]s \w+ at the door|sit(?:s|ting)? in|sat in|stay(?:s|ing)? (?:for|in|wi)|"
    r"come (?:along|with me|wi['’]? me)|came (?:along|with me)|pop(?:ping|ped)? in|join(?:ed|ing)? us|"
    r"tak(?:e|es|ing) (?:the )?notes|notes for (?:me|us)|on placement|help(?:ing)? me (?:with|out)|"
    r"(?:is|['’]s) (?:here|in) (?:the ?day|today|wi(?:th)? (?:us|me))|listening in|observing|on the call|"
    r"here to listen|on as well|on too|here as well|here too|(?:is|['’]s|are) here (?:from|fae|frae|wi|with)|"
    r"doing (?:the )?notes|writ(?:e|ing) (?:things |it )?down|"
    r"(?:has|['’]s) joined|joined as well|co-?host(?:ing|s)?|"
    r"co-?facilitat\w+)\b", re.I)
# the speaker says it of themselves: "it's Barry fae the Glasgow Homelessness Network. I'll just sit in"
_SELF_PRESENT = re.compile(
    r"\bI(?:['’]ll| will|['’]m| am)(?: just| only)? (?:sit(?:ting)? in|here to listen|listening in|observing|"
    r"tak(?:e|ing) (?:the )?notes|do(?:ing)? (?:the )?notes|on placement|keep(?:ing)? quiet)\b", re.I)
# the speaker gives their name and their service: "It's Mo, fae the money advice", "I'm Gerry, I do the money advice"
_SELF_SERVICE = re.compile(
    r"\b(?:I['’]m|[Ii]t['’]s|[Tt]his is)\s+[A-Z][\w'’-]+,?\s+"
    r"(?:I\s+(?:do|run|cover)\s+the\s+|(?:fae|frae|from|wi|with)\s+(?:the\s+)?)(?:\w+\s+){0,2}?"
    r"(?:money advice|advice|welfare rights|team|services?|council|housing association|"
    r"health visit\w*|social work|project|charity|trust|foundation|partnership|HSCP|DWP|NHS|GHA|kinship)\b")
# a job a worker is named with, after "the", "my", "our" or "your" and up to two words ("the family link worker")
_JOB = (r"(?:the|my|our|your)\s+(?:[\w-]+\s+){0,2}?(?:health visitor|visitor|worker|officer|advis[eo]r|nurse|midwife|"
        r"interpreter|co-?ordinator|practitioner|keyworker)")
# a worker named with their job, being there or not: "Gemma's the health visitor", "That's Gail, she's my link worker"
_NAMED_JOB = re.compile(r"\b[A-Z][\w'’-]+(?:['’]s|\s+is|,\s+(?:she|he)['’]s|,\s+(?:she|he)\s+is)\s+" + _JOB + r"\b")
# ... or by what they do alongside the facilitator, or a pronoun and the job in the next sentence: "this is Iona, who's
# running it wi' me the day", "And Bernadette you'll know. She's one of the health visitors fae the health centre."
_CO_RUNNING = re.compile(r"(?i)\b(?:running|doing|leading|facilitating|hosting) (?:it|this|the (?:group|session|day)) "
                         r"(?:wi['’]?|with) (?:me|us)\b")
_PRONOUN_JOB = re.compile(r"\b(?:[Ss]he|[Hh]e)(?:['’]s|\s+is)\s+(?:one of\s+)?" + _JOB + r"s?\b")
# the speaker gives their name and a named body they come from: "It's Priya, from Christians Against Poverty"
_SELF_FROM = re.compile(r"\b(?:I['’]m|[Ii]t['’]s|[Tt]his is)\s+[A-Z][\w'’-]+,?\s+(?=(?:fae|frae|from)\s)")
# the name a speaker under a nameless label gives: "iPhone: Hiya, sorry. It's Gail.", "Speaker 4: I'm Jolene"
_GIVES_NAME = re.compile(r"\b(?:[Ii]t['’]s|I['’]m|[Tt]his is|[Mm]y name['’]s)\s+([A-Z][a-z'’-]{2,})\b")
# the speaker names their own part in the room: "Hiya, I'm the health visitor", "I'm your link worker" (the/your:
# their job here, not "I'm a carer" as a resident's own work)
_SELF_ROLE = re.compile(
    r"\bI(?:['’]m| am)(?: just| also| only)? (?:the|your|one of the|here as the|here as your)(?: [\w-]+){0,3}? "
    r"(?:advis[eo]r|worker|officer|visitor|co-?ordinator|nurse|midwife|interpreter|translator|note-?taker|"
    r"practitioner|keyworker|social worker|youth worker|researcher|facilitator|co-?host|student)s?\b", re.I)
# a job or a service: the introduced person works here
_STAFF = re.compile(
    r"\b(?:advis[eo]r|worker|caseworker|officer|visitor|teacher|co-?ordinator|manager|nurse|midwife|student|placement|"
    r"interpreter|translator|note-?taker|notes|writ(?:e|ing) (?:things |it )?down|practitioner|keyworker|social work|"
    r"therapist|counsellor|colleagues?|"
    r"co-?host(?:ing|s)?|co-?facilitat\w+|"
    r"(?:fae|frae|from|with|wi) (?:the |our )?(?:\w+ ){0,2}(?:advice|team|council|housing|association|college|"
    r"university|uni|service|services|project|charity|centre|hub|pantry|nursery|school|health|NHS|GHA|HSCP|"
    r"DWP|Citizens Advice|kinship|welfare rights|money|network|trust|foundation|partnership|agency|clinic|"
    r"surgery|practice|bank))\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_GOES_ON = re.compile(r"(?:he|she|they)\b", re.I)


def introduced_staff(parsed, undecided: list[str], *, self_only: bool = False, staff: list[str] = ()) -> dict[str, str]:
    """Of the `undecided` speakers, the ones another speaker introduces as staff, or who say so themselves: label
    -> the sentence that says so (shown to the researcher). `self_only`: only what speakers say of themselves
    ("P4: I'm here as the family support worker from the hub. I'm just sitting in."). A name that is a form of a
    speaker already known as `staff` means them ("This is Claire fae the health visitors" is `Claire D (HV)`, not
    the resident `Claire B`)."""
    taken = set().union(*(_name_forms(parsed, s, []) for s in staff))
    all_forms = {s: _name_forms(parsed, s, undecided) for s in undecided}  # (a label with none: `Speaker 4`)
    forms = {s: f - taken for s, f in all_forms.items()}
    surnames = {s: _surname(parsed, s) for s in undecided}
    out: dict[str, str] = {}
    for index, turn in enumerate(parsed.turns):
        if turn.speaker in forms and turn.speaker not in out and _says_own_part(turn.text):
            out[turn.speaker] = turn.text.strip()
        if self_only:
            continue
        sentences = _SENTENCE.split(turn.text)
        for i, sentence in enumerate(sentences):
            # the next sentence only when it goes on about them: "That's Gary at the door. He's my housing officer.",
            # "And this is Iain. Iain's a caseworker wi' the homelessness team."
            more = sentences[i + 1:i + 2] if i + 1 < len(sentences) and _goes_on(sentence, sentences[i + 1]) else []
            window = " ".join([sentence, *more])
            reach = _staff_reach(window, len(sentence))
            if not reach:
                continue
            named = _named_in(sentence[:reach], forms, surnames, skip={turn.speaker, *out})
            out.update(dict.fromkeys(named, window.strip()))
            matched = bool(named) or any(_points_at(sentence, n, "") for n in taken)  # staff already known
            # (not when the turn then asks the room something: "Who wants to start?" is answered by a resident)
            asks_after = "?" in " ".join(sentences[i + 1:])
            newcomer = None if matched else _asking_newcomer(parsed, index, all_forms) if asks_after else \
                _newcomer_after(parsed, index, all_forms)
            if newcomer and newcomer not in out and _names_someone(sentence):
                out[newcomer] = window.strip()  # "This is Rashid, fae the money advice" - then `Speaker 4` first speaks
    return out


# "fae One Parent Families Scotland": a named body (two or more capitalised words that are no place)
_FROM_NAMED = re.compile(r"\b(?:fae|frae|from|wi|with) (?:the )?((?:[A-Z][\w'’&-]*\s){0,5}[A-Z][\w'’-]*)")
# the people spoken to, not about: "Kirsty, Stuart, you know Yvonne's come along from Home Energy Scotland"
_VOCATIVE = re.compile(r"^\W*(?:(?:and |&\s*)?[A-Z][\w'’-]+,\s*)+(?!(?:he|she|they)\b|(?:he|she|they)['’])", re.I)
# whom the worker is there for, not the worker: "Beata is interpreting for Agata", "she's helping wi' Jamie's forms"
_OBJECT_BEFORE = re.compile(r"(?i)\b(?:for|to|tae|with|wi['’]?|aboot|about)\s+$")
# the speaker's own name: "I'm Karen Lennox, I run the group" names no one else
_OWN_NAME = re.compile(r"(?:\bI['’]m|\bI am|\bname['’]s|\bname is|\bit['’]s)\s+$", re.I)


def _from_organisation(window: str) -> bool:
    """"fae One Parent Families Scotland", "from Christians Against Poverty": a body's name of three words or more, or
    one the gazetteer lists as an organisation (not "from São Paulo, in Brazil")."""
    return any(not gazetteer.is_place(m.group(1)) and not gazetteer.is_place(m.group(1).split()[0]) and
               (len(m.group(1).split()) >= 3 or gazetteer.is_organisation(m.group(1)))
               for m in _FROM_NAMED.finditer(window))


def _points_at(sentence: str, name: str, surname: str) -> bool:
    """Does the sentence name this speaker by `name`? Not where the speaker of the sentence gives their own name
    ("I'm Karen Lennox"), nor where a surname other than the speaker's follows (Karen Lennox is not Karen
    McAteer)."""
    vocative = _VOCATIVE.match(sentence)
    for m in re.finditer(rf"(?<![\w'’-]){re.escape(name)}(?![\w-])", sentence):
        if _OWN_NAME.search(sentence[:m.start()]) or (vocative and m.end() <= vocative.end()) or \
                _OBJECT_BEFORE.search(sentence[:m.start()]):
            continue
        after = re.match(r"\s+([A-Z][\w'’-]+)", sentence[m.end():])
        if surname and after and after.group(1) != surname and not gazetteer.is_any_given_name(after.group(1)):
            continue
        return True
    return False


def _surname(parsed, s: str) -> str:
    full = (getattr(parsed, "speaker_names", {}) or {}).get(s, "") or re.sub(r"\s*[(\[].*?[)\]]", "", s)
    if "," in full:
        return full.partition(",")[0].strip()
    words = full.split()
    return words[-1] if len(words) > 1 and len(words[-1]) > 1 else ""


def _says_own_part(text: str) -> bool:
    """The speaker says they are staff: sitting in for a service, their part ("I'm the health visitor"), their name
    with their service or a named body."""
    return bool((_SELF_PRESENT.search(text) and _STAFF.search(text)) or _SELF_ROLE.search(text) or
                _SELF_SERVICE.search(text) or (_SELF_FROM.search(text) and _from_organisation(text)))


def _staff_reach(window: str, sentence_length: int) -> int:
    """How much of the window's first sentence may name the staff member introduced (0: nobody is): all of it where
    being there and a job or a body are said; where only a name with its job is ("she's the link worker at the
    practice, and she's here because Bernie asked her along"), only up to the job (not Bernie)."""
    if _PRESENT.search(window) and (_STAFF.search(window) or _from_organisation(window)):
        return sentence_length
    ends = [m.end() for pattern in (_NAMED_JOB, _CO_RUNNING, _PRONOUN_JOB) if (m := pattern.search(window))]
    return min(min(ends), sentence_length) if ends else 0


def _named_in(sentence: str, forms: dict[str, set[str]], surnames: dict[str, str], skip: set[str]) -> list[str]:
    """The speakers (not in `skip`) whom the sentence names by one of their name forms."""
    return [s for s, names in forms.items() if s not in skip and names and
            any(_points_at(sentence, n, surnames[s]) for n in names)]


def _goes_on(sentence: str, following: str) -> bool:
    """Does the next sentence go on about whom this one named (a pronoun, or the same name first)?"""
    if _GOES_ON.match(following):
        return True
    first = re.match(r"([A-Z][\w-]+?)(?:['’]s)?\b", following)
    return bool(first) and gazetteer.is_any_given_name(first.group(1)) and \
        re.search(rf"\b{re.escape(first.group(1))}\b", sentence) is not None


def _newcomer_after(parsed, index: int, forms: dict[str, set[str]]) -> str | None:
    """The speaker of the next turn, when they have not spoken before and no name of theirs is known (`Speaker 4`
    of an Otter export): the one just introduced."""
    if index + 1 >= len(parsed.turns):
        return None
    nxt = parsed.turns[index + 1].speaker
    if nxt not in forms or forms[nxt] or nxt == parsed.turns[index].speaker or nxt == "Unlabelled":
        return None
    return None if any(t.speaker == nxt for t in parsed.turns[:index + 1]) else nxt


def _asking_newcomer(parsed, index: int, forms: dict[str, set[str]]) -> str | None:
    """When the introducing turn goes on to ask the room something, a resident answers first; the worker is the
    one nameless newcomer of the next few turns who opens by asking ("Callum's here fae the early years team... Orla's
    three now, is she?" - `Speaker 3` answers, then `Speaker 2`: "Has she got a place anywhere yet?")."""
    seen = {t.speaker for t in parsed.turns[:index + 1]}
    askers = []
    for turn in parsed.turns[index + 1:index + 9]:
        s = turn.speaker
        if s in seen:
            continue
        seen.add(s)
        if s in forms and not forms[s] and s != "Unlabelled" and "?" in turn.text:
            askers.append(s)
    return askers[0] if len(askers) == 1 else None


def _names_someone(sentence: str) -> bool:
    return any(gazetteer.is_any_given_name(w) for w in re.findall(r"\b[A-Z][a-z]{2,}\b", sentence))


def sits_in(parsed, speaker: str) -> bool:
    """Does this speaker say they are only there beside the one who asks ("I'm just sitting in on the visit")?"""
    return any(_SELF_PRESENT.search(t.text) for t in parsed.turns if t.speaker == speaker)


def _name_forms(parsed, s: str, undecided: list[str]) -> set[str]:
    """How speech may name the speaker labelled `s`: the label's given name (`Gary H` -> Gary), a title's
    surname (`Mrs Garvie` -> Garvie), the given name a key line or Teams gives; for initials with no key, any
    given name in the text whose first letter no other undecided initials share (`IW` -> Iain)."""
    if role_word(s):
        return set()
    bare = re.sub(r"\s*[(\[].*?[)\]]", "", s).strip()
    forms: set[str] = set()
    full = (getattr(parsed, "speaker_names", {}) or {}).get(s, "")
    if "," in bare:  # Teams' `Meikle, Kirsteen`
        bare = bare.partition(",")[2].strip()
    words = bare.split()
    if words and words[0].lower().rstrip(".") in _TITLES and len(words) >= 2:
        forms.add(words[-1])
    elif is_initials(s):
        if full:
            forms.add(full.split()[0])
        elif sum(1 for u in undecided if is_initials(u) and u[:1] == s[:1]) == 1:
            forms |= _given_names_starting(parsed, s[:1])
    elif words and words[0][:1].isupper() and (len(words) == 1 or gazetteer.is_any_given_name(words[0])):
        forms.add(words[0])  # `Steph`, `Gary H`, `Craig Dunnet (East End HA)`; not `Leanne's Phone`
    if full and not is_initials(s):
        forms.add(full.split()[0])
    return _with_short_forms(forms or (set() if is_initials(s) else _given_by_speaker(parsed, s)))


def _with_short_forms(forms: set[str]) -> set[str]:
    """The forms and the short forms surely the same person's ("Dee's on too" for `Cassidy, Deirdre`)."""
    forms = forms | {f.capitalize() for name in forms if gazetteer.is_any_given_name(name)
                     for f in gazetteer.close_forms(name)}
    return {f for f in forms if len(f) >= 2}


def _given_by_speaker(parsed, s: str) -> set[str]:
    """A name the speaker of a nameless label (`iPhone`, `Speaker 4`) gives as theirs in their first two turns."""
    turns = [t.text for t in parsed.turns if t.speaker == s][:2]
    names = {m.group(1) for text in turns for m in _GIVES_NAME.finditer(text)}
    return {n for n in names if gazetteer.is_any_given_name(n) and not gazetteer.is_everyday_word(n)}


def _given_names_starting(parsed, letter: str) -> set[str]:
    words = {w for t in parsed.turns for w in re.findall(rf"\b{re.escape(letter)}[a-z]{{2,}}\b", t.text)}
    return {w for w in words if gazetteer.is_any_given_name(w)}
