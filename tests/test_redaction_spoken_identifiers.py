"""Identifiers as people say and write them in interviews: numbers said aloud, flats and rooms, postcode districts."""
from __future__ import annotations

import pytest

from triangulate.residents import nlp

pytestmark = pytest.mark.slow  # loads spaCy once per process


def redact(text: str):
    (turn,), _ = nlp.process([text], [1], ["Resident 1"])
    return turn


@pytest.mark.parametrize("text, secret, category", [
    ("It's oh seven nine five six, two oh three, seven seven one. Only my sister has it.",
     "seven seven one", "PHONE"),
    ("Ring me on zero one four one, double four five, six seven eight nine, any time.", "six seven eight", "PHONE"),
    ("It's J K, three four, one two, five six, C, I could sing it.", "three four, one two", "NI NUMBER"),
    ("My NI number, JT forty-four, seventy-one, ninety-two, B, I dream in it.", "seventy-one", "NI NUMBER"),
    ("She's at top floor left, 48 Whitevale Street, G31 1QP now.", "top floor left", "ADDRESS"),
    ("Her last address was room 14, Morrisdale House, Gallowgate, but she moved.", "Morrisdale House", "ADDRESS"),
    ("Post goes care of 41B Whitacre Road, Glasgow G52 3LT, my auntie's.", "Glasgow G52", "ADDRESS"),
    ("Folk come fae up the G33 end for the pantry.", "G33", "POSTCODE"),
    ("National insurance, it's T, W, nine, eight, seven, six, five, four, A.", "seven, six", "NI NUMBER"),
    ("NI is M K double three, eight oh, one two, D, aye.", "double three", "NI NUMBER"),
    ("He was born on the 4th of June two thousand and twelve, a Monday.", "two thousand and twelve", "DOB"),
    ("It's J-K, four-seven, one-one, nine-three, A. And email me.", "four-seven", "NI NUMBER"),
    ("I'm at Flat 1, 88 Roystonhill, G21 2HX. Chap loud, I'm deaf.", "88 Roystonhill", "ADDRESS"),
    ("DOB: 2019-06-09 on her passport, no the 6th.", "2019-06-09", "DOB"),
    ("He's a 2016 baby, the year the floods came.", "2016", "DOB"),
    ("My date o' birth's the ninth o' the third, eighty-nine if they ask.", "eighty-nine", "DOB"),
    ("He'll be nine next week, 30th November 2015. He was born wi' a heart condition.", "2015", "DOB"),
    ("He's sixteen in a fortnight. The twenty-first of March oh-nine. Then it stopped.", "oh-nine", "DOB"),
])
def test_said_and_written_identifiers_are_redacted(text, secret, category):
    turn = redact(text)
    assert secret not in turn.text
    assert f"[{category} 1]" in turn.text


@pytest.mark.parametrize("text", [
    "Oh aye, one or two of them came, maybe three.",  # digits in talk, not a number said aloud
    "We were on the M8 and then the A77, it took two hours.",  # roads are no postcode districts
    "I was in Room 101 at the job centre, the one with the chairs.",  # a room with no building named
    "We got the A, B, one, two, three of it at the group, aye.",  # letters and counting, no NI number
    "The 2016 floods took the bridge, 14 of us were stuck.",  # a year that is no birth
    "She's three and the hearing is on the 5th of June 2025, up the Sheriff Court.",  # an age, then an event
])
def test_talk_that_only_looks_like_an_identifier_stays(text):
    assert redact(text).text == text


def test_a_birth_date_answered_in_the_next_turn_is_redacted_whatever_its_case():
    turns, _ = nlp.process(["And your date of birth?", "Ninth of January, 1994. Don't put my age in."], [1, 2],
                           ["I", "R"])
    assert turns[1].text == "[DOB 1]. Don't put my age in."
    turns, _ = nlp.process(["What's the best day for the group?", "Ninth of January, 2025, a Thursday."], [1, 2],
                           ["I", "R"])
    assert "January" in turns[1].text  # no birth asked about: a date, not a birth date


