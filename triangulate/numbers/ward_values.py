"""The numbers strand: ward values, comparisons with Glasgow and Scotland, ranks and standardised gaps.

Ward values are computed from the finest areas stored (ward rows as given; data zones via the best-fit
lookup; intermediate zones apportioned) by `triangulate.numbers.aggregate`. The whole all-wards frame is computed
once per database state and cached, so the joint display can ask for 23 wards cheaply.

Public functions take a SQLModel `Session` (read-only); imports live in `numbers_import`.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select

from schemas import DataZone, Indicator, IndicatorIssue, IndicatorValue, Ward
from triangulate.core import db
from triangulate.numbers import aggregate
from triangulate.numbers.store import period_sort_key

COUNCIL_LEVEL, COUNTRY_LEVEL = "council", "country"
LEVEL_ORDER = ("ward", "datazone", "intermediate_zone")  # which stored level a ward value is built from
# The key indicators of `python -m triangulate wards` and of the home page.
KEY_INDICATORS = ["income_deprived_rate", "employment_deprived_rate", "cilif_children", "cilif_rate_0_15",
                  "overcrowded_rate", "overcrowded_households_2022", "simd_most_deprived_share", "population",
                  "children_0_15"]

_cache: dict = {}
_lock = threading.Lock()


# --------------------------------------------------------------------------- reading the database
def _version(session: Session) -> tuple | None:
    """The database and its numbers' data version (`core.db`: moved on by every committed write to the
    numbers' tables, so merging two issues or relinking an indicator is seen even when no count changes);
    None when this state must not be cached: no version row, or the session holds writes not yet committed."""
    conn = session.connection()
    if session.new or session.dirty or session.deleted or db.pending_writes(conn):
        return None
    version = db.data_version(conn, "numbers_version")
    return None if version is None else (str(session.get_bind().url), version)


def indicators_frame(session: Session) -> pd.DataFrame:
    """Every indicator's metadata, with its issue codes and the periods and area levels it has."""
    inds = [i.model_dump() for i in session.exec(select(Indicator).order_by(Indicator.id))]
    if not inds:
        return pd.DataFrame(columns=["id", "key", "title", "issue_codes", "periods", "levels", "n_values"])
    df = pd.DataFrame(inds)
    links = pd.DataFrame(session.exec(select(IndicatorIssue.indicator_id, IndicatorIssue.issue_code)).all(),
                         columns=["indicator_id", "issue_code"])
    codes = links.groupby("indicator_id")["issue_code"].apply(lambda s: sorted(s)).to_dict()
    df["issue_codes"] = df["id"].map(lambda i: codes.get(i, []))
    stats = pd.DataFrame(session.exec(
        select(IndicatorValue.indicator_id, IndicatorValue.period, IndicatorValue.area_level,
               func.count(IndicatorValue.id))
        .group_by(IndicatorValue.indicator_id, IndicatorValue.period, IndicatorValue.area_level)).all(),
        columns=["indicator_id", "period", "area_level", "n"])
    periods = stats.groupby("indicator_id")["period"].apply(
        lambda s: sorted(set(s), key=period_sort_key)).to_dict()
    levels = stats.groupby("indicator_id")["area_level"].apply(lambda s: sorted(set(s))).to_dict()
    counts = stats.groupby("indicator_id")["n"].sum().to_dict()
    df["periods"] = df["id"].map(lambda i: periods.get(i, []))
    df["levels"] = df["id"].map(lambda i: levels.get(i, []))
    df["n_values"] = df["id"].map(lambda i: int(counts.get(i, 0)))
    return df


