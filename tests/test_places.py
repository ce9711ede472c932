"""The one gazetteer and ward resolver (issue 15 part A, issue 13's three resolvers): areas, bad input, local
names, places on insights and transcripts, mentions in text, erasure of place rows."""
from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from schemas import AuditEvent, Insight, InsightPlace, PlaceName, SegmentPlace, TranscriptPlace, Ward
from triangulate.codebook import issues as codebook
from triangulate.core import place_mentions, places
from triangulate.core.errors import ImportFailed, NotFound, PermissionDenied, TriangulateError
from triangulate.core.permissions import SYSTEM, Actor
from triangulate.practitioners import importing, insights

RESEARCHER = Actor("res", "researcher")
OFFICER = Actor("off", "officer", id=None, display_name="Off Icer")
ADMIN = Actor("admin", "admin")
GOVAN, SPRINGBURN, VICTORIA_PARK = "S13002971", "S13002983", "S13002978"
IZS, DZS = places.zones()


@pytest.fixture
def wards(sqlite_engine):
    with Session(sqlite_engine) as session:
        for code, name in places.shipped_wards().items():
            session.add(Ward(code=code, name=name))
        session.commit()
    codebook.load_default(sqlite_engine, SYSTEM)
    return sqlite_engine


def _csv(rows: list[dict]) -> bytes:
    header = ["ward", "date", "author", "role_service", "evidence_type", "text", "codes", "area"]
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    for r in rows:
        cells = {"date": "2025-03-14", "author": "res", "role_service": "Health visiting",
                 "evidence_type": "caseload pattern", "codes": "housing:problem:2", "area": ""} | r
        out.write(",".join(f'"{cells.get(h, "")}"' for h in header) + "\n")
    return out.getvalue().encode()


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


# --------------------------------------------------------------------------- the shipped geography
def test_every_iz_and_dz_has_a_ward_and_a_fit():
    assert len(IZS) == 136 and len(DZS) == 746
    wards = set(places.shipped_wards())
    assert len(wards) == 23
    assert all(z.ward_code in wards and 0 < z.fit_share <= 1 for z in IZS.values())
    assert all(DZS[d].iz_code == code for code, z in IZS.items() for d in z.dz_codes)
    split = IZS["S02001857"]  # Craigton: most people in Pollokshields, some in Govan
    assert split.ward_code == "S13002972" and split.fit_quality == "split" and GOVAN in split.wards


def test_gazetteer_entries_name_real_izs_and_say_where_they_come_from():
    entries = places.entries()
    assert len(entries) > 120
    assert all(e.iz_codes and set(e.iz_codes) <= set(IZS) and e.source for e in entries)
    castlemilk = next(e for e in entries if e.name == "Castlemilk")
    assert {IZS[c].name for c in castlemilk.iz_codes} == {"Castlemilk", "Glenwood North", "Glenwood South"}


# --------------------------------------------------------------------------- the one ward resolver
@pytest.mark.parametrize("text,code", [("Springburn", SPRINGBURN), ("springburn/robroyston", SPRINGBURN),
                                       ("S13002971", GOVAN), ("  govan ", GOVAN), ("Castlemilk", "S13002967"),
                                       ("Victoria Park", VICTORIA_PARK)])
def test_resolve_ward(wards, text, code):
    assert places.resolve_ward(wards, text) == code


@pytest.mark.parametrize("text,message", [
    ("Atlantis", "not a ward"), ("Govanhil", "Did you mean: Govanhill"), ("", "No ward given"),
    ("S13002500", "not one of Glasgow City's 23 ward codes"),
    ("S01006506", "data zone in Aberdeen City"), ("S12000033", "council code")])
def test_unknown_ward_names_the_fix(wards, text, message):
    with pytest.raises(NotFound) as caught:
        places.resolve_ward(wards, text)
    assert message in str(caught.value) and "Fix:" in str(caught.value)


def test_a_place_in_two_wards_is_refused_as_a_ward(wards):
    # Cowlairs: one of its IZs fits Springburn/Robroyston best, the other Canal.
    with pytest.raises(places.AmbiguousPlace) as caught:
        places.resolve_ward(wards, "Cowlairs")
    assert "more than one ward" in str(caught.value) and "Canal" in str(caught.value)