def test_a_birth_date_said_as_three_numbers_in_answer_to_the_question():
    turns, _ = nlp.process(["And his date of birth?", "Nineteen, four, ninety-five. Write it doon."], [1, 2],
                           ["I", "R"])
    assert turns[1].text == "[DOB 1]. Write it doon."
    turns, _ = nlp.process(["How many weans came?", "Two, three, four of them, then the rest."], [1, 2], ["I", "R"])
    assert "[DOB" not in turns[1].text


def test_a_birth_date_said_again_is_redacted_but_other_dates_beside_it_stay():
    (turn,), _ = nlp.process(["6/6/92. Six-six-ninety-two, easy. Born the fourth of the seventh, seventeen."], [1],
                             ["R"])
    assert turn.text == "[DOB 1]. [DOB 2], easy. Born [DOB 3]."
    (turn,), _ = nlp.process(["There's a court date on the 9th of April. The papers say d.o.b. 11/08/20."], [1], ["R"])
    assert "9th of April" in turn.text and "11/08/20" not in turn.text


def test_a_birth_year_or_day_of_a_numbered_month_given_as_the_answer():
    turns, _ = nlp.process(["Can I take your date of birth?", "I'm 1988. The 4th of the 8th. Write it however."],
                           [1, 2], ["I", "R"])
    assert turns[1].text == "I'm [DOB 1]. [DOB 2]. Write it however."
    (turn,), _ = nlp.process(["Jax is a July 2018 baby, a summer wean."], [1], ["R"])
    assert "2018" not in turn.text and "July" not in turn.text


def test_a_birthday_said_month_first_with_an_ordinal_word():
    (turn,), _ = nlp.process(["Her birthday's April the ninth as well, before you ask."], [1], ["R"])
    assert turn.text == "Her birthday's [DOB 1] as well, before you ask."
    (turn,), _ = nlp.process(["April the ninth we went to the beach at Largs."], [1], ["R"])
    assert "April the ninth" in turn.text  # no birth spoken of: a day out


def test_a_month_said_as_its_number_and_a_person_who_is_a_full_date():
    (turn,), _ = nlp.process(["Fourteenth of the sixth, sixty-five. Harris is the 27th of May 2018, the wee one."],
                             [1], ["R"])
    assert "sixth" not in turn.text and "May 2018" not in turn.text and "the wee one" in turn.text
    (turn,), _ = nlp.process(["We moved on the 3rd of March 2024, a Monday."], [1], ["R"])
    assert "3rd of March 2024" in turn.text  # an event's date, no birth spoken of


def test_a_birth_cue_earlier_in_the_turn_reaches_a_date_with_a_spoken_year():
    (turn,), _ = nlp.process(["She was born in the Princess Royal. On the 9th of the January, 2015. Born twelfth "
                              "of December eighty-one, me. Mustafa is born 1391, in our calendar."], [1], ["R"])
    assert "2015" not in turn.text and "eighty-one" not in turn.text and "1391" not in turn.text


def test_an_ni_number_spelled_with_the_phonetic_alphabet_or_letter_names():
    (turn,), _ = nlp.process(["Tango Kilo five one nine two zero four Alpha. Or jay double-u five oh seven one "
                              "three three bee, like ten times."], [1], ["R"])
    assert turn.text == "[NI NUMBER 1]. Or [NI NUMBER 2], like ten times."


def test_a_spoken_year_of_the_forties_to_sixties_and_a_postcode_sector():
    (turn,), _ = nlp.process(["Born nineteen fifty-two, so work it out. G21 2, I forget the rest. Bus 2 at 2pm."],
                             [1], ["R"])
    assert "fifty-two" not in turn.text and "G21 2" not in turn.text and "Bus 2 at 2pm" in turn.text
    turns, _ = nlp.process(["And your date of birth?", "Third of April seventy-nine. Put me down."], [1, 2],
                           ["I", "R"])
    assert turns[1].text == "[DOB 1]. Put me down."


