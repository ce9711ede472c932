"""What redaction keeps: places, organisations, benefits and everyday words that are not personal data.

The lists live as plain text under triangulate/data/redaction/ (one term a line, `#` comments) so a
researcher can read and extend them. Glasgow's wards and neighbourhoods stay in `triangulate.residents.nlp`, which
other modules import; they are merged in here.
"""
from __future__ import annotations

import re
from functools import cache, lru_cache

from triangulate.core.config import PACKAGE_DATA

FOLDER = PACKAGE_DATA / "redaction"
KINDS = ("places", "organisations", "benefits", "words", "word_names", "first_names", "given_names_wide",
         "surnames_common")


def _read(kind: str) -> list[str]:
    lines = (FOLDER / f"{kind}.txt").read_text(encoding="utf-8").splitlines()
    lines = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if kind in ("first_names", "given_names_wide"):  # written several to a line
        lines = [w for line in lines for w in line.split()]
    return list(dict.fromkeys(lines))


@lru_cache(maxsize=1 << 16)  # asked for every token by several cues: the same few thousand words again and again
def normal(text: str) -> str:
    """Lower case, one space, curly apostrophes straightened, a leading "the" and a possessive dropped."""
    text = " ".join(text.replace("’", "'").lower().split()).strip(" .,;:!?\"()[]")
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"'s?$", "", text)


@cache
def terms(kind: str) -> tuple[str, ...]:
    """The terms of one list as written (the places list also holds Glasgow's wards and neighbourhoods)."""
    if kind not in KINDS:
        raise ValueError(f"unknown gazetteer list {kind!r}; one of {', '.join(KINDS)}")
    found = _read(kind)
    if kind == "places":
        from triangulate.residents.nlp import PLACE_NAMES

        found = list(dict.fromkeys([*PLACE_NAMES, *found]))
    if kind == "benefits":
        from triangulate.residents.nlp import BENEFITS

        found = list(dict.fromkeys([*BENEFITS, *found]))
    return tuple(found)


@cache
def normalised(kind: str) -> frozenset[str]:
    return frozenset(normal(t) for t in terms(kind))


def kept_terms() -> list[tuple[str, str]]:
    """(term, kind) for every term that redaction keeps unless the file or the always-list names it."""
    return [(t, kind) for kind in ("places", "organisations", "benefits") for t in terms(kind)]


def is_place(text: str) -> bool:
    return normal(text) in normalised("places")


def is_organisation(text: str) -> bool:
    """A charity, service or brand on the organisations list ("Home-Start", "Christians Against Poverty")."""
    return normal(text) in normalised("organisations")


def is_kept(text: str) -> bool:
    """A place, organisation, service, brand or benefit: not a person, whatever the model says."""
    key = normal(text)
    return any(key in normalised(kind) for kind in ("places", "organisations", "benefits"))


def is_everyday_word(text: str) -> bool:
    """Fillers, Scots words, family words, forms of address, calendar words: never a name on their own."""
    return normal(text) in normalised("words")


def is_word_name(text: str) -> bool:
    """A name that is also an ordinary word (Will, Rose, Hope; Brown, Park): a name only with a capital."""
    return normal(text) in normalised("word_names")


def is_first_name(text: str) -> bool:
    """A given name or a short form of one (Agnes, Tam, Senga, Kenzie): a person when it stands alone."""
    return normal(text) in normalised("first_names")


def is_wide_given_name(text: str) -> bool:
    """A given name from the wider, generated list of many countries' names (given_names_wide.txt: none of
    them an English word): a person in lower case too, where a cue or the tagger says so ("bilal drives")."""
    return normal(text) in normalised("given_names_wide")


def is_any_given_name(text: str) -> bool:
    """On any of the given-name lists: first names, the wide list, or names that are also words."""
    return is_first_name(text) or is_wide_given_name(text) or is_word_name(text)


def is_common_surname(text: str) -> bool:
    """A surname common in the UK and Ireland (surnames_common.txt): "jamie smith" is one name."""
    return normal(text) in normalised("surnames_common")


