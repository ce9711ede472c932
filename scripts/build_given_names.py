"""Write triangulate/data/redaction/given_names_wide.txt: given names from many countries, for redaction recall.

The hand-written `first_names.txt` holds the names and Scots short forms Glasgow speech uses most; names
outside it are missed when a speaker writes them in lower case ("my husband bilal drives a taxi", "eilidh
eats me oot of house and home"), where the model sees no proper noun. This script widens the list with the
first-name tables of Faker (MIT licence, https://github.com/joke2k/faker) for the languages and countries of
Glasgow's families, plus a few Scottish and Gaelic names written here, and drops every name that is also an
English word (the spaCy lemmatizer's own word list: "dean", "holly", "grant", "summer"), a Scots or filler
word, a kept place, service or benefit, or already in `first_names.txt`. A word name stays a name only where
the model or a context cue says so.

Faker is not a dependency of the product: install it anywhere and point PYTHONPATH at it, e.g.

    pip install --target /tmp/faker 'faker==40.54.0'
    PYTHONPATH=/tmp/faker:. .venv/bin/python scripts/build_given_names.py
"""
from __future__ import annotations

import importlib
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "triangulate" / "data" / "redaction" / "given_names_wide.txt"
SURNAMES = ROOT / "triangulate" / "data" / "redaction" / "surnames_common.txt"
SURNAME_LOCALES = ("en_GB", "en_IE", "en_NZ", "en_US")
# Faker person providers: the UK and Ireland, and the countries Glasgow's newer families come from.
LOCALES = ("en_GB", "en_IE", "ga_IE", "en_US", "en_NZ", "en_PK", "en_IN", "en_NG", "yo_NG", "ig_NG", "ha_NG",
           "tw_GH", "sw", "zu_ZA", "pl_PL", "ro_RO", "sk_SK", "cs_CZ", "lt_LT", "lv_LV", "hu_HU", "pt_PT",
           "es_ES", "it_IT", "fr_FR", "tr_TR",
           # widened on 2026-12-01 to more of the places Glasgow's newer families come from: the Balkans, Latin
           # America, East Africa, Central and South-East Asia (accents folded: transcripts often drop them). The
           # German and Nordic tables were tried and left out: they added more words than names ("Else", "Claes").
           "hr_HR", "sl_SI", "es_MX", "pt_BR", "en_KE", "az_AZ", "uz_UZ", "vi_VN")
# Tables in Cyrillic, read in Latin letters as Ukrainian and Russian names are written in English (Mykola, Olha)
CYRILLIC_LOCALES = {"uk_UA": "uk", "ru_RU": "ru", "bg_BG": "ru", "mk_MK": "ru"}
_CYRILLIC = {
    "common": dict(zip("абвдезклмнопрстуфь", ["a", "b", "v", "d", "e", "z", "k", "l", "m", "n", "o", "p", "r", "s",
                                              "t", "u", "f", ""])) | {
        "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "yu", "я": "ya", "ъ": "",
        "ѓ": "g", "ќ": "k", "љ": "lj", "њ": "nj", "џ": "dzh", "ѕ": "dz", "ј": "j"},
    "uk": {"г": "h", "ґ": "g", "и": "y", "і": "i", "ї": "yi", "й": "i", "є": "ye"},
    "ru": {"г": "g", "и": "i", "й": "y", "ы": "y", "э": "e", "ё": "yo", "і": "i"},
}
# Scottish and Gaelic given names and spellings, and common names of Glasgow's newer communities, that the
# tables above lack (written for this project).
SCOTTISH = {
    "female": "Eilidh Iona Islay Sorcha Kirsteen Seonaid Ishbel Iseabail Catrìona Mairead Morven Rhona Shona "
              "Kirstie Kirsty Ailidh Mhairi Marsaili Peigi Oighrig Beathag Ciorstaidh Ealasaid Floraidh "
              "Lorna Elspeth Fenella Isla-Rose Ellie-Rose Ellie-Mae Lexie-Mae Kaci Kaci-Leigh Tiegan Teigan "
              "Tegan Caitlyn Caitlin Kayleigh Kelsey Jodie Demi-Leigh Shannon Jade-Louise Morgan-Leigh",
    "male": "Ruaridh Ruairidh Ruaraidh Ruairi Struan Murdo Fionn Fionnlagh Calum Callum Cailean Eòin Coinneach "
            "Domhnall Seumas Tormod Alasdair Lachie Hamish Angus Torquil Gregor Grigor Innes Fraser Lennox "
            "Keir Cammy Brodie Kenzie Mackenzie Ally Dougie Gav Stevie Stuey Jaxon Kayden Kaiden",
    # common names and short forms of Glasgow's newer communities that the tables above lack
    "female_more": "Amina Aminah Kasia Gosia Basia Zosia Ania Magda Katarzyna Malgorzata Hafsa Samira Amira Hodan "
                   "Ifrah Sahra Deqa Chioma Folake Temi Chisom Harpreet Gurpreet Jaspreet Manpreet Simran Linh "
                   "Huong Shirin Rojin Elif Zeynep Olena Iryna Svitlana Yuliia Viktoria Nasreen Shabana Rukhsana "
                   "Tahira Parveen Shazia Saima Humaira Ayan Fadumo Halima Naima",
    "male_more": "Kuba Tomek Pawel Lukasz Ionut Florin Imran Asif Amir Hussein Abdi Chidi Tunde Deepak Ravi "
                 "Sikander Navdeep Omid Reza Dariush Rebin Mustafa Mehmet Emre Oleksandr Dmytro Tariq Waqas "
                 "Zubair Shahid Nadeem Naveed Kashif Faisal Usman Adnan Abdirahman Abdikadir Mahamed",
}


