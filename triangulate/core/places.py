"""The one gazetteer of Glasgow and the one ward resolver.

Every strand asks here where a piece of text is: a ward ("Govan", "S13002971", "Springburn"), an area
below the ward (an intermediate zone, a data zone, a named neighbourhood = a set of IZs), or the places a
resident's words mention. One answer everywhere: an insight CSV and a transcript resolve "Springburn" the
same way, and an ambiguous name is refused with the choices spelled out.

Where the places come from:
- wards: the `Ward` table (loaded from triangulate/data/glasgow/glasgow_wards.csv);
- the 136 intermediate zones (IZ) and 746 data zones (DZ): the shipped SIMD 2020v2 lookup and the
  DZ -> ward best-fit overlay (triangulate/data/glasgow, PROVENANCE.md). An IZ's ward is the ward holding
  most of its population (DZs by their best-fit ward); `fit_share` and `fit_quality` keep how well it fits;
- neighbourhoods, IZ name variants and well-known places: triangulate/data/places/places.csv (one row a
  name, the IZ(s) it lies in, and the source of the mapping; README.md there);
- local names a researcher adds (`add_local_name`, audited): the `PlaceName` table.

Placement rule (what the joint display filters on): an insight is in area A if it has an InsightPlace row
whose iz_code is in A.iz_codes; a segment likewise through SegmentPlace.
"""
from __future__ import annotations

import contextlib
import csv
import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from schemas import PlaceName, Ward
from triangulate.core.config import PACKAGE_DATA
from triangulate.core.errors import NotFound, TriangulateError

GLASGOW = PACKAGE_DATA / "glasgow"
PLACES = PACKAGE_DATA / "places"
COUNCIL_CODE = "S12000049"
KINDS = ("ward", "iz", "dz", "neighbourhood")
CODE = re.compile(r"^S(12|13|02|01)\d{6}$", re.I)


class AmbiguousPlace(TriangulateError):
    """A name that means more than one place; the message lists them with their codes."""


class PlaceMismatch(TriangulateError):
    """An area that does not lie in the ward it was given with."""


@dataclass(frozen=True)
class Area:
    """A place the joint display can answer for: a ward, an IZ, a DZ, or a named neighbourhood (a set of IZs).
    `kind` is "ward", "iz", "neighbourhood" or "dz" (a data zone: its IZ in iz_codes, its own best-fit ward)."""

    code: str
    name: str
    kind: str
    ward_code: str
    iz_codes: tuple[str, ...]
    fit_quality: str = "good"  # how well the area fits its ward (best-fit overlay): good / fair / split
    source: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.code != self.name else self.name


@dataclass(frozen=True)
class Zone:
    code: str
    name: str
    ward_code: str  # best fit
    fit_share: float  # share of the population in that ward
    fit_quality: str
    wards: dict[str, float] = field(default_factory=dict, compare=False, hash=False)  # ward -> population share
    dz_codes: tuple[str, ...] = ()
    iz_code: str = ""  # for a DZ: its IZ


@dataclass(frozen=True)
class Entry:
    """One row of places.csv (or a researcher's local name)."""

    name: str
    kind: str  # neighbourhood / iz variant / estate / street / school / health centre / community centre / …
    iz_codes: tuple[str, ...]
    source: str
    capitalised: bool = False  # a common word too ("Woodside", "Battlefield"): a mention only with a capital
    also_a_name: bool = False  # a person's name too ("Royston", "Aikenhead"): never on redaction's keep-list


def normal(text: str) -> str:
    """Lower case, one space, curly apostrophes straightened, "&" as "and", a leading "the" and a trailing
    possessive dropped: the key every name is compared by."""
    text = (text or "").replace("’", "'").replace("&", " and ").lower()
    text = " ".join(re.sub(r"[,.;:!?\"()\[\]]", " ", text).split())
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"'s?$", "", text).strip()


# --------------------------------------------------------------------------- the shipped geography
def _fit_quality(share: float) -> str:
    return "good" if share >= 0.95 else "fair" if share >= 0.7 else "split"