def test_a_birth_month_and_year_then_the_day():
    (turn,), _ = nlp.process(["Kai is ten, born March 2015, the seventh. Joy was born in January 2024, the 9th."],
                             [1], ["R"])
    assert "2015" not in turn.text and "the seventh" not in turn.text and "the 9th" not in turn.text


def test_a_list_of_who_was_born_when_other_calendars_and_a_date_before_the_birth():
    (turn,), _ = nlp.process(["Feven, 14 March 2015. Nahom, 2 August 2020, he was born in Khartoum."], [1], ["R"])
    assert "2015" not in turn.text and "2020" not in turn.text
    (turn,), _ = nlp.process(["On my Polish ID it says 12 lipca 1989. It says Tir 12, 2010 on his."], [1], ["R"])
    assert "lipca" not in turn.text and "2010" not in turn.text
    (turn,), _ = nlp.process(["His real birthday is the 17th of Ramadan, she says. Born Hallowe'en 2021, the wee one."],
                             [1], ["R"])
    assert "17th" not in turn.text and "2021" not in turn.text
    # a date that is no birth stays, after a reply word or a weekday, or with a hearing
    for text in ("Aye, 14 March 2025 is the hearing.", "Monday, 3rd of June 2024 we moved.",
                 "The tribunal, 5 June 2024, went badly."):
        (turn,), _ = nlp.process([text], [1], ["R"])
        assert turn.text == text


def test_a_year_first_or_a_month_and_year_answering_a_birth_question():
    turns, _ = nlp.process(["And the weans' dates of birth?", "Rocco, 2013, the first of May. Bonnie, March 2010."],
                           [1, 2], ["I", "R"])
    assert "2013" not in turns[1].text and "2010" not in turns[1].text and "March" not in turns[1].text


@pytest.mark.parametrize("text, secret, category", [
    ("Postcode's G, three, one, three, E, L. When ye come up the close.", "three, E, L", "POSTCODE"),
    ("And the postcode, G42, eight, R for Romeo, T for Tango. My son taught me.", "Romeo", "POSTCODE"),
    ("The postcode is G forty-three, one, Q, N. Q like queen.", "forty-three, one", "POSTCODE"),
    ("The email, it's g-e-m-m-a dot t, eight seven, at hotmail dot co dot uk. Aw wan word.", "g-e-m-m-a", "EMAIL"),
    ("Mine's d kerrigan eighty-four at outlook dot com, all one word.", "kerrigan eighty-four", "EMAIL"),
    ("Her email is s-h-a-z-i-a dot i-q-b-a-l, eight eight, at yahoo dot co dot uk.", "i-q-b-a-l", "EMAIL"),
    ("My number's oh seven three nine five, forty-two, sixty-one, eighty-seven, text me.", "sixty-one", "PHONE"),
    ("Top left, 27 Ardoch Street, that's us, nae lift.", "Ardoch Street", "ADDRESS"),
    ("1/R, 212 Allison Street. First floor, on the right side.", "212 Allison", "ADDRESS"),
    ("Aria-Rose was a Christmas Eve baby, so that's her birthday and Christmas in one.", "Christmas Eve", "DOB"),
    ("Born in 2020, in the lockdown. Twenty-third of November.", "Twenty-third", "DOB"),
    ("21st of June 1988. Same birthday as Prince William, my wife says.", "1988", "DOB"),
    ("Steven Lafferty. Third of August, eighty-nine.", "eighty-nine", "DOB"),
])
def test_postcodes_and_emails_said_a_character_at_a_time_and_more_birth_dates(text, secret, category):
    turn = redact(text)
    assert secret not in turn.text and f"[{category} 1]" in turn.text