def _values(session: Session) -> pd.DataFrame:
    # Plain tuples from the driver: building 25,000 ORM rows would cost more than everything else here.
    stmt = select(IndicatorValue.indicator_id, IndicatorValue.area_code, IndicatorValue.area_level,
                  IndicatorValue.period, IndicatorValue.value, IndicatorValue.numerator,
                  IndicatorValue.denominator, IndicatorValue.suppressed).where(IndicatorValue.breakdown == "")
    rows = [tuple(r) for r in session.connection().execute(stmt).fetchall()]
    df = pd.DataFrame.from_records(rows, columns=["indicator_id", "area_code", "area_level", "period", "value",
                                                  "numerator", "denominator", "suppressed"])
    for col in ("value", "numerator", "denominator"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["suppressed"] = df["suppressed"].astype(bool)
    return df


def _places(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    wards = pd.DataFrame(session.exec(select(Ward.code, Ward.name, Ward.booster).order_by(Ward.name)).all(),
                         columns=["ward_code", "ward_name", "booster"])
    dzs = pd.DataFrame(session.exec(select(DataZone.code, DataZone.name, DataZone.iz_code, DataZone.iz_name,
                                           DataZone.ward_code, DataZone.fit_quality, DataZone.overlap_share,
                                           DataZone.second_ward_code, DataZone.population)).all(),
                       columns=["code", "name", "iz_code", "iz_name", "ward_code", "fit_quality", "overlap_share",
                                "second_ward_code", "population"])
    return wards, dzs


class State:
    """Everything the computations need, read once per database state."""

    def __init__(self, session: Session):
        self.indicators = indicators_frame(session)
        self.values = _values(session)
        self.wards, self.dzs = _places(session)
        self.dz_ward = self.dzs.set_index("code")["ward_code"]
        children = self.indicators[self.indicators["key"] == "children_0_15"]
        weights = None
        if not children.empty:
            cid = int(children["id"].iloc[0])
            v = self.values[(self.values["indicator_id"] == cid) & (self.values["area_level"] == "datazone")]
            if not v.empty:
                latest = max(v["period"], key=period_sort_key)
                weights = v[v["period"] == latest].set_index("area_code")["value"]
        self.iz_shares = aggregate.iz_shares(self.dzs, weights)
        self.by_indicator = {k: g for k, g in self.values.groupby("indicator_id")}
        self.computed: dict = {}


def read_state(session: Session) -> State:
    """The computations' inputs for the database as it is now, read once and kept until the data change
    (the IZ values in `iz_values` compute on the same state)."""
    version = _version(session)
    if version is None:
        return State(session)
    with _lock:
        state = _cache.get(version)
        if state is None:
            _cache.clear()  # one database state per process is enough; old states are stale
            state = State(session)
            _cache[version] = state
        return state


# --------------------------------------------------------------------------- ward values
def ward_values_at(state: State, ind: pd.Series, period: str) -> pd.DataFrame:
    """One indicator, one period: a row per ward with value, rank, city and Scotland values and z."""
    cache_key = (int(ind["id"]), period)
    if cache_key in state.computed:
        return state.computed[cache_key]
    vals = state.by_indicator.get(int(ind["id"]), state.values.iloc[0:0])
    vals = vals[vals["period"] == period]
    level = next((lv for lv in LEVEL_ORDER if (vals["area_level"] == lv).any()), None)
    wards = state.wards[["ward_code"]].copy()
    if level is None:
        out = wards.assign(value=np.nan, numerator=np.nan, denominator=np.nan, n_areas=0, n_suppressed=0)
        city_value = None
    else:
        rows = vals[vals["area_level"] == level]
        per_ward = aggregate.to_wards(rows, level, ind["aggregation"], ind["unit"], state.dz_ward, state.iz_shares)
        out = wards.merge(per_ward, on="ward_code", how="left")
        out["n_areas"] = out["n_areas"].fillna(0).astype(int)
        out["n_suppressed"] = out["n_suppressed"].fillna(0).astype(int)
        city_value = _stored(vals, COUNCIL_LEVEL)
        if city_value is None:
            city_rows = rows if level != "ward" else per_ward.rename(columns={"ward_code": "area_code"}).assign(
                suppressed=False)
            if level == "ward" and ind["aggregation"] == "population_weighted" \
                    and city_rows["denominator"].isna().all():
                city_value = None
            else:
                agg = aggregate.aggregate(city_rows.assign(group="city"), ind["aggregation"], ind["unit"])
                city_value = None if agg.empty or pd.isna(agg["value"].iloc[0]) else float(agg["value"].iloc[0])
    out = aggregate.compare(out, city_value, ind["polarity"], is_count=ind["aggregation"] == "sum")
    out["city_value"] = city_value
    out["scotland_value"] = _stored(vals, COUNTRY_LEVEL)
    out["period"] = period
    out["source_level"] = level or ""
    state.computed[cache_key] = out
    return out


def _stored(vals: pd.DataFrame, level: str) -> float | None:
    hit = vals[(vals["area_level"] == level) & vals["value"].notna()]
    return None if hit.empty else float(hit["value"].iloc[0])


def latest_period(state: State, ind: pd.Series) -> str | None:
    """The indicator's chosen period if it has values for it, else its latest."""
    periods = ind["periods"]
    if not periods:
        return None
    return ind["period"] if ind["period"] in periods else periods[-1]


def all_wards_indicator_frame(session: Session, periods: dict[str, str] | None = None) -> pd.DataFrame:
    """Long frame, one row per (indicator, ward): value, city_value, scotland_value, rank (1 = worst of the
    23), z (standardised gap to the city, positive = worse; empty for neutral indicators), z_raw, n_areas,
    n_suppressed, issue_codes and the indicator's metadata. `periods` overrides the period per indicator key
    (default: each indicator's latest period)."""
    state = read_state(session)
    cache_key = ("all", tuple(sorted((periods or {}).items())))
    if cache_key in state.computed:
        return state.computed[cache_key].copy()
    frames = []
    for _, ind in state.indicators.iterrows():
        period = (periods or {}).get(ind["key"]) or latest_period(state, ind)
        if period is None:
            continue
        wv = ward_values_at(state, ind, period)
        frames.append(wv.assign(indicator_id=int(ind["id"]), indicator_key=ind["key"], title=ind["title"],
                                unit=ind["unit"], polarity=ind["polarity"], aggregation=ind["aggregation"],
                                source=ind["source"], publisher=ind["publisher"],
                                issue_codes=[tuple(ind["issue_codes"])] * len(wv)))
    if not frames:
        return pd.DataFrame(columns=["indicator_key", "ward_code", "value", "city_value", "scotland_value", "rank",
                                     "z", "n_suppressed", "issue_codes"])
    df = pd.concat(frames, ignore_index=True)
    df = df.merge(state.wards, on="ward_code", how="left")
    state.computed[cache_key] = df
    return df.copy()


def ward_indicator_table(session: Session, ward_code: str) -> pd.DataFrame:
    """The ward on every indicator: value, city_value, scotland_value, rank, n_ranked, z (positive = worse
    than the city), z_raw, n_areas, n_suppressed, issue_codes, period and metadata. One row per indicator."""
    df = all_wards_indicator_frame(session)
    return df[df["ward_code"] == ward_code].reset_index(drop=True)


def indicator_over_time(session: Session, key: str, ward_code: str) -> pd.DataFrame:
    """One indicator in every stored period, oldest first: period, ward, city, scotland (None where a
    figure is not loaded). For trend charts and `describe_trend`."""
    state = read_state(session)
    ind = state.indicators[state.indicators["key"] == key]
    if ind.empty:
        return pd.DataFrame(columns=["period", "ward", "city", "scotland"])
    ind = ind.iloc[0]
    rows = []
    for period in ind["periods"]:
        wv = ward_values_at(state, ind, period)
        hit = wv[wv["ward_code"] == ward_code]
        ward = float(hit["value"].iloc[0]) if not hit.empty and pd.notna(hit["value"].iloc[0]) else None
        city, country = wv["city_value"].iloc[0], wv["scotland_value"].iloc[0]
        rows.append({"period": period, "ward": ward, "city": None if city is None or pd.isna(city) else float(city),
                     "scotland": None if country is None or pd.isna(country) else float(country)})
    return pd.DataFrame(rows, columns=["period", "ward", "city", "scotland"])


@dataclass(frozen=True)
class TrendSummary:
    """A ward against Glasgow on one indicator over time. `direction` is 'widening', 'narrowing', 'steady'
    or 'no trend' (fewer than two periods with both figures); gaps are ward − Glasgow in the indicator's
    own unit; `sentence` says it in words."""

    key: str
    title: str
    direction: str
    first_period: str | None
    last_period: str | None
    first_gap: float | None
    last_gap: float | None
    latest_change: float | None  # the ward's change since the period before its latest
    sentence: str


# A gap that moves by less than this share of its earlier size (or, for a gap near zero, by less than
# 2 % of the city's value) is "steady": small movements in published estimates are noise.
STEADY_SHARE = 0.05


def _amount(value: float, unit: str, signed: bool = False) -> str:
    """A figure or a difference in the indicator's unit; shares as percentages (points for differences)."""
    sign = "+" if signed and value > 0 else ("−" if signed and value < 0 else "")
    v = abs(value) if signed else value
    if unit == "fraction":
        return f"{sign}{v * 100:.1f}" + (" points" if signed else "%")
    if unit == "percent":
        return f"{sign}{v:.1f}" + (" points" if signed else "%")
    if unit == "count":
        return f"{sign}{v:,.0f}"
    return f"{sign}{v:,.2f}"


def describe_trend(over_time: pd.DataFrame, *, key: str = "", title: str = "the indicator", unit: str = "",
                   polarity: str = "higher_worse", ward_name: str = "The ward") -> TrendSummary:
    """Whether the gap between the ward and Glasgow is widening or narrowing, from `indicator_over_time`.
    Compares the earliest and the latest period that have both a ward and a city figure."""
    both = over_time.dropna(subset=["ward", "city"]) if not over_time.empty else over_time
    if len(both) < 2:
        only = both["period"].iloc[0] if len(both) == 1 else None
        said = (f"Only one period of {title} is loaded ({only}), so there is no trend yet." if only
                else f"{title} has no period with both a {ward_name} and a Glasgow figure, so there is no trend.")
        return TrendSummary(key, title, "no trend", only, only, None, None, None, said)
    if unit == "count":
        return _describe_count_trend(over_time, both, key, title, ward_name)
    first, last = both.iloc[0], both.iloc[-1]
    gap0, gap1 = first["ward"] - first["city"], last["ward"] - last["city"]
    tolerance = max(abs(gap0) * STEADY_SHARE, abs(first["city"]) * 0.02, 1e-12)
    if abs(abs(gap1) - abs(gap0)) <= tolerance or (gap0 * gap1 < 0 and abs(gap1 - gap0) <= tolerance):
        direction = "steady"
    else:
        direction = "widening" if abs(gap1) > abs(gap0) else "narrowing"
    if polarity == "neutral":
        side = "above" if gap1 > 0 else "below"
    else:
        worse = (gap1 > 0) == (polarity != "higher_better")
        side = "worse than" if worse else "better than"
    if abs(gap1) <= tolerance:
        where = f"close to Glasgow ({_amount(last['ward'], unit)} against {_amount(last['city'], unit)})"
    else:
        where = f"{side} Glasgow by {_amount(abs(gap1), unit, signed=True).lstrip('+')}"
    moved = {"steady": "has stayed about the same", "widening": "has widened",
             "narrowing": "has narrowed"}[direction]
    sentence = (f"{ward_name} is {where} on {title} in {last['period']}. Since {first['period']} the gap "
                f"{moved} (from {_amount(gap0, unit, signed=True)} to {_amount(gap1, unit, signed=True)}).")
    ward_only = over_time.dropna(subset=["ward"])
    change = None
    if len(ward_only) >= 2:
        change = float(ward_only["ward"].iloc[-1] - ward_only["ward"].iloc[-2])
        sentence += (f" Latest change for {ward_name}: {_amount(change, unit, signed=True)} "
                     f"since {ward_only['period'].iloc[-2]}.")
    return TrendSummary(key, title, direction, str(first["period"]), str(last["period"]), float(gap0),
                        float(gap1), change, sentence)


def _describe_count_trend(over_time: pd.DataFrame, both: pd.DataFrame, key: str, title: str,
                          ward_name: str) -> TrendSummary:
    """Counts are not compared with the city's total but as the ward's share of it: 'widening' means the
    ward holds a growing share of the city's number, 'narrowing' a shrinking one."""
    share = (both["ward"] / both["city"]).where(both["city"] != 0)
    first, last = both.iloc[0], both.iloc[-1]
    s0, s1 = float(share.iloc[0]), float(share.iloc[-1])
    if not (s0 == s0 and s1 == s1):
        return TrendSummary(key, title, "no trend", None, None, None, None, None,
                            f"Glasgow's total of {title} is zero, so there is no trend.")
    direction = "steady" if abs(s1 - s0) <= abs(s0) * STEADY_SHARE else ("widening" if s1 > s0 else "narrowing")
    moved = {"steady": "has stayed about the same", "widening": "has grown", "narrowing": "has shrunk"}[direction]
    ward_only = over_time.dropna(subset=["ward"])
    change = float(ward_only["ward"].iloc[-1] - ward_only["ward"].iloc[-2]) if len(ward_only) >= 2 else None
    sentence = (f"{ward_name} has {last['ward']:,.0f} of Glasgow's {last['city']:,.0f} ({s1:.1%}) on {title} in "
                f"{last['period']}. Since {first['period']} its share of the city's number {moved} "
                f"(from {s0:.1%}).")
    if change is not None:
        sentence += f" Latest change for {ward_name}: {_amount(change, 'count', signed=True)} since " \
                    f"{ward_only['period'].iloc[-2]}."
    return TrendSummary(key, title, direction, str(first["period"]), str(last["period"]),
                        float(first["ward"] - first["city"]), float(last["ward"] - last["city"]), change, sentence)


def trend_against_city(session: Session, key: str, ward_code: str, ward_name: str = "The ward") -> TrendSummary:
    """`describe_trend` for one indicator and ward, read from the database (for the joint display's
    numbers evidence and the ward profile)."""
    state = read_state(session)
    ind = state.indicators[state.indicators["key"] == key]
    if ind.empty:
        return TrendSummary(key, key, "no trend", None, None, None, None, None,
                            f"No indicator {key!r} is loaded, so there is no trend.")
    ind = ind.iloc[0]
    return describe_trend(indicator_over_time(session, key, ward_code), key=key, title=ind["title"],
                          unit=ind["unit"], polarity=ind["polarity"], ward_name=ward_name)


def issue_trends(session: Session, issue_codes, ward_code: str, ward_name: str = "The ward") -> list[TrendSummary]:
    """For the joint display's numbers evidence: whether the ward's gap to Glasgow is widening or narrowing
    on each indicator linked to any of `issue_codes` that is stored for more than one period."""
    wanted = {issue_codes} if isinstance(issue_codes, str) else set(issue_codes)
    ind = read_state(session).indicators
    keys = [k for k, codes, periods in zip(ind["key"], ind["issue_codes"], ind["periods"])
            if wanted & set(codes) and len(periods) > 1]
    return [trend_against_city(session, k, ward_code, ward_name) for k in keys]


def indicators_with_trends(session: Session) -> list[str]:
    """Keys of the indicators stored for more than one period, in the indicators' order."""
    ind = read_state(session).indicators
    return [k for k, p in zip(ind["key"], ind["periods"]) if len(p) > 1]


def datazone_values(session: Session, key: str, ward_code: str | None = None) -> pd.DataFrame:
    """Data-zone values of one indicator (latest period) with each data zone's fit to its ward."""
    state = read_state(session)
    ind = state.indicators[state.indicators["key"] == key]
    dzs = state.dzs if ward_code is None else state.dzs[state.dzs["ward_code"] == ward_code]
    if ind.empty:
        return dzs.assign(value=np.nan, suppressed=False)
    ind = ind.iloc[0]
    vals = state.by_indicator.get(int(ind["id"]), state.values.iloc[0:0])
    vals = vals[(vals["period"] == latest_period(state, ind)) & (vals["area_level"] == "datazone")]
    out = dzs.merge(vals[["area_code", "value", "suppressed"]], left_on="code", right_on="area_code", how="left")
    return out.drop(columns=["area_code"])


def wards_summary(session: Session, keys: list[str] | None = None) -> pd.DataFrame:
    """One row per ward: code, name, booster flag and the key indicators as columns (rates as fractions)."""
    keys = keys or KEY_INDICATORS
    state = read_state(session)
    df = all_wards_indicator_frame(session)
    base = state.wards.rename(columns={"ward_code": "code", "ward_name": "name"})
    if df.empty:
        return base
    wide = df[df["indicator_key"].isin(keys)].pivot(index="ward_code", columns="indicator_key", values="value")
    wide = wide[[k for k in keys if k in wide.columns]]
    return base.merge(wide, left_on="code", right_index=True, how="left")


def loaded_data_summary(session: Session) -> pd.DataFrame:
    """What data is loaded, grouped by source: for the home page."""
    ind = indicators_frame(session)
    if ind.empty:
        return pd.DataFrame(columns=["source", "publisher", "period", "indicators", "licence"])
    ind["latest"] = ind["period"]
    g = ind.groupby(["source", "publisher", "licence"], sort=False)
    return g.agg(indicators=("key", "count"), period=("latest", lambda s: ", ".join(sorted(set(s))))) \
        .reset_index()[["source", "publisher", "period", "indicators", "licence"]]
