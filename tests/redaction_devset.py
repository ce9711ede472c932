"""A small dev set of fictional Glasgow-speech snippets, written for tuning redaction (not the benchmark).

Markup: [[text]] is a personal name that must be redacted, [[text|CATEGORY]] another kind of personal
data (PHONE, EMAIL, ADDRESS, POSTCODE, NI, DOB); {{text}} must stay in the text. Each case is
(turns, names the file gives). All people, numbers and addresses are invented.
"""
from __future__ import annotations

import re

CASES: list[tuple[list[str], list[str]]] = [
    (["Yeh, so {{Universal Credit}} came in and [[Shannon]]'s on {{Universal Credit}} now, {{Hmm}}.",
      "My wee boy [[Jayden]] is seven and he loves {{Snapchat}}."], []),
    (["Her pal [[Kayleigh]] took us to the {{food bank}} at {{Govan Cross}}.",
      "{{Aye}}, wee [[Ruby]] who's only three was with us."], []),
    (["{{Nae}} point phoning {{DWP}}, they just send you to {{Atos}} or {{Capita}}."], []),
    (["We went down {{George Square}} and then up {{Buchanan Street}} for the lights.",
      "My da used to take us to {{the Barras}} on a Sunday."], []),
    (["[[Big Davie]] fae the close telt me about the {{Bedroom Tax}}.",
      "[[Davie]]'s been great to be fair."], []),
    (["[[Michelle]], can I ask about the {{Scottish Child Payment}}?",
      "Aye [[Michelle]], it's a lifeline. [[Drumm]]'s questions are always good, {{eh}}."], ["Michelle Drumm"]),
    (["I spoke to [[mcallister]] at the school and she said it was fine.",
      "[[Jamie McAllister]] is the depute head."], ["Jamie McAllister"]),
    (["[[Andrew Boyle]] runs the football and [[Andrew Smith]] does the breakfast club.",
      "Mr [[Boyle]] is brilliant with the weans."], []),
    (["Phone me on [[07700 900461|PHONE]] or the office on [[0141 496 0218|PHONE]].",
      "My email is [[jean.w@example.org|EMAIL]] if that's easier."], []),
    (["We live at [[14 Kinfauns Drive|ADDRESS]], [[G15 7TJ|POSTCODE]], up the top flat."], []),
    (["Her NI number is [[QQ 12 34 56 A|NI]] and she was born on [[4 March 1990|DOB]]."], []),
    (["She went to {{Queen Elizabeth University Hospital}} and then "
      "{{NHS Greater Glasgow and Clyde}} sent a letter."], []),
    (["{{Instagram}} and {{Facebook}} are where I see the groups, the {{Jobcentre}} never tells you anything."], []),
    (["Put that in {{Box 2}} on the form, {{Hmm}}, then {{Box 3}}."], []),
    (["{{Och}} {{naw}}, my son [[Callum]] and my daughter [[Leah]] both get {{Free School Meals}}."], []),
    (["We moved fae {{Paisley}} to {{Easterhouse}} then {{Cumbernauld}}, then back to {{Springburn}}."], []),
    (["The health visitor [[Linda]] was lovely, she came every week."], []),
    (["[[Tracy]]'s man works at {{Tesco}} in {{Silverburn}}."], []),
    (["{{NHS Tayside}} had my mum's files and {{Citizens Advice}} helped with {{PIP}}."], []),
    (["My neighbour, [[Senga]], watches the weans when I'm on a shift at {{Greggs}}."], []),
    (["Our [[Demi]] started at the nursery, and {{Home-Start}} sent a volunteer."], []),
    (["I said to [[Jean Wallace]], [[Jean]], you need to go to {{the Council}}."], []),
    (["My pal [[Stacey]] and her boy [[Kai]] stay in {{Drumchapel}} near the {{Drumchapel Shopping Centre}}."], []),
    (["{{Yeh}} {{Hmm}} {{Aye}} {{Och}} {{Naw}}, it's been a hard year for everyone."], []),
    (["Then Mrs [[Doherty]] fae the school phoned about {{Best Start Grant}}."], []),
    (["{{Glasgow Life}} shut the library in {{Whiteinch}} and the {{Mitchell Library}} is too far."], []),
    (["[[Stephen]] telt me the {{Scottish Welfare Fund}} gave him a crisis grant."], []),
    (["I go to {{Kelvingrove}} with the wean and sometimes {{Glasgow Green}}.",
      "The {{Subway}} from {{Govan}} is handy."], []),
    (["{{Bridgeton}} and {{Dalmarnock}} got the new flats; [[Kerry]] got one."], []),
    (["[[Govan]] said it was fine, but I'm no sure.", "I grew up in [[Govan]]."], ["Tom Govan"]),
    (["Can I call you on [[+44 7700 900123|PHONE]]? Or [[0141-496-0555|PHONE]]?"], []),
    (["Send it to [[demi.r@example.com|EMAIL]], she'll sort it."], []),
    (["It's [[Flat 2/1, 27 Harmony Row|ADDRESS]], [[G51 3XY|POSTCODE]]."], []),
    (["Date of birth [[12/03/2015|DOB]] for the wee one, and the NI is [[AB 12 34 56 C|NI]]."], []),
    (["My wean's dad [[Scott]] disnae pay anything, the {{Child Maintenance}} lot are useless."], []),
    (["[[Andrew]] was saying the {{Two-Child Limit}} hits big families."], ["Andrew Boyle"]),
    (["The {{Clydesdale Bank}} shut in {{Shettleston}} and {{Tollcross}}."], []),
    (["My granny [[Isa]] brought us up in {{Possilpark}}."], []),
    (["{{Jings}}, {{Mhm}}, the {{Hydro}} and the {{SEC}} are for folk with money."], []),
    (["[[Rose]] said the prices {{rose}} again at {{Asda}}."], ["Rose Kelly"]),
]

