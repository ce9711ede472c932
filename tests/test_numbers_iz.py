"""Numbers below the ward: IZ values by the wards' rules, checked against figures worked out by hand.

The small city: wards North and South; IZ A (data zones a1, a2, both in North), IZ B (b1 in North, b2 in
South: split, best fit North by population 200 against 100), IZ C (c1 in South).
"""
import math

import pandas as pd
import pytest
from sqlmodel import Session

from schemas import DataZone, Indicator, IndicatorValue, Ward
from triangulate.core.errors import NotFound
from triangulate.numbers import booster, iz_values

NORTH, SOUTH = "S13000001", "S13000002"
A, B, C = "S02000001", "S02000002", "S02000003"
DZS = [("S01000001", A, NORTH, 100), ("S01000002", A, NORTH, 300), ("S01000003", B, NORTH, 200),
       ("S01000004", B, SOUTH, 100), ("S01000005", C, SOUTH, 400)]
a1, a2, b1, b2, c1 = (d[0] for d in DZS)


def _indicator(s, key, aggregation, unit="fraction", polarity="higher_worse"):
    ind = Indicator(key=key, title=key.replace("_", " "), source="test", publisher="test", period="2020",
                    aggregation=aggregation, unit=unit, polarity=polarity)
    s.add(ind)
    s.flush()
    return ind.id


def _value(s, ind, code, level, value=None, num=None, den=None, suppressed=False):
    s.add(IndicatorValue(indicator_id=ind, area_code=code, area_level=level, period="2020", value=value,
                         numerator=num, denominator=den, suppressed=suppressed))


@pytest.fixture
def city(sqlite_engine):
    with Session(sqlite_engine) as s:
        s.add(Ward(code=NORTH, name="North"))
        s.add(Ward(code=SOUTH, name="South"))
        s.flush()
        for code, iz, ward, pop in DZS:
            s.add(DataZone(code=code, name=code, iz_code=iz, iz_name={A: "Ayr", B: "Bute", C: "Clyde"}[iz],
                           ward_code=ward, population=pop))
        rate = _indicator(s, "rate", "ratio")
        for code, (num, den) in zip([a1, a2, b1, b2, c1], [(10, 100), (90, 300), (20, 200), (40, 100), (40, 400)]):
            _value(s, rate, code, "datazone", num / den, num, den)
        _value(s, rate, "S12000049", "council", 0.2)
        count = _indicator(s, "count", "sum", unit="count")
        for code, v in zip([a1, a2, b2, c1], [5, 7, 3, 10]):
            _value(s, count, code, "datazone", v)
        _value(s, count, b1, "datazone", None, suppressed=True)
        published = _indicator(s, "published", "ratio")
        _value(s, published, A, "intermediate_zone", 0.3, 30, 100)
        _value(s, published, B, "intermediate_zone", 0.5)  # published without numerator: used as it is
        _value(s, published, C, "intermediate_zone", 0.1, 10, 100)
        score = _indicator(s, "score", "population_weighted", unit="score", polarity="higher_better")
        for code, v, den in zip([a1, a2, b1, b2, c1], [10, 20, 30, 40, 50], [100, 300, 200, 100, 400]):
            _value(s, score, code, "datazone", v, None, den)
        ward_only = _indicator(s, "ward_only", "ratio")
        _value(s, ward_only, NORTH, "ward", 0.4, 4, 10)
        _value(s, ward_only, SOUTH, "ward", 0.2, 2, 10)
        s.commit()
    return sqlite_engine