def _english_words() -> frozenset[str]:
    from triangulate.residents.names import english_words

    return english_words()


def _is_word(low: str, words: frozenset[str]) -> bool:
    if low in words:
        return True
    for suffix, repl in (("s", ""), ("es", ""), ("ies", "y"), ("ing", ""), ("ed", ""), ("ly", ""), ("er", "")):
        if low.endswith(suffix) and low[:-len(suffix)] + repl in words:
            return True
    return False


def _latin(name: str, table: str | None = None) -> str:
    """A name in Latin letters without accents: Cyrillic transliterated (`table`: "uk" or "ru"), accents dropped."""
    if table:
        letters = _CYRILLIC["common"] | _CYRILLIC[table]
        name = "".join(letters.get(c.lower(), c).capitalize() if c.isupper() else letters.get(c, c) for c in name)
    plain = unicodedata.normalize("NFKD", name)
    return "".join(c for c in plain if not unicodedata.combining(c))


def collect() -> dict[str, set[str]]:
    by_gender: dict[str, set[str]] = {"female": set(), "male": set(), "either": set()}
    for locale in (*LOCALES, *CYRILLIC_LOCALES):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr, gender in (("first_names_female", "female"), ("first_names_male", "male"),
                             ("first_names", "either"), ("first_names_unisex", "either"),
                             ("first_romanized_names", "either")):
            names = getattr(provider, attr, None) or ()
            names = names.keys() if isinstance(names, dict) else names if isinstance(names, (list, tuple, set)) else ()
            by_gender[gender].update(_latin(n, CYRILLIC_LOCALES.get(locale)) for n in names)
    for locale in ("zh_CN", "zh_TW"):  # Chinese given names as written in English: pinyin
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        by_gender["either"].update(getattr(provider, "first_romanized_names", ()))
    for gender, text in SCOTTISH.items():
        by_gender[gender.removesuffix("_more")].update(text.split())
    return by_gender


def main() -> int:
    from spacy.lang.en.stop_words import STOP_WORDS

    from triangulate.residents import gazetteer

    words = _english_words()
    curated = {n.lower() for n in gazetteer.terms("first_names")}
    by_gender = collect()
    kept: dict[str, set[str]] = {"female": set(), "male": set(), "either": set()}
    for gender in ("female", "male", "either"):
        for name in by_gender[gender]:
            if not re.fullmatch(r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?", name) or len(name) < 3:
                continue  # letters only (the pattern matcher folds case, not accents), at least three
            low = name.lower()
            if low in curated or low in STOP_WORDS or _is_word(low, words) or gazetteer.is_everyday_word(low) or \
                    gazetteer.is_word_name(low) or gazetteer.is_kept(low):
                continue
            if gender == "either" and (name in by_gender["female"] or name in by_gender["male"]):
                continue
            kept[gender].add(name)
    both = kept["female"] & kept["male"]
    either = (kept["either"] | both)
    lines = [
        "# Given names from many countries, for redaction recall (generated by scripts/build_given_names.py; do",
        "# not edit by hand: add names to first_names.txt instead). Source: the first-name tables of Faker",
        "# (MIT licence) for " + ", ".join((*LOCALES, *CYRILLIC_LOCALES, "zh_CN", "zh_TW")) + " (Cyrillic and",
        "# pinyin in Latin letters, accents dropped),",
        "# plus Scottish and Gaelic names written for this project. Names that are English words, Scots or filler",
        "# words, kept places, services or benefits, or already in first_names.txt are left out.",
        "## female",
        *sorted(kept["female"] - either),
        "## male",
        *sorted(kept["male"] - either),
        "## either",
        *sorted(either),
    ]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(kept['female'] | kept['male'] | either)} names")
    surnames = set()
    for locale in SURNAME_LOCALES:
        names = getattr(importlib.import_module(f"faker.providers.person.{locale}").Provider, "last_names", ())
        surnames.update(n for n in (names.keys() if isinstance(names, dict) else names)
                        if re.fullmatch(r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?", n) and len(n) > 2
                        and not gazetteer.is_everyday_word(n))
    SURNAMES.write_text("\n".join([
        "# Surnames common in the UK and Ireland (generated by scripts/build_given_names.py from Faker's MIT",
        "# last-name tables for " + ", ".join(SURNAME_LOCALES) + "). Used only to take a lower-case surname",
        "# with the given name before it: 'jamie smith', 'kayla brown'.",
        *sorted(surnames)]) + "\n", encoding="utf-8")
    print(f"{SURNAMES.relative_to(ROOT)}: {len(surnames)} surnames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