@cache
def zones() -> tuple[dict[str, Zone], dict[str, Zone]]:
    """(IZs by code, DZs by code) from the shipped lookup and best-fit overlay."""
    with open(GLASGOW / "glasgow_dz_to_ward_bestfit.csv", newline="", encoding="utf-8") as fh:
        fit = {r["DataZone"]: r for r in csv.DictReader(fh)}
    dzs: dict[str, Zone] = {}
    iz_people: dict[str, Counter] = defaultdict(Counter)
    iz_names: dict[str, str] = {}
    iz_dzs: dict[str, list[str]] = defaultdict(list)
    with open(GLASGOW / "glasgow_dz_population_mid2020.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            f = fit[r["Data_Zone"]]
            share = float(f["overlap_share"])
            dzs[r["Data_Zone"]] = Zone(r["Data_Zone"], r["DZname"], f["ward_code"], share, f["fit_quality"],
                                       iz_code=r["IZcode"])
            people = max(int(r["total_population_mid2020"]), 1)
            iz_people[r["IZcode"]][f["ward_code"]] += people
            iz_names[r["IZcode"]] = r["IZname"]
            iz_dzs[r["IZcode"]].append(r["Data_Zone"])
    izs = {}
    for code, by_ward in iz_people.items():
        total = sum(by_ward.values())
        ward, people = by_ward.most_common(1)[0]
        shares = {w: round(p / total, 3) for w, p in by_ward.most_common()}
        izs[code] = Zone(code, iz_names[code], ward, round(people / total, 3), _fit_quality(people / total),
                         shares, tuple(iz_dzs[code]))
    return izs, dzs


@cache
def _councils() -> dict[str, tuple[str, str]]:
    """Every Scottish DZ and IZ code -> (kind, council name), to tell another council's code from a typo."""
    out = {}
    with open(GLASGOW / "simd2020v2_datazones_scotland.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[r["Data_Zone"]] = ("data zone", r["LAname"])
            out[r["IZcode"]] = ("intermediate zone", r["LAname"])
    return out


@cache
def entries() -> tuple[Entry, ...]:
    """The shipped gazetteer (places.csv): neighbourhoods, IZ name variants and well-known places. Its `iz`
    column names the IZs by name (or code), checked here against the shipped IZ names."""
    izs, _ = zones()
    by_name = {normal(z.name): c for c, z in izs.items()}
    out = []
    with open(PLACES / "places.csv", newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for r in rows:
            wanted = [p.strip() for p in r["iz"].split(";") if p.strip()]
            codes = tuple(dict.fromkeys(p.upper() if p.upper() in izs else by_name.get(normal(p), "?" + p)
                                        for p in wanted))
            unknown = [c[1:] for c in codes if c.startswith("?")]
            if unknown or not codes:
                raise TriangulateError(f"triangulate/data/places/places.csv, place {r['name']!r}: "
                                       f"{', '.join(unknown) or 'no IZ'} is not a Glasgow IZ name or code. Fix: use "
                                       "the IZ names of glasgow_dz_population_mid2020.csv, e.g. 'Ibrox'.")
            out.append(Entry(r["name"].strip(), r["kind"].strip(), codes, r["source"].strip(),
                             _yes(r.get("capitalised")), _yes(r.get("also_a_name"))))
    return tuple(out)


def _yes(cell: str | None) -> bool:
    return (cell or "").strip().lower() in ("yes", "y", "true", "1")


@cache
def shipped_wards() -> dict[str, str]:
    """Glasgow City's 23 multi-member wards (2017 boundaries), code -> name, as shipped."""
    with open(GLASGOW / "glasgow_wards.csv", newline="", encoding="utf-8") as fh:
        return {r["ward_code"]: r["ward_name"] for r in csv.DictReader(fh)}


@cache
def unplaced() -> tuple[str, ...]:
    """Places known as places but not put in an IZ (the city, nearby towns, straddling neighbourhoods)."""
    lines = (PLACES / "unplaced.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


@cache
def redaction_place_names() -> tuple[str, ...]:
    """The place names redaction keeps (and the transcript parser refuses as speaker labels): wards and the
    parts of their names, IZ names, the gazetteer's places, and the unplaced ones; never a name flagged as a
    person's name too."""
    risky = {normal(e.name) for e in entries() if e.also_a_name}
    wards = [n for w in shipped_wards().values() for n in (w, *w.split("/"))]
    names = [*unplaced(), *wards, *(e.name for e in entries()), *(z.name for z in zones()[0].values())]
    return tuple(n for n in dict.fromkeys(names) if normal(n) not in risky)


@cache
def look_alikes() -> tuple[str, ...]:
    """Phrases that contain a Glasgow place name but are not a mention of it ("Calton Hill", "Partick
    Thistle", "Milton Keynes"), from data/places/look_alikes.txt."""
    lines = (PLACES / "look_alikes.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def _local_entries(session: Session) -> list[Entry]:
    return [Entry(p.name, p.kind, tuple(p.iz_codes), p.source or f"local name added by {p.added_by}")
            for p in session.exec(select(PlaceName))]


# --------------------------------------------------------------------------- areas
def _best_ward(iz_codes: tuple[str, ...]) -> tuple[str, float]:
    """The ward holding most of the IZs' population share, and that share."""
    izs, _ = zones()
    weight: Counter = Counter()
    for code in iz_codes:
        for ward, share in izs[code].wards.items():
            weight[ward] += share
    ward, w = weight.most_common(1)[0]
    return ward, w / max(len(iz_codes), 1)


def iz_area(code: str) -> Area:
    iz = zones()[0][code]
    return Area(iz.code, iz.name, "iz", iz.ward_code, (iz.code,), iz.fit_quality, "IZ (SIMD 2020v2 lookup)")


def dz_area(code: str) -> Area:
    dz = zones()[1][code]
    return Area(dz.code, dz.name, "dz", dz.ward_code, (dz.iz_code,), dz.fit_quality,
                "DZ (best-fit DZ -> ward overlay)")


def entry_area(entry: Entry) -> Area:
    if entry.kind == "iz variant" and len(entry.iz_codes) == 1:
        area = iz_area(entry.iz_codes[0])
        return Area(area.code, area.name, "iz", area.ward_code, area.iz_codes, area.fit_quality, entry.source)
    ward, share = _best_ward(entry.iz_codes)
    return Area(entry.name, entry.name, "neighbourhood", ward, entry.iz_codes, _fit_quality(share), entry.source)


def ward_area(ward_code: str, name: str) -> Area:
    izs = tuple(sorted(c for c, z in zones()[0].items() if z.ward_code == ward_code))
    return Area(ward_code, name, "ward", ward_code, izs, "good", "ward")


# --------------------------------------------------------------------------- resolution
def _add(index: dict[str, list[Area]], key: str, area: Area) -> None:
    if area not in index[key]:
        index[key].append(area)


@cache
def _static_index() -> dict[str, tuple[Area, ...]]:
    izs, dzs = zones()
    index: dict[str, list[Area]] = defaultdict(list)
    for code, iz in izs.items():
        _add(index, normal(code), iz_area(code))
        _add(index, normal(iz.name), iz_area(code))
    for code, dz in dzs.items():
        _add(index, normal(code), dz_area(code))
        _add(index, normal(dz.name), dz_area(code))
    for entry in entries():
        _add(index, normal(entry.name), entry_area(entry))
    return {k: tuple(v) for k, v in index.items()}


def _other_council(text: str) -> str | None:
    value = text.strip().upper()
    if not CODE.match(value):
        return None
    if value.startswith("S12") and value != COUNCIL_CODE:
        return f"{value} is a council code, not Glasgow City's ({COUNCIL_CODE})"
    kind_council = _councils().get(value)
    if kind_council and kind_council[1] != "Glasgow City":
        article = "an" if kind_council[0][0] in "aeiou" else "a"
        return f"{value} is {article} {kind_council[0]} in {kind_council[1]}, not in Glasgow City"
    if value.startswith("S13"):
        return f"{value} is not one of Glasgow City's 23 ward codes (it may be another council's ward)"
    return f"{value} is not a data zone or intermediate zone code in Scotland's 2011 data zones"


class Gazetteer:
    """A snapshot of the gazetteer: the shipped places, the wards in the database and the researchers' local
    names. Load one per request or per import (`Gazetteer.load`) and resolve many names with it."""

    def __init__(self, wards: dict[str, str], local: list[Entry] | None = None):
        self.wards = wards  # code -> name, as in the Ward table
        self.local = list(local or [])
        self._local_index: dict[str, list[Area]] = defaultdict(list)
        for entry in self.local:
            _add(self._local_index, normal(entry.name), entry_area(entry))

    @classmethod
    def load(cls, bind: Engine | Session) -> Gazetteer:
        if isinstance(bind, Session):
            return cls({w.code: w.name for w in bind.exec(select(Ward))}, _local_entries(bind))
        with Session(bind) as session:
            return cls.load(session)

    # ------------------------------------------------------------------ lookups
    def names(self) -> list[str]:
        """Every normalised name the gazetteer knows (for suggestions and mention matching)."""
        return sorted({*_static_index(), *self._local_index, *[normal(n) for n in self.wards.values()]})

    def entries(self) -> list[Entry]:
        return [*entries(), *self.local]

    def candidates(self, text: str) -> list[Area]:
        """Every area the text can mean: wards (by code, name or a part of a name like "Springburn"), IZs,
        DZs, neighbourhoods and local names."""
        key = normal(text)
        found = [ward_area(c, n) for c, n in self.wards.items() if key in (normal(c), normal(n))]
        if not found:
            found = [ward_area(c, n) for c, n in self.wards.items() if key in [normal(p) for p in n.split("/")]]
        for area in [*_static_index().get(key, ()), *self._local_index.get(key, [])]:
            if area not in found:
                found.append(area)
        return found

    def ward_name(self, code: str) -> str:
        return self.wards.get(code, code)

    def describe(self, area: Area) -> str:
        kind = {"ward": "the ward", "iz": "the intermediate zone", "dz": "the data zone",
                "neighbourhood": "the neighbourhood"}[area.kind]
        if area.kind == "ward":
            return f"{kind} {area.name} ({area.code})"
        codes = area.code if area.kind != "neighbourhood" else " ".join(area.iz_codes)
        return f"{kind} {area.name} ({codes}, in ward {self.ward_name(area.ward_code)})"

    def _unknown(self, text: str, what: str) -> TriangulateError:
        other = _other_council(text)
        if other:
            return NotFound(f"{other}. Fix: give a place in Glasgow City (a ward, an IZ or DZ code S02…/S01…, or a "
                            "neighbourhood name).")
        display = {normal(n): n for n in [*self.wards.values(), *(e.name for e in self.entries()),
                                           *(z.name for z in zones()[0].values())]}
        close = difflib.get_close_matches(normal(text), list(display), n=4, cutoff=0.75)
        hint = f" Did you mean: {', '.join(display[c] for c in close)}?" if close else ""
        head = (f"No ward called {text.strip()!r}: it is not a ward, nor a place in Glasgow's gazetteer."
                if what == "ward" else f"No place called {text.strip()!r} in Glasgow's gazetteer.")
        return NotFound(f"{head}{hint} Fix: write a ward's name or code (S13…), an IZ or DZ code or name, or a "
                        "neighbourhood; a researcher can add a local name on the Places page.")

    # ------------------------------------------------------------------ the one ward resolver
    def resolve_ward(self, text: str) -> str:
        """See `resolve_ward`."""
        value = (text or "").strip()
        if not value:
            raise NotFound("No ward given. Fix: choose one of Glasgow's 23 wards by name (Govan) or code "
                           "(S13002971).")
        found = self.candidates(value)
        direct = [a for a in found if a.kind == "ward"]
        if len(direct) == 1:
            return direct[0].code
        if len(direct) > 1:
            raise AmbiguousPlace(f"{value!r} is part of the names of several wards: "
                                 f"{', '.join(sorted(a.name for a in direct))}. Fix: write the ward's full name or "
                                 "code.")
        izs = zones()[0]
        by_ward = {w for a in found for w in ([a.ward_code] if a.kind == "dz" else [izs[c].ward_code
                                                                                     for c in a.iz_codes])
                   if w in self.wards}
        if len(by_ward) == 1:
            return by_ward.pop()
        if len(by_ward) > 1:
            listed = "; ".join(self.describe(a) for a in found)
            raise AmbiguousPlace(f"{value!r} could be in more than one ward: {listed}. Fix: write the ward's name "
                                 f"or code ({', '.join(sorted(self.wards[w] for w in by_ward))}).")
        raise self._unknown(value, "ward")

    def in_ward(self, area: Area, ward_code: str) -> Area:
        """The area restricted to `ward_code`, or PlaceMismatch naming the fix."""
        izs, dzs = zones()
        ward_name = self.ward_name(ward_code)
        if area.kind == "ward":
            if area.code == ward_code:
                return area
            raise PlaceMismatch(f"the area is the ward {area.name}, but the ward given is {ward_name}. Fix: leave "
                                f"the area empty, or choose a place in {ward_name}.")
        if area.kind == "neighbourhood":
            inside = tuple(c for c in area.iz_codes if izs[c].ward_code == ward_code)
            if inside:
                return Area(area.code, area.name, area.kind, ward_code, inside,
                            "good" if len(inside) == len(area.iz_codes) else "fair", area.source)
        if area.ward_code == ward_code:
            return area
        if area.kind == "iz" and ward_code in izs[area.code].wards:
            iz = izs[area.code]
            here = [d for d in iz.dz_codes if dzs[d].ward_code == ward_code]
            shares = ", ".join(f"{self.ward_name(w)} {s:.0%}" for w, s in iz.wards.items())
            best = self.ward_name(iz.ward_code)
            raise PlaceMismatch(f"{area.name} ({area.code}) is split across wards by the best-fit lookup ({shares});"
                                f" its ward is {best}. Fix: record it under {best}, or give its data zone in "
                                f"{ward_name} ({', '.join(here)}).")
        raise PlaceMismatch(f"{self.describe(area)} is not in ward {ward_name}. Fix: correct the ward to "
                            f"{self.ward_name(area.ward_code)}, or the area to a place in {ward_name}.")

    def resolve_area(self, text: str, ward_code: str | None = None) -> Area:
        """See `resolve_area`."""
        value = (text or "").strip()
        if not value:
            raise NotFound("No area given. Fix: write an IZ or DZ code or name, or a neighbourhood.")
        found = self.candidates(value)
        if not found:
            raise self._unknown(value, "place")
        # An IZ's official name means that IZ, not a same-named neighbourhood around it ("Castlemilk" the IZ, not
        # the scheme's three IZs); mention matching reads people's usage instead (place_mentions).
        exact = {a.code for a in found if a.kind == "iz" and normal(a.name) == normal(value)}
        found = [a for a in found if a.kind != "neighbourhood" or not exact & set(a.iz_codes)]
        if ward_code is not None:
            found = self._fitting(value, found, ward_code)
        if len({(a.kind == "ward", a.iz_codes) for a in found}) == 1:
            return found[0]
        listed = "; ".join(self.describe(a) for a in found)
        raise AmbiguousPlace(f"{value!r} is more than one place: {listed}. Fix: write the code you mean"
                             f"{'' if ward_code else ', or give the ward too'}.")

    def _fitting(self, value: str, found: list[Area], ward_code: str) -> list[Area]:
        """The meanings of `value` that lie in the ward (cut to it); PlaceMismatch naming the fix when none does.
        A name that is both the ward and a place in it means the place."""
        finer = [a for a in found if a.kind != "ward" or a.code != ward_code]
        fitting = []
        for area in finer or found:
            with contextlib.suppress(PlaceMismatch):
                fitting.append(self.in_ward(area, ward_code))
        if len({a.iz_codes for a in fitting}) == 1:
            return fitting[:1]
        if not fitting and len(found) > 1:
            listed = "; ".join(self.describe(a) for a in found)
            raise PlaceMismatch(f"{value!r} is not in ward {self.ward_name(ward_code)}: it means {listed}. Fix: "
                                f"correct the ward, or the area to a place in {self.ward_name(ward_code)}.")
        if not fitting:
            self.in_ward(found[0], ward_code)  # raises, naming the fix
        return fitting

    def areas_in_ward(self, ward_code: str) -> list[Area]:
        """See `areas_in_ward`."""
        if ward_code not in self.wards:
            raise NotFound(f"No ward with code {ward_code!r}. Fix: use one of Glasgow's 23 ward codes (S13…).")
        izs, _ = zones()
        own = sorted((iz_area(c) for c, z in izs.items() if z.ward_code == ward_code), key=lambda a: a.name)
        hoods: dict[str, Area] = {}
        for entry in self.entries():
            if entry.kind not in ("neighbourhood", "local name") or len(entry.iz_codes) < 2:
                continue
            inside = tuple(c for c in entry.iz_codes if izs[c].ward_code == ward_code)
            seen = {a.iz_codes for a in hoods.values()}
            if len(inside) >= 2 and normal(entry.name) not in hoods and inside not in seen:
                hoods[normal(entry.name)] = Area(entry.name, entry.name, "neighbourhood", ward_code, inside,
                                                 "good" if len(inside) == len(entry.iz_codes) else "fair",
                                                 entry.source)
        return own + sorted(hoods.values(), key=lambda a: a.name)


def resolve_ward(engine: Engine, text: str) -> str:
    """The ward code for a ward's code or name ("S13002971", "govan"), a part of a ward's name
    ("Springburn" -> Springburn/Robroyston), or a place lying in one ward only ("Castlemilk" -> Linn).
    Raises NotFound (naming close matches or the council a code belongs to) or AmbiguousPlace (listing the
    wards). The one ward resolver: insight forms and imports, transcripts and the CLI all call it."""
    return Gazetteer.load(engine).resolve_ward(text)


def resolve_area(engine: Engine, text: str, ward_code: str | None = None) -> Area:
    """The area a name or code means: an IZ or DZ (code or name), a neighbourhood, a local name, or a ward.
    With `ward_code`, the area must lie in that ward (a neighbourhood is cut to its IZs there; a name that
    is both the ward and a place in it, like "Victoria Park", means the place). Raises NotFound,
    AmbiguousPlace or PlaceMismatch, each naming the fix."""
    return Gazetteer.load(engine).resolve_area(text, ward_code)


def areas_in_ward(engine: Engine, ward_code: str) -> list[Area]:
    """The IZs whose best-fit ward is this one (by name), then the named neighbourhoods with at least two IZs
    in it (each cut to its IZs in this ward)."""
    return Gazetteer.load(engine).areas_in_ward(ward_code)


def city_izs() -> list[Area]:
    """All 136 of Glasgow's intermediate zones as areas (each with its best-fit ward), by code."""
    return [iz_area(code) for code in sorted(zones()[0])]


def izs_of_ward(ward_code: str) -> tuple[str, ...]:
    return tuple(sorted(c for c, z in zones()[0].items() if z.ward_code == ward_code))


def split_fix(message: str) -> tuple[str, str]:
    """("what is wrong", "the fix") from a message written as "… Fix: …" (for Problem rows)."""
    what, _, fix = message.partition(" Fix: ")
    return what.rstrip(". "), fix.rstrip(". ") or "correct the cell"


def area_codes(gazetteer: Gazetteer, text: str, ward_code: str | None = None) -> tuple[str, ...]:
    """The IZ codes an area cell names: one area, or several separated by ";" (as an export writes them),
    each resolved with `resolve_area` in `ward_code`. Empty text -> (). Raises what resolve_area raises."""
    codes: list[str] = []
    for part in (text or "").split(";"):
        if part.strip():
            codes += gazetteer.resolve_area(part, ward_code).iz_codes
    return tuple(dict.fromkeys(codes))


# --------------------------------------------------------------------------- researchers' local names
def add_local_name(engine: Engine, actor, name: str, area: str, source: str = "") -> PlaceName:
    """Add a local name ("the Wine Alley") for an area the gazetteer knows (an IZ/DZ code or name, a
    neighbourhood, or several separated by ";"). Researchers only; audited. Refuses a name that already
    means somewhere else."""
    from triangulate.core import audit
    from triangulate.core.db import session_scope
    from triangulate.core.permissions import require

    require(actor, "places.edit")
    clean = " ".join((name or "").split())
    if len(normal(clean)) < 3 or len(clean) > 80:
        raise TriangulateError("A local name needs 3 to 80 characters. Fix: write the name as people say it.")
    with session_scope(engine) as session:
        gazetteer = Gazetteer.load(session)
        codes = area_codes(gazetteer, area)
        if not codes:
            raise NotFound("No area given for the local name. Fix: write the IZ (code or name) it lies in.")
        known = gazetteer.candidates(clean)
        if known:
            raise AmbiguousPlace(f"{clean!r} is already in the gazetteer as {gazetteer.describe(known[0])}. Fix: "
                                 "choose another name, or leave the existing one.")
        row = PlaceName(name=clean, normalised=normal(clean), iz_codes=list(codes), kind="local name",
                        source=source.strip(), added_by=actor.username)
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "place_name", row.id, name=clean, iz_codes=list(codes))
        session.expunge(row)
        return row


def remove_local_name(engine: Engine, actor, place_name_id: int) -> None:
    from triangulate.core import audit
    from triangulate.core.db import get_or_not_found, session_scope
    from triangulate.core.permissions import require

    require(actor, "places.edit")
    with session_scope(engine) as session:
        row = get_or_not_found(session, PlaceName, place_name_id, f"No local name with id {place_name_id}.")
        audit.record(session, actor, "delete", "place_name", row.id, name=row.name, iz_codes=list(row.iz_codes))
        session.delete(row)


def local_names(engine: Engine) -> list[PlaceName]:
    with Session(engine) as session:
        rows = list(session.exec(select(PlaceName).order_by(PlaceName.name)))
        for row in rows:
            session.expunge(row)
        return rows


def suggest_area(engine: Engine, text: str, ward_code: str | None) -> Area | None:
    """The first place the text mentions that lies in the ward (an insight form's suggested area), or None."""
    from triangulate.core import place_mentions

    if not ward_code or not (text or "").strip():
        return None
    gazetteer = Gazetteer.load(engine)
    for mention in place_mentions.matcher_for(gazetteer).find(text):
        try:
            return gazetteer.resolve_area(mention.name, ward_code)
        except TriangulateError:
            continue
    return None