@pytest.mark.parametrize("text, kept", [
    ("Oh, two, three, four, five, forty, fifty quid for the lot.", "forty, fifty"),  # counting money, no phone
    ("I'll meet you at the hub dot com, no, the hub itself.", "you at the hub"),  # "you at" is no e-mail address
    ("She was born here and the hearing is on the 5th of June.", "5th of June"),  # a birth, then an event's date
    ("Thanks, Jean. See you on the 5th of June 2025 then.", "5th of June 2025"),  # an appointment after a name
])
def test_talk_near_those_forms_stays(text, kept):
    assert kept in redact(text).text


def test_a_person_who_is_a_day_and_month_and_a_day_said_again_in_a_birth_date_turn():
    (turn,), _ = nlp.process(["Naw, that's wrang. He's the fourteenth of April. Somebody's missed a one aff."], [1],
                             ["R"])
    assert "fourteenth" not in turn.text
    (turn,), _ = nlp.process(["He was born on the 3rd of May 2019. Third of May, aye, and the hearing's on the 9th of "
                              "April."], [1], ["R"])
    assert "Third of May" not in turn.text and "9th of April" in turn.text
    (turn,), _ = nlp.process(["She's the 5th of June at the dentist, mind."], [1], ["R"])
    assert "5th of June" in turn.text  # an appointment, not a birthday


@pytest.mark.parametrize("text, secret, category", [
    ("And the postcode's G thirty-three, five D Y.", "five D Y", "POSTCODE"),
    ("Postcode g fifteen, seven l q.", "seven l q", "POSTCODE"),  # in an automatic transcript's lower case
    ("Mine's S for sugar, L for London, six three oh eight two five, D for dog.", "D for dog", "NI NUMBER"),
    ("S as in Sierra, P as in Papa, twenty-seven, sixty-three, ninety-one, C as in Charlie.", "Charlie", "NI NUMBER"),
    ("It's i dot bashir at cranhillhousing dot org dot uk.", "i dot bashir", "EMAIL"),
    ("I will spell it. m a g d a, dot, k, eight five, at, w p, dot, p l.", "m a g d a", "EMAIL"),
    ("It's two up right, 47 Auchenlea Street, the close wi' the broken buzzer.", "two up right", "ADDRESS"),
    ("The address is first floor, right side, 19 Birkenshaw Way.", "right side", "ADDRESS"),
    ("Three up, left-hand door, 112 Lochend Terrace.", "left-hand door", "ADDRESS"),
    ("So that's flat 2/2 on the form?", "2/2", "ADDRESS"),
    ("Yeah, three stroke one, the one wi' the blue door.", "three stroke one", "ADDRESS"),
    ("Sometimes. It's Room 14, 220 Maryhill Road, but the reception lose half o' it.", "Room 14", "ADDRESS"),
    ("Officially it's Room 14, the Kestrel Lodge, 118 Lochgoin Street.", "Kestrel Lodge", "ADDRESS"),
    ("And still Flat 2/2, 47 Kelvinside Gardens East?", "Gardens East", "ADDRESS"),
    ("It's two up, left. The buzzer's broke.", "two up, left", "ADDRESS"),
    ("So care of Mrs Dalgleish, Rowanlea, 4 Glenbervie Road, Stepps.", "Rowanlea", "ADDRESS"),
    ("It's typed that as 0/1 23 duntreath court, I'll tidy it up.", "duntreath", "ADDRESS"),
    ("Put mine doon as the emergency contact. Nine five four, one double two six.", "double two six", "PHONE"),
    ("The mobile I never have charged, but it's 07731, 48, 92, 06.", "48, 92", "PHONE"),
    ("Born here, in the Queen Elizabeth. Nine, nine, twenty twenty-four.", "Nine, nine", "DOB"),
    ("She is eleven, born twelve, zero three, two thousand fourteen.", "zero three", "DOB"),
    ("He was a Hallowe'en baby. Hallowe'en 2017. The midwife had a witch's hat on.", "2017", "DOB"),
    ("He is nine, in P5. He was born here, April 2016, at the old Southern General.", "April 2016", "DOB"),
    ("I'm only thirty masel, I was born in ninety-five, and I feel about a hundred.", "ninety-five", "DOB"),
    ("She was born the year my da died, so 1988, aye.", "1988", "DOB"),
    ("It's Jamie's birthday in December, he'll be ten. The sixth. I put a tenner away.", "sixth", "DOB"),
])
def test_flats_spoken_postcodes_ni_letters_spelt_emails_and_local_numbers(text, secret, category):
    turn = redact(text)
    assert secret not in turn.text and f"[{category} 1]" in turn.text