@lru_cache(maxsize=1)
def _genders() -> dict[str, str]:
    """Given name -> "female" or "male", from the `## ...` sections of both name lists (names used for both
    are left out)."""
    out: dict[str, str] = {}
    ambiguous: set[str] = set()
    for kind in ("first_names", "given_names_wide"):
        section = ""
        for line in (FOLDER / f"{kind}.txt").read_text(encoding="utf-8").splitlines():
            if line.startswith("##"):
                low = line.lower()
                section = "female" if ("female" in low or "women" in low) else "male" if (
                    "male" in low or "men" in low) else ""
                continue
            if line.startswith("#") or not section:
                continue
            for word in line.split():
                key = word.lower()
                if out.get(key, section) != section:
                    ambiguous.add(key)
                out.setdefault(key, section)
    out = {k: v for k, v in out.items() if k not in ambiguous}
    # a short form on neither list is of the gender of the full names it stands for, where they agree ("Teenie":
    # Christina, Christine, Thomasina; "Wattie": Walter)
    for form, fulls in _name_table()[1].items():
        genders = {out[full] for full in fulls if full in out}
        if form not in out and form not in ambiguous and len(genders) == 1:
            out[form] = genders.pop()
    return out


def given_name_gender(text: str) -> str | None:
    """"female", "male" or None (unknown or used for both): so that "Mrs Gallacher" is not Ryan Gallacher."""
    return _genders().get(normal(text))


@lru_cache(maxsize=1)
def _name_table() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """From diminutives.txt: each given name or short form -> every form of the names it can stand for (Stevie ->
    stephen, steven, stevie, steve...), and each short form -> the full names it is short for (Stevie -> stephen,
    steven)."""
    groups: dict[str, set[str]] = {}
    formal: dict[str, set[str]] = {}
    for line in (FOLDER / "diminutives.txt").read_text(encoding="utf-8").splitlines():
        if ":" not in line or line.lstrip().startswith("#"):
            continue
        full, shorts = line.split(":", 1)
        full = full.strip().lower()
        forms = {full, *(w.lower() for w in shorts.split())}
        for form in forms:
            groups.setdefault(form, set()).update(forms)
            if form != full:
                formal.setdefault(form, set()).add(full)
    return {k: frozenset(v) for k, v in groups.items()}, {k: frozenset(v) for k, v in formal.items()}


def _name_forms() -> dict[str, frozenset[str]]:
    return _name_table()[0]


def given_name_link(a: str, b: str) -> int:
    """How surely two first names can be one person's: 3 the same name; 2 a name and its short form (David and
    Davie, Elizabeth and Betty), two short forms of one shape (Jim and Jimmy, Mags and Maggie), or the first part
    of a double name (Lily and Lily-Mae); 1 two short forms of one name that sound apart (Betty and Lizzie, Peggy
    and Maggie, Jim and Jamie: often two people); 0 no link."""
    a, b = normal(a), normal(b)
    if a == b:
        return 3
    if ("-" in a and a.split("-")[0] == b) or ("-" in b and b.split("-")[0] == a):
        return 2  # "Lily" for "Lily-Mae", "Kacey" for "Kacey-Leigh"
    forms, formal = _name_table()
    if b not in forms.get(a, ()):
        return 0
    if b in formal.get(a, ()) or a in formal.get(b, ()) or a[:3] == b[:3]:
        return 2
    return 1


@lru_cache(maxsize=1)
def _short_forms() -> frozenset[str]:
    """Every name in diminutives.txt that no dictionary has and is no everyday word (Fergie, Darek, Tarasik)."""
    from triangulate.residents.names import english_words

    words = english_words()
    return frozenset(f for f in _name_forms() if len(f) >= 3 and f not in words and not is_everyday_word(f) and
                     not is_kept(f))


def is_short_form(text: str) -> bool:
    """A pet or short form of a given name (diminutives.txt) that is no dictionary word: a person when it is
    written with a capital mid-sentence ("I tellt Fergie")."""
    return normal(text) in _short_forms()


def close_forms(name: str) -> set[str]:
    """The forms surely one person's with this first name (`given_name_link` 2): Alexander -> alex, sandy, eck..."""
    return {f for f in _name_forms().get(normal(name), ()) if given_name_link(name, f) >= 2}


def same_given_name(a: str, b: str) -> bool:
    """Could these two first names be one person's (Stevie and Stephen, Jo and Josephine)?"""
    return given_name_link(a, b) > 0