_MARK = re.compile(r"\[\[(.+?)(?:\|([A-Z]+))?\]\]|\{\{(.+?)\}\}")


def unmark(turn: str) -> tuple[str, list[tuple[int, int, str]], list[tuple[int, int]]]:
    """Plain text, personal spans (start, end, category) and spans that must stay."""
    out, personal, keep, cursor = [], [], [], 0
    length = 0
    for m in _MARK.finditer(turn):
        out.append(turn[cursor:m.start()])
        length += m.start() - cursor
        body = m.group(1) if m.group(1) is not None else m.group(3)
        if m.group(1) is not None:
            personal.append((length, length + len(body), m.group(2) or "PERSON"))
        else:
            keep.append((length, length + len(body)))
        out.append(body)
        length += len(body)
        cursor = m.end()
    out.append(turn[cursor:])
    return "".join(out), personal, keep


def score(redact) -> dict:
    """Run `redact(turn_texts, names) -> list of redaction lists` over the set and count.

    A personal span counts as found when redactions cover all its letters; a redaction is over-redaction
    when it touches no personal span."""
    found = total = over = redactions = 0
    missed, wrong = [], []
    by_category: dict[str, list[int]] = {}
    for turns, names in CASES:
        plain = [unmark(t) for t in turns]
        results = redact([p[0] for p in plain], names)
        for (text, personal, _keep), reds in zip(plain, results):
            for a, b, cat in personal:
                covered = all(any(r[0] <= i < r[1] for r in reds) for i in range(a, b) if text[i].isalnum())
                by_category.setdefault(cat, [0, 0])[1] += 1
                total += 1
                if covered:
                    found += 1
                    by_category[cat][0] += 1
                else:
                    missed.append(text[a:b])
            for r in reds:
                redactions += 1
                if not any(r[0] < b and r[1] > a for a, b, _ in personal):
                    over += 1
                    wrong.append(text[r[0]:r[1]])
    return {"recall": found / total, "over_redaction": over / max(redactions, 1), "missed": missed,
            "wrong": wrong, "by_category": {k: v[0] / v[1] for k, v in by_category.items()}}