def _row(frame, key, iz):
    hit = frame[(frame["indicator_key"] == key) & (frame["iz_code"] == iz)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_each_iz_has_its_best_fit_ward_and_keeps_the_split(city):
    with Session(city) as s:
        izs = iz_values.iz_wards(s).set_index("iz_code")
    assert izs.loc[A, "ward_code"] == NORTH and izs.loc[A, "ward_share"] == pytest.approx(1.0)
    assert izs.loc[B, "ward_code"] == NORTH and izs.loc[B, "ward_share"] == pytest.approx(2 / 3)
    assert izs.loc[B, "second_ward_code"] == SOUTH
    assert izs.loc[C, "ward_code"] == SOUTH and pd.isna(izs.loc[C, "second_ward_code"])


def test_rates_are_summed_numerators_over_summed_denominators(city):
    with Session(city) as s:
        frame = iz_values.iz_indicator_frame(s)
    a, b, c = (_row(frame, "rate", iz) for iz in (A, B, C))
    assert a["value"] == pytest.approx(100 / 400)  # (10 + 90) / (100 + 300), not the mean of 0.1 and 0.3
    assert b["value"] == pytest.approx(60 / 300)  # across the ward boundary: the IZ is the area
    assert c["value"] == pytest.approx(0.1)
    assert a["ward_value"] == pytest.approx(120 / 600) and c["ward_value"] == pytest.approx(80 / 500)
    assert a["city_value"] == pytest.approx(0.2)  # the stored council figure, as for wards
    sd = math.sqrt(((0.25 - 0.55 / 3) ** 2 + (0.2 - 0.55 / 3) ** 2 + (0.1 - 0.55 / 3) ** 2) / 3)
    assert a["z"] == pytest.approx((0.25 - 0.2) / sd) and c["z"] == pytest.approx((0.1 - 0.2) / sd)
    assert (a["rank"], b["rank"], c["rank"]) == (1, 2, 3) and a["n_ranked"] == 3
    assert (a["rank_in_ward"], b["rank_in_ward"], c["rank_in_ward"]) == (1, 2, 1)
    assert (a["n_in_ward"], c["n_in_ward"]) == (2, 1)
    assert a["source_level"] == "datazone"


def test_counts_sum_and_suppressed_zones_are_left_out_and_counted(city):
    with Session(city) as s:
        frame = iz_values.iz_indicator_frame(s)
    assert _row(frame, "count", A)["value"] == 12
    b = _row(frame, "count", B)
    assert b["value"] == 3 and b["n_suppressed"] == 1 and b["n_areas"] == 2


def test_values_published_by_iz_are_used_as_they_are(city):
    with Session(city) as s:
        frame = iz_values.iz_indicator_frame(s)
    assert _row(frame, "published", B)["value"] == pytest.approx(0.5)  # no numerator: still the IZ's figure
    assert _row(frame, "published", A)["source_level"] == "intermediate_zone"


def test_population_weighted_and_higher_better(city):
    with Session(city) as s:
        frame = iz_values.iz_indicator_frame(s)
    a = _row(frame, "score", A)
    assert a["value"] == pytest.approx((10 * 100 + 20 * 300) / 400)
    c = _row(frame, "score", C)
    assert c["rank"] == 3 and c["z"] < 0  # the highest score is the best: ranked last, negative gap


def test_an_indicator_stored_by_ward_only_has_no_iz_value(city):
    with Session(city) as s:
        row = _row(iz_values.iz_indicator_frame(s), "ward_only", A)
    assert pd.isna(row["value"]) and row["source_level"] == "" and row["ward_value"] == pytest.approx(0.4)


def test_a_neighbourhood_is_aggregated_by_the_same_rules(city):
    with Session(city) as s:
        frame = iz_values.area_indicator_frame(s, {"ayr-clyde": (A, C), A: (A,)})
        izs = iz_values.iz_indicator_frame(s)
    pair = frame[frame["area_code"] == "ayr-clyde"].set_index("indicator_key")
    assert pair.loc["rate", "value"] == pytest.approx(140 / 800)
    assert pair.loc["count", "value"] == 22
    assert pair.loc["published", "value"] == pytest.approx(40 / 200)
    single = frame[frame["area_code"] == A].set_index("indicator_key")
    one = izs[izs["iz_code"] == A].set_index("indicator_key")
    for key in ("rate", "published", "score"):
        assert single.loc[key, "value"] == pytest.approx(one.loc[key, "value"])
        assert single.loc[key, "z"] == pytest.approx(one.loc[key, "z"])


def test_unknown_iz_codes_are_refused_with_the_fix(city):
    with Session(city) as s:
        frame = iz_values.area_indicator_frame(s, {"x": (A, "S02009999"), "y": ("S02009999",)}).set_index(
            ["area_code", "indicator_key"])
    assert frame.loc[("x", "rate"), "value"] == pytest.approx(0.25)  # an IZ with no data zones adds nothing
    assert pd.isna(frame.loc[("y", "rate"), "value"])
    with Session(city) as s, pytest.raises(NotFound, match="no intermediate zone"):
        iz_values.area_indicator_frame(s, {"x": ()})
    with Session(city) as s, pytest.raises(NotFound, match="No intermediate zone 'S02009999'"):
        iz_values.iz_indicator_table(s, "S02009999")


def test_pockets_rank_the_citys_izs_by_the_booster_composite(demo_engine):
    with Session(demo_engine) as s:
        ranked = booster.pockets(s, 0.5, 0.5)
        govan = booster.pockets(s, 0.5, 0.5, ward_code="S13002971")
    assert len(ranked) == 136 and ranked["score"].is_monotonic_decreasing
    z = (ranked["children"] - ranked["children"].mean()) / ranked["children"].std(ddof=0)
    d = (ranked["rate"] - ranked["rate"].mean()) / ranked["rate"].std(ddof=0)
    assert ranked["score"].to_numpy() == pytest.approx((0.5 * z + 0.5 * d).to_numpy())
    assert set(govan["ward_code"]) == {"S13002971"} and sorted(govan["rank_in_ward"]) == list(
        range(1, len(govan) + 1))
    assert set(govan["rank"]) <= set(ranked["rank"])