@pytest.mark.parametrize("text, kept", [
    ("Nine, eight, seven, six, five, four, three, two, one, happy new year!", "seven, six, five"),  # a countdown
    ("Oh oh oh oh oh oh oh, no way.", "oh oh oh"),
    ("I walked 2 more streets and took the 3 main roads.", "2 more streets"),
    ("The N H S and the D W P were no help.", "D W P"),  # letters of an acronym are no one's name
    ("I was born in Aleppo and we came here in 2016.", "2016"),  # the year they came, not a birth
    ("The older ones were born before April 2017, so the limit's off.", "April 2017"),  # a rule's date
])
def test_counting_streets_and_acronyms_stay(text, kept):
    assert kept in redact(text).text


def test_a_name_spelt_out_is_the_person_it_spells():
    (one, two), _ = nlp.process(["Dale Ferrie, that's F E R R I E.", "Jeanette Quigley. Q-U-I-G-L-E-Y."], [1, 2],
                                ["R", "R"])
    assert "F E R R I E" not in one.text and "Q-U-I-G-L-E-Y" not in two.text
    pseudonyms = {r.original: r.pseudonym for t in (one, two) for r in t.redactions}
    assert pseudonyms["F E R R I E"] == pseudonyms["Dale Ferrie"] != pseudonyms["Q-U-I-G-L-E-Y"], pseudonyms
    assert nlp.spelt_name("A L, dash, K H A T I B") == "Al-Khatib"


def test_a_follow_up_question_keeps_the_birth_question_open():
    turns, _ = nlp.process(["Kirsty, are you okay giving me your date of birth?", "Nineteen, four, ninety-five.",
                            "And Stuart?", "Six-six-ninety-two, easy.", "And yourself, just for the voucher?",
                            "Me? Second o' July, nineteen ninety.", "What's Cody's date of birth?",
                            "Twelve, nine, thirteen.", "Did the school phone you?", "Aye, on the ninth of May."],
                           list(range(1, 11)), ["I", "R"] * 5)
    assert "Six-six" not in turns[3].text and "July" not in turns[5].text and "Twelve, nine" not in turns[7].text
    assert "ninth of May" in turns[9].text  # another question came between: no birth date


def test_a_house_name_an_address_gave_is_redacted_where_it_stands_alone():
    (one, two), _ = nlp.process(["So care of Mrs Dalgleish, Rowanlea, 4 Glenbervie Road, Stepps.",
                                 "Aye, and the letters will go to Rowanlea from now on."], [1, 2], ["I", "R"])
    assert "Rowanlea" not in one.text and "Rowanlea" not in two.text and "[ADDRESS" in two.text


def assert_redacted(text: str, secret: str) -> None:
    turn = redact(text)
    assert secret not in turn.text, (turn.text, [(r.original, r.category) for r in turn.redactions])


def redact_turns(*texts):
    turns, _ = nlp.process(list(texts), list(range(1, len(texts) + 1)), ["Interviewer", "Respondent"] * len(texts))
    return turns


@pytest.mark.parametrize("text, secret", [
    ("I'm a nineteen sixty-two baby, so the pension's a while off yet.", "nineteen sixty-two"),
    ("And she's June the eleventh. Her party's always rained off.", "June the eleventh"),
    ("She was born October the 9th, 2020. Two weeks early.", "October the 9th, 2020"),
    ("I'm seventeen in June. The fourteenth of June. Then I'm off to college.", "fourteenth of June"),
    ("Finn's four. Five on the 19th of November, and he's counting.", "19th of November"),
    ("Wee Ross was born the fourth of March twenty-three, so he's no at the nursery yet.", "twenty-three"),
    ("On her papers it says Daria, 17 travnia 2011, and Ilinca, 3 decembrie 2018.", "travnia 2011"),
])
def test_birthdays_by_month_first_by_the_age_they_bring_and_a_year_in_words_before_baby(text, secret):
    assert_redacted(text, secret)


