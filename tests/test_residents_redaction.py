"""Redaction: people and identifiers replaced by consistent pseudonyms; Glasgow places and benefits kept."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triangulate.residents import nlp

pytestmark = pytest.mark.slow  # loads spaCy once per process


def redact(*texts, speakers=None, **kwargs):
    turns, speaker_map = nlp.process(list(texts), list(range(1, len(texts) + 1)),
                                     speakers or ["Resident 1"] * len(texts), **kwargs)
    return turns, speaker_map


def test_identifiers_are_replaced_and_places_kept():
    (turn,), _ = redact(
        "I'm Margaret Boyle from Govan. Phone 07700 900461 or 0141 496 0218, email margaret.b@example.com. "
        "We stay at 27 Harmony Row, G51 3XY. My NI number is QQ 12 34 56 C and I was born on 12/03/1984. "
        "My sister in Castlemilk gets Universal Credit and the Scottish Child Payment.")
    text = turn.text
    for secret in ["Margaret", "Boyle", "07700", "0141 496", "example.com", "27 Harmony Row", "G51 3XY",
                   "QQ 12", "12/03/1984"]:
        assert secret not in text, secret
    for kept in ["Govan", "Castlemilk", "Universal Credit", "Scottish Child Payment"]:
        assert kept in text, kept
    rules = {r.rule for r in turn.redactions}
    assert {"phone", "email", "address", "ni_number", "dob"} <= rules  # the postcode goes with its address
    assert "[PHONE 1]" in text and "[PHONE 2]" in text and "[ADDRESS 1]" in text


def test_pseudonyms_are_consistent_across_turns_and_speaker_labels():
    turns, speaker_map = redact("Jean said the damp was bad. Jean Wallace phoned them.",
                                "Aye, Jean is right, and Tam agrees.", "Interviewer here.",
                                speakers=["Jean", "Tam", "Interviewer"])
    assert speaker_map["Interviewer"] == "Interviewer"
    jean = speaker_map["Jean"]
    assert jean.startswith("[PERSON") and jean in turns[0].text and jean in turns[1].text
    assert turns[0].text.count(jean) == 2 and speaker_map["Tam"] != jean
    assert speaker_map["Tam"] in turns[1].text


def test_a_speaker_called_will_leaves_the_verb_will_alone():
    """A word name learned as a name ("Thanks, Will.") is the person in lower case only where it is used as a
    name, never as the verb or modal it also is ("we will need", "the prices rose", "I hope so")."""
    turns, speaker_map = redact("Thanks for coming, Will. And Rose, is it?",
                                "Aye. I will tell you. We will need to move. Rose is my wife, the prices rose.",
                                speakers=["Interviewer", "Will Brown"])
    will = speaker_map["Will Brown"]
    assert will in turns[0].text and "Will" not in turns[0].text and "Rose" not in turns[0].text
    assert "I will tell you. We will need to move." in turns[1].text
    assert "the prices rose" in turns[1].text and "Rose is" not in turns[1].text


def test_every_ward_and_neighbourhood_survives():
    for place in ["Govan", "Ibrox", "Cessnock", "Kinning Park", "Drumoyne", "Linthouse", "Castlemilk",
                  "Easterhouse", "Drumchapel", "Pollok", "Calton", "Bridgeton", "Dalmarnock", "Springburn",
                  "Possilpark", "Gorbals", "Toryglen", "Greater Pollok", "Springburn/Robroyston"]:
        (turn,), _ = redact(f"We moved to {place} last year and {place} is fine.")
        assert turn.text.count(place) == 2 and not turn.redactions, place


def test_allow_and_always_lists():
    (turn,), _ = redact("Big Senga at the shop and Mrs Doherty were kind.", always=["Big Senga"], allow=["Doherty"])
    assert "Big Senga" not in turn.text and "[REDACTED 1]" in turn.text
    assert "Doherty" in turn.text


def test_stored_report_never_holds_the_original_words():
    (turn,), speaker_map = redact("Call Tam on 07700 900733.")
    report = nlp.stored_report(turn.redactions, speaker_map)
    assert report["total"] == len(turn.redactions) >= 2
    assert "07700" not in str(report) and "Tam" not in str(report)
    assert "phone" in report["by_rule"] and set(report["by_rule"]) & {"spacy_person", "found_elsewhere"}


def test_sentences_carry_lemmas_entities_and_noun_chunks():
    (turn,), _ = redact("The buses in Govan are never on time. Universal Credit does not cover the rent.")
    lemmas = [lemma for s in turn.sentences for lemma in s.lemmas]
    assert "bus" in lemmas and "rent" in lemmas
    entities = [e for s in turn.sentences for e in s.entities]
    assert ["Govan", "GPE"] in entities and ["Universal Credit", "BENEFIT"] in entities
    assert any("bus" in c for s in turn.sentences for c in s.noun_chunks)


@settings(max_examples=40, deadline=None)
@given(number=st.from_regex(r"07[0-9]{3} [0-9]{6}", fullmatch=True),
       email=st.from_regex(r"[a-z]{3,8}\.[a-z]{2,6}@[a-z]{3,8}\.(com|org|co\.uk)", fullmatch=True))
def test_generated_phones_and_emails_never_survive(number, email):
    (turn,), _ = redact(f"You can get me on {number}, or write to {email} any time.")
    assert number not in turn.text and email not in turn.text


def test_a_turns_text_is_kept_once_and_is_spacys():
    """names.doc_text keeps the turn's text in the Doc (spaCy joins every token again at each `doc.text`)."""
    from triangulate.residents import names

    doc = nlp.pipeline()("Wee Paisley, she's four.  And Jean  telt me  about it.")
    assert names.doc_text(doc) == doc.text
    assert names.doc_text(doc) is names.doc_text(doc)


def test_sentences_keep_their_noun_chunks_when_the_docs_are_found_once():
    """_sentence with the Doc's noun chunks found once per turn gives what Span.noun_chunks gives per sentence."""
    doc = nlp.pipeline()("The housing officer came round. My wee boy and his pal went to the new school in Govan. "
                         "The rent went up again and the heating is off most days.")
    chunks = list(doc.noun_chunks)
    for sent in doc.sents:
        assert nlp._sentence(sent, [], chunks) == nlp._sentence(sent, [])


def test_a_turns_people_are_found_once_and_used_by_both_passes():
    """The model's and the cues' people in a turn are found once (learning names, then redacting), with the same
    redaction as finding them twice would give."""
    turns, _ = redact("My wee boy Jayden and Shannon's dad came round.", "Jayden was off school again.")
    assert "Jayden" not in turns[0].text and "Jayden" not in turns[1].text and "Shannon" not in turns[0].text