def test_springburn_means_the_same_ward_for_an_insight_csv_and_a_transcript(wards):
    report = importing.import_file(wards, RESEARCHER, _csv([{"ward": "Springburn", "text": "Damp flats."}]), "a.csv")
    assert report.insights_added == 1
    with Session(wards) as session:
        assert session.exec(select(Insight.ward_code)).one() == SPRINGBURN
        from triangulate.residents import store

        assert store.resolve_ward(session, "Springburn") == (SPRINGBURN, None)
    from triangulate.joint import convergence

    assert convergence.ward_code_for(wards, "Springburn") == SPRINGBURN


# --------------------------------------------------------------------------- areas
def test_victoria_park_is_a_ward_and_an_iz(wards):
    with pytest.raises(places.AmbiguousPlace) as caught:
        places.resolve_area(wards, "Victoria Park")
    assert "S13002978" in str(caught.value) and "S02001960" in str(caught.value)
    assert places.resolve_area(wards, "Victoria Park", VICTORIA_PARK).code == "S02001960"


def test_an_iz_split_across_wards_names_the_data_zone_to_use(wards):
    with pytest.raises(places.PlaceMismatch) as caught:
        places.resolve_area(wards, "Craigton", GOVAN)
    message = str(caught.value)
    assert "split across wards" in message and "Pollokshields" in message
    here = [d for d in IZS["S02001857"].dz_codes if DZS[d].ward_code == GOVAN]
    assert all(d in message for d in here)
    area = places.resolve_area(wards, here[0], GOVAN)
    assert area.kind == "dz" and area.iz_codes == ("S02001857",) and area.ward_code == GOVAN


def test_a_neighbourhood_is_cut_to_the_ward(wards):
    pollok = places.resolve_area(wards, "Pollok")
    assert set(pollok.iz_codes) == {"S02001848", "S02001849"}
    assert places.resolve_area(wards, "Pollok", "S13002969").iz_codes == ("S02001848",)


def test_areas_in_ward(wards):
    govan = places.areas_in_ward(wards, GOVAN)
    assert [a.name for a in govan if a.kind == "iz"] == ["Drumoyne and Shieldhall", "Govan and Linthouse", "Ibrox",
                                                         "Ibrox East and Cessnock", "Kinning Park and Festival Park"]
    castlemilk = next(a for a in places.areas_in_ward(wards, "S13002967") if a.name == "Castlemilk"
                      and a.kind == "neighbourhood")
    assert len(castlemilk.iz_codes) == 3
    with pytest.raises(NotFound):
        places.areas_in_ward(wards, "S13999999")


iz_text = st.sampled_from(sorted(IZS)).flatmap(lambda c: st.sampled_from([c, c.lower(), IZS[c].name,
                                                                          IZS[c].name.upper(), f"  {IZS[c].name} "]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=iz_text)
def test_area_parser_finds_every_iz_by_code_or_name(wards, text):
    gazetteer = places.Gazetteer.load(wards)
    code = next(c for c in IZS if places.normal(text) in (places.normal(c), places.normal(IZS[c].name)))
    try:
        area = gazetteer.resolve_area(text)
    except places.AmbiguousPlace:  # an IZ named like its ward (Victoria Park, Langside, …): fine with the ward
        area = gazetteer.resolve_area(text, IZS[code].ward_code)
    assert code in area.iz_codes
    assert gazetteer.resolve_area(text, IZS[code].ward_code).iz_codes == (code,)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dz=st.sampled_from(sorted(DZS)), other=st.sampled_from(sorted(DZS)))
def test_area_parser_dz_codes_and_lists(wards, dz, other):
    gazetteer = places.Gazetteer.load(wards)
    assert gazetteer.resolve_area(dz).iz_codes == (DZS[dz].iz_code,)
    ward = DZS[dz].ward_code
    if DZS[other].ward_code == ward:
        assert places.area_codes(gazetteer, f"{dz}; {other.lower()}", ward) == tuple(
            dict.fromkeys([DZS[dz].iz_code, DZS[other].iz_code]))
    else:
        with pytest.raises(places.PlaceMismatch):
            places.area_codes(gazetteer, f"{dz};{other}", ward)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40))