def test_a_year_said_alone_answers_a_birth_question():
    asked, answer = redact_turns("And when was Cody born?", "Twenty-twenty. He's five at Easter.")
    assert "Twenty-twenty" not in answer.text, answer.text


@pytest.mark.parametrize("text", [
    "There were six on the 3rd of January at the meeting. We had twelve in May. The fourth of June was busy.",
    "The rent went up April the third, and the letter came in 2023.",
])
def test_dates_of_events_stay(text):
    assert redact(text).text == text


@pytest.mark.parametrize("text, secret", [
    ("Current address is Room 19, Kelvinbrae House, 88 Dunbeith Street, G20 7PX, for now.", "88 Dunbeith"),
    ("Previous address 5 Inchgarvie Place, top right, G15 6SB. Both right?", "top right"),
    ("We're in lower cottage flat, 31 Fernoch Drive, in Knightswood.", "lower cottage flat"),
    ("She says it's two stair left, 19 Carrickvale Street, near the school.", "two stair left"),
    ("They moved to flat two up left, 63 Lochinvar Street, because of the damp.", "flat two up left"),
    ("It's 3/2 on the buzzer. Three up, middle door, the one wi' the broken buzzer.", "middle door"),
    ("Mobile's 07 71 52 39 846, that's the way it's written on the fridge.", "52 39 846"),
])
def test_flats_said_round_an_address_and_phones_written_in_wee_bits(text, secret):
    assert_redacted(text, secret)


def test_birth_dates_answered_month_first_by_a_feast_last_year_or_as_an_automatic_transcript_types_them():
    turns = redact_turns("And when was Shannon born?", "July thirtieth, last year. The hottest day.",
                         "And the baby?", "The baby was Bonfire Night last year.", "Date of birth?", "19 4 87.")
    text = " ".join(t.text for t in turns)
    for secret in ("thirtieth", "Bonfire Night", "19 4 87"):
        assert secret not in text, text


def test_the_date_officials_give_everybody_stays_but_a_persons_own_first_of_january_goes():
    turns = redact_turns("Date of birth for the boy?", "On his papers it is 01/01/2016, because they just write the "
                         "first of January. Half the guys at my work are first of January.", "And yours?",
                         "The first of January. First of January 1990.")
    assert "they just write the first of January" in turns[1].text and "01/01/2016" not in turns[1].text
    assert "1990" not in turns[3].text and turns[3].text.count("January") == 0, turns[3].text


@pytest.mark.parametrize("text, secret", [
    ("Now I have flat. Flat 1/L, 112 Dalcraig Street. Three rooms.", "1/L"),
    ("Before, it was 14 Lochend Brae, Cumbernauld, my auntie's.", "Cumbernauld"),
    ("The B&B was Room 14, the Avonlea, 77 Kelburne Street. One room.", "Avonlea"),
    ("Yafet is born in Khartoum. Twelve June 2020.", "Twelve June"),
    ("Alfie was born on Easter Monday, 2021, in the Princess Royal.", "Easter Monday"),
    ("Ellis was born the day before Hogmanay, 2011. Worst birthday in the world.", "Hogmanay"),
    ("And KJ is the 23rd of October 2015. Halloween week.", "23rd of October"),
])
def test_flats_by_letter_towns_round_glasgow_hotels_by_name_and_birthdays_by_feast_or_cardinal_day(text, secret):
    assert_redacted(text, secret)


def test_a_feast_or_a_town_with_no_birth_or_address_stays():
    text = "The shop shuts the day before Hogmanay. We went to Hamilton on Easter Monday."
    assert redact(text).text == text
