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
    capitalised: bool = False  # a common word too ("Temple", "Battlefield"): a mention only with a capital


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
                             r.get("capitalised", "").strip().lower() in ("yes", "y", "true", "1")))
    return tuple(out)


@cache
def look_alikes() -> tuple[str, ...]:
    """Phrases that contain a Glasgow place name but are not a mention of it ("Calton Hill", "Partick
    Thistle", "Milton Keynes"), from data/places/look_alikes.txt."""
    lines = (PLACES / "look_alikes.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def _local_entries(engine: Engine | None) -> list[Entry]:
    if engine is None:
        return []
    with Session(engine) as session:
        return [Entry(p.name, p.kind, tuple(p.iz_codes), p.source or f"local name added by {p.added_by}")
                for p in session.exec(select(PlaceName))]


def _wards(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {w.code: w.name for w in session.exec(select(Ward))}


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


def areas_in_ward(engine: Engine, ward_code: str) -> list[Area]:
    """The IZs whose best-fit ward is this one, then the named neighbourhoods lying mostly in it (each
    restricted to its IZs in this ward), sorted by name within each kind."""
    if ward_code not in _wards(engine):
        raise NotFound(f"No ward with code {ward_code!r}. Fix: use one of Glasgow's 23 ward codes (S13…).")
    izs, _ = zones()
    own = sorted((iz_area(c) for c, z in izs.items() if z.ward_code == ward_code), key=lambda a: a.name)
    hoods = {}
    for entry in [*entries(), *_local_entries(engine)]:
        if entry.kind not in ("neighbourhood", "local name") or len(entry.iz_codes) < 2:
            continue
        inside = tuple(c for c in entry.iz_codes if izs[c].ward_code == ward_code)
        if len(inside) >= 2 and normal(entry.name) not in hoods:
            hoods[normal(entry.name)] = Area(entry.name, entry.name, "neighbourhood", ward_code, inside,
                                             "good" if len(inside) == len(entry.iz_codes) else "fair", entry.source)
    return own + sorted(hoods.values(), key=lambda a: a.name)


# --------------------------------------------------------------------------- resolution
def _index(engine: Engine | None) -> dict[str, list[Area]]:
    izs, dzs = zones()
    index: dict[str, list[Area]] = defaultdict(list)
    for code, iz in izs.items():
        index[normal(code)].append(iz_area(code))
        index[normal(iz.name)].append(iz_area(code))
    for code, dz in dzs.items():
        index[normal(code)].append(dz_area(code))
        index[normal(dz.name)].append(dz_area(code))
    for entry in [*entries(), *_local_entries(engine)]:
        area = entry_area(entry)
        if area not in index[normal(entry.name)]:
            index[normal(entry.name)].append(area)
    return index


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


def _suggest(text: str, names: list[str]) -> str:
    close = difflib.get_close_matches(normal(text), names, n=4, cutoff=0.75)
    return f" Did you mean: {', '.join(close)}?" if close else ""


def _describe(area: Area, wards: dict[str, str]) -> str:
    kind = {"ward": "the ward", "iz": "the intermediate zone", "dz": "the data zone",
            "neighbourhood": "the neighbourhood"}[area.kind]
    where = "" if area.kind == "ward" else f", in ward {wards.get(area.ward_code, area.ward_code)}"
    return f"{kind} {area.name} ({area.code if area.kind != 'neighbourhood' else ' '.join(area.iz_codes)}{where})"


def _candidates(engine: Engine, text: str) -> tuple[list[Area], dict[str, str]]:
    """Every area the text can mean: wards (by code, name or a part of a name like "Springburn"), IZs, DZs,
    neighbourhoods and local names."""
    wards = _wards(engine)
    key = normal(text)
    found = [ward_area(c, n) for c, n in wards.items() if key in (normal(c), normal(n))]
    if not found:
        found = [ward_area(c, n) for c, n in wards.items() if key in [normal(p) for p in n.split("/")]]
    for area in _index(engine).get(key, []):
        if area not in found:
            found.append(area)
    return found, wards


def _unknown(engine: Engine, text: str, what: str) -> TriangulateError:
    other = _other_council(text)
    if other:
        return NotFound(f"{other}. Fix: give a place in Glasgow City (a ward, an IZ or DZ code S02…/S01…, or a "
                        "neighbourhood name).")
    names = sorted({*_index(engine), *[normal(n) for n in _wards(engine).values()]})
    return NotFound(f"No {what} called {text.strip()!r} in Glasgow's gazetteer.{_suggest(text, names)} Fix: write a "
                    "ward's name or code (S13…), an IZ or DZ code or name, or a neighbourhood; a researcher can add "
                    "a local name on the Places page.")


def resolve_ward(engine: Engine, text: str) -> str:
    """The ward code for a ward's code or name ("S13002971", "govan"), a part of a ward's name
    ("Springburn" -> Springburn/Robroyston), or a place lying in one ward only ("Castlemilk" -> Linn).
    Raises NotFound (naming close matches) or AmbiguousPlace (listing the wards) otherwise."""
    value = (text or "").strip()
    if not value:
        raise NotFound("No ward given. Fix: choose one of Glasgow's 23 wards by name (Govan) or code (S13002971).")
    found, wards = _candidates(engine, value)
    direct = [a for a in found if a.kind == "ward"]
    if len(direct) == 1:
        return direct[0].code
    if len(direct) > 1:
        raise AmbiguousPlace(f"{value!r} is part of the names of several wards: "
                             f"{', '.join(sorted(a.name for a in direct))}. Fix: write the ward's full name or code.")
    by_ward = {a.ward_code for a in found if a.ward_code in wards}
    if len(by_ward) == 1:
        return by_ward.pop()
    if len(by_ward) > 1:
        listed = "; ".join(_describe(a, wards) for a in found)
        raise AmbiguousPlace(f"{value!r} could be in more than one ward: {listed}. Fix: write the ward's name or "
                             f"code ({', '.join(sorted(wards[w] for w in by_ward))}).")
    raise _unknown(engine, value, "ward")


def _in_ward(area: Area, ward_code: str, wards: dict[str, str]) -> Area:
    """The area restricted to `ward_code`, or PlaceMismatch naming the fix."""
    izs, dzs = zones()
    ward_name = wards.get(ward_code, ward_code)
    if area.kind == "ward":
        if area.code == ward_code:
            return area
        raise PlaceMismatch(f"the area is the ward {area.name}, but the ward given is {ward_name}. Fix: leave the "
                            f"area empty, or choose a place in {ward_name}.")
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
        shares = ", ".join(f"{wards.get(w, w)} {s:.0%}" for w, s in iz.wards.items())
        raise PlaceMismatch(f"{area.name} ({area.code}) is split across wards by the best-fit lookup ({shares}); its "
                            f"ward is {wards.get(iz.ward_code, iz.ward_code)}. Fix: record it under "
                            f"{wards.get(iz.ward_code, iz.ward_code)}, or give the data zone in {ward_name} "
                            f"({', '.join(here)}).")
    raise PlaceMismatch(f"{_describe(area, wards)} is not in ward {ward_name}. Fix: correct the ward to "
                        f"{wards.get(area.ward_code, area.ward_code)}, or the area to a place in {ward_name}.")


def resolve_area(engine: Engine, text: str, ward_code: str | None = None) -> Area:
    """The area a name or code means: an IZ or DZ (code or name), a neighbourhood, a local name, or a ward.
    With `ward_code`, the area must lie in that ward (a neighbourhood is cut to its IZs there; a name that
    is both the ward and a place in it means the place). Raises NotFound, AmbiguousPlace or PlaceMismatch
    with the fix."""
    value = (text or "").strip()
    if not value:
        raise NotFound("No area given. Fix: write an IZ or DZ code or name, or a neighbourhood.")
    found, wards = _candidates(engine, value)
    if not found:
        raise _unknown(engine, value, "place")
    if ward_code is not None:
        finer = [a for a in found if a.kind != "ward" or a.code != ward_code]
        fitting = []
        for area in finer or found:
            with contextlib.suppress(PlaceMismatch):
                fitting.append(_in_ward(area, ward_code, wards))
        if len({a.iz_codes for a in fitting}) == 1:
            return fitting[0]
        if not fitting:
            return _in_ward(found[0], ward_code, wards)  # raises, naming the fix for the first meaning
        found = fitting
    if len({(a.kind == "ward", a.iz_codes) for a in found}) == 1:
        return found[0]
    listed = "; ".join(_describe(a, wards) for a in found)
    raise AmbiguousPlace(f"{value!r} is more than one place: {listed}. Fix: write the code you mean"
                         f"{'' if ward_code else ', or give the ward too'}.")


def izs_of_ward(ward_code: str) -> tuple[str, ...]:
    return tuple(sorted(c for c, z in zones()[0].items() if z.ward_code == ward_code))