def test_area_parser_never_fails_other_than_with_a_message(wards, text):
    gazetteer = places.Gazetteer.load(wards)
    try:
        area = gazetteer.resolve_area(text, GOVAN)
    except TriangulateError as exc:
        assert "Fix:" in str(exc)
    else:
        assert area.iz_codes and all(IZS[c].ward_code == GOVAN or area.kind == "dz" for c in area.iz_codes)


# --------------------------------------------------------------------------- insights
def test_insight_form_area_and_its_errors(wards):
    saved = insights.create(wards, OFFICER, ward="Govan", observed_on=date(2025, 3, 1), text="Mould in Ibrox flats.",
                            role_service="Health visiting", evidence_type="caseload pattern", area="Ibrox")
    with Session(wards) as session:
        assert session.exec(select(InsightPlace.iz_code).where(InsightPlace.insight_id == saved.id)).all() == [
            "S02001859"]
    before = _count(wards, Insight)
    with pytest.raises(insights.InvalidInsight) as caught:
        insights.create(wards, OFFICER, ward="Govan", observed_on=date(2025, 3, 1), text="Castlemilk story.",
                        role_service="Health visiting", evidence_type="caseload pattern", area="Castlemilk")
    assert "not in ward Govan" in caught.value.problems["area"] and "Linn" in caught.value.problems["area"]
    assert _count(wards, Insight) == before and _count(wards, InsightPlace) == 1


def test_editing_an_insight_moves_or_clears_its_area(wards):
    saved = insights.create(wards, OFFICER, ward="Govan", observed_on=date(2025, 3, 1), text="Mould in Ibrox flats.",
                            role_service="Health visiting", evidence_type="caseload pattern", area="Ibrox")
    insights.edit(wards, ADMIN, saved.id, area="Cessnock")
    with Session(wards) as session:
        assert session.exec(select(InsightPlace.iz_code)).all() == ["S02001860"]
    with pytest.raises(insights.InvalidInsight) as caught:
        insights.edit(wards, ADMIN, saved.id, ward_code="Linn")
    assert "not in the new ward" in caught.value.problems["area"]
    insights.edit(wards, ADMIN, saved.id, ward_code="Linn", area="Castlemilk")
    insights.edit(wards, ADMIN, saved.id, area="")
    assert _count(wards, InsightPlace) == 0


def test_csv_area_column_bad_rows_name_the_row_and_save_nothing(wards):
    rows = [{"ward": "Govan", "text": "Fine one.", "area": "Ibrox"},
            {"ward": "Govan", "text": "Wrong ward.", "area": "Castlemilk"},
            {"ward": "Govan", "text": "Split IZ.", "area": "Craigton"},
            {"ward": "Govan", "text": "Other council.", "area": "S02001236"},
            {"ward": "Calton", "text": "Both.", "area": "Victoria Park"}]
    with pytest.raises(ImportFailed) as caught:
        importing.import_file(wards, RESEARCHER, _csv(rows), "bad.csv")
    problems = {p.row: p for p in caught.value.problems}
    assert set(problems) == {3, 4, 5, 6} and all(p.column == "area" for p in problems.values())
    assert "Linn" in problems[3].message and "split across wards" in problems[4].message
    assert "Aberdeen City" in problems[5].message and "not in ward Calton" in problems[6].message
    assert _count(wards, Insight) == 0 and _count(wards, InsightPlace) == 0


def test_csv_area_round_trips_through_export(wards):
    rows = [{"ward": "Linn", "text": "Castlemilk families.", "area": "Glenwood"},
            {"ward": "Govan", "text": "By data zone.", "area": IZS["S02001859"].dz_codes[0]}]
    importing.import_file(wards, RESEARCHER, _csv(rows), "good.csv")
    frame = importing.export_frame(wards, RESEARCHER)
    by_text = dict(zip(frame["text"], frame["area"], strict=True))
    assert by_text["Castlemilk families."] == "S02001881; S02001882"
    assert by_text["By data zone."] == "S02001859"
    again = importing.import_file(wards, RESEARCHER, importing.to_csv(frame), "again.csv")
    assert again.insights_added == 0 and _count(wards, InsightPlace) == 3