# A second batch, written after the rules above and kept for checking that they generalise.
CASES_2: list[tuple[list[str], list[str]]] = [
    (["see our [[chelsea]], she's at the college now, doing hairdressing."], []),
    (["[[Jordan]] and [[Brooklyn]] are my two youngest, {{aye}}."], []),
    (["Me and [[Paris]] went up to {{Sauchiehall Street}} for her birthday."], []),
    (["{{Mmm}}, the wee one, [[Kenzie]], she's got asthma so we're at the {{Royal Hospital for Children}} a lot."], []),
    (["I was telling [[Agnes]] about the {{Warm Home Discount}} and she'd never heard of it."], []),
    (["My brother-in-law [[Gary]] drives for {{First Bus}}."], []),
    (["So {{Wheatley}} came out and the guy, [[Tam]], said the damp was our fault."], []),
    (["[[tommy]] fae next door lent us a tenner, he's a good guy."], []),
    (["The teacher, Ms [[Reilly]], put us on to {{Includem}}."], []),
    (["[[Liam]]'s dad's no in the picture."], []),
    (["The social worker, [[Anne-Marie]], she was honestly the best."], []),
    (["Her boy [[Connor]] got lifted by {{Police Scotland}} at {{Buchanan Bus Station}}."], []),
    (["{{Och}} aye, {{Ehm}}, the {{Scottish Child Payment}} is what keeps us going."], []),
    (["My mum, [[Margaret]], stays in {{Rutherglen}}, and my sister's in {{East Kilbride}}."], []),
    (["The {{Glasgow Royal Infirmary}} was mobbed, we waited six hours."], []),
    (["[[Wee Mags]] fae the pantry always keeps us a loaf."], []),
    (["I go to the {{community pantry}} in {{Parkhead}} on a Thursday."], []),
    (["[[Skye]]'s seven and [[Harris]] is four."], []),
    (["Ring [[0141 552 3344|PHONE]] and ask for [[Gillian]]."], []),
    (["Her dob is [[23.09.2012|DOB]] and she's at {{St Mungo's}}."], []),
    (["The flat's [[3/2 115 Maryhill Road|ADDRESS]], [[G20 7XN|POSTCODE]]."], []),
    (["{{Naw}}, [[Boyle]] never came back about the repairs."], ["Andrew Boyle"]),
    (["[[ANDREW]] SAID THAT TOO."], ["Andrew Boyle"]),
    (["I spoke to [[Kirsty]] from {{One Parent Families Scotland}}."], []),
    (["{{Hiya}}, {{Yeh}}, I'm [[Nicola]], I've got three weans."], []),
    (["[[Ashleigh]]'s got a new job at {{Primark}} in {{Braehead}}."], []),
    (["[[Dylan]] was born on the [[4th of July 2016|DOB]] at the {{Princess Royal Maternity}}."], []),
    (["{{Bedroom Tax}} took forty quid a month off us before {{Discretionary Housing Payment}}."], []),
    (["My man [[Stevie]] works nights at {{Amazon}}."], []),
    (["[[Stevie]]'s mum is brilliant with our [[Lily]]."], []),
]

# A third batch: unusual names, names the lists do not hold, and more look-alikes.
CASES_3: list[tuple[list[str], list[str]]] = [
    (["My youngest, [[Marley]], is at the nursery in {{Possil}}."], []),
    (["[[Oisin]] and [[Reegan]] share a room, there's damp everywhere."], []),
    (["Me and [[Kacey-Leigh]] went to the {{Forge}} on the bus."], []),
    (["I told [[Jolene]] the {{Best Start Grant}} was in."], []),
    (["The {{Citizens Advice}} woman, [[Fiona]], she sorted my {{Council Tax Reduction}}."], []),
    (["[[Taylor]]'s dad [[Gerry]] does the school run."], []),
    (["{{Em}}, {{Aye}}, it's a nightmare, {{ken}}?"], []),
    (["{{NHS Lanarkshire}} moved her to {{Hairmyres}} and then {{Wishaw General}}."], []),
    (["We get the messages at {{Farmfoods}} and {{Lidl}}, never {{Sainsbury's}}."], []),
    (["My cousin [[Zander]] is on the {{Job Start Payment}} thing."], []),
    (["Granny [[Nettie]] used to stay in {{Maryhill}}."], []),
    (["Her teacher Mr [[Pollock]] said she's doing great."], []),
    (["{{Loch Lomond}} in the summer, {{Millport}} if we can afford it."], []),
    (["I phoned [[0800 123 4567|PHONE]] and they put me through to {{Social Security Scotland}}."], []),
    (["We're in [[G32 8QP|POSTCODE]], the {{Shettleston}} end."], []),
    (["[[Wee Eck]] fae the bookies lent me a fiver."], []),
    (["She's called [[Destiny]], she's two."], []),
    (["Honestly, [[shug]] was never any help to us."], []),
]