# --------------------------------------------------------------------------- local names
def test_researcher_adds_a_local_name_audited(wards):
    with pytest.raises(PermissionDenied):
        places.add_local_name(wards, OFFICER, "Wee Ibrox", "Ibrox")
    row = places.add_local_name(wards, RESEARCHER, "Wee Ibrox", "Ibrox", source="residents' group, 2025")
    assert row.iz_codes == ["S02001859"]
    assert places.resolve_area(wards, "wee ibrox", GOVAN).iz_codes == ("S02001859",)
    assert places.resolve_ward(wards, "Wee Ibrox") == GOVAN
    with pytest.raises(places.AmbiguousPlace):
        places.add_local_name(wards, RESEARCHER, "Castlemilk", "Ibrox")
    matcher = place_mentions.matcher_for(places.Gazetteer.load(wards))
    assert [m.iz_codes for m in matcher.find("We met up in Wee Ibrox.")] == [("S02001859",)]
    places.remove_local_name(wards, RESEARCHER, row.id)
    assert _count(wards, PlaceName) == 0
    with Session(wards) as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity == "place_name")).all()
    assert actions == ["create", "delete"]


# --------------------------------------------------------------------------- mentions
@pytest.mark.parametrize("text,found", [
    ("We moved fae Castlemilk tae the Drum.", [("Castlemilk", 3), ("the Drum", 4)]),
    ("Up Calton Hill in Edinburgh, then Tollcross in Edinburgh.", []),
    ("Partick Thistle were playing at Firhill.", [("Firhill", 1)]),
    ("The drum was loud, the woodside path muddy; Woodside is fine.", [("Woodside", 1)]),
    ("Greater Pollok is the ward; Pollok is the scheme.", [("Pollok", 2)]),
    ("[PERSON 1] lives at [ADDRESS 1] near Govan Cross.", [("Govan Cross", 1)]),
    ("Parkheid and Brigton and King’s Park.", [("Parkheid", 3), ("Brigton", 1), ("King’s Park", 2)]),
])
def test_mentions(text, found):
    assert [(m.text, len(m.iz_codes)) for m in place_mentions.find(text)] == found


def test_suggested_area_from_text(wards):
    assert places.suggest_area(wards, "Two families in Cessnock and one in Castlemilk.", GOVAN).code == "S02001860"
    assert places.suggest_area(wards, "Nothing placed here.", GOVAN) is None


# --------------------------------------------------------------------------- transcripts
TRANSCRIPT = (b"Ward: Govan\nMethod: focus group\nFacilitator: Sam Reid\n\n"
              b"Sam: Where are you all from?\n"
              b"Jean: I'm up in Ibrox, been there twenty year. My sister's in Castlemilk now.\n"
              b"Tam: Linthouse. The bus fae Govan Cross never comes.\n"
              b"Sam: And the flats?\n"
              b"Jean: Damp and mould in the weans' room, same as at my pal's at 12 Elder Street.\n")


@pytest.mark.slow
def test_transcript_places_and_mentions_then_erasure(wards):
    from triangulate.access import erasure
    from triangulate.residents import store

    item = store.preview(wards, RESEARCHER, "fg.txt", TRANSCRIPT)
    with pytest.raises(ImportFailed) as caught:
        store.save(wards, RESEARCHER, item, held_at="Castlemilk")
    assert caught.value.problems[0].column == "held_at" and "Linn" in caught.value.problems[0].message
    assert _count(wards, TranscriptPlace) == 0 and _count(wards, SegmentPlace) == 0
    located = store.preview(wards, RESEARCHER, "located.txt", b"---\nward: Govan\nlocation: the Pearce Institute\n"
                            b"---\n" + TRANSCRIPT.split(b"\n\n", 1)[1])
    ready = store.prepare(wards, RESEARCHER, located, residents=["Jean", "Tam"])
    assert ready.places == (("S02001856", "held"),)  # from the file's own location
    saved = store.save(wards, RESEARCHER, item, held_at="Govan Cross", participants_live="Ibrox; Linthouse")
    with Session(wards) as session:
        where = set(session.exec(select(TranscriptPlace.iz_code, TranscriptPlace.role)).all())
        rows = session.exec(select(SegmentPlace.segment_id, SegmentPlace.iz_code, SegmentPlace.source,
                                   SegmentPlace.mention)).all()
    assert where == {("S02001856", "held"), ("S02001859", "lives"), ("S02001856", "lives")}
    mentions = {(iz, words) for _, iz, source, words in rows if source == "mention"}
    assert ("S02001859", "Ibrox") in mentions and ("S02001856", "Govan Cross") in mentions
    assert ("S02001883", "Castlemilk") in mentions  # a mention outside the ward is kept as said
    assert not any("Elder" in words for _, words in mentions)  # the address was redacted first
    segments = {sid for sid, *_ in rows}
    placed = {(s, iz, src) for s, iz, src, _ in rows}
    assert all((sid, "S02001859", "transcript") in placed for sid in segments)
    places.add_local_name(wards, RESEARCHER, "the Weans' Room", "Linthouse")  # a local name, added later
    with pytest.raises(PermissionDenied):
        store.refresh_place_mentions(wards, OFFICER)
    assert store.refresh_place_mentions(wards, RESEARCHER) == len(mentions) + 1
    with Session(wards) as session:
        again = set(session.exec(select(SegmentPlace.iz_code, SegmentPlace.mention)
                                 .where(SegmentPlace.source == "mention")).all())
    assert again == mentions | {("S02001856", "the weans' room")}
    erasure.erase_transcript(wards, RESEARCHER, saved.transcript_id)
    assert _count(wards, TranscriptPlace) == 0 and _count(wards, SegmentPlace) == 0


def test_erasing_an_insight_deletes_its_places(wards):
    from triangulate.access import erasure

    saved = insights.create(wards, OFFICER, ward="Govan", observed_on=date(2025, 3, 1), text="Ibrox flats.",
                            role_service="Health visiting", evidence_type="caseload pattern", area="Ibrox")
    erasure.erase_insight(wards, Actor("admin", "admin"), saved.id)
    assert _count(wards, InsightPlace) == 0


# --------------------------------------------------------------------------- pages
@pytest.mark.slow
def test_places_page_lists_areas_resolves_and_adds_a_local_name(app_env):
    from tests.apptest_helpers import run_page
    from triangulate.core import db

    at = run_page("places.py", Actor("res", "researcher"), ward_code=GOVAN)
    assert not at.exception
    assert "Ibrox East and Cessnock" in set(at.dataframe[0].value["area"])
    at.text_input(key="places_lookup").input("Victoria Park").run()
    assert any("more than one place" in e.value for e in at.error)
    at.text_input(key="places_lookup").input("the Drum").run()
    assert any("Drumchapel" in m.value or "S02001974" in m.value for m in at.markdown)
    form = at.text_input
    form[1].input("Wee Ibrox")
    form[2].input("Ibrox")
    form[3].input("test")
    at.button[0].click().run()
    assert not at.exception and any("Added Wee Ibrox" in s.value for s in at.success)
    engine = db.make_engine(f"sqlite:///{app_env}")
    assert places.resolve_area(engine, "Wee Ibrox").iz_codes == ("S02001859",)
    viewer = run_page("places.py", Actor("v", "viewer"), ward_code=GOVAN)
    assert not viewer.exception and not viewer.button


@pytest.mark.slow
def test_insight_page_suggests_the_area_from_the_text(app_env):
    from tests.apptest_helpers import run_page
    from tests.test_practitioners_pages import _user
    from triangulate.core import db

    at = run_page("insight_new.py", _user(app_env, "officer"), ward_code=GOVAN)
    at.text_area(key="insight_text").input("Two families in Cessnock showed me mould in the kids' room.")
    at.run()
    area = next(s for s in at.selectbox if s.label.startswith("Where in the ward"))
    assert area.value is not None and area.value.code == "S02001860"
    at.button(key="FormSubmitter:insight_details-Save insight").click().run()
    assert not at.exception and any("Saved insight" in s.value for s in at.success)
    engine = db.make_engine(f"sqlite:///{app_env}")
    with Session(engine) as session:
        newest = session.exec(select(func.max(Insight.id))).one()
        assert session.exec(select(InsightPlace.iz_code).where(InsightPlace.insight_id == newest)).all() == [
            "S02001860"]
